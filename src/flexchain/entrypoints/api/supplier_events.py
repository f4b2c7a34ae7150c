"""``/suppliers/suggestions``, ``/suppliers/samples``, ``/suppliers/health``,
``/suppliers/po-changes`` and ``/purchase-orders/{number}/changes``: the same use cases as
``flexchain suppliers suggestion|sample|health`` and ``flexchain po change``.

A supplier's user submits suggestions, delivers samples and answers change requests for its own
records only (another supplier's number answers 404, as an unknown one does) and reads its own;
the brand decides suggestions, requests, inspects and cancels samples, imports health data and
requests or withdraws changes. Quantities and money are exact decimal strings; dates
``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from flexchain.domain.identity import EVERYONE, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import po_changes, samples, suggestions, supplier_health

router = APIRouter(tags=["suppliers"], dependencies=[STORABLE_TEXT])

BUYERS = (Role.ADMIN, Role.BUYER)
"""Decide suggestions, request and withdraw PO changes: the brand's buying decisions."""
SAMPLERS = (*BUYERS, Role.QUALITY)
"""Request, inspect and cancel samples: buying and quality."""
HEALTH = (*BUYERS, Role.FINANCE)
"""Import health data: buying and finance."""
PARTNERS = (*BUYERS, Role.SUPPLIER)
"""Submit a suggestion, deliver a sample, answer a change: the supplier (its own) or a buyer."""
Number = Annotated[str, Path(min_length=1, max_length=64)]
ACTION = errors(
    "The record's state or the figures do not allow this", missing="No such record", body=True
)
READ = errors("Unknown status or filter", missing="No such supplier or order")


def _now() -> datetime:
    return datetime.now(UTC)


def _write(app: Any, who: Principal, action: Any, *args: Any, **options: Any) -> JSONResponse:
    with uow_for(app, who) as uow:
        result = action(uow, *args, now=_now(), **options)
        uow.commit()
    return JSONResponse(plain(result))


def _read(app: Any, who: Principal, action: Any, *args: Any, **options: Any) -> JSONResponse:
    with uow_for(app, who, write=False) as uow:
        return JSONResponse(plain(action(uow, *args, **options)))


# -- suggestions ------------------------------------------------------------------------------


class SuggestionIn(BaseModel):
    supplier: str | None = None
    """A supplier's user: its own (may be left out); the brand: required."""
    title: str
    description: str
    expected_saving: str | None = None
    lead_time_change_days: int | None = None
    evidence: str = ""
    item: str | None = None


class DecisionIn(BaseModel):
    decision: str
    """accept or reject."""
    recorded_value: str | None = None
    note: str = ""


@router.get("/suppliers/suggestions", responses=READ)
def list_suggestions(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    supplier: str | None = None,
    status: str | None = None,
) -> Any:
    """Improvement suggestions, newest first (a supplier's user: its own)."""
    return _read(app, who, suggestions.list_suggestions, supplier=supplier, status=status)


@router.post("/suppliers/suggestions", status_code=201, responses=ACTION)
def submit_suggestion(
    body: SuggestionIn, app: AppDep, who: Annotated[Principal, allow(*PARTNERS)]
) -> Any:
    """Submit an improvement suggestion: what, the expected saving a year (brand's currency)
    and/or lead-time change in days (negative: faster), evidence."""
    with uow_for(app, who) as uow:
        created = suggestions.submit_suggestion(
            uow, supplier=body.supplier, title=body.title, description=body.description,
            expected_saving=body.expected_saving, lead_time_change_days=body.lead_time_change_days,
            evidence=body.evidence, item=body.item, currency=app.settings.default_currency,
            now=_now(),
        )  # fmt: skip
        uow.commit()
    return JSONResponse(plain(created), status_code=201)


@router.get("/suppliers/suggestions/{number}", responses=errors(missing="No such suggestion"))
def show_suggestion(
    number: Number, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]
) -> Any:
    """One suggestion."""
    return _read(app, who, suggestions.show_suggestion, number)


@router.post("/suppliers/suggestions/{number}/decision", responses=ACTION)
def decide_suggestion(
    number: Number, body: DecisionIn, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]
) -> Any:
    """Accept (recording ``recorded_value``, default the expected saving) or reject (with a
    ``note``) a submitted suggestion; decided once."""
    return _write(
        app, who, suggestions.decide_suggestion, number, body.decision,
        recorded_value=body.recorded_value, note=body.note,
    )  # fmt: skip


# -- samples ----------------------------------------------------------------------------------


class SampleIn(BaseModel):
    supplier: str
    description: str
    item: str | None = None
    due_by: date | None = None
    note: str = ""


class NoteIn(BaseModel):
    note: str = ""


class InspectionIn(BaseModel):
    result: str
    """pass or fail."""
    note: str = ""


@router.get("/suppliers/samples", responses=READ)
def list_samples(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    supplier: str | None = None,
    status: str | None = None,
) -> Any:
    """Samples, newest first (a supplier's user: its own)."""
    return _read(app, who, samples.list_samples, supplier=supplier, status=status)


