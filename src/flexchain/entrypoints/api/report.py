"""``/reports/weekly``: the weekly report (issue 17) as JSON and as its PDF, and the caller's own
subscription to it by e-mail.

``GET /reports/weekly`` and ``GET /reports/weekly.pdf`` take ``week_end`` (the Sunday, or any
other day, of the Monday-to-Sunday week; default: the last complete week) and are open to every
brand role;
``POST /reports/weekly/subscription`` (``{"subscribed": true|false}``) to the brand roles that
act (a viewer reads the report; an admin subscribes anyone with ``flexchain report subscribe``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from flexchain.domain.identity import STAFF, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import report_mail
from flexchain.services.weekly_report import WeeklyReport, last_week_end, weekly_report

__all__ = ["ACTORS", "router"]

router = APIRouter(prefix="/reports", tags=["reports"], dependencies=[STORABLE_TEXT])

ACTORS = (Role.ADMIN, Role.PLANNER, Role.BUYER, Role.FINANCE, Role.QUALITY)
"""Who may subscribe themselves: the brand roles that act (not a viewer, not a supplier)."""
WEEK = errors("The week (Monday to Sunday) of week_end has not ended, or it is not a date")


class SubscriptionIn(BaseModel):
    subscribed: bool


def _report(app: Any, who: Principal, week_end: date | None) -> WeeklyReport:
    now = datetime.now(UTC)
    with uow_for(app, who, write=False) as uow:
        return weekly_report(
            uow,
            week_end=week_end or last_week_end(now.date()),
            settings=app.settings,
            now=now,
        )


@router.get("/weekly", responses=WEEK)
def show_weekly(
    app: AppDep, who: Annotated[Principal, allow(*STAFF)], week_end: date | None = None
) -> Any:
    """The report of the Monday-to-Sunday week containing ``week_end``: KPIs against last
    week and target, what fired, what was decided."""
    return JSONResponse(plain(_report(app, who, week_end).as_dict()))


@router.get(
    "/weekly.pdf",
    responses={**WEEK, 200: {"content": {"application/pdf": {}}, "description": "The PDF"}},
)
def weekly_pdf(
    app: AppDep, who: Annotated[Principal, allow(*STAFF)], week_end: date | None = None
) -> Response:
    """The report as a one-page PDF (what subscribers receive)."""
    report = _report(app, who, week_end)
    pdf = report_mail.report_pdf_bytes(report, font=app.settings.document_font)
    name = report_mail.report_filename(report)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/weekly/subscription", responses=errors(body=True))
def subscribe(body: SubscriptionIn, app: AppDep, who: Annotated[Principal, allow(*ACTORS)]) -> Any:
    """Ask for the weekly report by e-mail (``subscribed: true``) or stop it; for the caller."""
    with uow_for(app, who) as uow:
        done = report_mail.set_subscription(
            uow, who.email or "", subscribed=body.subscribed, now=datetime.now(UTC)
        )
        uow.commit()
    return JSONResponse(plain(done))
