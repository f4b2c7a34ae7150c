"""Replenishment decisions from demand history: time-phased order-up-to levels (issue 13).

:func:`decide` is the one entry point an analyst (or an evaluation, or the planning run) calls on
any panel of one location. Per series it

1. completes the history: a series starts at its first row; inside its span, up to the last
   period of the whole panel, a missing period is zero demand; only the last ``max_history``
   periods count, by default :data:`HISTORY_YEARS` (five) years of them, as in a planning run;
2. classifies the pattern (Syntetos-Boylan, :func:`flexchain.planning.demand.classify`) and
   forecasts the periods after the last one with the pattern's default model (or the one
   ``models`` names) (:func:`flexchain.planning.forecast.forecast`); seasonal models only for
   series with at least three full cycles, non-seasonal otherwise; where unmet demand waits
   (``unmet_demand="backordered"``) a seasonal smooth or erratic series whose cycle ETS fits (at
   most 24 periods) is forecast by AutoETS averaged with Theta (:mod:`flexchain.planning.
   combined`; with lost sales AutoETS alone); an AutoETS structure chosen at
   an earlier decision and carried in ``past_forecasts`` is fitted again rather than searched for
   until a year has passed (:mod:`flexchain.planning.model_specs`); by default
   (``model_choice="accuracy"``) the long-run mean forecasts a series instead where its
   protection-interval errors over the same backtest origins (up to a year of them) were smaller
   (:mod:`flexchain.planning.model_choice`; ``"pattern"``: always the pattern's model);
3. caps every period's forecast at ``CAP_FACTOR`` times the largest period the series has seen,
   reporting each capped series in ``Decision.anomalies`` (``forecast_anomaly``);
4. sums the per-period forecasts over the *protection interval* ``P = lead_time + review_period``
   (``protection_demand``): the seasonal shape the model found is kept, not flattened to one mean
   times ``P``; with lost sales (``unmet_demand="lost"``) a smooth or erratic item's first
   period keeps the forecast the previous decision made for it (``LOST_DAMPING`` of its
   ``revision`` undone: docs/policy.md);
5. measures how wrong forecasts of the protection demand actually were: the last ``errors``
   realised errors ``sum(actual) - sum(forecast)`` over ``P`` periods, from ``past_forecasts``
   (what earlier decisions returned) when they give at least ``min_errors`` (made up to
   ``errors`` by the backtest's before the first of them while fewer have happened), else from
   a rolling-origin backtest (:mod:`flexchain.planning.protection_errors`); their RMSE, shrunk
   towards the scale the item's pattern lends it (:func:`flexchain.planning.error_scale.
   shrunk_rmse`: for smooth and intermittent demand, the item's own one-step noise
   over two years, scaled by the pattern, where two years hold at least twice the ``errors``
   periods, as weekly data's do; as many of the pattern's errors against the item's own as
   the pattern's items' spread says, :func:`~flexchain.planning.error_scale.scale_priors`)
   and widened by the lead time's
   spread (``sigma = sqrt(rmse^2 + d^2 sd_L^2)``), is the scale of the safety stock;
6. sets the safety factor ``k`` for the target: a **fill rate** by default, calibrated on those
   errors (:mod:`flexchain.planning.fill_rate`, each item's own shrunk towards its pattern's
   pooled ones), met by the items of a service level together (``fill_scope="group"``: one
   ``k``, the least stock, no demand pattern's items short more than three times their share)
   or item by item (``"item"``); with lost sales (``unmet_demand="lost"``) only what a lost
   sale costs counts
   (:func:`flexchain.planning.fill_replay.lost_share`), and only the share of the cycle
   formula's shortage the policy replayed on the items' history was short
   (:func:`flexchain.planning.fill_replay.carried_share`; both per demand pattern); the units
   short the target allows are divided by how much more the method left short on each item's
   held-out errors than it predicted (``held_out_ratio``, :mod:`flexchain.planning.
   safety_factors`); or a cycle service level (``target="cycle"``, ``k = Phi^-1(service_level)``);
7. ``safety_stock = k sigma``, ``order_up_to = max(protection_demand + safety_stock, 0)``, to
   compare with the inventory position (on hand plus on order).

Everything up to step 5 depends on the history, the past forecasts and the terms, not on the
service level: it is kept in a small cache keyed by their content, so asking again with another
``service_level`` or ``target`` only redoes steps 6 and 7.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import cast

import numpy as np
import polars as pl

from flexchain.planning import decide_inputs as inputs
from flexchain.planning import error_scale, model_specs, safety_factors
from flexchain.planning import model_choice as chooser
from flexchain.planning.protection_errors import (
    LOST_DAMPING,
    LOST_DAMPING_PATTERNS,
    NOISE_YEARS,
    Fitted,
    fit_and_backtest,
    fit_groups,
    noise,
    realised_errors,
    revisions,
)

__all__ = [
    "CAP_FACTOR",
    "DEFAULT_ERRORS",
    "FILL_SCOPES",
    "FIT_CACHE_SERIES",
    "HISTORY_YEARS",
    "MIN_ERRORS",
    "SEASON",
    "TARGETS",
    "UNMET_DEMAND",
    "Decision",
    "decide",
]

SEASON = {"1mo": 12, "1w": 52, "1q": 4, "1d": 7}
"""Periods per seasonal cycle, by period."""
PER_YEAR = {"1mo": 12, "1w": 52, "1q": 4, "1d": 365}
HISTORY_YEARS = 5
"""History :func:`decide` reads at most by default (``max_history``), like a planning run."""
DEFAULT_ERRORS = 24
"""Realised protection-interval errors that size safety stock (the latest ones)."""
MIN_ERRORS = 6
"""Fewer realised errors than this from ``past_forecasts``: the backtest gives them instead; fewer
than this in all, the pooled errors of the item's pattern calibrate its safety factor."""
CAP_FACTOR = 3.0
"""A period's forecast above this many times the largest period seen is capped (an anomaly)."""
TARGETS = ("fill", "cycle")
FILL_SCOPES = ("group", "item")
"""Whose fill rate a fill-rate target is: the items sharing a service level together (one
safety factor, the least stock), or each item on its own."""
UNMET_DEMAND = ("backordered", "lost")
"""What becomes of demand not served from stock: it waits (the default) or it is lost."""
_LEVEL_COLUMNS = (
    "item", "order_up_to", "safety_stock", "protection_demand", "demand_per_period", "model",
    "errors", "error_source", "realised_errors", "pattern", "lead_time", "review_period",
    "protection", "service_level", "target", "safety_factor", "rmse", "sigma", "bias",
    "default_model", "default_rmse", "mean_rmse", "lost_share", "carried_share",
    "held_out_ratio", "allowed_short", "own_rmse", "borrowed_rmse", "borrowed_by", "scale_prior",
    "noise", "revision", "multiplier", "past_multipliers", "solved_factor", "past_factors",
)  # fmt: skip
_CACHE: OrderedDict[str, _Fitted] = OrderedDict()
_CACHE_SIZE = 4
FIT_CACHE_SERIES = 20_000
"""Decisions (for another service level) and the fitted models of the last call (for another
lead time or review period on the same history) are kept only for panels up to this many
series: a planning run of 100,000 items would hold gigabytes for nothing. Larger panels are
fitted and backtested :data:`flexchain.planning.decide_inputs.CHUNK` series at a time."""
_FITS: dict[str, tuple[pl.DataFrame, str, list[Fitted]]] = {}


