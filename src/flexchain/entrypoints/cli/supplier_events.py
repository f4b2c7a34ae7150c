"""``flexchain suppliers suggestion|sample|health ...`` and ``flexchain po change ...``: what a
supplier does beyond the purchase documents — improvement suggestions (add, accept, reject,
list), samples (request, deliver, inspect, cancel, list), health data (import FILE, list) and
requests to change a PO line's quantity (request, answer, withdraw, list).

Every command prints a Rich table, or with ``--json`` a JSON array (one element for a command
that changes one record); decimals as exact strings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.po import po_app
from flexchain.entrypoints.cli.render import console, plain, print_json_array, table
from flexchain.entrypoints.cli.rfq import JsonOption, now, parse_day
from flexchain.entrypoints.cli.suppliers import suppliers_app
from flexchain.services import po_changes, samples, suggestions, supplier_health

__all__ = ["change_app", "health_app", "po_app", "sample_app", "suggestion_app", "suppliers_app"]

suggestion_app = typer.Typer(
    help="Improvement suggestions from suppliers: add, accept, reject, list.",
    no_args_is_help=True,
)
sample_app = typer.Typer(
    help="Samples: request, deliver, inspect (first article), cancel, list.", no_args_is_help=True
)
health_app = typer.Typer(
    help="Supplier health data (financial score, staff turnover): import, list.",
    no_args_is_help=True,
)
change_app = typer.Typer(
    help="Requests to change a PO line's quantity (+/-30 %): request, answer, withdraw, list.",
    no_args_is_help=True,
)
suppliers_app.add_typer(suggestion_app, name="suggestion")
suppliers_app.add_typer(sample_app, name="sample")
suppliers_app.add_typer(health_app, name="health")
po_app.add_typer(change_app, name="change")

Number = Annotated[str, typer.Argument(metavar="NUMBER", help="The record's number.")]
Note = Annotated[str, typer.Option("--note", help="A note kept with the record.")]
SupplierFilter = Annotated[str | None, typer.Option("--supplier", help="Supplier code.")]
Columns = Sequence[tuple[str, str]]

SUGGESTION_COLUMNS: Columns = (
    ("number", "Suggestion"), ("supplier", "Supplier"), ("item", "Item"), ("title", "Title"),
    ("expected_saving", "Saving/yr"), ("currency", "Cur"),
    ("expected_lead_time_change_days", "Lead time +/- days"), ("status", "Status"),
    ("recorded_value", "Recorded"), ("submitted_at", "Submitted (UTC)"),
    ("decided_by", "Decided by"),
)  # fmt: skip
SAMPLE_COLUMNS: Columns = (
    ("number", "Sample"), ("supplier", "Supplier"), ("item", "Item"),
    ("description", "Description"), ("requested_at", "Requested (UTC)"), ("due_by", "Due"),
    ("delivered_at", "Delivered (UTC)"), ("first_article", "First article"), ("status", "Status"),
)  # fmt: skip
HEALTH_COLUMNS: Columns = (
    ("supplier", "Supplier"), ("as_of", "As of"), ("financial_score", "Financial score"),
    ("staff_turnover_pct", "Staff turnover %"), ("source", "Source"),
)  # fmt: skip
CHANGE_COLUMNS: Columns = (
    ("number", "Change"), ("po_number", "PO"), ("line_no", "Line"), ("supplier", "Supplier"),
    ("old_quantity", "From"), ("new_quantity", "To"), ("change_pct", "Change"),
    ("status", "Status"), ("new_date", "New date"), ("requested_at", "Requested (UTC)"),
    ("answered_by", "Answered by"),
)  # fmt: skip
_NUMERIC = (
    "expected_saving", "expected_lead_time_change_days", "recorded_value", "financial_score",
    "staff_turnover_pct", "line_no", "old_quantity", "new_quantity", "change_pct",
)  # fmt: skip


def _shown(records: Sequence[Any], columns: Columns, as_json: bool, empty: str) -> None:
    if as_json:
        print_json_array(records)
    elif not records:
        console.print(empty, markup=False)
    else:
        flexible = "title" if columns is SUGGESTION_COLUMNS else "description"
        rows = [_cells(record) for record in records]
        console.print(table(columns, rows, numeric=_NUMERIC, flexible=flexible))


def _cells(record: Any) -> dict[str, Any]:
    """A record's table cells: times to the minute in UTC, as the other tables show them."""
    cells = plain(record)
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if isinstance(value, datetime):
            cells[field.name] = f"{value.astimezone(UTC):%Y-%m-%d %H:%M}"
    return dict(cells)


