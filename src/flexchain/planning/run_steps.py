"""The steps of the planning run (:mod:`flexchain.planning.run`), each a pure function of the
snapshot and what the steps before it made: classify -> forecast -> policy -> MRP (with presale
and demand sensing)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from flexchain.domain.bom import BomLine
from flexchain.planning.demand import classify, weekly_buckets
from flexchain.planning.dynamic import DEFAULT_MATRIX, PolicyMatrix, dynamic_policy
from flexchain.planning.dynamic_inputs import price_breaks_column
from flexchain.planning.mrp import Demand, MrpException, MrpItem, MrpResult, Receipt, mrp
from flexchain.planning.order_demand import consume_forecast
from flexchain.planning.sensing import Sensing, module_weekly, option_safety_stock

if TYPE_CHECKING:
    from flexchain.planning.run import Snapshot

Key = tuple[int, str]
"""A buffer of the run: (item id, location; ``""`` the home location)."""

__all__ = [
    "HOLDING_RATE",
    "ORDER_COST",
    "Classified",
    "ItemForecast",
    "ItemPolicy",
    "Key",
    "Located",
    "PlanParameters",
    "classify_items",
    "item_inputs",
    "mrp_of_items",
    "policy_of_buffers",
    "policy_of_items",
    "sensed_mrp",
]

ORDER_COST = 25.0
"""Cost of placing one order (or releasing one job), in the items' currency: the EOQ's K."""
HOLDING_RATE = 0.25
"""Yearly holding cost as a share of the unit cost: the EOQ's h = rate x cost / 52 per week."""


class PlanSettings(Protocol):
    """The ``FLEXCHAIN_PLAN_*`` settings (:class:`flexchain.config.Settings` has them)."""

    @property
    def plan_abc_cutoffs(self) -> tuple[float, float]: ...
    @property
    def plan_policy_matrix(self) -> Mapping[str, Any]: ...
    @property
    def plan_order_cost(self) -> float: ...
    @property
    def plan_holding_rate(self) -> float: ...
    @property
    def plan_service_target(self) -> str: ...
    @property
    def plan_forecast_errors(self) -> int: ...
    @property
    def plan_fill_scope(self) -> str: ...
    @property
    def plan_unmet_demand(self) -> str: ...
    @property
    def plan_model_choice(self) -> str: ...


@dataclass(frozen=True)
class PlanParameters:
    """What a planner tunes (``FLEXCHAIN_PLAN_*`` settings): ABC cut-offs on cumulative value,
    the ABC-XYZ matrix of service levels and review weeks, ordering cost and holding rate."""

    abc_cutoffs: tuple[float, float] = (0.8, 0.95)
    matrix: PolicyMatrix = DEFAULT_MATRIX
    order_cost: float = ORDER_COST
    holding_rate: float = HOLDING_RATE
    backtest: bool = False
    """Backtest every series (3 rolling origins) and keep a better model where it pays."""
    target: str = "fill"
    """What the matrix's service levels mean: ``fill`` (fill rate) or ``cycle`` (cycle service
    level) — :func:`flexchain.planning.replenishment.decide`'s ``target``."""
    errors: int = 24
    """How many realised forecast errors (the latest) size safety stock (``decide``'s
    ``errors``)."""
    fill_scope: str = "group"
    """Whose fill rate a cell's service level is (``decide``'s ``fill_scope``)."""
    unmet_demand: str = "backordered"
    """Whether demand not served from stock waits or is lost (``decide``'s ``unmet_demand``)."""
    model_choice: str = "accuracy"
    """The pattern's model or the long-run mean by accuracy, or the pattern's (``decide``'s
    ``model_choice``)."""

    @classmethod
    def from_settings(cls, settings: PlanSettings) -> PlanParameters:
        return cls(
            abc_cutoffs=settings.plan_abc_cutoffs,
            matrix=PolicyMatrix.from_mapping(settings.plan_policy_matrix, base=DEFAULT_MATRIX),
            order_cost=settings.plan_order_cost,
            holding_rate=settings.plan_holding_rate,
            target=settings.plan_service_target,
            errors=settings.plan_forecast_errors,
            fill_scope=settings.plan_fill_scope,
            unmet_demand=settings.plan_unmet_demand,
            model_choice=settings.plan_model_choice,
        )


