"""Ad-hoc capacity holds: "hold 300 m for two weeks, firm order within 48 h".

A hold is recorded with its expiry (``held_until``) and its firm-by deadline; it is the brand's
capacity to call (the sourcing optimiser reads :func:`active_holds`) until it is firmed into an
order, released, or lapses because no firm order came by ``firm_by`` (a query, not a job: a
lapsed hold is simply no longer active). Every change is audited (entity ``capacity_hold``).

The brand may instead *request* a hold (``hold_capacity(..., request=True)``): the supplier
accepts it (:func:`accept_hold`: it is held from then on) or declines it with a reason
(:func:`decline_hold`); until accepted it is no capacity, and unanswered by ``firm_by`` it
lapses. The brand may withdraw a request (:func:`release_hold`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.buying import SqlBuyingStore
from flexchain.adapters.db.capacity_holds import HoldRecord, SqlHoldStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.buying import CapacityHold, HoldStatus, hold_move
from flexchain.domain.checks import code, text, whole_number
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.values import utc
from flexchain.services import audit

__all__ = [
    "DEFAULT_FIRM_HOURS",
    "HoldView",
    "accept_hold",
    "active_holds",
    "decline_hold",
    "firm_hold",
    "hold_capacity",
    "list_holds",
    "release_hold",
]

DEFAULT_FIRM_HOURS = 48
"""Hours the brand has to firm an order against a hold unless told otherwise."""


@dataclass(frozen=True)
class HoldView:
    """A hold; ``state`` is its status, or ``lapsed`` for a held (or requested) one past
    ``firm_by``, ``expired`` past ``held_until``."""

    id: int
    supplier: str
    item: str | None
    process: str | None
    quantity: Decimal
    unit: str
    held_from: date
    held_until: date
    firm_by: datetime
    status: str
    state: str
    po_number: str | None
    note: str
    decline_reason: str = ""
    """Why the supplier declined a requested hold."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _domain(record: HoldRecord) -> CapacityHold:
    return CapacityHold(
        record.supplier, record.quantity, record.unit, record.held_from, record.held_until,
        record.firm_by, record.item_sku, record.process, HoldStatus(record.status), record.note,
    )  # fmt: skip


def _view(record: HoldRecord, now: datetime) -> HoldView:
    hold = _domain(record)
    state = "lapsed" if hold.lapsed(now) else record.status
    if state in ("held", "requested") and now.date() > record.held_until:
        state = "expired"
    return HoldView(
        record.id, record.supplier, record.item_sku, record.process, record.quantity,
        record.unit, record.held_from, record.held_until, record.firm_by, record.status, state,
        record.po_number, record.note, record.decline_reason,
    )  # fmt: skip


def hold_capacity(
    uow: UnitOfWork,
    *,
    supplier: str,
    quantity: Decimal | int | str,
    unit: str,
    held_from: date,
    days: int | None = None,
    held_until: date | None = None,
    firm_within_hours: int = DEFAULT_FIRM_HOURS,
    item: str | None = None,
    process: str | None = None,
    note: str = "",
    request: bool = False,
    now: datetime,
) -> HoldView:
    """Record a hold of ``quantity`` ``unit`` at ``supplier`` from ``held_from`` for ``days``
    (or until ``held_until``), to be firmed within ``firm_within_hours`` of ``now``;
    ``request``: ask the supplier for it instead (it answers by then, or the request lapses)."""
    now = utc(now, "now")
    if (days is None) == (held_until is None):
        raise ValidationError("held_until", "give either days or held_until")
    if days is not None:
        held_until = held_from + timedelta(days=whole_number(days, "days", minimum=1) - 1)
    hours = whole_number(firm_within_hours, "firm_within_hours", minimum=1, maximum=24 * 366)
    hold = CapacityHold(
        code(supplier, "supplier"), quantity, unit, held_from, held_until,  # type: ignore[arg-type]
        now + timedelta(hours=hours), item or None, process or None,
        HoldStatus.REQUESTED if request else HoldStatus.HELD, note,
    )  # fmt: skip
    store, holds = SqlBuyingStore(uow), SqlHoldStore(uow)
    found = store.supplier(hold.supplier_code)
    item_id = None
    if hold.item_sku is not None:
        items = store.items([hold.item_sku])
        if hold.item_sku not in items:
            raise NotFound(f"unknown item {hold.item_sku!r}")
        item_id = items[hold.item_sku].id
    hold_id = holds.add_hold(
        found.id, item_id, process=hold.process, quantity=hold.quantity, unit=hold.unit,
        held_from=hold.held_from, held_until=hold.held_until, firm_by=hold.firm_by,
        status=hold.status.value, note=hold.note,
    )  # fmt: skip
    view = _view(holds.hold(hold_id), now)
    action = "requested" if request else "created"
    audit.record_change(uow, action, "capacity_hold", str(hold_id), after=_audited(view), at=now)
    return view


