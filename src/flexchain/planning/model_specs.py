"""Model structures carried from one decision to the next, so a refit is cheap.

AutoETS chooses a structure per series (error, trend, season, damping: ``MAMD`` is
multiplicative error, additive damped trend, multiplicative season) by fitting every candidate
and keeping the best by AICc; that search is nearly all the cost of a fit (about 35 ms per
seasonal monthly series, against 2 ms for one structure). A structure rarely changes from one
period to the next, so :func:`flexchain.planning.replenishment.decide` writes the one each series
chose into ``Decision.forecasts`` (``spec``, and ``selected``, the origin of the decision that
searched), and when those forecasts come back as ``past_forecasts`` it fits that structure
again, re-estimating its parameters on the new history, until :data:`RESELECT_YEARS` after the
search, when it searches again. The decision stays a function of its inputs (the structure
travels in them), not of what was called before.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from flexchain.planning import combined

__all__ = ["RESELECT_YEARS", "SPEC_SCHEMA", "carried", "chosen", "latest", "spec_columns"]

RESELECT_YEARS = 1
"""A structure is searched again this many years after it was chosen."""
SPEC_SCHEMA = {"spec": pl.String, "selected": pl.Date}
"""The columns ``Decision.forecasts`` carries a series' structure in (null for other models)."""


def latest(past: pl.DataFrame | None) -> pl.DataFrame | None:
    """``item``, ``spec``, ``selected``: the structure of each item's latest past forecast that
    carries one (None: ``past`` carries none)."""
    if past is None or not set(SPEC_SCHEMA) <= set(past.columns):
        return None
    return (
        past.filter(pl.col("spec").is_not_null())
        .sort("origin")
        .group_by("item")
        .agg(pl.col("spec").last(), pl.col("selected").last())
    )


def carried(
    structures: pl.DataFrame | None, base: pl.DataFrame, origin: date, cadence: int, period: str
) -> pl.DataFrame:
    """``base`` with ``spec`` (components) and ``selected``: the structure ``structures``
    (``item``, ``spec`` as ``components/season``, ``selected``) gives an AutoETS series, where it
    was chosen fewer than ``cadence`` periods before ``origin`` and for the season the series
    has now; null (search) otherwise."""
    frame = base.with_columns(
        pl.lit(None, pl.String).alias("spec"), pl.lit(None, pl.Date).alias("selected")
    )
    if structures is None or structures.is_empty():
        return frame
    given = structures.select(
        pl.col("item").cast(base["item"].dtype),
        pl.col("spec").alias("was"),
        pl.col("selected").alias("when"),
    )
    due = pl.col("when").dt.offset_by(f"{cadence}{period[1:]}") <= origin
    season = pl.col("was").str.split("/").list.get(1).cast(pl.Int64)
    ets = pl.col("model").is_in(("AutoETS", combined.COMBINED))
    keep = ets & (season == pl.col("season")) & due.not_()
    return (
        frame.drop("spec", "selected")
        .join(given, on="item", how="left")
        .with_columns(
            pl.when(keep).then(pl.col("was").str.split("/").list.get(0)).alias("spec"),
            pl.when(keep).then(pl.col("when")).alias("selected"),
        )
        .drop("was", "when")
    )


def chosen(engine: Any, season: int) -> dict[str, str]:
    """``unique_id`` -> ``components/season`` of every series a fitted AutoETS engine fitted
    (a series the fallback model took has none)."""
    out = {}
    for uid, models in zip(engine.uids, engine.fitted_, strict=True):
        state = getattr(models[0], "model_", None)
        if isinstance(state, dict) and "components" in state:
            out[str(uid)] = f"{state['components']}/{season}"
    return out


def spec_columns(base: pl.DataFrame, found: dict[str, str], origin: date) -> pl.DataFrame:
    """``item``, ``spec`` (``components/season``), ``selected``: the structure each AutoETS
    series was fitted with (``found``, from :func:`chosen`) and when it was searched: the carried
    ``selected`` of ``base`` where the structure was carried, else ``origin``."""
    dtype = base["item"].dtype
    fitted = pl.DataFrame(
        {"item": list(found), "found": list(found.values())},
        schema={"item": pl.String, "found": pl.String},
    ).with_columns(pl.col("item").cast(dtype))
    return (
        base.select("item", "selected")
        .join(fitted, on="item", how="left")
        .select(
            "item",
            pl.col("found").alias("spec"),
            pl.when(pl.col("found").is_null())
            .then(None)
            .otherwise(pl.coalesce("selected", pl.lit(origin)))
            .alias("selected"),
        )
    )