def _write(ctx: typer.Context, action: Callable[..., Any], *args: Any, **options: Any) -> Any:
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        result = action(uow, *args, now=now(), **options)
        uow.commit()
    return result


def _read(ctx: typer.Context, action: Callable[..., Any], **options: Any) -> Any:
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        return action(uow, **options)


# -- suggestions ------------------------------------------------------------------------------


@suggestion_app.command("add")
def suggestion_add(
    ctx: typer.Context,
    supplier: Annotated[str, typer.Option("--supplier", help="Supplier code.")],
    title: Annotated[str, typer.Option("--title", help="What, in a line (<= 200 chars).")],
    description: Annotated[str, typer.Option("--description", help="What, in full.")],
    saving: Annotated[
        str | None, typer.Option("--saving", help="Expected saving a year, brand's currency.")
    ] = None,
    lead_time_change: Annotated[
        int | None,
        typer.Option("--lead-time-change", help="Days the lead time changes (negative: faster)."),
    ] = None,
    evidence: Annotated[str, typer.Option("--evidence", help="Trials, figures, links.")] = "",
    item: Annotated[str | None, typer.Option("--item", help="The item it concerns.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a supplier's improvement suggestion (entered by the brand for it)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        created = suggestions.submit_suggestion(
            uow, supplier=supplier, title=title, description=description,
            expected_saving=saving, lead_time_change_days=lead_time_change, evidence=evidence,
            item=item, currency=app.settings.default_currency, now=now(),
        )  # fmt: skip
        uow.commit()
    _shown([created], SUGGESTION_COLUMNS, as_json, "")


@suggestion_app.command("accept")
def suggestion_accept(
    ctx: typer.Context,
    number: Number,
    value: Annotated[
        str | None,
        typer.Option("--value", help="The value recorded (default: the expected saving)."),
    ] = None,
    note: Note = "",
    as_json: JsonOption = False,
) -> None:
    """Adopt a submitted suggestion, recording its value (the innovation score's)."""
    decided = _write(
        ctx, suggestions.decide_suggestion, number, "accept", recorded_value=value, note=note
    )
    _shown([decided], SUGGESTION_COLUMNS, as_json, "")


@suggestion_app.command("reject")
def suggestion_reject(
    ctx: typer.Context,
    number: Number,
    note: Annotated[str, typer.Option("--note", help="Why (required).")],
    as_json: JsonOption = False,
) -> None:
    """Reject a submitted suggestion, saying why."""
    decided = _write(ctx, suggestions.decide_suggestion, number, "reject", note=note)
    _shown([decided], SUGGESTION_COLUMNS, as_json, "")


@suggestion_app.command("list")
def suggestion_list(
    ctx: typer.Context,
    supplier: SupplierFilter = None,
    status: Annotated[
        str | None, typer.Option("--status", help="submitted, accepted or rejected.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Suggestions, newest first."""
    found = _read(ctx, suggestions.list_suggestions, supplier=supplier, status=status)
    _shown(found, SUGGESTION_COLUMNS, as_json, "No suggestions.")


# -- samples ----------------------------------------------------------------------------------


@sample_app.command("request")
def sample_request(
    ctx: typer.Context,
    supplier: Annotated[str, typer.Option("--supplier", help="Supplier code.")],
    description: Annotated[str, typer.Option("--description", help="What the sample is.")],
    item: Annotated[str | None, typer.Option("--item", help="The item it is of.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="Wanted by (YYYY-MM-DD).")] = None,
    note: Note = "",
    as_json: JsonOption = False,
) -> None:
    """Ask a supplier for a sample."""
    due_by = parse_day(due, "--due") if due else None
    created = _write(
        ctx, samples.request_sample, supplier, description=description, item=item,
        due_by=due_by, note=note,
    )  # fmt: skip
    _shown([created], SAMPLE_COLUMNS, as_json, "")


@sample_app.command("deliver")
def sample_deliver(
    ctx: typer.Context, number: Number, note: Note = "", as_json: JsonOption = False
) -> None:
    """The supplier delivered a requested sample (now)."""
    _shown([_write(ctx, samples.deliver_sample, number, note=note)], SAMPLE_COLUMNS, as_json, "")


@sample_app.command("inspect")
def sample_inspect(
    ctx: typer.Context,
    number: Number,
    result: Annotated[str, typer.Option("--result", help="pass or fail (first article).")],
    note: Note = "",
    as_json: JsonOption = False,
) -> None:
    """The first-article inspection of a delivered sample."""
    inspected = _write(ctx, samples.inspect_sample, number, result, note=note)
    _shown([inspected], SAMPLE_COLUMNS, as_json, "")


@sample_app.command("cancel")
def sample_cancel(
    ctx: typer.Context, number: Number, note: Note = "", as_json: JsonOption = False
) -> None:
    """Cancel a sample not yet delivered."""
    _shown([_write(ctx, samples.cancel_sample, number, note=note)], SAMPLE_COLUMNS, as_json, "")


@sample_app.command("list")
def sample_list(
    ctx: typer.Context,
    supplier: SupplierFilter = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="requested, delivered, passed, failed, cancelled."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Samples, newest first."""
    found = _read(ctx, samples.list_samples, supplier=supplier, status=status)
    _shown(found, SAMPLE_COLUMNS, as_json, "No samples.")


# -- health -----------------------------------------------------------------------------------


@health_app.command("import")
def health_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV or XLSX file.")],
    as_json: JsonOption = False,
) -> None:
    """Import health figures: columns supplier, as_of, financial_score, staff_turnover_pct,
    source. Every row is checked first; any bad row: nothing is written."""
    report = _write(ctx, supplier_health.import_health_file, file)
    if as_json:
        print_json_array([report])
        return
    console.print(
        f"{report.source}: {report.rows} rows, created {report.created}, updated "
        f"{report.updated}, unchanged {report.unchanged}"
        + (f"; ignored columns: {', '.join(report.ignored_columns)}" if report.ignored_columns
           else ""),
        markup=False,
        soft_wrap=True,
    )  # fmt: skip


@health_app.command("list")
def health_list(
    ctx: typer.Context,
    supplier: SupplierFilter = None,
    since: Annotated[str | None, typer.Option("--since", help="From (YYYY-MM-DD).")] = None,
    latest: Annotated[bool, typer.Option("--latest", help="Each supplier's newest.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Health figures by supplier and date."""
    start = parse_day(since, "--since") if since else None
    found = _read(ctx, supplier_health.list_health, supplier=supplier, since=start, latest=latest)
    _shown(found, HEALTH_COLUMNS, as_json, "No health data: import some with 'health import'.")


# -- PO change requests -----------------------------------------------------------------------


@change_app.command("request")
def change_request(
    ctx: typer.Context,
    po: Annotated[str, typer.Argument(metavar="PO", help="The order's number (PO-000001).")],
    line: Annotated[int, typer.Option("--line", help="The order line's number.")],
    quantity: Annotated[str, typer.Option("--quantity", help="The new quantity.")],
    note: Note = "",
    as_json: JsonOption = False,
) -> None:
    """Ask the supplier to change a line's quantity (within po_change_max_pct, default 30 %)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        created = po_changes.request_change(
            uow, po, line, quantity, note=note, max_pct=app.settings.po_change_max_pct,
            now=now(),
        )  # fmt: skip
        uow.commit()
    _shown([created], CHANGE_COLUMNS, as_json, "")


@change_app.command("answer")
def change_answer(
    ctx: typer.Context,
    number: Number,
    answer: Annotated[
        str, typer.Option("--answer", help="accepted, redated (with --date) or refused.")
    ],
    date: Annotated[
        str | None, typer.Option("--date", help="The new delivery date (YYYY-MM-DD).")
    ] = None,
    note: Note = "",
    as_json: JsonOption = False,
) -> None:
    """The supplier's answer to a change request (entered by the buyer for it)."""
    new_date = parse_day(date, "--date") if date else None
    answered = _write(ctx, po_changes.answer_change, number, answer, new_date=new_date, note=note)
    _shown([answered], CHANGE_COLUMNS, as_json, "")


@change_app.command("withdraw")
def change_withdraw(
    ctx: typer.Context, number: Number, note: Note = "", as_json: JsonOption = False
) -> None:
    """Withdraw an open change request."""
    withdrawn = _write(ctx, po_changes.withdraw_change, number, note=note)
    _shown([withdrawn], CHANGE_COLUMNS, as_json, "")


@change_app.command("list")
def change_list(
    ctx: typer.Context,
    po: Annotated[str | None, typer.Option("--po", help="Of this order.")] = None,
    supplier: SupplierFilter = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="open, accepted, redated, refused, withdrawn."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Change requests, newest first."""
    found = _read(ctx, po_changes.list_changes, po_number=po, supplier=supplier, status=status)
    _shown(found, CHANGE_COLUMNS, as_json, "No change requests.")
