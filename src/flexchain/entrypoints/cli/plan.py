"""``flexchain plan``: run planning, and show, export, diff and explain plan versions."""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import gc
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from flexchain.entrypoints.cli.context import UserError, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import (
    console,
    plain,
    print_json_array,
    status_console,
    table,
)
from flexchain.services import plan_abandon, plan_release, plan_reports, planning

plan_app = typer.Typer(
    help="Plan: forecast, safety stock and MRP into planned purchases and production.",
    invoke_without_command=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON array only.")]
RunOption = Annotated[
    int | None, typer.Option("--run", help="A plan version \\[default: current].")
]
ORDER_COLUMNS = (
    ("number", "#"),
    ("sku", "SKU"),
    ("kind", "Kind"),
    ("location", "Location"),
    ("from_location", "From"),
    ("release_date", "Release"),
    ("due_date", "Due"),
    ("quantity", "Qty"),
    ("pegging", "Pegged to"),
)
EXCEPTION_COLUMNS = (
    ("sku", "SKU"),
    ("location", "Location"),
    ("kind", "Kind"),
    ("date", "Week"),
    ("message", "Message"),
)


_TRIM = (
    getattr(ctypes.CDLL(ctypes.util.find_library("c")), "malloc_trim", None)
    if sys.platform == "linux"
    else None
)


def release_freed_memory() -> None:
    """Hand the heap that earlier steps freed back to the system (glibc's ``malloc_trim``).

    glibc keeps freed memory in its arenas for reuse; after the forecast step freed gigabytes
    of fitted models, MRP and the write would otherwise start from that high-water mark. A
    no-op without glibc.
    """
    if _TRIM is not None:
        _TRIM(0)


@contextmanager
def gc_frozen() -> Iterator[Callable[[str], None]]:
    """A progress hook for :func:`flexchain.services.planning.run_plan` that freezes the garbage
    collector's view of everything built so far at each step's start; unfrozen on exit.

    What earlier steps built (snapshot, forecasts) lives until the run ends: frozen, the cyclic
    collector stops scanning those millions of objects again at every collection (a third of
    MRP's time at 20,000 items: 6.2 -> 3.8 s). They are still freed by reference counting. This
    is the process's business, so the command (and bench/plan.py) does it, not the service.
    Each step also starts with :func:`release_freed_memory`.
    """

    def freeze(_step: str) -> None:
        release_freed_memory()
        gc.freeze()

    try:
        yield freeze
    finally:
        gc.unfreeze()


@plan_app.callback()
def plan(
    ctx: typer.Context,
    horizon: Annotated[int, typer.Option("--horizon", min=1, help="Weeks to plan.")] = 26,
    backtest: Annotated[
        bool,
        typer.Option(
            "--backtest",
            help="Backtest every series on 3 rolling origins (MASE, WAPE, bias) and keep a "
            "better model where it beats the default by 10 %.",
        ),
    ] = False,
) -> None:
    """Run every planning step and write a new plan version (current only once complete)."""
    if ctx.invoked_subcommand is not None:
        return
    weights = planning.STEP_WEIGHTS
    with reported_errors(), opened(state_of(ctx)) as app, gc_frozen() as freeze:
        columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
        with Progress(*columns, console=status_console, transient=True) as bar:
            task = bar.add_task("planning", total=sum(weights.values()))

            def advance(step: str) -> None:
                done = sum(weights[name] for name in planning.STEPS[: planning.STEPS.index(step)])
                bar.update(task, description=step, completed=done)
                freeze(step)

            summary = planning.run_plan(
                app.engine,
                now=datetime.now(UTC),
                horizon=horizon,
                progress=advance,
                params=dataclasses.replace(
                    planning.PlanParameters.from_settings(app.settings), backtest=backtest
                ),
                clock=lambda: datetime.now(UTC),
                history_weeks=52 * app.settings.plan_history_years,
                stale_after=timedelta(minutes=app.settings.plan_run_stale_minutes),
            )
            bar.update(task, completed=sum(weights.values()))
    timings = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in summary.seconds.items())
    console.print(
        f"plan {summary.run_id} is current: {summary.items} items, {summary.orders} planned "
        f"orders, {summary.exceptions} exceptions ({timings})",
        markup=False,
        soft_wrap=True,
    )


