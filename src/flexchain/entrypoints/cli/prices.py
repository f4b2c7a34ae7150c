"""``flexchain prices``: price indices, item cost models, contract index clauses, the watch that
raises renegotiation tasks, and the quarterly price review."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import (
    console,
    money_text,
    plain,
    print_json_array,
    table,
)
from flexchain.services import price_watch

prices_app = typer.Typer(
    help="Price indices, cost models, renegotiation tasks and price reviews.",
    no_args_is_help=True,
)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]
INDEX_COLUMNS = (("code", "Index"), ("name", "Name"), ("unit", "Unit"), ("values", "Values"),
                 ("latest_date", "Latest"), ("latest_value", "Value"))  # fmt: skip
TASK_COLUMNS = (
    ("id", "Task"),
    ("contract", "Contract"),
    ("index", "Index"),
    ("move_pct", "Move %"),
    ("value_date", "On"),
    ("impact", "On order"),
    ("status", "Status"),
)
REVIEW_COLUMNS = (
    ("contract", "Contract"),
    ("sku", "SKU"),
    ("min_quantity", "From"),
    ("base_price", "Price"),
    ("new_price", "Proposed"),
    ("currency", "Cur"),
)
CHECK_COLUMNS = (
    ("contract", "Contract"),
    ("index", "Index"),
    ("base_value", "Base"),
    ("value", "Value"),
    ("value_date", "On"),
    ("move_pct", "Move %"),
    ("threshold_pct", "Limit %"),
    ("task", "Task"),
)


def _now() -> datetime:
    return datetime.now(UTC)


def _show(record: Any, as_json: bool, line: str) -> None:
    if as_json:
        typer.echo(json.dumps(plain(record), ensure_ascii=False, indent=2))
    else:
        console.print(line, markup=False, soft_wrap=True)


@prices_app.command("import")
def prices_import(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="CSV or XLSX with columns index,date,value.")
    ] = None,
    feed: Annotated[
        str | None, typer.Option("--feed", metavar="URL", help="An HTTP JSON feed instead.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import index values from a file or a feed: all rows, or nothing and every error."""
    if (file is None) == (feed is None):
        typer.echo("Error: give a FILE or --feed URL (one of them)", err=True)
        raise typer.Exit(1)
    with reported_errors(), opened(state_of(ctx)) as app:
        fetched = price_watch.fetch_index_feed(feed) if feed is not None else None
        with app.uow() as uow:  # after the fetch: SQLite's other writers wait on no network
            if fetched is not None:
                report = price_watch.import_index_feed(uow, fetched, now=_now())
            else:
                report = price_watch.import_index_csv(uow, str(file), now=_now())
            uow.commit()
    _show(report, as_json, str(report))


