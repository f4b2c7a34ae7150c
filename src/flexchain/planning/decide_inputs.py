"""The inputs of :func:`flexchain.planning.replenishment.decide`, made ready: the completed
history panel, each series' demand pattern, its terms (lead time, review period, their sum the
protection interval) and its model."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from typing import cast

import polars as pl

from flexchain.planning import combined, demand, forecast

__all__ = [
    "CHUNK", "TERMS", "check", "classes", "complete", "forecast_anomalies", "offset",
    "service_levels", "sources", "with_combined", "with_models", "with_terms",
]  # fmt: skip

CHUNK = 10_000
"""Series a panel is completed (and :func:`flexchain.planning.replenishment.decide` fits and
backtests them) at most at a time: peak memory, not results, depends on it."""

Named = tuple[str, str, Collection[str]]
TERMS = {"lead_time": pl.Int64, "review_period": pl.Int64, "lead_time_sd": pl.Float64}
"""Per-item terms ``decide`` reads from its ``terms`` frame, with their types."""


def check(numbers: tuple[int, int, float, int, int], named: Iterable[Named]) -> None:
    """Refuse ``decide``'s settings that mean nothing: ``numbers`` are the lead time, review
    period, service level, errors and min_errors; ``named`` each setting's name, the value
    given and the values it may take."""
    lead_time, review_period, service_level, errors, min_errors = numbers
    if lead_time < 0 or review_period < 1:
        raise ValueError("lead_time must be >= 0 and review_period >= 1")
    if not 0 < service_level < 1:
        raise ValueError(f"service_level must be between 0 and 1, got {service_level}")
    for name, given, known in named:
        if given not in known:
            raise ValueError(f"{name} must be one of {', '.join(known)}, got {given!r}")
    if errors < 1 or min_errors < 1:
        raise ValueError("errors and min_errors must be at least 1")


def with_models(classes: pl.DataFrame, models: pl.DataFrame | None) -> pl.DataFrame:
    """``classes`` with each item's ``model``: ``models``' where it names one, else the default
    model of its pattern's family."""
    default = (
        pl.col("pattern")
        .replace_strict(forecast.FAMILY_OF_PATTERN)
        .replace_strict(forecast.DEFAULT_MODEL)
    )
    if models is None:
        return classes.with_columns(default.alias("model"))
    for name in models["model"].unique():
        forecast._model(str(name), 1)  # refuses an unknown model by name
    chosen = models.select("item", pl.col("model").alias("chosen"))
    return (
        classes.join(chosen, on="item", how="left")
        .with_columns(pl.coalesce("chosen", default).alias("model"))
        .drop("chosen")
    )


def with_combined(base: pl.DataFrame, models: pl.DataFrame | None, waits: bool) -> pl.DataFrame:
    """``base`` (``item``, ``model``, ``season``) with AutoETS averaged with Theta
    (:data:`~flexchain.planning.combined.COMBINED`) where unmet demand ``waits`` and a series
    has a season ETS fits, unless ``models`` named its model (:mod:`flexchain.planning.
    combined`: with lost sales the average's revisions cost more than its accuracy saves)."""
    if not waits:
        return base
    named = models["item"].implode() if models is not None else pl.lit([], pl.List(pl.Null))
    seasonal = pl.col("season").is_between(2, forecast.ETS_MAX_SEASON)
    chosen = (pl.col("model") == "AutoETS") & seasonal & pl.col("item").is_in(named).not_()
    return base.with_columns(
        pl.when(chosen).then(pl.lit(combined.COMBINED)).otherwise("model").alias("model")
    )


def offset(day: date, period: str, steps: int) -> date:
    return cast(date, pl.select(pl.lit(day).dt.offset_by(f"{steps}{period[1:]}")).item())


def complete(history: pl.DataFrame, period: str, max_history: int) -> pl.DataFrame:
    """Every series from its first period to the panel's last, missing periods as zero.

    Made :data:`CHUNK` items at a time (a 100,000-item panel is 10 million rows: building it
    whole held several copies of it at once); each item's rows are the same either way."""
    missing = {"item", "period", "quantity"} - set(history.columns)
    if missing:
        raise ValueError(f"history needs the columns item, period, quantity; missing {missing}")
    if history.is_empty():
        raise ValueError("history is empty: nothing to decide")
    last = cast(date, history["period"].max())
    since = offset(last, period, -max_history)
    first = cast(
        date, history.select(pl.col("period").filter(pl.col("period") > since).min()).item()
    )
    calendar = pl.DataFrame({"period": pl.date_range(first, last, interval=period, eager=True)})
    items = history["item"].unique().sort()
    if items.len() <= CHUNK:
        return _completed(history, since, calendar)
    return pl.concat(
        _completed(history.filter(pl.col("item").is_in(chunk.implode())), since, calendar)
        for chunk in (items.slice(start, CHUNK) for start in range(0, items.len(), CHUNK))
    )


