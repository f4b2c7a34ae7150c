"""``/rfqs``, ``/purchase-orders`` and ``/capacity-holds``: the same use cases as ``flexchain
rfq`` and ``flexchain po``.

The buyer (and admin) creates, sends, awards and cancels; the staff read; a supplier's user
reads its own RFQs and orders (another supplier's answer 404), quotes, confirms and posts
shipment notices. Quantities and money are exact decimal strings; dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from flexchain.domain.identity import EVERYONE, STAFF, Principal, Role
from flexchain.domain.rfqs import DEFAULT_LATE_RATE
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import capacity_holds, dispatch, purchase_orders, rfqs

router = APIRouter(tags=["buying"], dependencies=[STORABLE_TEXT])

BUYERS = (Role.ADMIN, Role.BUYER)
"""Create, send, award, top up, cancel, hold capacity: the brand's buying decisions."""
REPLIERS = (*BUYERS, Role.SUPPLIER)
"""Quote, confirm, post a shipment notice: the supplier (its own only) or a buyer for it."""
Number = Annotated[str, Path(min_length=1, max_length=64)]
HoldId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ACTION = errors("The document's state or the figures do not allow this", missing="No such "
                "document", body=True)  # fmt: skip
READ = errors("Unknown status or filter", missing="No such document or supplier")


def _now() -> datetime:
    return datetime.now(UTC)


def _json(value: Any) -> JSONResponse:
    if hasattr(value, "as_dict"):
        value = value.as_dict()
    return JSONResponse(plain(value))


def _write(app: Any, who: Principal, action: Any, *args: Any, **options: Any) -> JSONResponse:
    with uow_for(app, who) as uow:
        result = action(uow, *args, now=_now(), **options)
        uow.commit()
    return _json(result)


# -- RFQs -------------------------------------------------------------------------------------


class RfqLineIn(BaseModel):
    item: str
    quantity: str
    need_date: date


class RfqCreate(BaseModel):
    suppliers: list[str] = Field(min_length=1)
    lines: list[RfqLineIn] = []
    plan_numbers: list[int] = []
    currency: str = "EUR"
    reply_by: date | None = None
    notes: str = ""


class QuoteIn(BaseModel):
    line: int
    unit_price: str
    lead_time_days: int
    valid_until: date
    moq: str = "0"
    supplier: str | None = None
    """Who quotes; a supplier's user quotes for itself (the default)."""
    currency: str | None = None
    note: str = ""


class AwardIn(BaseModel):
    choices: dict[int, str] = {}
    """Line number -> supplier code, to override the best-ranked quote."""


@router.get("/rfqs", responses=READ)
def list_rfqs(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    status: str | None = None,
    supplier: str | None = None,
) -> Any:
    """RFQs, newest first (a supplier's user: those it was asked to quote)."""
    with uow_for(app, who, write=False) as uow:
        return _json(rfqs.list_rfqs(uow, status=status, supplier=supplier))


@router.post("/rfqs", status_code=201, responses=ACTION)
def create_rfq(body: RfqCreate, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]) -> Any:
    """A draft RFQ from planned purchases (``plan_numbers``) or explicit ``lines``."""
    lines = [line.model_dump() for line in body.lines]
    response = _write(
        app, who, rfqs.create_rfq, suppliers=body.suppliers, lines=lines,
        plan_numbers=body.plan_numbers, currency=body.currency, reply_by=body.reply_by,
        notes=body.notes,
    )  # fmt: skip
    response.status_code = 201
    return response


@router.get("/rfqs/{number}", responses=errors(missing="No such RFQ"))
def show_rfq(number: Number, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """One RFQ with its lines and quotes (a supplier's user: its own quotes)."""
    with uow_for(app, who, write=False) as uow:
        return _json(rfqs.show_rfq(uow, number))


@router.post("/rfqs/{number}/send", responses=ACTION)
def send_rfq(
    number: Number,
    app: AppDep,
    who: Annotated[Principal, allow(*BUYERS)],
    mail: Annotated[bool, Query(description="E-mail each supplier its RFQ.")] = True,
) -> Any:
    """Send a draft RFQ to its suppliers, e-mailed to each (when mail is on); answers the RFQ
    with ``dispatch``."""
    with uow_for(app, who) as uow:
        sent = dispatch.send_rfq(uow, number, app.settings, mail=mail, now=_now())
        uow.commit()
        return _json({**rfqs.show_rfq(uow, number).as_dict(), "dispatch": sent.as_dict()})


@router.post("/rfqs/{number}/cancel", responses=ACTION)
def cancel_rfq(number: Number, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]) -> Any:
    """Cancel a draft or sent RFQ."""
    return _write(app, who, rfqs.cancel_rfq, number)


