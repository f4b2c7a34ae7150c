"""``flexchain jobs``: production jobs at the suppliers, listed, shown and moved along their
lifecycle (release, start, progress, delay, finish, cancel)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain, print_json_array, table
from flexchain.services import jobs

jobs_app = typer.Typer(help="Production jobs at the suppliers.", no_args_is_help=True)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]
JobId = Annotated[int, typer.Argument(metavar="ID", help="The job's id (jobs list).")]

COLUMNS = (
    ("id", "Job"),
    ("order", "Order"),
    ("sku", "SKU"),
    ("option", "Option"),
    ("supplier", "Supplier"),
    ("process", "Process"),
    ("quantity", "Qty"),
    ("status", "Status"),
    ("planned_start", "Start"),
    ("planned_finish", "Finish"),
    ("alerts", "Alerts"),
)


@jobs_app.command("list")
def jobs_list(
    ctx: typer.Context,
    order: Annotated[str | None, typer.Option("--order", help="One order (id, number).")] = None,
    supplier: Annotated[str | None, typer.Option("--supplier", help="A supplier code.")] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="planned, released, started, finished or cancelled."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Jobs by planned start."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        records = [asdict(job) for job in jobs.list_jobs(uow, order=order, supplier=supplier,
                                                         status=status)]  # fmt: skip
    if as_json:
        print_json_array(records)
    elif not records:
        console.print("No jobs.", markup=False)
    else:
        console.print(table(COLUMNS, records, numeric=("quantity", "alerts")))


def _print(detail: jobs.JobDetail, as_json: bool) -> None:
    view = detail.as_dict()
    if as_json:
        typer.echo(json.dumps(plain(view), ensure_ascii=False, indent=2))
        return
    console.print(
        f"Job {view['id']} ({view['sku']}"
        + (f", {view['option']}" if view["option"] else "")
        + f" x {plain(view['quantity'])}): {view['status']}, supplier {view['supplier'] or '-'}"
        + (f" at {view['site']}" if view["site"] else "")
        + f", planned {view['planned_start'] or '-'} to {view['planned_finish'] or '-'}"
        + (f", order {view['order']}" if view["order"] else ""),
        markup=False,
        soft_wrap=True,
    )
    for step, done in view["steps"].items():
        console.print(f"  step {step}: {plain(done)} done", markup=False, soft_wrap=True)
    for alert in view["alerts"]:
        console.print(f"  ALERT {alert}", markup=False, soft_wrap=True)


@jobs_app.command("show")
def jobs_show(ctx: typer.Context, job_id: JobId, as_json: JsonOption = False) -> None:
    """One job with its steps, events and alerts."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        detail = jobs.show_job(uow, job_id)
    _print(detail, as_json)
    if not as_json and detail.events:
        events = [
            {
                "at": e.at.strftime("%Y-%m-%d %H:%M"),
                "kind": e.kind,
                "what": e.step or e.note,
                "quantity": e.quantity,
                "scrap": e.scrap,
                "days": e.days,
            }
            for e in detail.events
        ]
        columns = (("at", "At (UTC)"), ("kind", "Event"), ("what", "Step / note"),
                   ("quantity", "Qty"), ("scrap", "Scrap"), ("days", "Days"))  # fmt: skip
        console.print(
            table(columns, events, numeric=("quantity", "scrap", "days"), flexible="what")
        )


def _act(
    ctx: typer.Context,
    action: Callable[..., jobs.JobDetail],
    job_id: int,
    as_json: bool,
    **options: Any,
) -> None:
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(actor="cli") as uow:
        if action is jobs.finish_job:
            options["tolerance"] = app.settings.job_over_consumption
        detail = action(uow, job_id, now=datetime.now(UTC), **options)
        uow.commit()
    _print(detail, as_json)


@jobs_app.command("release")
def jobs_release(ctx: typer.Context, job_id: JobId, as_json: JsonOption = False) -> None:
    """Release a planned job to its supplier: its materials move to the supplier's site."""
    _act(ctx, jobs.release_job, job_id, as_json)


@jobs_app.command("start")
def jobs_start(ctx: typer.Context, job_id: JobId, as_json: JsonOption = False) -> None:
    """The supplier started a released job."""
    _act(ctx, jobs.start_job, job_id, as_json)


@jobs_app.command("progress")
def jobs_progress(
    ctx: typer.Context,
    job_id: JobId,
    step: Annotated[str, typer.Option("--step", help="The step done, e.g. cutting.")],
    quantity: Annotated[str, typer.Option("--quantity", help="Good units of the step.")],
    scrap: Annotated[str, typer.Option("--scrap", help="Units scrapped.")] = "0",
    as_json: JsonOption = False,
) -> None:
    """Report a step of a started job."""
    _act(ctx, jobs.progress_job, job_id, as_json, step=step, quantity=quantity, scrap=scrap)


@jobs_app.command("delay")
def jobs_delay(
    ctx: typer.Context,
    job_id: JobId,
    days: Annotated[int, typer.Option("--days", help="How many days later.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
    as_json: JsonOption = False,
) -> None:
    """Move an open job's dates later, with a reason."""
    _act(ctx, jobs.delay_job, job_id, as_json, days=days, reason=reason)


@jobs_app.command("finish")
def jobs_finish(
    ctx: typer.Context,
    job_id: JobId,
    quantity: Annotated[
        str | None, typer.Option("--quantity", help="Good units \\[default: all].")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A started job finished: materials consumed, the good units back at the warehouse."""
    _act(ctx, jobs.finish_job, job_id, as_json, quantity=quantity)


@jobs_app.command("cancel")
def jobs_cancel(ctx: typer.Context, job_id: JobId, as_json: JsonOption = False) -> None:
    """Cancel a job not yet started (issued materials come back)."""
    _act(ctx, jobs.cancel_job, job_id, as_json)
