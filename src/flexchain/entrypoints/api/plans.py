"""``GET /plan/accuracy``: the forecast accuracy of earlier plan runs, the same report as
``flexchain plan accuracy --json``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from flexchain.domain.identity import STAFF, Principal
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import planning

router = APIRouter(prefix="/plan", tags=["plan"], dependencies=[STORABLE_TEXT])


@router.get(
    "/accuracy",
    responses=errors("Unknown grouping", missing="No such SKU"),
)
def plan_accuracy(
    app: AppDep,
    who: Annotated[Principal, allow(*STAFF)],
    item: str | None = None,
    by: str = "item",
) -> Any:
    """How wrong the stored forecasts of the complete runs of the last 60 weeks were against
    the weeks that have happened: per item and location (largest absolute error first), ABC-XYZ
    class or pattern (``by``), and overall; sums as decimal strings, WAPE and bias as fractions
    (``"0.125"`` = 12.5 %; null without demand), at lag 1 and over the stored horizon. 404 for
    an unknown ``item``, 422 for a ``by`` other than item, class or pattern."""
    settings = app.settings
    with uow_for(app, who, write=False) as uow:
        report = planning.forecast_accuracy(
            uow,
            today=datetime.now(UTC).date(),
            by=by,
            item=item,
            params=planning.PlanParameters.from_settings(settings),
            history_weeks=52 * settings.plan_history_years,
        )
    return JSONResponse(plain(report))