@router.post("/rfqs/{number}/quotes", responses=ACTION)
def submit_quote(
    number: Number, body: QuoteIn, app: AppDep, who: Annotated[Principal, allow(*REPLIERS)]
) -> Any:
    """A supplier's quote for one line (replaces its earlier quote of the line)."""
    return _write(app, who, rfqs.submit_quote, number, **body.model_dump())


@router.get("/rfqs/{number}/comparison", responses=errors("Bad date or rate", missing="No RFQ"))
def compare_quotes(
    number: Number,
    app: AppDep,
    who: Annotated[Principal, allow(*STAFF)],
    on: date | None = None,
    late_rate: str = str(DEFAULT_LATE_RATE),
) -> Any:
    """Every quote side by side, ranked per line by landed cost (rank 1 is best)."""
    with uow_for(app, who, write=False) as uow:
        rows = rfqs.compare_quotes(
            uow, number, on=on, late_rate_per_day=late_rate, now=_now(),
            base=app.settings.default_currency,
        )  # fmt: skip
    return _json(rows)


@router.post("/rfqs/{number}/award", responses=ACTION)
def award_rfq(
    number: Number,
    app: AppDep,
    who: Annotated[Principal, allow(*BUYERS)],
    body: AwardIn | None = None,
) -> Any:
    """Award each line (best quote, or ``choices``): draft purchase orders."""
    choices = body.choices if body is not None else {}
    return _write(
        app, who, rfqs.award_rfq, number, choices=choices, base=app.settings.default_currency
    )


# -- purchase orders --------------------------------------------------------------------------


class PoLineIn(BaseModel):
    item: str
    quantity: str
    due_date: date
    unit_price: str | None = None


class PoCreate(BaseModel):
    supplier: str | None = None
    contract: str | None = None
    """A call-off under this contract: priced by it."""
    lines: list[PoLineIn] = []
    plan_numbers: list[int] = []
    """Planned purchases of the current plan (with ``supplier``, instead of ``lines``)."""
    notes: str = ""


class TopupIn(BaseModel):
    item: str
    quantity: str
    unit_price: str
    due_date: date | None = None


class ConfirmLineIn(BaseModel):
    line: int
    quantity: str
    due_date: date
    """The delivery date the supplier confirms."""


class ConfirmIn(BaseModel):
    lines: list[ConfirmLineIn] | None = None
    """None: every open line as ordered."""
    note: str = ""


class CancelIn(BaseModel):
    reason: str = ""


class NoticeLineIn(BaseModel):
    line: int
    quantity: str


class NoticeIn(BaseModel):
    lines: list[NoticeLineIn] = Field(min_length=1)
    shipped_on: date
    expected_on: date
    carrier: str = ""
    tracking: str = ""
    note: str = ""


@router.get("/purchase-orders", responses=READ)
def list_pos(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    status: str | None = None,
    supplier: str | None = None,
    source: str | None = None,
) -> Any:
    """Purchase orders, newest first (a supplier's user: its own)."""
    with uow_for(app, who, write=False) as uow:
        found = purchase_orders.list_pos(uow, status=status, supplier=supplier, source=source)
        return _json(found)


@router.post("/purchase-orders", status_code=201, responses=ACTION)
def create_po(body: PoCreate, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]) -> Any:
    """A draft order: ``lines`` (call-off with ``contract``), or ``plan_numbers`` to
    ``supplier``."""
    if body.plan_numbers:
        response = _write(
            app, who, purchase_orders.create_po_from_plan, supplier=body.supplier or "",
            plan_numbers=body.plan_numbers,
        )  # fmt: skip
    else:
        response = _write(
            app, who, purchase_orders.create_po, supplier=body.supplier, contract=body.contract,
            lines=[line.model_dump() for line in body.lines], notes=body.notes,
        )  # fmt: skip
    response.status_code = 201
    return response


@router.get("/purchase-orders/{number}", responses=errors(missing="No such purchase order"))
def show_po(number: Number, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """One order with its lines, confirmations and shipment notices."""
    with uow_for(app, who, write=False) as uow:
        return _json(purchase_orders.show_po(uow, number))


@router.post("/purchase-orders/{number}/send", responses=ACTION)
def send_po(
    number: Number,
    app: AppDep,
    who: Annotated[Principal, allow(*BUYERS)],
    mail: Annotated[bool, Query(description="E-mail the order to the supplier.")] = True,
) -> Any:
    """Issue a draft order to its supplier (draft -> sent) and e-mail it (when mail is on);
    answers the order with ``dispatch``: to whom it was e-mailed, or why not."""
    with uow_for(app, who) as uow:
        sent = dispatch.send_po(uow, number, app.settings, mail=mail, now=_now())
        uow.commit()
        return _json({**purchase_orders.show_po(uow, number).as_dict(), "dispatch": sent.as_dict()})


@router.post("/purchase-orders/{number}/topups", responses=ACTION)
def add_topup(
    number: Number, body: TopupIn, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]
) -> Any:
    """An elastic top-up under the order's contract."""
    return _write(app, who, purchase_orders.add_topup, number, **body.model_dump())


