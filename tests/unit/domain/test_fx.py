"""Rates, the latest rate on or before a day, conversion through the base, the CSV reader."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.fx import Rate, convert, latest_rate, parse_rates_csv
from flexchain.domain.values import Money

RATES = [
    Rate("EUR", "USD", date(2026, 1, 2), Decimal("0.90")),
    Rate("EUR", "USD", date(2026, 1, 9), Decimal("0.92")),
    Rate("EUR", "GBP", date(2026, 1, 2), Decimal("1.15")),
]


@pytest.mark.parametrize(
    ("on", "rate"),
    [
        (date(2026, 1, 2), "0.90"),
        (date(2026, 1, 8), "0.90"),
        (date(2026, 1, 9), "0.92"),
        (date(2027, 1, 1), "0.92"),
    ],
)
def test_the_latest_rate_on_or_before_the_day(on: date, rate: str) -> None:
    assert latest_rate(RATES, "USD", "EUR", on).rate == Decimal(rate)


def test_no_rate_before_the_day_says_what_to_do() -> None:
    with pytest.raises(NotFound) as caught:
        latest_rate(RATES, "USD", "EUR", date(2026, 1, 1))
    assert str(caught.value) == (
        "no exchange rate of USD in EUR on or before 2026-01-01: import rates (flexchain fx "
        "import) or set one (flexchain fx set)"
    )


def test_conversion_into_from_and_through_the_base() -> None:
    on = date(2026, 1, 5)
    assert convert(Money(Decimal(100), "USD"), "EUR", on, RATES, "EUR") == Money(Decimal(90), "EUR")
    assert convert(Money(Decimal(90), "EUR"), "USD", on, RATES, "EUR").amount == 100
    assert convert(Money(Decimal(115), "USD"), "GBP", on, RATES, "EUR").amount == 90
    same = Money(Decimal(7), "USD")
    assert convert(same, "usd", on, [], "EUR") is same


def test_rates_are_checked() -> None:
    with pytest.raises(ValidationError, match="rate: must be greater than zero"):
        Rate("EUR", "USD", date(2026, 1, 1), Decimal(0))
    with pytest.raises(ValidationError, match="EUR is the base currency"):
        Rate("EUR", "eur", date(2026, 1, 1), Decimal(1))


def test_the_csv_reader_reports_every_bad_row_at_once() -> None:
    good = parse_rates_csv(
        "date,currency,rate,base\n2026-01-02,usd,0.9,\n2026-01-02,EUR,1.1,USD\n", "EUR"
    )
    assert [(r.base, r.currency, r.rate) for r in good] == [
        ("EUR", "USD", Decimal("0.9")),
        ("USD", "EUR", Decimal("1.1")),
    ]
    with pytest.raises(ValidationError) as caught:
        parse_rates_csv("date,currency,rate\n02/01/2026,USD,0.9\n2026-01-02,US,1\n", "EUR")
    assert str(caught.value) == (
        "file: row 2: date: expected YYYY-MM-DD, got '02/01/2026'; row 3: currency: must be a "
        "3-letter currency code like EUR, got 'US'"
    )
    with pytest.raises(ValidationError, match="missing column"):
        parse_rates_csv("day,currency\n", "EUR")


@pytest.mark.parametrize("name", ["fx", "invoices", "payments", "receiving"])
def test_the_paying_modules_doctests(name: str) -> None:
    import doctest
    import importlib

    module = importlib.import_module(f"flexchain.domain.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
