"""Supplier scorecards: the same use case as ``flexchain suppliers scorecard``.

``GET /suppliers/scorecards`` (``period``: a month ``2026-11`` or a quarter ``2026-Q4``, default
this month; ``supplier``; ``history``: periods ending with it; ``weight``: ``otif=30``, repeated)
and ``GET /suppliers/{code}/scorecard`` (the same for one supplier). Every figure comes with its
value, score, weight, events and formula; decimals are exact strings. The brand's staff read
every supplier's; a supplier's user reads its own only (another supplier's code answers 404).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from flexchain.domain.errors import ValidationError
from flexchain.domain.identity import EVERYONE, Principal
from flexchain.domain.scorecards import parse_period
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import scorecards

__all__ = ["router"]

router = APIRouter(tags=["suppliers"], dependencies=[STORABLE_TEXT])

Code = Annotated[str, Path(min_length=1, max_length=64)]
Period = Annotated[str | None, Query(max_length=16, description="2026-11 or 2026-Q4")]
History = Annotated[int, Query(ge=1, le=60, description="Periods ending with it, oldest first")]
Weights = Annotated[
    list[str] | None, Query(max_length=13, description="A figure's weight, e.g. otif=30")
]
REFUSED = errors("A bad period, history or weight", missing="No such supplier")


def _weights(pairs: list[str] | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValidationError("weight", f"'{pair}': give a figure and a weight, e.g. otif=30")
        found[key.strip()] = value.strip()
    return found


def _cards(
    app: Any,
    who: Principal,
    supplier: str | None,
    period: str | None,
    history: int,
    weight: list[str] | None,
) -> JSONResponse:
    today = datetime.now(UTC).date()
    label = period or f"{today.year}-{today.month:02d}"
    until = min(today, parse_period(label).end)
    options = scorecards.options_from(app.settings)
    options["weights"] = {**options["weights"], **_weights(weight)}
    with uow_for(app, who, write=False) as uow:
        if history > 1:
            cards = scorecards.scorecard_history(
                uow, supplier=supplier, periods=history, until_period=label, today=until, **options
            )
        else:
            cards = scorecards.scorecards(
                uow, period=label, supplier=supplier, today=until, **options
            )
    return JSONResponse(plain([card.as_dict() for card in cards]))


@router.get("/suppliers/scorecards", responses=REFUSED)
def list_scorecards(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    period: Period = None,
    supplier: Annotated[str | None, Query(max_length=64)] = None,
    history: History = 1,
    weight: Weights = None,
) -> Any:
    """Every supplier's scorecard (or one's) for the period, by supplier code; with
    ``history``, each supplier's periods oldest first."""
    return _cards(app, who, supplier, period, history, weight)


@router.get("/suppliers/{code}/scorecard", responses=REFUSED)
def supplier_scorecard(
    code: Code,
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    period: Period = None,
    history: History = 1,
    weight: Weights = None,
) -> Any:
    """One supplier's scorecard for the period (with ``history``: its periods, oldest first)."""
    return _cards(app, who, code, period, history, weight)
