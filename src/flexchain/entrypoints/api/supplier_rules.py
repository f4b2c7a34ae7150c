"""Rules that act, spot checks and item certificates: the same use cases as ``flexchain
suppliers rules|spot-checks|require-certificate``.

``GET /suppliers/rule-firings`` (``status``, ``supplier``), ``POST
/suppliers/rule-firings/{firing_id}/decide``, ``POST /suppliers/rules/run`` (``today``), ``GET
/suppliers/{code}/policy`` (a supplier's user: its own), ``GET|POST /suppliers/spot-checks`` (a
supplier's user lists its own), ``POST /suppliers/spot-checks/{number}/cancel`` and ``GET|POST
/items/{sku}/certificates``. The brand's staff read firings; admins, buyers and quality staff
run and decide them, request and cancel spot checks and set item certificates. Decimals are
exact strings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from flexchain.domain.errors import ValidationError
from flexchain.domain.identity import EVERYONE, STAFF, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import item_certificates, spot_checks
from flexchain.services import supplier_rules as rules

router = APIRouter(tags=["suppliers"], dependencies=[STORABLE_TEXT])

DECIDERS = (Role.ADMIN, Role.BUYER, Role.QUALITY)
"""Who runs the rules, decides firings, requests spot checks and sets item certificates."""
READERS = tuple(sorted(STAFF))
"""Who reads firings: the brand's staff (no supplier)."""
FiringId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Sku = Annotated[str, Path(min_length=1, max_length=64)]
SpotNumber = Annotated[str, Path(min_length=1, max_length=64)]
Code = Annotated[str, Path(min_length=1, max_length=64)]


class DecisionIn(BaseModel):
    decision: str
    note: str = ""


class SpotCheckIn(BaseModel):
    """One supplier (``supplier``, with ``reason``), or ``count`` random ones."""

    supplier: str | None = None
    job_id: int | None = None
    po_number: str | None = None
    reason: str = ""
    video: bool | None = None
    count: int | None = None
    seed: int | None = None


class CancelIn(BaseModel):
    reason: str


class CertificateIn(BaseModel):
    certificate: str
    market: str = "*"
    remove: bool = False


def _now() -> datetime:
    return datetime.now(UTC)


@router.get(
    "/suppliers/rule-firings", responses=errors("Unknown status", missing="No such supplier")
)
def list_firings(
    app: AppDep,
    who: Annotated[Principal, allow(*READERS)],
    status: str | None = None,
    supplier: str | None = None,
) -> Any:
    """Rule firings, newest first: why each fired, what it did, what a person must decide."""
    with uow_for(app, who, write=False) as uow:
        return JSONResponse(plain(rules.list_firings(uow, status=status, supplier=supplier)))


@router.post(
    "/suppliers/rule-firings/{firing_id}/decide",
    responses=errors("Not open, or a decision its rule does not take", missing="No such firing",
                     body=True),
)  # fmt: skip
def decide_firing(
    firing_id: FiringId, body: DecisionIn, app: AppDep, who: Annotated[Principal, allow(*DECIDERS)]
) -> Any:
    """Decide an open firing: restore, keep, end_monitoring or dismiss, with a note."""
    with uow_for(app, who) as uow:
        view = rules.decide_firing(uow, firing_id, decision=body.decision, note=body.note,
                                   now=_now())  # fmt: skip
        uow.commit()
    return JSONResponse(plain(view))


