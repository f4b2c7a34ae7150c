"""``flexchain today``: Today: what is waiting for a person, ranked."""

from __future__ import annotations

import typer

__all__ = ["today_app"]

today_app = typer.Typer(help="Today: what is waiting for a person, ranked.", no_args_is_help=True)
