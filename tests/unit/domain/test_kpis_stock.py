"""The vectorised stock sums (planning/stock_kpis.py) equal the item-by-item formulas
(domain/kpi_stock.py) digit for digit, on random ledgers and at every day of a trend."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.domain import kpis as f
from flexchain.planning.stock_kpis import largest_first as planned_largest_first
from flexchain.planning.stock_kpis import ledger_arrays, stock_totals

D = Decimal
END = date(2026, 11, 29)
ENDS = [w.end for w in f.weeks_ending(END, 12)]
EARLIEST = ENDS[0] - timedelta(days=7 * f.HEALTH_WEEKS + f.AGED_DAYS)

quantities = st.decimals(min_value=0, max_value=500, places=3)
costs = st.one_of(st.none(), st.decimals(min_value=0, max_value=900, places=2))
moves = st.builds(
    lambda item, back, quantity, kind: f.BoundaryMove(
        item,
        END + timedelta(days=6) - timedelta(days=back),
        quantity if kind == "in" else -quantity,
        kind == "out",
        kind == "in",
    ),
    st.integers(1, 12),
    st.integers(0, (END + timedelta(days=6) - EARLIEST).days),
    st.decimals(min_value=0, max_value=60, places=1),
    st.sampled_from(["in", "out", "scrap"]),
)


def _by_items(ledger: dict[int, tuple[D, D | None]], ledger_moves: list[f.BoundaryMove]):
    on_hand = {item: q for item, (q, _) in ledger.items()}
    cost = {item: c for item, (_, c) in ledger.items()}
    for move in ledger_moves:
        cost.setdefault(move.item_id, None)
    skus = {item: f"SKU-{item:03d}" for item in cost}
    return on_hand, cost, skus


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.integers(1, 12), st.tuples(quantities, costs), max_size=12),
    st.lists(moves, max_size=40),
)
def test_vectorised_sums_equal_the_item_by_item_formulas(ledger, ledger_moves) -> None:
    on_hand, cost, skus = _by_items(ledger, ledger_moves)
    fast = stock_totals(ledger_arrays(on_hand, ledger_moves), cost, ENDS)
    for end in ENDS:
        slow = f.totals_of(f.stock_facts(on_hand, ledger_moves, skus, cost, end))
        assert fast[end] == slow, end
        assert fast[end].health() == f.inventory_health(
            f.stock_facts(on_hand, ledger_moves, skus, cost, end)
        )


def test_an_item_on_the_volatility_boundary_is_decided_as_the_domain_decides() -> None:
    # 9 weeks of 2 and 4 of 15: 13 x sum w^2 == 2 x (sum w)^2, the variance exactly the mean
    # squared; the domain's rounded Decimal mean decides, and so do the sums
    weekly = [15, 2, 2, 15, 2, 2, 15, 2, 2, 15, 2, 2, 2]
    sold = [f.BoundaryMove(1, END - timedelta(days=7 * k), D(-x), True, False)
            for k, x in enumerate(weekly)]  # fmt: skip
    on_hand, cost = {1: D(40)}, {1: D("2.50")}
    fast = stock_totals(ledger_arrays(on_hand, sold), cost, [END])[END]
    facts = f.stock_facts(on_hand, sold, {1: "A"}, cost, END)
    assert 13 * sum(w * w for w in weekly) == 2 * sum(weekly) ** 2
    assert fast == f.totals_of(facts)


def test_no_stock_no_sums() -> None:
    [totals] = stock_totals(ledger_arrays({}, []), {}, [END]).values()
    assert totals == f.StockTotals(D(0), D(0), 0, D(0), D(0), 0)
    assert totals.turns().value is None and totals.health().value is None


def test_quantities_too_large_for_64_bits_are_refused() -> None:
    with pytest.raises(OverflowError, match="64-bit"):
        stock_totals(ledger_arrays({1: D(10) ** 15}, []), {1: D(10) ** 6}, [END])


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(st.integers(1, 12), st.tuples(quantities, costs), max_size=12),
    st.lists(moves, max_size=30),
    st.one_of(st.none(), st.integers(1, 5)),
)
def test_vectorised_ranking_equals_the_item_by_item_one(ledger, ledger_moves, limit) -> None:
    on_hand, cost, skus = _by_items(ledger, ledger_moves)
    ids, total = planned_largest_first(ledger_arrays(on_hand, ledger_moves), cost, skus, END,
                                       limit)  # fmt: skip
    facts, expected_total = f.largest_first(on_hand, ledger_moves, skus, cost, END, limit)
    assert [skus[i] for i in ids] == [fact.sku for fact in facts]
    assert total == expected_total == len(f.stock_facts(on_hand, ledger_moves, skus, cost, END))
    values = [(x.unit_cost is None, -x.value) for x in facts]
    assert values == sorted(values)  # largest stock value first, uncosted last


def test_weekly_outflows_too_large_to_square_in_64_bits_are_summed_exactly() -> None:
    # 300,000 units a week is 3 x 10^8 thousandths: squares added up in Python integers
    weekly = [300_000, 0, 0, 5, 0, 0, 300_000, 0, 0, 0, 0, 1, 0]
    sold = [f.BoundaryMove(1, END - timedelta(days=7 * k), D(-x), True, False)
            for k, x in enumerate(weekly) if x]  # fmt: skip
    on_hand, cost = {1: D(900_000)}, {1: D("0.25")}
    fast = stock_totals(ledger_arrays(on_hand, sold), cost, [END])[END]
    assert fast == f.totals_of(f.stock_facts(on_hand, sold, {1: "A"}, cost, END))
    assert f.health_parts(f.stock_facts(on_hand, sold, {1: "A"}, cost, END)[0]).volatile
