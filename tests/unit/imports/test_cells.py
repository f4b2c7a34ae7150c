"""Cell parsers: what planners type (or Excel stores) becomes exact values, or a message."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flexchain.domain.suppliers import Process
from flexchain.services.imports import cells

MONEY = cells.decimal(6)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.50", Decimal("12.50")),
        (0.1 + 0.2, Decimal("0.3")),  # Excel's binary noise is rounded at 15 digits
        (3.0, Decimal(3)),
        (7, Decimal(7)),
        ("-0", Decimal(0)),
        (" 1000 ", Decimal(1000)),
        ("999999999999.999999", Decimal("999999999999.999999")),
    ],
)
def test_numbers_are_exact_decimals(value: object, expected: Decimal) -> None:
    assert MONEY(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12,50", "not a number: '12,50' (use a dot as the decimal separator)"),
        ("NaN", "not a number: 'NaN'"),
        (True, "not a number: True"),
        ("1e12", "1e12 is too large (at most 12 digits before the decimal point)"),
        ("0.0000001", "0.0000001 has more than 6 decimal places"),
        ("-1", "must not be negative, got -1"),
    ],
)
def test_bad_numbers_say_why(value: object, message: str) -> None:
    with pytest.raises(cells.CellError) as error:
        MONEY(value)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2.5", "not a whole number: '2.5'"),
        ("3000000000", "3000000000 is too large (at most 2147483647)"),
        ("1e13", "1e13 is too large (at most 2147483647)"),
    ],
)
def test_whole_numbers_fit_an_integer_column(value: str, message: str) -> None:
    with pytest.raises(cells.CellError) as error:
        cells.integer()(value)
    assert str(error.value) == message


def test_an_odoo_display_name_refers_to_its_code() -> None:
    assert cells.reference("[TEE-001] Tee, red") == "TEE-001"
    assert cells.reference("Costura Lda") == "Costura Lda"


def test_pairs_are_name_value_lists() -> None:
    assert cells.pairs("Colour=Red; size = M ;") == {"colour": "Red", "size": "M"}
    with pytest.raises(cells.CellError, match="'red' is not name=value"):
        cells.pairs("colour=blue; red")


def test_choices_ignore_case_and_list_what_is_allowed() -> None:
    assert cells.choice(Process)("Sewing") is Process.SEWING
    with pytest.raises(cells.CellError, match="must be one of cutting, sewing, "):
        cells.choice(Process)("knitting")