@dataclass(frozen=True)
class Decision:
    """What :func:`decide` returns.

    ``levels``, per item: ``order_up_to``, ``safety_stock``, ``protection_demand``,
    ``demand_per_period`` (protection demand over ``P``), ``model``; how many realised errors
    sized the safety stock (``errors``) and where they came from (``error_source``:
    ``past_forecasts``, ``backtest``, ``past_forecasts and backtest`` when fewer than ``errors``
    realised ones were made up by the backtest's before them, or ``class`` when the item had
    none and its pattern's relative error was used) and how many of them are realised ones
    (``realised_errors``); the ``pattern``, the terms used
    (``lead_time``, ``review_period``, ``protection`` = their sum, ``service_level``,
    ``target``), and the numbers behind the safety stock: ``safety_factor`` (k), ``rmse`` and
    ``bias`` (mean) of the errors, ``sigma``; the item's ``own_rmse`` and the
    ``borrowed_rmse`` its pattern lends it (``borrowed_by``:
    ``noise x c``, ``power law b = ...`` or ``proportion``), which ``rmse`` is shrunk between
    with ``scale_prior`` of the pattern's errors against the item's own (step 5), and the
    item's ``noise`` (the one-step in-sample errors' root mean square). With a
    fill-rate target, the units the item may be short per cycle (``allowed_short``, what ``k``
    solves for with the items of its service level) are ``(1 - fill) d R / lost_share /
    carried_share / held_out_ratio``: ``lost_share`` of a backorder's shortage is what a lost
    sale costs (1 when demand waits), ``carried_share`` how much of the shortage the cycle
    formula counts the replayed policy was short (a spike in the lead time is in two cycles'
    errors, short once), ``held_out_ratio`` how much more the method left short on held-out
    errors than it predicted (null with a cycle target). ``default_model``, ``default_rmse`` and
    ``mean_rmse``: the model choice (step 2). ``revision``: step 4 (lost sales undo it).

    ``forecasts``: ``item``, ``origin`` (the first forecast period), ``period``, ``forecast``:
    pass it back as ``past_forecasts`` at the next decision.

    ``anomalies``: ``item``, ``model``, ``field`` (``forecast`` or ``sigma``), ``value`` (what
    the model said), ``bound`` (what was used instead): the ``forecast_anomaly`` exceptions.
    """

    levels: pl.DataFrame
    forecasts: pl.DataFrame
    anomalies: pl.DataFrame


