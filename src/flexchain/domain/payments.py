"""Paying suppliers: due dates, the quality-fund retention, early-payment discounts, the
settlement of the fund by period and the months of capacity-reservation fees. Pure.

* **Due date**: the invoice date plus the purchase order's payment terms in days.
* **Retention**: a contract with a quality-retention clause holds ``retention_pct`` % of each
  invoice (:meth:`~flexchain.domain.contracts.QualityRetention.retained`) in the supplier's
  quality fund; the rest is payable (5 % of 10,000.00: 500.00 retained, 9,500.00 payable).
* **Early payment**: paying ``days`` before the due date earns the brand a discount of
  ``amount x annual_rate x days / 365``, rounded half-up to cents.
* **Fund settlement** (once per supplier, currency and period, after the period ended; the
  period is the contract's settlement: a month, a quarter, a half or a year,
  :func:`settlement_period`): the period's first-pass yield is accepted / inspected units of
  the supplier's inspections in the period. At or above the target (or with nothing inspected)
  the period's retained amount is released in full; below it, the release is reduced by the
  cost of the period's rejects (rejected units x their PO unit price), never below zero. What
  is not released is forfeited to the brand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flexchain.domain.contracts import QualityRetention, Settlement
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import money, number

__all__ = [
    "FundSettlement",
    "Payable",
    "SettlementPeriod",
    "due_date",
    "early_payment_discount",
    "month_bounds",
    "period_of",
    "quarter_bounds",
    "quarter_of",
    "settle_fund",
    "settlement_period",
    "share_forfeit",
    "split_retention",
]

_CENT = Decimal("0.01")
_QUARTER = re.compile(r"(\d{4})-?Q([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_HALF = re.compile(r"(\d{4})-?H([12])")
_YEAR = re.compile(r"\d{4}")


def due_date(invoice_date: date, terms_days: int) -> date:
    """The day an invoice of ``invoice_date`` is due under ``terms_days`` days' terms.

    >>> due_date(date(2026, 1, 10), 30)
    datetime.date(2026, 2, 9)
    """
    return invoice_date + timedelta(days=terms_days)


@dataclass(frozen=True)
class Payable:
    """An invoice's ``gross`` total split into what the fund ``retained`` and what is payable."""

    gross: Decimal
    retained: Decimal
    payable: Decimal


def split_retention(gross: Decimal, retention: QualityRetention | None) -> Payable:
    """``gross`` less the contract's retention (none without a clause).

    >>> split_retention(Decimal("10000.00"), QualityRetention(Decimal(5)))
    Payable(gross=Decimal('10000.00'), retained=Decimal('500.00'), payable=Decimal('9500.00'))
    """
    kept = retention.retained(gross) if retention is not None else Decimal(0)
    return Payable(gross, kept, gross - kept)


def early_payment_discount(amount: Decimal, annual_rate: Decimal, days_early: int) -> Decimal:
    """The discount for paying ``amount`` ``days_early`` days early at ``annual_rate`` (a
    share: 0.10 for 10 % a year), rounded half-up to cents.

    >>> early_payment_discount(Decimal("9500.00"), Decimal("0.10"), 20)
    Decimal('52.05')
    """
    money(amount, "amount")
    rate = number(annual_rate, "annual_rate")
    if days_early < 0:
        raise ValidationError("days_early", f"must not be negative, got {days_early}")
    return (amount * rate * days_early / 365).quantize(_CENT, ROUND_HALF_UP)


