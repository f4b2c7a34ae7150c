"""An order-up-to policy replayed on the periods its errors come from.

A decision's errors are those of forecasts made at past origins (realised, or a backtest's), so
each origin's forecast of the protection interval is known from them: ``F_o = actual_o - e_o``.
:func:`simulate` replays the periodic-review policy over those periods with a given safety stock:
at each review (every ``R`` periods from the first origin) order up to ``S_t = max(F_t + offset,
0)`` minus the inventory position; the order arrives ``L`` periods later; the period's demand is
served from stock on hand, the rest waits (backorders) or is lost.

:func:`lost_share` uses it for what no formula of the shortage per cycle knows: how much of a
shortfall carries from period to period. With lost sales a unit short early in the protection
interval is gone, not carried to the cycle's end. A run of low forecasts (a trending series) is
short in every period, so lost sales are short ``R / P`` of what backorders are (exactly so for a
constant shortfall: the stock on hand settles at ``S / P``); a single spike (a wholesale order in
a week of single units) is short once either way. The replay measures the ratio on the items'
own history. Vectorised over items: one simulated period is a few array operations over all of
them. With lost sales a decision undid part of its first period's revision (``decide``, step
4); where the errors are realised ones their ``revision`` is known, and the lost-sales replay
orders up to the level less what was undone (``Replay.undone``), as the decisions did.

:func:`carried_share` measures what the cycle formula miscounts with backorders too. The formula
(:mod:`flexchain.planning.fill_rate`) counts each cycle short by ``(e - offset)^+``, its error over
the safety stock, as if every cycle began with none of the shortage before it. A spike inside the
lead time is in two cycles' errors (``P / R`` of them) but short once: the replayed policy is
short less than the formula counts, down to ``R / P`` of it. The periods before the first order
can land (the first ``L``) are not counted, in either figure: the replay starts with its whole
level on hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

__all__ = ["Replay", "carried_share", "lost_share", "replay", "simulate"]


@dataclass(frozen=True)
class Replay:
    """Per row (an item of the decision, in its order), over periods ``t`` from its first error's
    origin: ``demand[i, t]``, the forecast of the protection interval ``forecast[i, t]`` of the
    latest origin at or before ``t``, whether ``t`` counts (``span``), and the terms."""

    demand: np.ndarray
    forecast: np.ndarray
    span: np.ndarray
    lead: np.ndarray
    review: np.ndarray
    undone: np.ndarray | None = None
    """What the decision at ``t`` took off ``forecast[i, t]`` with lost sales (the share of its
    first period's revision it undid; None: nothing)."""
    error: np.ndarray | None = None
    """The realised error of the protection interval's forecast at each origin (NaN elsewhere;
    None: not known)."""

    @property
    def rows(self) -> np.ndarray:
        """Which rows have any period to replay."""
        return np.asarray(self.span.any(axis=1))


def replay(
    frame: pl.DataFrame,
    errors: pl.DataFrame,
    window: pl.DataFrame,
    damping: np.ndarray | None = None,
) -> Replay:
    """The replay of ``frame``'s items (``item``, ``lead_time``, ``review_period``,
    ``protection``) from ``errors`` (``item``, ``origin``, ``error``, and ``revision`` where
    known) and ``window`` (``item``, ``period``, ``quantity``: every period of each item from its
    first origin, zeros included). ``damping``: per row, the share of each origin's ``revision``
    a decision with lost sales undid (``Replay.undone``)."""
    rows = frame.select("item", "protection").with_row_index("row")
    periods = (
        window.join(rows.select("item"), on="item")
        .sort("item", "period")
        .with_columns(
            pl.int_range(pl.len()).over("item").alias("t"),
            pl.col("quantity").cast(pl.Float64).cum_sum().over("item").alias("cum"),
        )
    )
    ends = periods.select("item", pl.col("t").alias("t_end"), pl.col("cum").alias("cum_end"))
    origins = (
        errors.join(rows, on="item")
        .join(
            periods.select("item", pl.col("period").alias("origin"), "t", "cum", "quantity"),
            on=["item", "origin"],
        )
        .with_columns((pl.col("t") + pl.col("protection") - 1).alias("t_end"))
        .join(ends, on=["item", "t_end"])
        .with_columns(
            (pl.col("cum_end") - pl.col("cum") + pl.col("quantity") - pl.col("error")).alias("f")
        )
    )
    bounds = origins.group_by("row").agg(
        pl.col("t").min().alias("first"), pl.col("t").max().alias("last")
    )
    n = frame.height
    width = int(bounds.select((pl.col("last") - pl.col("first")).max()).item() or 0) + 1
    demand = np.zeros((n, width))
    forecast = np.full((n, width), np.nan)
    inside = (
        periods.join(rows.select("item", "row"), on="item")
        .join(bounds, on="row")
        .filter(pl.col("t").is_between(pl.col("first"), pl.col("last")))
    )
    at = (inside["t"] - inside["first"]).to_numpy()
    demand[inside["row"].to_numpy(), at] = inside["quantity"].cast(pl.Float64).to_numpy()
    placed = origins.join(bounds, on="row")
    at_row, at_t = placed["row"].to_numpy(), (placed["t"] - placed["first"]).to_numpy()
    forecast[at_row, at_t] = placed["f"].to_numpy()
    error = np.full((n, width), np.nan)
    error[at_row, at_t] = placed["error"].cast(pl.Float64).to_numpy()
    undone = None
    if damping is not None and "revision" in placed.columns:
        shift = np.full((n, width), np.nan)
        shift[at_row, at_t] = placed["revision"].fill_null(0.0).to_numpy() * damping[at_row]
        undone = _forward_filled(shift)
    span = np.zeros((n, width), bool)
    span[inside["row"].to_numpy(), at] = True
    return Replay(
        demand,
        _forward_filled(forecast),
        span,
        frame["lead_time"].to_numpy().astype(np.int64),
        np.maximum(frame["review_period"].to_numpy().astype(np.int64), 1),
        undone,
        error,
    )


def _forward_filled(values: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the latest value before it in its row (a period without an origin
    keeps the order-up-to level of the decision before it)."""
    index = np.where(np.isnan(values), 0, np.arange(values.shape[1])[None, :])
    np.maximum.accumulate(index, axis=1, out=index)
    filled = values[np.arange(values.shape[0])[:, None], index]
    return np.nan_to_num(filled)


def simulate(plan: Replay, offset: np.ndarray, *, lost: bool) -> tuple[np.ndarray, np.ndarray]:
    """(demand, demand served from stock) per row over the periods from the ``L``-th (when the
    first order can have landed), ordering up to ``forecast + offset`` (less ``undone`` with lost
    sales, as the decisions did)."""
    forecast = plan.forecast - plan.undone if lost and plan.undone is not None else plan.forecast
    n, width = plan.demand.shape
    slots = max(int(plan.lead.max(initial=0)), 1)
    transit = np.zeros((n, slots))  # column j arrives at the start of the period j + 1 ahead
    lands = np.clip(plan.lead - 1, 0, slots - 1)
    instant = plan.lead == 0
    net = np.maximum(forecast[:, 0] + offset, 0.0) if width else np.zeros(n)
    served, demand = np.zeros(n), np.zeros(n)
    every = np.arange(n)
    for t in range(width):
        active = plan.span[:, t]
        net += transit[:, 0]
        transit[:, :-1] = transit[:, 1:]
        transit[:, -1] = 0.0
        level = np.maximum(forecast[:, t] + offset, 0.0)
        reviewing = active & (t % plan.review == 0)
        order = np.where(reviewing, np.maximum(level - net - transit.sum(axis=1), 0.0), 0.0)
        net += np.where(instant, order, 0.0)
        transit[every, lands] += np.where(instant, 0.0, order)
        wanted = np.where(active, plan.demand[:, t], 0.0)
        given = np.minimum(wanted, np.maximum(net, 0.0))
        counted = t >= plan.lead
        served += np.where(counted, given, 0.0)
        demand += np.where(counted, wanted, 0.0)
        net -= given if lost else wanted
    return demand, served


def lost_share(
    plan: Replay, offset: np.ndarray, groups: np.ndarray, used: np.ndarray
) -> np.ndarray:
    """Per row, its group's units short with lost sales over those short with backorders, both
    replayed ordering up to ``forecast + offset``: how much of a shortfall carries from period
    to period. A run of low forecasts (a trending series) is short in every period of the
    interval, and a lost sale there does not carry to the next: the share falls towards
    ``R / P``; a single spike is short once either way: the share is near 1. NaN for a group
    short of nothing in either replay."""
    count = int(groups.max()) + 1 if groups.size else 0
    shorts = []
    for lost in (True, False):
        demand, served = simulate(plan, offset, lost=lost)
        shorts.append(np.bincount(groups, np.where(used, demand - served, 0.0), minlength=count))
    lost_short, back_short = shorts
    share = np.divide(lost_short, back_short, out=np.full(count, np.nan), where=back_short > 0)
    return np.minimum(share, 1.0)[groups]


def carried_share(
    plan: Replay, offset: np.ndarray, groups: np.ndarray, used: np.ndarray
) -> np.ndarray:
    """Per row, its group's units short in the backorder replay, ordering up to ``forecast +
    offset``, over those the cycle formula counts on the same errors at the same safety stock:
    each review whose order lands in the counted periods short by the mean of its item's
    ``(e - offset)^+`` (module docstring). At most 1; NaN for a group the formula finds short of
    nothing (or without errors)."""
    count = int(groups.max()) + 1 if groups.size else 0
    demand, served = simulate(plan, offset, lost=False)
    width = plan.demand.shape[1]
    t = np.arange(width)[None, :]
    error = plan.error if plan.error is not None else np.full(plan.demand.shape, np.nan)
    lands = (t + plan.lead[:, None] + plan.review[:, None] - 1 <= width - 1) & plan.span
    reviews = (lands & (t % plan.review[:, None] == 0)).sum(axis=1)
    above = np.where(np.isnan(error), 0.0, np.maximum(error - offset[:, None], 0.0))
    has = (~np.isnan(error) & lands).sum(axis=1)
    rate = np.where(lands, above, 0.0).sum(axis=1) / np.maximum(has, 1)
    formula = np.bincount(groups, np.where(used, rate * reviews, 0.0), minlength=count)
    short = np.bincount(groups, np.where(used, demand - served, 0.0), minlength=count)
    share = np.divide(short, formula, out=np.full(count, np.nan), where=formula > 0)
    return np.minimum(share, 1.0)[groups]
