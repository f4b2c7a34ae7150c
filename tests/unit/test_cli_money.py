"""CLI money: at least two decimals, never fewer, exact otherwise; the list page note."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.entrypoints.cli.payments import settlement_rows
from flexchain.entrypoints.cli.render import money_cell, money_text, page_note, table
from flexchain.services.payments import FundSettlementView


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal(42), "42.00"),
        ("42", "42.00"),
        ("12654.4", "12654.40"),
        (Decimal("0.125"), "0.125"),
        ("12.3400", "12.34"),
        (Decimal("5E+2"), "500.00"),
        ("-3", "-3.00"),
        ("expired", "expired"),
        (None, ""),
    ],
    ids=["whole", "text", "one-decimal", "three-decimals", "trailing-zeros", "exponent",
         "negative", "not-a-number", "none"],
)  # fmt: skip
def test_money_shows_at_least_cents_and_stays_exact(value: object, shown: str) -> None:
    assert money_cell(value) == shown


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**9,
                   max_value=10**9))  # fmt: skip
def test_money_text_reads_back_as_the_same_amount(amount: Decimal) -> None:
    text = money_cell(amount)
    _, _, decimals = text.partition(".")
    assert Decimal(text) == amount and len(decimals) >= 2


def test_a_money_column_and_a_summary() -> None:
    from rich.console import Console

    console = Console(width=80, record=True)
    console.print(table((("id", "Id"), ("amount", "Amount")), [{"id": 1, "amount": "9500"}],
                        money=("amount",)))  # fmt: skip
    assert "9500.00" in console.export_text()
    assert money_text(Decimal("12654.4"), "EUR") == "12654.40 EUR"


def test_the_page_note_says_what_is_left_out() -> None:
    assert page_note(5, 5, 0, "receipts") is None
    assert page_note(1000, 1234, 0, "receipts") == (
        "showing 1,000 of 1,234 receipts: --limit N and --offset N show the others"
    )
    assert page_note(234, 1234, 1000, "payments").startswith("showing 1,001-1,234 of 1,234")


def test_the_fund_settlement_shows_the_first_pass_yield_to_four_places() -> None:
    # 889 of 897 units accepted: 0.99108138... (it printed every one of its 28 digits)
    def settled(fpy: Decimal | None) -> FundSettlementView:
        zero = Decimal(0)
        return FundSettlementView(
            "SEW-PT", "EUR", "2026-Q3", Decimal("39.98"), fpy, Decimal("0.98"), zero,
            Decimal("39.98"), zero, 7,
        )  # fmt: skip

    rows = settlement_rows([settled(Decimal(889) / Decimal(897)), settled(None)])
    assert [row["first_pass_yield"] for row in rows] == ["0.9911", "nothing inspected"]
    assert rows[0]["target_yield"] == "0.98" and rows[0]["retained"] == "39.98"
