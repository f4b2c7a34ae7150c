"""``POST /plan/release``: release planned orders of the current plan, once each — purchases
into a draft PO or RFQ, production into a job at the supplier that makes it — the same use case
as ``flexchain plan release``, the Plan page and Today
(:func:`flexchain.services.plan_release.release_planned`); ``GET /plan/releases``: what each
released planned order of a plan went into.

Who: releasing purchases (``to`` ``po`` or ``rfq``) is for buyers and admins, as ``POST /rfqs``
and ``POST /purchase-orders``; releasing production into jobs (``to`` ``job``) for planners and
admins. The route admits all three roles and answers 403 to the one the target is not for.
Every staff role reads the releases; a supplier's user gets 403.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from flexchain.domain.identity import STAFF, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import Problem, errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import plan_release

__all__ = ["BUYERS", "PLANNERS", "router"]

router = APIRouter(prefix="/plan", tags=["plan"], dependencies=[STORABLE_TEXT])

BUYERS = (Role.ADMIN, Role.BUYER)
"""Who releases planned purchases (into a PO or an RFQ)."""
PLANNERS = (Role.ADMIN, Role.PLANNER)
"""Who releases planned production (into jobs)."""
PlanNumber = Annotated[int, Field(ge=1, le=2**31 - 1)]


class ReleaseIn(BaseModel):
    """Planned order numbers of the current plan and what to release them into."""

    plan_numbers: list[PlanNumber] = Field(min_length=1, max_length=1000)
    to: Literal["po", "rfq", "job"]
    suppliers: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=100)
    """``po``: the one supplier; ``rfq``: the suppliers asked; ``job``: the maker (default:
    the best capable supplier)."""
    reply_by: date | None = None
    """``rfq``: the day quotes are due."""
    release_job: bool = False
    """``job``: release the job at once (its materials issued to the supplier's site)."""


def may_release(who: Principal, to: str) -> bool:
    """Whether ``who`` may release into ``to`` (module docstring)."""
    return who.role is not None and who.role in (PLANNERS if to == "job" else BUYERS)


@router.post(
    "/release",
    status_code=201,
    responses={
        **errors(
            "Wrong kind for the target, released already, or a supplier that cannot",
            missing="No current plan, planned order or supplier",
            body=True,
        ),
        403: {"model": Problem, "description": "The caller's role may not release into this"},
    },
)
def release(
    body: ReleaseIn,
    app: AppDep,
    who: Annotated[Principal, allow(Role.ADMIN, Role.BUYER, Role.PLANNER)],
) -> Any:
    """Release planned orders into a draft PO (one supplier), a draft RFQ (the suppliers
    asked) or production jobs; 201 with what was made (``references``, ``numbers``,
    ``suppliers``, ``message``). A planned order released already is refused (422), naming
    what it went into."""
    if not may_release(who, body.to):
        roles = ", ".join(r.value for r in (PLANNERS if body.to == "job" else BUYERS))
        role = who.role.value if who.role else "nobody"
        return JSONResponse(
            {"detail": f"releasing into a {body.to} is for {roles}: not {role}"}, status_code=403
        )
    with uow_for(app, who) as uow:
        done = plan_release.release_planned(
            uow, plan_numbers=body.plan_numbers, to=body.to, suppliers=body.suppliers,
            reply_by=body.reply_by, release=body.release_job, now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    return JSONResponse(plain(done), status_code=201)


@router.get("/releases", responses=errors(missing="No current plan, or no such plan"))
def releases(
    app: AppDep,
    who: Annotated[Principal, allow(*STAFF)],
    run: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Any:
    """What each released planned order of the current plan (or ``run``) went into, by
    number: ``{"12": "PO-000031", "14": "job 45"}``."""
    with uow_for(app, who, write=False) as uow:
        found = plan_release.released(uow, run)
    return JSONResponse({str(number): reference for number, reference in sorted(found.items())})
