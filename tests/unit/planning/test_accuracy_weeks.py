"""Forecast accuracy added up per week (flexchain.planning.accuracy_weeks): the sums a plan run
stores for the KPIs equal the row-by-row errors, whatever order the origins come in, with a
forecast of a week without demand measured against zero."""

from __future__ import annotations

import doctest
from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.planning import accuracy_weeks
from flexchain.planning.accuracy_weeks import WeekSums, weekly_actuals

W0 = date(2026, 11, 2)
WEEK = timedelta(weeks=1)
PAST = {
    "item": pl.Int64,
    "location": pl.String,
    "origin": pl.Date,
    "period": pl.Date,
    "forecast": pl.Float64,
}


def test_doctests() -> None:
    assert doctest.testmod(accuracy_weeks).failed == 0


def test_actuals_are_net_weekly_demand_per_buffer() -> None:
    # given a return exceeding sales in one week, two rows of one week, a sale elsewhere
    history = pl.DataFrame({
        "item": [1, 1, 1, 1, 2],
        "location": [10, 10, 10, 11, 99],
        "date": [W0, W0 + timedelta(days=2), W0 + WEEK, W0, W0 - WEEK],
        "quantity": [5.0, 2.0, -3.0, 4.0, 9.0],
    })  # fmt: skip
    # when the actuals of two weeks are read, location 11 being a stocking location "DC"
    actuals = weekly_actuals(history, {10: "", 11: "DC"}, W0, W0 + 2 * WEEK)
    # then rows add up per week and buffer, a net return is zero, a week outside is left out
    assert sorted(actuals.rows()) == [
        (1, "", W0, 7.0),
        (1, "", W0 + WEEK, 0.0),
        (1, "DC", W0, 4.0),
    ]


rows = st.lists(
    st.tuples(
        st.integers(1, 3),  # item
        st.integers(0, 3),  # origin week
        st.integers(0, 3),  # lag
        st.floats(0, 50, allow_nan=False),  # forecast
    ),
    max_size=30,
)
demand = st.dictionaries(
    st.tuples(st.integers(1, 3), st.integers(0, 6)), st.floats(0, 50, allow_nan=False)
)


@settings(max_examples=60, deadline=None)
@given(rows, demand, st.integers(0, 4), st.integers(1, 4))
def test_sums_equal_the_rows_added_up(
    forecasts: list[tuple[int, int, int, float]],
    sold: dict[tuple[int, int], float],
    first_week: int,
    span: int,
) -> None:
    first, end = W0 + first_week * WEEK, W0 + (first_week + span) * WEEK
    history = pl.DataFrame(
        [(item, W0 + week * WEEK, qty) for (item, week), qty in sold.items()],
        schema={"item": pl.Int64, "date": pl.Date, "quantity": pl.Float64},
        orient="row",
    )
    actuals = weekly_actuals(history, {}, first, end)
    frame = pl.DataFrame(
        [(item, "", W0 + o * WEEK, W0 + (o + lag) * WEEK, f) for item, o, lag, f in forecasts],
        schema=PAST,
        orient="row",
    )
    # when the origins are added one at a time
    sums = WeekSums(actuals, first, end, rows=True)
    for (_,), part in frame.partition_by("origin", as_dict=True).items():
        sums.add(part)
    # then each week's sums are its forecasts' errors against its demand (none: zero)
    expected: dict[date, list[float]] = {}
    for item, _, period, forecast in [(r[0], r[2], r[3], r[4]) for r in frame.rows()]:
        if not first <= period < end:
            continue
        actual = sold.get((item, (period - W0).days // 7), 0.0)
        line = expected.setdefault(period, [0, 0.0, 0.0, 0.0])
        line[0] += 1
        line[1] += actual
        line[2] += abs(actual - forecast)
        line[3] += forecast - actual
    got = {r[0]: r[1:] for r in sums.sums().rows()}
    assert sorted(got) == sorted(expected)
    for period, (count, actual, error, over) in expected.items():
        assert got[period][0] == count
        for a, b in zip(got[period][1:], (actual, error, over), strict=True):
            assert abs(a - b) < 1e-6
    assert len(sums.rows()) == sum(count for count, *_ in expected.values())
