"""Receiving against a purchase order and inspecting what arrived: pure rules.

* **Receipt.** Each received PO line's running total may exceed what was ordered by at most the
  over-delivery tolerance (``over_pct``); above it the receipt is refused. A line closes (planning
  stops netting it) when its total reaches the ordered quantity less the under-delivery tolerance
  (``under_pct``: a delivery short by up to that share completes the line), or when the receipt
  short-closes it. The line records at most what it ordered (``received_quantity`` never exceeds
  ``quantity``); the receipt line keeps what really arrived.
* **Inspection.** Per receipt line, accepted plus rejected units never exceed what arrived less
  what earlier inspections of it counted; rejected units need a reason.
  First-pass yield = accepted / (accepted + rejected).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from flexchain.domain.checks import text
from flexchain.domain.errors import ValidationError, format_decimal
from flexchain.domain.values import percent, quantity

__all__ = [
    "DEFAULT_OVER_PCT",
    "DEFAULT_UNDER_PCT",
    "ExpectedLine",
    "Inspected",
    "LineReceipt",
    "Tolerance",
    "check_inspection",
    "first_pass_yield",
    "plan_receipt",
]

DEFAULT_OVER_PCT: Final = Decimal(5)
DEFAULT_UNDER_PCT: Final = Decimal(5)
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Tolerance:
    """Over- and under-delivery tolerances, in percent of the ordered quantity."""

    over_pct: Decimal = DEFAULT_OVER_PCT
    under_pct: Decimal = DEFAULT_UNDER_PCT

    def __post_init__(self) -> None:
        object.__setattr__(self, "over_pct", percent(self.over_pct, "over_pct"))
        object.__setattr__(self, "under_pct", percent(self.under_pct, "under_pct"))


@dataclass(frozen=True)
class ExpectedLine:
    """A PO line as a receipt sees it: ordered, received so far, still open or not."""

    line_no: int
    sku: str
    ordered: Decimal
    received: Decimal
    open: bool


@dataclass(frozen=True)
class LineReceipt:
    """What a receipt does to one PO line: ``quantity`` arrived now; the line then records
    ``recorded`` (at most ordered) and ``closes`` or stays open; ``over``/``short`` against the
    ordered quantity after this receipt."""

    line_no: int
    sku: str
    quantity: Decimal
    recorded: Decimal
    closes: bool
    over: Decimal
    short: Decimal


def plan_receipt(
    lines: Mapping[int, ExpectedLine],
    quantities: Mapping[int, object],
    tolerance: Tolerance,
    *,
    po_number: str,
    close_short: bool = False,
) -> list[LineReceipt]:
    """The effect of receiving ``quantities`` (PO line number -> units) on ``lines``.

    >>> lines = {1: ExpectedLine(1, "A", Decimal(40), Decimal(0), True)}
    >>> [(r.recorded, r.closes) for r in plan_receipt(lines, {1: "39"}, Tolerance(), po_number="P")]
    [(Decimal('39'), True)]
    """
    if not quantities:
        raise ValidationError("line", "name at least one line and its quantity, e.g. 1=40")
    result = []
    for line_no in sorted(quantities):
        line = lines.get(line_no)
        field = f"line {line_no}"
        if line is None:
            raise ValidationError(field, f"purchase order {po_number} has no line {line_no}")
        if not line.open:
            raise ValidationError(field, f"{po_number}/{line_no} is closed: nothing is expected")
        amount = quantity(quantities[line_no], field, allow_zero=False)
        total = line.received + amount
        ceiling = line.ordered * (1 + tolerance.over_pct / 100)
        if total > ceiling:
            raise ValidationError(
                field,
                f"receiving {format_decimal(amount)} would bring {po_number}/{line_no} to "
                f"{format_decimal(total)} of {format_decimal(line.ordered)} ordered, above the "
                f"{format_decimal(tolerance.over_pct)} % over-delivery tolerance (at most "
                f"{format_decimal(ceiling)})",
            )
        floor = line.ordered * (1 - tolerance.under_pct / 100)
        result.append(
            LineReceipt(
                line_no,
                line.sku,
                amount,
                min(total, line.ordered),
                close_short or total >= floor,
                max(total - line.ordered, _ZERO),
                max(line.ordered - total, _ZERO),
            )
        )
    return result


@dataclass(frozen=True)
class Inspected:
    accepted: Decimal
    rejected: Decimal
    reason: str


def check_inspection(
    arrived: Decimal,
    inspected_before: Decimal,
    accepted: object,
    rejected: object,
    reason: str,
    *,
    where: str,
) -> Inspected:
    """Check one inspection of a receipt line (``where`` names it in errors).

    >>> check_inspection(Decimal(40), Decimal(0), "38", "2", "stain", where="line 1")
    Inspected(accepted=Decimal('38'), rejected=Decimal('2'), reason='stain')
    """
    good = quantity(accepted, "accepted")
    bad = quantity(rejected, "rejected")
    why = text(reason, "reason", required=False)
    if good + bad == 0:
        raise ValidationError("accepted", f"{where}: accept or reject at least one unit")
    if bad > 0 and not why:
        raise ValidationError("reason", f"{where}: say why {format_decimal(bad)} are rejected")
    left = arrived - inspected_before
    if good + bad > left:
        raise ValidationError(
            "accepted",
            f"{where}: {format_decimal(good + bad)} inspected but only {format_decimal(left)} of "
            f"the {format_decimal(arrived)} received are not inspected yet",
        )
    return Inspected(good, bad, why)


def first_pass_yield(accepted: Decimal, rejected: Decimal) -> Decimal | None:
    """Accepted share of what was inspected, 0..1; ``None`` when nothing was inspected.

    >>> first_pass_yield(Decimal(95), Decimal(5))
    Decimal('0.95')
    """
    inspected = accepted + rejected
    return None if inspected == 0 else accepted / inspected