def quarter_of(day: date) -> str:
    """The quarter a day falls in.

    >>> quarter_of(date(2026, 5, 31))
    '2026-Q2'
    """
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """The first and last day of ``2026-Q2`` (or ``2026Q2``).

    >>> quarter_bounds("2026Q4")
    (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    """
    found = _QUARTER.fullmatch(quarter.strip()) if isinstance(quarter, str) else None
    if found is None:
        raise ValidationError("quarter", f"expected a quarter like 2026-Q1, got {quarter!r}")
    year, index = int(found[1]), int(found[2])
    start = date(year, 3 * index - 2, 1)
    end = date(year + 1, 1, 1) if index == 4 else date(year, 3 * index + 1, 1)
    return start, end - timedelta(days=1)


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of ``2026-02``.

    >>> month_bounds("2026-02")
    (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    """
    found = _MONTH.fullmatch(month.strip()) if isinstance(month, str) else None
    if found is None or not 1 <= int(found[2]) <= 12:
        raise ValidationError("month", f"expected a month like 2026-01, got {month!r}")
    year, index = int(found[1]), int(found[2])
    start = date(year, index, 1)
    end = date(year + 1, 1, 1) if index == 12 else date(year, index + 1, 1)
    return start, end - timedelta(days=1)


@dataclass(frozen=True)
class FundSettlement:
    """A quarter's settlement: ``released`` to the supplier, ``forfeited`` to the brand."""

    retained: Decimal
    first_pass_yield: Decimal | None
    rejects_cost: Decimal
    released: Decimal
    forfeited: Decimal


def settle_fund(
    retained: Decimal,
    first_pass_yield: Decimal | None,
    rejects_cost: Decimal,
    target_yield: Decimal,
) -> FundSettlement:
    """Settle a quarter's ``retained`` amount by the rule in the module docstring.

    >>> settle_fund(Decimal(500), Decimal("0.97"), Decimal(120), Decimal("0.98")).released
    Decimal('380.00')
    >>> settle_fund(Decimal(500), Decimal("0.99"), Decimal(120), Decimal("0.98")).released
    Decimal('500')
    """
    if first_pass_yield is None or first_pass_yield >= target_yield:
        released = retained
    else:
        released = max(retained - rejects_cost.quantize(_CENT, ROUND_HALF_UP), Decimal(0))
    return FundSettlement(retained, first_pass_yield, rejects_cost, released, retained - released)


@dataclass(frozen=True)
class SettlementPeriod:
    """A period a quality fund is settled for: ``label`` (``2026-09``, ``2026-Q3``,
    ``2026-H2``, ``2026``), the contracts' ``kind`` of settlement it serves, first and last day."""

    label: str
    kind: Settlement
    start: date
    end: date

    def quarters(self) -> tuple[str, ...]:
        """The quarters the period lies in (the fund's entries are kept by quarter)."""
        first, last = quarter_of(self.start), quarter_of(self.end)
        year, index = self.start.year, (self.start.month - 1) // 3 + 1
        found = [first]
        while found[-1] != last:
            year, index = (year + 1, 1) if index == 4 else (year, index + 1)
            found.append(f"{year}-Q{index}")
        return tuple(found)


def _month_end(year: int, month: int) -> date:
    return (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)


def settlement_period(text: object) -> SettlementPeriod:
    """The period ``text`` names: a month ``2026-09`` (monthly contracts), a quarter
    ``2026-Q3`` or ``2026Q3`` (quarterly), a half ``2026-H2`` (semiannual) or a year ``2026``
    (annual).

    >>> settlement_period("2026-H2")
    SettlementPeriod(label='2026-H2', kind=<Settlement.SEMIANNUAL: 'semiannual'>, \
start=datetime.date(2026, 7, 1), end=datetime.date(2026, 12, 31))
    >>> settlement_period("2026-H2").quarters()
    ('2026-Q3', '2026-Q4')
    """
    value = text.strip().upper() if isinstance(text, str) else ""
    if _QUARTER.fullmatch(value):
        start, end = quarter_bounds(value)
        return SettlementPeriod(quarter_of(start), Settlement.QUARTERLY, start, end)
    if found := _HALF.fullmatch(value):
        year, half = int(found[1]), int(found[2])
        start = date(year, 6 * half - 5, 1)
        return SettlementPeriod(
            f"{year}-H{half}", Settlement.SEMIANNUAL, start, _month_end(year, 6 * half)
        )
    if (found := _MONTH.fullmatch(value)) and 1 <= int(found[2]) <= 12:
        year, month = int(found[1]), int(found[2])
        start = date(year, month, 1)
        return SettlementPeriod(value, Settlement.MONTHLY, start, _month_end(year, month))
    if _YEAR.fullmatch(value):
        year = int(value)
        return SettlementPeriod(value, Settlement.ANNUAL, date(year, 1, 1), date(year, 12, 31))
    raise ValidationError(
        "quarter",
        "expected a period: a month 2026-09, a quarter 2026-Q3, a half 2026-H2 or a year 2026, "
        f"got {text!r}",
    )


def period_of(kind: str, day: date) -> str:
    """The label of the period of settlement ``kind`` that ``day`` falls in.

    >>> period_of("semiannual", date(2026, 9, 30)), period_of("monthly", date(2026, 9, 30))
    ('2026-H2', '2026-09')
    """
    match Settlement(kind):
        case Settlement.MONTHLY:
            return f"{day.year}-{day.month:02d}"
        case Settlement.QUARTERLY:
            return quarter_of(day)
        case Settlement.SEMIANNUAL:
            return f"{day.year}-H{1 if day.month <= 6 else 2}"
        case _:
            return str(day.year)


def share_forfeit(amounts: Sequence[Decimal], forfeited: Decimal) -> list[tuple[Decimal, Decimal]]:
    """(released, forfeited) of each retained amount when ``forfeited`` of their total is
    forfeited: the forfeit is taken from the amounts in order, each up to its size.

    >>> share_forfeit([Decimal("300.00"), Decimal("185.00")], Decimal("300.00"))
    [(Decimal('0.00'), Decimal('300.00')), (Decimal('185.00'), Decimal('0.00'))]
    """
    left, shares = forfeited, []
    for amount in amounts:
        taken = min(left, max(amount, Decimal(0)))
        left -= taken
        shares.append((amount - taken, taken))
    return shares