def _audited(view: HoldView) -> dict[str, Any]:
    return {
        "supplier": view.supplier, "item": view.item, "process": view.process,
        "quantity": view.quantity, "unit": view.unit, "held_from": view.held_from,
        "held_until": view.held_until, "firm_by": view.firm_by, "status": view.status,
        "po_number": view.po_number, "decline_reason": view.decline_reason or None,
    }  # fmt: skip


def list_holds(
    uow: UnitOfWork,
    *,
    supplier: str | None = None,
    active_only: bool = False,
    now: datetime,
) -> list[HoldView]:
    """Holds by start date (a supplier's user: its own); ``active_only``: the ones the brand
    can still call at ``now``."""
    now = utc(now, "now")
    if supplier is not None:
        supplier = SqlBuyingStore(uow).supplier(code(supplier, "supplier")).code
    records = SqlHoldStore(uow).holds(supplier=supplier, active_at=now if active_only else None)
    return [_view(record, now) for record in records]


def active_holds(uow: UnitOfWork, at: datetime) -> list[HoldView]:
    """Every hold the brand can still call at ``at`` (what the sourcing optimiser uses)."""
    at = utc(at, "at")
    return [_view(record, at) for record in SqlHoldStore(uow).active_holds(at)]


def _change(
    uow: UnitOfWork, hold_id: int, status: HoldStatus, now: datetime, **values: Any
) -> HoldView:
    now = utc(now, "now")
    holds = SqlHoldStore(uow)
    record = holds.hold(hold_id, lock=True)
    before = _view(record, now)
    hold_move(hold_id, before.state, status)
    holds.set_hold(hold_id, status=status.value, **values)
    after = _view(holds.hold(hold_id), now)
    action = "accepted" if status is HoldStatus.HELD else status.value
    audit.record_change(
        uow, action, "capacity_hold", str(hold_id),
        before=_audited(before), after=_audited(after), at=now,
    )  # fmt: skip
    return after


def firm_hold(uow: UnitOfWork, hold_id: int, *, po_number: str, now: datetime) -> HoldView:
    """The firm order ``po_number`` came for an active hold: it is used, no longer callable."""
    number = text(po_number, "po_number", max_length=64)
    po = SqlBuyingStore(uow).po(number)
    holds = SqlHoldStore(uow)
    if po.supplier.code != holds.hold(hold_id).supplier:
        raise ValidationError("po_number", f"{number} is not an order to the hold's supplier")
    return _change(uow, hold_id, HoldStatus.FIRMED, now, po_number=number)


def release_hold(uow: UnitOfWork, hold_id: int, *, now: datetime) -> HoldView:
    """The brand lets an active hold go (or withdraws its request)."""
    return _change(uow, hold_id, HoldStatus.RELEASED, now)


def accept_hold(uow: UnitOfWork, hold_id: int, *, now: datetime) -> HoldView:
    """The supplier accepts the brand's request: the hold is capacity the brand may call until
    ``firm_by`` (unchanged: the deadline the brand set when it asked)."""
    return _change(uow, hold_id, HoldStatus.HELD, now)


def decline_hold(uow: UnitOfWork, hold_id: int, *, reason: str, now: datetime) -> HoldView:
    """The supplier declines the brand's request, saying why (the buyer reads it)."""
    why = text(reason, "reason", max_length=2000)
    return _change(uow, hold_id, HoldStatus.DECLINED, now, decline_reason=why)
