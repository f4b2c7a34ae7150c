"""The demo company's purchasing budgets: a brand-wide budget for each of the last months of its
replayed buying, this month and the next, and one for this month with the supplier it spent the
most with last month. They are sized from what was really committed so that ``flexchain budget
list`` reads like a buyer's: the past months within budget but last month, which went over;
this month and the next at the months' average with some headroom.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import budgets

__all__ = ["MONTHS_BACK", "demo_budgets"]

MONTHS_BACK = 3
"""Months before this one given a budget."""
_STEP = Decimal(500)
_HEADROOM = Decimal("1.2")


def _month(day: date, back: int) -> str:
    index = day.year * 12 + day.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _rounded(amount: Decimal, rounding: str) -> Decimal:
    return max((amount / _STEP).to_integral_value(rounding=rounding) * _STEP, _STEP)


def demo_budgets(uow: UnitOfWork, *, base: str, now: datetime) -> int:
    """Set the demo's budgets (module docstring); how many."""
    today = now.date()
    spent = {
        back: budgets.committed_in(uow, _month(today, back), base=base)
        for back in range(MONTHS_BACK, 0, -1)
    }
    totals = {back: sum(by.values(), Decimal(0)) for back, by in spent.items()}
    for back, total in totals.items():
        # last month 10 % short of what was issued (over budget); the others with headroom
        amount = (
            _rounded(total * Decimal("0.9"), ROUND_FLOOR)
            if back == 1
            else _rounded(total * _HEADROOM, ROUND_CEILING)
        )
        budgets.set_budget(uow, _month(today, back), amount, base=base, now=now)
    usual = _rounded(sum(totals.values(), Decimal(0)) / len(totals) * _HEADROOM, ROUND_CEILING)
    for back in (0, -1):
        budgets.set_budget(uow, _month(today, back), usual, base=base, now=now)
    count = len(totals) + 2
    if spent[1]:
        supplier = max(spent[1], key=lambda code: (spent[1][code], code))
        cap = _rounded(spent[1][supplier], ROUND_CEILING)
        budgets.set_budget(uow, _month(today, 0), cap, supplier=supplier, base=base, now=now)
        count += 1
    return count
