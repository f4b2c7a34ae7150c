from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import ValidationError
from flexchain.domain.suppliers import ItemSupplier, PriceBreak
from flexchain.domain.values import Money

BREAKS = [
    PriceBreak(Decimal(10), Decimal("9.00")),
    PriceBreak(Decimal(50), Decimal("8.00")),
    PriceBreak(Decimal(200), Decimal("7.25")),
]


def terms(**overrides: Any) -> ItemSupplier:
    fields: dict[str, Any] = {"item_sku": "FABRIC", "supplier_code": "WEAVE-IT"}
    fields["price_breaks"] = list(BREAKS)
    fields.update(overrides)
    return ItemSupplier(**fields)


@pytest.mark.parametrize(
    ("qty", "price"),
    [
        pytest.param(5, "9.00", id="below-first-break"),
        pytest.param(10, "9.00", id="on-first-break"),
        pytest.param(49, "9.00", id="just-below-second"),
        pytest.param(50, "8.00", id="on-second-break"),
        pytest.param("199.999", "8.00", id="fractional"),
        pytest.param(10_000, "7.25", id="far-above-last"),
    ],
)
def test_price_break_picks_highest_break_not_above_quantity(qty: object, price: str) -> None:
    assert terms().unit_price(qty) == Decimal(price)  # type: ignore[arg-type]


def test_order_cost_is_quantity_times_unit_price_in_the_terms_currency() -> None:
    assert terms(currency="usd").order_cost(60) == Money(Decimal(480), "USD")


def test_price_breaks_are_kept_sorted() -> None:
    assert terms(price_breaks=list(reversed(BREAKS))).price_breaks == BREAKS


@pytest.mark.parametrize(
    ("breaks", "field"),
    [
        pytest.param([], "price_breaks", id="none"),
        pytest.param([BREAKS[0], PriceBreak(Decimal(10), Decimal(1))], "price_breaks", id="dup"),
    ],
)
def test_price_breaks_must_exist_and_start_at_different_quantities(
    breaks: list[PriceBreak], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        terms(price_breaks=breaks)

    assert caught.value.field == field


def test_price_break_price_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="unit_price: must be greater than zero"):
        PriceBreak(Decimal(0), Decimal(0))


def test_validity_window_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="valid_to: 2026-01-01 is before valid_from"):
        terms(valid_from=date(2026, 2, 1), valid_to=date(2026, 1, 1))


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "on", "expected"),
    [
        pytest.param(None, None, date(2030, 1, 1), True, id="open"),
        pytest.param(date(2026, 1, 1), None, date(2025, 12, 31), False, id="before-start"),
        pytest.param(date(2026, 1, 1), date(2026, 3, 31), date(2026, 3, 31), True, id="last-day"),
        pytest.param(None, date(2026, 3, 31), date(2026, 4, 1), False, id="after-end"),
    ],
)
def test_is_valid_on_includes_both_ends_of_the_window(
    valid_from: date | None, valid_to: date | None, on: date, expected: bool
) -> None:
    assert terms(valid_from=valid_from, valid_to=valid_to).is_valid_on(on) is expected


@pytest.mark.parametrize(
    ("qty", "expected"),
    [
        pytest.param(7, 24, id="raised-to-moq-then-multiple"),
        pytest.param(25, 36, id="above-moq-up-to-multiple"),
        pytest.param(36, 36, id="already-a-multiple"),
        pytest.param(0, 0, id="nothing-to-order"),
    ],
)
def test_round_quantity_respects_moq_and_multiple(qty: int, expected: int) -> None:
    assert terms(moq=20, order_multiple=12).round_quantity(qty) == expected


@given(
    qty=st.decimals(min_value="0.001", max_value=100_000, places=3),
    moq=st.decimals(min_value=0, max_value=1_000, places=3),
    multiple=st.decimals(min_value="0.001", max_value=500, places=3),
)
def test_round_quantity_covers_qty_and_moq_in_whole_multiples(
    qty: Decimal, moq: Decimal, multiple: Decimal
) -> None:
    result = terms(moq=moq, order_multiple=multiple).round_quantity(qty)

    assert result >= qty
    assert result >= moq
    assert result % multiple == 0
