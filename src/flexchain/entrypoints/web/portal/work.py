"""Portal pages: production jobs and their progress, the shared forecast, stock held.

* ``GET /portal/jobs``: the supplier's jobs, open ones first; ``GET /portal/jobs/{job_id}``: one
  job with its steps, events, the forms its status allows and the files the brand attached.
* ``POST /portal/jobs/{job_id}/start|progress|delay|finish``: the same use cases as ``flexchain
  jobs`` and ``POST /jobs/{id}/...`` (:mod:`flexchain.services.jobs`); done, the browser goes
  back to the job (303) with a notice; refused, the job page again with the message next to the
  field and what was typed (422).
* ``GET /portal/forecast``: the 12-week forecast the brand shares (:mod:`~flexchain.services.
  supplier_forecast`); ``GET /portal/stock``: the stock at the supplier's sites
  (:mod:`~flexchain.services.supplier_stock`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, NotFound
from flexchain.domain.identity import Principal
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.portal.common import (
    SupplierUser,
    form_errors,
    form_fields,
    page,
    pages,
    parse_int,
)
from flexchain.services import files, jobs, supplier_forecast, supplier_stock

__all__ = ["router"]

router = pages()

DONE = {
    "start": "Job started.",
    "progress": "Progress posted.",
    "delay": "Delay posted: the brand sees the new dates.",
    "finish": "Job finished: the brand sees the units coming back.",
}
"""The notice shown after each action (``?done=<action>``)."""
MAX_ID = 2**31 - 1


def job_number(value: str) -> int:
    """A job id from the URL; anything else is no job (404), like another supplier's."""
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise NotFound(f"no job {value!r}")
    return int(value)


@router.get("/jobs")
def job_list(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """The supplier's production jobs: open ones (by planned start), then closed ones."""
    with uow_for(app, who, write=False) as uow:
        found = jobs.list_jobs(uow)
    open_jobs = [job for job in found if job.status.is_open]
    closed = [job for job in found if not job.status.is_open]
    return page(request, "portal/jobs.html", title="Jobs", open_jobs=open_jobs, closed=closed)


def _job_page(
    request: Request,
    app: App,
    who: Principal,
    job_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    form: str = "",
) -> HTMLResponse:
    with uow_for(app, who, write=False) as uow:
        detail = jobs.show_job(uow, job_id)
        attached = files.list_attachments(uow, files.OwnerKind.JOB, str(job_id))
    done = request.query_params.get("done", "")
    return page(
        request,
        "portal/job.html",
        status_code,
        title=f"Job {job_id}",
        detail=detail,
        files=attached,
        notice=DONE.get(done, "") if not errors else "",
        errors=errors or {},
        values=values or {},
        form=form,
    )


@router.get("/jobs/{job_id}")
def job_page(job_id: str, request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """One job: its facts, steps done, events, files, and the forms its status allows."""
    return _job_page(request, app, who, job_number(job_id))


def _act(app: App, who: Principal, action: Callable[..., Any], job_id: int, **kw: Any) -> None:
    with uow_for(app, who) as uow:
        action(uow, job_id, now=datetime.now(UTC), **kw)
        uow.commit()


def _options(name: str, fields: dict[str, str], app: App) -> dict[str, Any]:
    """The service's keyword arguments for action ``name`` from the form's fields."""
    if name == "progress":
        return {
            "step": fields.get("step", ""),
            "quantity": fields.get("quantity", "") or "0",
            "scrap": fields.get("scrap", "") or "0",
        }
    if name == "delay":
        return {
            "days": parse_int(fields.get("days", ""), "days"),
            "reason": fields.get("reason", ""),
        }
    if name == "finish":
        return {
            "quantity": fields.get("quantity") or None,
            "tolerance": app.settings.job_over_consumption,
        }
    return {}


FIELDS = {"start": (), "progress": ("step", "quantity", "scrap"), "delay": ("days", "reason"),
          "finish": ("quantity",)}  # fmt: skip
"""The inputs of each action's form (an error about another field is shown above the form)."""
ACTIONS: dict[str, Callable[..., Any]] = {
    "start": jobs.start_job,
    "progress": jobs.progress_job,
    "delay": jobs.delay_job,
    "finish": jobs.finish_job,
}


@router.post("/jobs/{job_id}/{action}")
async def job_action(
    job_id: str, action: str, request: Request, app: AppDep, who: SupplierUser
) -> Response:
    """Start, post progress on, delay or finish one of the supplier's jobs."""
    number = job_number(job_id)
    if action not in ACTIONS:
        raise NotFound(f"no action {action!r} on a job: {', '.join(ACTIONS)}")
    fields: dict[str, str] = {}
    try:
        posted = await form_fields(request, max_length=500)
        fields = {name.removeprefix(f"{action}."): value for name, value in posted.items()}
        options = _options(action, fields, app)
        await run_in_threadpool(_act, app, who, ACTIONS[action], number, **options)
    except NotFound:
        raise
    except DomainError as error:
        errors = form_errors(error, prefix=f"{action}.")
        if not set(errors) <= {f"{action}.{name}" for name in FIELDS[action]}:
            errors = {"": str(error)}  # not about a field of the form: say it above the form
        values = {f"{action}.{name}": value for name, value in fields.items()}
        return await run_in_threadpool(
            lambda: _job_page(
                request, app, who, number, status_code=422, errors=errors, values=values,
                form=action,
            )
        )  # fmt: skip
    return RedirectResponse(f"/portal/jobs/{number}?done={action}", status_code=303)


@router.get("/forecast")
def forecast_page(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """The rolling 12-week forecast of the supplier's items, from the brand's current plan."""
    with uow_for(app, who, write=False) as uow:
        shared = supplier_forecast.supplier_forecast(uow, now=datetime.now(UTC))
    return page(request, "portal/forecast.html", title="Forecast", shared=shared)


@router.get("/stock")
def stock_page(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """The stock the supplier holds for the brand, per site."""
    with uow_for(app, who, write=False) as uow:
        held = supplier_stock.supplier_stock(uow, now=datetime.now(UTC))
    return page(request, "portal/stock.html", title="Stock held", held=held)
