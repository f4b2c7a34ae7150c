"""Orders as planning demand (planning/order_demand.py): jobs' demand, sales into history,
forecast consumption."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from flexchain.planning.order_demand import (
    SALES_SCHEMA,
    Component,
    OpenJob,
    consume_forecast,
    history_with_sales,
    job_demand,
)

MONDAY = date(2026, 11, 23)


def period_of(day: date | None) -> int:
    return 0 if day is None else (day - MONDAY).days // 7


def test_a_job_needs_its_modules_parts_and_only_its_chosen_options_parts_pegged_to_the_order():
    bom = {10: [Component(100, D("0.02"))]}
    option_bom = {7: [Component(200, D("0.2"))], 8: [Component(300, D("1"))]}
    job = OpenJob(10, "1001", D(3), MONDAY + timedelta(days=8), MONDAY + timedelta(days=15),
                  started=False, option=7, site=42)  # fmt: skip
    assert job_demand([job], bom, option_bom, period_of) == [
        (10, 2, D(3), "order:1001", None),  # the module itself, when the job finishes, at home
        (100, 1, D("0.06"), "order:1001", 42),  # the module's own part, when it starts, at the
        (200, 1, D("0.6"), "order:1001", 42),  # supplier's site; the chosen option's part
    ]  # (option 8's is not needed)


def test_a_started_job_no_longer_needs_its_materials():
    job = OpenJob(10, "1001", D(3), MONDAY, MONDAY, started=True, option=7)
    demand = job_demand([job], {10: [Component(100, D(1))]}, {7: [Component(200, D(1))]}, period_of)
    assert demand == [(10, 0, D(3), "order:1001", None)]


def test_scrap_is_added_and_the_need_rounded_up_to_the_thousandth():
    assert Component(1, D("0.05"), D(10)).need(D(2)) == D("0.112")


def _frame(rows: list[tuple[int, int, date, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SALES_SCHEMA, orient="row")


def test_sales_count_only_after_the_last_imported_week_of_the_item():
    weeks = [MONDAY - timedelta(weeks=w) for w in range(4)]
    imported = pl.DataFrame({"item": [1, 1], "date": [weeks[3], weeks[2]], "quantity": [5.0, 6.0]})
    sales = _frame([(1, 9, weeks[2], 4.0), (1, 9, weeks[1], 3.0), (2, 9, weeks[3], 1.0)])
    merged = history_with_sales(imported, sales).sort("item", "date")
    assert merged.rows() == [(1, weeks[3], 5.0), (1, weeks[2], 6.0), (1, weeks[1], 3.0),
                             (2, weeks[3], 1.0)]  # fmt: skip


@given(
    st.lists(st.integers(0, 20), min_size=1, max_size=8),
    st.integers(0, 60),
    st.integers(1, 4),
)
def test_consumption_takes_orders_off_the_window_never_below_zero(
    weekly: list[int], ordered: int, weeks: int
) -> None:
    forecast = [D(value) for value in weekly]
    left = consume_forecast(forecast, D(ordered), weeks)
    assert all(value >= 0 for value in left)
    assert left[weeks:] == forecast[weeks:]  # beyond the window nothing is consumed
    taken = sum(forecast) - sum(left)
    assert taken == min(D(ordered), sum(forecast[:weeks]))


def test_with_locations_a_week_imported_anywhere_is_never_counted_again():
    weeks = [MONDAY - timedelta(weeks=w) for w in range(3)]
    imported = pl.DataFrame({"item": [1], "location": [5], "date": [weeks[1]], "quantity": [6.0]})
    # a sale at a shop without a warehouse (location 0) in the imported week, and one after
    sales = _frame([(1, 0, weeks[1], 4.0), (1, 5, weeks[0], 2.0)])
    merged = history_with_sales(imported, sales).sort("date")
    assert merged.rows() == [(1, 5, weeks[1], 6.0), (1, 5, weeks[0], 2.0)]


def test_a_shortage_job_rounded_up_serves_the_order_only_what_its_line_takes():
    # 230 sleeves made (the cutting minimum), the order's line takes 1: the rest is stock
    job = OpenJob(10, "7000", D(230), MONDAY, MONDAY + timedelta(days=8), started=False,
                  serves=D(1))  # fmt: skip
    demand = job_demand([job], {10: [Component(100, D("1.1"))]}, {}, period_of)
    assert demand == [(10, 1, D(1), "order:7000", None), (100, 0, D("253"), "order:7000", None)]
