"""Due dates, the quality-fund retention, early-payment discounts, quarters and the fund
settlement rule, with the issue's figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.contracts import QualityRetention
from flexchain.domain.errors import ValidationError
from flexchain.domain.payments import (
    due_date,
    early_payment_discount,
    month_bounds,
    quarter_bounds,
    quarter_of,
    settle_fund,
    split_retention,
)


def test_five_percent_of_ten_thousand_is_retained() -> None:
    split = split_retention(Decimal("10000.00"), QualityRetention(Decimal(5)))
    assert (split.retained, split.payable) == (Decimal("500.00"), Decimal("9500.00"))
    assert split_retention(Decimal("10000.00"), None).payable == Decimal("10000.00")


@given(st.decimals(min_value=0, max_value=10**7, places=2), st.integers(1, 30))
def test_retained_and_payable_add_up_to_the_invoice(amount: Decimal, pct: int) -> None:
    split = split_retention(amount, QualityRetention(Decimal(pct)))
    assert split.retained + split.payable == amount
    assert 0 <= split.retained <= amount


def test_due_date_follows_the_terms() -> None:
    assert due_date(date(2026, 1, 31), 30) == date(2026, 3, 2)


def test_early_payment_discount() -> None:
    # 9,500.00 paid 20 days early at 10 % a year: 9500 x 0.10 x 20 / 365 = 52.054... -> 52.05
    assert early_payment_discount(Decimal("9500.00"), Decimal("0.10"), 20) == Decimal("52.05")
    assert early_payment_discount(Decimal("100"), Decimal("0.10"), 0) == 0
    with pytest.raises(ValidationError, match="days_early: must not be negative"):
        early_payment_discount(Decimal("100"), Decimal("0.10"), -1)


@pytest.mark.parametrize(
    ("day", "quarter", "bounds"),
    [
        (date(2026, 1, 1), "2026-Q1", (date(2026, 1, 1), date(2026, 3, 31))),
        (date(2026, 6, 30), "2026-Q2", (date(2026, 4, 1), date(2026, 6, 30))),
        (date(2026, 12, 31), "2026-Q4", (date(2026, 10, 1), date(2026, 12, 31))),
    ],
)
def test_quarters(day: date, quarter: str, bounds: tuple[date, date]) -> None:
    assert quarter_of(day) == quarter
    assert quarter_bounds(quarter) == bounds == quarter_bounds(quarter.replace("-", ""))


@pytest.mark.parametrize("text", ["2026-Q5", "2026", "Q1-2026", ""])
def test_bad_quarters_are_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="expected a quarter like 2026-Q1"):
        quarter_bounds(text)


def test_months() -> None:
    assert month_bounds("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert month_bounds("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    with pytest.raises(ValidationError, match="expected a month like 2026-01"):
        month_bounds("2026-00")


@pytest.mark.parametrize(
    ("fpy", "cost", "released", "forfeited"),
    [
        (Decimal("0.99"), Decimal(300), Decimal(500), Decimal(0)),
        (Decimal("0.98"), Decimal(300), Decimal(500), Decimal(0)),
        (Decimal("0.97"), Decimal(300), Decimal(200), Decimal(300)),
        (Decimal("0.50"), Decimal(900), Decimal(0), Decimal(500)),
        (None, Decimal(0), Decimal(500), Decimal(0)),
    ],
    ids=[
        "above-target",
        "at-target",
        "below-target",
        "rejects-cost-more-than-held",
        "nothing-inspected",
    ],
)
def test_the_fund_is_released_in_full_at_the_target_and_reduced_by_rejects_below(
    fpy: Decimal | None, cost: Decimal, released: Decimal, forfeited: Decimal
) -> None:
    result = settle_fund(Decimal(500), fpy, cost, Decimal("0.98"))
    assert (result.released, result.forfeited) == (released, forfeited)
    assert result.released + result.forfeited == result.retained
