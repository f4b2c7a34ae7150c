from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import DomainError, ValidationError
from flexchain.domain.values import (
    Money,
    currency_code,
    money,
    percent,
    quantity,
    round_order_quantity,
    utc,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(3, Decimal(3), id="int"),
        pytest.param("2.5", Decimal("2.5"), id="str"),
        pytest.param(" 7 ", Decimal(7), id="str-with-spaces"),
        pytest.param(Decimal("1.125"), Decimal("1.125"), id="decimal-3dp"),
        pytest.param(Decimal("1.2000"), Decimal("1.2"), id="trailing-zeros-are-not-places"),
        pytest.param(0.1, Decimal("0.1"), id="float-via-str"),
        pytest.param(0, Decimal(0), id="zero"),
    ],
)
def test_quantity_accepts_exact_numbers(value: object, expected: Decimal) -> None:
    assert quantity(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("1.2345", "more than 3 decimal places", id="four-places"),
        pytest.param(0.1 + 0.2, "more than 3 decimal places", id="float-noise"),
        pytest.param("NaN", "finite", id="nan"),
        pytest.param(float("inf"), "finite", id="inf"),
        pytest.param(-1, "must not be negative", id="negative"),
        pytest.param("abc", "not a number", id="text"),
        pytest.param(True, "expected a number", id="bool"),
        pytest.param(None, "expected a number", id="none"),
    ],
)
def test_quantity_refuses_with_a_message_naming_the_field(value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        quantity(value, "moq")

    assert caught.value.field == "moq"


def test_quantity_refuses_zero_when_not_allowed() -> None:
    with pytest.raises(ValidationError, match="must be greater than zero"):
        quantity(0, allow_zero=False)


def test_quantity_accepts_negative_when_allowed() -> None:
    assert quantity("-2.5", "delta", allow_negative=True) == Decimal("-2.5")


def test_money_allows_six_places_and_refuses_seven() -> None:
    assert money("0.123456", "unit_price") == Decimal("0.123456")
    with pytest.raises(ValidationError, match=r"unit_price: .* more than 6 decimal places"):
        money("0.1234567", "unit_price")


def test_money_is_non_negative_by_default() -> None:
    with pytest.raises(ValidationError, match="price: must not be negative"):
        money(-1, "price")


@pytest.mark.parametrize(
    "value",
    [pytest.param("-0.01", id="below"), pytest.param("100.01", id="above")],
)
def test_percent_refuses_outside_0_to_100(value: str) -> None:
    with pytest.raises(ValidationError, match="scrap_pct"):
        percent(value, "scrap_pct")


def test_percent_accepts_both_bounds() -> None:
    assert (percent(0, "p"), percent(100, "p")) == (0, 100)


@pytest.mark.parametrize(
    ("value", "expected"),
    [pytest.param("eur", "EUR", id="lower"), pytest.param(" Usd ", "USD", id="mixed-padded")],
)
def test_currency_code_normalises_case(value: str, expected: str) -> None:
    assert currency_code(value) == expected


@pytest.mark.parametrize("value", ["EURO", "E1R", "", 978, "€€€"])
def test_currency_code_refuses_anything_but_three_letters(value: object) -> None:
    with pytest.raises(ValidationError, match="currency: must be a 3-letter currency code"):
        currency_code(value)


def test_utc_refuses_naive_datetimes() -> None:
    with pytest.raises(ValidationError, match="at: naive datetime refused"):
        utc(datetime(2026, 1, 1, 12, 0), "at")


def test_utc_converts_aware_datetimes_to_utc() -> None:
    lisbon_summer = timezone(timedelta(hours=1))

    result = utc(datetime(2026, 7, 1, 12, 0, tzinfo=lisbon_summer), "at")

    assert result == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)
    assert result.tzinfo is UTC


def test_money_adds_amounts_of_the_same_currency() -> None:
    assert Money(Decimal("10.5"), "EUR") + Money(Decimal(2), "eur") == Money(Decimal("12.5"), "EUR")


def test_money_refuses_to_add_different_currencies() -> None:
    with pytest.raises(DomainError, match=r"cannot add 10.00 EUR and 5.00 USD"):
        Money(Decimal(10), "EUR") + Money(Decimal(5), "USD")


def test_money_sums_from_zero() -> None:
    prices = [Money(Decimal(1), "EUR"), Money(Decimal("2.25"), "EUR")]

    assert sum(prices) == Money(Decimal("3.25"), "EUR")


def test_money_multiplies_by_decimal_and_int_but_not_float() -> None:
    price = Money(Decimal("2.50"), "EUR")

    assert price * Decimal("1.5") == Money(Decimal("3.75"), "EUR")
    assert 3 * price == Money(Decimal("7.50"), "EUR")
    with pytest.raises(TypeError):
        price * 1.5  # type: ignore[operator]


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        pytest.param(Decimal("12.5"), "12.50 EUR", id="cents-padded"),
        pytest.param(Decimal(3), "3.00 EUR", id="whole"),
        pytest.param(Decimal("0.12345"), "0.12345 EUR", id="more-places-kept"),
    ],
)
def test_money_str_shows_amount_and_currency(amount: Decimal, text: str) -> None:
    assert str(Money(amount, "EUR")) == text


def test_money_rounds_half_up_to_cents() -> None:
    assert Money(Decimal("0.125"), "EUR").rounded() == Money(Decimal("0.13"), "EUR")


@given(
    qty=st.decimals(min_value=0, max_value=10_000, places=3),
    moq=st.decimals(min_value=0, max_value=500, places=3),
    multiple=st.decimals(min_value="0.001", max_value=100, places=3),
)
def test_round_order_quantity_is_the_smallest_multiple_covering_qty_and_moq(
    qty: Decimal, moq: Decimal, multiple: Decimal
) -> None:
    result = round_order_quantity(qty, moq, multiple)

    if qty == 0:
        assert result == 0
        return
    assert result >= qty
    assert result >= moq
    assert result % multiple == 0
    assert result - multiple < max(qty, moq)  # one multiple less would not do
