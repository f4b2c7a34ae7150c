"""``flexchain report``: the weekly report (KPIs against last week and target, what fired, what
was decided) shown, written as a PDF, and e-mailed to the users who asked for it.

``flexchain report send`` is cron-friendly: it e-mails each subscriber the report of the week
once (running it again the same week sends nothing twice) and exits 1 if any mail failed, so
cron reports it; the next run tries the failed ones again.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain, table
from flexchain.services import report_mail
from flexchain.services.weekly_report import WeeklyReport, last_week_end, weekly_report

__all__ = ["report_app"]

report_app = typer.Typer(
    help="The weekly report: show, PDF, send to subscribers.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON only.")]
WeekEnd = Annotated[
    datetime | None,
    typer.Option(
        "--week-end",
        formats=["%Y-%m-%d"],
        metavar="DATE",
        help="Any day of the week, which runs Monday to Sunday: the report is of the week "
        "that contains it (default: the last complete week).",
    ),
]


def _week_end(value: datetime | None) -> date:
    return value.date() if value is not None else last_week_end(datetime.now(UTC).date())


def _build(ctx: typer.Context, week_end: datetime | None) -> WeeklyReport:
    with opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        return weekly_report(
            uow, week_end=_week_end(week_end), settings=app.settings, now=datetime.now(UTC)
        )


@report_app.command("show")
def show(ctx: typer.Context, week_end: WeekEnd = None, as_json: JsonOption = False) -> None:
    """The report of a week: KPIs, what fired, what was decided."""
    with reported_errors():
        report = _build(ctx, week_end)
    if as_json:
        typer.echo(json.dumps(plain(report.as_dict()), ensure_ascii=False, indent=2))
        return
    layout = report_mail.layout_of(report)
    console.print(layout.title, style="bold", markup=False)
    console.print(layout.subtitle, markup=False, soft_wrap=True)
    for section in layout.sections:
        console.print()
        console.print(section.heading, style="bold", markup=False)
        if not section.rows:
            console.print(section.empty, markup=False, soft_wrap=True)
        elif section is layout.sections[0]:  # the KPIs: a table, the names shortened if need be
            keys = [f"c{i}" for i in range(len(section.columns))]
            rows = [dict(zip(keys, row, strict=True)) for row in section.rows]
            columns = tuple(zip(keys, section.columns, strict=True))
            numeric = [keys[i] for i in section.right]
            console.print(table(columns, rows, numeric=numeric, flexible=keys[0]))
        else:  # events: one line each (when, who, what), wrapped, never cut
            for when, who, what in section.rows:
                console.print(f"  {when}  {who}: {what}", markup=False, soft_wrap=True)
        if section.note:
            console.print(section.note, markup=False, soft_wrap=True)


@report_app.command("pdf")
def pdf(
    ctx: typer.Context,
    week_end: WeekEnd = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Where to write it."),
    ] = None,
) -> None:
    """Write the report of a week as a one-page PDF (default: weekly-report-DATE.pdf here)."""
    with reported_errors():
        report = _build(ctx, week_end)
        settings = state_of(ctx).settings()
        path = out or Path(report_mail.report_filename(report))
        path.write_bytes(report_mail.report_pdf_bytes(report, font=settings.document_font))
    console.print(f"wrote {path}", markup=False, soft_wrap=True)


@report_app.command("send")
def send(ctx: typer.Context, week_end: WeekEnd = None, as_json: JsonOption = False) -> None:
    """E-mail the report to each subscriber not yet sent it (for cron); exit 1: a mail failed.

    Run it weekly, e.g. Mondays at 07:00; running it again the same week sends nothing twice.
    """
    with reported_errors(), opened(state_of(ctx)) as app:
        run = report_mail.send_weekly_reports(
            app.uow, week_end=_week_end(week_end), settings=app.settings, now=datetime.now(UTC)
        )
    if as_json:
        typer.echo(json.dumps(plain(run), ensure_ascii=False, indent=2))
    elif not run.deliveries:
        console.print("Nobody subscribes: flexchain report subscribe EMAIL", markup=False)
    else:
        rows = [plain(d) for d in run.deliveries]
        columns = (("to", "To"), ("outcome", "Outcome"), ("message_id", "Message"),
                   ("error", "Error"))  # fmt: skip
        console.print(table(columns, rows, flexible="error"))
        console.print(
            f"week ending {run.week_end}: {run.count('sent')} sent, "
            f"{run.count('already sent')} already sent, {run.count('failed')} failed",
            markup=False,
        )
    if run.count("failed"):
        raise typer.Exit(1)


@report_app.command("subscribe")
def subscribe(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="A brand user's e-mail.")],
    off: Annotated[bool, typer.Option("--off", help="Stop sending it to them.")] = False,
    as_json: JsonOption = False,
) -> None:
    """E-mail the weekly report to a user (a brand user; --off: stop)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        done = report_mail.set_subscription(uow, email, subscribed=not off, now=datetime.now(UTC))
        uow.commit()
    if as_json:
        typer.echo(json.dumps(plain(done), ensure_ascii=False, indent=2))
    else:
        state = "gets" if done.subscribed else "does not get"
        console.print(f"{done.email} {state} the weekly report", markup=False)


@report_app.command("subscribers")
def subscribers(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Who gets the weekly report."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = report_mail.list_subscribers(uow)
    if as_json:
        typer.echo(json.dumps(plain(found), ensure_ascii=False, indent=2))
    elif not found:
        console.print("Nobody subscribes: flexchain report subscribe EMAIL", markup=False)
    else:
        columns = (("email", "User"), ("since", "Since"))
        rows = [
            {"email": s.email, "since": f"{s.since:%Y-%m-%d %H:%M} UTC" if s.since else ""}
            for s in found
        ]
        console.print(table(columns, rows))
