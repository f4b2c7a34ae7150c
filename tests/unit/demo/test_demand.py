"""The demand history mixes the four Syntetos-Boylan patterns, each series true to its label."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from flexchain.demo.demand import PATTERNS, SHARES, assign_patterns, classify, weekly_demand


def syntetos_boylan(series: list[int]) -> str:
    """The textbook rule, written out independently of the generator's vectorised version:
    ADI = periods / periods with demand, CV² of the non-zero sizes (sample variance)."""
    sizes = [value for value in series if value > 0]
    adi = len(series) / len(sizes)
    mean = sum(sizes) / len(sizes)
    variance = sum((size - mean) ** 2 for size in sizes) / (len(sizes) - 1)
    cv2 = variance / mean**2
    if adi < 1.32:
        return "smooth" if cv2 < 0.49 else "erratic"
    return "intermittent" if cv2 < 0.49 else "lumpy"


def test_every_series_classifies_as_the_pattern_it_was_generated_for() -> None:
    # given 2,000 items over two years
    rng = np.random.default_rng(11)
    patterns = assign_patterns(rng, 2000)
    # when their weekly demand is generated
    demand = weekly_demand(rng, patterns, 104)
    # then the textbook rule puts every series in its intended class
    classes = [syntetos_boylan(row) for row in demand.tolist()]
    assert classes == patterns.tolist()


def test_all_four_patterns_appear_in_realistic_shares() -> None:
    rng = np.random.default_rng(3)
    counts = Counter(assign_patterns(rng, 1000).tolist())
    assert counts == {name: round(SHARES[name] * 1000) for name in PATTERNS}
    assert counts["intermittent"] + counts["lumpy"] > counts["smooth"] + counts["erratic"]


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        pytest.param([10, 11, 9, 10, 10, 12, 9, 10], "smooth", id="steady-every-week"),
        pytest.param([1, 30, 2, 45, 1, 3, 60, 2], "erratic", id="every-week-wild-sizes"),
        pytest.param([0, 0, 5, 0, 0, 6, 0, 5], "intermittent", id="rare-steady-sizes"),
        pytest.param([0, 0, 1, 0, 0, 40, 0, 2], "lumpy", id="rare-wild-sizes"),
    ],
)
def test_classify_applies_the_syntetos_boylan_cut_offs(series: list[int], expected: str) -> None:
    assert classify(np.array([series]))[0] == expected
    assert syntetos_boylan(series) == expected


def test_demand_is_whole_non_negative_units() -> None:
    rng = np.random.default_rng(5)
    demand = weekly_demand(rng, assign_patterns(rng, 500), 52)
    assert demand.dtype == np.int64
    assert demand.shape == (500, 52)
    assert demand.min() >= 0


def test_a_history_too_short_to_classify_is_refused() -> None:
    with pytest.raises(ValueError, match="weeks must be at least 8"):
        weekly_demand(np.random.default_rng(1), ["smooth"], 4)
