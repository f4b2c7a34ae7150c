"""What a supplier receives: an RFQ or a purchase order as plain data, rendered to HTML and PDF
by ``adapters/documents.py`` and e-mailed by ``adapters/mail.py``.

Services build a :class:`PurchaseDocument` from their records; the renderers only lay it out, so
the document says exactly what the database says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

__all__ = ["DocumentKind", "DocumentLine", "Party", "PurchaseDocument"]


class DocumentKind(StrEnum):
    RFQ = "rfq"
    PURCHASE_ORDER = "purchase_order"


@dataclass(frozen=True)
class Party:
    """The brand or the supplier as the document names them."""

    name: str
    code: str = ""
    email: str = ""
    address: str = ""
    country: str = ""


@dataclass(frozen=True)
class DocumentLine:
    """One line: ``quantity`` of ``item_sku`` wanted by ``delivery_date``; an RFQ line has no
    ``unit_price`` (the supplier quotes it), a PO line does."""

    line_no: int
    item_sku: str
    description: str
    quantity: Decimal
    unit: str
    delivery_date: date
    unit_price: Decimal | None = None

    @property
    def amount(self) -> Decimal | None:
        return None if self.unit_price is None else self.unit_price * self.quantity


@dataclass(frozen=True)
class PurchaseDocument:
    """An RFQ (``reply_by`` set) or a purchase order, in ``currency``."""

    kind: DocumentKind
    number: str
    issued_at: datetime
    brand: Party
    supplier: Party
    currency: str
    lines: tuple[DocumentLine, ...]
    payment_terms_days: int = 30
    contract_code: str | None = None
    reply_by: date | None = None
    terms: tuple[str, ...] = field(default_factory=tuple)
    """Clauses that apply, as sentences (retention, top-up ceiling, tolerances)."""
    notes: str = ""

    @property
    def total(self) -> Decimal | None:
        amounts = [line.amount for line in self.lines]
        if not amounts or any(amount is None for amount in amounts):
            return None
        return sum((amount for amount in amounts if amount is not None), Decimal(0))
