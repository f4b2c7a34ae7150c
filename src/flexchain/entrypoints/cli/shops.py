"""``flexchain shop``: the shops (Shopify, WooCommerce) that send orders: add, list, set, key,
disable, enable, remove, sync."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from flexchain.entrypoints.cli.context import fail, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, print_json_array, table
from flexchain.services import intake, shops, sync

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print a JSON array only; decimals as exact strings.")
]

shop_app = typer.Typer(help="Shops (Shopify, WooCommerce) that send orders.", no_args_is_help=True)


def _show(
    records: list[dict[str, Any]],
    columns: tuple[tuple[str, str], ...],
    as_json: bool,
    empty: str,
    flexible: str | None = None,
) -> None:
    if as_json:
        print_json_array(records)
    elif not records:
        console.print(empty, markup=False, soft_wrap=True)
    else:
        console.print(table(columns, records, flexible=flexible))


def _records(items: list[Any]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(item) for item in items]


@shop_app.command("add")
def shop_add(
    ctx: typer.Context,
    platform: Annotated[str, typer.Option("--platform", help="shopify or woocommerce.")],
    domain: Annotated[
        str, typer.Option("--domain", help="The shop's domain, e.g. x.myshopify.com.")
    ],
    secret: Annotated[str, typer.Option("--secret", help="The webhook signing secret.")],
    push_url: Annotated[
        str | None,
        typer.Option("--push-url", help="Where availability is pushed (store API base)."),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option("--api-url", help="Store API base for shop sync \\[default: push URL]."),
    ] = None,
    api_token: Annotated[
        str | None,
        typer.Option("--api-token", help="Shopify access token, or WooCommerce KEY:SECRET."),
    ] = None,
    location_id: Annotated[
        str | None, typer.Option("--location-id", help="Shopify location for inventory levels.")
    ] = None,
    warehouse: Annotated[
        str | None, typer.Option("--warehouse", help="Our warehouse that ships this shop first.")
    ] = None,
) -> None:
    """Add a shop (or update the one with this domain)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view, created = shops.add_shop(
            uow,
            platform=platform,
            domain=domain,
            secret=secret,
            push_url=push_url,
            api_url=api_url,
            api_token=api_token,
            location_id=location_id,
            warehouse=warehouse,
        )
        uow.commit()
    verb = "added" if created else "updated"
    console.print(f"shop {view.domain} ({view.platform}) {verb}", markup=False, soft_wrap=True)


SHOP_COLUMNS = (
    ("domain", "Domain"),
    ("platform", "Platform"),
    ("push_url", "Push URL"),
    ("warehouse", "Warehouse"),
    ("last_synced_at", "Last sync"),
    ("active", "Active"),
    ("quotes_public", "Public quotes"),
    ("publishable_key", "Publishable key"),
)


@shop_app.command("list")
def shop_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The shops, without their secrets (the publishable key is not one)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        records = _records(shops.list_shops(uow))
    _show(
        records,
        SHOP_COLUMNS,
        as_json,
        "No shops yet: flexchain shop add --help",
        flexible="publishable_key",  # whole in --json and flexchain shop key
    )


def _shop_state(view: shops.ShopView, verb: str) -> None:
    console.print(f"shop {view.domain} ({view.platform}) {verb}", markup=False, soft_wrap=True)


@shop_app.command("disable")
def shop_disable(
    ctx: typer.Context, domain: Annotated[str, typer.Argument(metavar="DOMAIN")]
) -> None:
    """Stop taking the shop's webhooks, syncing it and pushing to it (until shop enable)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = shops.disable_shop(uow, domain)
        uow.commit()
    _shop_state(view, "disabled: webhooks refused, no sync, pushes wait")


@shop_app.command("enable")
def shop_enable(
    ctx: typer.Context, domain: Annotated[str, typer.Argument(metavar="DOMAIN")]
) -> None:
    """Take a disabled or removed shop back."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = shops.enable_shop(uow, domain)
        uow.commit()
    _shop_state(view, "enabled")


@shop_app.command("remove")
def shop_remove(
    ctx: typer.Context,
    domain: Annotated[str, typer.Argument(metavar="DOMAIN")],
    force: Annotated[
        bool, typer.Option("--force", help="Remove it even while it has open orders.")
    ] = False,
) -> None:
    """Remove a shop; its orders and webhooks are kept. Refused while it has open orders."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view, still_open = shops.remove_shop(uow, domain, now=datetime.now(UTC), force=force)
        uow.commit()
    kept = f"; {len(still_open)} open order(s) kept" if still_open else ""
    _shop_state(view, f"removed (its orders and webhooks are kept{kept})")


@shop_app.command("set")
def shop_set(
    ctx: typer.Context,
    domain: Annotated[str, typer.Argument(metavar="DOMAIN")],
    public_quotes: Annotated[
        bool | None,
        typer.Option(
            "--public-quotes/--no-public-quotes",
            help="Anyone may ask POST /quote, or only the shop's pages (its key) and staff.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Change a shop's settings: whether its quotes are public."""
    if public_quotes is None:
        raise fail("nothing to set: give --public-quotes or --no-public-quotes")
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = shops.set_public_quotes(uow, domain, public_quotes)
        uow.commit()
    _shop_state(view, "quotes public" if view.quotes_public else "quotes by publishable key only")


@shop_app.command("key")
def shop_key(
    ctx: typer.Context,
    domain: Annotated[str, typer.Argument(metavar="DOMAIN")],
    new: Annotated[
        bool, typer.Option("--new", help="Replace the key (the old one stops working).")
    ] = False,
) -> None:
    """Print the shop's publishable key (for its pages' quote requests; not a secret)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        key = shops.publishable_key(uow, domain, new=new)
        uow.commit()
    typer.echo(key)


@shop_app.command("sync")
def shop_sync(
    ctx: typer.Context,
    domain: Annotated[str | None, typer.Option("--domain", help="Only this shop.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fetch orders changed since the last sync from the store's API and apply the missed ones."""
    with reported_errors(), opened(state_of(ctx)) as app:
        results = sync.sync_shops(
            app.engine,
            domain=domain,
            now=datetime.now(UTC),
            terms=intake.IntakeTerms.of(app.settings),
        )
    columns = (
        ("shop", "Shop"),
        ("fetched", "Fetched"),
        ("applied", "Applied"),
        ("duplicates", "Already had"),
        ("failed", "Failed"),
        ("since", "Since"),
    )
    _show(_records(results), columns, as_json, "No shops to sync.")
