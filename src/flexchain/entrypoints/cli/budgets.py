"""``flexchain budget``: purchasing budgets in the brand's currency (``default_currency``) by
month, brand-wide or for one supplier, and what purchase orders and invoices use of them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

import typer

from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, money_text, plain, print_json_array, table
from flexchain.services import budgets

__all__ = ["budget_app"]

budget_app = typer.Typer(
    help="Purchasing budgets by month (brand-wide or per supplier) against orders and invoices.",
    no_args_is_help=True,
)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]
Month = Annotated[str, typer.Argument(metavar="MONTH", help="e.g. 2026-03.")]
Supplier = Annotated[
    str | None,
    typer.Option("--supplier", help="The supplier's code \\[default: the brand-wide budget]."),
]
COLUMNS = (
    ("month", "Month"),
    ("scope", "Scope"),
    ("budget", "Budget"),
    ("committed", "Committed"),
    ("invoiced", "Invoiced"),
    ("remaining", "Remaining"),
    ("used", "Used %"),
    ("currency", "Cur"),
)


def _share(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.1f}"


@budget_app.command("set")
def budget_set(
    ctx: typer.Context,
    month: Month,
    amount: Annotated[str, typer.Argument(help="In the brand's currency, e.g. 25000.")],
    supplier: Supplier = None,
    as_json: JsonOption = False,
) -> None:
    """Set a month's budget (replacing the one there was; audited)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        line = budgets.set_budget(
            uow, month, amount, supplier=supplier, base=app.settings.default_currency,
            now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    if as_json:
        typer.echo(json.dumps(plain(line.as_dict()), indent=2))
        return
    was = "" if line.previous is None else f" (was {money_text(line.previous, line.currency)})"
    console.print(
        f"{line.scope} budget of {line.month}: {money_text(line.budget, line.currency)}{was}",
        markup=False,
    )


@budget_app.command("remove")
def budget_remove(ctx: typer.Context, month: Month, supplier: Supplier = None) -> None:
    """Remove a month's budget (audited)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        removed = budgets.remove_budget(uow, month, supplier=supplier, now=datetime.now(UTC))
        uow.commit()
    label = f"supplier {removed.scope}" if removed.scope else "brand-wide"
    console.print(
        f"{label} budget of {removed.month} removed "
        f"(was {money_text(removed.amount, removed.currency)}).",
        markup=False,
    )


@budget_app.command("list")
def budget_list(
    ctx: typer.Context,
    first: Annotated[str | None, typer.Option("--from", help="First month, e.g. 2026-01.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last month, e.g. 2026-06.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Budgets by month and scope: committed (orders issued in the month, at their issue
    date's rate), invoiced (approved or paid, at the invoice date's rate), remaining, used."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = budgets.budget_report(
            uow, first=first, last=last, base=app.settings.default_currency
        )
    if as_json:
        print_json_array(line.as_dict() for line in found)
        return
    if not found:
        console.print("No budgets: set one with flexchain budget set MONTH AMOUNT.", markup=False)
        return
    rows = [{**line.as_dict(), "used": _share(line.share_used)} for line in found]
    console.print(
        table(COLUMNS, rows, numeric=("used",),
              money=("budget", "committed", "invoiced", "remaining"))
    )  # fmt: skip