@dataclass(frozen=True)
class _Fitted:
    """Everything that does not depend on the service level (what the cache keeps)."""

    base: pl.DataFrame
    """Per item: pattern, model, terms, protection_demand, demand_per_period, cap."""
    errors: pl.DataFrame
    """``item``, ``origin``, ``error``: the errors that size each item's safety stock, and
    ``revision`` (realised ones only: what the lost-sales replay undoes, step 6)."""
    forecasts: pl.DataFrame
    anomalies: pl.DataFrame
    window: pl.DataFrame
    """``item``, ``period``, ``quantity``: each item's history from its first error's origin
    (what :mod:`flexchain.planning.fill_replay` replays the policy over)."""


def decide(
    history: pl.DataFrame,
    *,
    period: str = "1mo",
    lead_time: int = 1,
    review_period: int = 1,
    service_level: float = 0.95,
    past_forecasts: pl.DataFrame | None = None,
    errors: int = DEFAULT_ERRORS,
    min_errors: int = MIN_ERRORS,
    target: str = "fill",
    terms: pl.DataFrame | None = None,
    horizon: int | None = None,
    models: pl.DataFrame | None = None,
    max_history: int | None = None,
    n_jobs: int = 1,
    structures: pl.DataFrame | None = None,
    fill_scope: str = "group",
    unmet_demand: str = "backordered",
    model_choice: str = "accuracy",
) -> Decision:
    """The order-up-to level of every series of ``history`` (module docstring).

    ``history``: ``item``, ``period`` (a date), ``quantity`` — everything known up to the
    decision, one location. ``service_level`` is a fill rate (``target="fill"``) or a cycle
    service level (``target="cycle"``). ``terms``: ``item`` and any of ``lead_time``,
    ``review_period`` (whole periods), ``lead_time_sd`` (periods) and ``service_level``, per
    item, instead of the scalars. ``horizon``: periods of ``Decision.forecasts`` (at least each
    item's protection interval). ``models``: ``item``, ``model`` — a statsforecast model name of
    :data:`flexchain.planning.forecast.FAMILIES` per item instead of its pattern's default.
    ``max_history``: periods of history read at most (None: :data:`HISTORY_YEARS` years of
    them; a planning run passes its own setting). ``n_jobs``: processes for statsforecast.
    ``structures``: ``item``, ``spec``, ``selected`` — the AutoETS structures to carry (as
    ``Decision.forecasts`` gives them) when ``past_forecasts`` does not carry them itself (a
    planning run reads them apart: a column on millions of past forecast rows would cost memory).
    ``model_choice``: ``"accuracy"`` (the pattern's model or the long-run mean, whichever was
    more accurate; ``Decision.levels`` shows ``default_model``, ``default_rmse``, ``mean_rmse``)
    or ``"pattern"``. ``unmet_demand``: ``"backordered"`` (demand not served waits; a seasonal
    smooth or erratic series is forecast by AutoETS averaged with Theta,
    :mod:`flexchain.planning.combined`) or ``"lost"`` (AutoETS alone; steps 4 and 6).
    Deterministic: the same inputs give the same decision.
    """
    inputs.check((lead_time, review_period, service_level, errors, min_errors), (
        ("period", period, SEASON), ("target", target, TARGETS),
        ("fill_scope", fill_scope, FILL_SCOPES), ("unmet_demand", unmet_demand, UNMET_DEMAND),
        ("model_choice", model_choice, chooser.CHOICES),
    ))  # fmt: skip
    if max_history is None:
        max_history = HISTORY_YEARS * PER_YEAR[period]
    # the fit does not depend on the service levels: another one reuses it
    fit_terms = terms.drop("service_level", strict=False) if terms is not None else None
    # what earlier decisions measured and solved does not change the fit (decisions at other
    # service levels, each with its own, share it)
    past_fit = safety_factors.without_decided(past_forecasts)
    key = _key((history, past_fit, fit_terms, models, structures), (
        period, lead_time, review_period, errors, min_errors, horizon, max_history, model_choice,
        unmet_demand,
    ))  # fmt: skip
    fitted = _CACHE.get(key)
    if fitted is None:
        fitted = _fit(
            history, period, lead_time, review_period, past_fit, errors, min_errors,
            terms, horizon, models, max_history, n_jobs, structures, (model_choice, unmet_demand),
        )  # fmt: skip
        if fitted.base.height <= FIT_CACHE_SERIES:
            _CACHE[key] = fitted
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    levels = _levels(
        fitted, inputs.service_levels(fitted.base, terms, service_level), target,
        (fill_scope, unmet_demand), past_forecasts,
    )  # fmt: skip
    # what this decision measured, for the next ones to average (step 6)
    measured = pl.col("lost_share") * pl.col("carried_share") * pl.col("held_out_ratio")
    m = levels.select("item", measured.alias("multiplier"), "solved_factor", "service_level")
    return Decision(levels, fitted.forecasts.join(m, on="item", how="left"), fitted.anomalies)


