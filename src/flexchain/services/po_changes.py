"""Requests to change a purchase order line's quantity (``CHG-000001``) and the supplier's
answer: the scorecards' responsiveness to volume changes.

The brand asks (:func:`request_change`) for a new quantity on an open line of a sent or
confirmed order, within the trade's band (setting ``po_change_max_pct``, default +/-30 %; a
larger change is refused up front), never below what has arrived, one open request per line.
The supplier (or the buyer on its behalf) answers (:func:`answer_change`):

* ``accepted``: the line's quantity becomes the new one (and its confirmed quantity, if the
  order was confirmed), so planning nets what will now arrive;
* ``redated``: the same, delivered on the new date the supplier names (the line's due date,
  and confirmed date, move to it);
* ``refused``: the line stays as it was.

The brand may withdraw an open request (:func:`withdraw_change`). The purchase order itself is
read and changed through the buying store (:class:`SqlBuyingStore`); each change is audited on
the request (entity ``po_change``) and, when the line changes, on the order. Nothing here
commits; ``now`` comes from the caller.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flexchain.adapters.db.buying import PoLineRecord, PoRecord, SqlBuyingStore
from flexchain.adapters.db.supplier_events import SqlSupplierEventStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain import supplier_events as rules
from flexchain.domain.checks import choice, code, text, whole_number
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.supplier_events import (
    DEFAULT_MAX_CHANGE_PCT,
    ChangeLine,
    ChangeRequest,
    ChangeStatus,
    brand_only,
)
from flexchain.domain.values import utc
from flexchain.services import audit
from flexchain.services.po_views import audited

__all__ = [
    "ChangeRequest",
    "answer_change",
    "list_changes",
    "request_change",
    "show_change",
    "withdraw_change",
]

ENTITY = "po_change"


def _line(po: PoRecord, line_no: int) -> tuple[PoLineRecord, ChangeLine]:
    for line in po.lines:
        if line.line_no == line_no:
            return line, ChangeLine(
                po.number, po.status, line.line_no, line.item_sku, line.quantity,
                line.received_quantity, line.due_date, line.status,
            )  # fmt: skip
    raise ValidationError("line", f"purchase order {po.number} has no line {line_no}")


def _request(store: SqlSupplierEventStore, number: str, po_number: str | None) -> ChangeRequest:
    request = store.change(code(number, "number"), lock=True)
    if po_number is not None and request.po_number != po_number:
        raise NotFound(f"no change request {number!r} on purchase order {po_number!r}")
    return request


def _note(value: object) -> str:
    return text(value if value is not None else "", "note", max_length=2000, required=False)


def request_change(
    uow: UnitOfWork,
    po_number: str,
    line_no: int,
    new_quantity: object,
    *,
    note: str = "",
    max_pct: Decimal = DEFAULT_MAX_CHANGE_PCT,
    now: datetime,
) -> ChangeRequest:
    """The brand asks the supplier of order ``po_number`` to change line ``line_no`` to
    ``new_quantity`` (within +/-``max_pct`` %; entrypoints pass ``po_change_max_pct``)."""
    now = utc(now, "now")
    brand_only(uow.supplier_scope, "requesting a change to an order")
    buying = SqlBuyingStore(uow)
    store = SqlSupplierEventStore(uow)
    po = buying.po(text(po_number, "po_number", max_length=64), lock=True)
    number_of_line = whole_number(line_no, "line", minimum=1, maximum=2**31 - 1)
    _, line = _line(po, number_of_line)
    new, pct = rules.check_change(
        line, new_quantity, open_request=store.open_change(po.number, line.line_no),
        max_pct=max_pct,
    )  # fmt: skip
    number = store.next_number("chg")
    store.add_change(
        number=number, po_number=po.number, line_no=line.line_no, supplier_id=po.supplier.id,
        old_quantity=line.quantity, new_quantity=new, change_pct=pct, requested_at=now,
        requested_by=uow.actor, status=ChangeStatus.OPEN.value, note=_note(note),
    )  # fmt: skip
    audit.record_change(
        uow, "requested", ENTITY, number,
        after={"status": ChangeStatus.OPEN, "po": po.number, "line": line.line_no,
               "old_quantity": line.quantity, "new_quantity": new, "change_pct": pct},
        at=now,
    )  # fmt: skip
    return store.change(number)


def answer_change(
    uow: UnitOfWork,
    number: str,
    answer: str,
    *,
    new_date: date | None = None,
    note: str = "",
    po_number: str | None = None,
    now: datetime,
) -> ChangeRequest:
    """The supplier (its own requests only) or a buyer for it answers open request ``number``:
    ``accepted``, ``redated`` (with ``new_date``) or ``refused``; accepting or re-dating changes
    the order line at once. ``po_number``: the request must be of that order (else unknown)."""
    now = utc(now, "now")
    store = SqlSupplierEventStore(uow)
    buying = SqlBuyingStore(uow)
    request = _request(store, number, po_number)
    po = buying.po(request.po_number, lock=True)
    record, line = _line(po, request.line_no)
    status, when = rules.answer_change(request, line, answer, new_date)
    why = _note(note)
    if status is not ChangeStatus.REFUSED:
        confirmed = record.confirmed_quantity is not None
        values: dict[str, object] = {"quantity": request.new_quantity}
        if confirmed:
            values["confirmed_quantity"] = request.new_quantity
        if when is not None:
            values["due_date"] = when
            if confirmed:
                values["confirmed_date"] = when
        buying.set_line(po.number, line.line_no, **values)
        audited(uow, buying, "quantity_changed", po, po.number, now, change=request.number,
                answer=status.value)  # fmt: skip
    store.set_change(
        request.number, status=status.value, answered_at=now, answered_by=uow.actor,
        new_date=when, note="\n".join(part for part in (request.note, why) if part),
    )  # fmt: skip
    return _audited(uow, store, request, now, why)


def _audited(
    uow: UnitOfWork, store: SqlSupplierEventStore, before: ChangeRequest, now: datetime, why: str
) -> ChangeRequest:
    after = store.change(before.number)
    audit.record_change(
        uow, after.status.value, ENTITY, before.number,
        before={"status": before.status}, after={"status": after.status,
        "new_date": after.new_date}, at=now, po=before.po_number, line=before.line_no,
        note=why or None,
    )  # fmt: skip
    return after


def withdraw_change(
    uow: UnitOfWork, number: str, *, note: str = "", po_number: str | None = None, now: datetime
) -> ChangeRequest:
    """The brand withdraws open request ``number`` (of order ``po_number``, if given); the order
    line stays as it was."""
    now = utc(now, "now")
    brand_only(uow.supplier_scope, "withdrawing a change request")
    store = SqlSupplierEventStore(uow)
    request = _request(store, number, po_number)
    status = rules.withdraw_change(request)
    why = _note(note)
    store.set_change(
        request.number, status=status.value, answered_at=now, answered_by=uow.actor,
        note="\n".join(part for part in (request.note, why) if part),
    )  # fmt: skip
    return _audited(uow, store, request, now, why)


def show_change(uow: UnitOfWork, number: str) -> ChangeRequest:
    """One change request (a supplier's user: only its own)."""
    return SqlSupplierEventStore(uow).change(code(number, "number"))


def list_changes(
    uow: UnitOfWork,
    *,
    po_number: str | None = None,
    supplier: str | None = None,
    status: str | None = None,
    limit: int = 1000,
) -> list[ChangeRequest]:
    """Change requests newest first, of order ``po_number`` (which must exist), ``supplier``
    and/or in ``status`` (open, accepted, redated, refused, withdrawn); a supplier's user sees
    only its own."""
    store = SqlSupplierEventStore(uow)
    if po_number is not None:
        po_number = SqlBuyingStore(uow).po(text(po_number, "po_number", max_length=64)).number
    wanted = choice(ChangeStatus, status, "status").value if status else None
    who = store.supplier(code(supplier, "supplier")).code if supplier else None
    count = whole_number(limit, "limit", minimum=1, maximum=10_000)
    return store.changes(po_number=po_number, supplier=who, status=wanted, limit=count)