def _rows(
    ctx: typer.Context, run: int | None
) -> tuple[int, list[plan_reports.PlanOrderLine | plan_reports.PlanExceptionLine]]:
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        run_id = plan_reports.current_run(uow, run).id
        return run_id, plan_reports.plan_rows(uow, run_id)


@plan_app.command("show")
def show(ctx: typer.Context, run: RunOption = None, as_json: JsonOption = False) -> None:
    """Planned orders and exceptions of the current plan (or --run N)."""
    run_id, rows = _rows(ctx, run)
    if as_json:
        print_json_array(rows)
        return
    orders = [dataclasses.asdict(row) for row in rows if row.type == "order"]
    exceptions = [dataclasses.asdict(row) for row in rows if row.type == "exception"]
    console.print(
        f"plan {run_id}: {len(orders)} orders, {len(exceptions)} exceptions",
        markup=False,
        soft_wrap=True,
    )
    if orders:
        console.print(table(ORDER_COLUMNS, orders, numeric=("quantity",), flexible="pegging"))
    if exceptions:
        console.print(table(EXCEPTION_COLUMNS, exceptions, flexible="message"))


@plan_app.command("export")
def export(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An .xlsx file: sheets orders and exceptions.")],
    run: RunOption = None,
) -> None:
    """Write the plan to a workbook for the buyer's spreadsheet."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        run_id, count = plan_reports.export_plan(uow, file, run)
    console.print(f"plan {run_id}: {count} rows written to {file}", markup=False, soft_wrap=True)


@plan_app.command("diff")
def diff(
    ctx: typer.Context,
    old: Annotated[int | None, typer.Argument(metavar="[A]", help="Older version.")] = None,
    new: Annotated[int | None, typer.Argument(metavar="[B]", help="Newer version.")] = None,
    as_json: JsonOption = False,
) -> None:
    """What changed between two plan versions (default: the previous and the current one) and
    which input change caused it."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        newer = plan_reports.current_run(uow, new).id
        older = old if old is not None else plan_reports.previous_run(uow, newer).id
        plan_reports.current_run(uow, older)
        changes = plan_reports.diff_runs(uow, older, newer)
    if as_json:
        print_json_array(changes)
        return
    if not changes:
        console.print(f"plans {older} and {newer} order the same", markup=False, soft_wrap=True)
        return
    columns = (
        ("sku", "SKU"),
        ("before", f"Plan {older}"),
        ("after", f"Plan {newer}"),
        ("caused_by", "Caused by"),
    )
    records = [dataclasses.asdict(change) for change in changes]
    console.print(table(columns, records, numeric=("before", "after"), flexible="caused_by"))


