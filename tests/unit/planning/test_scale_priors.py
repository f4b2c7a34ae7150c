"""How much an item's RMSE borrows from its pattern: ``error_scale.scale_priors`` (step 5)."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from flexchain.planning import error_scale
from flexchain.planning.error_scale import SCALE_PRIOR, scale_priors, shrunk_rmse


def _items(scales: np.ndarray, errors: np.ndarray, pattern: str = "smooth") -> tuple:
    """A frame of items of one volume, each with ``scales[i] * errors[i]`` as its errors."""
    count, n = errors.shape
    names = [f"I{i:03d}" for i in range(count)]
    drawn = scales[:, None] * errors
    long = pl.DataFrame(
        {
            "item": np.repeat(names, n),
            "origin": [date(2020 + j // 12, j % 12 + 1, 1) for j in range(n)] * count,
            "error": drawn.ravel(),
        }
    )
    frame = pl.DataFrame(
        {
            "item": names,
            "pattern": [pattern] * count,
            "errors": [n] * count,
            "rmse": np.sqrt((drawn**2).mean(axis=1)),
            "protection_demand": [100.0] * count,
        }
    )
    return frame, long


def _prior(frame: pl.DataFrame, long: pl.DataFrame) -> float:
    [(pattern, prior)] = scale_priors(frame, long).rows()
    assert pattern == frame["pattern"][0]
    return prior


def _shrunk(frame: pl.DataFrame, prior: pl.DataFrame | None) -> np.ndarray:
    joined = frame if prior is None else frame.join(prior, on="pattern", how="left")
    return shrunk_rmse(joined).sort("item")["rmse"].to_numpy()


def test_items_whose_scales_differ_keep_most_of_their_own() -> None:
    # 150 series whose true scales spread over a factor of ten, 24 normal errors each (as
    # aus_retail's turnover by industry and state): the pattern's errors weigh a few, and the
    # shrunk RMSEs are nearer the true scales than with 96 of the pattern's errors
    rng = np.random.default_rng(7)
    scales = np.exp(rng.normal(0.0, 0.6, 150))
    frame, long = _items(scales, rng.normal(size=(150, 24)))
    prior = _prior(frame, long)
    # in logs, 24 errors mis-measure a scale by about sqrt(2 / 24) = 0.29; the items differ by
    # 2 x 0.6 in log(rmse^2): the pattern's errors weigh 1 to 8 against an item's 24
    assert 1.0 <= prior < 8.0
    adapted = _shrunk(frame, scale_priors(frame, long))
    fixed = _shrunk(frame, None)
    truth = scales  # the items sort as they were drawn (I000, I001, ...)
    assert np.mean((adapted - truth) ** 2) < 0.5 * np.mean((fixed - truth) ** 2)


def test_items_drawn_alike_borrow_the_most_even_with_heavy_tails() -> None:
    # 80 items of one true scale, 24 Student-t errors each (3 degrees of freedom): their
    # RMSEs differ by sampling alone, and the pattern's scale weighs the most it may
    rng = np.random.default_rng(11)
    frame, long = _items(np.ones(80), rng.standard_t(3, size=(80, 24)), "erratic")
    assert _prior(frame, long) == SCALE_PRIOR
    assert _shrunk(frame, scale_priors(frame, long)) == pytest.approx(_shrunk(frame, None))


def test_a_pattern_of_few_items_or_short_samples_weighs_the_default() -> None:
    rng = np.random.default_rng(3)
    scales = np.exp(rng.normal(0.0, 0.6, 150))
    few = error_scale.PRIOR_ITEMS - 1
    frame, long = _items(scales[:few], rng.normal(size=(few, 24)))
    assert scale_priors(frame, long).is_empty()
    assert _shrunk(frame, scale_priors(frame, long)) == pytest.approx(_shrunk(frame, None))
    short = error_scale.PRIOR_ERRORS - 1
    frame, long = _items(scales, rng.normal(size=(150, short)))
    assert scale_priors(frame, long).is_empty()


def test_the_weight_grows_as_the_items_scales_come_together() -> None:
    rng = np.random.default_rng(5)
    errors = rng.normal(size=(150, 24))
    priors = [
        _prior(*_items(np.exp(rng.normal(0.0, spread, 150)), errors)) for spread in (1.0, 0.4, 0.15)
    ]
    assert priors[0] < priors[1] < priors[2] <= SCALE_PRIOR


def test_decide_weighs_each_pattern_s_scale_as_its_items_differ() -> None:
    from flexchain.planning.replenishment import decide

    # 30 steady monthly series, five years each, whose noise differs tenfold between them:
    # the pattern's scale weighs little, and every item of the pattern shows the same weight
    rng = np.random.default_rng(13)
    months = pl.date_range(date(2020, 1, 1), date(2024, 12, 1), "1mo", eager=True)
    rows = [
        (f"S{i:02d}", month, max(0.0, 500.0 + rng.normal(0.0, 5.0 * 10 ** (i / 29))))
        for i in range(30)
        for month in months
    ]
    history = pl.DataFrame(rows, schema=["item", "period", "quantity"], orient="row")
    levels = decide(history, period="1mo", lead_time=1, service_level=0.95).levels
    assert levels["pattern"].unique().to_list() == ["smooth"]
    [prior] = levels["scale_prior"].unique().to_list()
    assert 1.0 <= prior < 24.0
    for row in levels.iter_rows(named=True):
        n, own, lent = row["errors"], row["own_rmse"], row["borrowed_rmse"]
        assert row["rmse"] == pytest.approx(((n * own**2 + prior * lent**2) / (n + prior)) ** 0.5)
    # the calmest and the noisiest item keep near their own scale (with 96 of the pattern's
    # errors both would sit near the pattern's: the calm one at five times its own)
    calm, noisy = (levels.filter(pl.col("item") == i).row(0, named=True) for i in ("S00", "S29"))
    assert calm["rmse"] < 0.5 * calm["borrowed_rmse"] and calm["own_rmse"] < calm["rmse"]
    assert noisy["rmse"] == pytest.approx(noisy["own_rmse"], rel=0.1)


def test_an_item_borrowing_its_own_noise_weighs_it_four_times_its_pattern_s_prior() -> None:
    # two smooth items, 24 errors each, RMSE 12 and 8; the first has two years of its own
    # one-step noise (5 a week), the second none: it borrows in proportion, as a monthly item does
    frame = pl.DataFrame(
        {
            "item": ["A", "B"],
            "pattern": ["smooth", "smooth"],
            "errors": [24, 24],
            "rmse": [12.0, 8.0],
            "protection_demand": [100.0, 100.0],
            "protection": [4, 4],
            "noise": [5.0, None],
            "noise_wide": [True, False],
            "scale_prior": [10.0, 10.0],
        }
    )
    shrunk = shrunk_rmse(frame).sort("item")
    assert shrunk["borrowed_by"].to_list()[0].startswith("noise")
    assert shrunk["borrowed_by"].to_list()[1] == "proportion"
    assert error_scale.NOISE_PRIOR_FACTOR == 4.0
    a, b = shrunk.rows(named=True)
    weight = 4.0 * 10.0  # the pattern's prior, four times, for the item's own noise
    assert a["rmse"] == pytest.approx(
        np.sqrt((24 * 12.0**2 + weight * a["borrowed_rmse"] ** 2) / (24 + weight))
    )
    assert b["rmse"] == pytest.approx(
        np.sqrt((24 * 8.0**2 + 10.0 * b["borrowed_rmse"] ** 2) / (24 + 10.0))
    )
    assert a["scale_prior"] == b["scale_prior"] == 10.0  # the pattern's p, as plan explain says
