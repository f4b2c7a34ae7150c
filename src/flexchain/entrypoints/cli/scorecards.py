"""``flexchain suppliers scorecard``: scorecards from events, per supplier and period, with
history (``--history N``), each figure explained (docs/suppliers.md)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

from flexchain.domain.scorecards import parse_period
from flexchain.entrypoints.cli.context import fail, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import (
    console,
    money_cell,
    money_text,
    plain,
    print_json_array,
    table,
)
from flexchain.entrypoints.cli.suppliers import suppliers_app
from flexchain.services import scorecards

__all__ = ["suppliers_app"]


def current_period(today: date) -> str:
    return f"{today.year}-{today.month:02d}"


def parse_weights(pairs: list[str] | None) -> dict[str, str]:
    """``otif=30`` pairs as a mapping (the service checks keys and numbers)."""
    found: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise fail(f"--weight '{pair}': give a figure and a weight, e.g. otif=30")
        found[key.strip()] = value.strip()
    return found


FIGURE_COLUMNS = (
    ("label", "Figure"),
    ("value", "Value"),
    ("score", "Score"),
    ("weight", "Weight"),
    ("target", "Target"),
    ("detail", "Events"),
)
SUMMARY_COLUMNS = (
    ("supplier", "Supplier"),
    ("name", "Name"),
    ("total", "Total"),
    ("spend", "Spend"),
    ("otif", "OTIF %"),
    ("first_pass_yield", "FPY %"),
    ("scored", "Figures"),
)


def _shown(value: Decimal | None, unit: str, scored: bool) -> str:
    if value is None:
        return "-" if scored else "no data"
    return money_cell(value) if unit == "money" else f"{plain(value)} {unit}".rstrip()


def _summary(card: scorecards.ScorecardView) -> dict[str, Any]:
    row: dict[str, Any] = {
        "supplier": card.supplier,
        "name": card.name,
        "total": card.total,
        "spend": money_text(card.spend, card.currency),
        "scored": f"{sum(1 for f in card.figures if f.score is not None)}/{len(card.figures)}",
    }
    for key in ("otif", "first_pass_yield"):
        row[key] = card.figure(key).value
    return row


def _print_one(card: scorecards.ScorecardView) -> None:
    total = "no total" if card.total is None else f"total {plain(card.total)} / 100"
    console.print(
        f"{card.supplier} ({card.name}), {card.period}: {total}; spend "
        f"{money_text(card.spend, card.currency)}",
        markup=False,
        soft_wrap=True,
    )
    rows = [
        {**asdict(f), "value": _shown(f.value, f.unit, f.score is not None)} for f in card.figures
    ]
    console.print(
        table(FIGURE_COLUMNS, rows, numeric=("value", "score", "weight"), flexible="detail")
    )
    console.print(card.explanation, markup=False, soft_wrap=True)
    for note in card.notes:
        console.print(f"Note: {note}", markup=False, soft_wrap=True)


def _print_history(cards: list[scorecards.ScorecardView]) -> None:
    periods = list(dict.fromkeys(card.period for card in cards))
    for supplier in dict.fromkeys(card.supplier for card in cards):
        mine = {card.period: card for card in cards if card.supplier == supplier}
        first = mine[periods[0]]
        console.print(f"{supplier} ({first.name}): scores per period", markup=False)
        columns = (("label", "Figure"), *((p, p) for p in periods))
        rows: list[dict[str, Any]] = [
            {"label": "Total", **{p: mine[p].total for p in periods}},
            {"label": "Spend", **{p: money_cell(mine[p].spend) for p in periods}},
        ]
        for index, figure in enumerate(first.figures):
            rows.append(
                {"label": figure.label, **{p: mine[p].figures[index].score for p in periods}}
            )
        console.print(table(columns, rows, numeric=periods))


@suppliers_app.command("scorecard")
def suppliers_scorecard(
    ctx: typer.Context,
    supplier: Annotated[
        str | None, typer.Option("--supplier", help="One supplier's code (default: all).")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="A month (2026-11) or a quarter (2026-Q4); default: now."),
    ] = None,
    history: Annotated[
        int,
        typer.Option("--history", min=1, max=60, help="Show this many periods ending with it."),
    ] = 1,
    weight: Annotated[
        list[str] | None,
        typer.Option("--weight", help="Override a figure's weight, e.g. otif=30 (repeatable)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
    ] = False,
) -> None:
    """Supplier scorecards from events: every figure, its score, weight and formula, and the
    weighted total (figures without data left out, weights renormalised)."""
    today = datetime.now(UTC).date()
    label = period or current_period(today)
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        options = scorecards.options_from(app.settings)
        options["weights"] = {**options["weights"], **parse_weights(weight)}
        until = min(today, parse_period(label).end)
        if history > 1:
            cards = scorecards.scorecard_history(
                uow, supplier=supplier, periods=history, until_period=label, today=until, **options
            )
        else:
            cards = scorecards.scorecards(
                uow, period=label, supplier=supplier, today=until, **options
            )
    if as_json:
        print_json_array([card.as_dict() for card in cards])
    elif not cards:
        console.print("No suppliers.", markup=False)
    elif history > 1:
        _print_history(cards)
    elif len(cards) == 1:
        _print_one(cards[0])
    else:
        numeric = ("total", "spend", "otif", "first_pass_yield")
        console.print(f"Supplier scorecards, {cards[0].period}", markup=False)
        console.print(
            table(SUMMARY_COLUMNS, [_summary(c) for c in cards], numeric=numeric, flexible="name")
        )
        console.print(
            "One supplier's figures and formulas: --supplier CODE. Weights: "
            + ", ".join(f"{k} {plain(Decimal(v))}" for k, v in _weights(cards).items()),
            markup=False,
            soft_wrap=True,
        )


def _weights(cards: list[scorecards.ScorecardView]) -> dict[str, Decimal]:
    return {figure.key: figure.weight for figure in cards[0].figures}
