"""Receipt tolerances, partial and over/under deliveries, and inspection checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import ValidationError
from flexchain.domain.receiving import (
    ExpectedLine,
    Tolerance,
    check_inspection,
    first_pass_yield,
    plan_receipt,
)

LINES = {
    1: ExpectedLine(1, "TEE", Decimal(100), Decimal(0), True),
    2: ExpectedLine(2, "BAG", Decimal(10), Decimal(4), True),
    3: ExpectedLine(3, "CAP", Decimal(5), Decimal(5), False),
}


def _plan(quantities: dict[int, object], **options: object) -> list:  # type: ignore[type-arg]
    tolerance = options.pop("tolerance", Tolerance())
    return plan_receipt(LINES, quantities, tolerance, po_number="PO-1", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("quantity", "recorded", "closes", "over", "short"),
    [
        ("40", 40, False, 0, 60),
        ("94", 94, False, 0, 6),
        ("95", 95, True, 0, 5),
        ("100", 100, True, 0, 0),
        ("105", 100, True, 5, 0),
    ],
    ids=["partial", "short-beyond-tolerance", "short-within-tolerance", "exact", "over-within"],
)
def test_a_receipt_line_records_at_most_what_was_ordered_and_closes_within_tolerance(
    quantity: str, recorded: int, closes: bool, over: int, short: int
) -> None:
    (line,) = _plan({1: quantity})
    assert (line.quantity, line.recorded, line.closes, line.over, line.short) == (
        Decimal(quantity),
        recorded,
        closes,
        over,
        short,
    )


def test_over_delivery_beyond_the_tolerance_is_refused_naming_the_line() -> None:
    with pytest.raises(ValidationError) as caught:
        _plan({1: "105.001"})
    assert str(caught.value) == (
        "line 1: receiving 105.001 would bring PO-1/1 to 105.001 of 100 ordered, above the 5 % "
        "over-delivery tolerance (at most 105)"
    )
    # receipts add up: 4 received before plus 7 is above 10 + 5 %
    with pytest.raises(ValidationError, match="PO-1/2 to 11 of 10"):
        _plan({2: 7})
    assert _plan({2: 7}, tolerance=Tolerance(Decimal(10), Decimal(0)))[0].recorded == 10


@pytest.mark.parametrize(
    ("quantities", "message"),
    [
        ({}, "line: name at least one line"),
        ({9: 1}, "line 9: purchase order PO-1 has no line 9"),
        ({3: 1}, "line 3: PO-1/3 is closed: nothing is expected"),
        ({1: 0}, "line 1: must be greater than zero"),
        ({1: "-2"}, "line 1: must not be negative, got -2"),
    ],
    ids=["none", "unknown", "closed", "zero", "negative"],
)
def test_bad_receipts_are_refused(quantities: dict[int, object], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _plan(quantities)
    assert str(caught.value).startswith(message)


def test_a_short_close_closes_a_partial_line() -> None:
    (line,) = _plan({1: "10"}, close_short=True)
    assert line.closes and line.short == 90


@given(
    ordered=st.integers(1, 10_000),
    received=st.integers(0, 10_000),
    arriving=st.integers(1, 10_000),
)
def test_a_line_never_records_more_than_it_ordered(
    ordered: int, received: int, arriving: int
) -> None:
    received = min(received, ordered)
    lines = {1: ExpectedLine(1, "A", Decimal(ordered), Decimal(received), True)}
    tolerance = Tolerance(Decimal(100), Decimal(5))
    try:
        (line,) = plan_receipt(lines, {1: arriving}, tolerance, po_number="P")
    except ValidationError:
        assert received + arriving > 2 * ordered
        return
    assert line.recorded == min(received + arriving, ordered)
    assert line.over == max(received + arriving - ordered, 0)
    assert line.short == max(ordered - received - arriving, 0)


def test_inspection_needs_a_reason_for_rejects_and_fits_in_what_arrived() -> None:
    assert check_inspection(Decimal(40), Decimal(0), "38", "2", " stain ", where="l1").reason == (
        "stain"
    )
    with pytest.raises(ValidationError, match=r"reason: l1: say why 2 are rejected"):
        check_inspection(Decimal(40), Decimal(0), "38", "2", "", where="l1")
    with pytest.raises(ValidationError, match=r"only 10 of the 40 received are not inspected"):
        check_inspection(Decimal(40), Decimal(30), "11", "0", "", where="l1")
    with pytest.raises(ValidationError, match="accept or reject at least one unit"):
        check_inspection(Decimal(40), Decimal(0), "0", "0", "", where="l1")


def test_first_pass_yield() -> None:
    assert first_pass_yield(Decimal(98), Decimal(2)) == Decimal("0.98")
    assert first_pass_yield(Decimal(0), Decimal(0)) is None
