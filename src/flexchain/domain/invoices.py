"""Supplier invoices: their lifecycle, the three-way match and duplicate detection. Pure.

Lifecycle: ``received -> matched | held``; ``held -> matched`` (a person releases the hold,
with a reason) or ``rejected``; ``matched -> approved -> scheduled -> paid``. ``paid`` and
``rejected`` are final.

**Three-way match** (purchase order, receipt, invoice), per invoice line (a PO line):

* the currency must be the purchase order's;
* price: the invoiced unit price may exceed the PO line's price by at most ``price_pct`` %;
* quantity: what this and the earlier matched invoices bill for the line may exceed what was
  received and accepted (received less rejected at inspection) by at most ``quantity_pct`` %.
  Billing for goods not received yet is a *short receipt*.

**Duplicates**: an invoice is held as a possible duplicate when the same supplier already sent
one with the same supplier invoice number, or one for the same purchase order with the same
total dated within ``DUPLICATE_WINDOW_DAYS`` days of it.
Every mismatch is a reason; an invoice with any reason is ``held`` with all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final

from flexchain.domain.checks import choice
from flexchain.domain.errors import IllegalTransition, format_amount, format_decimal
from flexchain.domain.values import percent

__all__ = [
    "DUPLICATE_WINDOW_DAYS",
    "INVOICE_ALLOWED",
    "BilledLine",
    "InvoiceStatus",
    "MatchTolerance",
    "PoLineFacts",
    "PriorInvoice",
    "duplicate_reasons",
    "invoice_transition",
    "line_amount",
    "match_reasons",
]

DUPLICATE_WINDOW_DAYS: Final = 30
_CENT = Decimal("0.01")


class InvoiceStatus(StrEnum):
    RECEIVED = "received"
    MATCHED = "matched"
    HELD = "held"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PAID = "paid"
    REJECTED = "rejected"


_S = InvoiceStatus
INVOICE_ALLOWED: Final[Mapping[InvoiceStatus, frozenset[InvoiceStatus]]] = {
    _S.RECEIVED: frozenset({_S.MATCHED, _S.HELD}),
    _S.HELD: frozenset({_S.MATCHED, _S.REJECTED}),
    _S.MATCHED: frozenset({_S.APPROVED}),
    _S.APPROVED: frozenset({_S.SCHEDULED}),
    _S.SCHEDULED: frozenset({_S.PAID}),
    _S.PAID: frozenset(),
    _S.REJECTED: frozenset(),
}
BILLED: Final = frozenset({_S.MATCHED, _S.APPROVED, _S.SCHEDULED, _S.PAID})
"""Statuses whose lines count as billed when the next invoice is matched."""


def invoice_transition(number: str, current: str, target: str) -> InvoiceStatus:
    """``target`` if invoice ``number`` in ``current`` may move there, else IllegalTransition.

    >>> try:
    ...     invoice_transition("INV-1", "held", "approved")
    ... except IllegalTransition as error:
    ...     print(error)
    invoice INV-1 is held: it cannot become approved (allowed: matched, rejected)
    """
    start = choice(InvoiceStatus, current, "status")
    end = choice(InvoiceStatus, target, "status")
    allowed = INVOICE_ALLOWED[start]
    if end in allowed:
        return end
    if not allowed:
        raise IllegalTransition(
            f"invoice {number} is {start}, which is final: it cannot become {end}"
        )
    names = ", ".join(status for status in InvoiceStatus if status in allowed)
    raise IllegalTransition(
        f"invoice {number} is {start}: it cannot become {end} (allowed: {names})"
    )


@dataclass(frozen=True)
class MatchTolerance:
    """How far an invoice may go beyond the PO price and the accepted quantity, in percent."""

    price_pct: Decimal = Decimal(2)
    quantity_pct: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "price_pct", percent(self.price_pct, "price_pct"))
        object.__setattr__(self, "quantity_pct", percent(self.quantity_pct, "quantity_pct"))


@dataclass(frozen=True)
class PoLineFacts:
    """A PO line as the match sees it: its price, what was accepted, what was billed before."""

    line_no: int
    unit_price: Decimal | None
    accepted: Decimal
    billed: Decimal


@dataclass(frozen=True)
class BilledLine:
    """One invoice line: ``quantity`` of PO line ``line_no`` at ``unit_price``."""

    line_no: int
    quantity: Decimal
    unit_price: Decimal


def line_amount(line: BilledLine) -> Decimal:
    """Quantity x unit price, rounded half-up to cents."""
    return (line.quantity * line.unit_price).quantize(_CENT, ROUND_HALF_UP)


def match_reasons(
    lines: Sequence[BilledLine],
    po: Mapping[int, PoLineFacts],
    *,
    po_number: str,
    po_currency: str,
    currency: str,
    tolerance: MatchTolerance,
) -> list[str]:
    """Every way the invoice fails the three-way match (empty: it matches)."""
    reasons = []
    if currency != po_currency:
        reasons.append(f"currency {currency} is not the purchase order's {po_currency}")
    for line in lines:
        facts = po.get(line.line_no)
        where = f"line {line.line_no}"
        if facts is None:
            reasons.append(f"{where}: purchase order {po_number} has no line {line.line_no}")
            continue
        if facts.unit_price is not None:
            ceiling = facts.unit_price * (1 + tolerance.price_pct / 100)
            if line.unit_price > ceiling:
                over = (line.unit_price / facts.unit_price - 1) * 100
                reasons.append(
                    f"{where}: price {format_amount(line.unit_price)} is "
                    f"{format_decimal(over.quantize(_CENT))} % above the PO price "
                    f"{format_amount(facts.unit_price)} (tolerance "
                    f"{format_decimal(tolerance.price_pct)} %)"
                )
        billed = facts.billed + line.quantity
        if billed > facts.accepted * (1 + tolerance.quantity_pct / 100):
            before = f" ({format_decimal(facts.billed)} billed before)" if facts.billed else ""
            reasons.append(
                f"{where}: short receipt: {format_decimal(billed)} billed{before} but "
                f"{format_decimal(facts.accepted)} received and accepted (tolerance "
                f"{format_decimal(tolerance.quantity_pct)} %)"
            )
    return reasons


@dataclass(frozen=True)
class PriorInvoice:
    """An invoice already registered from the same supplier."""

    number: str
    supplier_invoice_number: str
    po_number: str
    total: Decimal
    invoice_date: date
    status: InvoiceStatus


def duplicate_reasons(
    supplier_invoice_number: str,
    po_number: str,
    total: Decimal,
    invoice_date: date,
    prior: Sequence[PriorInvoice],
    *,
    window_days: int = DUPLICATE_WINDOW_DAYS,
) -> list[str]:
    """Why the invoice looks like one the supplier already sent (rejected ones aside).

    >>> old = PriorInvoice("INV-1", "F-7", "PO-1", Decimal(100), date(2026, 1, 2), "approved")
    >>> duplicate_reasons("F-7", "PO-2", Decimal(5), date(2026, 3, 1), [old])
    ['duplicate: supplier invoice F-7 is already registered as INV-1']
    """
    reasons = []
    for other in prior:
        if other.status == InvoiceStatus.REJECTED:
            continue
        if other.supplier_invoice_number == supplier_invoice_number:
            reasons.append(
                f"duplicate: supplier invoice {supplier_invoice_number} is already registered "
                f"as {other.number}"
            )
        elif (
            other.po_number == po_number
            and other.total == total
            and abs((other.invoice_date - invoice_date).days) <= window_days
        ):
            reasons.append(
                f"possible duplicate: {other.number} bills the same {format_amount(total)} on "
                f"{po_number} within {window_days} days"
            )
    return reasons
