"""``flexchain report``: The weekly report: show, PDF, send to subscribers."""

from __future__ import annotations

import typer

__all__ = ["report_app"]

report_app = typer.Typer(
    help="The weekly report: show, PDF, send to subscribers.", no_args_is_help=True
)