@prices_app.command("list")
def prices_list(
    ctx: typer.Context,
    index: Annotated[str | None, typer.Option("--index", help="One index's values.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The indices with their latest values (or one index's values)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        if index is not None:
            records: list[Any] = [
                {"date": p.day, "value": p.value} for p in price_watch.index_values(uow, index)
            ]
            columns: Any = (("date", "Date"), ("value", "Value"))
        else:
            records, columns = price_watch.list_indices(uow), INDEX_COLUMNS
    if as_json:
        print_json_array(records)
    elif not records:
        console.print("No price indices." if index is None else "No values.", markup=False)
    else:
        rows = [plain(r) for r in records]
        console.print(table(columns, rows, numeric=("values", "latest_value", "value")))


@prices_app.command("cost-model")
def prices_cost_model(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="The item's SKU.")],
    material: Annotated[str, typer.Option("--material", help="Material share, 0..1.")] = "0",
    energy: Annotated[str, typer.Option("--energy", help="Energy share, 0..1.")] = "0",
    tooling: Annotated[str, typer.Option("--tooling", help="Tooling wear share, 0..1.")] = "0",
    labour: Annotated[str, typer.Option("--labour", help="Labour share, 0..1.")] = "0",
    index: Annotated[
        str | None, typer.Option("--index", help="The index the material share follows.")
    ] = None,
    energy_index: Annotated[str | None, typer.Option("--energy-index")] = None,
    tooling_index: Annotated[str | None, typer.Option("--tooling-index")] = None,
    labour_index: Annotated[str | None, typer.Option("--labour-index")] = None,
    as_json: JsonOption = False,
) -> None:
    """Set an item's cost model: shares summing to 1 and the index each follows."""
    indices = {"material": index, "energy": energy_index, "tooling": tooling_index,
               "labour": labour_index}  # fmt: skip
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        model = price_watch.set_cost_model(
            uow, sku, material=material, energy=energy, tooling=tooling, labour=labour,
            indices=indices, now=_now(),
        )  # fmt: skip
        uow.commit()
    shares = ", ".join(
        f"{c} {plain(getattr(model, c))}" + (f" ({i})" if (i := indices[c]) else "")
        for c in indices
    )
    _show(model, as_json, f"Cost model of {sku}: {shares}")


@prices_app.command("clause")
def prices_clause(
    ctx: typer.Context,
    contract: Annotated[str, typer.Argument(help="The contract's code.")],
    index: Annotated[str, typer.Option("--index", help="The index the prices follow.")],
    base: Annotated[str, typer.Option("--base", help="The index's value the prices rest on.")],
    base_date: Annotated[
        datetime, typer.Option("--base-date", formats=["%Y-%m-%d"], help="Its date.")
    ],
    threshold: Annotated[
        str, typer.Option("--threshold", help="Percent move either way that raises a task.")
    ] = "8",
    as_json: JsonOption = False,
) -> None:
    """Tie a contract's prices to an index (set again to change the base or threshold)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        clause = price_watch.add_index_clause(
            uow, contract, index=index, base=base, base_date=base_date.date(),
            threshold=threshold, now=_now(),
        )  # fmt: skip
        uow.commit()
    line = (
        f"{clause.contract} follows {clause.index} from {plain(clause.base_value)} on "
        f"{clause.base_date}, renegotiate beyond +/-{plain(clause.threshold_pct)} %"
    )
    _show(clause, as_json, line)


@prices_app.command("watch")
def prices_watch(
    ctx: typer.Context,
    today: Annotated[
        datetime | None,
        typer.Option("--today", formats=["%Y-%m-%d"], help="The day to check \\[default: today]."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check every index clause; raise renegotiation tasks for moves beyond the threshold."""
    now = _now()
    day = today.date() if today is not None else now.date()
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        report = price_watch.watch(uow, day, now=now)
        uow.commit()
    if as_json:
        typer.echo(json.dumps(plain(report), ensure_ascii=False, indent=2))
        return
    if not report.checks:
        console.print("No index clauses: add one with prices clause.", markup=False)
        return
    numeric = ("base_value", "value", "move_pct", "threshold_pct")
    console.print(table(CHECK_COLUMNS, [plain(c) for c in report.checks], numeric=numeric))
    for check in report.checks:
        if check.note:
            console.print(f"{check.contract} {check.index}: {check.note}", markup=False)
    for verb, tasks in (("Raised", report.raised), ("Updated", report.updated)):
        for task in tasks:
            console.print(f"{verb} task {task.id}: {task.summary}", markup=False, soft_wrap=True)


@prices_app.command("review")
def prices_review(
    ctx: typer.Context,
    quarter: Annotated[str, typer.Option("--quarter", help="The quarter, e.g. 2027Q1.")],
    as_json: JsonOption = False,
) -> None:
    """Proposed prices for the quarter of every contract with an index clause."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        lines = price_watch.review_proposals(uow, quarter)
    if as_json:
        print_json_array(lines)
    elif not lines:
        console.print("No contract prices follow an index.", markup=False)
    else:
        console.print(
            table(
                REVIEW_COLUMNS,
                [plain(x) for x in lines],
                numeric=("min_quantity",),
                money=("base_price", "new_price"),
            )
        )
        for x in lines:
            console.print(
                f"{x.contract} {x.sku} from {plain(x.min_quantity)}: {x.explanation}",
                markup=False,
                soft_wrap=True,
            )


@prices_app.command("tasks")
def prices_tasks(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="open, accepted or dismissed.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Renegotiation tasks, oldest first."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        tasks = price_watch.list_tasks(uow, status=status)
    if as_json:
        print_json_array(tasks)
    elif not tasks:
        console.print("No renegotiation tasks.", markup=False)
    else:
        rows = [{**plain(t), "impact": money_text(t.cost_impact, t.currency)} for t in tasks]
        console.print(table(TASK_COLUMNS, rows, numeric=("move_pct", "impact")))
        for task in tasks:
            decided = f" ({task.status}: {task.reason})" if task.reason else ""
            console.print(f"{task.id}: {task.summary}{decided}", markup=False, soft_wrap=True)


@prices_app.command("decide")
def prices_decide(
    ctx: typer.Context,
    task: Annotated[int, typer.Argument(metavar="TASK", help="The task's id (prices tasks).")],
    decision: Annotated[str, typer.Argument(metavar="accept|dismiss")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")],
    as_json: JsonOption = False,
) -> None:
    """Accept or dismiss an open renegotiation task."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = price_watch.decide_task(uow, task, decision, reason=reason, now=_now())
        uow.commit()
    _show(view, as_json, f"Task {view.id} {view.status}: {view.reason}")
