"""Price indices, renegotiation tasks and quarterly price reviews: the same use cases as
``flexchain prices``.

``GET /price-indices``, ``POST /price-indices`` (add or rename one), ``POST
/price-indices/{code}/values`` (all values or none: a 422 lists every bad entry with its
position and field), ``GET /renegotiations`` (``status``), ``POST
/renegotiations/{id}/decision`` and ``GET /price-reviews?quarter=2027Q1``. Buyers and admins
change them; the brand's other staff read them; suppliers have no access. Decimals are exact
strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from flexchain.domain.identity import STAFF, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import price_watch

router = APIRouter(tags=["price watch"], dependencies=[STORABLE_TEXT])

BUYERS = (Role.ADMIN, Role.BUYER)
"""Who changes indices and decides renegotiations."""
READERS = tuple(sorted(STAFF))
"""Who reads them: the brand's staff (no supplier)."""
TaskId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class IndexIn(BaseModel):
    code: str
    name: str = ""
    unit: str = ""


class ValueIn(BaseModel):
    date: str
    value: str | float | int


class ValuesIn(BaseModel):
    values: list[ValueIn]


class DecisionIn(BaseModel):
    decision: str
    reason: str


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/price-indices", responses=errors())
def list_indices(app: AppDep, who: Annotated[Principal, allow(*READERS)]) -> Any:
    """Every index with its number of values and its latest value."""
    with uow_for(app, who, write=False) as uow:
        return JSONResponse(plain(price_watch.list_indices(uow)))


@router.post("/price-indices", responses=errors("A bad code, name or unit", body=True))
def add_index(body: IndexIn, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]) -> Any:
    """Add an index, or change the name and unit of one that exists."""
    with uow_for(app, who) as uow:
        view = price_watch.add_index(uow, body.code, name=body.name, unit=body.unit, now=_now())
        uow.commit()
    return JSONResponse(plain(view))


@router.post(
    "/price-indices/{code}/values",
    responses=errors("A bad entry: nothing was written", body=True),
)
def add_values(
    code: str, body: ValuesIn, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]
) -> Any:
    """Store the index's values (``{"values": [{"date": "2026-11-30", "value": "1.92"}]}``);
    an entry's position (1 = the first) names it in an error."""
    rows = [
        (position, {"index": code, "date": entry.date, "value": str(entry.value)})
        for position, entry in enumerate(body.values, start=1)
    ]
    with uow_for(app, who) as uow:
        report = price_watch.import_index_rows(
            uow, rows, source=f"/price-indices/{code}", now=_now()
        )
        uow.commit()
    return JSONResponse(plain(report))


@router.get("/renegotiations", responses=errors("Unknown status"))
def list_tasks(
    app: AppDep, who: Annotated[Principal, allow(*READERS)], status: str | None = None
) -> Any:
    """Renegotiation tasks, oldest first (``status``: open, accepted or dismissed)."""
    with uow_for(app, who, write=False) as uow:
        return JSONResponse(plain(price_watch.list_tasks(uow, status=status)))


@router.post(
    "/renegotiations/{task_id}/decision",
    responses=errors("Not an open task, or no reason", missing="No such task", body=True),
)
def decide_task(
    task_id: TaskId, body: DecisionIn, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]
) -> Any:
    """Accept or dismiss an open task (``{"decision": "accept", "reason": "..."}``)."""
    with uow_for(app, who) as uow:
        view = price_watch.decide_task(uow, task_id, body.decision, reason=body.reason, now=_now())
        uow.commit()
    return JSONResponse(plain(view))


@router.get("/price-reviews", responses=errors("Not a quarter such as 2027Q1"))
def review(app: AppDep, who: Annotated[Principal, allow(*READERS)], quarter: str) -> Any:
    """The proposed price of every contract price line that follows an index, for ``quarter``."""
    with uow_for(app, who, write=False) as uow:
        return JSONResponse(plain(price_watch.review_proposals(uow, quarter)))
