"""RFQ rules: the state machine, which quotes are taken, the landed-cost comparison, the award."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import DomainError, IllegalTransition, NotFound, ValidationError
from flexchain.domain.rfqs import Quote, RFQLine, award, check_quote, compare, rfq_transition

ON = date(2026, 3, 1)
LINES = [
    RFQLine(1, "FAB", Decimal(100), date(2026, 3, 10)),
    RFQLine(2, "ZIP", Decimal(50), date(2026, 3, 20)),
]


def _q(supplier: str, line: int, price: str, lead: int, moq: int = 0,
       until: date = date(2026, 3, 31)) -> Quote:  # fmt: skip
    return Quote(supplier, line, Decimal(price), "EUR", lead, until, Decimal(moq))


@pytest.mark.parametrize(
    ("start", "end", "allowed"),
    [("draft", "sent", True), ("sent", "awarded", True), ("draft", "awarded", False),
     ("awarded", "cancelled", False), ("cancelled", "sent", False), ("sent", "cancelled", True)],
)  # fmt: skip
def test_the_rfq_state_machine(start: str, end: str, allowed: bool) -> None:
    if allowed:
        assert rfq_transition(start, end) == end
    else:
        with pytest.raises(IllegalTransition, match=f"RFQ is {start}"):
            rfq_transition(start, end)


@pytest.mark.parametrize(
    ("status", "quote", "error", "message"),
    [
        ("draft", _q("A", 1, "1", 1), IllegalTransition, "taken only while it is sent"),
        ("sent", _q("X", 1, "1", 1), DomainError, "X was not asked to quote on RFQ RFQ-1"),
        ("sent", _q("A", 3, "1", 1), NotFound, "RFQ-1 has no line 3"),
        ("sent", Quote("A", 1, Decimal(1), "USD", 1, ON), ValidationError, "quoted in EUR"),
        ("sent", _q("A", 1, "1", 1, until=ON - timedelta(days=1)), ValidationError, "expired"),
    ],
    ids=["not-sent", "not-invited", "no-line", "currency", "expired"],
)
def test_a_quote_is_refused(status: str, quote: Quote, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        check_quote(status, "RFQ-1", "EUR", ["A", "B"], LINES, quote, ON)


def test_a_quote_refuses_a_zero_price_and_a_negative_lead_time() -> None:
    with pytest.raises(ValidationError, match="unit_price"):
        _q("A", 1, "0", 1)
    with pytest.raises(ValidationError, match="lead_time_days"):
        _q("A", 1, "1", -1)


def test_comparison_buys_at_least_the_moq_and_charges_lateness() -> None:
    (line1, line2) = compare(
        LINES,
        [_q("A", 1, "9.00", 20), _q("B", 1, "9.20", 5), _q("A", 2, "1.00", 5, moq=200),
         _q("C", 2, "1.50", 5), _q("D", 2, "0.10", 1, until=ON - timedelta(days=1))],
        ON,
    )  # fmt: skip
    # A arrives 21 March, 11 days late: 900 + 900 x 0.5 % x 11 = 949.50
    assert [(q.quote.supplier_code, q.rank, q.days_late, q.landed_cost) for q in line1.quotes] == [
        ("B", 1, 0, Decimal("920.00")), ("A", 2, 11, Decimal("949.50"))
    ]  # fmt: skip
    # A's MOQ of 200 makes it dearer than C; D's expired quote is listed, unranked
    assert [(q.quote.supplier_code, q.rank, q.order_quantity, q.expired) for q in line2.quotes] == [
        ("C", 1, Decimal(50), False), ("A", 2, Decimal(200), False), ("D", None, Decimal(50), True)
    ]  # fmt: skip


def test_award_groups_lines_per_supplier_and_dates_them() -> None:
    comparison = compare(LINES, [_q("A", 1, "9", 20), _q("A", 2, "1", 5), _q("B", 2, "2", 1)], ON)
    (order,) = award("RFQ-1", comparison, ON)
    assert order.supplier_code == "A"
    assert [(a.line.line_no, a.due_date) for a in order.lines] == [
        (1, ON + timedelta(days=20)), (2, date(2026, 3, 20))
    ]  # fmt: skip
    chosen = award("RFQ-1", comparison, ON, {2: "B"})
    assert [o.supplier_code for o in chosen] == ["A", "B"]


@pytest.mark.parametrize(
    ("choices", "message"),
    [({2: "Z"}, "Z did not quote RFQ RFQ-1 line 2"), ({9: "A"}, "RFQ-1 has no line 9"),
     ({2: "D"}, "expired on 2026-02-28")],
)  # fmt: skip
def test_award_refuses_a_choice_it_cannot_honour(choices: dict[int, str], message: str) -> None:
    quotes = [_q("A", 1, "9", 1), _q("A", 2, "1", 1), _q("D", 2, "1", 1, until=date(2026, 2, 28))]
    with pytest.raises(DomainError, match=message):
        award("RFQ-1", compare(LINES, quotes, ON), ON, choices)


@given(st.lists(st.tuples(st.integers(1, 2000), st.integers(0, 40), st.integers(0, 300)),
                min_size=1, max_size=6))  # fmt: skip
def test_rank_one_has_the_lowest_landed_cost(offers: list[tuple[int, int, int]]) -> None:
    quotes = [_q(f"S{i}", 1, str(Decimal(c) / 100), lead, moq)
              for i, (c, lead, moq) in enumerate(offers)]  # fmt: skip
    (line, _) = compare(LINES, quotes, ON)
    ranked = [q for q in line.quotes if q.rank is not None]
    assert [q.rank for q in ranked] == list(range(1, len(quotes) + 1))
    assert ranked[0].landed_cost == min(q.landed_cost for q in ranked)
    assert all(q.order_quantity >= Decimal(100) for q in ranked)


def test_the_examples_in_the_buying_docstrings_hold() -> None:
    import doctest

    from flexchain.domain import buying, rfqs

    for module in (rfqs, buying):
        failed, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert (failed, tried > 0) == (0, True), module.__name__
