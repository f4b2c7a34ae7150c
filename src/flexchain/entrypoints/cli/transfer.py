"""``flexchain import`` and ``flexchain export``: spreadsheets (CSV or XLSX) in and out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console
from flexchain.services.exports import export_file
from flexchain.services.imports import KINDS, import_file

KIND_HELP = "What the file holds: " + ", ".join(KINDS) + "."


def import_(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help=KIND_HELP, show_default=False)],
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file.", show_default=False)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")
    ] = False,
) -> None:
    """Import a spreadsheet: every row is checked first, and nothing is written if any is bad."""
    with reported_errors(), opened(state_of(ctx)) as app:
        report = import_file(
            app.engine,
            kind,
            file,
            dry_run=dry_run,
            actor="cli",
            now=datetime.now(UTC),
            sku_rules=app.settings.sku_rules,
        )
    counts = (
        f"{report.rows} rows: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )
    if report.ignored_columns:
        counts += f"; ignored columns: {', '.join(report.ignored_columns)}"
    prefix = "Dry run, nothing written — " if dry_run else ""
    console.print(f"{prefix}{report.kind} from {file}: {counts}", markup=False, soft_wrap=True)


def export(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help=KIND_HELP, show_default=False)],
    file: Annotated[
        Path, typer.Argument(help="Where to write: .csv or .xlsx.", show_default=False)
    ],
) -> None:
    """Export to a spreadsheet with the same columns the import reads (a round trip)."""
    with reported_errors(), opened(state_of(ctx)) as app:
        rows = export_file(app.engine, kind, file)
    console.print(f"{kind}: {rows} rows written to {file}", markup=False, soft_wrap=True)
