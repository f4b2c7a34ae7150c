"""``flexchain audit list``: who changed what and when, newest first."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

import typer

from flexchain.entrypoints.cli.context import UserError, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, print_json_array
from flexchain.services import audit

audit_app = typer.Typer(help="The audit trail: who changed what, when.", no_args_is_help=True)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _changes(entry: audit.AuditEntry) -> list[str]:
    """``status: planned -> released``, ``reason: late fabric``: one line per field."""
    lines = [
        f"{name}: {_text(entry.before.get(name, ''))} -> {_text(entry.after.get(name, ''))}"
        for name in {**entry.before, **entry.after}
    ]
    return lines + [f"{name}: {_text(value)}" for name, value in entry.context.items()]


def _print(entry: audit.AuditEntry) -> None:
    """A heading line (when, who, what) and the changes under it: fits any terminal."""
    console.print(
        f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor}  {entry.action} {entry.entity} {entry.key}",
        markup=False,
        soft_wrap=True,
    )
    for line in _changes(entry):
        console.print(f"    {line}", markup=False, soft_wrap=True)


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"--since: {value!r} is not a date (YYYY-MM-DD)") from None


@audit_app.command("list")
def audit_list(
    ctx: typer.Context,
    entity: Annotated[
        str | None, typer.Option("--entity", help="Only this entity: order, job, stock, shop...")
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Only this actor: an e-mail matches the user and their API tokens; any "
            "other text (cli:root, webhook:shopify:x.myshopify.com) the actor exactly.",
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", help="From this day (UTC) on.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many entries.")] = 100,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON array only; decimals as exact strings.")
    ] = False,
) -> None:
    """Audit entries, newest first: who, when, what, and the fields before and after."""
    with reported_errors():
        day = _since(since)
        with opened(state_of(ctx)) as app, app.uow(write=False) as uow:
            entries = audit.list_entries(uow, entity=entity, user=user, since=day, limit=limit)
    if as_json:
        print_json_array([asdict(entry) for entry in entries])
    elif not entries:
        console.print("No audit entries.", markup=False)
    else:
        for entry in entries:
            _print(entry)
