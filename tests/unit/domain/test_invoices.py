"""The invoice lifecycle, the three-way match and duplicate detection."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import IllegalTransition
from flexchain.domain.invoices import (
    INVOICE_ALLOWED,
    BilledLine,
    InvoiceStatus,
    MatchTolerance,
    PoLineFacts,
    PriorInvoice,
    duplicate_reasons,
    invoice_transition,
    line_amount,
    match_reasons,
)

PO = {
    1: PoLineFacts(1, Decimal("10.00"), accepted=Decimal(40), billed=Decimal(0)),
    2: PoLineFacts(2, Decimal("5.00"), accepted=Decimal(10), billed=Decimal(6)),
}


def _reasons(*lines: BilledLine, currency: str = "EUR", **tolerance: Decimal) -> list[str]:
    return match_reasons(
        lines,
        PO,
        po_number="PO-1",
        po_currency="EUR",
        currency=currency,
        tolerance=MatchTolerance(**tolerance),
    )


def test_an_invoice_within_price_and_quantity_matches() -> None:
    assert (
        _reasons(
            BilledLine(1, Decimal(40), Decimal("10.20")), BilledLine(2, Decimal(4), Decimal(5))
        )
        == []
    )


def test_price_over_tolerance_is_a_reason() -> None:
    assert _reasons(BilledLine(1, Decimal(40), Decimal("10.21"))) == [
        "line 1: price 10.21 is 2.1 % above the PO price 10.00 (tolerance 2 %)"
    ]
    assert _reasons(BilledLine(1, Decimal(40), Decimal("10.50")), price_pct=Decimal(5)) == []


def test_a_short_receipt_counts_what_earlier_invoices_billed() -> None:
    assert _reasons(BilledLine(2, Decimal(5), Decimal(5))) == [
        "line 2: short receipt: 11 billed (6 billed before) but 10 received and accepted "
        "(tolerance 0 %)"
    ]
    assert _reasons(BilledLine(2, Decimal(5), Decimal(5)), quantity_pct=Decimal(10)) == []


def test_every_mismatch_is_reported() -> None:
    reasons = _reasons(
        BilledLine(1, Decimal(41), Decimal(11)),
        BilledLine(7, Decimal(1), Decimal(1)),
        currency="USD",
    )
    assert reasons == [
        "currency USD is not the purchase order's EUR",
        "line 1: price 11.00 is 10 % above the PO price 10.00 (tolerance 2 %)",
        "line 1: short receipt: 41 billed but 40 received and accepted (tolerance 0 %)",
        "line 7: purchase order PO-1 has no line 7",
    ]


OLD = PriorInvoice(
    "INV-1", "F-7", "PO-1", Decimal("400.00"), date(2026, 1, 10), InvoiceStatus.APPROVED
)


@pytest.mark.parametrize(
    ("theirs", "po", "total", "on", "expected"),
    [
        (
            "F-7",
            "PO-9",
            Decimal(1),
            date(2026, 6, 1),
            ["duplicate: supplier invoice F-7 is already registered as INV-1"],
        ),
        (
            "F-8",
            "PO-1",
            Decimal("400"),
            date(2026, 2, 9),
            ["possible duplicate: INV-1 bills the same 400.00 on PO-1 within 30 days"],
        ),
        ("F-8", "PO-1", Decimal("400"), date(2026, 2, 10), []),
        ("F-8", "PO-1", Decimal("400.01"), date(2026, 1, 10), []),
        ("F-8", "PO-2", Decimal("400"), date(2026, 1, 10), []),
    ],
    ids=[
        "same-number",
        "same-amount-and-po-within-30-days",
        "31-days-later",
        "other-amount",
        "other-po",
    ],
)
def test_duplicates(theirs: str, po: str, total: Decimal, on: date, expected: list[str]) -> None:
    assert duplicate_reasons(theirs, po, total, on, [OLD]) == expected


def test_a_rejected_invoice_is_no_duplicate() -> None:
    rejected = PriorInvoice(
        "INV-1", "F-7", "PO-1", Decimal(1), date(2026, 1, 1), InvoiceStatus.REJECTED
    )
    assert duplicate_reasons("F-7", "PO-1", Decimal(1), date(2026, 1, 1), [rejected]) == []


@pytest.mark.parametrize(("start", "end"), [(s, e) for s in InvoiceStatus for e in InvoiceStatus])
def test_the_lifecycle_allows_exactly_its_transitions(
    start: InvoiceStatus, end: InvoiceStatus
) -> None:
    if end in INVOICE_ALLOWED[start]:
        assert invoice_transition("INV-1", start, end) is end
    else:
        with pytest.raises(IllegalTransition, match=f"invoice INV-1 is {start.value}"):
            invoice_transition("INV-1", start, end)


def test_the_happy_path_and_final_states() -> None:
    path = ["received", "matched", "approved", "scheduled", "paid"]
    for start, end in itertools.pairwise(path):
        invoice_transition("INV-1", start, end)
    with pytest.raises(IllegalTransition, match="paid, which is final"):
        invoice_transition("INV-1", "paid", "scheduled")


def test_line_amounts_are_rounded_half_up_to_cents() -> None:
    assert line_amount(BilledLine(1, Decimal("3"), Decimal("0.335"))) == Decimal("1.01")


@given(
    ordered=st.lists(
        st.tuples(st.integers(1, 500), st.integers(1, 10_000)), min_size=1, max_size=5
    ),
    data=st.data(),
)
def test_billing_at_most_what_was_accepted_at_the_po_price_always_matches(
    ordered: list[tuple[int, int]], data: st.DataObject
) -> None:
    po = {}
    lines = []
    for line_no, (accepted, cents) in enumerate(ordered, start=1):
        price = Decimal(cents) / 100
        billed_before = data.draw(st.integers(0, accepted))
        po[line_no] = PoLineFacts(line_no, price, Decimal(accepted), Decimal(billed_before))
        now = data.draw(st.integers(1, accepted - billed_before)) if accepted > billed_before else 0
        if now:
            lines.append(BilledLine(line_no, Decimal(now), price))
    assert (
        match_reasons(
            lines, po, po_number="P", po_currency="EUR", currency="EUR", tolerance=MatchTolerance()
        )
        == []
    )