@router.post("/suppliers/samples", status_code=201, responses=ACTION)
def request_sample(body: SampleIn, app: AppDep, who: Annotated[Principal, allow(*SAMPLERS)]) -> Any:
    """Ask a supplier for a sample, by ``due_by``."""
    with uow_for(app, who) as uow:
        created = samples.request_sample(
            uow, body.supplier, description=body.description, item=body.item,
            due_by=body.due_by, note=body.note, now=_now(),
        )  # fmt: skip
        uow.commit()
    return JSONResponse(plain(created), status_code=201)


@router.get("/suppliers/samples/{number}", responses=errors(missing="No such sample"))
def show_sample(number: Number, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """One sample."""
    return _read(app, who, samples.show_sample, number)


@router.post("/suppliers/samples/{number}/deliver", responses=ACTION)
def deliver_sample(
    number: Number,
    app: AppDep,
    who: Annotated[Principal, allow(*PARTNERS)],
    body: NoteIn | None = None,
) -> Any:
    """The supplier delivered a requested sample (now)."""
    note = body.note if body is not None else ""
    return _write(app, who, samples.deliver_sample, number, note=note)


@router.post("/suppliers/samples/{number}/inspect", responses=ACTION)
def inspect_sample(
    number: Number, body: InspectionIn, app: AppDep, who: Annotated[Principal, allow(*SAMPLERS)]
) -> Any:
    """The first-article inspection of a delivered sample: ``result`` pass or fail."""
    return _write(app, who, samples.inspect_sample, number, body.result, note=body.note)


@router.post("/suppliers/samples/{number}/cancel", responses=ACTION)
def cancel_sample(
    number: Number,
    app: AppDep,
    who: Annotated[Principal, allow(*SAMPLERS)],
    body: NoteIn | None = None,
) -> Any:
    """Cancel a sample not yet delivered."""
    note = body.note if body is not None else ""
    return _write(app, who, samples.cancel_sample, number, note=note)


# -- health -----------------------------------------------------------------------------------


class HealthRowIn(BaseModel):
    supplier: str
    as_of: str
    financial_score: str | None = None
    staff_turnover_pct: str | None = None
    source: str | None = None


class HealthIn(BaseModel):
    rows: list[HealthRowIn] = Field(min_length=1, max_length=10_000)
    source: str = Field(default="api", max_length=200)


@router.get("/suppliers/health", responses=READ)
def list_health(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    supplier: str | None = None,
    since: date | None = None,
    latest: bool = False,
) -> Any:
    """Health figures by supplier and date (``latest``: each supplier's newest)."""
    return _read(
        app, who, supplier_health.list_health, supplier=supplier, since=since, latest=latest
    )


@router.post("/suppliers/health", responses=errors("A bad row: nothing was written", body=True))
def import_health(body: HealthIn, app: AppDep, who: Annotated[Principal, allow(*HEALTH)]) -> Any:
    """Import health figures (all or nothing); a row's position (1 = the first) names it in an
    error."""
    rows = [(position, row.model_dump()) for position, row in enumerate(body.rows, start=1)]
    return _write(app, who, supplier_health.import_health, rows, source=body.source)


# -- PO change requests -----------------------------------------------------------------------


class ChangeIn(BaseModel):
    line: int
    new_quantity: str
    note: str = ""


class AnswerIn(BaseModel):
    answer: str
    """accepted, redated (with ``new_date``) or refused."""
    new_date: date | None = None
    note: str = ""


@router.get("/suppliers/po-changes", responses=READ)
def list_all_changes(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    supplier: str | None = None,
    status: str | None = None,
) -> Any:
    """Change requests of every order, newest first (a supplier's user: its own)."""
    return _read(app, who, po_changes.list_changes, supplier=supplier, status=status)


@router.get("/purchase-orders/{number}/changes", responses=READ)
def list_changes(
    number: Number,
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    status: str | None = None,
) -> Any:
    """The order's change requests, newest first."""
    return _read(app, who, po_changes.list_changes, po_number=number, status=status)


@router.post("/purchase-orders/{number}/changes", status_code=201, responses=ACTION)
def request_change(
    number: Number, body: ChangeIn, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]
) -> Any:
    """Ask the supplier to change a line to ``new_quantity`` (within the setting
    ``po_change_max_pct``, default +/-30 %)."""
    with uow_for(app, who) as uow:
        created = po_changes.request_change(
            uow, number, body.line, body.new_quantity, note=body.note,
            max_pct=app.settings.po_change_max_pct, now=_now(),
        )  # fmt: skip
        uow.commit()
    return JSONResponse(plain(created), status_code=201)


@router.post("/purchase-orders/{number}/changes/{change}/answer", responses=ACTION)
def answer_change(
    number: Number,
    change: Number,
    body: AnswerIn,
    app: AppDep,
    who: Annotated[Principal, allow(*PARTNERS)],
) -> Any:
    """The supplier's answer: accepted, redated (with ``new_date``) or refused."""
    return _write(
        app, who, po_changes.answer_change, change, body.answer, po_number=number,
        new_date=body.new_date, note=body.note,
    )  # fmt: skip


@router.post("/purchase-orders/{number}/changes/{change}/withdraw", responses=ACTION)
def withdraw_change(
    number: Number,
    change: Number,
    app: AppDep,
    who: Annotated[Principal, allow(*BUYERS)],
    body: NoteIn | None = None,
) -> Any:
    """Withdraw an open change request."""
    note = body.note if body is not None else ""
    return _write(app, who, po_changes.withdraw_change, change, po_number=number, note=note)
