"""The planning run's forecast step: :func:`flexchain.planning.replenishment.decide` on every
buffer location's weekly panel, so a run and an analyst's notebook take the same code path.

Per buffer location (the home location ``""`` and each other stocking location) one ``decide``
call gets the whole weekly panel the classify step made, with each item's terms: lead time in
whole weeks (``ceil(lead days / 7)``, as MRP offsets orders) and its spread, the review period and
service level of its ABC-XYZ cell (:class:`flexchain.planning.dynamic.PolicyMatrix`), the run's
horizon, the forecasts of earlier runs at that location (:attr:`Snapshot.past_forecasts`) and the
AutoETS structures the last run fitted (:attr:`Snapshot.model_specs`, fitted again rather than
searched for, :mod:`flexchain.planning.model_specs`), and,
after a backtest (``plan --backtest``), the model chosen per series. What comes back is each
item's weekly forecast over the horizon (what MRP nets) and its decision: the time-phased
protection demand, the safety stock from realised errors and the order-up-to level, which the
policy step (:func:`flexchain.planning.run_steps.policy_of_buffers`) uses as safety stock and
reorder point. Forecasts capped against history come back as ``forecast_anomaly`` exceptions.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from flexchain.planning.forecast import backtest, choose_models
from flexchain.planning.mrp import MrpException
from flexchain.planning.replenishment import CAP_FACTOR, Decision, decide
from flexchain.planning.run_steps import (
    Classified,
    ItemForecast,
    Key,
    PlanParameters,
)

if TYPE_CHECKING:
    from flexchain.planning.run import Snapshot

__all__ = ["anomaly_exceptions", "forecast_buffers", "forecast_items"]

_LEVEL_FIELDS = (
    "protection_demand", "safety_stock", "order_up_to", "demand_per_period", "protection",
    "lead_time", "review_period", "service_level", "target", "safety_factor", "rmse", "sigma",
    "bias", "errors", "error_source", "realised_errors", "model", "default_model",
    "default_rmse", "mean_rmse", "lost_share", "carried_share", "held_out_ratio",
    "allowed_short", "own_rmse", "borrowed_rmse", "borrowed_by", "scale_prior", "noise",
    "pattern", "revision", "multiplier", "past_multipliers", "solved_factor", "past_factors",
)  # fmt: skip


def forecast_items(
    snap: Snapshot, classified: Classified | None, params: PlanParameters
) -> dict[int, ItemForecast]:
    """:func:`forecast_buffers` at the home location, by item."""
    buffers = forecast_buffers(snap, classified, params)
    return {item: forecast for (item, location), forecast in buffers.items() if not location}


def forecast_buffers(
    snap: Snapshot, classified: Classified | None, params: PlanParameters
) -> dict[Key, ItemForecast]:
    """Every classified series (item and location) forecast and decided (module docstring)."""
    if classified is None:
        return {}
    panel, classes = classified.panel, classified.classes
    choice = None
    periods = panel["period"].n_unique()
    horizon = min(13, snap.horizon, (periods - 2) // 3)  # 3 windows of it, 2 periods to fit
    if params.backtest and horizon >= 1:
        # rolling origins over the last weeks: keep a better model only where it pays
        choice = choose_models(backtest(panel, classes, horizon=horizon, windows=3))
    accuracy = accuracy_of_choice(choice)
    result: dict[Key, ItemForecast] = {}
    for location, decision, labels in _decisions(snap, classified, params, choice):
        weekly = decision.forecasts.group_by("item", maintain_order=True).agg(
            "forecast", pl.col("spec").first(), pl.col("selected").first(),
            pl.col("multiplier").first(),
        )  # fmt: skip
        means = {row[0]: row[1] for row in weekly.iter_rows()}
        specs = {row[0]: (row[2], row[3]) for row in weekly.iter_rows() if row[2] is not None}
        measured = {row[0]: row[4] for row in weekly.iter_rows()}
        anomalies = _anomalies(decision)
        for level in decision.levels.iter_rows(named=True):
            key = (int(level["item"]), location)
            label = labels[key[0]]
            result[key] = ItemForecast(
                [Decimal(repr(round(value, 3))) for value in means[level["item"]]],
                Decimal(str(round(level["sigma"] / math.sqrt(level["protection"]), 3))),
                str(level["model"]),
                str(label["pattern"]),
                str(label["abc"]),
                str(label["xyz"]),
                accuracy.get(key, {}),
                {name: level[name] for name in _LEVEL_FIELDS},
                anomalies.get(level["item"], ()),
                specs.get(level["item"]),
                measured.get(level["item"]),
            )
    return result


def _decisions(
    snap: Snapshot, classified: Classified, params: PlanParameters, choice: pl.DataFrame | None
) -> Iterator[tuple[str, Decision, dict[int, dict[str, Any]]]]:
    """One :func:`decide` per buffer location, with each item's terms."""
    past = snap.past_forecasts
    for (location,), classes in classified.classes.group_by("location", maintain_order=True):
        code = str(location)
        panel = classified.panel.filter(pl.col("location") == code).select(
            "item", "period", "quantity"
        )
        terms = _terms(snap, classes, params)
        models = None
        if choice is not None:
            models = choice.filter(pl.col("location") == code).select("item", "model")
        here = None
        if not past.is_empty():
            here = past.filter(pl.col("location") == code).select(
                "item", "origin", "period", "forecast"
            )
            earlier = snap.past_factors.filter(pl.col("location") == code).drop("location")
            here = here.join(earlier, on=["item", "origin"], how="left")
        structures = snap.model_specs.filter(pl.col("location") == code).drop("location")
        decision = decide(
            panel, period="1w", past_forecasts=here, terms=terms, horizon=snap.horizon,
            models=models, target=params.target, errors=params.errors,
            fill_scope=params.fill_scope, unmet_demand=params.unmet_demand,
            model_choice=params.model_choice,
            max_history=panel["period"].n_unique(),  # the snapshot holds the run's window
            structures=structures,
        )  # fmt: skip
        labels = {int(row["item"]): row for row in classes.iter_rows(named=True)}
        yield code, decision, labels


