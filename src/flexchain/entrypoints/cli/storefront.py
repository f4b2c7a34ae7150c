"""Storefront commands: ``sku``, ``inbox``, ``orders`` and ``outbox`` (``shop``: cli/shops.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain, print_json_array, table
from flexchain.services import intake, order_views, orders, outbox, shops

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print a JSON array only; decimals as exact strings.")
]

sku_app = typer.Typer(help="Map a store's SKUs or variant ids to ours.", no_args_is_help=True)
inbox_app = typer.Typer(help="Webhooks received, as stored.", no_args_is_help=True)
orders_app = typer.Typer(help="Sales orders from the shops.", no_args_is_help=True)
outbox_app = typer.Typer(
    help="Pushes to the shops (availability, fulfilment).", no_args_is_help=True
)


def _records(items: list[Any]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(item) for item in items]


def _show(
    records: list[dict[str, Any]],
    columns: tuple[tuple[str, str], ...],
    as_json: bool,
    empty: str,
    numeric: tuple[str, ...] = (),
) -> None:
    if as_json:
        print_json_array(records)
    elif not records:
        console.print(empty, markup=False, soft_wrap=True)
    else:
        console.print(table(columns, records, numeric=numeric))


@sku_app.command("map")
def sku_map(
    ctx: typer.Context,
    external: Annotated[str, typer.Argument(help="The store's SKU or variant id.")],
    sku: Annotated[str, typer.Argument(help="Our SKU.")],
    shop: Annotated[str | None, typer.Option("--shop", help="Only for this shop's domain.")] = None,
    inventory_item_id: Annotated[
        str | None, typer.Option("--inventory-item-id", help="Shopify inventory item to push to.")
    ] = None,
    product_id: Annotated[
        str | None,
        typer.Option("--product-id", help="WooCommerce product (or variation) to push to."),
    ] = None,
    parent_id: Annotated[
        str | None,
        typer.Option("--parent-id", help="WooCommerce: the product of the variation."),
    ] = None,
) -> None:
    """Map a store SKU or variant id to one of our SKUs (and where availability goes)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view, created = shops.map_sku(
            uow,
            external,
            sku,
            shop=shop,
            inventory_item_id=inventory_item_id,
            product_id=product_id,
            parent_id=parent_id,
        )
        uow.commit()
    where = f" for {view.shop}" if view.shop else ""
    console.print(
        f"{external} -> {sku}{where} ({'added' if created else 'updated'})",
        markup=False,
        soft_wrap=True,
    )


@sku_app.command("list")
def sku_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The SKU mappings."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        records = _records(shops.list_mappings(uow))
    columns = (
        ("shop", "Shop"),
        ("external_key", "Store key"),
        ("sku", "SKU"),
        ("inventory_item_id", "Inventory item"),
        ("external_product_id", "Product"),
        ("external_parent_id", "Parent"),
    )
    _show(records, columns, as_json, "No SKU mappings.")


INBOX_COLUMNS = (
    ("id", "ID"),
    ("shop", "Shop"),
    ("topic", "Topic"),
    ("status", "Status"),
    ("order", "Order"),
    ("attempts", "Tries"),
    ("received_at", "Received"),
    ("error", "Error or exception"),
)


@inbox_app.command("list")
def inbox_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, processed, ignored or failed.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Webhooks received, newest first, with how each was applied."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        records = _records(intake.list_inbox(uow, status=status))
    if as_json or not records:
        _show(records, INBOX_COLUMNS, as_json, "The inbox is empty.")
        return
    # what went wrong, or what keeps the order from a promise (a line no supplier can make)
    shown = [{**r, "error": r["error"] or "; ".join(r["exceptions"])} for r in records]
    console.print(table(INBOX_COLUMNS, shown, flexible="error"))