@router.get("/suppliers/{code}/policy", responses=errors(missing="No such supplier"))
def supplier_policy(code: Code, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """What the rules set for the supplier: allocation weight, closer monitoring (a supplier's
    user: its own)."""
    with uow_for(app, who, write=False) as uow:
        return JSONResponse(plain(rules.supplier_policy(uow, code)))


@router.post("/suppliers/rules/run", responses=errors("A rate is missing or a rule refused"))
def run_rules(
    app: AppDep, who: Annotated[Principal, allow(*DECIDERS)], today: date | None = None
) -> Any:
    """Evaluate every supplier rule on ``today`` (default: today) and apply what fires (a
    second run fires nothing new)."""
    now = _now()
    if today is not None:
        now = datetime.combine(today, now.time(), UTC)
    with uow_for(app, who) as uow:
        run = rules.run_rules(uow, now=now, settings=rules.rule_settings(app.settings),
                              currency=app.settings.default_currency)  # fmt: skip
        uow.commit()
    return JSONResponse(plain(run))


@router.get(
    "/suppliers/spot-checks", responses=errors("Unknown status", missing="No such supplier")
)
def list_spot_checks(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    status: str | None = None,
    supplier: str | None = None,
) -> Any:
    """Spot checks, newest first (a supplier's user: its own)."""
    with uow_for(app, who, write=False) as uow:
        found = spot_checks.list_spot_checks(uow, status=status, supplier=supplier)
        return JSONResponse(plain(found))


@router.post(
    "/suppliers/spot-checks",
    responses=errors("A bad supplier, job, PO, reason or count", missing="No such supplier, job"
                     " or PO", body=True),
)  # fmt: skip
def request_spot_checks(
    body: SpotCheckIn, app: AppDep, who: Annotated[Principal, allow(*DECIDERS)]
) -> Any:
    """Ask one supplier for a spot check (``supplier``, ``reason``, optionally ``job_id`` or
    ``po_number`` and ``video``) and get it; or ``count`` random ones (with a clip unless
    ``video`` is false) among suppliers with open work, and get the list."""
    with uow_for(app, who) as uow:
        if body.supplier is not None:
            result: Any = spot_checks.request_spot_check(
                uow, supplier=body.supplier, job_id=body.job_id, po_number=body.po_number,
                reason=body.reason, video=bool(body.video), now=_now(),
            )  # fmt: skip
        elif body.count is not None:
            video = True if body.video is None else body.video
            result = spot_checks.request_spot_checks(uow, count=body.count, now=_now(),
                                                     seed=body.seed, video=video)  # fmt: skip
        else:
            raise ValidationError("supplier", "name a supplier, or a count of random checks")
        uow.commit()
    return JSONResponse(plain(result))


@router.post(
    "/suppliers/spot-checks/{number}/cancel",
    responses=errors("Not requested any more, or no reason", missing="No such spot check",
                     body=True),
)  # fmt: skip
def cancel_spot_check(
    number: SpotNumber, body: CancelIn, app: AppDep, who: Annotated[Principal, allow(*DECIDERS)]
) -> Any:
    """Withdraw a requested spot check, with a reason."""
    with uow_for(app, who) as uow:
        view = spot_checks.cancel_spot_check(uow, number, reason=body.reason, now=_now())
        uow.commit()
    return JSONResponse(plain(view))


@router.get("/items/{sku}/certificates", responses=errors(missing="No such item"))
def list_item_certificates(
    sku: Sku, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]
) -> Any:
    """The certificates the item requires, per market (``*``: any)."""
    with uow_for(app, who, write=False) as uow:
        return JSONResponse(plain(item_certificates.list_item_certificates(uow, sku)))


@router.post(
    "/items/{sku}/certificates",
    responses=errors("A bad certificate or market", missing="No such item, or not required",
                     body=True),
)  # fmt: skip
def require_certificate(
    sku: Sku, body: CertificateIn, app: AppDep, who: Annotated[Principal, allow(*DECIDERS)]
) -> Any:
    """The item requires ``certificate`` for ``market`` (``remove``: no longer)."""
    action = item_certificates.unrequire_certificate if body.remove else (
        item_certificates.require_certificate)  # fmt: skip
    with uow_for(app, who) as uow:
        view = action(uow, sku, body.certificate, market=body.market, now=_now())
        uow.commit()
    return JSONResponse(plain(view))