@dataclass(frozen=True)
class ItemForecast:
    """One item's forecast: weekly means over the horizon, their spread, how it was made."""

    weekly: list[Decimal]
    sigma: Decimal
    model: str
    pattern: str
    abc: str
    xyz: str
    accuracy: dict[str, str] = field(default_factory=dict)
    """With backtests: the kept model's ``mase``, ``wape`` and ``bias`` and the default model."""
    level: dict[str, Any] = field(default_factory=dict)
    """The buffer's :func:`flexchain.planning.replenishment.decide` level (protection demand,
    safety stock, order-up-to level and the numbers behind them); empty: none was decided."""
    anomalies: tuple[str, ...] = ()
    """What was capped in its forecast (``forecast_anomaly``)."""
    spec: tuple[str, date] | None = None
    """AutoETS: the structure fitted and when it was searched for (``model_specs``)."""
    multiplier: float | None = None
    """What its decision divided the units a cycle may be short by, as measured
    (:data:`flexchain.planning.safety_factors.PAST_M`); stored for the next runs."""

    @property
    def mean(self) -> Decimal:
        return sum(self.weekly, Decimal(0)) / len(self.weekly) if self.weekly else Decimal(0)


@dataclass(frozen=True)
class ItemPolicy:
    safety_stock: Decimal
    reorder_point: Decimal
    order_quantity: Decimal
    days_of_cover: Decimal | None
    row: dict[str, Any]
    """Every input and intermediate number (``dynamic_policy``'s row), for ``plan explain``."""


@dataclass(frozen=True)
class Located:
    """The forecasts and policies of the buffers away from the home location, by (item id,
    location code)."""

    forecasts: dict[Key, ItemForecast] = field(default_factory=dict)
    policies: dict[Key, ItemPolicy] = field(default_factory=dict)


@dataclass(frozen=True)
class Classified:
    """The classify step's output: the weekly panel and each series' ABC, XYZ and pattern."""

    panel: pl.DataFrame
    classes: pl.DataFrame


def classify_items(snap: Snapshot, params: PlanParameters) -> Classified | None:
    """Weekly buckets of every item with history, classified (ABC, XYZ, Syntetos-Boylan by
    :func:`flexchain.planning.demand.classify`), one series per item and buffer location
    (:attr:`Snapshot.locations`: ``""`` at home, a stocking location's code elsewhere; history
    at any other location, or without one, is the home location's). None without history."""
    if snap.history.is_empty():
        return None
    history = snap.history.with_columns(_buffer_location(snap))
    # the panel starts at the first week anything sold, not HISTORY_WEEKS back: a young
    # catalog is not a run of zeros (an item newer than the others still is, for now)
    start = history["date"].min()
    assert isinstance(start, date)
    panel = weekly_buckets(history, start=start, end=snap.period_start - timedelta(days=1))
    unit_values = {item_id: item.unit_value for item_id, item in snap.items.items()}
    values = pl.DataFrame({"item": list(unit_values), "unit_value": list(unit_values.values())})
    known = values.filter(pl.col("item").is_in(panel["item"].unique().implode()))
    return Classified(panel, classify(panel, known, abc_cutoffs=params.abc_cutoffs))


def _buffer_location(snap: Snapshot) -> pl.Expr:
    """The history's ``location`` ids as buffer locations (``""``: home)."""
    if "location" not in snap.history.columns or not snap.locations:
        return pl.lit("").alias("location")
    return (
        pl.col("location")
        .replace_strict(snap.locations, default="", return_dtype=pl.String)
        .alias("location")
    )


def _whole(value: float | None) -> Decimal:
    """A policy quantity in whole units, rounded up (never below zero)."""
    return Decimal(math.ceil(max(float(value or 0), 0.0)))


def policy_of_items(
    snap: Snapshot, forecasts: dict[int, ItemForecast], params: PlanParameters
) -> dict[int, ItemPolicy]:
    """:func:`policy_of_buffers` of the home location's forecasts, by item."""
    keyed = {(item, ""): forecast for item, forecast in forecasts.items()}
    return {item: policy for (item, _), policy in policy_of_buffers(snap, keyed, params).items()}


