"""flexchain.planning.safety_factors: the held-out check of the fill-rate factor (issue 13)."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning import safety_factors
from flexchain.planning.safety_factors import fill_factors


def _month(index: int) -> date:
    return date(2020 + index // 12, index % 12 + 1, 1)


def _decision(errors: np.ndarray, *, demand: float = 100.0, level: float = 0.95) -> tuple:
    """(frame, errors) as :func:`flexchain.planning.replenishment.decide` hands them over:
    one row per item of ``errors`` (items x errors, oldest first)."""
    items = [f"I{i:03d}" for i in range(errors.shape[0])]
    rmse = np.sqrt((errors**2).mean(axis=1))
    frame = pl.DataFrame(
        {
            "item": items,
            "rmse": rmse,
            "sigma": rmse,
            "demand_per_period": [demand / 2] * len(items),
            "protection_demand": [demand] * len(items),
            "review_period": [1] * len(items),
            "lead_time": [1] * len(items),
            "protection": [2] * len(items),
            "service_level": [level] * len(items),
            "errors": [errors.shape[1]] * len(items),
            "pattern": ["smooth"] * len(items),
        }
    )
    long = pl.DataFrame(
        {
            "item": np.repeat(items, errors.shape[1]),
            "origin": [_month(j) for _ in items for j in range(errors.shape[1])],
            "error": errors.ravel(),
        }
    )
    return frame, long


def test_errors_heavier_than_the_rest_showed_raise_what_is_held_back() -> None:
    # given items whose errors are small but for a rare wholesale order (one period in twenty)
    rng = np.random.default_rng(7)
    spikes = np.where(rng.random((200, 24)) < 0.05, 100.0, 0.0)
    errors = spikes + rng.normal(0.0, 3.0, (200, 24))
    frame, long = _decision(errors)
    found = fill_factors(frame, long, "group", "backordered", min_errors=12)
    # then each fold's factor, solved on the others, left its held-out errors shorter than it
    # predicted: the units allowed are divided by that ratio, and k is higher for it
    ratio = float(found.held_out_ratio[0])
    assert ratio > 1.1 and (found.held_out_ratio == ratio).all()
    short = 0.05 * 50.0
    assert found.allowed == pytest.approx(short / ratio)
    assert (found.lost_share == 1).all()
    off = _without_check(frame, long)
    assert found.k[0] > off[0]


def _without_check(frame: pl.DataFrame, long: pl.DataFrame) -> np.ndarray:
    saved = safety_factors.HOLDOUT
    safety_factors.HOLDOUT = 0
    try:
        found = fill_factors(frame, long, "group", "backordered", min_errors=12)
    finally:
        safety_factors.HOLDOUT = saved
    assert (found.held_out_ratio == 1).all()
    return found.k


def test_errors_like_the_rest_leave_the_target_as_it_is() -> None:
    # given every item's errors alternate +10 and -10: every fold looks like the others
    errors = np.tile([10.0, -10.0], (50, 12))
    frame, long = _decision(errors)
    found = fill_factors(frame, long, "group", "backordered", min_errors=12)
    # then the ratio is 1 and k is the one solved without the check
    assert (found.held_out_ratio == 1).all()
    assert found.k == pytest.approx(_without_check(frame, long))


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    level=st.sampled_from([0.8, 0.9, 0.95, 0.98, 0.995]),
    tail=st.floats(1.5, 30.0),
)
def test_the_ratio_stays_in_its_bounds_and_divides_the_units_allowed(
    seed: int, level: float, tail: float
) -> None:
    rng = np.random.default_rng(seed)
    errors = rng.standard_t(tail, size=(30, 24)) * rng.uniform(1, 20, size=(30, 1))
    frame, long = _decision(errors, level=level)
    found = fill_factors(frame, long, "group", "lost", min_errors=12)
    low, high = safety_factors.RATIO_BOUNDS
    assert ((found.held_out_ratio >= low) & (found.held_out_ratio <= high)).all()
    short = (1 - level) * 50.0
    assert found.allowed * found.lost_share * found.held_out_ratio == pytest.approx(
        np.full(30, short)
    )
    assert np.isfinite(found.k).all()