def _completed(history: pl.DataFrame, since: date, calendar: pl.DataFrame) -> pl.DataFrame:
    """:func:`complete` of the items of ``history``, sorted by item and period."""
    summed = (
        history.group_by("item", "period")
        .agg(pl.col("quantity").sum().cast(pl.Float64))
        .filter(pl.col("period") > since)
    )
    starts = summed.group_by("item").agg(pl.col("period").min().alias("start"))
    return (
        starts.join(calendar, how="cross")
        .filter(pl.col("period") >= pl.col("start"))
        .join(summed, on=["item", "period"], how="left")
        .select("item", "period", pl.col("quantity").fill_null(0.0))
        .sort("item", "period")
    )


def classes(panel: pl.DataFrame) -> pl.DataFrame:
    """``item``, ``pattern`` (Syntetos-Boylan) of every series."""
    located = panel.with_columns(pl.lit(0).alias("location"))
    values = panel.select("item").unique().with_columns(pl.lit(1.0).alias("unit_value"))
    return demand.classify(located, values).select("item", "pattern")


def with_terms(
    classes: pl.DataFrame, terms: pl.DataFrame | None, lead_time: int, review_period: int
) -> pl.DataFrame:
    """``classes`` with each item's ``lead_time``, ``review_period``, ``lead_time_sd`` and
    ``protection`` (``terms`` where it gives them, else the scalars)."""
    defaults = {"lead_time": lead_time, "review_period": review_period, "lead_time_sd": 0.0}
    given = [c for c in TERMS if terms is not None and c in terms.columns]
    frame = classes
    if terms is not None and given:
        frame = frame.join(
            terms.select("item", *[pl.col(c).cast(TERMS[c]) for c in given]), on="item",
            how="left",
        )  # fmt: skip
    frame = frame.with_columns(
        pl.col(c).fill_null(defaults[c]) if c in given else pl.lit(defaults[c], TERMS[c]).alias(c)
        for c in TERMS
    )
    if frame.filter((pl.col("lead_time") < 0) | (pl.col("review_period") < 1)).height:
        raise ValueError("terms: lead_time must be >= 0 and review_period >= 1 for every item")
    if frame.filter(pl.col("lead_time_sd") < 0).height:
        raise ValueError("terms: lead_time_sd must be >= 0")
    return frame.with_columns((pl.col("lead_time") + pl.col("review_period")).alias("protection"))


def service_levels(base: pl.DataFrame, terms: pl.DataFrame | None, level: float) -> pl.DataFrame:
    """``item``, ``service_level``: ``terms``' where it gives one, else ``level``."""
    if terms is None or "service_level" not in terms.columns:
        return base.select("item", pl.lit(level).alias("service_level"))
    given = terms.select("item", pl.col("service_level").cast(pl.Float64))
    if given.filter((pl.col("service_level") <= 0) | (pl.col("service_level") >= 1)).height:
        raise ValueError("terms: service_level must be between 0 and 1")
    return (
        base.select("item")
        .join(given, on="item", how="left")
        .with_columns(pl.col("service_level").fill_null(level))
    )


def forecast_anomalies(raw: pl.DataFrame, base: pl.DataFrame) -> pl.DataFrame:
    """Series whose forecast went above the cap in some period: the largest value and the cap."""
    return (
        raw.join(base.select("item", "cap"), on="item")
        .filter(pl.col("mean") > pl.col("cap"))
        .group_by("item")
        .agg(
            pl.col("model").first(),
            pl.lit("forecast").alias("field"),
            pl.col("mean").max().alias("value"),
            pl.col("cap").first().alias("bound"),
        )
        .sort("item")
    )


def sources(
    base: pl.DataFrame, realised: pl.DataFrame, tested: pl.DataFrame, errors: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(``base`` with how many errors size each item's safety stock and where they came from;
    the errors, ``item``, ``origin``, ``error``, ``source``): each item's latest ``errors`` of
    its realised ones (``realised``: only items with enough of them) and, before the first of
    those, its backtest's (``tested``), so a young item's sample does not fall from 24 backtest
    errors to the first few realised ones. ``error_source``: ``past_forecasts``, ``backtest``,
    ``past_forecasts and backtest``, or ``class`` (none); ``realised_errors``: how many of the
    ``errors`` are realised ones."""
    first = realised.group_by("item").agg(pl.col("origin").min().alias("first"))
    before = (
        tested.join(first, on="item", how="left")
        .filter(pl.col("first").is_null() | (pl.col("origin") < pl.col("first")))
        .drop("first")
    )
    used = (
        pl.concat(
            [
                realised.with_columns(pl.lit("past_forecasts").alias("source")),
                before.with_columns(pl.lit("backtest").alias("source")),
            ],
            how="diagonal",
        )
        .sort("item", "origin")
        .group_by("item", maintain_order=True)
        .tail(errors)
    )
    sources = used.group_by("item").agg(
        pl.len().cast(pl.Int64).alias("errors"),
        pl.col("source").unique().sort(descending=True).str.join(" and ").alias("error_source"),
        (pl.col("source") == "past_forecasts").sum().cast(pl.Int64).alias("realised_errors"),
    )
    base = base.join(sources, on="item", how="left").with_columns(
        pl.col("errors").fill_null(0),
        pl.col("error_source").fill_null("class"),
        pl.col("realised_errors").fill_null(0),
    )
    return base, used