def policy_of_buffers(
    snap: Snapshot, forecasts: Mapping[Key, ItemForecast], params: PlanParameters
) -> dict[Key, ItemPolicy]:
    """Per forecast buffer (item and location), :func:`flexchain.planning.dynamic.dynamic_policy`
    (docs/policy.md):
    service level and review period from the ABC-XYZ matrix, safety stock with lead-time
    variability, reorder point, EOQ adjusted for uncertainty and the supplier's agility (tier),
    the all-units price break of least cost (the chosen supplier term's breaks; the unit cost
    below the first break is the item's unit value), rounded to MOQ and multiple, days of
    cover."""
    keys = [key for key in forecasts if key[0] in snap.items]
    if not keys:
        return {}
    ids = [item_id for item_id, _ in keys]
    cost = {i: snap.items[i].unit_value for i in ids}
    frame = pl.DataFrame(
        {
            "item": ids,
            "location": [location or snap.home or "ALL" for _, location in keys],
            "buffer": [location for _, location in keys],
            "abc": [forecasts[k].abc for k in keys],
            "xyz": [forecasts[k].xyz for k in keys],
            "demand_mean": [float(forecasts[k].mean) for k in keys],
            "demand_sd": [float(forecasts[k].sigma) for k in keys],
            "lead_time_mean": [snap.lead_days[i] / 7 for i in ids],
            "lead_time_sd": [float(snap.lead_sd_days.get(i, 0)) / 7 for i in ids],
            "fixed_cost": [params.order_cost] * len(ids),
            "holding_cost": [max(cost[i] * params.holding_rate / 52, 1e-6) for i in ids],
            "agility": [snap.tier.get(i) for i in ids],
            "moq": [float(snap.lot[i][0]) for i in ids],
            "multiple": [float(snap.lot[i][1]) for i in ids],
            "unit_cost": [cost[i] for i in ids],
            "price_breaks": price_breaks_column([snap.price_breaks.get(i, ()) for i in ids]),
        },
        schema_overrides={"agility": pl.String},
    )
    result = {}
    policies = dynamic_policy(frame.drop("buffer"), matrix=params.matrix)
    for buffer, row in zip(frame["buffer"], policies.iter_rows(named=True), strict=True):
        forecast = forecasts[(int(row["item"]), buffer)]
        if forecast.level:
            row = decided_row(row, forecast)
        cover = row["days_of_cover"]
        result[(int(row["item"]), buffer)] = ItemPolicy(
            _whole(row["safety_stock"]),
            _whole(row["reorder_point"]),
            _whole(row["order_quantity"]),
            Decimal(str(round(cover, 1))) if cover is not None else None,
            row,
        )
    return result


def decided_row(row: dict[str, Any], forecast: ItemForecast) -> dict[str, Any]:
    """``dynamic_policy``'s row with the safety stock and reorder point of the buffer's
    :func:`~flexchain.planning.replenishment.decide` level (time-phased, from realised errors,
    calibrated to the target); the order quantity stays the policy's. MRP keeps the projected
    stock at or above the safety stock (never below zero), so it plans an order now when the
    stock and receipts fall short of the forecast through the lead time plus the safety stock
    (``mrp_trigger``)."""
    level = forecast.level
    safety = max(float(level["safety_stock"]), 0.0)
    lead = int(level["lead_time"])
    weekly = [float(value) for value in forecast.weekly]
    d = float(row["demand_mean"])
    cover = (safety + float(row["order_quantity"]) / 2) / d * 7 if d > 0 else None
    return {
        **row,
        **{f"decided_{name}": value for name, value in level.items()},
        "safety_stock": safety,
        "reorder_point": float(level["order_up_to"]),
        "service_level": float(level["service_level"]),
        "review_period": float(level["review_period"]),
        "protection_forecast": [round(value, 3) for value in weekly[: int(level["protection"])]],
        "mrp_trigger": sum(weekly[: lead + 1]) + safety,
        "days_of_cover": cover,
    }


