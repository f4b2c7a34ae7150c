"""Control tower page: Suppliers: scorecards, tiers, Kraljic, trends.

* ``/app/suppliers``: every supplier's scorecard for a month or quarter
  (:func:`flexchain.services.scorecards.scorecards` with the installation's weights and targets,
  as ``GET /suppliers/scorecards``; without one chosen, the month
  :func:`flexchain.services.scorecards.opening_scorecards` picks, said on the page: the last
  complete month with supplier events), its stored and recommended tier
  (:func:`flexchain.services.supplier_tiers.recommend_tiers`, as ``GET /suppliers/tiers``) and
  the Kraljic matrix of the items (:func:`flexchain.services.supplier_tiers.kraljic`, as
  ``GET /items/kraljic``).
* ``/app/suppliers/{code}``: one supplier's scorecard (of the same month by default), every
  figure with its formula and events, its trend over the last six periods
  (:func:`flexchain.services.scorecards.scorecard_history`, as ``?history=6``), its tier with
  the reasons; buyers and admins store a tier there
  (:func:`flexchain.services.supplier_tiers.set_tier`, as ``POST /suppliers/{code}/tier``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.identity import Principal, Role
from flexchain.domain.scorecards import parse_period
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.tower.common import (
    BrandUser,
    can_act,
    chart,
    done,
    form_errors,
    form_fields,
    page,
    pages,
)
from flexchain.services import scorecards, supplier_tiers
from flexchain.services.scorecards import OpeningPeriod, ScorecardView

__all__ = ["router"]

router = pages()

BUYERS = (Role.ADMIN, Role.BUYER)
"""Who stores a supplier's tier (as ``POST /suppliers/{code}/tier``)."""
BuyerUser = Annotated[Principal, allow(*BUYERS)]
Code = Annotated[str, Path(min_length=1, max_length=64)]
PeriodQuery = Annotated[str | None, Query(max_length=16, description="2026-11 or 2026-Q4")]
HISTORY = 6
"""Periods the trend chart shows, ending with the one chosen."""
SUMMARY = ("otif", "first_pass_yield", "agility", "rfq_response")
"""The figures the suppliers list shows beside the total (the detail shows every one)."""
QUADRANTS = ("strategic", "bottleneck", "leverage", "non-critical")
TIERS = ("S", "A", "B")


def _now() -> datetime:
    return datetime.now(UTC)


def _period(period: str) -> tuple[str, date]:
    """The period asked for and the day its figures are as of: its last day, or today for the
    period going on (as the API reads them)."""
    return period, min(_now().date(), parse_period(period).end)


def _opening(app: App, who: Principal) -> tuple[OpeningPeriod, list[ScorecardView]]:
    """The month shown when none is chosen, why, and its scorecards."""
    options = scorecards.options_from(app.settings)
    with uow_for(app, who, write=False) as uow:
        return scorecards.opening_scorecards(uow, today=_now().date(), **options)


def shown(value: Decimal | None, unit: str) -> str:
    """A figure's value with its unit, as ``flexchain suppliers scorecard`` prints it."""
    if value is None:
        return "no data"
    text = format(value.normalize(), "f") if value == value.to_integral() else f"{value:.1f}"
    return text if unit == "money" else f"{text} {unit}"


def _cards(app: App, who: Principal, period: str, **kw: Any) -> list[ScorecardView]:
    label, until = _period(period)
    options = scorecards.options_from(app.settings)
    with uow_for(app, who, write=False) as uow:
        if kw.get("history"):
            return scorecards.scorecard_history(
                uow, supplier=kw["supplier"], periods=kw["history"], until_period=label,
                today=until, **options,
            )  # fmt: skip
        return scorecards.scorecards(
            uow, period=label, supplier=kw.get("supplier"), today=until, **options
        )


def _lists(
    app: App, who: Principal, period: str, cards: list[ScorecardView] | None = None
) -> dict[str, Any]:
    cards = _cards(app, who, period) if cards is None else cards
    with uow_for(app, who, write=False) as uow:
        base = app.settings.default_currency
        tiers = supplier_tiers.recommend_tiers(uow, now=_now(), base=base)
        items = supplier_tiers.kraljic(uow, now=_now(), base=base)
    return {
        "cards": cards,
        "tiers": {view.supplier: view for view in tiers},
        "tier_period": tiers[0].period if tiers else supplier_tiers.default_period(_now()),
        "matrix": {q: [i for i in items if i.quadrant == q] for q in QUADRANTS},
        "items": items,
    }


