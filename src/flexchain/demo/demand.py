"""Weekly demand history with the four Syntetos-Boylan patterns, vectorised over all items at once.

The classification (Syntetos, Boylan & Croston, 2005) splits items by the average inter-demand
interval ``ADI = periods / periods with demand`` and the squared coefficient of variation of the
non-zero demand sizes ``CV² = (sd / mean)²``, with the cut-offs ``ADI = 1.32`` and ``CV² = 0.49``:

============  ===========  ===========
pattern       ADI          CV²
============  ===========  ===========
smooth        < 1.32       < 0.49
erratic       < 1.32       >= 0.49
intermittent  >= 1.32      < 0.49
lumpy         >= 1.32      >= 0.49
============  ===========  ===========

Each item draws an occurrence probability (frequent or sparse) and a size distribution (gamma with a
low CV, or lognormal with a high one), times a yearly season. Parameters sit well away from the
cut-offs; the few series that still land on the wrong side by sampling noise are redrawn (same
generator, so still deterministic), so every label is true of its series.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
PATTERNS = ("smooth", "erratic", "intermittent", "lumpy")
# Share of items per pattern: long-tail customised assortments are mostly intermittent or lumpy.
SHARES = {"smooth": 0.25, "erratic": 0.15, "intermittent": 0.35, "lumpy": 0.25}
_FREQUENT = {"smooth", "erratic"}
_VARIABLE = {"erratic", "lumpy"}
_MAX_REDRAWS = 20


def assign_patterns(rng: np.random.Generator, n: int) -> NDArray[np.str_]:
    """``round(share * n)`` items per pattern (the rest smooth), in a seeded random order."""
    counts = {name: round(SHARES[name] * n) for name in PATTERNS[1:]}
    while sum(counts.values()) > n:  # tiny n: round() may hand out more labels than items
        largest = max(counts, key=lambda name: counts[name])
        counts[largest] -= 1
    counts["smooth"] = n - sum(counts.values())
    labels = np.repeat(np.array(PATTERNS), [counts[name] for name in PATTERNS])
    return rng.permutation(labels)


def classify(series: NDArray[np.int64]) -> NDArray[np.str_]:
    """Syntetos-Boylan class of each row of an (items x periods) demand matrix.

    Rows with fewer than two non-zero periods have no meaningful CV² and count as lumpy.
    """
    adi, cv2 = adi_cv2(series)
    frequent = adi < ADI_CUTOFF
    variable = cv2 >= CV2_CUTOFF
    return np.where(
        frequent,
        np.where(variable, "erratic", "smooth"),
        np.where(variable, "lumpy", "intermittent"),
    )


def adi_cv2(series: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """ADI (periods / non-zero periods) and CV² of the non-zero sizes, per row."""
    values = series.astype(np.float64)
    nonzero = values > 0
    count = nonzero.sum(axis=1)
    safe = np.maximum(count, 1)
    adi = np.where(count > 0, series.shape[1] / safe, np.inf)
    mean = values.sum(axis=1) / safe
    squares = (values**2).sum(axis=1) / safe
    variance = np.maximum(squares - mean**2, 0.0) * count / np.maximum(count - 1, 1)
    cv2 = np.where(count >= 2, variance / np.where(mean > 0, mean, 1.0) ** 2, np.inf)
    return adi, cv2


def weekly_demand(
    rng: np.random.Generator,
    patterns: Sequence[str] | NDArray[np.str_],
    weeks: int,
    level: NDArray[np.float64] | None = None,
    peak_week: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """An (items x weeks) matrix of whole units whose rows classify as ``patterns``.

    Parameters
    ----------
    rng
        The only source of randomness.
    patterns
        One of :data:`PATTERNS` per item.
    weeks
        Number of weekly periods (at least 8, so both ADI and CV² are estimable).
    level
        Mean size of a non-zero week per item (default: lognormal around 8 units).
    peak_week
        Week of the year (0-51) where each item's season peaks (default: random).
    """
    if weeks < 8:
        raise ValueError(f"weeks must be at least 8, got {weeks}")
    labels = np.asarray(patterns)
    n = len(labels)
    if level is None:
        level = np.exp(rng.normal(np.log(8.0), 0.7, n))
    if peak_week is None:
        peak_week = rng.integers(0, 52, n)
    result = np.zeros((n, weeks), dtype=np.int64)
    todo = np.arange(n)
    for _ in range(_MAX_REDRAWS):
        if todo.size == 0:
            break
        result[todo] = _draw(rng, labels[todo], weeks, level[todo], peak_week[todo])
        todo = todo[classify(result[todo]) != labels[todo]]
    if todo.size:  # pragma: no cover - the parameters make this practically impossible
        raise RuntimeError(f"{todo.size} demand series did not reach their pattern")
    return result


def _draw(
    rng: np.random.Generator,
    labels: NDArray[np.str_],
    weeks: int,
    level: NDArray[np.float64],
    peak_week: NDArray[np.int64],
) -> NDArray[np.int64]:
    n = len(labels)
    frequent = np.isin(labels, list(_FREQUENT))
    variable = np.isin(labels, list(_VARIABLE))
    # Chance of any demand in a week: ~1 for frequent items (ADI ~1.0-1.1), 0.12-0.45 otherwise.
    p_occur = np.where(frequent, rng.uniform(0.93, 1.0, n), rng.uniform(0.12, 0.45, n))
    occurs = rng.random((n, weeks)) < p_occur[:, None]
    # Low-variability sizes: gamma with shape 8-20 (CV² 0.05-0.125) and a mean of at least 4, so
    # rounding to whole units adds little; high variability: lognormal, sigma 1.0-1.4 (CV² 1.7-6).
    mean = np.maximum(level, np.where(variable, 1.0, 4.0))
    sizes = np.empty((n, weeks))
    steady = ~variable
    shape = rng.uniform(8.0, 20.0, int(steady.sum()))[:, None]
    sizes[steady] = rng.gamma(shape, mean[steady][:, None] / shape, (len(shape), weeks))
    sigma = rng.uniform(1.0, 1.4, int(variable.sum()))[:, None]
    mu = np.log(mean[variable][:, None]) - sigma**2 / 2
    sizes[variable] = rng.lognormal(mu, sigma, (len(sigma), weeks))
    # A mild yearly season (outdoor gear peaks in autumn, tees in summer): amplitude 0-25%.
    amplitude = rng.uniform(0.0, 0.25, n)
    week_of_year = np.arange(weeks) % 52
    season = 1.0 + amplitude[:, None] * np.cos(
        2 * np.pi * (week_of_year[None, :] - peak_week[:, None]) / 52
    )
    units = np.maximum(np.rint(sizes * season), 1).astype(np.int64)
    return np.where(occurs, units, 0)