def _terms(snap: Snapshot, classes: pl.DataFrame, params: PlanParameters) -> pl.DataFrame:
    """Per item: lead time in whole weeks and its spread, review weeks and service level of its
    ABC-XYZ cell."""
    items = [int(item) for item in classes["item"]]
    cells = [params.matrix.cell(a, x) for a, x in zip(classes["abc"], classes["xyz"], strict=True)]
    return pl.DataFrame(
        {
            "item": items,
            "lead_time": [math.ceil(snap.lead_days.get(i, 0) / 7) for i in items],
            "lead_time_sd": [float(snap.lead_sd_days.get(i, 0)) / 7 for i in items],
            "review_period": [max(1, round(cell.review_weeks)) for cell in cells],
            "service_level": [cell.service_level for cell in cells],
        },
        schema_overrides={"item": classes["item"].dtype},
    )


def _anomalies(decision: Decision) -> dict[object, tuple[str, ...]]:
    """Per item, what its capped forecasts said (``Decision.anomalies``)."""
    found: dict[object, tuple[str, ...]] = {}
    for row in decision.anomalies.iter_rows(named=True):
        found[row["item"]] = (
            *found.get(row["item"], ()),
            f"{row['model']} forecast {row['value']:.4g} a week, above {row['bound']:.4g} "
            f"({CAP_FACTOR:g}x the largest week seen): capped at it",
        )
    return found


def anomaly_exceptions(
    forecasts: dict[Key, ItemForecast], skus: dict[int, str]
) -> list[MrpException]:
    """A ``forecast_anomaly`` exception per capped forecast, naming the item and the model."""
    return [
        MrpException(skus[item], 0, "forecast_anomaly", message, location)
        for (item, location), forecast in sorted(forecasts.items())
        if item in skus
        for message in forecast.anomalies
    ]


def accuracy_of_choice(choice: pl.DataFrame | None) -> dict[Key, dict[str, str]]:
    """Per buffer, the chosen model's backtest figures (``plan --backtest``) as text."""
    accuracy: dict[Key, dict[str, str]] = {}
    if choice is not None:
        for row in choice.iter_rows(named=True):
            accuracy[(int(row["item"]), str(row["location"]))] = {
                "model": str(row["model"]),
                "default_model": str(row["default_model"]),
                **{k: f"{row[k]:.3f}" for k in ("mase", "wape", "bias") if row[k] is not None},
            }
    return accuracy
