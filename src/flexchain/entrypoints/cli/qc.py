"""``flexchain qc ...``: tamper-evident QC records (``qc verify``), results and files."""

from __future__ import annotations

import typer

__all__ = ["qc_app"]

qc_app = typer.Typer(help="QC records: a hash chain that shows any edit.", no_args_is_help=True)
