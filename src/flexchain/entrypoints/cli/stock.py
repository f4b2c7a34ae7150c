"""``flexchain stock``: balances per item and location."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated

import typer

from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, print_json_array, table
from flexchain.services import inventory

COLUMNS = (
    ("sku", "SKU"),
    ("item_name", "Item"),
    ("location", "Location"),
    ("on_hand", "On hand"),
    ("reserved", "Reserved"),
    ("available", "Available"),
    ("in_transit", "In transit"),
    ("on_order", "On order"),
    ("uom", "UoM"),
)
NUMERIC = ("on_hand", "reserved", "available", "in_transit", "on_order")


def stock(
    ctx: typer.Context,
    item: Annotated[str | None, typer.Option("--item", help="Only this SKU.")] = None,
    location: Annotated[
        str | None, typer.Option("--location", help="Only this location code.")
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print a JSON array only; quantities as exact strings."),
    ] = False,
) -> None:
    """Show on hand, reserved, available, in transit and on order per item and location."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        views = inventory.balances(uow, now=datetime.now(UTC), item=item, location=location)
    records = [dataclasses.asdict(view) for view in views]
    if as_json:
        print_json_array(records)
    elif not records:
        wanted = " ".join(f"{k} {v}" for k, v in (("item", item), ("at", location)) if v)
        console.print(
            f"No stock on record{' for ' + wanted if wanted else ''}.", markup=False, soft_wrap=True
        )
    else:
        console.print(table(COLUMNS, records, numeric=NUMERIC, flexible="item_name"))
