"""``flexchain today``: Today, the decision inbox (:mod:`flexchain.services.today`): what is
waiting for a person, ranked by money and time at stake; ``flexchain today act KEY ACTION``
takes an entry's action through the same services as the API and the control tower's page;
``flexchain today snoozed`` lists the snoozes and ``flexchain today unsnooze KEY`` undoes one.
The terminal acts as ``admin`` (whoever runs the command has the database)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from flexchain.domain.today import Decision
from flexchain.entrypoints.cli.context import UserError, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain, print_json_array
from flexchain.services import today, today_snoozes
from flexchain.services.today_common import money_text

__all__ = ["inbox_table", "today_app"]

today_app = typer.Typer(
    help="Today: what is waiting for a person, ranked (`flexchain today` lists it).",
    invoke_without_command=True,
)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]
CLI_ROLE = "admin"


@today_app.callback()
def today_list(
    ctx: typer.Context,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="One kind: " + ", ".join(k.value for k in today.KINDS)),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Today's inbox, most money and least time at stake first."""
    if ctx.invoked_subcommand is not None:
        return
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = today.decision_inbox(
            uow, now=datetime.now(UTC), settings=app.settings, kind=kind or None
        )
    if as_json:
        print_json_array(plain(found))
        return
    if not found:
        console.print("Nothing waits for you today.", markup=False)
        return
    console.print(inbox_table(found))


def inbox_table(found: list[Decision]) -> Table:
    """Two rows an entry: its rank, key, amount at stake and days, never cut or wrapped (the
    key is what ``today act`` takes); below them what happened, why it matters, what flexchain
    suggests and the actions, wrapped to the width the short columns leave."""
    money = [money_text(d.money, d.currency) if d.money else "-" for d in found]
    days = ["-" if d.days is None else str(d.days) for d in found]
    result = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, caption_justify="left",
        caption="Days: to the date at stake (due, promise, need, expiry); negative: past it.",
    )  # fmt: skip
    result.add_column("#", justify="right", no_wrap=True, min_width=len(str(len(found))))
    result.add_column(
        "Key · what happened · why · suggested",
        overflow="fold",
        min_width=max(len(d.key) for d in found),
    )
    result.add_column("At stake", justify="right", no_wrap=True, min_width=max(map(len, money)))
    result.add_column("Days", justify="right", no_wrap=True, min_width=max(4, *map(len, days)))
    for rank, (d, amount, when) in enumerate(zip(found, money, days, strict=True), 1):
        result.add_row(str(rank), Text(d.key, style="bold"), amount, when)
        actions = ", ".join(a.name for a in d.actions)
        about = Text(f"{d.title}\nWhy: {d.why}\nSuggested: {d.suggestion}\nActions: {actions}")
        result.add_row("", about, "", "", end_section=True)
    return result


@today_app.command("act")
def today_act(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The entry's key (flexchain today).")],
    action: Annotated[
        str, typer.Argument(help="One of the entry's actions (release, award, retry, snooze...).")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why (required by some).")] = "",
    until: Annotated[
        str | None, typer.Option("--until", help="snooze: the day it shows again (YYYY-MM-DD).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Take one action on one entry of today's inbox."""
    with reported_errors(), opened(state_of(ctx)) as app:
        now = datetime.now(UTC)
        try:
            day = date.fromisoformat(until) if until else None
        except ValueError:
            raise UserError(f"--until {until!r} is not a date (YYYY-MM-DD)") from None
        if action == "retry":
            message = today.retry_webhook(
                app.engine, lambda: app.uow(write=False), key, now=now,
                settings=app.settings, actor=app.actor, role=CLI_ROLE,
            )  # fmt: skip
        else:
            with app.uow() as uow:
                message = today.act(
                    uow, key, action, now=now, settings=app.settings, role=CLI_ROLE,
                    reason=reason, until=day,
                )  # fmt: skip
                uow.commit()
    if as_json:
        typer.echo(json.dumps({"done": message}, ensure_ascii=False))
    else:
        console.print(message, markup=False, soft_wrap=True)


@today_app.command("snoozed")
def today_snoozed(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The entries snoozed: key, the day each shows again, why, who and when."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = today_snoozes.list_snoozes(uow, now=datetime.now(UTC))
    if as_json:
        print_json_array(plain(found))
        return
    if not found:
        console.print("Nothing is snoozed.", markup=False)
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("Key", "Until", "Reason", "By", "When"):
        table.add_column(column, overflow="fold", no_wrap=column in ("Key", "Until", "When"))
    for s in found:
        table.add_row(s.key, str(s.until), s.reason, s.by, f"{s.at:%Y-%m-%d %H:%M} UTC")
    console.print(table)


@today_app.command("unsnooze")
def today_unsnooze(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The snoozed entry's key (flexchain today snoozed).")],
    as_json: JsonOption = False,
) -> None:
    """Show a snoozed entry again today (audited)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        undone = today_snoozes.unsnooze(uow, key, now=datetime.now(UTC))
        uow.commit()
    message = f"{undone.key} shows again today (it was snoozed until {undone.until})"
    if as_json:
        typer.echo(json.dumps({"done": message}, ensure_ascii=False))
    else:
        console.print(message, markup=False, soft_wrap=True)