def mrp_of_items(
    snap: Snapshot,
    forecasts: dict[int, ItemForecast],
    policies: dict[int, ItemPolicy],
    extra_demand: list[Demand] | None = None,
    extra_safety: dict[str, Decimal] | None = None,
    located: Located | None = None,
) -> tuple[MrpResult, dict[str, int]]:
    """:func:`flexchain.planning.mrp.mrp` over the snapshot, keeping each item's safety stock
    and ordering at least its policy's order quantity; also returns SKU -> item id. Buffers
    away from home (:func:`_located_buffers`) are netted with the home ones."""
    skus = {item_id: item.sku for item_id, item in snap.items.items()}
    ids = {sku: item_id for item_id, sku in skus.items()}
    items = []
    for item_id, item in snap.items.items():
        moq, multiple = snap.lot[item_id]
        on_hand, reserved = snap.stock.get(item_id, (Decimal(0), Decimal(0)))
        items.append(
            MrpItem(
                item.sku,
                lead_time=math.ceil(snap.lead_days[item_id] / 7),
                moq=moq,
                multiple=multiple,
                make=item.make,
                custom=item.custom,
                safety_stock=(policies[item_id].safety_stock if item_id in policies else 0)
                + (extra_safety or {}).get(item.sku, 0),
                min_lot=policies[item_id].order_quantity if item_id in policies else 0,
                on_hand=on_hand,
                allocated=reserved,
            )
        )
    bom = [  # read back from the database, where only valid lines are written
        BomLine.trusted(skus[parent], skus[child], quantity, scrap)
        for parent, child, quantity, scrap in snap.bom
        if parent in skus and child in skus
    ]
    demand = [Demand(skus[i], p, q, source) for i, p, q, source in snap.firm if i in skus]
    demand += extra_demand or []
    weekly = {  # this week's orders consume the forecast (docs/planning.md)
        skus[i]: consume_forecast(f.weekly, snap.ordered.get(i, Decimal(0)))
        for i, f in forecasts.items()
        if i in skus
    }
    receipts = [Receipt(skus[i], p, q, s) for i, p, q, s in snap.receipts if i in skus]
    weekly_at = _located_buffers(snap, located or Located(), items, demand, receipts)
    if weekly_at:
        forecast = {(sku, ""): weekly for sku, weekly in weekly.items()} | weekly_at
        return mrp(items, bom, demand, receipts, horizon=snap.horizon, forecast=forecast), ids
    return mrp(items, bom, demand, receipts, horizon=snap.horizon, forecast=weekly), ids


def _located_buffers(
    snap: Snapshot,
    located: Located,
    items: list[MrpItem],
    demand: list[Demand],
    receipts: list[Receipt],
) -> dict[tuple[str, str], list[Decimal]]:
    """Add the buffers away from the home location (stock, receipts, firm demand, forecast and
    policy at a stocking location's code) to ``items``, ``demand`` and ``receipts``; return
    their forecasts by (SKU, location). The item's supplier terms hold at every location."""
    keys = set(snap.stock_at) | set(located.forecasts) | set(located.policies)
    keys |= {(i, loc) for i, _, _, _, loc in snap.receipts_at}
    keys |= {(i, loc) for i, _, _, _, loc in snap.firm_at}
    zero = (Decimal(0), Decimal(0))
    for item_id, location in sorted(key for key in keys if key[0] in snap.items and key[1]):
        item, policy = snap.items[item_id], located.policies.get((item_id, location))
        moq, multiple = snap.lot[item_id]
        on_hand, reserved = snap.stock_at.get((item_id, location), zero)
        items.append(
            MrpItem(
                item.sku,
                lead_time=math.ceil(snap.lead_days[item_id] / 7),
                moq=moq,
                multiple=multiple,
                make=item.make,
                custom=item.custom,
                safety_stock=policy.safety_stock if policy else 0,
                min_lot=policy.order_quantity if policy else 0,
                on_hand=on_hand,
                allocated=reserved,
                location=location,
            )
        )
    skus = {item_id: item.sku for item_id, item in snap.items.items()}
    demand += [Demand(skus[i], p, q, s, loc) for i, p, q, s, loc in snap.firm_at if i in skus]
    receipts += [
        Receipt(skus[i], p, q, s, loc) for i, p, q, s, loc in snap.receipts_at if i in skus
    ]
    return {  # this week's orders at the location consume its forecast, as at home
        (skus[i], location): consume_forecast(
            forecast.weekly, snap.ordered_at.get((i, location), Decimal(0))
        )
        for (i, location), forecast in located.forecasts.items()
        if i in skus and location
    }


