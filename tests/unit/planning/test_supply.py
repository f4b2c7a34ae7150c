"""The supply terms the planning run takes per item (flexchain.planning.supply)."""

from __future__ import annotations

from decimal import Decimal as D

from flexchain.planning.supply import (
    Capability,
    ItemTerms,
    SupplierTerms,
    SupplyTerms,
    supply_terms,
)

TIERS = {1: "S", 2: "B"}


def test_a_made_item_takes_its_default_suppliers_first_capability_plus_its_cycle() -> None:
    jacket = ItemTerms(10, "finished", 1, 3, D(0), D(1))
    capabilities = [Capability(1, D("4.2"), D("1.5")), Capability(1, D(9), D(9))]

    (terms,) = supply_terms([jacket], [], capabilities, TIERS).values()

    assert terms == SupplyTerms(5 + 3, D("1.5"), "S", D(0), D(1))


def test_a_bought_item_takes_its_default_suppliers_term_and_the_larger_lot_terms() -> None:
    # given a fabric sold by two suppliers, the second its default
    fabric = ItemTerms(20, "raw", 2, 0, D(50), D(0))
    offers = [SupplierTerms(20, 1, 7, D(100), D(10)), SupplierTerms(20, 2, 14, D(10), D(0))]

    (terms,) = supply_terms([fabric], offers, [], TIERS).values()

    # then the default supplier's lead time and tier, the item's larger MOQ, a multiple of 1
    assert terms == SupplyTerms(14, D(0), "B", D(50), D(1))


def test_a_bought_item_without_its_default_suppliers_term_takes_the_first() -> None:
    trim = ItemTerms(30, "raw", None, 0, D(0), D(1))
    offers = [SupplierTerms(30, 1, 7, D(0), D(1)), SupplierTerms(30, 2, 14, D(0), D(1))]

    (terms,) = supply_terms([trim], offers, [], TIERS).values()

    assert (terms.lead_days, terms.tier) == (7, "S")
