"""Control tower page: the weekly report (:mod:`flexchain.services.weekly_report`).

* ``GET /app/report`` (``?week_end=YYYY-MM-DD``: any day of the week, which runs Monday to
  Sunday; default the last complete week): KPIs against
  last week and target, what fired, what was decided — the report ``GET /reports/weekly``
  answers and subscribers receive — with the weeks before and after, and whether the reader
  gets it by e-mail.
* ``GET /app/report.pdf``: the same week as the one-page PDF.
* ``POST /app/report/subscription`` (``subscribed=yes|no``): the reader asks for the report by
  e-mail or stops it (not a viewer: it reads only).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError
from flexchain.domain.identity import Principal
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.tower.common import (
    ActingUser,
    BrandUser,
    done,
    form_errors,
    form_fields,
    page,
    pages,
    parse_date,
)
from flexchain.services import report_mail
from flexchain.services.weekly_report import WeeklyReport, last_week_end, weekly_report

__all__ = ["router"]

router = pages()


def _week(text: str, today: date) -> date:
    return parse_date(text[:32], "week_end") if text else last_week_end(today)


def _load(app: App, who: Principal, week_end: date, now: datetime) -> tuple[WeeklyReport, bool]:
    with uow_for(app, who, write=False) as uow:
        report = weekly_report(uow, week_end=week_end, settings=app.settings, now=now)
        mine = report_mail.subscription(uow, who.email or "").subscribed
    return report, mine


def _report_page(
    request: Request, app: App, who: Principal, week_text: str, *, errors: dict[str, str] | None
) -> HTMLResponse:
    now = datetime.now(UTC)
    errors = dict(errors or {})
    try:
        week_end = _week(week_text, now.date())
        report, mine = _load(app, who, week_end, now)
    except DomainError as error:  # a bad or future week: say so, show the last complete one
        errors.update(form_errors(error))
        report, mine = _load(app, who, last_week_end(now.date()), now)
    later = report.week_end + timedelta(days=7)
    return page(
        request,
        "tower/report.html",
        422 if errors else 200,
        title="Weekly report",
        report=report,
        figure=report_mail.figure,
        change=report_mail.change_figure,
        target=report_mail.target_figure,
        subscribed=mine,
        earlier=report.week_end - timedelta(days=7),
        later=later if later < now.date() else None,  # its Sunday is over
        errors=errors,
    )


@router.get("/report")
def report(request: Request, app: AppDep, who: BrandUser, week_end: str = "") -> HTMLResponse:
    """The weekly report of one week."""
    return _report_page(request, app, who, week_end, errors=None)


@router.get("/report.pdf")
def report_pdf(request: Request, app: AppDep, who: BrandUser, week_end: str = "") -> Response:
    """The weekly report of one week as its one-page PDF (a bad week: the page saying why)."""
    now = datetime.now(UTC)
    try:
        found, _ = _load(app, who, _week(week_end, now.date()), now)
    except DomainError as error:
        return _report_page(request, app, who, "", errors=form_errors(error))
    return Response(
        report_mail.report_pdf_bytes(found, font=app.settings.document_font),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{report_mail.report_filename(found)}"'
        },
    )


def _subscribe(app: App, who: Principal, wanted: str) -> str:
    with uow_for(app, who) as uow:
        done_ = report_mail.set_subscription(
            uow, who.email or "", subscribed=wanted == "yes", now=datetime.now(UTC)
        )
        uow.commit()
    if done_.subscribed:
        return f"The weekly report will be e-mailed to {done_.email} each week."
    return f"The weekly report is no longer e-mailed to {done_.email}."


@router.post("/report/subscription")
async def subscription(request: Request, app: AppDep, who: ActingUser) -> Response:
    """Ask for the weekly report by e-mail, or stop it."""
    fields: dict[str, str] = {}
    try:
        fields = await form_fields(request)
        if fields.get("subscribed") not in ("yes", "no"):
            raise DomainError("choose whether to get the weekly report by e-mail (yes or no)")
        message = await run_in_threadpool(_subscribe, app, who, fields["subscribed"])
    except DomainError as error:
        return await run_in_threadpool(
            _report_page, request, app, who, fields.get("week_end", ""), errors=form_errors(error)
        )
    back = fields.get("week_end", "")
    try:
        target = f"/app/report?week_end={parse_date(back, 'week_end')}" if back else "/app/report"
    except DomainError:
        target = "/app/report"
    return done(target, message)
