"""Demand sensing for the planning run: first batches, option alerts and safety multipliers from
a frame of presale signals (the numbers are :mod:`flexchain.planning.presale`'s).

:func:`sense` is pure: the two lookups it may need beyond the signals (which items already have
demand history, the BOM) are callables, so a database store, a test or a notebook supplies them
and the BOM is read only when an option alert needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

import polars as pl

from flexchain.planning.presale import (
    ConversionRates,
    first_batch,
    option_alerts,
    option_shares,
    safety_multipliers,
)

__all__ = [
    "BASELINE_DAYS",
    "BOM_SCHEMA",
    "MIN_ALERT_CARTS",
    "SIGNALS_SCHEMA",
    "WINDOW_DAYS",
    "Sensing",
    "Signal",
    "sense",
]

WINDOW_DAYS = 14
"""Days of add-to-carts an option's current share is measured over."""
BASELINE_DAYS = 56
"""Days before the window its baseline share is measured over."""
MIN_ALERT_CARTS = 10
"""Add-to-carts of an option in the window below which its share is too noisy to alert on."""

SIGNALS_SCHEMA: dict[str, pl.DataType] = {
    "item": pl.String(),
    "module": pl.String(),
    "option": pl.String(),
    "kind": pl.String(),
    "quantity": pl.Float64(),
    "occurred_at": pl.Datetime("us", "UTC"),
}
"""The signals frame :func:`sense` reads (one row per recorded signal)."""
BOM_SCHEMA: dict[str, pl.DataType] = {"parent": pl.String(), "child": pl.String()}
"""The BOM frame :func:`sense` reads: one row per BOM line, parent and child SKU."""


@dataclass(frozen=True)
class Signal:
    """One recorded presale or demand-sensing signal."""

    sku: str
    module_sku: str | None
    option_code: str | None
    kind: str
    quantity: Decimal
    amount: Decimal | None
    currency: str
    occurred_at: datetime
    source: str


class Sensing(NamedTuple):
    """What the planning run takes from presale and demand sensing."""

    first_batches: pl.DataFrame
    """:func:`~flexchain.planning.presale.first_batch` of the items without demand history:
    ``item`` (SKU), ``committed``, ``leads``, ``expected``, ``low``, ``high``."""
    alerts: pl.DataFrame
    """:func:`~flexchain.planning.presale.option_alerts`: ``module``, ``option``, shares, ratio."""
    multipliers: dict[str, float]
    """Material SKU -> safety-stock multiplier (> 1) for the materials behind alerted options."""

    @classmethod
    def empty(cls) -> Sensing:
        """No signals at all: what :func:`sense` gives for an empty signals frame."""
        return sense(
            pl.DataFrame(schema=SIGNALS_SCHEMA),
            now=datetime(2000, 1, 1, tzinfo=UTC),
            items_with_history=lambda skus: [],
            bom=lambda: pl.DataFrame(schema=BOM_SCHEMA),
        )


def sense(
    signals: pl.DataFrame,
    *,
    now: datetime,
    items_with_history: Callable[[list[str]], list[str]],
    bom: Callable[[], pl.DataFrame],
    conversion: ConversionRates | None = None,
    window_days: int = WINDOW_DAYS,
    baseline_days: int = BASELINE_DAYS,
    threshold_share: float = 0.15,
    jump: float = 2.0,
    min_count: float = MIN_ALERT_CARTS,
) -> Sensing:
    """First batches, option alerts and safety multipliers from ``signals`` (up to ``now``).

    First batches are sized for the items with signals that ``items_with_history`` (given the
    SKUs with signals) does not return: those without demand history or sales order lines.
    Alerts compare each option's share of its module's add-to-carts in the last ``window_days``
    with the ``baseline_days`` before (rule in :mod:`flexchain.planning.presale`); ``bom`` is
    called only when there is an alert.
    """
    history = items_with_history(signals["item"].unique().to_list())
    new_items = signals.filter(~pl.col("item").is_in(history))
    batches = first_batch(new_items, conversion)
    shares = option_shares(signals, window_days=window_days, baseline_days=baseline_days, now=now)
    alerts = option_alerts(shares, threshold_share=threshold_share, jump=jump, min_count=min_count)
    lines = bom() if not alerts.is_empty() else pl.DataFrame(schema=BOM_SCHEMA)
    multipliers = safety_multipliers(alerts, lines)
    return Sensing(
        batches,
        alerts,
        dict(
            zip(multipliers["material"].to_list(), multipliers["multiplier"].to_list(), strict=True)
        ),
    )