def _key(frames: tuple[pl.DataFrame | None, ...], settings: tuple[object, ...] = ()) -> str:
    """The content of ``frames`` and ``settings``, as a digest."""
    digest = hashlib.blake2b(repr(settings).encode(), digest_size=20)
    for frame in frames:
        if frame is None:
            digest.update(b"none")
            continue
        digest.update(repr(frame.schema).encode())
        digest.update(frame.hash_rows().to_numpy().tobytes())
    return digest.hexdigest()


def _fit(
    history: pl.DataFrame,
    period: str,
    lead_time: int,
    review_period: int,
    past: pl.DataFrame | None,
    errors: int,
    min_errors: int,
    terms: pl.DataFrame | None,
    horizon: int | None,
    models: pl.DataFrame | None,
    max_history: int,
    n_jobs: int,
    structures: pl.DataFrame | None,
    choice: tuple[str, str],
) -> _Fitted:
    history_key = _key((history, models), (period, max_history))
    kept = _FITS.get(history_key)
    panel = kept[0] if kept is not None else inputs.complete(history, period, max_history)
    origin = inputs.offset(cast(date, panel["period"].max()), period, 1)
    base = model_specs.carried(
        structures if structures is not None else model_specs.latest(past),
        _base(panel, terms, lead_time, review_period, models, period, choice[1]),
        origin, PER_YEAR[period] * model_specs.RESELECT_YEARS, period,
    )  # fmt: skip
    realised = realised_errors(panel, past, base.select("item", "protection"), errors)
    counts = realised.group_by("item").len()
    enough = counts.filter(pl.col("len") >= min_errors).select("item")
    # the backtest makes up the errors of an item with fewer realised ones than it needs
    full = counts.filter(pl.col("len") >= errors)["item"].implode()
    base = base.with_columns(pl.col("item").is_in(full).not_().alias("backtest"))
    ahead = max(cast(int, base["protection"].max()), horizon or 0)
    candidates = chooser.eligible(base, models) if choice[0] == "accuracy" else pl.lit(False)
    origins = max(errors, chooser.ORIGINS[period])
    # the candidates are backtested whether or not their errors size the safety stock
    wide = base.with_columns(pl.col("backtest") | candidates)
    raw, tested, found, noisy = _fit_models(
        panel, wide, period, n_jobs, ahead, origins, kept, history_key
    )
    # the noise is worth borrowing where it spans more periods than the errors can (step 5)
    spans = pl.col("noise_periods") >= error_scale.NOISE_SPAN * errors
    base = base.join(noisy, on="item", how="left").with_columns(spans.alias("noise_wide"))
    base, raw, tested = chooser.choose(panel, base, raw, tested, candidates)
    tested = (
        tested.join(base.filter(pl.col("backtest")).select("item"), on="item")
        .group_by("item", maintain_order=True)
        .tail(errors)
    )
    means = raw.join(base.select("item", "cap"), on="item").with_columns(
        pl.col("mean").clip(upper_bound=pl.col("cap"))
    )
    summed = (
        means.join(base.select("item", "protection"), on="item")
        .filter(pl.int_range(pl.len()).over("item") < pl.col("protection"))
        .group_by("item")
        .agg(pl.col("mean").sum().alias("protection_demand"))
    )
    base = base.join(summed, on="item").with_columns(
        (pl.col("protection_demand") / pl.col("protection")).alias("demand_per_period")
    )
    base = base.join(revisions(means, past, origin), on="item", how="left")
    base, used = inputs.sources(base, realised.join(enough, on="item"), tested, errors)
    forecasts = means.select(
        "item", pl.lit(origin).alias("origin"), "period", pl.col("mean").alias("forecast")
    ).join(model_specs.spec_columns(base, found, origin), on="item", how="left")
    first = used.group_by("item").agg(pl.col("origin").min().alias("first"))
    window = (
        panel.join(first, on="item")
        .filter(pl.col("period") >= pl.col("first"))
        .select("item", "period", "quantity")
    )
    anomalies = inputs.forecast_anomalies(raw, base)
    errors_of = used.select("item", "origin", "error", "revision")
    return _Fitted(base, errors_of, forecasts, anomalies, window)


