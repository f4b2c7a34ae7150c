"""Control tower page: Today, the decision inbox (:mod:`flexchain.services.today`).

* ``GET /app/today`` (``?kind=`` one kind): every entry waiting for a person, ranked by money
  and time at stake: what happened, why it matters (its figures), what flexchain suggests, and
  its actions as buttons for the roles that may take them (a viewer sees none).
* ``POST /app/today/unsnooze``: form field ``key``: the snoozed entry shows again today (the
  page lists the snoozes under "Snoozed (N)"; as ``DELETE /decisions/snoozes/{key}``).
* ``POST /app/today/act``: form fields ``key``, ``action`` and, where asked, ``reason`` and
  ``until`` (snooze): the action goes through the service that owns the record, as the API's
  ``POST /decisions/act`` and ``flexchain today act`` do; then back to the list with what was
  done, or the list again (of the same kind, if it was filtered) with the reason it was
  refused at the top, naming the entry and linking to it, and next to the entry.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, ValidationError
from flexchain.domain.identity import Principal
from flexchain.domain.today import Kind, NotAllowed
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.tower.common import (
    ActingUser,
    BrandUser,
    done,
    form_fields,
    page,
    pages,
    parse_date,
)
from flexchain.services import today as inbox
from flexchain.services import today_snoozes

__all__ = ["KIND_LABELS", "KIND_SOURCES", "router"]

router = pages()

KIND_LABELS = {
    Kind.ORDER_AT_RISK: "Order at risk",
    Kind.FAILED_WEBHOOK: "Failed webhook",
    Kind.PLANNED_ORDER: "Planned order to release",
    Kind.RFQ_TO_AWARD: "RFQ to award",
    Kind.INVOICE_HELD: "Invoice held",
    Kind.RULE_FIRED: "Supplier rule fired",
    Kind.CERTIFICATE_EXPIRING: "Certificate expiring",
    Kind.OPTION_ALERT: "Option-share alert",
    Kind.RENEGOTIATION: "Price-index renegotiation",
}
KIND_SOURCES = {
    Kind.ORDER_AT_RISK: "Orders at risk appear when an open order nears or passes its promised "
    "day with jobs or picks still open.",
    Kind.FAILED_WEBHOOK: "Failed webhooks appear when a shop's order webhook arrives but cannot "
    "be applied.",
    Kind.PLANNED_ORDER: "Planned orders appear when the current plan has a purchase or "
    "production due for release.",
    Kind.RFQ_TO_AWARD: "RFQs to award appear when a sent RFQ has quotes to compare (its "
    "reply-by day has passed, or every supplier asked has quoted).",
    Kind.INVOICE_HELD: "Held invoices appear when an invoice fails the three-way match with its "
    "PO and receipt.",
    Kind.RULE_FIRED: "Supplier rules fired appear when a supplier breaks one of your rules "
    "(delivery delays, on-time rate, a single source, an overdue check-in).",
    Kind.CERTIFICATE_EXPIRING: "Certificates expiring appear when a supplier's certificate "
    "runs out within the warning days.",
    Kind.OPTION_ALERT: "Option-share alerts appear when an option's share of add-to-carts "
    "rises far above its usual share (from your shops' demand signals).",
    Kind.RENEGOTIATION: "Renegotiations appear when a price index a contract's index clause "
    "follows moves beyond the clause's threshold.",
}
"""Where the entries of each kind come from: said when a kind's filter shows none."""


def _now() -> datetime:
    return datetime.now(UTC)


