"""flexchain's order-up-to levels, from its public entry point called as a planning run calls it.

At every review ``t`` (every period of any series' evaluation span) and for every lead time,
:func:`flexchain.planning.replenishment.decide` gets everything known before ``t`` of the series
being evaluated at ``t`` (no look-ahead; ``decide`` reads the last five years of it by default)
and the concatenation of the ``Decision.forecasts`` it returned at earlier reviews as
``past_forecasts``; only public keywords are set. It is called once per service level of a grid,
with the same history; each level keeps its own chain of decisions, as a planning run at that
level would: the forecasts are the same at every level, the ``multiplier`` each decision
measured and the factor it solved are its level's. ``order_up_to`` at a service level between
two grid points is interpolated linearly in ``z = Phi^-1(service level)`` (``decide``'s
content-keyed cache, which leaves those out, makes the calls after the first at a review
cheap).
"""

from __future__ import annotations

import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from policy_eval_data import Dataset
from policy_eval_sim import z_of

GRID = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999, 0.99999, 0.999999)
"""Service levels ``decide`` is called at, at every review (up to 1 - 1e-6: a heavy-tailed class
needs a service level that high to reach 95 % fill, as the baselines need a z up to 8)."""
SAVE_EVERY = 6
PER_LEVEL = ("multiplier", "solved_factor", "service_level")
"""The columns of ``Decision.forecasts`` each decision adds for the next ones at its level
(``flexchain.planning.safety_factors.DECIDED``)."""  # reviews between checkpoints


@dataclass(frozen=True)
class GridLevels:
    """``level[g, i, t]``: ``order_up_to`` of series ``i`` at review ``t`` and ``grid[g]``."""

    grid: tuple[float, ...]
    level: np.ndarray

    @property
    def bounds(self) -> tuple[float, float]:
        return float(z_of(self.grid[0])), float(z_of(self.grid[-1]))

    def at(self, z: np.ndarray) -> np.ndarray:
        """Interpolated linearly in z between the two grid points around each series' ``z``."""
        points = z_of(np.asarray(self.grid))
        z = np.clip(np.asarray(z, float), points[0], points[-1])
        upper = np.clip(np.searchsorted(points, z), 1, len(points) - 1)
        weight = (z - points[upper - 1]) / (points[upper] - points[upper - 1])
        rows = np.arange(self.level.shape[1])
        low, high = self.level[upper - 1, rows], self.level[upper, rows]
        return low + weight[:, None] * (high - low)


@dataclass
class Timing:
    """Seconds spent in ``decide``: the first call at each review, and the others."""

    reviews: int = 0
    first: float = 0.0
    others: float = 0.0
    other_calls: int = 0
    anomalies: int = 0  # forecast_anomaly rows of Decision.anomalies, over all reviews

    def summary(self) -> str:
        if not self.reviews:
            return "no review"
        text = f"{self.reviews} reviews, first call {self.first / self.reviews:.2f} s each"
        if self.other_calls:
            text += f", further calls {self.others / self.other_calls:.2f} s each"
        return text + f", {self.anomalies} forecast anomalies"


def flexchain_levels(
    data: Dataset,
    lead_times: list[int],
    grid: tuple[float, ...],
    *,
    history_limit: int | None = None,
    checkpoint: Path | None = None,
    run_in: int = 0,
) -> tuple[dict[tuple[int, bool], GridLevels], dict[int, Timing]]:
    """``order_up_to`` at every review, lead time, way of treating unmet demand (lost: True)
    and grid level (module docstring). A planning run tells ``decide`` whether the brand's unmet
    demand waits or is lost (``unmet_demand``); the second call at a review reuses the fit.

    ``history_limit``: give ``decide`` only the last this many periods (as a planning run's
    snapshot holds at most five years); None: everything known. ``checkpoint``: a file the
    progress is saved to every ``SAVE_EVERY`` reviews and resumed from. ``run_in``: decide at
    every review from this many periods before a series' evaluation too (no earlier than two
    periods after its start, as the reference's forecasts begin; :func:`run_in_first`), as a
    planning run that was already running would have: those decisions' forecasts and factors
    reach the evaluated ones through ``past_forecasts``; their levels are not simulated.
    """
    panel = data.panel
    index = pl.DataFrame({"item": data.items}).with_row_index("row")
    begins = run_in_first(data, run_in)
    columns = np.arange(len(data.periods))
    reviews = np.flatnonzero(
        ((columns >= begins[:, None]) & (columns < data.stop[:, None])).any(axis=0)
    )
    state = _resume(checkpoint) or {
        "done": 0,
        "levels": {(lead, lost): np.full((len(grid), len(data.items), len(data.periods)), np.nan)
                   for lead in lead_times for lost in (True, False)},
        "timing": {lead: Timing() for lead in lead_times},
        "past": {(lead, lost): Chain(len(grid)) for lead in lead_times for lost in (True, False)},
    }  # fmt: skip
    levels, timing, past = state["levels"], state["timing"], state["past"]
    began = time.perf_counter()
    for done, t in enumerate(reviews):
        if done < state["done"]:
            continue
        active = [data.items[i] for i in np.flatnonzero((begins <= t) & (t < data.stop))]
        oldest = data.periods[max(t - history_limit, 0)] if history_limit else data.periods[0]
        history = panel.filter(
            pl.col("period").is_between(oldest, data.periods[t], closed="left")
            & pl.col("item").is_in(active)
        )
        for lead in lead_times:
            for lost in (True, False):
                chain = past[(lead, lost)]
                call = partial(
                    _decide, history, period=data.setting.period, lead_time=lead,
                    unmet_demand="lost" if lost else "backordered",
                )  # fmt: skip
                # the second way reuses the fit (decide's cache): timed apart, not counted
                frames, decided = _grid_calls(call, grid, chain, timing[lead] if lost else Timing())
                order = frames[0].select("item")
                rows = order.join(index, on="item", how="left", maintain_order="left")["row"]
                rows = rows.to_numpy()
                for g, frame in enumerate(frames):
                    levels[(lead, lost)][g, rows, t] = frame["order_up_to"].to_numpy()
                chain.append(decided)
        _progress(data, done + 1, len(reviews), began)
        if checkpoint is not None and (done + 1) % SAVE_EVERY == 0:
            state["done"] = done + 1
            checkpoint.parent.mkdir(parents=True, exist_ok=True)
            checkpoint.write_bytes(pickle.dumps(state))
    if checkpoint is not None:
        checkpoint.unlink(missing_ok=True)
    return {key: GridLevels(grid, value) for key, value in levels.items()}, timing


