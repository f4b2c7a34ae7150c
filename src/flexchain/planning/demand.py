"""Demand history in periodic buckets, and its classification (ABC, XYZ, demand pattern).

The input of a planning run's demand side is a flat list of demand rows (sales-order lines plus
imported history, concatenated by the caller) with the columns ``item``, ``location``, ``date`` and
``quantity``. :func:`weekly_buckets` turns them into a complete panel, one row per item, location
and period with zeros where nothing sold; :func:`classify` labels every series of that panel:

- **ABC** by value (quantity times unit value): the items that make up the first ``abc_cutoffs[0]``
  of the total value are A, up to ``abc_cutoffs[1]`` B, the rest C.
- **XYZ** by the coefficient of variation of the per-period demand (zeros included).
- **Demand pattern** by the Syntetos-Boylan-Croston scheme: the average inter-demand interval
  (ADI) and the squared coefficient of variation of the non-zero demand sizes (CV²) against the
  cut-offs 1.32 and 0.49 give smooth, erratic, intermittent or lumpy demand.

References
----------
Syntetos, A. A., Boylan, J. E. & Croston, J. D. (2005). On the categorization of demand patterns.
*Journal of the Operational Research Society*, 56(5), 495-503.

Everything is a Polars expression over the whole panel: no Python loop per series.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

__all__ = [
    "KEYS",
    "PATTERNS",
    "classify",
    "weekly_buckets",
]

KEYS = ("item", "location")
"""The columns that name one demand series (frePPLe's *buffer*: an item at a location)."""

PATTERNS = ("smooth", "erratic", "intermittent", "lumpy", "no_demand")
"""Every value :func:`classify` puts in the ``pattern`` column."""


def _require_columns(frame: pl.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {', '.join(missing)}; it has {frame.columns}")


def weekly_buckets(
    history: pl.DataFrame,
    *,
    period: str = "1w",
    start: date | None = None,
    end: date | None = None,
) -> pl.DataFrame:
    """Sum demand rows into a complete panel of periods, with zeros where nothing sold.

    Parameters
    ----------
    history
        Demand rows with the columns ``item``, ``location``, ``date`` (a date or datetime) and
        ``quantity``. Several rows in one period add up; sales orders and imported history are
        simply concatenated before the call.
    period
        A Polars duration of at least a day: ``"1w"`` (weeks starting on Monday, the default),
        ``"1d"``, ``"2w"``, ``"1mo"``. A period is named by its first day.
    start, end
        The first and last day to include; default the first and last date in ``history``. Both
        are moved back to the start of their period, and rows outside are dropped.

    Returns
    -------
    pl.DataFrame
        ``item``, ``location``, ``period`` (date), ``quantity`` (float): one row for every series
        seen in ``history`` (even one whose rows all fall outside the window) and every period from
        ``start`` to ``end``, sorted by item, location and period. Every series spans the same
        periods. A period's net total below zero (returns exceeding sales) is counted as zero
        demand.
    """
    _require_columns(history, "history", (*KEYS, "date", "quantity"))
    rows = history.select(
        *KEYS,
        pl.col("date").cast(pl.Date).dt.truncate(period).alias("period"),
        pl.col("quantity").cast(pl.Float64),
    )
    if rows.is_empty():
        return rows
    first = _truncate(start if start is not None else rows["period"].min(), period)
    last = _truncate(end if end is not None else rows["period"].max(), period)
    if first > last:
        raise ValueError(f"start ({first}) must not be after end ({last})")
    keys = rows.select(KEYS).unique().sort(KEYS).with_row_index("series")
    periods = (
        pl.date_range(first, last, interval=period, eager=True)
        .alias("period")
        .to_frame()
        .with_row_index("step")
    )
    totals = (
        rows.join(periods, on="period", how="inner")
        .group_by(*KEYS, "step")
        .agg(pl.col("quantity").sum())
        .join(keys, on=list(KEYS), how="left")
    )
    # scatter the totals into a dense series x period grid: cheaper than joining 10M rows
    width = periods.height
    grid = np.zeros(keys.height * width)
    position = totals["series"].to_numpy().astype(np.int64) * width + totals["step"].to_numpy()
    grid[position] = totals["quantity"].to_numpy()
    return pl.DataFrame(
        {
            **{key: keys[key].gather(np.repeat(np.arange(keys.height), width)) for key in KEYS},
            "period": periods["period"].gather(np.tile(np.arange(width), keys.height)),
            "quantity": np.clip(grid, 0.0, None),
        },
        schema=rows.schema,
    )


def _truncate(day: object, period: str) -> date:
    first_day = pl.select(pl.lit(day).cast(pl.Date).dt.truncate(period)).item()
    if not isinstance(first_day, date):
        raise ValueError(f"start and end must be dates, got {day!r}")
    return first_day


def classify(
    panel: pl.DataFrame,
    values: pl.DataFrame,
    *,
    abc_cutoffs: tuple[float, float] = (0.8, 0.95),
    xyz_cutoffs: tuple[float, float] = (0.5, 1.0),
    adi_cutoff: float = 1.32,
    cv2_cutoff: float = 0.49,
) -> pl.DataFrame:
    """Label every series of a demand panel with its ABC, XYZ and Syntetos-Boylan class.

    Parameters
    ----------
    panel
        The output of :func:`weekly_buckets`: ``item``, ``location``, ``period``, ``quantity``.
    values
        ``unit_value`` per ``item`` (one price or cost for all locations), or per ``item`` and
        ``location``. A series without a unit value is an error, named in the message.
    abc_cutoffs
        Cumulative value shares ``(a, b)`` with ``0 < a < b <= 1``. Series are ranked by value,
        highest first (ties by item and location). A series is **A** when the series ranked before
        it hold less than ``a`` of the total value, **B** when they hold less than ``b``, else
        **C**. So the series that crosses a cut-off belongs to the higher class: A holds at least
        ``a`` of the value, and without its last member less than ``a``. With no value at all,
        every series is C.
    xyz_cutoffs
        ``(x, y)``: **X** when the coefficient of variation ``cv`` of the per-period quantity
        (sample standard deviation over mean, zero periods included) is at most ``x``, **Y** at
        most ``y``, else **Z**. A series with no demand has no ``cv`` and is Z.
    adi_cutoff, cv2_cutoff
        The Syntetos-Boylan-Croston (2005) cut-offs, 1.32 and 0.49 by default.

    Returns
    -------
    pl.DataFrame
        One row per series, sorted by item and location: ``item``, ``location``, ``periods``,
        ``demand_periods`` (periods with demand), ``quantity`` (total), ``unit_value``, ``value``,
        ``abc``, ``cv``, ``xyz``, ``adi``, ``cv2``, ``pattern``.

    Notes
    -----
    Following Syntetos, Boylan & Croston (2005), with ``p`` the average inter-demand interval and
    ``CV²`` the squared coefficient of variation of the demand sizes (the non-zero quantities):

    ============  ==============  ===============
    pattern       ADI             CV²
    ============  ==============  ===============
    smooth        ADI < 1.32      CV² < 0.49
    erratic       ADI < 1.32      CV² >= 0.49
    intermittent  ADI >= 1.32     CV² < 0.49
    lumpy         ADI >= 1.32     CV² >= 0.49
    ============  ==============  ===============

    A value exactly on a cut-off falls on the *more irregular* side (intermittent, erratic, lumpy).
    ``adi`` is computed as periods divided by periods with demand (the mean interval between
    demands over the window), and ``cv2`` with the sample standard deviation of the non-zero
    sizes (``ddof=1``, as R's ``tsintermittent::idclass``).

    Special cases: a series with no demand in the window has ``adi`` and ``cv2`` null and the
    pattern ``"no_demand"``; a series with demand in exactly one period has ``cv2`` null (one size
    has no spread) and is ``"lumpy"`` — a single spike is the most irregular demand there is.
    """
    _require_columns(panel, "panel", (*KEYS, "period", "quantity"))
    _check_classify_cutoffs(abc_cutoffs, xyz_cutoffs, adi_cutoff, cv2_cutoff)
    stats = _join_values(_series_stats(panel), values)
    return _labelled(stats, abc_cutoffs, xyz_cutoffs, adi_cutoff, cv2_cutoff)


def _labelled(
    stats: pl.DataFrame,
    abc_cutoffs: tuple[float, float],
    xyz_cutoffs: tuple[float, float],
    adi_cutoff: float,
    cv2_cutoff: float,
) -> pl.DataFrame:
    """``stats`` with value, ABC, ADI, XYZ and pattern, in :func:`classify`'s columns."""
    return (
        stats.with_columns((pl.col("quantity") * pl.col("unit_value")).alias("value"))
        # ties in value are broken by the keys, so the labels never depend on row order
        .sort(["value", *KEYS], descending=[True, False, False])
        .with_columns(_abc(abc_cutoffs))
        .with_columns(
            pl.when(pl.col("demand_periods") > 0)
            .then(pl.col("periods") / pl.col("demand_periods"))
            .alias("adi"),
            pl.col("cv").fill_nan(None),
            pl.col("cv2").fill_nan(None),
        )
        .with_columns(
            _xyz(xyz_cutoffs),
            _pattern(adi_cutoff, cv2_cutoff),
        )
        .sort(KEYS)
        .select(
            *KEYS,
            "periods",
            "demand_periods",
            "quantity",
            "unit_value",
            "value",
            "abc",
            "cv",
            "xyz",
            "adi",
            "cv2",
            "pattern",
        )
    )


def _check_classify_cutoffs(
    abc_cutoffs: tuple[float, float],
    xyz_cutoffs: tuple[float, float],
    adi_cutoff: float,
    cv2_cutoff: float,
) -> None:
    _check_cutoffs("abc_cutoffs", abc_cutoffs, upper=1.0)
    _check_cutoffs("xyz_cutoffs", xyz_cutoffs, upper=float("inf"))
    if adi_cutoff < 1.0:
        raise ValueError(
            f"adi_cutoff must be at least 1 (one demand every period), got {adi_cutoff}"
        )
    if cv2_cutoff < 0.0:
        raise ValueError(f"cv2_cutoff must not be negative, got {cv2_cutoff}")


def _series_stats(panel: pl.DataFrame) -> pl.DataFrame:
    """Per series: ``periods``, ``demand_periods``, total ``quantity``, ``cv`` of the
    per-period quantity and ``cv2`` of the non-zero sizes."""
    quantity = pl.col("quantity")
    sizes = quantity.filter(quantity > 0)
    return panel.group_by(KEYS).agg(
        pl.len().alias("periods"),
        (quantity > 0).sum().alias("demand_periods"),
        quantity.sum(),
        (quantity.std(ddof=1) / quantity.mean()).alias("cv"),
        (sizes.var(ddof=1) / sizes.mean().pow(2)).alias("cv2"),
    )


def _check_cutoffs(name: str, cutoffs: tuple[float, float], *, upper: float) -> None:
    low, high = cutoffs
    if not 0.0 < low < high <= upper:
        bound = "1" if upper == 1.0 else "infinity"
        raise ValueError(f"{name} must be increasing and within (0, {bound}], got {cutoffs}")


def _join_values(stats: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    _require_columns(values, "values", ("item", "unit_value"))
    on = [key for key in KEYS if key in values.columns]
    priced = stats.join(
        values.select(*on, pl.col("unit_value").cast(pl.Float64)).unique(on, keep="last"),
        on=on,
        how="left",
    )
    unpriced = priced.filter(pl.col("unit_value").is_null())
    if not unpriced.is_empty():
        examples = ", ".join(
            f"{row['item']}@{row['location']}" for row in unpriced.head(5).iter_rows(named=True)
        )
        raise ValueError(
            f"values has no unit_value for {unpriced.height} series, e.g. {examples}; "
            "give every item a price or cost (0 is allowed)"
        )
    return priced


def _abc(cutoffs: tuple[float, float]) -> pl.Expr:
    """The ABC label over a frame sorted by value, highest first."""
    a, b = cutoffs
    value = pl.col("value")
    share_before = value.cum_sum().shift(1, fill_value=0.0) / value.sum()
    return (
        pl.when(value.sum() <= 0)
        .then(pl.lit("C"))
        .when(share_before < a)
        .then(pl.lit("A"))
        .when(share_before < b)
        .then(pl.lit("B"))
        .otherwise(pl.lit("C"))
        .alias("abc")
    )


def _xyz(cutoffs: tuple[float, float]) -> pl.Expr:
    x, y = cutoffs
    cv = pl.col("cv")
    return (
        pl.when(cv.is_null())
        .then(pl.lit("Z"))
        .when(cv <= x)
        .then(pl.lit("X"))
        .when(cv <= y)
        .then(pl.lit("Y"))
        .otherwise(pl.lit("Z"))
        .alias("xyz")
    )


def _pattern(adi_cutoff: float, cv2_cutoff: float) -> pl.Expr:
    adi, cv2 = pl.col("adi"), pl.col("cv2")
    frequent = adi < adi_cutoff
    steady = cv2 < cv2_cutoff
    return (
        pl.when(pl.col("demand_periods") == 0)
        .then(pl.lit("no_demand"))
        .when(pl.col("demand_periods") == 1)
        .then(pl.lit("lumpy"))
        .when(frequent & steady)
        .then(pl.lit("smooth"))
        .when(frequent)
        .then(pl.lit("erratic"))
        .when(steady)
        .then(pl.lit("intermittent"))
        .otherwise(pl.lit("lumpy"))
        .alias("pattern")
    )
