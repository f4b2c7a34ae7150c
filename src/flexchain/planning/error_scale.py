"""The scale of a decision's errors (:func:`flexchain.planning.replenishment.decide`, step 5).

An item's RMSE over its realised errors is a short sample of heavy-tailed demand: it is shrunk
towards the scale its demand pattern lends it at the item's volume (:func:`shrunk_rmse`,
:func:`borrowed_scale`), and an item without errors gets its pattern's relative RMSE
(:func:`class_rmse`); how much it borrows depends on how much its pattern's items differ
(:func:`scale_priors`). The safety factors are solved on that scale
(:mod:`flexchain.planning.safety_factors`).
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "NOISE_PATTERNS",
    "NOISE_PRIOR_FACTOR",
    "NOISE_SPAN",
    "POWER_LAW_ITEMS",
    "POWER_LAW_PATTERNS",
    "PRIOR_ERRORS",
    "PRIOR_ITEMS",
    "PRIOR_MARGIN",
    "SCALE_PRIOR",
    "borrowed_scale",
    "class_rmse",
    "scale_priors",
    "shrunk_rmse",
]

SCALE_PRIOR = 96.0
"""An item's RMSE is shrunk towards its pattern's, ``n`` own errors against at most this many of
the pattern's (:func:`shrunk_rmse`); this many where the pattern's items do not tell how much
they differ (:func:`scale_priors`)."""
PRIOR_ITEMS = 20
"""Items with at least :data:`PRIOR_ERRORS` errors a pattern needs before :func:`scale_priors`
measures how much they differ; fewer, and it weighs :data:`SCALE_PRIOR`."""
PRIOR_ERRORS = 12
"""Errors an item needs to count in :func:`scale_priors` (two halves of six)."""
PRIOR_MARGIN = 2.0
"""Standard errors (of the variance over the pattern's items) by which the spread of a pattern's
items' scales must exceed what sampling explains before they keep more of their own
(:func:`scale_priors`)."""
POWER_LAW_PATTERNS = ("intermittent", "lumpy")
"""Patterns whose items borrow their scale by a power law of their volume (:func:`borrowed_scale`);
the others in proportion to it."""
NOISE_PATTERNS = ("smooth", "intermittent")
"""Patterns whose items borrow their scale from their own one-step noise (:func:`borrowed_scale`),
where it spans :data:`NOISE_SPAN` times their errors' periods. Not erratic or lumpy demand: their
spikes are rare enough that two years of one-step errors do not measure their spread better than
their pattern's items together (the demo company at equal fill: erratic +8.5 / +4.5 % against
static at lead 1 by noise, +8.0 / +1.0 % in proportion; docs/policy.md)."""
NOISE_SPAN = 2
"""An item borrows by noise only where its noise was measured over at least this many times the
periods its errors are drawn from (``decide``'s ``errors``, 24): weekly data's two years, not
monthly data's (``noise_wide`` in the decision's frame). Over no more than that span the one-step
in-sample noise tells nothing the errors do not, and it does not see what a level shift does to
a forecast of several periods (on PBS, borrowed by noise, the 20 intermittent series held 184 %
more than the evaluation's reference at equal fill, lead 1, lost sales; docs/policy.md)."""
NOISE_PRIOR_FACTOR = 4.0
"""An item that borrows by noise weighs its pattern's :func:`scale_priors` this many times
against its own errors (:func:`shrunk_rmse`): ``B`` is then its own spread, measured on two
years of one-step errors, about four times the periods of its 24 errors (104 weeks), not a
scale its pattern's items share. Measured on the demo company (session 33; stock at equal fill
against static never updated, lead 1 lost / lead 1 backorders / lead 2 lost / lead 2
backorders): its intermittent items -0.9 / -0.9 / -0.5 / -0.6 % (-0.4 / -0.6 / -0.0 / -0.1 % at
1; static refreshed -0.6 / -0.7 / -0.8 / -0.7 %), its smooth items 0.1-0.2 points less, the
same fill told 95 %. Monthly data do not borrow by noise (:data:`NOISE_SPAN`)."""
POWER_LAW_ITEMS = 50
"""Items with errors a pattern needs to fit its power law; fewer, and it lends in proportion."""


def class_rmse(frame: pl.DataFrame) -> pl.DataFrame:
    """Items without any error get the median relative RMSE (RMSE over protection demand) of
    their pattern's items (of all items when their pattern has none), times their own
    protection demand; an RMSE is capped at the cap times the protection interval."""
    relative = pl.col("rmse") / pl.col("protection_demand")
    measured = frame.filter(pl.col("rmse").is_not_null() & (pl.col("protection_demand") > 0))
    overall = measured.select(relative.median()).item() if measured.height else 0.0
    per_pattern = measured.group_by("pattern").agg(relative.median().alias("relative"))
    return (
        frame.join(per_pattern, on="pattern", how="left")
        .with_columns(
            pl.coalesce(
                "rmse",
                pl.col("protection_demand") * pl.coalesce("relative", pl.lit(overall or 0.0)),
            )
            .clip(upper_bound=pl.col("cap") * pl.col("protection"))
            .alias("rmse")
        )
        .drop("relative")
    )


def shrunk_rmse(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with each item's ``rmse`` shrunk towards the scale its pattern lends it:
    ``sqrt((n rmse^2 + p B^2) / (n + p))``, ``n`` the item's errors, ``p`` its pattern's
    ``scale_prior`` (:func:`scale_priors`; :data:`SCALE_PRIOR` without one) and ``B`` the
    borrowed scale (:func:`borrowed_scale`: in proportion
    to the item's protection demand, or for sparse demand by the pattern's power law).

    Twenty-four weeks of errors are a short sample of heavy-tailed demand: an item whose last
    half-year held no wholesale spike gets a small RMSE and a small safety stock, and the spike
    that comes is short in full. The pattern's errors (hundreds of items' half-years) have seen
    such spikes; borrowing their scale, at the item's volume, keeps that risk in every item's
    safety stock (on the demo company's erratic and lumpy items, 95 % fill became reachable at
    all, docs/policy.md). An item without errors keeps the RMSE it has. ``own_rmse``,
    ``borrowed_rmse``, ``borrowed_by`` and ``scale_prior`` keep what it was shrunk between and
    how (for ``plan explain``; ``scale_prior`` is the pattern's ``p``: an item borrowing by noise
    weighs :data:`NOISE_PRIOR_FACTOR` times it).
    """
    n = pl.col("errors").cast(pl.Float64)
    borrowed = pl.col("borrowed")
    if "scale_prior" in frame.columns:
        frame = frame.with_columns(pl.col("scale_prior").fill_null(SCALE_PRIOR))
    else:
        frame = frame.with_columns(pl.lit(SCALE_PRIOR).alias("scale_prior"))
    by_noise = pl.col("borrowed_by").str.starts_with("noise").fill_null(False)
    prior = pl.when(by_noise).then(NOISE_PRIOR_FACTOR).otherwise(1.0) * pl.col("scale_prior")
    shrunk = ((n * pl.col("rmse") ** 2 + prior * borrowed**2) / (n + prior)).sqrt()
    return (
        frame.join(borrowed_scale(frame), on="item", how="left")
        .with_columns(
            pl.when(n > 0)
            .then(shrunk.fill_nan(None))
            .otherwise(None)
            .fill_null(pl.col("rmse"))
            .alias("rmse"),
            pl.col("rmse").alias("own_rmse"),
            borrowed.alias("borrowed_rmse"),
        )
        .drop("borrowed")
    )


def borrowed_scale(frame: pl.DataFrame) -> pl.DataFrame:
    """``item``, ``borrowed``: the RMSE its pattern lends an item at its protection demand
    ``P``; ``borrowed_by``: how (``noise x c``, ``power law b = ...`` or ``proportion``).

    By noise (the :data:`NOISE_PATTERNS`, items with a ``noise``: the root mean square of their
    one-step in-sample errors over the last two years, :func:`flexchain.planning.
    protection_errors.noise`), ``B = c noise sqrt(P)`` with ``c = sqrt(sum rmse^2 / sum (noise
    sqrt(P))^2)`` over the pattern's items with errors: each item's own spread, measured on
    years of periods, scaled as the pattern's realised errors say the protection interval's
    spread relates to it. Twenty-four realised errors measure an item's scale to within about
    15 %; two years of periods to within a few, and on demand that does not trend the item's own
    scale is what its safety stock should follow (the demo company at equal fill, against the
    static policy: docs/policy.md).

    In proportion, ``B = r P`` with ``r = sqrt(sum rmse^2 / sum P^2)`` over the pattern's items:
    a constant relative error. Sparse demand's spread grows slower than its volume (a count's
    variance grows with its mean, not with its square), so a pattern of
    :data:`POWER_LAW_PATTERNS` with at least :data:`POWER_LAW_ITEMS` items with errors fits
    ``log rmse^2 = log a + b log P`` over them by least squares (Taylor's law, ``b`` kept in
    [0, 2]) and lends ``B = sqrt(a P^b)``: the typical item's scale at that volume (a geometric
    mean, not pulled up by the pattern's few wild items). Fewer items, or no spread of volumes,
    and it lends in proportion (a fit on PBS's 20-odd intermittent series multiplied that
    class's stock: docs/policy.md).
    """
    x = pl.col("protection_demand").log()
    fit = pl.col("my") + pl.col("b") * (pl.col("x") - pl.col("mx"))
    frame = frame.with_columns(
        pl.when(pl.col("noise_wide"))
        .then(pl.col("noise") * pl.col("protection").cast(pl.Float64).sqrt())
        .alias("scale")
        if "noise" in frame.columns
        else pl.lit(None, pl.Float64).alias("scale")
    )
    proportional = frame.group_by("pattern").agg(
        ((pl.col("rmse") ** 2).sum() / (pl.col("protection_demand") ** 2).sum()).sqrt().alias("r")
    )
    by_noise = pl.col("c").is_not_null() & (pl.col("scale") > 0)
    by_law = pl.col("b").is_not_null()
    return (
        frame.select("item", "pattern", x.alias("x"), "protection_demand", "scale")
        .join(_power_laws(frame), on="pattern", how="left")
        .join(proportional, on="pattern", how="left")
        .join(_noise_ratios(frame), on="pattern", how="left")
        .select(
            "item",
            pl.when(by_noise)
            .then(pl.col("c") * pl.col("scale"))
            .when(by_law)
            .then((fit / 2).exp())
            .otherwise(pl.col("r") * pl.col("protection_demand"))
            .alias("borrowed"),
            pl.when(by_noise)
            .then(pl.format("noise x {}", pl.col("c").round(4)))
            .when(by_law)
            .then(pl.format("power law b = {}", pl.col("b").round(4)))
            .otherwise(pl.lit("proportion"))
            .alias("borrowed_by"),
        )
    )


def _power_laws(frame: pl.DataFrame) -> pl.DataFrame:
    """``pattern``, ``mx``, ``my``, ``b``: Taylor's law fitted over each of the
    :data:`POWER_LAW_PATTERNS` with enough items (:func:`borrowed_scale`)."""
    x, y = pl.col("protection_demand").log(), 2 * pl.col("rmse").log()
    measured = frame.filter(
        pl.col("pattern").is_in(list(POWER_LAW_PATTERNS))
        & (pl.col("errors") > 0)
        & (pl.col("rmse") > 0)
        & (pl.col("protection_demand") > 0)
    ).with_columns(x.alias("x"), y.alias("y"))
    dx, dy = pl.col("x") - pl.col("x").mean(), pl.col("y") - pl.col("y").mean()
    return (
        measured.group_by("pattern")
        .agg(
            pl.len().alias("m"),
            pl.col("x").mean().alias("mx"),
            pl.col("y").mean().alias("my"),
            ((dx * dy).sum() / (dx**2).sum()).alias("b"),
        )
        .filter((pl.col("m") >= POWER_LAW_ITEMS) & pl.col("b").is_finite())
        .with_columns(pl.col("b").clip(0.0, 2.0))
        .select("pattern", "mx", "my", "b")
    )


def _noise_ratios(frame: pl.DataFrame) -> pl.DataFrame:
    """``pattern``, ``c``: how the realised errors' spread relates to ``noise sqrt(P)`` over
    each of the :data:`NOISE_PATTERNS`' items with both (:func:`borrowed_scale`)."""
    return (
        frame.filter(
            pl.col("pattern").is_in(list(NOISE_PATTERNS))
            & (pl.col("errors") > 0)
            & (pl.col("scale") > 0)
            & pl.col("rmse").is_not_null()
        )
        .group_by("pattern")
        .agg(((pl.col("rmse") ** 2).sum() / (pl.col("scale") ** 2).sum()).sqrt().alias("c"))
        .filter(pl.col("c").is_finite() & (pl.col("c") > 0))
    )


def scale_priors(frame: pl.DataFrame, errors: pl.DataFrame) -> pl.DataFrame:
    """``pattern``, ``scale_prior``: how many errors a pattern's scale weighs against an item's
    own in :func:`shrunk_rmse`, from how much the pattern's items differ (empirical Bayes).

    ``frame`` has an item's ``pattern``, ``rmse`` over its ``errors`` and what
    :func:`borrowed_scale` needs; ``errors`` its errors (``item``, ``origin``, ``error``). Over
    a pattern's ``k`` items with at least :data:`PRIOR_ERRORS` errors, ``v = log(rmse^2 /
    B^2)``, the item's mean squared error against the one its pattern lends it, spreads by how
    much their true scales differ (``tau^2``) and by what a sample of ``n`` errors adds
    (``s^2``). The sampling part is measured on the items themselves: an item's errors cut into
    an earlier and a later half differ by sampling only, so ``s^2 = var(v_a - v_b) / 4`` (in
    logs, a half's ``v`` errs about twice as much as the whole's). The weight that brings the
    shrunk scale nearest the true one is then ``n / (n + p) = tau^2 / (tau^2 + s^2)``, so ``p =
    n s^2 / tau^2`` (``n`` the items' mean errors), within ``[1, SCALE_PRIOR]``. ``tau^2 =
    var(v) - s^2 - m SE``, ``SE`` the standard error of ``var(v)`` over the ``k`` items (from its
    fourth moment) and ``m`` = :data:`PRIOR_MARGIN`: the items keep more of their own only where
    their spread exceeds sampling's clearly; otherwise ``p`` = :data:`SCALE_PRIOR`. In logs,
    because squared errors of heavy-tailed demand spread so wildly that their variance tells
    nothing from 50 items (the demo company's lumpy items: ``p`` 10 at one review, 96 at the
    next).

    Retail turnover by industry and state (aus_retail) differs from series to series far more
    than 24 errors mis-measure it (``p`` 4-7); the demo company's items, drawn alike, do not
    (96): docs/policy.md, step 5. A pattern with fewer than :data:`PRIOR_ITEMS` such items (or
    an item with a half of zero errors) has no row (``SCALE_PRIOR``).
    """
    halves = (
        errors.sort("item", "origin")
        .with_columns((pl.int_range(pl.len()).over("item") * 2 // pl.len().over("item")).alias("h"))
        .group_by("item")
        .agg((pl.col("error").filter(pl.col("h") == h) ** 2).mean().alias(f"v{h}") for h in (0, 1))
    )
    borrowed = pl.col("borrowed") ** 2
    measured = (
        frame.join(borrowed_scale(frame).select("item", "borrowed"), on="item")
        .join(halves, on="item")
        .filter(
            (pl.col("errors") >= PRIOR_ERRORS)
            & (borrowed > 0)
            & (pl.col("v0") > 0)
            & (pl.col("v1") > 0)
        )
        .select(
            "pattern",
            pl.col("errors").cast(pl.Float64),
            (pl.col("rmse") ** 2 / borrowed).log().alias("v"),
            (pl.col("v0") / pl.col("v1")).log().alias("d"),
        )
    )
    k, v = pl.len(), pl.col("v")
    sampling = pl.col("d").var() / 4
    # the standard error of var(v) over k items, from its fourth moment: heavy tails widen it
    fourth = ((v - v.mean()) ** 4).mean()
    error = ((fourth - v.var() ** 2 * (k - 3) / (k - 1)) / k).clip(lower_bound=0.0).sqrt()
    spread = v.var() - sampling - PRIOR_MARGIN * error
    prior = pl.col("errors").mean() * sampling / spread
    return (
        measured.group_by("pattern")
        .agg(k.alias("k"), prior.alias("p"), spread.alias("spread"))
        .filter(pl.col("k") >= PRIOR_ITEMS)
        .select(
            "pattern",
            pl.when(pl.col("spread") > 0)
            .then(pl.col("p").fill_nan(None).clip(1.0, SCALE_PRIOR))
            .otherwise(SCALE_PRIOR)
            .fill_null(SCALE_PRIOR)
            .alias("scale_prior"),
        )
    )
