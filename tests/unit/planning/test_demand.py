"""Demand buckets and classification: hand-computed panels and the Syntetos-Boylan boundaries."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning.demand import classify, weekly_buckets

MONDAY = date(2026, 1, 5)


def history(rows: list[tuple[str, str, date, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"item": pl.String, "location": pl.String, "date": pl.Date, "quantity": pl.Float64},
        orient="row",
    )


def panel_of(series: Mapping[str, Sequence[float]], location: str = "WH") -> pl.DataFrame:
    """A panel with one weekly series per item, quantities as given."""
    return pl.DataFrame(
        {
            "item": [item for item, qs in series.items() for _ in qs],
            "location": [location for qs in series.values() for _ in qs],
            "period": [
                MONDAY + timedelta(weeks=i) for qs in series.values() for i in range(len(qs))
            ],
            "quantity": [float(q) for qs in series.values() for q in qs],
        }
    )


def unit_values(**prices: float) -> pl.DataFrame:
    return pl.DataFrame({"item": list(prices), "unit_value": list(prices.values())})


def one(frame: pl.DataFrame, item: str) -> dict[str, object]:
    return frame.filter(pl.col("item") == item).row(0, named=True)


# --- weekly_buckets ---------------------------------------------------------------------------


def test_rows_in_one_week_add_up_and_empty_weeks_are_zero() -> None:
    # given two sales on Monday and Wednesday of week 1, one in week 3, another item in week 2
    rows = history(
        [
            ("TEE", "WH", MONDAY, 2.0),
            ("TEE", "WH", MONDAY + timedelta(days=2), 3.0),
            ("TEE", "WH", MONDAY + timedelta(days=15), 1.0),
            ("CAP", "WH", MONDAY + timedelta(days=8), 4.0),
        ]
    )
    # when bucketed by week
    panel = weekly_buckets(rows)
    # then both series span the same three weeks, sorted, with zeros where nothing sold
    weeks = [MONDAY, MONDAY + timedelta(weeks=1), MONDAY + timedelta(weeks=2)]
    assert panel.rows() == [
        ("CAP", "WH", weeks[0], 0.0),
        ("CAP", "WH", weeks[1], 4.0),
        ("CAP", "WH", weeks[2], 0.0),
        ("TEE", "WH", weeks[0], 5.0),
        ("TEE", "WH", weeks[1], 0.0),
        ("TEE", "WH", weeks[2], 1.0),
    ]


def test_a_week_is_named_by_its_monday() -> None:
    sunday = MONDAY + timedelta(days=6)

    panel = weekly_buckets(history([("TEE", "WH", sunday, 1.0)]))

    assert panel["period"].to_list() == [MONDAY]


def test_start_and_end_widen_or_cut_the_window() -> None:
    rows = history([("TEE", "WH", MONDAY, 1.0), ("TEE", "WH", MONDAY + timedelta(weeks=3), 7.0)])

    panel = weekly_buckets(
        rows, start=MONDAY - timedelta(days=3), end=MONDAY + timedelta(weeks=1, days=2)
    )

    # the window starts on the Monday before the start and the week-4 sale falls outside
    assert panel["period"].to_list() == [
        MONDAY - timedelta(weeks=1),
        MONDAY,
        MONDAY + timedelta(weeks=1),
    ]
    assert panel["quantity"].to_list() == [0.0, 1.0, 0.0]


def test_a_series_whose_sales_all_fall_outside_the_window_stays_with_zeros() -> None:
    rows = history([("TEE", "WH", MONDAY, 1.0), ("OLD", "WH", MONDAY - timedelta(weeks=50), 9.0)])

    panel = weekly_buckets(rows, start=MONDAY)

    assert panel.rows() == [("OLD", "WH", MONDAY, 0.0), ("TEE", "WH", MONDAY, 1.0)]


def test_returns_exceeding_sales_in_a_week_count_as_zero_demand() -> None:
    rows = history([("TEE", "WH", MONDAY, 2.0), ("TEE", "WH", MONDAY, -5.0)])

    assert weekly_buckets(rows)["quantity"].to_list() == [0.0]


def test_monthly_buckets_and_datetime_dates() -> None:
    rows = pl.DataFrame(
        {
            "item": ["TEE", "TEE", "TEE"],
            "location": ["WH", "WH", "WH"],
            "date": [datetime(2026, 1, 31, 23), datetime(2026, 1, 2), datetime(2026, 3, 1)],
            "quantity": [1, 2, 4],
        }
    )

    panel = weekly_buckets(rows, period="1mo")

    assert panel.select("period", "quantity").rows() == [
        (date(2026, 1, 1), 3.0),
        (date(2026, 2, 1), 0.0),
        (date(2026, 3, 1), 4.0),
    ]


def test_empty_history_gives_an_empty_panel() -> None:
    panel = weekly_buckets(history([]))

    assert panel.is_empty()
    assert panel.columns == ["item", "location", "period", "quantity"]


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="history lacks the column"):
        weekly_buckets(pl.DataFrame({"item": ["TEE"], "quantity": [1.0]}))


def test_start_after_end_is_refused() -> None:
    rows = history([("TEE", "WH", MONDAY, 1.0)])

    with pytest.raises(ValueError, match="must not be after end"):
        weekly_buckets(rows, start=MONDAY + timedelta(weeks=2), end=MONDAY)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C"]),
            st.sampled_from(["W1", "W2"]),
            st.integers(0, 60),
            st.integers(0, 20),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_panel_is_complete_and_keeps_every_unit(
    rows: list[tuple[str, str, int, int]],
) -> None:
    frame = history([(i, loc, MONDAY + timedelta(days=d), float(q)) for i, loc, d, q in rows])

    panel = weekly_buckets(frame)

    series = {(i, loc) for i, loc, _, _ in rows}
    weeks = max(d for *_, d, _ in rows) // 7 - min(d for *_, d, _ in rows) // 7 + 1
    assert panel.height == len(series) * weeks
    assert panel.group_by("item", "location").len()["len"].to_list() == [weeks] * len(series)
    assert panel["quantity"].sum() == sum(q for *_, q in rows)


# --- classify ---------------------------------------------------------------------------------


def test_hand_computed_patterns() -> None:
    # given four weekly series
    panel = panel_of(
        {
            "SMOOTH": [10, 10, 10, 10],  # ADI 1, CV² 0
            "ERRATIC": [1, 9, 1, 9],  # ADI 1, sizes 1,9,1,9: var 64/3, mean 5 -> CV² 0.853
            "INTERM": [4, 0, 2, 0],  # ADI 2, sizes 4,2: var 2, mean 3 -> CV² 2/9
            "LUMPY": [0, 1, 0, 9],  # ADI 2, sizes 1,9: var 32, mean 5 -> CV² 1.28
        }
    )
    prices = unit_values(SMOOTH=1.0, ERRATIC=1.0, INTERM=1.0, LUMPY=1.0)
    # when classified
    classes = classify(panel, prices)
    # then
    expected = {
        "SMOOTH": (1.0, 0.0, "smooth"),
        "ERRATIC": (1.0, (64 / 3) / 25, "erratic"),
        "INTERM": (2.0, 2 / 9, "intermittent"),
        "LUMPY": (2.0, 32 / 25, "lumpy"),
    }
    for item, (adi, cv2, pattern) in expected.items():
        row = one(classes, item)
        assert row["adi"] == pytest.approx(adi)
        assert row["cv2"] == pytest.approx(cv2)
        assert row["pattern"] == pattern


def test_hand_computed_totals_value_and_xyz() -> None:
    panel = panel_of({"INTERM": [4, 0, 2, 0], "SMOOTH": [10, 10, 10, 10]})

    classes = classify(panel, unit_values(INTERM=2.5, SMOOTH=1.0))

    interm = one(classes, "INTERM")
    assert (interm["periods"], interm["demand_periods"], interm["quantity"]) == (4, 2, 6.0)
    assert interm["value"] == 15.0
    # [4, 0, 2, 0]: mean 1.5, sample variance 11/3
    assert interm["cv"] == pytest.approx(math.sqrt(11 / 3) / 1.5)
    assert interm["xyz"] == "Z"
    smooth = one(classes, "SMOOTH")
    assert (smooth["cv"], smooth["xyz"]) == (0.0, "X")


@pytest.mark.parametrize(
    ("quantities", "xyz"),
    [
        pytest.param([5, 10, 15], "X", id="cv-exactly-0.5-is-X"),
        pytest.param([0, 10, 20], "Y", id="cv-exactly-1.0-is-Y"),
        pytest.param([0, 0, 30], "Z", id="cv-above-1-is-Z"),
    ],
)
def test_xyz_cutoffs_are_inclusive(quantities: list[float], xyz: str) -> None:
    classes = classify(panel_of({"TEE": quantities}), unit_values(TEE=1.0))

    assert one(classes, "TEE")["xyz"] == xyz


def test_adi_exactly_at_the_cutoff_is_intermittent() -> None:
    # given 25 equal demands in 33 weeks: ADI = 33 / 25 = 1.32, CV² = 0
    quantities = [3.0] * 25 + [0.0] * 8
    # when classified with the default cut-off 1.32
    row = one(classify(panel_of({"TEE": quantities}), unit_values(TEE=1.0)), "TEE")
    # then it is on the intermittent side of the line
    assert row["adi"] == 1.32
    assert row["pattern"] == "intermittent"


def test_adi_just_below_the_cutoff_is_smooth() -> None:
    # 26 demands in 34 weeks: ADI 1.3077
    row = one(
        classify(panel_of({"TEE": [3.0] * 26 + [0.0] * 8}), unit_values(TEE=1.0)),
        "TEE",
    )

    assert row["pattern"] == "smooth"


def test_cv2_exactly_at_the_cutoff_is_erratic() -> None:
    # given sizes 3, 10, 17 every week: mean 10, sample variance 49, so CV² = 49 / 100 = 0.49
    row = one(classify(panel_of({"TEE": [3, 10, 17]}), unit_values(TEE=1.0)), "TEE")

    assert row["cv2"] == 0.49
    assert row["pattern"] == "erratic"


def test_cv2_exactly_at_the_cutoff_with_gaps_is_lumpy() -> None:
    row = one(classify(panel_of({"TEE": [3, 0, 10, 0, 17, 0]}), unit_values(TEE=1.0)), "TEE")

    assert (row["adi"], row["cv2"], row["pattern"]) == (2.0, 0.49, "lumpy")


def test_a_single_demand_is_lumpy_and_no_demand_is_its_own_pattern() -> None:
    panel = panel_of({"ONCE": [0, 0, 5, 0], "NEVER": [0, 0, 0, 0]})

    classes = classify(panel, unit_values(ONCE=1.0, NEVER=1.0))

    once = one(classes, "ONCE")
    assert (once["adi"], once["cv2"], once["pattern"]) == (4.0, None, "lumpy")
    never = one(classes, "NEVER")
    assert (never["adi"], never["cv2"], never["cv"], never["xyz"], never["pattern"]) == (
        None,
        None,
        None,
        "Z",
        "no_demand",
    )


def test_abc_by_value_with_the_crossing_item_in_the_higher_class() -> None:
    # given values 50, 30, 12, 5, 3 (total 100)
    panel = panel_of({name: [1.0] for name in "PQRST"})
    prices = unit_values(P=50.0, Q=30.0, R=12.0, S=5.0, T=3.0)
    # when classified with cut-offs 0.8 and 0.95
    classes = classify(panel, prices)
    # then P (0 before) and Q (50 before) are A, R (80 before) and S (92 before) are B, T is C
    assert dict(classes.select("item", "abc").iter_rows()) == {
        "P": "A",
        "Q": "A",
        "R": "B",
        "S": "B",
        "T": "C",
    }


def test_values_per_item_and_location() -> None:
    panel = pl.concat([panel_of({"TEE": [1.0]}, "EU"), panel_of({"TEE": [1.0]}, "US")])
    values = pl.DataFrame({"item": ["TEE", "TEE"], "location": ["EU", "US"], "unit_value": [9, 1]})

    classes = classify(panel, values)

    assert classes.select("location", "value", "abc").rows() == [("EU", 9.0, "A"), ("US", 1.0, "B")]


def test_a_series_without_a_unit_value_is_named() -> None:
    panel = panel_of({"TEE": [1.0], "CAP": [2.0]})

    with pytest.raises(ValueError, match=r"no unit_value for 1 series, e.g. CAP@WH"):
        classify(panel, unit_values(TEE=1.0))


@pytest.mark.parametrize(
    ("cutoffs", "message"),
    [
        pytest.param({"abc_cutoffs": (0.95, 0.8)}, "abc_cutoffs", id="abc-decreasing"),
        pytest.param({"abc_cutoffs": (0.8, 1.2)}, "abc_cutoffs", id="abc-above-1"),
        pytest.param({"xyz_cutoffs": (0.0, 1.0)}, "xyz_cutoffs", id="xyz-zero"),
        pytest.param({"adi_cutoff": 0.5}, "adi_cutoff", id="adi-below-1"),
        pytest.param({"cv2_cutoff": -0.1}, "cv2_cutoff", id="cv2-negative"),
    ],
)
def test_bad_cutoffs_are_refused_by_name(cutoffs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        classify(panel_of({"TEE": [1.0]}), unit_values(TEE=1.0), **cutoffs)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 1000), min_size=1, max_size=25),
    a=st.floats(0.05, 0.9),
    gap=st.floats(0.01, 0.5),
)
def test_abc_shares_respect_the_cutoffs(values: list[int], a: float, gap: float) -> None:
    b = min(a + gap, 1.0)
    names = [f"I{i:02d}" for i in range(len(values))]
    panel = panel_of({name: [1.0] for name in names})
    prices = pl.DataFrame({"item": names, "unit_value": [float(v) for v in values]})

    classes = classify(panel, prices, abc_cutoffs=(a, b))

    total = float(sum(values))
    if total == 0:
        assert set(classes["abc"]) == {"C"}
        return
    by_class = {
        label: classes.filter(pl.col("abc").is_in(labels))["value"].to_list()
        for label, labels in {"A": ["A"], "AB": ["A", "B"], "C": ["C"]}.items()
    }
    share_a, share_ab = sum(by_class["A"]) / total, sum(by_class["AB"]) / total
    # A reaches the cut-off, and would fall short of it without its smallest member
    assert share_a >= a - 1e-12
    assert share_a - min(by_class["A"]) / total < a + 1e-12
    # A and B together reach b unless C holds no value, and fall short without their smallest
    assert share_ab >= b - 1e-12 or sum(by_class["C"]) == 0
    assert share_ab - min(by_class["AB"]) / total < b + 1e-12
    # a higher class never holds a cheaper series than a lower one
    ranks = classes.sort("value", descending=True)["abc"].to_list()
    assert ranks == sorted(ranks)


demand_series = st.lists(st.integers(0, 30), min_size=3, max_size=40).filter(
    lambda qs: sum(1 for q in qs if q > 0) >= 2
)


@settings(max_examples=60, deadline=None)
@given(demand_series)
def test_a_series_exactly_on_both_cutoffs_is_lumpy(quantities: list[int]) -> None:
    # given the series' own ADI and CV² as the cut-offs
    measured = one(classify(panel_of({"TEE": quantities}), unit_values(TEE=1.0)), "TEE")
    adi, cv2 = measured["adi"], measured["cv2"]
    assert isinstance(adi, float)
    assert isinstance(cv2, float)
    # when classified again on those cut-offs, and just above them
    on_line = classify(
        panel_of({"TEE": quantities}), unit_values(TEE=1.0), adi_cutoff=adi, cv2_cutoff=cv2
    )
    above = classify(
        panel_of({"TEE": quantities}),
        unit_values(TEE=1.0),
        adi_cutoff=math.nextafter(adi, math.inf),
        cv2_cutoff=math.nextafter(cv2, math.inf),
    )
    # then the line belongs to the irregular side, and just above it is smooth
    assert one(on_line, "TEE")["pattern"] == "lumpy"
    assert one(above, "TEE")["pattern"] == "smooth"


@settings(max_examples=60, deadline=None)
@given(demand_series)
def test_pattern_follows_the_quadrants(quantities: list[int]) -> None:
    row = one(classify(panel_of({"TEE": quantities}), unit_values(TEE=1.0)), "TEE")

    sizes = [q for q in quantities if q > 0]
    mean = sum(sizes) / len(sizes)
    cv2 = sum((s - mean) ** 2 for s in sizes) / (len(sizes) - 1) / mean**2
    adi = len(quantities) / len(sizes)
    assert row["adi"] == pytest.approx(adi)
    assert row["cv2"] == pytest.approx(cv2, abs=1e-12)
    expected = {
        (True, True): "smooth",
        (True, False): "erratic",
        (False, True): "intermittent",
        (False, False): "lumpy",
    }[(adi < 1.32, cv2 < 0.49)]
    if not (math.isclose(adi, 1.32) or math.isclose(cv2, 0.49)):
        assert row["pattern"] == expected
