"""``/jobs``: the same use cases as ``flexchain jobs`` (the supplier portal will call them too).

``GET /jobs`` (``order``, ``supplier``, ``status``), ``GET /jobs/{id}``, and ``POST
/jobs/{id}/release|start|progress|delay|finish|cancel``; every answer but the list is the job
as ``jobs show --json`` prints it. Quantities are exact decimal strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from flexchain.domain.identity import EVERYONE, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import jobs

router = APIRouter(prefix="/jobs", tags=["jobs"], dependencies=[STORABLE_TEXT])

BRAND = (Role.ADMIN, Role.PLANNER, Role.BUYER)
"""Release and cancel: the brand's decisions."""
MAKERS = (*BRAND, Role.SUPPLIER)
"""Start, progress, delay, finish: the supplier reports them (its own jobs only)."""
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]
"""A job's id (the range of the database's integer keys)."""
ACTION = errors("The job's state does not allow this", missing="No such job")
REPORT = errors(
    "The job's state or the numbers do not allow this", missing="No such job", body=True
)


class ProgressIn(BaseModel):
    step: str
    quantity: str
    scrap: str = "0"


class DelayIn(BaseModel):
    days: int
    reason: str


class FinishIn(BaseModel):
    quantity: str | None = None


@router.get("", responses=errors("Unknown status", missing="No such order or supplier"))
def list_jobs(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    order: str | None = None,
    supplier: str | None = None,
    status: str | None = None,
) -> Any:
    """Jobs by planned start, of one order (id, store id or number), supplier or status."""
    with uow_for(app, who, write=False) as uow:
        found = jobs.list_jobs(uow, order=order, supplier=supplier, status=status)
        return JSONResponse(plain(found))


@router.get("/{job_id}", responses=errors(missing="No such job"))
def show_job(job_id: JobId, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """One job with its steps, events and alerts (a supplier's user: only its own)."""
    with uow_for(app, who, write=False) as uow:
        return JSONResponse(plain(jobs.show_job(uow, job_id).as_dict()))


def _act(app: Any, who: Principal, action: Any, job_id: int, **options: Any) -> JSONResponse:
    with uow_for(app, who) as uow:
        detail = action(uow, job_id, now=datetime.now(UTC), **options)
        uow.commit()
    return JSONResponse(plain(detail.as_dict()))


@router.post("/{job_id}/release", responses=ACTION)
def release_job(job_id: JobId, app: AppDep, who: Annotated[Principal, allow(*BRAND)]) -> Any:
    """Release a planned job: its materials move to the supplier's site."""
    return _act(app, who, jobs.release_job, job_id)


@router.post("/{job_id}/start", responses=ACTION)
def start_job(job_id: JobId, app: AppDep, who: Annotated[Principal, allow(*MAKERS)]) -> Any:
    """The supplier started a released job."""
    return _act(app, who, jobs.start_job, job_id)


@router.post("/{job_id}/progress", responses=REPORT)
def progress_job(
    job_id: JobId, body: ProgressIn, app: AppDep, who: Annotated[Principal, allow(*MAKERS)]
) -> Any:
    """A step of a started job: good units and scrap."""
    return _act(
        app,
        who,
        jobs.progress_job,
        job_id,
        step=body.step,
        quantity=body.quantity,
        scrap=body.scrap,
    )


@router.post("/{job_id}/delay", responses=REPORT)
def delay_job(
    job_id: JobId, body: DelayIn, app: AppDep, who: Annotated[Principal, allow(*MAKERS)]
) -> Any:
    """An open job's dates move later, with a reason."""
    return _act(app, who, jobs.delay_job, job_id, days=body.days, reason=body.reason)


@router.post("/{job_id}/finish", responses=REPORT)
def finish_job(
    job_id: JobId,
    app: AppDep,
    who: Annotated[Principal, allow(*MAKERS)],
    body: FinishIn | None = None,
) -> Any:
    """A started job finished with ``quantity`` good units (default: all)."""
    tolerance = app.settings.job_over_consumption
    quantity = body.quantity if body is not None else None
    return _act(app, who, jobs.finish_job, job_id, quantity=quantity, tolerance=tolerance)


@router.post("/{job_id}/cancel", responses=ACTION)
def cancel_job(job_id: JobId, app: AppDep, who: Annotated[Principal, allow(*BRAND)]) -> Any:
    """Cancel a job not yet started."""
    return _act(app, who, jobs.cancel_job, job_id)
