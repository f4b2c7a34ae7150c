"""Control tower page: Overview: KPIs against targets, trends, drill-down.

* ``/app/overview`` (``period_end``: default today; ``weeks``: default 12): every KPI of
  :func:`flexchain.services.kpis.kpis` (as ``GET /kpis``) as a card: its value, target and
  whether it meets it (in words), why a figure is missing, its formula, its weekly trend as a
  chart with the target drawn, and a link to its rows.
* ``/app/overview/{key}``: one KPI's card and the rows it was computed from
  (:func:`flexchain.services.kpis.kpi_rows`, as ``GET /kpis/{key}/rows``): the first
  :data:`ROWS_SHOWN` (the stock KPIs': largest stock value first), saying how many there are.

Read-only: every brand role reads it, a viewer too; a supplier's user gets the 403 page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.tower.common import (
    BrandUser,
    chart,
    money,
    number,
    page,
    pages,
)
from flexchain.services import kpis
from flexchain.services.kpis import KpiView

__all__ = ["router", "shown"]

router = pages()

Key = Annotated[str, Path(min_length=1, max_length=64)]
PeriodEnd = Annotated[str | None, Query(max_length=10, description="2026-12-06")]
Weeks = Annotated[str | None, Query(max_length=3, description="weeks in the window")]
SIGNS = {"at least": "at least", "at most": "at most", "within": "within ±"}
ROWS_SHOWN = 200
"""Rows a KPI's page lists (at 20,000 items a stock KPI has 20,000: the API and CLI give all)."""


def shown(value: Decimal | None, unit: str) -> str:
    """A KPI's value with its unit (``no data`` for none); money as ``1,234.50 EUR``."""
    if value is None:
        return "no data"
    if unit.isalpha() and unit.isupper() and len(unit) == 3:
        return money(value, unit)
    # the service's own digits (0.39 turns, 92.7 %), as the API and CLI give them: never re-rounded
    text = number(value, min(2, max(0, -int(value.normalize().as_tuple().exponent))))
    return f"{text} %" if unit == "%" else f"{text} {unit}"


def target_text(view: KpiView) -> str:
    """``target: at least 70 %``; ``no target set`` without one."""
    if view.target is None:
        return "no target set (setting kpi_targets)"
    return f"target: {SIGNS[view.direction]} {shown(view.target, view.unit)}"


def verdict(view: KpiView) -> str:
    """Whether the value meets its target, in words (never by colour alone)."""
    return {True: "meets target", False: "misses target", None: "not judged"}[view.meets]


def _window(period_end: str | None, weeks: str | None) -> tuple[date, int, dict[str, str]]:
    """The window asked for; what was not a day or a number of weeks is named and the
    default used instead."""
    errors: dict[str, str] = {}
    today = end = datetime.now(UTC).date()
    if period_end:
        try:
            end = date.fromisoformat(period_end)
        except ValueError:
            errors["period_end"] = f"{period_end!r} is not a day (YYYY-MM-DD)."
        if not kpis.EARLIEST <= end <= kpis.LATEST:
            errors["period_end"] = (
                f"{period_end}: give a day from {kpis.EARLIEST} to {kpis.LATEST}."
            )
            end = today
    count = 12
    if weeks:
        if weeks.isdigit() and 1 <= int(weeks) <= kpis.MAX_WEEKS:
            count = int(weeks)
        else:
            errors["weeks"] = f"{weeks!r}: give 1 to {kpis.MAX_WEEKS} weeks."
    return end, count, errors


def _trend(request: Request, view: KpiView) -> Markup | None:
    """The trend as a chart with the target drawn; None when no period has a figure."""
    if all(point.value is None for point in view.trend):
        return None
    lines = [] if view.target is None else [("Target", view.target)]
    monthly = view.key.startswith("supplier_")
    return chart(
        request,
        f"trend-{view.key}",
        f"{view.label} by {'month' if monthly else 'week'}",
        [point.period for point in view.trend],
        [(view.label, [point.value for point in view.trend])],
        unit=view.unit,
        lines=lines,
    )


def _context(view: KpiView) -> dict[str, Any]:
    return {"shown": shown(view.value, view.unit), "target": target_text(view),
            "verdict": verdict(view)}  # fmt: skip


@router.get("/overview", response_class=HTMLResponse)
def overview(
    request: Request,
    app: AppDep,
    who: BrandUser,
    period_end: PeriodEnd = None,
    weeks: Weeks = None,
) -> HTMLResponse:
    """Every KPI against its target, with its trend and a link to its rows."""
    end, count, errors = _window(period_end, weeks)
    with uow_for(app, who, write=False) as uow:
        views = kpis.kpis(uow, period_end=end, weeks=count, settings=app.settings)
    cards = [{"view": v, **_context(v), "chart": _trend(request, v)} for v in views]
    return page(
        request,
        "tower/overview.html",
        title="Overview",
        cards=cards,
        period_end=end,
        weeks=count,
        errors=errors,
    )


@router.get("/overview/{key}", response_class=HTMLResponse)
def kpi_rows(
    request: Request,
    app: AppDep,
    who: BrandUser,
    key: Key,
    period_end: PeriodEnd = None,
    weeks: Weeks = None,
) -> HTMLResponse:
    """One KPI: its card and the rows it was computed from (404 page: no such KPI)."""
    end, count, errors = _window(period_end, weeks)
    with uow_for(app, who, write=False) as uow:
        view, found = kpis.kpi_with_rows(
            uow, key, period_end=end, weeks=count, settings=app.settings, limit=ROWS_SHOWN
        )
    return page(
        request,
        "tower/kpi_rows.html",
        title=found.label,
        view=view,
        card={"view": view, **_context(view), "chart": _trend(request, view)},
        found=found,
        period_end=end,
        weeks=count,
        errors=errors,
    )
