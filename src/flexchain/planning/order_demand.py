"""What confirmed orders add to the plan's demand (docs/planning.md, *Orders as demand*).

Pure functions over plain values; :mod:`flexchain.adapters.db.demand` reads their inputs.

**Custom jobs.** A made-to-order line is split at intake into production jobs (its custom
modules, and its standard modules short in stock); the line itself is not backordered, so MRP
would see each job only as a receipt nobody asked for (a false ``excess``) and would never plan
what the job consumes. :func:`job_demand` gives each open job of such a line

- a firm demand for the job's own item, in the period the job finishes, pegged to the order
  (``order:NUMBER``): what the line takes of it (its quantity x the item's quantity per unit,
  less what was picked from stock); the job's receipt serves that demand, and what a shortage
  job makes beyond it (rounded up to the module's minimum) is stock for everything else;
- until the job is released (its materials are then issued to the supplier's site), a firm
  demand, in the period it starts, for each component of its item (one BOM level) and each
  component of the option chosen for it (the option's own BOM, ``option-materials``):
  ``job quantity x quantity per unit / (1 - scrap %)``, rounded up to the thousandth, pegged
  to the order. Components of options not chosen are not needed.

**Sales into history.** :func:`history_with_sales` adds sales-order lines (by order date, per item
and location: the shop's warehouse) to imported weekly history without counting any week twice:
for each item, imported history is trusted up to its last imported week (at any location);
orders count only in the weeks after it (every week for an item never imported).

**Forecast consumption.** :func:`consume_forecast`: the units ordered in the current week (by
order date) consume the forecast of the current week first, and what is left over consumes the
next :data:`CONSUMPTION_WEEKS` - 1 weeks' forecast in turn; a forecast never goes below zero.
Orders placed before the current week are history, not consumption.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

__all__ = [
    "CONSUMPTION_WEEKS",
    "SALES_SCHEMA",
    "Component",
    "OpenJob",
    "SiteFirm",
    "consume_forecast",
    "history_with_sales",
    "job_demand",
]

CONSUMPTION_WEEKS = 2
"""Weeks of forecast (the current one and the next) that this week's orders may consume."""
_MILLI = Decimal("0.001")
SALES_SCHEMA: dict[str, pl.DataType] = {
    "item": pl.Int64(),
    "location": pl.Int64(),
    "date": pl.Date(),
    "quantity": pl.Float64(),
}
"""The sales frame :func:`history_with_sales` reads: units ordered per item, location, week."""

Firm = tuple[int, int, Decimal, str]
"""(item id, period, quantity, source): a row of the snapshot's firm demand."""
SiteFirm = tuple[int, int, Decimal, str, int | None]
"""A :data:`Firm` row with where it is needed: a job's materials at its supplier's site
(a location id), its own item at the home location (``None``)."""


@dataclass(frozen=True)
class Component:
    """A component of a module or of an option: ``quantity`` per unit, ``scrap_pct`` lost."""

    item: int
    quantity: Decimal
    scrap_pct: Decimal = Decimal(0)

    def need(self, units: Decimal) -> Decimal:
        """What ``units`` of the parent take, scrap included, rounded up to the thousandth."""
        gross = units * self.quantity * 100 / (100 - self.scrap_pct)
        return (gross / _MILLI).to_integral_value(rounding="ROUND_CEILING") * _MILLI


@dataclass(frozen=True)
class OpenJob:
    """An open production job of a made-to-order order line."""

    item: int
    order: str
    """The order's number (the demand is pegged ``order:NUMBER``)."""
    quantity: Decimal
    start: date | None
    finish: date | None
    started: bool
    """Its materials are issued: they are no longer demand."""
    option: int | None = None
    """The id of the option chosen for it (custom jobs), if any."""
    site: int | None = None
    """The location id of its supplier's site, where its materials are issued (``None``: none
    yet, they are needed at the home location)."""
    serves: Decimal | None = None
    """What of its output the order line takes (a shortage job rounded up to the module's
    minimum makes more; the rest goes to stock); ``None``: all of it."""


def job_demand(
    jobs: Iterable[OpenJob],
    bom: Mapping[int, Sequence[Component]],
    option_bom: Mapping[int, Sequence[Component]],
    period_of: Callable[[date | None], int],
) -> list[SiteFirm]:
    """The firm demand the open jobs of made-to-order lines add (module docstring): each job's
    item at the home location, its materials at its supplier's site."""
    demand: list[SiteFirm] = []
    for job in jobs:
        source = f"order:{job.order}"
        serves = job.quantity if job.serves is None else min(job.quantity, job.serves)
        if serves > 0:
            demand.append((job.item, max(period_of(job.finish), 0), serves, source, None))
        if job.started:
            continue
        start = max(period_of(job.start), 0)
        parts = [*bom.get(job.item, ()), *(option_bom.get(job.option, ()) if job.option else ())]
        for part in parts:
            if (need := part.need(job.quantity)) > 0:
                demand.append((part.item, start, need, source, job.site))
    return demand


def history_with_sales(imported: pl.DataFrame, sales: pl.DataFrame) -> pl.DataFrame:
    """``imported`` weekly history plus the ``sales`` of the weeks it does not cover.

    Both frames have ``item``, ``location``, ``date`` (the Monday of the week) and ``quantity``
    (float); the result has the columns of ``imported`` (``location`` only if it has one). For
    each item, sales count only in weeks after its last imported week.
    """
    columns = imported.columns if imported.width else ["item", "date", "quantity"]
    if sales.is_empty():
        return imported
    # coverage is per item, whatever the location: a sale at a shop without a warehouse (or
    # an import at another location) can never count a week twice
    last = imported.group_by("item").agg(pl.col("date").max().alias("covered"))
    weekly = sales.group_by(["item", "location", "date"]).agg(pl.col("quantity").sum())
    if not imported.is_empty():
        weekly = weekly.join(last, on="item", how="left").filter(
            pl.col("covered").is_null() | (pl.col("date") > pl.col("covered"))
        )
    added = weekly.select(columns).cast(imported.schema if imported.width else {})
    return pl.concat([imported, added]) if imported.width else added


def consume_forecast(
    weekly: Sequence[Decimal], ordered: Decimal, weeks: int = CONSUMPTION_WEEKS
) -> list[Decimal]:
    """``weekly`` forecast less ``ordered`` units ordered in the current week (period 0),
    consumed from period 0 onwards over at most ``weeks`` periods, never below zero.

    >>> consume_forecast([Decimal(5), Decimal(5), Decimal(5)], Decimal(7))
    [Decimal('0'), Decimal('3'), Decimal('5')]
    """
    left = list(weekly)
    for period in range(min(weeks, len(left))):
        if ordered <= 0:
            break
        taken = min(left[period], ordered)
        left[period] -= taken
        ordered -= taken
    return left