@plan_app.command("explain")
def explain(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(metavar="ITEM", help="A SKU.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
    run: RunOption = None,
    location: Annotated[
        str | None,
        typer.Option("--location", metavar="CODE", help="Only this location's record."),
    ] = None,
) -> None:
    """The inputs, the formulas and every intermediate number behind one item's plan, as the
    current plan (or --run N) recorded them: at every location the item has (home first), or
    at --location CODE. --json prints one object (home, or --location) whose other_locations
    holds the item's records elsewhere (an empty list with --location or a single location)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        explained = plan_reports.explain_locations(uow, item, run_id=run, location=location)
    views = [plain(one) for one in explained]
    if as_json:
        first, *others = views  # one object always: the shape scripts already read
        typer.echo(json.dumps({**first, "other_locations": others}, indent=2))
        return
    for view in views:
        _print_explanation(item, view, several=len(views) > 1)


def _print_explanation(item: str, view: dict[str, Any], *, several: bool) -> None:
    """One location's explanation as text."""
    if several:
        console.print(f"--- {item} at {view['location'] or 'home'}", markup=False)
    inputs = ", ".join(f"{k} {plain(v)}" for k, v in view["inputs"].items() if k != "history_weeks")
    console.print(f"{item} in plan {view['run']}: {inputs}", markup=False, soft_wrap=True)
    if view["price_breaks"]:
        breaks = ", ".join(view["price_breaks"])
        console.print(f"price breaks: {breaks}", markup=False, soft_wrap=True)
    values = ", ".join(
        f"{k} {plain(v)}"
        for k, v in view["forecast"].items()
        if k != "formula" and not isinstance(v, list)
    )
    console.print(
        f"forecast: {view['forecast']['formula']}: {values}", markup=False, soft_wrap=True
    )
    if view["policy"]:
        console.print("policy (docs/policy.md):", markup=False)
        console.print(
            table(
                (("name", "Quantity"), ("formula", "Formula"), ("value", "Value")),
                view["policy"],
                flexible="formula",
            )
        )
    if view.get("option_shift"):
        shift = view["option_shift"]
        console.print(
            f"option shift: safety stock +{plain(shift['extra_safety_stock'])} netted on top "
            f"of the policy's ({plain(shift['safety_stock'])} in all): {shift['because']}",
            markup=False,
            soft_wrap=True,
        )
    console.print(f"netting: {view['netting']['formula']}", markup=False, soft_wrap=True)
    columns = (
        ("week", "Week"),
        ("gross", "Gross"),
        ("receipts", "Receipts"),
        ("planned", "Planned"),
        ("projected", "Projected"),
    )
    console.print(
        table(
            columns,
            view["netting"]["periods"],
            numeric=("gross", "receipts", "planned", "projected"),
        )
    )
    if view["netting"]["receipts"]:  # which open POs and jobs the receipts column adds up
        receipts = "; ".join(
            f"{r['source']} {plain(r['quantity'])} in week {plain(r['week'])}"
            for r in view["netting"]["receipts"]
        )
        console.print(f"receipts: {receipts}", markup=False, soft_wrap=True)
    if view["orders"]:  # the planned orders due here; a transfer names its source
        orders = "; ".join(
            f"{o['kind'] or 'order'} {plain(o['quantity'])} due week {o['due_period']}"
            + (f" from {o['from_location']}" if o["from_location"] else "")
            for o in view["orders"]
        )
        console.print(f"planned: {orders}", markup=False, soft_wrap=True)


ACCURACY_TOP = 20
"""Items in ``plan accuracy``'s table (largest absolute error first); ``--json`` has all."""
RATIOS = ("wape", "bias", "wape_lag1", "bias_lag1")
"""``plan accuracy``'s fractions, shown as percentages."""


@plan_app.command("accuracy")
def accuracy(
    ctx: typer.Context,
    item: Annotated[
        str | None, typer.Option("--item", metavar="SKU", help="Only this item's forecasts.")
    ] = None,
    by: Annotated[
        str,
        typer.Option(
            "--by", metavar="item|class|pattern", help="One line per item, class or pattern."
        ),
    ] = "item",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only (every line).")] = False,
) -> None:
    """How wrong the forecasts of earlier plan runs were, against the weeks that have happened
    since: WAPE and bias at lag 1 (the week a run was made in) and over the stored horizon, per
    item and location (the 20 largest absolute errors), ABC-XYZ class or pattern, and overall."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        report = planning.forecast_accuracy(
            uow,
            today=datetime.now(UTC).date(),
            by=by,
            item=item,
            params=planning.PlanParameters.from_settings(app.settings),
            history_weeks=52 * app.settings.plan_history_years,
        )
    if as_json:
        typer.echo(json.dumps(plain(report), indent=2))
        return
    if not report.origins:
        console.print(
            f"no forecasts to measure before the week of {report.week}: each plan run stores "
            "its forecasts, measured from the next week on",
            markup=False,
            soft_wrap=True,
        )
        return
    _print_accuracy(report)


def _percent(value: Any) -> str:
    return "" if value is None else f"{float(value) * 100:.1f}%"


def _print_accuracy(report: planning.AccuracyReport) -> None:
    overall = report.overall
    console.print(
        f"forecast accuracy before the week of {report.week}: origins {report.origins[0]} to "
        f"{report.origins[-1]} ({len(report.origins)}), {overall.buffers} buffers, "
        f"{overall.periods} forecast weeks: WAPE {_percent(overall.wape)} (lag 1 "
        f"{_percent(overall.wape_lag1)}), bias {_percent(overall.bias)} (lag 1 "
        f"{_percent(overall.bias_lag1)})",
        markup=False,
        soft_wrap=True,
    )
    labels: tuple[tuple[str, str], ...] = (
        (("group", "SKU"), ("location", "Location"), ("labels", "Class"))
        if report.by == "item"
        else (("group", report.by.capitalize()), ("buffers", "Buffers"))
    )
    figures = (  # the forecast total is actual x (1 + bias); --json has it
        ("periods", "Weeks"),
        ("actual", "Actual"),
        ("abs_error", "Abs error"),
        ("wape", "WAPE"),
        ("bias", "Bias"),
        ("wape_lag1", "WAPE lag 1"),
        ("bias_lag1", "Bias lag 1"),
    )
    lines = report.lines[:ACCURACY_TOP] if report.by == "item" else report.lines
    records = [
        {
            **dataclasses.asdict(line),
            "labels": f"{line.abc_xyz} {line.pattern}".strip(),
            **{key: _percent(getattr(line, key)) for key in RATIOS},
        }
        for line in lines
    ]
    numeric = [key for key, _ in figures] + ["buffers"]
    console.print(table((*labels, *figures), records, numeric=numeric, flexible="group"))
    if len(lines) < len(report.lines):
        console.print(
            f"the {len(lines)} of {len(report.lines)} items with the largest absolute error; "
            "--json has every one",
            markup=False,
            soft_wrap=True,
        )


@plan_app.command("release")
def release(
    ctx: typer.Context,
    numbers: Annotated[list[int], typer.Argument(help="Planned order numbers (plan show).")],
    to: Annotated[
        str, typer.Option("--to", help="po or rfq (planned purchases), job (planned production).")
    ],
    supplier: Annotated[
        list[str] | None,
        typer.Option(
            "--supplier",
            help="po: the supplier; rfq: each supplier asked (repeat); job: the maker "
            "(default: the best capable supplier).",
        ),
    ] = None,
    reply_by: Annotated[
        str | None, typer.Option("--reply-by", help="rfq: the day quotes are due (YYYY-MM-DD).")
    ] = None,
    release_job: Annotated[
        bool, typer.Option("--release-job", help="job: release it at once (materials issued).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Release planned orders of the current plan, once each: purchases into a draft PO or RFQ,
    production into a job at the supplier that makes it."""
    with reported_errors(), opened(state_of(ctx)) as app:
        try:
            answer_by = date.fromisoformat(reply_by) if reply_by else None
        except ValueError:
            raise UserError(f"--reply-by {reply_by!r} is not a date (YYYY-MM-DD)") from None
        with app.uow() as uow:
            done = plan_release.release_planned(
                uow, plan_numbers=numbers, to=to, suppliers=supplier or (), reply_by=answer_by,
                release=release_job, now=datetime.now(UTC),
            )  # fmt: skip
            uow.commit()
    if as_json:
        typer.echo(json.dumps(plain(done), ensure_ascii=False))
    else:
        console.print(done.message, markup=False, soft_wrap=True)


@plan_app.command("abandon")
def abandon(
    ctx: typer.Context,
    run: Annotated[int, typer.Argument(help="The run left running (plan runs, GET /plan/runs).")],
    reason: Annotated[str, typer.Option("--reason", help="Why: recorded with the run.")] = "",
) -> None:
    """Record a run left running by a process that died (a server stopped, a plan killed)
    failed, so a new run may start before the stale limit."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        done = plan_abandon.abandon_running(uow, run, reason=reason, now=datetime.now(UTC))
        uow.commit()
    console.print(f"plan run {done.id} recorded failed: {done.error}", markup=False, soft_wrap=True)
