"""Portal pages: invoices and their matching, payments, quality fund, early payment, holds.

* ``/portal/invoices``, ``/portal/invoices/{number}``: each invoice's matching status and why it
  is held; for an approved one, the early-payment offer for a day the supplier picks and the
  request (:func:`flexchain.services.payments.request_early_payment`).
* ``/portal/payments``: payments (gross, retention, discount, paid), the quality-fund balance
  per quarter and currency, and the invoices that may still be paid early.
* ``/portal/holds``: the brand's capacity-hold requests to accept or decline (with a reason,
  :mod:`flexchain.services.capacity_holds`), and the holds in force.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.identity import Principal
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.portal.common import (
    SupplierUser,
    form_errors,
    form_fields,
    page,
    pages,
    parse_date,
    placed,
)
from flexchain.services import capacity_holds, invoicing, payments

__all__ = ["router"]

router = pages()

Number = Annotated[str, Path(min_length=1, max_length=64)]
HoldId = Annotated[int, Path(ge=1, le=2**31 - 1)]
EARLY = ("approved", "scheduled")
"""Invoice statuses the brand pays early on request."""
DONE = {
    "early": "Your request was sent: the payment moves to the day you chose, less the discount.",
    "accepted": "You accepted the hold: the brand may now count on that capacity.",
    "declined": "You declined the hold; the brand sees your reason.",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _done(request: Request) -> str:
    return DONE.get(request.query_params.get("done", ""), "")


# -- invoices ----------------------------------------------------------------------------------


@router.get("/invoices")
def invoice_list(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """The supplier's invoices, newest first, with matching status and hold reasons."""
    with uow_for(app, who, write=False) as uow:
        found = invoicing.list_invoices(uow)
    return page(request, "portal/invoices.html", title="Invoices", invoices=found)


