"""``flexchain kpis``: KPIs against their targets."""

from __future__ import annotations

import typer

__all__ = ["kpis_app"]

kpis_app = typer.Typer(help="KPIs against their targets.", no_args_is_help=True)
