"""The views of purchase orders the services return (``po list``/``po show`` and the API), and
the audit entry of a change to an order (its status and each line's figures, before and after).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.buying import PoRecord, SqlBuyingStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import audit

__all__ = ["PoLineView", "PoSummary", "PoView", "audited", "summary", "view"]


@dataclass(frozen=True)
class PoLineView:
    line_no: int
    item: str
    name: str
    quantity: Decimal
    uom: str
    unit_price: Decimal | None
    amount: Decimal | None
    due_date: date
    received: Decimal
    status: str
    confirmed_quantity: Decimal | None
    confirmed_date: date | None
    topup: bool


@dataclass(frozen=True)
class PoSummary:
    """One purchase order as ``po list`` shows it."""

    number: str
    supplier: str
    status: str
    source: str
    currency: str
    total: Decimal | None
    lines: int
    first_due: date | None
    contract: str | None
    rfq: str | None
    created_at: datetime


@dataclass(frozen=True)
class PoView:
    """One purchase order with its lines, confirmations and shipment notices."""

    number: str
    supplier: str
    supplier_name: str
    status: str
    source: str
    currency: str
    contract: str | None
    rfq: str | None
    payment_terms_days: int
    total: Decimal | None
    issued_at: datetime | None
    confirmed_at: datetime | None
    closed_at: datetime | None
    notes: str
    lines: tuple[PoLineView, ...]
    confirmations: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    notices: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``po show --json`` and ``GET /purchase-orders/{number}``."""
        return asdict(self)


def _total(lines: Sequence[PoLineView]) -> Decimal | None:
    live = [line for line in lines if line.status != "cancelled"]
    if not live or any(line.amount is None for line in live):
        return None
    return sum((line.amount for line in live if line.amount is not None), Decimal(0))


def _line(line: Any) -> PoLineView:
    amount = None if line.unit_price is None else line.unit_price * line.quantity
    return PoLineView(
        line.line_no, line.item_sku, line.item_name, line.quantity, line.uom, line.unit_price,
        amount, line.due_date, line.received_quantity, line.status, line.confirmed_quantity,
        line.confirmed_date, line.topup,
    )  # fmt: skip


def summary(po: PoRecord) -> PoSummary:
    lines = [_line(line) for line in po.lines]
    dues = [line.due_date for line in lines if line.status == "open"]
    return PoSummary(
        po.number, po.supplier.code, po.status, po.source, po.currency, _total(lines),
        len(lines), min(dues) if dues else None, po.contract_code, po.rfq_number, po.created_at,
    )  # fmt: skip


def view(store: SqlBuyingStore, po: PoRecord) -> PoView:
    lines = tuple(_line(line) for line in po.lines)
    confirmations = tuple(asdict(c) for c in store.confirmations(po.number))
    notices = tuple(asdict(n) for n in store.notices(po.number))
    return PoView(
        po.number, po.supplier.code, po.supplier.name, po.status, po.source, po.currency,
        po.contract_code, po.rfq_number, po.payment_terms_days, _total(lines), po.issued_at,
        po.confirmed_at, po.closed_at, po.notes, lines, confirmations, notices,
    )  # fmt: skip


def _state(po: PoRecord) -> dict[str, Any]:
    """What the audit trail compares: the header's status and each line's figures."""
    state: dict[str, Any] = {"status": po.status}
    for line in po.lines:
        state[f"line {line.line_no}"] = {
            "item": line.item_sku, "quantity": line.quantity, "unit_price": line.unit_price,
            "due_date": line.due_date, "status": line.status, "topup": line.topup,
        }  # fmt: skip
    return state


def audited(
    uow: UnitOfWork, store: SqlBuyingStore, action: str, before: PoRecord | None, number: str,
    now: datetime, **context: Any,
) -> PoView:  # fmt: skip
    after = store.po(number)
    audit.record_change(
        uow, action, "purchase_order", number,
        before=_state(before) if before else None, after=_state(after), at=now, **context,
    )  # fmt: skip
    return view(store, after)
