"""Supplier tiers and the Kraljic matrix: the same use cases as ``flexchain suppliers tiers``,
``flexchain suppliers tier`` and ``flexchain suppliers kraljic``.

``GET /suppliers/tiers`` (``period``; ``flexchain suppliers tiers --apply`` stores them), ``POST
/suppliers/{code}/tier`` (``{"tier": "S", "reason": "..."}``) and ``GET /items/kraljic`` (the
thresholds as query parameters). Buyers and admins change tiers; the brand's other staff read
them; suppliers have no access (the figures show every supplier's spend). Decimals are exact
strings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from flexchain.domain.identity import STAFF, Principal, Role
from flexchain.domain.kraljic import KraljicThresholds
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import supplier_tiers

__all__ = ["router"]

router = APIRouter(tags=["suppliers"], dependencies=[STORABLE_TEXT])

BUYERS = (Role.ADMIN, Role.BUYER)
"""Who stores a supplier's tier."""
READERS = tuple(sorted(STAFF))
"""Who reads tiers and the matrix: the brand's staff (no supplier)."""
Code = Annotated[str, Path(min_length=1, max_length=64)]
Share = Annotated[Decimal | None, Query(ge=0, le=1)]


class TierIn(BaseModel):
    tier: str
    reason: str


def _now() -> datetime:
    return datetime.now(UTC)


@router.get(
    "/suppliers/tiers",
    responses=errors("A bad period, or no exchange rate for a currency spent in"),
)
def list_tiers(
    app: AppDep,
    who: Annotated[Principal, allow(*READERS)],
    period: Annotated[str | None, Query(max_length=16)] = None,
) -> Any:
    """Each active supplier's recommended tier with its reasons, the stored tier and the
    difference (store one with ``POST /suppliers/{code}/tier``)."""
    with uow_for(app, who, write=False) as uow:
        views = supplier_tiers.recommend_tiers(
            uow, period=period, now=_now(), base=app.settings.default_currency
        )
    return JSONResponse(plain([view.as_dict() for view in views]))


@router.post(
    "/suppliers/{code}/tier",
    responses=errors("A tier other than S, A, B or no reason", missing="No such supplier",
                     body=True),
)  # fmt: skip
def set_tier(
    code: Code, body: TierIn, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]
) -> Any:
    """Store a supplier's tier with the reason (audited)."""
    with uow_for(app, who) as uow:
        view = supplier_tiers.set_tier(uow, code, body.tier, body.reason, _now())
        uow.commit()
    return JSONResponse(plain(view.as_dict()))


@router.get(
    "/items/kraljic", responses=errors("Bad thresholds, or no exchange rate for a currency")
)
def kraljic(
    app: AppDep,
    who: Annotated[Principal, allow(*READERS)],
    cost_share: Share = None,
    spend: Annotated[Decimal | None, Query(ge=0)] = None,
    min_qualified: Annotated[int | None, Query(ge=1, le=1000)] = None,
    single_source_share: Share = None,
    long_lead_days: Annotated[Decimal | None, Query(ge=0, le=10000)] = None,
    variable_lead_cv: Annotated[Decimal | None, Query(ge=0, le=100)] = None,
    risk_points: Annotated[int | None, Query(ge=1, le=10)] = None,
) -> Any:
    """Each item's profit impact, supply risk, quadrant, strategy and default share bands."""
    given = {
        "cost_share": cost_share,
        "spend": spend,
        "min_qualified": min_qualified,
        "single_source_share": single_source_share,
        "long_lead_days": long_lead_days,
        "variable_lead_cv": variable_lead_cv,
        "risk_points": risk_points,
    }
    with uow_for(app, who, write=False) as uow:
        thresholds = KraljicThresholds(**{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]
        views = supplier_tiers.kraljic(
            uow, now=_now(), base=app.settings.default_currency, thresholds=thresholds
        )
    return JSONResponse(plain([view.as_dict() for view in views]))
