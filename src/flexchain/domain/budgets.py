"""Purchasing budgets: what a month's budget (brand-wide or for one supplier) has left once the
purchase orders issued in it are counted. Pure.

A budget is an amount in the brand's currency for a month. It is *committed* by purchase orders
issued in that month (the buyer's spending decision; counted in the month of the issue date,
valued at the rate of that date) and *invoiced* by invoices approved or paid dated in it (at
the rate of the invoice date). What remains, and the share used, are measured on the committed
figure: an order's invoice often falls in a later month, and counting it there as well would
spend the same money twice. The invoiced figure shows how much of it has turned into bills.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flexchain.domain.errors import ValidationError, format_amount
from flexchain.domain.values import money

__all__ = ["BudgetLine", "month", "over_budget", "scope_label", "share_used"]

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_SHARE = Decimal("0.1")


def month(value: object, field: str = "month") -> str:
    """A month like ``2026-03`` (its canonical text)."""
    found = _MONTH.fullmatch(value.strip()) if isinstance(value, str) else None
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
        raise ValidationError(field, f"expected a month like 2026-01, got {value!r}")
    return found[0]


def scope_label(supplier: str | None) -> str:
    """How a budget's scope reads: ``brand-wide`` or ``supplier ACME``."""
    return f"supplier {supplier}" if supplier else "brand-wide"


def share_used(budget: Decimal, committed: Decimal) -> Decimal | None:
    """``committed`` as a percentage of ``budget`` to one decimal (None: a budget of zero).

    >>> share_used(Decimal("1000"), Decimal("250.50"))
    Decimal('25.1')
    """
    if budget == 0:
        return None
    return (committed * 100 / budget).quantize(_SHARE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BudgetLine:
    """A month's budget for a scope (``supplier`` None: brand-wide) and what counts against
    it, all in ``currency`` (the brand's)."""

    month: str
    supplier: str | None
    currency: str
    budget: Decimal
    committed: Decimal
    invoiced: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "budget", money(self.budget, "budget"))

    @property
    def remaining(self) -> Decimal:
        """The budget less what is committed; negative when over budget."""
        return self.budget - self.committed

    @property
    def share_used(self) -> Decimal | None:
        return share_used(self.budget, self.committed)

    @property
    def scope(self) -> str:
        return scope_label(self.supplier)

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month,
            "supplier": self.supplier,
            "scope": self.scope,
            "currency": self.currency,
            "budget": self.budget,
            "committed": self.committed,
            "invoiced": self.invoiced,
            "remaining": self.remaining,
            "share_used": self.share_used,
        }


def over_budget(line: BudgetLine, document: str) -> str | None:
    """The warning for ``line`` once ``document`` counts in it, or None within budget."""
    if line.remaining >= 0:
        return None
    return (
        f"{document} puts the {line.scope} budget of {line.month} over: committed "
        f"{format_amount(line.committed)} {line.currency} of {format_amount(line.budget)} "
        f"{line.currency}, over by {format_amount(-line.remaining)} {line.currency}"
    )
