"""``flexchain suppliers ...``: the supplier network as partners — scorecards, tiers and Kraljic,
rules that act, suggestions, samples and health data. Each part registers its commands on
``suppliers_app`` from its own module (imported by ``main``)."""

from __future__ import annotations

import typer

__all__ = ["suppliers_app"]

suppliers_app = typer.Typer(
    help="Suppliers as partners: scorecards, tiers, Kraljic, rules, suggestions, samples.",
    no_args_is_help=True,
)
