"""``flexchain quote``: price and ship date of a product configuration, read-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from flexchain.entrypoints.api.quotes import QuotePublic
from flexchain.entrypoints.cli.context import UserError, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, print_json_array, table
from flexchain.services import quotes

PRICE_COLUMNS = (("label", "Price"), ("kind", "Kind"), ("amount", "Amount"))
STAGE_COLUMNS = (
    ("label", "Stage"),
    ("supplier", "Supplier"),
    ("start", "Start"),
    ("finish", "Finish"),
    ("days", "Days"),
    ("detail", "Why"),
)
ALTERNATIVE_COLUMNS = (
    ("description", "Alternative"),
    ("total", "Total"),
    ("ship_date", "Ships"),
)


def parse_options(pairs: list[str]) -> dict[str, str]:
    """``["M-DYE=Indigo", "Embroidery=Anna Lee"]`` -> ``{"M-DYE": "Indigo", ...}``."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise UserError(f"--option expects KEY=VALUE (module=option), got {pair!r}")
        if key.strip() in options:
            raise UserError(f"--option {key.strip()} is given twice")
        options[key.strip()] = value.strip()
    return options


def quote(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="The finished product's SKU.")],
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            "-o",
            metavar="KEY=VALUE",
            help="A custom module (SKU or name) and its option (code, name or text); repeat.",
        ),
    ] = None,
    quantity: Annotated[int, typer.Option("--quantity", "-q", min=1, help="Units.")] = 1,
    speed: Annotated[
        str, typer.Option("--speed", help="Speed tier: basic, custom, fast or premium.")
    ] = "basic",
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print a JSON array of one quote; money as exact strings."),
    ] = False,
) -> None:
    """Quote price and ship date of a configuration, with alternatives; reserves nothing."""
    with reported_errors():
        options = parse_options(option or [])
        with opened(state_of(ctx)) as app, app.uow(write=False) as uow:
            result = quotes.quote(
                uow,
                sku,
                options,
                quantity,
                speed,
                today=datetime.now(UTC).date(),
                ladder=app.settings.speed_ladder,
            )
    public = QuotePublic.of(result)
    if as_json:
        print_json_array([public.model_dump(mode="json")])
        return
    each = f" ({public.unit_price} {public.currency} each)" if public.quantity > 1 else ""
    console.print(
        f"{public.sku} x {public.quantity}, {public.speed_tier}: "
        f"{public.total} {public.currency}{each}, ships {public.ship_date} "
        f"({public.lead_days} days)",
        markup=False,
        soft_wrap=True,
    )
    price = [line.model_dump() for line in public.price]
    console.print(table(PRICE_COLUMNS, price, numeric=("amount",), flexible="label"))
    stages = [stage.model_dump() for stage in public.stages]
    console.print(table(STAGE_COLUMNS, stages, numeric=("days",), flexible="detail"))
    if public.alternatives:
        alternatives = [alternative.model_dump() for alternative in public.alternatives]
        console.print(
            table(ALTERNATIVE_COLUMNS, alternatives, numeric=("total",), flexible="description")
        )
