"""Purchase orders as planning sees them: lines ordered from a supplier, due on a date, partly
received. The buying workflow (RFQ, award, confirmation, receipt) will extend this; for now the
lines come from a planner's spreadsheet or another system's export.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from flexchain.domain.catalog import validate_sku
from flexchain.domain.checks import choice, code, day, text, whole_number
from flexchain.domain.errors import ValidationError, format_decimal
from flexchain.domain.values import currency_code, money, quantity

__all__ = ["PO_NUMBER_MAX_LENGTH", "POStatus", "PurchaseOrderLine"]

PO_NUMBER_MAX_LENGTH: Final = 64


class POStatus(StrEnum):
    """``open`` lines are still expected; ``closed`` and ``cancelled`` ones are not."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PurchaseOrderLine:
    """Line ``line_no`` of purchase order ``po_number``: ``quantity`` of ``item_sku`` from
    ``supplier_code``, due ``due_date``, of which ``received_quantity`` has arrived.

    ``po_number`` is free text (up to 64 characters), as the buying system numbers its orders.
    """

    po_number: str
    line_no: int
    supplier_code: str
    item_sku: str
    quantity: Decimal
    due_date: date
    received_quantity: Decimal = Decimal(0)
    unit_price: Decimal | None = None
    currency: str = "EUR"
    status: POStatus = POStatus.OPEN

    def __post_init__(self) -> None:
        number = text(self.po_number, "po_number", max_length=PO_NUMBER_MAX_LENGTH)
        object.__setattr__(self, "po_number", number)
        object.__setattr__(self, "line_no", whole_number(self.line_no, "line_no", minimum=1))
        object.__setattr__(self, "supplier_code", code(self.supplier_code, "supplier_code"))
        object.__setattr__(self, "item_sku", validate_sku(self.item_sku, "item_sku"))
        ordered = quantity(self.quantity, "quantity", allow_zero=False)
        received = quantity(self.received_quantity, "received_quantity")
        if received > ordered:
            raise ValidationError(
                "received_quantity",
                f"{format_decimal(received)} received is more than the "
                f"{format_decimal(ordered)} ordered",
            )
        object.__setattr__(self, "quantity", ordered)
        object.__setattr__(self, "received_quantity", received)
        object.__setattr__(self, "due_date", day(self.due_date, "due_date"))
        if self.unit_price is not None:
            object.__setattr__(self, "unit_price", money(self.unit_price, "unit_price"))
        object.__setattr__(self, "currency", currency_code(self.currency))
        object.__setattr__(self, "status", choice(POStatus, self.status, "status"))

    @property
    def key(self) -> str:
        """``PO/LINE``: how plans and audits name the line (``po:PO-1001/2`` as a receipt)."""
        return f"{self.po_number}/{self.line_no}"

    @property
    def open_quantity(self) -> Decimal:
        """What is still to arrive: ordered less received while open, else nothing."""
        if self.status is not POStatus.OPEN:
            return Decimal(0)
        return self.quantity - self.received_quantity
