"""``flexchain secrets key`` and ``flexchain secrets rotate``: the key that encrypts the shops'
webhook secrets and API tokens at rest (docs/security.md, "Secrets at rest")."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from flexchain.entrypoints.cli.context import fail, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain
from flexchain.services import secrets

secrets_app = typer.Typer(
    help="The key that encrypts shop secrets at rest: a new key, rotation.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON only.")]


@secrets_app.command("key")
def key() -> None:
    """Print a new key for FLEXCHAIN_SECRET_KEY (nothing is stored or changed)."""
    typer.echo(secrets.new_key())


@secrets_app.command("rotate")
def rotate(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Re-encrypt every shop secret under a new key.

    With the key file: a new key is made and written to it (the old one is kept beside it until
    every secret is re-encrypted). With FLEXCHAIN_SECRET_KEY: put the new key first,
    FLEXCHAIN_SECRET_KEY=NEW,OLD flexchain secrets rotate, then set FLEXCHAIN_SECRET_KEY=NEW.
    """
    with reported_errors():
        try:
            with opened(state_of(ctx)) as app:
                done = secrets.rotate(app.uow, app.settings)
        except secrets.SecretKeyError as error:
            raise fail(str(error)) from None
    if as_json:
        body = {**plain(done), "key_file": str(done.key_file) if done.key_file else None}
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    columns = ", ".join(f"{where} {count}" for where, count in done.by_column.items())
    console.print(
        f"re-encrypted {done.reencrypted} secret(s) under key {done.fingerprint}"
        + (f" ({columns})" if columns else "")
        + (f"; {done.current} already under it" if done.current else ""),
        markup=False,
        soft_wrap=True,
    )
    if done.key_file is not None:
        console.print(
            f"the key file {done.key_file} now holds the new key only (owner-only): back it up "
            "apart from the database",
            markup=False,
            soft_wrap=True,
        )
    elif done.old_keys:
        console.print(
            "every secret opens with the first key of FLEXCHAIN_SECRET_KEY now: set "
            "FLEXCHAIN_SECRET_KEY to that key alone wherever flexchain runs",
            markup=False,
            soft_wrap=True,
        )
