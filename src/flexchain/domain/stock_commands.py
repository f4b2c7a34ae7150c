"""The rules of the stock commands (``flexchain stock receive|transfer|adjust|count``): which move
each one posts, and how a receipt counts against the open purchase order lines it names.

Pure: the use cases in :mod:`flexchain.services.stock_commands` load the figures, call these, and
write the moves through the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from flexchain.domain.errors import ValidationError, format_decimal
from flexchain.domain.purchasing import POStatus
from flexchain.domain.stock import Location, LocationKind

__all__ = [
    "ADJUSTMENT",
    "RECEIPTS",
    "SOURCES",
    "OpenLine",
    "ReceivedLine",
    "check_holds_stock",
    "count_difference",
    "po_reference",
    "receive_against",
]

RECEIPTS: Final = "RECEIPTS"
"""The external location goods come from when a receipt names no purchase order of a supplier
that has a supplier location."""
ADJUSTMENT: Final = "ADJUSTMENT"
"""The scrap-kind location adjustments and counts post their difference to or from (the same
one the stock import uses)."""
SOURCES: Final = {
    RECEIPTS: ("Receipts from suppliers", LocationKind.SUPPLIER),
    ADJUSTMENT: ("Stock count adjustments", LocationKind.SCRAP),
}
"""The external locations the commands create when first needed: code -> (name, kind)."""


def check_holds_stock(location: Location, field: str) -> None:
    """Stock is received, counted, adjusted and transferred only at internal locations
    (warehouse, factory, transit); ``field`` is the flag the user gave it with."""
    if not location.holds_stock:
        raise ValidationError(
            field, f"{location.code} is a {location.kind} location and holds no stock"
        )


def count_difference(counted: Decimal, on_hand: Decimal, reserved: Decimal) -> Decimal:
    """What ``stock count`` posts: counted - on hand (positive: found, negative: lost).

    A count below what is reserved there is refused: release the reservations first.

    >>> count_difference(Decimal(7), Decimal(10), Decimal(0))
    Decimal('-3')
    """
    if counted < 0:
        raise ValidationError("quantity", f"must not be negative, got {format_decimal(counted)}")
    if counted < reserved:
        raise ValidationError(
            "quantity",
            f"{format_decimal(counted)} is below the {format_decimal(reserved)} reserved there; "
            "release reservations first",
        )
    return counted - on_hand


def po_reference(reference: str) -> tuple[str, int | None]:
    """The purchase order number and line a receipt's reference may name: ``PO-1001`` (any
    open line of the item) or ``PO-1001/2`` (line 2).

    >>> po_reference("PO-1001/2")
    ('PO-1001', 2)
    >>> po_reference("DN 55")
    ('DN 55', None)
    """
    number, slash, line = reference.strip().rpartition("/")
    if slash and number.strip() and line.strip().isdigit():
        return number.strip(), int(line)
    return reference.strip(), None


@dataclass(frozen=True)
class OpenLine:
    """An open purchase order line of the received item."""

    po_number: str
    line_no: int
    supplier_code: str
    quantity: Decimal
    received_quantity: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.received_quantity


@dataclass(frozen=True)
class ReceivedLine:
    """A line after a receipt: what it has now received and whether it is still open."""

    po_number: str
    line_no: int
    received_quantity: Decimal
    status: POStatus

    @property
    def key(self) -> str:
        return f"{self.po_number}/{self.line_no}"


def receive_against(lines: Sequence[OpenLine], quantity: Decimal) -> list[ReceivedLine]:
    """Count ``quantity`` received against ``lines`` in line order: each takes up to what it
    still expects and is closed when complete. What exceeds every line (an over-delivery) is
    received in stock but recorded as the last line complete (a line never records more than
    it ordered).

    >>> lines = [OpenLine("PO-1", 1, "S", Decimal(10), Decimal(4)),
    ...          OpenLine("PO-1", 2, "S", Decimal(5), Decimal(0))]
    >>> received = receive_against(lines, Decimal(8))
    >>> [(r.line_no, r.received_quantity, r.status.value) for r in received]
    [(1, Decimal('10'), 'closed'), (2, Decimal('2'), 'open')]
    """
    result = []
    left = quantity
    for line in sorted(lines, key=lambda line: line.line_no):
        if left <= 0:
            break
        taken = min(left, line.remaining)
        left -= taken
        received = line.received_quantity + taken
        status = POStatus.CLOSED if received >= line.quantity else POStatus.OPEN
        result.append(ReceivedLine(line.po_number, line.line_no, received, status))
    return result