def run_in_first(data: Dataset, run_in: int) -> np.ndarray:
    """Per series, the first review ``decide`` is called at: ``run_in`` periods before its
    evaluation, no earlier than two periods after its start (0: its evaluation's first)."""
    if run_in <= 0:
        return data.first
    return np.minimum(np.maximum(data.first - run_in, data.start + 2), data.first)


def _resume(checkpoint: Path | None) -> dict[str, Any] | None:
    if checkpoint is None or not checkpoint.exists():
        return None
    state: dict[str, Any] = pickle.loads(checkpoint.read_bytes())
    print(f"  (resuming after review {state['done']} from {checkpoint})", file=sys.stderr)
    return state


def _decide(
    history: pl.DataFrame,
    service_level: float,
    *,
    period: str,
    lead_time: int,
    past_forecasts: pl.DataFrame | None,
    unmet_demand: str,
) -> Any:
    """``decide`` exactly as the evaluation calls it: review every period, public keywords."""
    from flexchain.planning.replenishment import decide

    return decide(
        history, period=period, lead_time=lead_time, review_period=1,
        service_level=service_level, past_forecasts=past_forecasts, unmet_demand=unmet_demand,
    )  # fmt: skip


class Chain:
    """The decisions one lead time and way of unmet demand took so far, one chain per grid level:
    the forecasts (the same at every level) once, what each decision measured and solved
    (:data:`PER_LEVEL`) per level."""

    def __init__(self, levels: int) -> None:
        self.forecasts: list[pl.DataFrame] = []
        self.decided: list[list[pl.DataFrame]] = [[] for _ in range(levels)]
        self._shared: pl.DataFrame | None = None

    def past(self, g: int) -> pl.DataFrame | None:
        """``past_forecasts`` for the decision at grid level ``g``."""
        if not self.forecasts:
            return None
        if self._shared is None:
            self._shared = pl.concat(self.forecasts, how="diagonal")
        shared = self._shared
        own = pl.concat(self.decided[g], how="diagonal")
        return shared.join(own, on=["item", "origin"], how="left", maintain_order="left")

    def append(self, decisions: list[Any]) -> None:
        """The decisions of one review, one per grid level."""
        self.forecasts.append(decisions[0].forecasts.drop(PER_LEVEL, strict=False))
        self._shared = None
        for g, decision in enumerate(decisions):
            columns = [name for name in PER_LEVEL if name in decision.forecasts.columns]
            if columns:
                own = decision.forecasts.select("item", "origin", *columns).unique(
                    ["item", "origin"], keep="first", maintain_order=True
                )
                self.decided[g].append(own)
            else:  # a decide without them: no column to join
                self.decided[g].append(
                    decision.forecasts.select("item", "origin").unique(maintain_order=True)
                )


def _grid_calls(
    call: Callable[..., Any], grid: tuple[float, ...], chain: Chain, timing: Timing
) -> tuple[list[pl.DataFrame], list[Any]]:
    """The ``levels`` frames (sorted by item) of every grid level, and its decisions."""
    began = time.perf_counter()
    first = call(grid[0], past_forecasts=chain.past(0))
    timing.first += time.perf_counter() - began
    timing.reviews += 1
    timing.anomalies += first.anomalies.height
    decisions = [first]
    began = time.perf_counter()
    decisions += [
        call(level, past_forecasts=chain.past(g)) for g, level in enumerate(grid) if g > 0
    ]
    timing.others += time.perf_counter() - began
    timing.other_calls += len(grid) - 1
    return [decision.levels.sort("item") for decision in decisions], decisions


def _progress(data: Dataset, done: int, total: int, began: float) -> None:
    if done % 12 == 0 or done == total:
        spent = time.perf_counter() - began
        print(
            f"  [{data.setting.name}: flexchain {done}/{total} reviews, {spent:.0f} s]",
            file=sys.stderr,
            flush=True,
        )
