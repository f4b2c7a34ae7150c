"""``flexchain source``: the current plan's planned purchases sourced by optimisation (OR-Tools
CP-SAT from the greedy plan, a HiGHS bound for the gap), pooled per supplier and week, shown as
proposed purchases; ``--create po`` writes them as draft purchase orders, ``--create rfq`` as
draft RFQs, recording the planned purchases released (docs/procurement.md). The objective's
prices come from the settings ``FLEXCHAIN_SOURCING_*``, or the flags for one run."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

import typer

from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import (
    console,
    money_cell,
    plain,
    table,
)
from flexchain.entrypoints.cli.rfq import now
from flexchain.services import sourcing, sourcing_drafts


class Create(StrEnum):
    PO = "po"
    RFQ = "rfq"


def source(
    ctx: typer.Context,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds the optimiser may search.")
    ] = 10.0,
    seed: Annotated[int, typer.Option(help="The search's seed (same seed, same plan).")] = 0,
    create: Annotated[
        Create | None,
        typer.Option(help="Write the proposal: draft POs (po) or draft RFQs (rfq) per supplier."),
    ] = None,
    carbon_price: Annotated[
        Decimal | None,
        typer.Option(help="Price per kg CO2e in the objective \\[default: setting, 0]."),
    ] = None,
    late_penalty: Annotated[
        Decimal | None,
        typer.Option(help="Lateness penalty per unit and week \\[default: setting, 0.50]."),
    ] = None,
    early_holding: Annotated[
        Decimal | None,
        typer.Option(help="Early-delivery holding per unit and week \\[default: setting, 0.05]."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Source the current plan's planned purchases not released yet: who supplies what, when,
    in pooled orders."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        settings = app.settings
        costs = sourcing.objective_costs(
            carbon_price=settings.sourcing_carbon_price if carbon_price is None else carbon_price,
            late_per_unit_week=(
                settings.sourcing_late_per_unit_week if late_penalty is None else late_penalty
            ),
            early_per_unit_week=(
                settings.sourcing_early_per_unit_week if early_holding is None else early_holding
            ),
        )
        proposal = sourcing.propose(
            uow, now=now(), base=settings.default_currency, time_limit=time_limit, seed=seed,
            costs=costs,
        )  # fmt: skip
        made: list[str] = []
        if create is not None:
            made = sourcing_drafts.create_drafts(uow, proposal, rfq=create is Create.RFQ, now=now())
            uow.commit()
    if as_json:
        typer.echo(json.dumps({**proposal.as_dict(), "created": made}, indent=2))
        return
    summary = proposal.summary
    gap = summary["gap"]
    console.print(
        f"plan {proposal.run_id}: {len(proposal.lines)} pooled purchases, cost "
        f"{money_cell(summary['cost'])} (greedy {money_cell(summary['greedy_cost'])}, saving "
        f"{money_cell(summary['saving'])} = {plain(summary['saving_pct'])} %), lower bound "
        f"{money_cell(summary['lower_bound']) if summary['lower_bound'] is not None else 'none'}, "
        f"gap {f'{float(gap) * 100:.2f} %' if gap is not None else 'unknown'}, "  # type: ignore[arg-type]
        f"{summary['status']} in {summary['time']} s",
        markup=False,
        soft_wrap=True,
    )
    _prices_and_left_out(proposal)
    columns = (("supplier", "Supplier"), ("item", "Item"), ("quantity", "Qty"),
               ("due_date", "Week of"), ("unit_price", "Price"), ("currency", "Cur"),
               ("break_quantity", "Break from"), ("planned", "Planned orders"))  # fmt: skip
    rows = [{**plain(vars(line)), "planned": ", ".join(map(str, line.planned))}
            for line in proposal.lines]  # fmt: skip
    console.print(
        table(columns, rows, numeric=("quantity", "break_quantity"), money=("unit_price",))
    )
    saved = {order: amount for order, amount in proposal.savings_by_order.items() if amount}
    if saved:
        console.print("Pooling saved, per pegged order: " + ", ".join(
            f"{order} {money_cell(amount)}" for order, amount in list(saved.items())[:20]
        ) + (" ..." if len(saved) > 20 else ""), markup=False, soft_wrap=True)  # fmt: skip
    if made:
        console.print(f"Created {create}s: {', '.join(made)}", markup=False, soft_wrap=True)


def _prices_and_left_out(proposal: sourcing.SourcingProposal) -> None:
    """The objective's prices used, and the planned purchases left out as released already."""
    prices = proposal.prices
    console.print(
        f"prices: carbon {money_cell(prices['carbon_price'])} per kg CO2e, lateness "
        f"{money_cell(prices['late_per_unit_week'])} and early holding "
        f"{money_cell(prices['early_per_unit_week'])} per unit and week",
        markup=False,
        soft_wrap=True,
    )
    if proposal.left_out:
        shown = ", ".join(f"{n} into {ref}" for n, ref in list(proposal.left_out.items())[:10])
        more = " ..." if len(proposal.left_out) > 10 else ""
        console.print(
            f"left out {len(proposal.left_out)} planned purchase"
            f"{'' if len(proposal.left_out) == 1 else 's'} released already: {shown}{more}",
            markup=False,
            soft_wrap=True,
        )
