"""A large panel is completed, fitted and backtested a chunk of items at a time
(:data:`flexchain.planning.decide_inputs.CHUNK`) to hold less memory: the decision is the same,
to the last digit, as the whole panel's at once."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flexchain.planning import decide_inputs, replenishment
from flexchain.planning.replenishment import Decision, decide

START = date(2022, 1, 3)


def _panel() -> pl.DataFrame:
    """Twelve weekly series: smooth with a yearly shape, intermittent, lumpy, one that starts
    late, one without demand, one with a spike; one week given in two rows."""
    rows: list[tuple[str, date, float]] = []
    for s in range(12):
        first = 40 if s == 3 else 0
        for w in range(first, 170):
            day = START + timedelta(weeks=w)
            if s < 4:
                q = round(20 + s + 8 * math.sin(2 * math.pi * w / 52) + (w * 7 + s) % 5)
            elif s < 9:
                q = float((w * (s + 3)) % 7 == 0) * (3 + (w + s) % (4 * s))
            elif s == 9:
                q = 0.0
            else:
                q = float(5 + (w % 3) + (400 if s == 11 and w == 160 else 0))
            rows.append((f"I{s:02d}", day, float(q)))
    rows.append(("I00", START + timedelta(weeks=100), 2.0))  # a second row of one week
    return pl.DataFrame(rows, schema=["item", "period", "quantity"], orient="row")


def _decide(history: pl.DataFrame, **kwargs: Any) -> Decision:
    replenishment._CACHE.clear()
    replenishment._FITS.clear()
    return decide(history, period="1w", lead_time=2, review_period=1, horizon=13, **kwargs)


def test_a_panel_decided_in_chunks_is_decided_as_a_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a panel, and forecasts of earlier decisions for half its items' realised errors
    history = _panel()
    last = history["period"].max()
    assert isinstance(last, date)
    pasts = [
        _decide(history.filter(pl.col("period") <= last - timedelta(weeks=cut))).forecasts
        for cut in range(20, 12, -1)
    ]
    past = pl.concat(pasts).filter(pl.col("item") < "I06")
    whole = _decide(history, past_forecasts=past)
    # when it is decided five series at a time
    sizes: list[int] = []
    fit_groups = replenishment.fit_groups

    def counted(panel: pl.DataFrame, base: pl.DataFrame, **kwargs: Any) -> Any:
        sizes.append(base.height)
        return fit_groups(panel, base, **kwargs)

    monkeypatch.setattr(decide_inputs, "CHUNK", 5)
    monkeypatch.setattr(replenishment, "FIT_CACHE_SERIES", 5)
    monkeypatch.setattr(replenishment, "fit_groups", counted)
    chunked = _decide(history, past_forecasts=past)
    # then it was fitted in three chunks, and every frame is the same to the last digit
    assert sizes == [5, 5, 2]
    # (eight realised errors each, made up to 24 by the backtest, for half of them)
    assert set(whole.levels["error_source"]) == {"past_forecasts and backtest", "backtest"}
    assert_frame_equal(chunked.levels, whole.levels, check_exact=True)
    assert_frame_equal(chunked.forecasts, whole.forecasts, check_exact=True)
    assert_frame_equal(chunked.anomalies, whole.anomalies, check_exact=True)
    replenishment._CACHE.clear()
