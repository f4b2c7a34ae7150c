"""The ``price_breaks`` column built for many items at once."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from flexchain.planning.dynamic_inputs import PRICE_BREAKS_DTYPE, price_breaks_column

PAIRS = st.lists(
    st.lists(
        st.tuples(
            st.integers(0, 10_000).map(Decimal),
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2),
        ),
        max_size=4,
    ),
    max_size=30,
)


@given(PAIRS)
def test_the_column_is_the_one_a_list_of_dicts_per_row_gives(breaks: list) -> None:
    want = pl.Series(
        [[{"min_qty": float(m), "unit_price": float(p)} for m, p in pairs] for pairs in breaks],
        dtype=PRICE_BREAKS_DTYPE,
    )
    got = price_breaks_column(breaks)
    assert got.dtype == PRICE_BREAKS_DTYPE
    assert got.to_list() == want.to_list()  # each row's pairs, in their order; none: []


def test_rows_keep_their_place_and_their_pairs_their_order() -> None:
    got = price_breaks_column([[], [(Decimal(500), Decimal("9.5")), (Decimal(100), 10)], []])
    assert got.to_list() == [
        [],
        [{"min_qty": 500.0, "unit_price": 9.5}, {"min_qty": 100.0, "unit_price": 10.0}],
        [],
    ]
    assert price_breaks_column([]).len() == 0
