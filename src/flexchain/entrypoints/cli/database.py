"""``flexchain init``: create the database or upgrade it to the newest schema, and the key that
encrypts shop secrets at rest (the key file, unless ``FLEXCHAIN_SECRET_KEY`` is set)."""

from __future__ import annotations

import typer

from flexchain.bootstrap import bootstrap, redact
from flexchain.entrypoints.cli.context import fail, reported_errors, state_of
from flexchain.entrypoints.cli.render import console
from flexchain.services import secrets


def init(ctx: typer.Context) -> None:
    """Create the database, or upgrade it to the newest schema; prints both revisions. Creates
    the key file for shop secrets (readable by you only) unless FLEXCHAIN_SECRET_KEY is set."""
    with reported_errors():
        settings = state_of(ctx).settings()
        try:
            key = secrets.ensure_key(settings)
        except secrets.SecretKeyError as error:
            raise fail(str(error)) from None
        app = bootstrap(settings, upgrade=False)
        try:
            before, after = app.upgrade()
        finally:
            app.close()
    where = redact(settings.database_url)
    if before == after:
        console.print(
            f"{where}: already at revision {after} (newest)", markup=False, soft_wrap=True
        )
    else:
        console.print(
            f"{where}: revision {before or 'none (empty)'} -> {after}", markup=False, soft_wrap=True
        )
    if key.key_file is None:
        console.print(f"secrets key: from {key.where}", markup=False, soft_wrap=True)
    else:
        made = (
            "created, readable by you only; back it up apart from the database"
            if key.created
            else "kept"
        )
        console.print(f"secrets key: {key.key_file} ({made})", markup=False, soft_wrap=True)
