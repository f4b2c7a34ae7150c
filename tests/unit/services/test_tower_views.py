"""The control tower's pure figures: an order's promise check (the same rule as the order book's
late filter) and the forecast interval an item's chart draws; the modules' doctests."""

from __future__ import annotations

import doctest
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import ValidationError
from flexchain.services import inventory_views, order_views
from flexchain.services.inventory_views import forecast_interval
from flexchain.services.order_views import promise_check

PROMISE = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("status", "shipped", "today", "days", "late", "state"),
    [
        ("reserved", None, PROMISE - timedelta(days=3), -3, False, "due in 3 days"),
        ("ready", None, PROMISE, 0, False, "due today"),
        ("in_production", None, PROMISE + timedelta(days=1), 1, True,
         "1 day past the promise, not shipped"),
        ("shipped", PROMISE, PROMISE + timedelta(days=9), 0, False, "shipped on time"),
        ("delivered", PROMISE + timedelta(days=2), PROMISE + timedelta(days=9), 2, True,
         "shipped 2 days late"),
        ("cancelled", None, PROMISE + timedelta(days=9), None, False, "cancelled"),
    ],
    ids=["ahead", "today", "overdue", "on-time", "shipped-late", "cancelled"],
)  # fmt: skip
def test_the_promise_check_says_how_the_order_stands(
    status: str, shipped: date | None, today: date, days: int | None, late: bool, state: str
) -> None:
    check = promise_check(PROMISE, status, shipped_on=shipped, delivered_on=None, today=today)
    assert (check.days, check.late, check.state) == (days, late, state)


def test_an_order_without_a_promise_is_never_late() -> None:
    check = promise_check(None, "received", shipped_on=None, delivered_on=None, today=PROMISE)
    assert (check.late, check.state) == (False, "no promise date")


@given(
    st.lists(st.decimals(min_value=0, max_value=10_000, places=3), min_size=1, max_size=26),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=1_000, places=3)),
    st.integers(min_value=1, max_value=99),
)
def test_the_interval_holds_the_mean_and_never_goes_below_zero(
    weekly: list[Decimal], sigma: Decimal | None, level: int
) -> None:
    bounds = forecast_interval(weekly, sigma, level)
    assert len(bounds) == len(weekly)
    for mean, (low, high) in zip(weekly, bounds, strict=True):
        assert Decimal(0) <= low <= mean <= high


def test_a_wider_level_gives_a_wider_interval() -> None:
    ((low80, high80),) = forecast_interval([Decimal(50)], Decimal(10), 80)
    ((low95, high95),) = forecast_interval([Decimal(50)], Decimal(10), 95)
    assert low95 < low80 < 50 < high80 < high95
    with pytest.raises(ValidationError, match="between 0 and 100"):
        forecast_interval([Decimal(1)], Decimal(1), 100)


@pytest.mark.parametrize("module", [order_views, inventory_views], ids=lambda m: m.__name__)
def test_the_doctests_hold(module: object) -> None:
    failed, _ = doctest.testmod(module)  # type: ignore[arg-type]
    assert failed == 0
