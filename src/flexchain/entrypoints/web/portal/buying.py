"""Portal pages: today's list, RFQs to answer, POs to confirm or re-date, shipment notices.

* ``/portal``: what needs the supplier today (RFQs to answer, orders to confirm, orders to
  ship, spot checks requested, capacity-hold requests), counts with links.
* ``/portal/rfqs``, ``/portal/rfqs/{number}``: answer each line (unit price, MOQ, lead time,
  validity) through :func:`flexchain.services.rfqs.submit_quote`; all lines or none are saved.
* ``/portal/pos``, ``/portal/pos/{number}``: confirm or re-date, partial quantities (``0``
  declines a line) through :func:`~flexchain.services.po_confirmations.confirm_po`; post a
  shipment notice (:func:`~flexchain.services.po_confirmations.post_shipment_notice`); the
  order as the PDF it was sent as, and the files the brand attached to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.identity import Principal
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.portal.common import (
    PortalRoute,
    SupplierUser,
    form_errors,
    form_fields,
    page,
    pages,
    parse_date,
    parse_int,
    placed,
    rows_by_prefix,
)
from flexchain.services import (
    capacity_holds,
    documents,
    files,
    po_confirmations,
    purchase_orders,
    rfqs,
    spot_checks,
)
from flexchain.services.po_views import PoView

__all__ = ["home", "router"]

router = pages()
home = APIRouter(prefix="/portal", route_class=PortalRoute)
"""``/portal`` itself (a router without a prefix cannot hold the empty path)."""

Number = Annotated[str, Path(min_length=1, max_length=64)]
DONE = {
    "quoted": "Your quotes were sent to the brand. You can change them while the RFQ is open.",
    "confirmed": "Your confirmation was sent to the brand.",
    "noticed": "Your shipment notice was sent to the brand.",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _number(text: str) -> str:
    """A decimal as typed on a phone: ``12,50`` is ``12.50``; spaces between digits dropped."""
    return text.replace(",", ".").replace(" ", "")


@dataclass(frozen=True)
class Task:
    """One line of today's list: how many, of what, where to act."""

    count: int
    label: str
    href: str
    hint: str


# -- today -------------------------------------------------------------------------------------


def _left_to_notice(po: PoView) -> dict[int, Decimal]:
    """Per open line, what is neither received nor already on a shipment notice."""
    noticed: dict[int, Decimal] = {}
    for notice in po.notices:
        for line_no, qty in notice["lines"]:
            noticed[line_no] = noticed.get(line_no, Decimal(0)) + qty
    left = {
        line.line_no: line.quantity - line.received - noticed.get(line.line_no, Decimal(0))
        for line in po.lines
        if line.status == "open"
    }
    return {line_no: qty for line_no, qty in left.items() if qty > 0}


def _tasks(app: App, who: Principal, now: datetime) -> list[Task]:
    with uow_for(app, who, write=False) as uow:
        to_answer = [r for r in rfqs.list_rfqs(uow, status="sent") if r.quotes < r.lines]
        to_confirm = purchase_orders.list_pos(uow, status="sent")
        confirmed = purchase_orders.list_pos(uow, status="confirmed")
        to_ship = [p for p in confirmed if _left_to_notice(purchase_orders.show_po(uow, p.number))]
        checks = spot_checks.list_spot_checks(uow, status="requested")
        holds = capacity_holds.list_holds(uow, now=now)
    asked = [h for h in holds if h.state == "requested"]
    return [
        Task(len(to_answer), "RFQs to answer", "/portal/rfqs",
             "Quote a price, MOQ, lead time and how long the price holds."),
        Task(len(to_confirm), "Orders to confirm", "/portal/pos",
             "Confirm each line's quantity and date, or propose new ones."),
        Task(len(to_ship), "Orders to ship", "/portal/pos",
             "Post a shipment notice when goods leave."),
        Task(len(checks), "Spot checks requested", "/portal/qc",
             "Upload the inspection result and photos (a short video when asked)."),
        Task(len(asked), "Capacity holds to answer", "/portal/holds",
             "Accept or decline the brand's request to keep capacity free."),
    ]  # fmt: skip