@router.post("/purchase-orders/{number}/confirm", responses=ACTION)
def confirm_po(
    number: Number,
    app: AppDep,
    who: Annotated[Principal, allow(*REPLIERS)],
    body: ConfirmIn | None = None,
) -> Any:
    """The supplier's confirmation: per line a quantity (partial allowed, 0 declines) and date."""
    body = body or ConfirmIn()
    lines = None
    if body.lines is not None:
        lines = {line.line: (line.quantity, line.due_date) for line in body.lines}
    return _write(app, who, purchase_orders.confirm_po, number, lines=lines, note=body.note)


@router.post("/purchase-orders/{number}/cancel", responses=ACTION)
def cancel_po(
    number: Number,
    app: AppDep,
    who: Annotated[Principal, allow(*BUYERS)],
    body: CancelIn | None = None,
) -> Any:
    """Cancel a draft or sent order."""
    reason = body.reason if body is not None else ""
    return _write(app, who, purchase_orders.cancel_po, number, reason=reason)


@router.post("/purchase-orders/{number}/notices", status_code=201, responses=ACTION)
def post_notice(
    number: Number, body: NoticeIn, app: AppDep, who: Annotated[Principal, allow(*REPLIERS)]
) -> Any:
    """A shipment notice for a confirmed order."""
    response = _write(
        app, who, purchase_orders.post_shipment_notice, number,
        lines={line.line: line.quantity for line in body.lines}, shipped_on=body.shipped_on,
        expected_on=body.expected_on, carrier=body.carrier, tracking=body.tracking,
        note=body.note,
    )  # fmt: skip
    response.status_code = 201
    return response


# -- capacity holds ---------------------------------------------------------------------------


class HoldIn(BaseModel):
    supplier: str
    quantity: str
    unit: str
    held_from: date
    days: int | None = None
    held_until: date | None = None
    firm_within_hours: int = capacity_holds.DEFAULT_FIRM_HOURS
    item: str | None = None
    process: str | None = None
    note: str = ""
    request: bool = False
    """Ask the supplier for the hold: it counts once the supplier accepts."""


class FirmIn(BaseModel):
    po_number: str


class DeclineIn(BaseModel):
    reason: str


@router.get("/capacity-holds", responses=READ)
def list_holds(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    supplier: str | None = None,
    active: bool = False,
) -> Any:
    """Capacity holds by start date (``active``: only those still callable now)."""
    with uow_for(app, who, write=False) as uow:
        found = capacity_holds.list_holds(uow, supplier=supplier, active_only=active, now=_now())
        return _json(found)


@router.post("/capacity-holds", status_code=201, responses=ACTION)
def hold_capacity(body: HoldIn, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]) -> Any:
    """Record a hold: "hold 300 m for two weeks, firm order within 48 h"."""
    response = _write(app, who, capacity_holds.hold_capacity, **body.model_dump())
    response.status_code = 201
    return response


@router.post("/capacity-holds/{hold_id}/release", responses=ACTION)
def release_hold(hold_id: HoldId, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]) -> Any:
    """Let an active hold go."""
    return _write(app, who, capacity_holds.release_hold, hold_id)


@router.post("/capacity-holds/{hold_id}/firm", responses=ACTION)
def firm_hold(
    hold_id: HoldId, body: FirmIn, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]
) -> Any:
    """An active hold was firmed by an order."""
    return _write(app, who, capacity_holds.firm_hold, hold_id, po_number=body.po_number)


@router.post("/capacity-holds/{hold_id}/accept", responses=ACTION)
def accept_hold(hold_id: HoldId, app: AppDep, who: Annotated[Principal, allow(*REPLIERS)]) -> Any:
    """The supplier accepts a requested hold: it is capacity the brand may call from now."""
    return _write(app, who, capacity_holds.accept_hold, hold_id)


@router.post("/capacity-holds/{hold_id}/decline", responses=ACTION)
def decline_hold(
    hold_id: HoldId, body: DeclineIn, app: AppDep, who: Annotated[Principal, allow(*REPLIERS)]
) -> Any:
    """The supplier declines a requested hold, saying why."""
    return _write(app, who, capacity_holds.decline_hold, hold_id, reason=body.reason)
