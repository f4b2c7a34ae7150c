"""``flexchain user`` and ``flexchain token``: being built (issue 14)."""

from __future__ import annotations

import typer

user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)