def _fit_models(
    panel: pl.DataFrame,
    base: pl.DataFrame,
    period: str,
    n_jobs: int,
    ahead: int,
    errors: int,
    kept: tuple[pl.DataFrame, str, list[Fitted]] | None,
    history_key: str,
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, str], pl.DataFrame]:
    """Forecasts, backtest errors, AutoETS structures and in-sample noise of every series of
    ``base`` (its models, fitted again only when the history or the structures changed)."""
    specs_key = _key((base.select("item", "model", "season", "spec"),))
    _FITS.clear()
    if base.height > FIT_CACHE_SERIES:  # nothing kept: fitted a chunk at a time
        return _fit_in_chunks(panel, base, period, n_jobs, ahead, errors)
    fits = kept[2] if kept is not None and kept[1] == specs_key else None
    if fits is None:
        fits = fit_groups(panel, base, period=period, n_jobs=n_jobs)
    _FITS[history_key] = (panel, specs_key, fits)
    raw, tested = fit_and_backtest(fits, base, period=period, horizon=ahead, errors=errors)
    found = {uid: spec for fit in fits for uid, spec in fit.specs.items()}
    return raw, tested, found, noise(fits, base["item"].dtype, NOISE_YEARS * PER_YEAR[period])


def _fit_in_chunks(
    panel: pl.DataFrame, base: pl.DataFrame, period: str, n_jobs: int, ahead: int, errors: int
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, str], pl.DataFrame]:
    """:func:`fit_groups`, :func:`fit_and_backtest` and :func:`noise` of :data:`~flexchain.
    planning.decide_inputs.CHUNK` items at a time, so only one chunk's fitted models are held (each
    series is fitted on its own: the same forecasts, errors and structures as all at once)."""
    raws, tested, noisy = [], [], []
    found: dict[str, str] = {}
    for start in range(0, base.height, inputs.CHUNK):
        part = base.slice(start, inputs.CHUNK)
        series = panel.filter(pl.col("item").is_in(part["item"].implode()))
        fits = fit_groups(series, part, period=period, n_jobs=n_jobs)
        raw, errors_of = fit_and_backtest(fits, part, period=period, horizon=ahead, errors=errors)
        raws.append(raw)
        tested.append(errors_of)
        noisy.append(noise(fits, base["item"].dtype, NOISE_YEARS * PER_YEAR[period]))
        found.update((uid, spec) for fit in fits for uid, spec in fit.specs.items())
        del fits, series  # before the next chunk's are made
    return (
        pl.concat(raws).sort("item", "period"),
        pl.concat(tested).sort("item", "origin"),
        found,
        pl.concat(noisy),
    )


