"""``flexchain secrets``: being built (issue 14)."""

from __future__ import annotations

import typer

secrets_app = typer.Typer(help="secrets", no_args_is_help=True)
