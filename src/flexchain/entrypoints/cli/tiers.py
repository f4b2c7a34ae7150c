"""``flexchain suppliers tiers``, ``flexchain suppliers tier`` and ``flexchain suppliers
kraljic``: the recommended supplier tiers (and applying them), a buyer's tier decision, and the
Kraljic matrix of the bought items (docs/suppliers.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

import typer

from flexchain.domain.kraljic import KraljicThresholds
from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain, print_json_array, table
from flexchain.entrypoints.cli.suppliers import suppliers_app
from flexchain.services import supplier_tiers

__all__ = ["suppliers_app"]

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]

TIER_COLUMNS = (
    ("supplier", "Supplier"),
    ("stored_tier", "Stored"),
    ("tier", "Recommended"),
    ("change", "Change"),
    ("score", "Score"),
    ("spend_share", "Spend share"),
)
KRALJIC_COLUMNS = (
    ("item", "Item"),
    ("family", "Family"),
    ("spend", "Spend 12 m"),
    ("cost_share", "Share"),
    ("qualified", "Qualified"),
    ("risk_points", "Risk pts"),
    ("quadrant", "Quadrant"),
    ("bands", "Bands"),
)


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


@suppliers_app.command("tiers")
def tiers(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(
            help="Scorecard period: a month 2026-11 or quarter 2026-Q4 "
            "(default: the last complete quarter)."
        ),
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Store every changed tier (audited with its reasons).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Each active supplier's recommended tier (S strategic, A agile, B backup) with its
    reasons, from its score, capability and share of the 12-month spend."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(actor="cli") as uow:
        views = supplier_tiers.recommend_tiers(
            uow, period=period, now=datetime.now(UTC), base=app.settings.default_currency,
            apply=apply,
        )  # fmt: skip
        if apply:
            uow.commit()
    if as_json:
        print_json_array(view.as_dict() for view in views)
        return
    if not views:
        console.print("No active suppliers: import them with flexchain import.", markup=False)
        return
    rows = [{**view.as_dict(), "spend_share": _pct(view.spend_share)} for view in views]
    console.print(table(TIER_COLUMNS, rows, numeric=("score", "spend_share")))
    for view in views:
        console.print(f"{view.supplier} ({view.tier}): {'; '.join(view.reasons)}",
                      markup=False, soft_wrap=True)  # fmt: skip
    changed = [view for view in views if view.change]
    verb = "applied" if apply else "recommended (store them with --apply)"
    console.print(f"{len(changed)} tier change(s) {verb}.", markup=False)


@suppliers_app.command("tier")
def tier(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar="CODE", help="The supplier's code.")],
    new_tier: Annotated[str, typer.Argument(metavar="S|A|B", help="The tier to store.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")],
    as_json: JsonOption = False,
) -> None:
    """Store a supplier's tier (a buyer's decision), audited with the reason."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(actor="cli") as uow:
        view = supplier_tiers.set_tier(uow, code, new_tier, reason, datetime.now(UTC))
        uow.commit()
    if as_json:
        typer.echo(json.dumps(plain(view.as_dict()), indent=2))
    elif view.change:
        console.print(f"{code}: tier {view.change} ({view.profile}).", markup=False)
    else:
        console.print(f"{code} is already tier {view.tier}: nothing changed.", markup=False)


def _thresholds(
    cost_share: Decimal | None, spend: Decimal | None, min_qualified: int | None,
    risk_points: int | None,
) -> KraljicThresholds:  # fmt: skip
    given = {
        "cost_share": cost_share,
        "spend": spend,
        "min_qualified": min_qualified,
        "risk_points": risk_points,
    }
    return KraljicThresholds(**{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]


@suppliers_app.command("kraljic")
def kraljic(
    ctx: typer.Context,
    cost_share: Annotated[
        Decimal | None,
        typer.Option(help="Share of spend (0-1) from which impact is high \\[default 0.05]."),
    ] = None,
    spend: Annotated[
        Decimal | None, typer.Option(help="Or spend from which impact is high \\[default none].")
    ] = None,
    min_qualified: Annotated[
        int | None, typer.Option(help="Fewer qualified suppliers add risk \\[default 3].")
    ] = None,
    risk_points: Annotated[
        int | None, typer.Option(help="Risk points from which supply risk is high \\[default 2].")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The Kraljic matrix: each item's profit impact and supply risk, quadrant, strategy and
    default share bands, largest spend first."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        views = supplier_tiers.kraljic(
            uow, now=datetime.now(UTC), base=app.settings.default_currency,
            thresholds=_thresholds(cost_share, spend, min_qualified, risk_points),
        )  # fmt: skip
    if as_json:
        print_json_array(view.as_dict() for view in views)
        return
    if not views:
        console.print("No items with supplier terms or spend yet.", markup=False)
        return
    rows = [
        {**view.as_dict(), "cost_share": _pct(view.cost_share),
         "bands": "/".join(f"{b * 100:.0f}" for b in view.bands)}
        for view in views
    ]  # fmt: skip
    console.print(
        table(
            KRALJIC_COLUMNS,
            rows,
            numeric=("cost_share", "qualified", "risk_points"),
            money=("spend",),
        )
    )
    for view in views:
        if view.quadrant != "non-critical":
            console.print(f"{view.item} ({view.quadrant}): {'; '.join(view.reasons)}",
                          markup=False, soft_wrap=True)  # fmt: skip
    for name in sorted({view.quadrant for view in views}):
        strategy = next(view.strategy for view in views if view.quadrant == name)
        console.print(f"{name}: {strategy}", markup=False, soft_wrap=True)
