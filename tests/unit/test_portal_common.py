"""The portal's shared helpers: amounts, quantities and dates as a person reads them, form
fields grouped by line, and refusals placed next to the field they concern."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import DomainError, ValidationError
from flexchain.entrypoints.web.portal.common import (
    day,
    form_errors,
    money,
    parse_date,
    parse_decimal,
    parse_int,
    placed,
    quantity,
    rows_by_prefix,
    when,
)


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("1234.5"), "EUR", "1,234.50 EUR"),
        (Decimal("0.125"), "EUR", "0.125 EUR"),
        (Decimal("-9120"), "USD", "-9,120.00 USD"),
        (Decimal("1E+3"), "", "1,000.00"),
        (None, "EUR", "—"),
    ],
)
def test_money_separates_thousands_and_shows_at_least_cents(
    value: Decimal | None, currency: str, shown: str
) -> None:
    assert money(value, currency) == shown


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False))
def test_money_reads_back_as_the_same_amount(value: Decimal) -> None:
    shown = money(value, "EUR")
    assert Decimal(shown.removesuffix(" EUR").replace(",", "")) == value


def test_quantities_and_dates_as_a_person_writes_them() -> None:
    assert [quantity(Decimal("5.000")), quantity(Decimal("5E+2")), quantity(None)] == [
        "5",
        "500",
        "—",
    ]
    assert day(date(2026, 3, 5)) == "Thu 5 Mar 2026"
    assert when(datetime(2026, 3, 5, 14, 5, tzinfo=UTC)) == "5 Mar 2026 14:05 UTC"
    assert day(None) == when(None) == "—"


def test_parsing_names_the_field_and_the_value() -> None:
    assert parse_decimal("9,80", "price") == Decimal("9.80")
    with pytest.raises(ValidationError, match="price: 'nine' is not a number"):
        parse_decimal("nine", "price")
    with pytest.raises(ValidationError, match="price: 'NaN' is not a number"):
        parse_decimal("NaN", "price")
    with pytest.raises(ValidationError, match=r"days: '1\.5' is not a whole number"):
        parse_int("1.5", "days")
    assert parse_date("2099-03-01", "due") == date(2099, 3, 1)
    with pytest.raises(ValidationError, match=r"due: '01/03/2099' is not a date \(YYYY-MM-DD\)"):
        parse_date("01/03/2099", "due")


def test_fields_group_by_line() -> None:
    fields = {"l1.unit_price": "9", "l2.moq": "5", "l1.moq": "0", "lx.moq": "1", "note": "hi"}
    assert rows_by_prefix(fields, "l") == {1: {"unit_price": "9", "moq": "0"}, 2: {"moq": "5"}}


def test_a_refusal_goes_next_to_its_field_or_to_the_whole_form() -> None:
    assert form_errors(ValidationError("moq", "must not be negative"), prefix="l2.") == {
        "l2.moq": "must not be negative"
    }
    assert form_errors(DomainError("RFQ-1 is awarded")) == {"": "RFQ-1 is awarded"}
    # a field the form does not have: shown with the whole form's message, naming it
    errors = {"l1.currency": "quoted in EUR", "l1.moq": "negative"}
    assert placed(errors, ["l1.moq", "l1.unit_price"]) == {
        "l1.moq": "negative",
        "": "l1.currency: quoted in EUR",
    }
