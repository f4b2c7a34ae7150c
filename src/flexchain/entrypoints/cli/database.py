"""``flexchain init``: create the database or upgrade it to the newest schema."""

from __future__ import annotations

import typer

from flexchain.bootstrap import bootstrap, redact
from flexchain.entrypoints.cli.context import reported_errors, state_of
from flexchain.entrypoints.cli.render import console


def init(ctx: typer.Context) -> None:
    """Create the database, or upgrade it to the newest schema; prints both revisions."""
    with reported_errors():
        settings = state_of(ctx).settings()
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
