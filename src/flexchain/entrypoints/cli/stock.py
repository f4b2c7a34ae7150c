"""``flexchain stock``: balances per item and location; ``stock receive|transfer|adjust|count``
post one ledger move each (all or nothing)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import typer

from flexchain.bootstrap import App
from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import cell, console, plain, print_json_array, table
from flexchain.services import inventory, stock_commands
from flexchain.services.stock_commands import StockChange

__all__ = ["stock_app"]

stock_app = typer.Typer(
    help="Stock per item and location, and the commands that move it.",
    invoke_without_command=True,
)

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

Sku = Annotated[str, typer.Argument(help="The item's SKU.")]
Quantity = Annotated[str, typer.Argument(help="A positive quantity (up to 3 decimals).")]
Location = Annotated[str, typer.Option("--location", help="An internal location code.")]
Reference = Annotated[
    str, typer.Option("--reference", help="A document it belongs to (PO-1001/2, a note).")
]
Reason = Annotated[str, typer.Option("--reason", help="Why the stock moved.")]
Json = Annotated[
    bool, typer.Option("--json", help="Print a JSON object only; quantities as exact strings.")
]


@stock_app.callback()
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
    if ctx.invoked_subcommand is not None:
        return
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


def _run(ctx: typer.Context, as_json: bool, use_case: Callable[..., StockChange]) -> None:
    """Run ``use_case(uow, now=...)`` in one unit of work and print what it did."""
    with reported_errors(), opened(state_of(ctx)) as app:
        change = _write(app, use_case)
    if as_json:
        typer.echo(json.dumps(plain(change.as_dict()), ensure_ascii=False, indent=2))
        return
    if not change.moves:
        console.print(f"{change.sku}: counted as on record, nothing moved.", markup=False)
    for move in change.moves:
        console.print(
            f"{move.kind} {cell(move.quantity)} {move.sku}: {move.from_location} -> "
            f"{move.to_location}"
            + (f" ({move.reference})" if move.reference else "")
            + (f": {move.reason}" if move.reason else ""),
            markup=False,
            soft_wrap=True,
        )
    if change.purchase_order_lines:
        console.print(f"Received against {', '.join(change.purchase_order_lines)}.", markup=False)
    records = [dataclasses.asdict(view) for view in change.balances]
    console.print(table(COLUMNS, records, numeric=NUMERIC, flexible="item_name"))


def _write(app: App, use_case: Callable[..., StockChange]) -> StockChange:
    with app.uow() as uow:
        change = use_case(uow, now=datetime.now(UTC))
        uow.commit()
    return change


@stock_app.command()
def receive(
    ctx: typer.Context,
    sku: Sku,
    quantity: Quantity,
    location: Location,
    reference: Reference = "",
    reason: Reason = "",
    as_json: Json = False,
) -> None:
    """Goods arrived: one receipt move into LOCATION. A --reference naming a purchase order on
    record (PO-1001 or PO-1001/2) counts against its open lines of the item."""
    _run(
        ctx,
        as_json,
        lambda uow, now: stock_commands.receive(
            uow, sku, quantity, location=location, now=now, reference=reference, reason=reason
        ),
    )


@stock_app.command()
def transfer(
    ctx: typer.Context,
    sku: Sku,
    quantity: Quantity,
    source: Annotated[str, typer.Option("--from", help="The internal location it leaves.")],
    target: Annotated[str, typer.Option("--to", help="The internal location it reaches.")],
    reference: Reference = "",
    reason: Reason = "",
    as_json: Json = False,
) -> None:
    """Move stock between two internal locations (one transfer move)."""
    _run(
        ctx,
        as_json,
        lambda uow, now: stock_commands.transfer(
            uow,
            sku,
            quantity,
            source=source,
            target=target,
            now=now,
            reference=reference,
            reason=reason,
        ),
    )


@stock_app.command(context_settings={"ignore_unknown_options": True})
def adjust(
    ctx: typer.Context,
    sku: Sku,
    delta: Annotated[str, typer.Argument(help="Signed change: 5 found, -3 lost or damaged.")],
    location: Location,
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")],
    reference: Reference = "",
    as_json: Json = False,
) -> None:
    """Correct the stock at LOCATION by DELTA (one adjustment move; a reason is required)."""
    _run(
        ctx,
        as_json,
        lambda uow, now: stock_commands.adjust(
            uow, sku, delta, location=location, reason=reason, now=now, reference=reference
        ),
    )


@stock_app.command()
def count(
    ctx: typer.Context,
    sku: Sku,
    quantity: Annotated[str, typer.Argument(help="The quantity counted (0 or more).")],
    location: Location,
    reference: Reference = "",
    reason: Reason = "",
    as_json: Json = False,
) -> None:
    """Set the counted QUANTITY at LOCATION by posting the difference (no move if it matches)."""
    _run(
        ctx,
        as_json,
        lambda uow, now: stock_commands.count(
            uow, sku, quantity, location=location, now=now, reference=reference, reason=reason
        ),
    )
