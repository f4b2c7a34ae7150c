"""Control tower page: Procurement — RFQs and quotes compared, POs, receipts, invoices, payments.

* ``/app/procurement``: RFQs (:func:`flexchain.services.rfqs.list_rfqs`), purchase orders
  (:func:`~flexchain.services.purchase_orders.list_pos`), receipts with what inspection made
  of them (:func:`~flexchain.services.receiving.list_receipts`), invoices held in matching
  (:func:`~flexchain.services.invoicing.list_invoices`), scheduled payments with what each
  retains for the quality fund (:func:`~flexchain.services.payments.list_payments`) and the
  fund's balances (:func:`~flexchain.services.payments.quality_fund`): the same services as
  ``GET /rfqs``, ``/purchase-orders``, ``/receipts``, ``/invoices``, ``/payments`` and
  ``/quality-fund``. Each list shows its newest :data:`SHOWN`; ``?invoice=N`` marks held
  invoice N (or says it is no longer held).
* ``/app/procurement/rfqs/{number}``: an RFQ's quotes side by side, ranked per line by landed
  cost (:func:`~flexchain.services.rfqs.compare_quotes`, as ``GET /rfqs/{n}/comparison``).
* Actions, each through the API's service and for the API's roles: send a draft RFQ or issue
  a draft PO, e-mailed when mail is set up (:mod:`flexchain.services.dispatch`; buyers and
  admins), award an RFQ (:func:`~flexchain.services.rfqs.award_rfq`, the best quote per line
  or the one ticked; buyers and admins), release an invoice's hold with a reason
  (:func:`~flexchain.services.invoicing.release_hold`; finance and admins).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, NotFound
from flexchain.domain.identity import Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.tower.common import (
    BrandUser,
    can_act,
    done,
    form_errors,
    form_fields,
    page,
    pages,
)
from flexchain.services import (
    dispatch,
    invoicing,
    payments,
    purchase_orders,
    receiving,
    rfqs,
)

__all__ = ["router"]

router = pages()

BUYERS = (Role.ADMIN, Role.BUYER)
"""Who sends RFQs, issues POs and awards (as the API's buying routes)."""
FINANCE = (Role.ADMIN, Role.FINANCE)
"""Who releases an invoice's hold (as ``POST /invoices/{n}/release``)."""
BuyerUser = Annotated[Principal, allow(*BUYERS)]
FinanceUser = Annotated[Principal, allow(*FINANCE)]
Number = Annotated[str, Path(min_length=1, max_length=64)]
SHOWN = 20
"""The newest rows each list shows (the CLI and the API list them all)."""
OPEN_PO = ("draft", "sent", "confirmed")


def _now() -> datetime:
    return datetime.now(UTC)


def _lists(app: App, who: Principal) -> dict[str, Any]:
    base = app.settings.default_currency
    with uow_for(app, who, write=False) as uow:
        found_rfqs = rfqs.list_rfqs(uow)
        pos = [po for po in purchase_orders.list_pos(uow) if po.status in OPEN_PO]
        receipts = receiving.list_receipts(uow, base_currency=base)
        held = invoicing.list_invoices(uow, status="held")
        scheduled = payments.list_payments(uow, status="scheduled")
        fund = [f for f in payments.quality_fund(uow) if f.balance]
    return {
        "rfqs": found_rfqs[:SHOWN],
        "rfq_count": len(found_rfqs),
        "pos": pos[:SHOWN],
        "po_count": len(pos),
        "receipts": receipts[:SHOWN],
        "receipt_count": len(receipts),
        "held": held,
        "scheduled": scheduled[:SHOWN],
        "payment_count": len(scheduled),
        "fund": fund,
    }


def _page(
    request: Request,
    app: App,
    who: Principal,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    invoice: str = "",
) -> HTMLResponse:
    return page(
        request,
        "tower/procurement.html",
        status_code,
        title="Procurement",
        can_buy=can_act(who, BUYERS),
        can_pay=can_act(who, FINANCE),
        shown=SHOWN,
        errors=errors or {},
        values=values or {},
        invoice=invoice,
        **_lists(app, who),
    )


@router.get("/procurement")
def procurement(
    request: Request,
    app: AppDep,
    who: BrandUser,
    invoice: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """RFQs, open POs, receipts, invoices held, payments and the quality fund; ``invoice``: the
    held invoice to mark (Today's entry links here: an invoice has no page of its own)."""
    return _page(request, app, who, invoice=invoice)


async def _act(
    request: Request,
    app: App,
    who: Principal,
    action: Callable[[App, Principal, dict[str, str]], str],
    *,
    back: str = "/app/procurement",
    again: Callable[..., HTMLResponse] | None = None,
) -> Response:
    """Read the form, run ``action`` in one unit of work; on a refusal the page again with
    the message (nothing saved), else back to ``back`` saying what was done. A record that
    does not exist answers the 404 page."""
    fields: dict[str, str] = {}
    try:
        fields = await form_fields(request)
        message = await run_in_threadpool(action, app, who, fields)
    except NotFound:
        raise  # the 404 page: no such RFQ, order or invoice
    except DomainError as error:
        errors = form_errors(error)
        show = again or _page
        return await run_in_threadpool(
            show, request, app, who, status_code=422, errors=errors, values=fields
        )
    return done(back, message)


def _mailed(sent: dispatch.Dispatch) -> str:
    if sent.mailed:
        return "e-mailed to " + ", ".join(to for to, _ in sent.mailed)
    return f"not e-mailed: {sent.not_mailed}"


@router.post("/procurement/rfqs/{number}/send")
async def send_rfq(number: Number, request: Request, app: AppDep, who: BuyerUser) -> Response:
    """Send a draft RFQ to its suppliers (e-mailed when mail is set up)."""

    def send(app: App, who: Principal, _: dict[str, str]) -> str:
        with uow_for(app, who) as uow:
            sent = dispatch.send_rfq(uow, number, app.settings, now=_now())
            uow.commit()
        return f"RFQ {sent.number} sent: {_mailed(sent)}"

    return await _act(request, app, who, send)


@router.post("/procurement/pos/{number}/send")
async def send_po(number: Number, request: Request, app: AppDep, who: BuyerUser) -> Response:
    """Issue a draft purchase order to its supplier (e-mailed when mail is set up)."""

    def send(app: App, who: Principal, _: dict[str, str]) -> str:
        with uow_for(app, who) as uow:
            sent = dispatch.send_po(uow, number, app.settings, now=_now())
            uow.commit()
        warned = "".join(f"; warning: {w}" for w in sent.budget_warnings)
        return f"Purchase order {sent.number} issued: {_mailed(sent)}{warned}"

    return await _act(request, app, who, send)


@router.post("/procurement/invoices/{number}/release")
async def release_hold(number: Number, request: Request, app: AppDep, who: FinanceUser) -> Response:
    """Release an invoice held in matching, with the reason (audited)."""

    def release(app: App, who: Principal, fields: dict[str, str]) -> str:
        with uow_for(app, who) as uow:
            view = invoicing.release_hold(
                uow, number, reason=fields.get(f"reason-{number}", ""), now=_now()
            )
            uow.commit()
        return f"Invoice {view.number} released from its hold: {view.status}"

    return await _act(request, app, who, release)


# -- an RFQ's quotes compared ------------------------------------------------------------------


def _compare(
    request: Request,
    app: App,
    who: Principal,
    number: str,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    with uow_for(app, who, write=False) as uow:
        rfq = rfqs.show_rfq(uow, number)
        rows = rfqs.compare_quotes(uow, number, base=app.settings.default_currency, now=_now())
    by_line: dict[int, list[rfqs.ComparisonRow]] = {}
    for row in rows:
        by_line.setdefault(row.line_no, []).append(row)
    return page(
        request,
        "tower/rfq_compare.html",
        status_code,
        title=f"RFQ {rfq.number}",
        rfq=rfq,
        by_line=by_line,
        can_buy=can_act(who, BUYERS),
        errors=errors or {},
        values=values or {},
    )


@router.get("/procurement/rfqs/{number}")
def rfq_compare(number: Number, request: Request, app: AppDep, who: BrandUser) -> HTMLResponse:
    """An RFQ's lines and every quote side by side, ranked by landed cost."""
    return _compare(request, app, who, number)


@router.post("/procurement/rfqs/{number}/award")
async def award_rfq(number: Number, request: Request, app: AppDep, who: BuyerUser) -> Response:
    """Award each line to the quote ticked (default: its best-ranked valid quote): one draft
    purchase order per supplier."""

    def award(app: App, who: Principal, fields: dict[str, str]) -> str:
        choices = {
            int(key[4:]): value
            for key, value in fields.items()
            if key.startswith("line") and key[4:].isdigit() and value
        }
        with uow_for(app, who) as uow:
            view = rfqs.award_rfq(uow, number, choices=choices, now=_now())
            uow.commit()
        orders = ", ".join(view.purchase_orders) or "none"
        return f"RFQ {view.number} awarded: draft purchase orders {orders}, to issue below"

    def again(request: Request, app: App, who: Principal, **kw: Any) -> HTMLResponse:
        return _compare(request, app, who, number, **kw)

    return await _act(request, app, who, award, again=again)
