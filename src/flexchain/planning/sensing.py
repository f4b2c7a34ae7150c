"""Demand sensing for the planning run: first batches, option alerts and safety multipliers from
a frame of presale signals (the numbers are :mod:`flexchain.planning.presale`'s).

:func:`sense` is pure: the two lookups it may need beyond the signals (which items already have
demand history, the BOM) are callables, so a database store, a test or a notebook supplies them
and the BOM is read only when an option alert needs it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
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
    "MIN_OWN_WEEKS",
    "OPTION_MATERIALS_SCHEMA",
    "SIGNALS_SCHEMA",
    "WINDOW_DAYS",
    "Sensing",
    "Signal",
    "module_weekly",
    "option_safety_stock",
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
OPTION_MATERIALS_SCHEMA: dict[str, pl.DataType] = {
    "module": pl.String(),
    "option": pl.String(),
    "material": pl.String(),
    "quantity": pl.Float64(),
}
"""What a module unit made with an option takes: its module's components (one level) and the
option's own (``option-materials``), per unit, scrap included; one row per material."""
MIN_OWN_WEEKS = 8
"""Weeks with demand of its own (imported history or sales) before a presale item's forecast
replaces its first batch."""


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
    option_materials: pl.DataFrame = pl.DataFrame(schema=OPTION_MATERIALS_SCHEMA)
    """:data:`OPTION_MATERIALS_SCHEMA` rows of the alerted options (read only when alerted)."""

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
    option_materials: Callable[[], pl.DataFrame] | None = None,
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
    needs = pl.DataFrame(schema=OPTION_MATERIALS_SCHEMA)
    if option_materials is not None and not alerts.is_empty():
        needs = option_materials().join(
            alerts.select("module", "option"), on=["module", "option"], how="semi"
        )
    return Sensing(
        batches,
        alerts,
        dict(
            zip(multipliers["material"].to_list(), multipliers["multiplier"].to_list(), strict=True)
        ),
        needs,
    )


def module_weekly(
    bom: Iterable[tuple[int, int, Decimal, Decimal]],
    weekly_means: Mapping[int, float],
    skus: Mapping[int, str],
) -> dict[str, float]:
    """Units of each module a week the forecasts of its parents imply: the sum over the BOM
    lines ``(parent, child, quantity, scrap)`` of the parent's forecast mean x quantity."""
    units: dict[str, float] = {}
    for parent, child, quantity, _scrap in bom:
        mean = weekly_means.get(parent, 0.0)
        if mean > 0 and child in skus:
            units[skus[child]] = units.get(skus[child], 0.0) + mean * float(quantity)
    return units


def option_safety_stock(
    sensed: Sensing,
    module_units: Mapping[str, float],
    lead_weeks: Mapping[str, float],
    *,
    window_days: int = WINDOW_DAYS,
    conversion: ConversionRates | None = None,
) -> dict[str, Decimal]:
    """Extra safety stock per material behind each alerted option (docs/planning.md).

    With ``s`` the option's window share and ``b`` its baseline share, the module's weekly units
    ``u`` (``module_units``: its parents' forecasts; without any, the module's add-to-carts in
    the window per week x the add-to-cart conversion rate), a material's quantity ``q`` per
    module unit and its lead time ``L`` in weeks (at least 1), the option's shift adds
    ``(s - b) x u`` module units a week carrying the option, so the material's safety stock
    grows by ``ceil((s - b) x u x q x L)``: more than zero for every material with ``q > 0``
    (an alert needs ``s > b`` and add-to-carts in the window). A material behind several alerts
    takes the largest amount.
    """
    rate = (conversion or ConversionRates()).add_to_cart
    needs: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for module, option, material, quantity in sensed.option_materials.iter_rows():
        needs.setdefault((module, option), []).append((material, quantity))
    extra: dict[str, Decimal] = {}
    for row in sensed.alerts.iter_rows(named=True):
        module = str(row["module"])
        units = module_units.get(module, 0.0)
        if units <= 0:
            units = float(row["window_total"]) / (window_days / 7) * rate
        shift = (float(row["window_share"]) - float(row["baseline_share"])) * units
        for material, quantity in needs.get((module, str(row["option"])), ()):
            weeks = max(lead_weeks.get(material, 1.0), 1.0)
            amount = Decimal(math.ceil(shift * quantity * weeks - 1e-9))
            if amount > extra.get(material, Decimal(0)):
                extra[material] = amount
    return extra
