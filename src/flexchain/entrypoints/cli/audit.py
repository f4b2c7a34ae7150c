"""``flexchain audit``: being built (issue 14)."""

from __future__ import annotations

import typer

audit_app = typer.Typer(help="audit", no_args_is_help=True)