@router.get("/suppliers")
def suppliers(
    request: Request, app: AppDep, who: BrandUser, period: PeriodQuery = None
) -> HTMLResponse:
    """Every supplier's scorecard and tier, and the Kraljic matrix of the items: of the period
    chosen, else of the month :func:`_opening` picks (the page says which and why)."""
    errors: dict[str, str] = {}
    opening: OpeningPeriod | None = None
    found: dict[str, Any] | None = None
    if period:
        try:
            found = _lists(app, who, period)
        except ValidationError as error:
            errors = form_errors(error)
    if found is None:
        opening, cards = _opening(app, who)
        found = _lists(app, who, opening.period, cards)
    label = opening.period if opening is not None else str(period)
    return page(
        request,
        "tower/suppliers.html",
        422 if errors else 200,
        title="Suppliers",
        period=label,
        opening=opening,
        values={"period": period or label},
        errors=errors,
        summary=SUMMARY,
        quadrants=QUADRANTS,
        shown=shown,
        **found,
    )


def _detail(
    request: Request,
    app: App,
    who: Principal,
    code: str,
    period: str | None,
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    label = period or _opening(app, who)[0].period
    history = _cards(app, who, label, supplier=code, history=HISTORY)
    if not history:
        raise NotFound(f"no supplier {code!r}")
    card = history[-1]
    with uow_for(app, who, write=False) as uow:
        tiers = supplier_tiers.recommend_tiers(uow, now=_now(), base=app.settings.default_currency)
    tier = next((view for view in tiers if view.supplier == card.supplier), None)
    keys = ("otif", "first_pass_yield", "information_sharing")
    trend = chart(
        request,
        "supplier-trend",
        f"{card.supplier}: score and key figures, last {len(history)} periods",
        [c.period for c in history],
        [("Total score", [c.total for c in history])]
        + [(history[-1].figure(k).label, [c.figure(k).score for c in history]) for k in keys],
        unit="points",
    )
    reason = f"recommended for {tier.period}: " + "; ".join(tier.reasons) if tier else ""
    return page(
        request,
        "tower/supplier.html",
        status_code,
        title=f"Supplier {card.supplier}",
        card=card,
        history=history,
        tier=tier,
        trend=trend,
        shown=shown,
        tiers=TIERS,
        can_tier=can_act(who, BUYERS),
        values=values or {"tier": tier.tier if tier else "", "reason": reason[:2000]},
        errors=errors or {},
    )


@router.get("/suppliers/{code}")
def supplier(
    code: Code, request: Request, app: AppDep, who: BrandUser, period: PeriodQuery = None
) -> HTMLResponse:
    """One supplier: every scorecard figure with its formula, the trend, the tier."""
    try:
        return _detail(request, app, who, code, period)
    except ValidationError as error:
        return _detail(request, app, who, code, None, status_code=422, errors=form_errors(error))


def _store_tier(app: App, who: Principal, code: str, fields: dict[str, str]) -> str:
    with uow_for(app, who) as uow:
        view = supplier_tiers.set_tier(
            uow, code, fields.get("tier", ""), fields.get("reason", ""), _now()
        )
        uow.commit()
    change = f"changed {view.change}" if view.change else "unchanged"
    return f"{view.supplier} is tier {view.stored_tier} ({change})"


@router.post("/suppliers/{code}/tier")
async def set_tier(code: Code, request: Request, app: AppDep, who: BuyerUser) -> Response:
    """Store the supplier's tier with the reason (audited)."""
    fields: dict[str, str] = {}
    try:
        fields = await form_fields(request)
        message = await run_in_threadpool(_store_tier, app, who, code, fields)
    except NotFound:
        raise
    except DomainError as error:
        errors = form_errors(error)
        return await run_in_threadpool(
            _detail, request, app, who, code, None, status_code=422, values=fields, errors=errors
        )
    return done(f"/app/suppliers/{quote(code)}", message)
