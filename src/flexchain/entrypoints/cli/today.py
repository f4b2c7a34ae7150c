"""``flexchain today``: Today, the decision inbox (:mod:`flexchain.services.today`): what is
waiting for a person, ranked by money and time at stake; ``flexchain today act KEY ACTION``
takes an entry's action through the same services as the API and the control tower's page.
The terminal acts as ``admin`` (whoever runs the command has the database)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer

from flexchain.entrypoints.cli.context import UserError, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain, print_json_array, table
from flexchain.services import today

__all__ = ["today_app"]

today_app = typer.Typer(
    help="Today: what is waiting for a person, ranked (`flexchain today` lists it).",
    invoke_without_command=True,
)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]
COLUMNS = (
    ("rank", "#"),
    ("key", "Key"),
    ("title", "What happened"),
    ("money", "At stake"),
    ("days", "Days"),
    ("suggestion", "Suggested"),
    ("actions", "Actions"),
)
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
    records: list[dict[str, Any]] = [
        {
            "rank": i,
            "key": d.key,
            "title": d.title,
            "money": f"{plain(d.money)} {d.currency}" if d.money else "-",
            "days": d.days,
            "suggestion": d.suggestion,
            "actions": ", ".join(a.name for a in d.actions),
        }
        for i, d in enumerate(found, 1)
    ]
    console.print(table(COLUMNS, records, numeric=("rank", "money", "days"), flexible="title"))


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
