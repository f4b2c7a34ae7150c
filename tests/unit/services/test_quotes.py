"""The quote use case without a database: the snapshot comes from an in-memory store."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from flexchain.domain.assignment import Candidate
from flexchain.domain.bom import BomLine
from flexchain.domain.catalog import Item, ItemKind, ModuleType, Option
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.quotes import DEFAULT_POLICY, QuotePolicy, QuoteSnapshot
from flexchain.domain.speed import SpeedLadder
from flexchain.domain.suppliers import Process, Tier
from flexchain.services.quotes import quote
from tests.fakes import FakeQuoteStore

TODAY = date(2026, 11, 23)
D = Decimal


def bag() -> QuoteSnapshot:
    items = [
        Item("BAG", "Bag", ItemKind.FINISHED, list_price=D(50), production_cycle_days=2),
        Item("DYE", "Dye", ItemKind.MODULE, module_type=ModuleType.CUSTOM,
             attributes={"process": "dyeing"}),
    ]  # fmt: skip
    return QuoteSnapshot(
        product=items[0],
        items={item.sku: item for item in items},
        bom=(BomLine("BAG", "DYE", D(1)),),
        options={"DYE": (Option("DYE", "INDIGO", "Indigo", D(5), 2),)},
        candidates={
            Process.DYEING: (Candidate("DYE-A", Process.DYEING, Tier.A, D(10), D(4)),),
        },
        available={"BAG": D(10)},
    )


def test_a_quote_is_the_domain_rule_over_the_loaded_snapshot() -> None:
    # given a bag whose dye takes 4 + 2 days lead and 1 day run
    store = FakeQuoteStore(bag())
    # when quoted
    result = quote(store, "BAG", {"Dye": "indigo"}, 3, "basic", today=TODAY)
    # then one snapshot was loaded, for the policy's horizon, and the rule applied to it
    assert store.loads == [("BAG", TODAY, DEFAULT_POLICY.horizon_days)]
    assert result.ship_date == TODAY + timedelta(days=4 + 2 + 1 + 2 + 1)
    assert result.total.amount == D("165.00")  # 3 x 50 + 3 x 5


def test_the_installations_ladder_sets_the_terms_of_the_tier() -> None:
    store = FakeQuoteStore(bag())
    slow = SpeedLadder.parse({"custom": {"lead_time_factor": "2", "premium_pct": "10"}})

    result = quote(store, "BAG", {"Dye": "indigo"}, 3, "custom", today=TODAY, ladder=slow)

    assert result.ship_date == TODAY + timedelta(days=12 + 1 + 4 + 1)
    assert result.total.amount == D("181.50")


def test_the_policy_horizon_is_what_the_store_counts_booked_load_in() -> None:
    store = FakeQuoteStore(bag())

    quote(
        store, "BAG", {"Dye": "indigo"}, 1, "basic", today=TODAY, policy=QuotePolicy(horizon_days=7)
    )

    assert store.loads == [("BAG", TODAY, 7)]


@pytest.mark.parametrize(
    ("quantity", "tier"), [(0, "basic"), (1, "warp")], ids=["quantity", "tier"]
)
def test_bad_input_is_refused_before_anything_is_loaded(quantity: int, tier: str) -> None:
    store = FakeQuoteStore(bag())

    with pytest.raises(ValidationError):
        quote(store, "BAG", {}, quantity, tier, today=TODAY)

    assert store.loads == []


def test_an_unknown_product_is_not_found() -> None:
    with pytest.raises(NotFound, match="unknown product 'NOPE'"):
        quote(FakeQuoteStore(bag()), "NOPE", {}, 1, "basic", today=TODAY)
