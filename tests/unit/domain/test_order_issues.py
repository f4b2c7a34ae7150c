"""The rules of reporting an issue on an order that reached the customer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import DomainError, ValidationError
from flexchain.domain.order_issues import (
    MAX_NOTE,
    IssueKind,
    IssueLine,
    check_issue,
    check_reportable,
    issue_kind,
)

TEE = IssueLine(1, "TEE-RED-M", Decimal(3), {})
BAG = IssueLine(2, "BAG-CANVAS", Decimal(1), {IssueKind.DAMAGED: Decimal(1)})
LINES = [TEE, BAG]


@pytest.mark.parametrize("status", ["received", "reserved", "in_production", "ready"])
def test_an_order_not_shipped_cannot_have_an_issue(status: str) -> None:
    with pytest.raises(DomainError, match="order #1001 has not shipped: nothing can have arrived"):
        check_issue("#1001", status, LINES, kind="damaged")


def test_a_cancelled_order_cannot_have_an_issue() -> None:
    with pytest.raises(DomainError, match="#7 was cancelled"):
        check_reportable("#7", "cancelled")


@pytest.mark.parametrize("status", ["shipped", "delivered"])
def test_a_shipped_or_delivered_order_takes_an_issue_on_the_whole_order(status: str) -> None:
    issue = check_issue("#1001", status, LINES, kind="INCOMPLETE", note="  a sleeve missing ")
    assert (issue.kind, issue.line_id, issue.sku, issue.quantity, issue.note) == (
        IssueKind.INCOMPLETE, None, None, None, "a sleeve missing",
    )  # fmt: skip


def test_an_issue_on_a_line_names_it_by_sku() -> None:
    issue = check_issue("#1", "delivered", LINES, kind="damaged", sku="tee-red-m", quantity="2")
    assert (issue.line_id, issue.sku, issue.quantity) == (1, "TEE-RED-M", Decimal(2))


def test_a_sku_not_on_the_order_is_refused_listing_the_orders_skus() -> None:
    with pytest.raises(ValidationError, match=r"'MUG' is not on order #1 \(its SKUs: BAG-CANVAS"):
        check_issue("#1", "shipped", LINES, kind="damaged", sku="MUG")


def test_an_unknown_kind_is_refused_listing_the_kinds() -> None:
    with pytest.raises(ValidationError, match="kind: must be one of damaged, wrong_customisation"):
        issue_kind("lost")


@pytest.mark.parametrize(
    ("sku", "quantity", "message"),
    [
        ("TEE-RED-M", "0", "between 1 and 3 .the units of line TEE-RED-M., got 0"),
        ("TEE-RED-M", "4", "between 1 and 3 .the units of line TEE-RED-M., got 4"),
        ("TEE-RED-M", "-1", "must not be negative"),
        ("TEE-RED-M", "two", "is not a number"),
        (None, "5", "between 1 and 4 .the units of the order., got 5"),
        ("BAG-CANVAS", "1", "1 of line BAG-CANVAS's 1 units are already reported damaged"),
    ],
    ids=["zero", "above-line", "negative", "text", "above-order", "already-reported"],
)
def test_a_quantity_out_of_bounds_is_refused(sku: str | None, quantity: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_issue("#1", "shipped", LINES, kind="damaged", sku=sku, quantity=quantity)


def test_another_kind_on_a_fully_reported_line_is_accepted() -> None:
    issue = check_issue(
        "#1", "shipped", LINES, kind="wrong_customisation", sku="BAG-CANVAS", quantity=1
    )
    assert issue.quantity == 1


def test_an_other_issue_needs_a_note_and_a_note_has_a_limit() -> None:
    with pytest.raises(ValidationError, match="note: required for an 'other' issue"):
        check_issue("#1", "shipped", LINES, kind="other", note="   ")
    with pytest.raises(ValidationError, match=f"note: at most {MAX_NOTE} characters"):
        check_issue("#1", "shipped", LINES, kind="damaged", note="x" * (MAX_NOTE + 1))


@given(
    held=st.integers(min_value=1, max_value=50),
    reported=st.integers(min_value=0, max_value=50),
    asked=st.integers(min_value=-5, max_value=60),
)
def test_reported_units_never_exceed_the_line(held: int, reported: int, asked: int) -> None:
    line = IssueLine(9, "SKU", Decimal(held), {IssueKind.DAMAGED: Decimal(min(reported, held))})
    already = min(reported, held)
    try:
        issue = check_issue("#1", "delivered", [line], kind="damaged", sku="SKU", quantity=asked)
    except ValidationError:
        assert asked < 1 or already + asked > held
    else:
        assert issue.quantity is not None
        assert issue.quantity >= 1 and already + issue.quantity <= held
