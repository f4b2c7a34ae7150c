"""``/kpis``: the control tower's KPIs against their targets, the same use case as ``flexchain
kpis`` and the Overview page.

``GET /kpis`` (``period_end``: default today; ``weeks``: the window, default 12) answers every
KPI with its value, unit, target, whether it meets it, the weekly trend, its formula and where
its rows are; ``GET /kpis/{key}/rows`` the rows one KPI was computed from (all, or a page:
``limit`` 1-10,000 and ``offset``; ``total`` counts them all). Decimals are exact
strings, None is null (no data: ``note`` says why). The brand's people may read them; a
supplier's user may not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from flexchain.domain.identity import STAFF, Principal
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import kpis

__all__ = ["router"]

router = APIRouter(tags=["kpis"], dependencies=[STORABLE_TEXT])

PeriodEnd = Annotated[
    date | None, Query(description="The window's last day (default today), e.g. 2026-12-06")
]
Weeks = Annotated[int, Query(ge=1, le=kpis.MAX_WEEKS, description="Weeks in the window")]
Key = Annotated[str, Path(min_length=1, max_length=64, description="A KPI's key, e.g. otif")]
MAX_ROWS = 10_000
"""The most rows one ``GET /kpis/{key}/rows`` with a ``limit`` answers."""
RowLimit = Annotated[
    int | None,
    Query(ge=1, le=MAX_ROWS, description="At most this many rows (default: all of them)"),
]
RowOffset = Annotated[int, Query(ge=0, description="Skip this many rows first")]


def _end(period_end: date | None) -> date:
    return period_end or datetime.now(UTC).date()


@router.get("/kpis", responses=errors("A bad period or target setting"))
def list_kpis(
    app: AppDep,
    who: Annotated[Principal, allow(*STAFF)],
    period_end: PeriodEnd = None,
    weeks: Weeks = 12,
) -> Any:
    """Every KPI over the window: value, unit, target, meets, weekly trend, formula, rows."""
    with uow_for(app, who, write=False) as uow:
        found = kpis.kpis(uow, period_end=_end(period_end), weeks=weeks, settings=app.settings)
        return JSONResponse(plain(found))


@router.get("/kpis/{key}/rows", responses=errors("A bad period", missing="No such KPI"))
def kpi_rows(
    key: Key,
    app: AppDep,
    who: Annotated[Principal, allow(*STAFF)],
    period_end: PeriodEnd = None,
    weeks: Weeks = 12,
    limit: RowLimit = None,
    offset: RowOffset = 0,
) -> Any:
    """The rows one KPI was computed from over the window (``columns``, ``rows``, ``note``):
    all of them, or ``limit`` after the first ``offset``; ``total`` says how many there are
    and ``offset`` where ``rows`` start."""
    with uow_for(app, who, write=False) as uow:
        found = kpis.kpi_rows(
            uow, key, period_end=_end(period_end), weeks=weeks, settings=app.settings,
            limit=limit, offset=offset,
        )  # fmt: skip
        return JSONResponse(plain(found))
