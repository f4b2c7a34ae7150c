"""``flexchain kpis``: the control tower's KPIs against their targets, with a weekly trend
(``--json`` for every figure, formula and the whole trend); ``flexchain kpis rows KEY``: the
rows one KPI was computed from."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer

from flexchain.entrypoints.cli.context import fail, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain, print_json_array, table
from flexchain.services import kpis

__all__ = ["kpis_app"]

kpis_app = typer.Typer(
    help="KPIs against their targets: value, target, weekly trend; rows KEY: what one was "
    "computed from.",
    invoke_without_command=True,
)

COLUMNS = (
    ("label", "KPI"),
    ("value", "Value"),
    ("target", "Target"),
    ("meets", "Meets"),
    ("trend", "Last weeks"),
)
TREND_SHOWN = 4
SIGNS = {"at least": ">=", "at most": "<=", "within": "+/-"}

PeriodEnd = Annotated[
    str | None,
    typer.Option("--period-end", help="The window's last day, e.g. 2026-12-06 (default today)."),
]
Weeks = Annotated[
    int, typer.Option("--weeks", min=1, max=kpis.MAX_WEEKS, help="Weeks in the window.")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON only; decimals as strings.")]


def _end(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"--period-end {text!r}: give a day as YYYY-MM-DD") from None


def _with_unit(value: Any, unit: str) -> str:
    if value is None:
        return "-"
    return f"{plain(value)} {unit}" if unit != "%" else f"{plain(value)} %"


def _row(view: kpis.KpiView) -> dict[str, Any]:
    sign = SIGNS[view.direction]
    recent = view.trend[-TREND_SHOWN:]
    return {
        "label": view.label,
        "value": "no data" if view.value is None else _with_unit(view.value, view.unit),
        "target": "" if view.target is None else f"{sign} {_with_unit(view.target, view.unit)}",
        "meets": {True: "yes", False: "NO", None: ""}[view.meets],
        "trend": " ".join("-" if p.value is None else str(plain(p.value)) for p in recent),
    }


@kpis_app.callback()
def kpis_overview(
    ctx: typer.Context,
    period_end: PeriodEnd = None,
    weeks: Weeks = 12,
    as_json: AsJson = False,
) -> None:
    """Every KPI over the weeks ending on --period-end: value, target, whether it meets it,
    the last weeks' values (suppliers': months) and why a figure is missing."""
    if ctx.invoked_subcommand is not None:
        return
    end = _end(period_end)
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        views = kpis.kpis(uow, period_end=end, weeks=weeks, settings=app.settings)
    if as_json:
        print_json_array([view.as_dict() for view in views])
        return
    console.print(f"KPIs, {weeks} weeks to {end}", markup=False)
    console.print(table(COLUMNS, [_row(v) for v in views], numeric=("value",), flexible="label"))
    for view in views:
        if view.note:
            console.print(f"{view.label}: {view.note}", markup=False, soft_wrap=True)
    console.print(
        "How each is computed: --json (formula); its rows: flexchain kpis rows KEY.",
        markup=False,
        soft_wrap=True,
    )


@kpis_app.command("rows")
def kpis_rows(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The KPI's key, e.g. otif or inventory_health.")],
    period_end: PeriodEnd = None,
    weeks: Weeks = 12,
    as_json: AsJson = False,
) -> None:
    """The rows one KPI was computed from over the weeks ending on --period-end."""
    end = _end(period_end)
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = kpis.kpi_rows(uow, key, period_end=end, weeks=weeks, settings=app.settings)
    if as_json:
        typer.echo(json.dumps(plain(found), ensure_ascii=False, indent=2))
        return
    console.print(f"{found.label}: {found.since} to {found.until}", markup=False)
    if not found.rows:
        console.print(found.note or "No rows.", markup=False, soft_wrap=True)
        return
    columns = tuple((column, column.replace("_", " ")) for column in found.columns)
    console.print(table(columns, found.rows))