@inbox_app.command("retry")
def inbox_retry(ctx: typer.Context, inbox_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Process a failed webhook again, after fixing the data (e.g. flexchain sku map)."""
    with reported_errors(), opened(state_of(ctx)) as app:
        view = intake.retry(
            app.engine,
            inbox_id,
            now=datetime.now(UTC),
            terms=intake.IntakeTerms.of(app.settings),
            actor=app.actor,
        )
    if view.status == "failed":
        console.print(f"inbox {view.id}: failed again: {view.error}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(
        f"inbox {view.id}: {view.status} (order {view.order})", markup=False, soft_wrap=True
    )


ORDER_COLUMNS = (
    ("id", "ID"),
    ("shop", "Shop"),
    ("number", "Number"),
    ("status", "Status"),
    ("speed_tier", "Speed"),
    ("lines", "Lines"),
    ("total", "Total"),
    ("currency", "Cur"),
    ("promise_date", "Ships by"),
)


@orders_app.command("list")
def orders_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Orders, newest first."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        records = _records(orders.list_orders(uow, status=status))
    _show(records, ORDER_COLUMNS, as_json, "No orders.", numeric=("lines", "total"))


ISSUE_COLUMNS = (
    ("id", "Issue"),
    ("kind", "Kind"),
    ("sku", "SKU"),
    ("quantity", "Qty"),
    ("reported", "Reported"),
    ("reported_by", "By"),
    ("note", "Note"),
)
"""The issues ``orders show`` lists (``withdraw-issue`` takes the number)."""


@orders_app.command("show")
def orders_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ID", help="Our id, the store's id or number.")],
    as_json: JsonOption = False,
) -> None:
    """One order with its lines, reservations, picks, jobs, stages, promise date and issues."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        view = order_views.order_with_issues(uow, ref).as_dict()
    if as_json:
        import json

        typer.echo(json.dumps(plain(view), ensure_ascii=False, indent=2))
        return
    console.print(
        f"Order {view['number'] or view['external_id']} (id {view['id']}, {view['shop']}): "
        f"{view['status']}, {view['speed_tier']}, ships by {view['promise_date'] or 'no date'}",
        markup=False,
        soft_wrap=True,
    )
    if view.get("shipment"):
        sent = view["shipment"]
        how = " ".join(
            filter(None, (sent["carrier"], sent["tracking_number"], sent["tracking_url"]))
        )
        console.print(
            f"Shipped {sent['shipped_at']}" + (f": {how}" if how else ""),
            markup=False,
            soft_wrap=True,
        )
    for exception in view.get("exceptions", ()):
        console.print(f"Exception: {exception}", markup=False, soft_wrap=True)
    for title, key, columns in (
        (
            "Lines",
            "lines",
            (
                ("line_id", "Line"),
                ("sku", "SKU"),
                ("quantity", "Qty"),
                ("reserved", "Reserved"),
                ("backordered", "Backordered"),
            ),
        ),
        (
            "Picks",
            "picks",
            (("location", "From"), ("sku", "SKU"), ("quantity", "Qty"), ("status", "Status")),
        ),
        (
            "Jobs",
            "jobs",
            (
                ("id", "Job"),
                ("sku", "SKU"),
                ("option", "Option"),
                ("value", "Value"),
                ("supplier", "Supplier"),
                ("process", "Process"),
                ("quantity", "Qty"),
                ("reason", "Why"),
                ("planned_finish", "Finish"),
                ("status", "Status"),
            ),
        ),
        ("Stages", "stages", (("stage", "Stage"), ("planned", "Planned"), ("actual", "Done"))),
    ):
        if view[key]:
            console.print(f"\n{title}", markup=False, soft_wrap=True)
            console.print(table(columns, view[key], numeric=("quantity",)))
    if view["issues"]:
        console.print("\nIssues reported", markup=False, soft_wrap=True)
        reported = [{**issue, "reported": issue["reported_at"].date()} for issue in view["issues"]]
        console.print(table(ISSUE_COLUMNS, reported, numeric=("id", "quantity"), flexible="note"))


@orders_app.command("status")
def orders_status(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ID")],
    status: Annotated[
        str, typer.Argument(help="in_production, ready, shipped, delivered or cancelled.")
    ],
) -> None:
    """Move an order along its lifecycle (shipping posts its picks to the customer)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        order = orders.set_status(uow, ref, status, now=datetime.now(UTC))
        label, now_status = order.number or order.external_id, order.status
        uow.commit()
    console.print(f"order {label}: {now_status}", markup=False, soft_wrap=True)


@orders_app.command("ship")
def orders_ship(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ID", help="Our id, the store's id or number.")],
    carrier: Annotated[str, typer.Option("--carrier", help="Who carries it, e.g. DHL.")],
    tracking: Annotated[str, typer.Option("--tracking", help="The tracking number.")],
    tracking_url: Annotated[
        str | None, typer.Option("--tracking-url", help="A link to follow the parcel.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON document only.")] = False,
) -> None:
    """Ship a ready order: post its picks and tell its store (fulfilment with tracking)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        order = orders.ship(
            uow,
            ref,
            carrier=carrier,
            tracking=tracking,
            tracking_url=tracking_url,
            now=datetime.now(UTC),
        )
        view = orders.show_order(uow, order.id).as_dict()
        uow.commit()
    if as_json:
        import json

        typer.echo(json.dumps(plain(view), ensure_ascii=False, indent=2))
        return
    label = view["number"] or view["external_id"]
    console.print(
        f"order {label}: shipped with {carrier}, tracking {tracking}",
        markup=False,
        soft_wrap=True,
    )


@orders_app.command("cancel")
def orders_cancel(ctx: typer.Context, ref: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Cancel an open order: release its stock and cancel jobs not yet started."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        order = orders.cancel(uow, ref, now=datetime.now(UTC))
        label = order.number or order.external_id
        uow.commit()
    console.print(f"order {label}: cancelled", markup=False, soft_wrap=True)


OUTBOX_COLUMNS = (
    ("id", "ID"),
    ("shop", "Shop"),
    ("kind", "Kind"),
    ("key", "Key"),
    ("status", "Status"),
    ("attempts", "Tries"),
    ("next_attempt_at", "Next try"),
    ("last_error", "Last error"),
)


@outbox_app.command("list")
def outbox_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, sent or failed \\[default: not sent].")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Pushes waiting, failed (and with --status sent, done)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        records = _records(outbox.list_outbox(uow, status=status))
    _show(records, OUTBOX_COLUMNS, as_json, "Nothing waiting in the outbox.")


@outbox_app.command("run")
def outbox_run(ctx: typer.Context) -> None:
    """Send every push that is due now (the server does this by itself while it runs)."""
    with reported_errors(), opened(state_of(ctx)) as app:
        result = outbox.dispatch_due(app.engine, now=datetime.now(UTC))
    console.print(
        f"sent {result.sent}, retrying later {result.retrying}, failed {result.failed}",
        markup=False,
        soft_wrap=True,
    )