def _invoice_page(
    request: Request,
    app: App,
    who: Principal,
    number: str,
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    now = _now()
    values = dict(values or {})
    errors = dict(errors or {})
    offer = None
    with uow_for(app, who, write=False) as uow:
        invoice = invoicing.show_invoice(uow, number)
        paid = [p for p in payments.list_payments(uow) if p.invoice == invoice.number]
        wanted = values.get("pay_on") or request.query_params.get("pay_on", "")
        if wanted and invoice.status in EARLY and not errors:
            values["pay_on"] = wanted
            try:
                offer = payments.early_payment_offer(
                    uow, invoice.number, pay_on=parse_date(wanted, "pay_on"),
                    annual_rate=app.settings.early_payment_annual_rate, now=now,
                )  # fmt: skip
            except DomainError as error:
                errors = placed(form_errors(error), ["pay_on"])
                status_code = 422
    return page(
        request,
        "portal/invoice.html",
        status_code,
        title=f"Invoice {invoice.number}",
        invoice=invoice,
        payments=paid,
        offer=offer,
        early=invoice.status in EARLY and not any(p.status == "paid" for p in paid),
        rate=app.settings.early_payment_annual_rate,
        values=values,
        errors=errors,
        notice=_done(request) if not errors else "",
        today=now.date(),
    )


@router.get("/invoices/{number}")
def invoice_page(number: Number, request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """One invoice: lines, matching, payments; ``?pay_on=YYYY-MM-DD`` shows the early-payment
    offer for that day."""
    return _invoice_page(request, app, who, number)


def _request_early(app: App, who: Principal, number: str, pay_on: date) -> None:
    with uow_for(app, who) as uow:
        payments.request_early_payment(
            uow, number, pay_on=pay_on,
            annual_rate=app.settings.early_payment_annual_rate, now=_now(),
        )  # fmt: skip
        uow.commit()


@router.post("/invoices/{number}/early-payment")
async def request_early_payment(
    number: Number, request: Request, app: AppDep, who: SupplierUser
) -> Response:
    """Ask to be paid on ``pay_on`` at the offer's discount."""
    await run_in_threadpool(_shown_invoice, app, who, number)  # another's: 404 before anything
    fields: dict[str, str] = {}
    try:
        fields = await form_fields(request)
        pay_on = parse_date(fields.get("pay_on", ""), "pay_on")
        await run_in_threadpool(_request_early, app, who, number, pay_on)
    except NotFound:
        raise
    except DomainError as error:
        errors = placed(form_errors(error), ["pay_on"])
        return await run_in_threadpool(
            lambda: _invoice_page(
                request, app, who, number, status_code=422, values=fields, errors=errors
            )
        )
    return RedirectResponse(f"/portal/invoices/{number}?done=early", status_code=303)


def _shown_invoice(app: App, who: Principal, number: str) -> invoicing.InvoiceView:
    with uow_for(app, who, write=False) as uow:
        return invoicing.show_invoice(uow, number)


# -- payments and the quality fund -------------------------------------------------------------


@router.get("/payments")
def payment_list(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """Payments by due date, the quality fund, and invoices that may be paid early."""
    with uow_for(app, who, write=False) as uow:
        found = payments.list_payments(uow)
        fund = payments.quality_fund(uow)
        invoices = invoicing.list_invoices(uow)
    settled = {p.invoice for p in found if p.status == "paid" or p.early_requested_at}
    early = [i for i in invoices if i.status in EARLY and i.number not in settled]
    return page(
        request,
        "portal/payments.html",
        title="Payments",
        payments=found,
        fund=fund,
        early=early,
        rate=app.settings.early_payment_annual_rate,
    )


# -- capacity holds ----------------------------------------------------------------------------


def _holds_page(
    request: Request,
    app: App,
    who: Principal,
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    hold_id: int | None = None,
) -> HTMLResponse:
    with uow_for(app, who, write=False) as uow:
        found = capacity_holds.list_holds(uow, now=_now())
    return page(
        request,
        "portal/holds.html",
        status_code,
        title="Capacity holds",
        requested=[h for h in found if h.state == "requested"],
        held=[h for h in found if h.state == "held"],
        past=[h for h in found if h.state not in ("requested", "held")],
        values=values or {},
        errors=errors or {},
        failed=hold_id,
        notice=_done(request) if not errors else "",
    )


@router.get("/holds")
def hold_list(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """Requests to answer, holds in force, and past ones."""
    return _holds_page(request, app, who)


def _answer(app: App, who: Principal, hold_id: int, action: str, reason: str) -> None:
    with uow_for(app, who) as uow:
        if action == "accept":
            capacity_holds.accept_hold(uow, hold_id, now=_now())
        else:
            capacity_holds.decline_hold(uow, hold_id, reason=reason, now=_now())
        uow.commit()


@router.post("/holds/{hold_id}/{action}")
async def answer_hold(
    hold_id: HoldId, action: str, request: Request, app: AppDep, who: SupplierUser
) -> Response:
    """``accept`` or ``decline`` (with ``reason``) the brand's request to hold capacity."""
    if action not in ("accept", "decline"):
        raise NotFound(f"no action {action!r} on a capacity hold (accept or decline)")
    fields: dict[str, str] = {}
    try:
        fields = await form_fields(request)
        await run_in_threadpool(_answer, app, who, hold_id, action, fields.get("reason", ""))
    except NotFound:
        raise
    except DomainError as error:
        name = f"reason-{hold_id}"
        errors = form_errors(error)
        if isinstance(error, ValidationError) and error.field == "reason":
            errors = {name: error.message}
        values: dict[str, Any] = {name: fields.get("reason", "")}
        return await run_in_threadpool(
            lambda: _holds_page(
                request, app, who, status_code=422, values=values, errors=errors, hold_id=hold_id
            )
        )
    done = "accepted" if action == "accept" else "declined"
    return RedirectResponse(f"/portal/holds?done={done}", status_code=303)