def _base(
    panel: pl.DataFrame,
    terms: pl.DataFrame | None,
    lead_time: int,
    review_period: int,
    models: pl.DataFrame | None,
    period: str,
    unmet: str,
) -> pl.DataFrame:
    """Per item: pattern, model, terms, ``len`` (periods of history), ``cap`` and ``season``
    (seasonal models only with three full cycles; where demand waits, AutoETS averaged with
    Theta on a season ETS fits)."""
    cycle = SEASON[period]
    stats = panel.group_by("item").agg(
        pl.len().alias("len"), (CAP_FACTOR * pl.col("quantity").max()).alias("cap")
    )
    return (
        inputs.with_models(
            inputs.with_terms(inputs.classes(panel), terms, lead_time, review_period), models
        )
        .join(stats, on="item")
        .with_columns(pl.when(pl.col("len") >= 3 * cycle).then(cycle).otherwise(1).alias("season"))
        .pipe(inputs.with_combined, models, unmet == "backordered")
    )


def _levels(
    fitted: _Fitted,
    levels: pl.DataFrame,
    target: str,
    fill: tuple[str, str],
    past: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Safety factor, safety stock and order-up-to level of every item (steps 6 and 7)."""
    stats = fitted.errors.group_by("item").agg(
        (pl.col("error") ** 2).mean().sqrt().alias("rmse"), pl.col("error").mean().alias("bias")
    )
    frame = (
        fitted.base.join(stats, on="item", how="left")
        .join(levels, on="item")
        .sort("item")
        .with_columns(pl.col("bias").fill_null(0.0))
    )
    if fill[1] == "lost":
        frame = frame.with_columns(
            pl.col("protection_demand")
            - pl.when(pl.col("pattern").is_in(LOST_DAMPING_PATTERNS))
            .then(LOST_DAMPING * pl.col("revision").fill_null(0.0))
            .otherwise(0.0)
        )
    frame = error_scale.class_rmse(frame)
    priors = error_scale.scale_priors(frame, fitted.errors)
    frame = error_scale.shrunk_rmse(frame.join(priors, on="pattern", how="left")).with_columns(
        (pl.col("rmse") ** 2 + (pl.col("demand_per_period") * pl.col("lead_time_sd")) ** 2)
        .sqrt()
        .alias("sigma"),
        pl.lit(target).alias("target"),
    )
    earlier = safety_factors.past_multipliers(frame, past)
    return (
        safety_factors.with_factors(
            frame,
            fitted.errors,
            target,
            *fill,
            min_errors=MIN_ERRORS,
            window=fitted.window,
            past_m=earlier,
        )
        .pipe(safety_factors.steady_factors, past, target)
        .with_columns(
            (pl.col("safety_factor") * pl.col("sigma")).alias("safety_stock"),
            pl.Series(
                "past_multipliers", earlier[1] if earlier else np.zeros(frame.height), pl.Int64
            ),
        )
        .with_columns(
            (pl.col("protection_demand") + pl.col("safety_stock"))
            .clip(lower_bound=0.0)
            .alias("order_up_to")
        )
        .select(_LEVEL_COLUMNS)
    )
