"""Today's rank: money at stake times urgency (flexchain.domain.today), and snoozes checked."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import ValidationError
from flexchain.domain.today import FLOOR, Decision, Kind, check_snooze, rank, score, urgency

TODAY = date(2026, 12, 5)
MONEY = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)
DAYS = st.integers(min_value=-400, max_value=400)


def _entry(key: str, money: str, days: int | None) -> Decision:
    return Decision(key, Kind.ORDER_AT_RISK, key, "why", "do it", Decimal(money), "EUR", days, key)


def test_urgency_is_two_today_one_and_a_half_in_a_week_and_at_most_three_overdue() -> None:
    assert (urgency(0), urgency(7), urgency(None)) == (2, Decimal("1.5"), 1)
    assert urgency(-14) == Decimal("2.5") and urgency(-28) == urgency(-400) == 3


def test_the_formula_in_numbers() -> None:
    # 1,000 EUR due in a week: (1000 + 100) x 1.5; nothing at stake, due today: 100 x 2
    assert score(Decimal(1000), 7) == Decimal("1650.00")
    assert score(Decimal(0), 0) == FLOOR * 2


@given(MONEY, MONEY, DAYS)
def test_more_money_never_ranks_lower_at_the_same_time(a: Decimal, b: Decimal, days: int) -> None:
    low, high = sorted((a, b))
    assert score(high, days) >= score(low, days)


@given(MONEY, DAYS, DAYS)
def test_sooner_never_ranks_lower_for_the_same_money(money: Decimal, a: int, b: int) -> None:
    sooner, later = sorted((a, b))
    assert score(money, sooner) >= score(money, later)


@given(MONEY, st.integers(min_value=1, max_value=400))
def test_overdue_outranks_anything_still_ahead_for_the_same_money(money: Decimal, d: int) -> None:
    assert score(money, -1) > score(money, d)


def test_rank_puts_the_highest_score_first_ties_by_days_then_key() -> None:
    ranked = rank(
        [
            _entry("b", "100", 7),
            _entry("a", "100", 7),
            _entry("late", "100", -3),
            _entry("big", "5000", 30),
            _entry("undated", "100", None),
        ]
    )
    assert [d.key for d in ranked] == ["big", "late", "a", "b", "undated"]
    assert ranked[0].score == score(Decimal(5000), 30)


def test_a_snooze_needs_a_later_day_within_a_year_and_a_reason() -> None:
    assert check_snooze(
        " rfq:RFQ-1 ", TODAY + timedelta(days=3), " supplier on leave ", today=TODAY
    ) == (
        "rfq:RFQ-1",
        TODAY + timedelta(days=3),
        "supplier on leave",
    )
    cases = [
        (("RFQ-1", TODAY + timedelta(days=1), "why not"), "key"),
        (("rfq:RFQ-1", TODAY, "why not"), "until"),
        (("rfq:RFQ-1", TODAY + timedelta(days=400), "why not"), "until"),
        (("rfq:RFQ-1", "2026-12-09", "why not"), "until"),
        (("rfq:RFQ-1", TODAY + timedelta(days=1), " "), "reason"),
        (("rfq:RFQ-1", TODAY + timedelta(days=1), "ok"), "reason"),
    ]
    for (key, until, reason), field in cases:
        with pytest.raises(ValidationError) as refused:
            check_snooze(key, until, reason, today=TODAY)
        assert refused.value.field == field