def sensed_mrp(
    snap: Snapshot,
    forecasts: dict[int, ItemForecast],
    policies: dict[int, ItemPolicy],
    sensed: Sensing | None,
    located: Located | None = None,
) -> tuple[MrpResult, dict[str, int]]:
    """MRP with presale and demand sensing (docs/planning.md):

    - a product with presale signals and no history gets its first batch (the upper end of the
      conversion model's range, ``high``) as demand in week 0, pegged ``presale``;
    - when an option's share of add-to-carts jumps, the materials behind it (its module's and
      its own components) get the extra safety stock of
      :func:`flexchain.planning.sensing.option_safety_stock` on top of their own, and an
      ``option_shift`` exception says by how much.
    """
    if sensed is None:
        return mrp_of_items(snap, forecasts, policies, [], located=located)
    skus = {item.sku for item in snap.items.values()}
    presale = [
        Demand(str(row["item"]), 0, Decimal(math.ceil(row["high"])), "presale")
        for row in sensed.first_batches.iter_rows(named=True)
        if row["item"] in skus and row["high"] > 0
    ]
    result, ids = mrp_of_items(snap, forecasts, policies, presale, located=located)
    # the option's shift in module units a week x each material's quantity x its lead time
    means = {item_id: float(f.mean) for item_id, f in forecasts.items()}
    units = module_weekly(snap.bom, means, {i: item.sku for i, item in snap.items.items()})
    lead_weeks = {item.sku: snap.lead_days[i] / 7 for i, item in snap.items.items()}
    extra = {
        sku: amount
        for sku, amount in option_safety_stock(sensed, units, lead_weeks).items()
        if sku in ids
    }
    if extra:
        result, ids = mrp_of_items(snap, forecasts, policies, presale, extra, located)
        result.option_shift.update(_shift_reasons(sensed, extra))
    for row in sensed.alerts.iter_rows(named=True):
        result.exceptions.append(
            MrpException(
                str(row["module"]),
                0,
                "option_shift",
                f"option {row['option']} reached {row['window_share']:.0%} of add-to-carts "
                f"(was {row['baseline_share']:.0%}): safety stock of the materials behind it "
                f"raised ({', '.join(f'{k} +{v}' for k, v in sorted(extra.items())) or 'none'})",
            )
        )
    return result, ids


def _shift_reasons(sensed: Sensing, extra: dict[str, Decimal]) -> dict[str, tuple[Decimal, str]]:
    """Each material's extra safety stock with the alerts behind it, as ``plan explain`` says."""
    behind: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, option, material, _quantity in sensed.option_materials.iter_rows():
        behind[(str(module), str(option))].append(str(material))
    reasons: dict[str, list[str]] = defaultdict(list)
    for row in sensed.alerts.iter_rows(named=True):
        for material in behind.get((str(row["module"]), str(row["option"])), ()):
            reasons[material].append(
                f"option {row['option']} of {row['module']} reached {row['window_share']:.0%} "
                f"of add-to-carts (was {row['baseline_share']:.0%})"
            )
    return {sku: (amount, "; ".join(reasons.get(sku, ()))) for sku, amount in extra.items()}


def item_inputs(
    snap: Snapshot, forecasts: dict[int, ItemForecast], policies: dict[int, ItemPolicy]
) -> dict[int, dict[str, str]]:
    """Per item, the inputs a run records for ``plan diff``: firm orders, stock, receipts,
    forecast total, safety stock, backtest accuracy and supplier terms, as text."""
    firm: dict[int, Decimal] = defaultdict(Decimal)
    for item_id, _period, quantity, _source in snap.firm:
        firm[item_id] += quantity
    receipts: dict[int, Decimal] = defaultdict(Decimal)
    for item_id, _period, quantity, _source in snap.receipts:
        receipts[item_id] += quantity
    result = {}
    for item_id in snap.items:
        on_hand, reserved = snap.stock.get(item_id, (Decimal(0), Decimal(0)))
        moq, multiple = snap.lot[item_id]
        result[item_id] = {
            "orders": str(firm.get(item_id, 0)),
            "stock": f"{on_hand}/{reserved}",
            "receipts": str(receipts.get(item_id, 0)),
            "forecast": str(sum(forecasts[item_id].weekly, Decimal(0)))
            if item_id in forecasts
            else "0",
            "safety_stock": str(policies[item_id].safety_stock) if item_id in policies else "0",
            **(
                {f"forecast_{k}": v for k, v in forecasts[item_id].accuracy.items()}
                if item_id in forecasts
                else {}
            ),
            "supplier_terms": f"lead {snap.lead_days[item_id]}d moq {moq} x {multiple}",
        }
    return result
