"""API: Today, the decision inbox (:mod:`flexchain.services.today`), as the control tower's
``/app/today`` page and ``flexchain today`` show it.

``GET /decisions`` (``kind``: one kind): every entry waiting for a person, ranked (highest
``score`` first): ``key``, ``kind``, ``title`` (what happened), ``why`` (why it matters),
``suggestion``, ``money`` (at stake, brand currency, exact string), ``days`` (to the
consequence; negative: overdue), ``ref``, ``link`` (its page), ``actions`` (name, label, the
roles that may take it, whether a reason is required). Snoozed entries are left out until their
day. The brand's staff read it; a supplier's user gets 403.

``POST /decisions/act`` ``{"key", "action", "reason", "until"}``: take an entry's action
through the service that owns the record (release, award, retry, release/reject a held invoice,
decide a firing, accept/dismiss a renegotiation, snooze with a reason until a day). Any brand
role but ``viewer`` may call it; each action also names the roles that may take it (403 for
another). 404: the entry is not in today's inbox (settled, snoozed, or never was).

``GET /decisions/snoozes``: the snoozes hiding an entry today, the soonest back first: ``key``,
``until``, ``reason``, ``by``, ``at`` (:mod:`flexchain.services.today_snoozes`); the brand's
staff read it. ``DELETE /decisions/snoozes/{key}``: show the entry again today (audited
``unsnoozed``); the roles that may act, as snoozing; 404 when no snooze hides it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from flexchain.bootstrap import App
from flexchain.domain.identity import STAFF, Principal, Role
from flexchain.domain.today import NotAllowed
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import Problem, errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import today, today_snoozes

__all__ = ["router"]

router = APIRouter(tags=["today"], dependencies=[STORABLE_TEXT])

READERS = tuple(sorted(STAFF))
"""Who reads the inbox: the brand's staff."""
ACTORS = tuple(sorted(STAFF - {Role.VIEWER}))
"""Who may act on it: the brand's staff but viewers (each action narrows it further)."""


class ActIn(BaseModel):
    key: str = Field(min_length=1, max_length=200)
    action: str = Field(min_length=1, max_length=32)
    reason: str = Field(default="", max_length=500)
    until: date | None = None
    """The day a snoozed entry shows again (``snooze`` only)."""


def _now() -> datetime:
    return datetime.now(UTC)


@router.get("/decisions", responses=errors("An unknown kind"))
def list_decisions(
    app: AppDep,
    who: Annotated[Principal, allow(*READERS)],
    kind: Annotated[str | None, Query(max_length=64)] = None,
) -> Any:
    """Today's inbox, ranked by money and time at stake."""
    with uow_for(app, who, write=False) as uow:
        found = today.decision_inbox(uow, now=_now(), settings=app.settings, kind=kind or None)
    return JSONResponse(plain(found))


def _act(app: App, who: Principal, body: ActIn) -> str:
    role = who.role.value if who.role else ""
    now = _now()
    if body.action == "retry":
        return today.retry_webhook(
            app.engine, lambda: uow_for(app, who, write=False), body.key,
            now=now, settings=app.settings, actor=who.actor, role=role,
        )  # fmt: skip
    with uow_for(app, who) as uow:
        message = today.act(
            uow, body.key, body.action, now=now, settings=app.settings, role=role,
            reason=body.reason, until=body.until,
        )  # fmt: skip
        uow.commit()
    return message


@router.post(
    "/decisions/act",
    responses={
        **errors("The action is not one of the entry's, or a reason or day is missing", body=True,
                 missing="The entry is not in today's inbox"),
        403: {"model": Problem, "description": "The caller's role may not take this action"},
    },
)  # fmt: skip
async def act(body: ActIn, app: AppDep, who: Annotated[Principal, allow(*ACTORS)]) -> Any:
    """Take one action on one entry; ``{"done": what was done}``."""
    try:
        message = await run_in_threadpool(_act, app, who, body)
    except NotAllowed as error:
        return JSONResponse({"detail": str(error)}, status_code=403)
    return JSONResponse({"done": message})


@router.get("/decisions/snoozes")
def list_snoozes(app: AppDep, who: Annotated[Principal, allow(*READERS)]) -> Any:
    """The entries snoozed: key, the day each shows again, why, who and when."""
    with uow_for(app, who, write=False) as uow:
        found = today_snoozes.list_snoozes(uow, now=_now())
    return JSONResponse(plain(found))


@router.delete(
    "/decisions/snoozes/{key:path}", responses=errors(missing="No snooze hides the entry")
)
def unsnooze(
    key: Annotated[str, Path(max_length=200)],
    app: AppDep,
    who: Annotated[Principal, allow(*ACTORS)],
) -> Any:
    """Show a snoozed entry again today; ``{"unsnoozed": the snooze undone}``."""
    with uow_for(app, who) as uow:
        undone = today_snoozes.unsnooze(uow, key, now=_now())
        uow.commit()
    return JSONResponse({"unsnoozed": plain(undone)})