@home.get("")
def today(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """What needs the supplier today: counts with links."""
    tasks = _tasks(app, who, _now())
    waiting = sum(task.count for task in tasks)
    return page(request, "portal/home.html", title="Today", tasks=tasks, waiting=waiting)


# -- RFQs --------------------------------------------------------------------------------------


@router.get("/rfqs")
def rfq_list(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """The RFQs the supplier was sent: open ones first."""
    with uow_for(app, who, write=False) as uow:
        found = [r for r in rfqs.list_rfqs(uow) if r.status != "draft"]
    open_ = [r for r in found if r.status == "sent"]
    closed = [r for r in found if r.status != "sent"]
    return page(request, "portal/rfqs.html", title="RFQs", open_rfqs=open_, closed=closed)


def _show_rfq(app: App, who: Principal, number: str) -> rfqs.RfqView:
    with uow_for(app, who, write=False) as uow:
        found = rfqs.show_rfq(uow, number)
    if found.status == "draft":  # not sent yet: the supplier does not know of it
        raise NotFound(f"no RFQ {number!r}")
    return found


def _quote_values(view: rfqs.RfqView) -> dict[str, str]:
    """The form's fields as the supplier's current quotes fill them."""
    values: dict[str, str] = {}
    for q in view.quotes:
        n = q["line_no"]
        values |= {
            f"l{n}.unit_price": str(q["unit_price"]),
            f"l{n}.moq": str(q["moq"]),
            f"l{n}.lead_time_days": str(q["lead_time_days"]),
            f"l{n}.valid_until": q["valid_until"].isoformat(),
            f"l{n}.note": q["note"],
        }
    return values


def _rfq_page(
    request: Request,
    view: rfqs.RfqView,
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    quotes = {q["line_no"]: q for q in view.quotes}
    done = DONE.get(request.query_params.get("done", ""), "") if not errors else ""
    return page(
        request,
        "portal/rfq.html",
        status_code,
        title=f"RFQ {view.number}",
        rfq=view,
        quotes=quotes,
        values=_quote_values(view) if values is None else values,
        errors=errors or {},
        notice=done,
        today=_now().date(),
    )


@router.get("/rfqs/{number}")
def rfq_page(number: Number, request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """One RFQ: its lines, the supplier's quotes, and the form to (re)quote while it is open."""
    return _rfq_page(request, _show_rfq(app, who, number))


def _quote_lines(fields: dict[str, str]) -> tuple[dict[int, dict[str, Any]], dict[str, str]]:
    """The quote of every line given a price, and the errors of the others' figures."""
    quotes: dict[int, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for n, row in sorted(rows_by_prefix(fields, "l").items()):
        if not row.get("unit_price"):
            continue
        try:
            if not row.get("lead_time_days"):
                raise ValidationError("lead_time_days", "required: days from order to delivery")
            if not row.get("valid_until"):
                raise ValidationError("valid_until", "required: the last day your price holds")
            quotes[n] = {
                "line": n,
                "unit_price": _number(row["unit_price"]),
                "moq": _number(row.get("moq") or "0"),
                "lead_time_days": parse_int(row["lead_time_days"], "lead_time_days"),
                "valid_until": parse_date(row["valid_until"], "valid_until"),
                "note": row.get("note", ""),
            }
        except ValidationError as error:
            errors |= form_errors(error, prefix=f"l{n}.")
    if not quotes and not errors:
        errors[""] = "Enter a unit price for at least one line (lines left blank are not quoted)."
    return quotes, errors


def _submit_quotes(app: App, who: Principal, number: str, fields: dict[str, str]) -> dict[str, str]:
    """Submit every priced line in one unit of work: all are saved, or none (the errors)."""
    quotes, errors = _quote_lines(fields)
    with uow_for(app, who) as uow:
        for n, quote in quotes.items():
            try:
                rfqs.submit_quote(uow, number, now=_now(), **quote)
            except ValidationError as error:
                errors |= form_errors(error, prefix=f"l{n}.")
            except DomainError as error:
                errors[""] = f"Line {n}: {error}"
        if not errors:
            uow.commit()
    return placed(errors, fields)


@router.post("/rfqs/{number}")
async def answer_rfq(number: Number, request: Request, app: AppDep, who: SupplierUser) -> Response:
    """Quote the RFQ's lines; the form again with the messages when a figure is refused."""
    view = await run_in_threadpool(_show_rfq, app, who, number)
    try:
        fields = await form_fields(request)
    except ValidationError as error:
        return _rfq_page(request, view, status_code=422, values={}, errors=form_errors(error))
    errors = await run_in_threadpool(_submit_quotes, app, who, view.number, fields)
    if errors:
        return _rfq_page(request, view, status_code=422, values=fields, errors=errors)
    return RedirectResponse(f"/portal/rfqs/{quote(view.number)}?done=quoted", status_code=303)


# -- purchase orders ---------------------------------------------------------------------------


@router.get("/pos")
def po_list(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """The supplier's purchase orders: to confirm, to ship, then the rest."""
    with uow_for(app, who, write=False) as uow:
        found = [p for p in purchase_orders.list_pos(uow) if p.status != "draft"]
    return page(
        request,
        "portal/pos.html",
        title="Purchase orders",
        to_confirm=[p for p in found if p.status == "sent"],
        confirmed=[p for p in found if p.status == "confirmed"],
        done=[p for p in found if p.status in ("closed", "cancelled")],
    )


def _show_po(app: App, who: Principal, number: str) -> tuple[PoView, list[Any]]:
    with uow_for(app, who, write=False) as uow:
        found = purchase_orders.show_po(uow, number)
        attached = files.list_attachments(uow, files.OwnerKind.PO, found.number)
    if found.status == "draft":  # not sent yet
        raise NotFound(f"no purchase order {number!r}")
    return found, attached


def _po_values(po: PoView, today: date) -> dict[str, str]:
    left = _left_to_notice(po)
    values = {"shipped_on": today.isoformat()}
    for line in po.lines:
        if line.status != "open":
            continue
        n = line.line_no
        values[f"c{n}.quantity"] = format(line.quantity.normalize(), "f")
        values[f"c{n}.due_date"] = line.due_date.isoformat()
        if n in left:
            values[f"s{n}.quantity"] = format(left[n].normalize(), "f")
    return values


def _po_page(
    request: Request,
    app: App,
    who: Principal,
    number: str,
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form: str = "",
) -> HTMLResponse:
    po, attached = _show_po(app, who, number)
    today = _now().date()
    done = DONE.get(request.query_params.get("done", ""), "") if not errors else ""
    return page(
        request,
        "portal/po.html",
        status_code,
        title=f"Order {po.number}",
        po=po,
        files=attached,
        left=_left_to_notice(po),
        values={**_po_values(po, today), **(values or {})},
        errors=errors or {},
        form=form,
        notice=done,
    )


@router.get("/pos/{number}")
def po_page(number: Number, request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """One order: lines, confirmations, notices, files, and the forms its status allows."""
    return _po_page(request, app, who, number)


def _confirm(app: App, who: Principal, number: str, fields: dict[str, str]) -> None:
    lines: dict[int, tuple[object, object]] = {}
    for n, row in sorted(rows_by_prefix(fields, "c").items()):
        try:
            due = parse_date(row.get("due_date", ""), "due_date")
        except ValidationError as error:
            raise ValidationError(f"c{n}.due_date", error.message) from None
        lines[n] = (_number(row.get("quantity", "")), due)
    with uow_for(app, who) as uow:
        try:
            po_confirmations.confirm_po(
                uow, number, lines=lines or None, note=fields.get("confirm.note", ""), now=_now()
            )
        except ValidationError as error:
            raise _on_line(error, "c") from None
        uow.commit()


LINE_FIELD = re.compile(r"line (\d+): (quantity|date)")
"""How the domain names a line's figure: ``line 2: quantity``, ``line 2: date``."""


def _on_line(error: ValidationError, prefix: str) -> ValidationError:
    """A line's refusal under the form field it concerns (``c2.quantity``, ``c2.due_date``)."""
    found = LINE_FIELD.fullmatch(error.field)
    if found is None:
        return error
    name = "quantity" if found.group(2) == "quantity" else "due_date"
    return ValidationError(f"{prefix}{found.group(1)}.{name}", error.message)


def _notice(app: App, who: Principal, number: str, fields: dict[str, str]) -> None:
    shipped = {
        n: _number(row.get("quantity", ""))
        for n, row in sorted(rows_by_prefix(fields, "s").items())
        if _number(row.get("quantity", "")) not in ("", "0")
    }
    if not shipped:
        raise ValidationError("", "enter the quantity shipped of at least one line")
    shipped_on = parse_date(fields.get("shipped_on", ""), "shipped_on")
    expected_on = parse_date(fields.get("expected_on", ""), "expected_on")
    with uow_for(app, who) as uow:
        try:
            po_confirmations.post_shipment_notice(
                uow, number, lines=shipped, shipped_on=shipped_on, expected_on=expected_on,
                carrier=fields.get("carrier", ""), tracking=fields.get("tracking", ""),
                note=fields.get("notice.note", ""), now=_now(),
            )  # fmt: skip
        except ValidationError as error:
            raise _on_line(error, "s") from None
        uow.commit()


@router.post("/pos/{number}/{action}")
async def act_on_po(
    number: Number, action: str, request: Request, app: AppDep, who: SupplierUser
) -> Response:
    """``confirm`` (quantities and dates per line) or ``notice`` (a shipment notice); the form
    again with the message next to the field when the figures are refused."""
    steps = {"confirm": _confirm, "notice": _notice}
    if action not in steps:
        raise NotFound(f"no action {action!r} on a purchase order (confirm or notice)")
    po, _ = await run_in_threadpool(_show_po, app, who, number)
    fields: dict[str, str] = {}
    try:
        fields = await form_fields(request)
        await run_in_threadpool(steps[action], app, who, po.number, fields)
    except NotFound:
        raise
    except DomainError as error:
        errors = placed(form_errors(error), fields)
        return await run_in_threadpool(
            lambda: _po_page(
                request, app, who, po.number, status_code=422, values=fields,
                errors=errors, form=action,
            )
        )  # fmt: skip
    done = "confirmed" if action == "confirm" else "noticed"
    return RedirectResponse(f"/portal/pos/{quote(po.number)}?done={done}", status_code=303)


@router.get("/pos/{number}/document.pdf")
def po_document(number: Number, app: AppDep, who: SupplierUser) -> Response:
    """The order as the PDF the brand sends (``PO-000001.pdf``)."""
    settings = app.settings
    with uow_for(app, who, write=False) as uow:
        found = purchase_orders.show_po(uow, number)
        if found.status == "draft":
            raise NotFound(f"no purchase order {number!r}")
        document = purchase_orders.document_for_po(
            uow, number, brand=documents.brand_party(settings), now=_now()
        )
    rendered = documents.render(document, font=settings.document_font)
    return Response(
        rendered.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{rendered.filename}"'},
    )
