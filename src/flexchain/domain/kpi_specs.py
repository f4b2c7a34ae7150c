"""The KPIs' labels, units, formulas in plain words, default targets and which way each
target points (:mod:`flexchain.domain.kpis` computes them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from flexchain.domain.errors import ValidationError

__all__ = ["DEFAULT_TARGETS", "SPECS", "KpiSpec", "meets", "targets_of"]

Direction = Literal["at least", "at most", "within"]


@dataclass(frozen=True)
class KpiSpec:
    """A KPI's label, unit, which way its target points (``within``: the absolute value at
    most the target) and formula in plain words."""

    label: str
    unit: str
    direction: Direction
    formula: str


SPECS: Final[Mapping[str, KpiSpec]] = {
    "perfect_order_rate": KpiSpec("Perfect order rate", "%", "at least",
        "orders promised in the period (up to today; OTIF's orders) that shipped whole on or "
        "before the promise date and have no issue reported (damaged, wrong customisation, "
        "incomplete or other), over the orders promised in the period"),
    "otif": KpiSpec("On time in full (OTIF)", "%", "at least",
        "orders promised in the period that shipped whole on or before the promise date, "
        "over the orders promised in the period (up to today)"),
    "order_lead_time": KpiSpec("Order-to-delivery lead time", "days", "at most",
        "mean days from order placed to delivered (to shipped when no delivery was recorded), "
        "of the orders that reached the customer in the period"),
    "custom_fulfilment": KpiSpec("Custom-demand fulfilment", "%", "at least",
        "OTIF of the orders with customised lines"),
    "design_to_production": KpiSpec("Design-to-production time", "days", "at most",
        "mean days from a new product entering the catalogue to its first production job "
        "starting, of the new products whose first job started in the period (new: entered "
        "the catalogue before its first job; a catalogue imported once production had begun "
        "says nothing of design)"),
    "inventory_turns": KpiSpec("Inventory turns", "/year", "at least",
        "cost of what left stock (to customers and production) in the last 13 weeks, "
        "x 52/13, over the stock's value at standard cost"),
    "days_of_cover": KpiSpec("Days of cover", "days", "at most",
        "the stock's value at standard cost over the cost of a day's outflow (last 13 weeks)"),
    "inventory_health": KpiSpec("Inventory health index", "/100", "at least",
        "100 - 25 x (slow-moving share + aged share + volatile share + overstock share) of "
        "the stock's value: slow = nothing left in 13 weeks; aged = beyond what arrived in "
        "90 days; volatile = weekly outflow's coefficient of variation above 1; overstock = "
        "covers more than 13 weeks at the last 4 weeks' rate (the demand trend)"),
    "forecast_accuracy": KpiSpec("Forecast accuracy", "%", "at least",
        "100 x (1 - WAPE): WAPE = sum |actual - forecast| / sum actual over every stored "
        "forecast of the period's weeks (each earlier run's, per item and location)"),
    "forecast_bias": KpiSpec("Forecast bias", "%", "within",
        "100 x sum (forecast - actual) / sum actual over the same forecasts; positive: "
        "over-forecasting"),
    "gross_margin_per_order": KpiSpec("Small-batch gross margin per order", "EUR", "at least",
        "(revenue after discounts, without tax and shipping - standard cost of the lines) "
        "over the orders shipped in the period, per order"),
    "cash_conversion_days": KpiSpec("Cash conversion days", "days", "at most",
        "days of cover + days sales outstanding (0: paid at checkout) - days payable "
        "outstanding (mean days from invoice date to payment of supplier invoices paid)"),
    "supplier_agility": KpiSpec("Supplier agility", "h", "at most",
        "hours from a request to the first piece delivered, the suppliers' scorecards "
        "together (each supplier's mean weighted by its first pieces)"),
    "supplier_on_time": KpiSpec("Supplier on-time rate", "%", "at least",
        "PO lines on time in full over PO lines due, the suppliers' scorecards together "
        "(each supplier's rate weighted by its lines)"),
}  # fmt: skip
"""Every KPI by key, in the Overview's order."""

DEFAULT_TARGETS: Final[Mapping[str, Decimal]] = {
    "perfect_order_rate": Decimal(90),
    "otif": Decimal(95),
    "order_lead_time": Decimal(14),
    "custom_fulfilment": Decimal(90),
    "design_to_production": Decimal(60),
    "inventory_turns": Decimal(6),
    "days_of_cover": Decimal(60),
    "inventory_health": Decimal(70),
    "forecast_accuracy": Decimal(70),
    "forecast_bias": Decimal(10),
    "cash_conversion_days": Decimal(45),
    "supplier_agility": Decimal(72),
    "supplier_on_time": Decimal(85),
}
"""Targets by KPI key (settings ``kpi_targets`` override them); small-batch gross margin has
none until one is set."""


def targets_of(overrides: Mapping[str, object] | None) -> dict[str, Decimal]:
    """:data:`DEFAULT_TARGETS` with ``overrides``; an unknown key or a value that is not a
    number is refused, naming it."""
    targets = dict(DEFAULT_TARGETS)
    for key, raw in (overrides or {}).items():
        if key not in SPECS:
            raise ValidationError("kpi_targets", f"unknown KPI {key!r}; one of {', '.join(SPECS)}")
        try:
            value = Decimal(str(raw))
        except ArithmeticError:
            raise ValidationError("kpi_targets", f"{key}: {raw!r} is not a number") from None
        if not value.is_finite():
            raise ValidationError("kpi_targets", f"{key}: {raw!r} is not a number")
        targets[key] = value
    return targets


def meets(key: str, value: Decimal | None, target: Decimal | None) -> bool | None:
    """Whether ``value`` meets ``target`` the way :data:`SPECS` says (None: either missing)."""
    if value is None or target is None:
        return None
    direction = SPECS[key].direction
    if direction == "at least":
        return value >= target
    if direction == "at most":
        return value <= target
    return abs(value) <= target
