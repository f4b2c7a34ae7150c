"""The pure rules of the stock commands: a receipt against purchase order lines, a count's
difference, purchase order references, where stock may be moved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import ValidationError
from flexchain.domain.purchasing import POStatus
from flexchain.domain.stock import Location, LocationKind
from flexchain.domain.stock_commands import (
    OpenLine,
    check_holds_stock,
    count_difference,
    po_reference,
    receive_against,
)

D = Decimal
quantities = st.integers(min_value=1, max_value=10_000).map(lambda n: D(n) / 4)


@st.composite
def open_lines(draw: st.DrawFn) -> list[OpenLine]:
    lines = []
    for number in range(1, draw(st.integers(min_value=1, max_value=5)) + 1):
        ordered = draw(quantities)
        received = ordered * draw(st.integers(min_value=0, max_value=3)) / 4
        lines.append(OpenLine("PO-1", number, "SUP", ordered, received))
    return lines


@given(open_lines(), quantities)
def test_a_receipt_fills_lines_in_order_never_beyond_what_they_ordered(
    lines: list[OpenLine], quantity: Decimal
) -> None:
    received = receive_against(lines, quantity)
    by_line = {line.line_no: line for line in lines}
    counted = sum(r.received_quantity - by_line[r.line_no].received_quantity for r in received)
    # all of it is counted, up to what the lines still expect
    assert counted == min(quantity, sum(line.remaining for line in lines))
    for result in received:
        line = by_line[result.line_no]
        assert line.received_quantity <= result.received_quantity <= line.quantity
        assert (result.status is POStatus.CLOSED) == (result.received_quantity == line.quantity)
    # only the last line touched may be left partly received
    assert all(r.status is POStatus.CLOSED for r in received[:-1])


def test_an_over_delivery_closes_every_line_and_records_no_more_than_ordered() -> None:
    lines = [OpenLine("PO-1", 2, "S", D(5), D(0)), OpenLine("PO-1", 1, "S", D(10), D(9))]
    received = receive_against(lines, D(100))
    assert [(r.key, r.received_quantity, r.status) for r in received] == [
        ("PO-1/1", D(10), POStatus.CLOSED),
        ("PO-1/2", D(5), POStatus.CLOSED),
    ]


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("PO-1001", ("PO-1001", None)),
        ("PO-1001/2", ("PO-1001", 2)),
        (" PO 7 / 3", ("PO 7", 3)),
        ("DN/A", ("DN/A", None)),
        ("/4", ("/4", None)),
    ],
    ids=["number", "number-and-line", "spaces", "slash-not-a-line", "line-without-number"],
)
def test_a_reference_may_name_a_purchase_order_and_its_line(
    reference: str, expected: tuple[str, int | None]
) -> None:
    assert po_reference(reference) == expected


@given(quantities, quantities)
def test_a_count_posts_the_difference_to_the_counted_quantity(
    counted: Decimal, on_hand: Decimal
) -> None:
    assert on_hand + count_difference(counted, on_hand, D(0)) == counted


@pytest.mark.parametrize(
    ("counted", "message"),
    [(D(-1), "must not be negative"), (D(4), "below the 5 reserved")],
    ids=["negative", "below-reserved"],
)
def test_a_count_below_zero_or_below_reserved_is_refused(counted: Decimal, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as error:
        count_difference(counted, D(10), D(5))
    assert error.value.field == "quantity"


@pytest.mark.parametrize("kind", [LocationKind.SUPPLIER, LocationKind.CUSTOMER, LocationKind.SCRAP])
def test_only_internal_locations_take_a_stock_command(kind: LocationKind) -> None:
    with pytest.raises(ValidationError, match=f"is a {kind} location") as error:
        check_holds_stock(Location("X", "X", kind), "to")
    assert error.value.field == "to"
    check_holds_stock(Location("WH", "WH", LocationKind.WAREHOUSE), "to")