def _today_page(
    request: Request,
    app: App,
    who: Principal,
    *,
    kind: str = "",
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    now = _now()
    wanted = kind if kind in {k.value for k in Kind} else None
    with uow_for(app, who, write=False) as uow:
        decisions = inbox.decision_inbox(uow, now=now, settings=app.settings, kind=wanted)
        snoozed = today_snoozes.list_snoozes(uow, now=now)
    errors = errors or {}
    refused = [(n, d, errors[d.key]) for n, d in enumerate(decisions, 1) if d.key in errors]
    return page(
        request,
        "tower/today.html",
        status_code,
        title="Today",
        decisions=decisions,
        kinds=KIND_LABELS,
        kind=wanted or "",
        source=KIND_SOURCES.get(Kind(wanted)) if wanted else "",
        role=who.role.value if who.role else "",
        tomorrow=now.date() + timedelta(days=1),
        errors=errors,
        refused=refused,
        snoozed=snoozed,
        values=values or {},
    )


def _listed(kind: str) -> str:
    """The list's URL, of one kind if ``kind`` is one."""
    return f"/app/today?kind={kind}" if kind in {k.value for k in Kind} else "/app/today"


@router.get("/")
def home(who: BrandUser) -> RedirectResponse:
    """``/app`` (and ``/app/``): the tower opens on Today."""
    return RedirectResponse("/app/today", status_code=303)


@router.get("/today")
def today(request: Request, app: AppDep, who: BrandUser, kind: str = "") -> HTMLResponse:
    """What waits for a person today, ranked by money and time at stake."""
    return _today_page(request, app, who, kind=kind[:64])


def _act(app: App, who: Principal, fields: dict[str, str]) -> tuple[str, bool]:
    """What was done, and whether it did not work (a webhook retried failed again)."""
    key, action = fields.get("key", ""), fields.get("action", "")
    if not key or not action:
        raise ValidationError("action", "choose an entry's action (key and action)")
    role = who.role.value if who.role else ""
    now = _now()
    if action == "retry":
        retried = inbox.retry(
            app.engine, lambda: uow_for(app, who, write=False), key,
            now=now, settings=app.settings, actor=who.actor, role=role,
        )  # fmt: skip
        return retried.message, not retried.applied
    until_text = fields.get("until", "")
    until: date | None = parse_date(until_text, "until") if until_text else None
    with uow_for(app, who) as uow:
        message = inbox.act(
            uow, key, action, now=now, settings=app.settings, role=role,
            reason=fields.get("reason", ""), until=until,
        )  # fmt: skip
        uow.commit()
    return message, False


@router.get("/today/act")
def act_page(who: BrandUser) -> RedirectResponse:
    """Where a reload after a refused action lands: the list."""
    return RedirectResponse("/app/today", status_code=303)


@router.post("/today/act")
async def act(request: Request, app: AppDep, who: ActingUser) -> Response:
    """Take one action on one entry, through the service that owns its record."""
    fields: dict[str, str] = {}
    try:
        fields = await form_fields(request)
        message, failed = await run_in_threadpool(_act, app, who, fields)
    except DomainError as error:
        refused = {fields.get("key", ""): str(error)}
        status = 403 if isinstance(error, NotAllowed) else 422
        kind = fields.get("kind", "")[:64]
        shown = await run_in_threadpool(
            lambda: _today_page(
                request, app, who, kind=kind, status_code=status, errors=refused, values=fields
            )
        )
        # a reload shows the same list (the filter kept), not a re-post
        shown.headers["HX-Push-Url"] = _listed(kind)
        return shown
    return done(_listed(fields.get("kind", "")), message, failed=failed)


def _unsnooze(app: App, who: Principal, fields: dict[str, str]) -> str:
    with uow_for(app, who) as uow:
        undone = today_snoozes.unsnooze(uow, fields.get("key", ""), now=_now())
        uow.commit()
    return f"{undone.key} shows again today (it was snoozed until {undone.until})"


@router.post("/today/unsnooze")
async def unsnooze(request: Request, app: AppDep, who: ActingUser) -> Response:
    """Show a snoozed entry again today (as ``DELETE /decisions/snoozes/{key}``)."""
    fields: dict[str, str] = {}
    try:
        fields = await form_fields(request)
        message = await run_in_threadpool(_unsnooze, app, who, fields)
    except DomainError as error:
        kind, refused = fields.get("kind", "")[:64], {"": str(error)}
        shown = await run_in_threadpool(
            lambda: _today_page(request, app, who, kind=kind, status_code=422, errors=refused)
        )
        shown.headers["HX-Push-Url"] = _listed(kind)
        return shown
    return done(_listed(fields.get("kind", "")), message)
