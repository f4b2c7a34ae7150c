"""The demo generator: deterministic, complete, consistent with the domain rules, and scalable."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest

from flexchain.config import Settings
from flexchain.demo import LOAD_ORDER, DemoData, generate
from flexchain.domain.bom import BomLine, check_acyclic
from flexchain.domain.catalog import Item, Option, SkuRule
from flexchain.domain.contracts import TieredPrice
from tests.unit.demo.conftest import START


def test_the_same_seed_gives_the_same_company(demo: DemoData) -> None:
    # when the demo is generated again with the same arguments
    again = generate(start=START)
    # then every row and every week of demand is identical
    assert again.tables == demo.tables
    assert np.array_equal(again.demand.quantities, demo.demand.quantities)
    assert again.demand.patterns.tolist() == demo.demand.patterns.tolist()


def test_another_seed_gives_other_demand(demo: DemoData) -> None:
    other = generate(seed=8, start=START)
    assert other.demand.skus == demo.demand.skus
    assert not np.array_equal(other.demand.quantities, demo.demand.quantities)


def test_every_kind_has_rows(demo: DemoData) -> None:
    counts = demo.counts()
    assert list(counts) == list(LOAD_ORDER)
    assert all(counts[kind] > 0 for kind in LOAD_ORDER)


def _items(demo: DemoData) -> dict[str, Item]:
    return {row["sku"]: Item(**row) for row in demo.tables["items"]}


def test_items_options_and_bom_lines_pass_the_domain_rules(demo: DemoData) -> None:
    # given the generated rows, built into domain objects (which validate themselves)
    items = _items(demo)
    options = [Option(**row) for row in demo.tables["options"]]
    lines = [BomLine(**row) for row in demo.tables["bom"]]
    # then every reference resolves and the BOM has no cycle
    assert all(option.module_sku in items for option in options)
    assert all(line.parent_sku in items and line.child_sku in items for line in lines)
    check_acyclic(lines)


def _modules_of(demo: DemoData, sku: str) -> Counter[str]:
    items = {row["sku"]: row for row in demo.tables["items"]}
    return Counter(
        items[row["child_sku"]].get("module_type")
        for row in demo.tables["bom"]
        if row["parent_sku"] == sku and items[row["child_sku"]]["kind"] == "module"
    )


def test_the_jacket_has_15_standard_and_3_custom_modules(demo: DemoData) -> None:
    assert _modules_of(demo, "JKT-RNYL-NAVY-M") == {"standard": 15, "custom": 3}


def test_tees_are_plant_dyed_with_print_options_and_accessories_engraved(demo: DemoData) -> None:
    options: dict[str, set[str]] = {}
    for row in demo.tables["options"]:
        options.setdefault(row["module_sku"], set()).add(row["code"])
    tee = {
        row["child_sku"] for row in demo.tables["bom"] if row["parent_sku"] == "TEE-COT-INDIGO-S"
    }
    assert {"M-DYE", "M-PRINT"} <= tee
    assert {"INDIGO", "MADDER", "WELD"} <= options["M-DYE"]
    assert {"CHEST", "BACK", "ARTWORK"} <= options["M-PRINT"]
    for accessory in ("KRG-BRS-GOLD", "CRD-LTH-TAN", "BLT-LTH-BLACK-M"):
        children = {r["child_sku"] for r in demo.tables["bom"] if r["parent_sku"] == accessory}
        assert "M-ENGRAVING" in children


def test_modules_are_built_down_to_raw_materials_and_packaging(demo: DemoData) -> None:
    items = _items(demo)
    kinds = {str(item.kind) for item in items.values()}
    assert kinds == {"finished", "module", "raw", "packaging"}
    fabric = [item for item in items.values() if item.sku.startswith("FAB-")]
    assert fabric and all(item.uom == "m" for item in fabric)
    parents = {row["parent_sku"] for row in demo.tables["bom"]}
    standard = [i for i in items.values() if i.module_type == "standard"]
    assert all(module.sku in parents for module in standard)


def test_finished_skus_follow_the_configured_rule(demo: DemoData) -> None:
    rule = SkuRule(Settings().sku_rules["finished"])
    finished = [item for item in _items(demo).values() if item.kind == "finished"]
    assert len(finished) == 61
    for item in finished:
        rule.check(item)


def test_a_different_sku_rule_is_followed() -> None:
    data = generate(items=12, start=START, sku_rule="{family}.{colour}.{size?}")
    skus = {row["sku"] for row in data.tables["items"] if row["kind"] == "finished"}
    assert {"JKT.NAVY.XS", "KRG.GOLD"} <= skus


def test_the_network_has_ten_suppliers_across_tiers_with_their_minimums(demo: DemoData) -> None:
    suppliers = {row["code"]: row for row in demo.tables["suppliers"]}
    assert len(suppliers) == 10
    assert {row["tier"] for row in suppliers.values()} == {"S", "A", "B"}
    minimum = {
        cap["process"]: cap["moq"] for row in suppliers.values() for cap in row["capabilities"]
        if row["tier"] != "B"
    }  # fmt: skip
    assert minimum["cutting"] == 5  # rolls
    assert (minimum["sewing"], minimum["trims"]) == (50, 100)
    assert minimum["printing"] == minimum["packaging"] == 20


def test_the_backup_abroad_is_cheaper_and_slower(demo: DemoData) -> None:
    terms = [row for row in demo.tables["item-suppliers"] if row["item_sku"] == "M-JKT-BACK"]
    by_supplier = {row["supplier_code"]: row for row in terms}
    home, backup = by_supplier["CUT-PT"], by_supplier["SEW-VN"]
    usd_per_eur = Decimal("1.08")
    home_price = home["price_breaks"][0]["unit_price"]
    assert backup["price_breaks"][0]["unit_price"] / usd_per_eur < home_price
    assert backup["lead_time_days"] > 3 * home["lead_time_days"]


def test_contracts_carry_every_clause(demo: DemoData) -> None:
    contracts = demo.tables["contracts"]
    assert any(row["topup_max_units"] for row in contracts)
    assert any(row["retention_pct"] for row in contracts)
    assert any(row["capacity_reserved_pct"] for row in contracts)
    tiers = Counter(row["contract_code"] for row in demo.tables["contract-prices"])
    assert set(tiers) == {row["code"] for row in contracts}
    for row in demo.tables["contract-prices"]:
        TieredPrice(row["item_sku"], row["min_quantity"], row["unit_price"])


def test_opening_stock_is_positive_and_at_known_locations(demo: DemoData) -> None:
    locations = {row["code"]: row["kind"] for row in demo.tables["locations"]}
    items = {row["sku"] for row in demo.tables["items"]}
    for row in demo.tables["stock"]:
        assert row["quantity"] > 0
        assert row["sku"] in items
        assert locations[row["location"]] in ("warehouse", "factory")


def test_demand_covers_every_finished_item_for_two_years_of_mondays(demo: DemoData) -> None:
    finished = [row["sku"] for row in demo.tables["items"] if row["kind"] == "finished"]
    assert demo.demand.skus == finished
    weeks = demo.demand.weeks
    assert len(weeks) == 104 and weeks[0] == START
    assert all(week.weekday() == 0 for week in weeks)
    assert demo.today == START + timedelta(weeks=104)
    first = next(iter(demo.rows("demand")))
    assert set(first) == {"sku", "location", "period_start", "quantity"}


def test_a_small_assortment_still_has_every_named_product() -> None:
    data = generate(items=5, start=START, weeks=8)
    families = {row["family"] for row in data.tables["items"] if row["kind"] == "finished"}
    assert families == {"JKT", "TEE", "KRG", "CRD", "BLT"}


def test_generation_scales_to_5000_items_in_seconds() -> None:
    began = time.perf_counter()
    data = generate(items=5000, start=START)
    elapsed = time.perf_counter() - began
    finished = [row for row in data.tables["items"] if row["kind"] == "finished"]
    assert len(finished) == len({row["sku"] for row in finished}) == 5000
    assert data.demand.quantities.shape == (5000, 104)
    assert elapsed < 10, f"5,000 items took {elapsed:.1f} s"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"items": 0}, "items must be at least 1", id="no-items"),
        pytest.param({"weeks": 4}, "weeks must be at least 8", id="short-history"),
        pytest.param({"start": START + timedelta(days=2)}, "must be a Monday", id="not-monday"),
    ],
)
def test_impossible_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate(**kwargs)  # type: ignore[arg-type]


def test_dye_print_and_engraving_options_carry_their_own_materials(demo: DemoData) -> None:
    rows = demo.tables["option-materials"]
    needs = {(row["module_sku"], row["code"]): row["component_sku"] for row in rows}
    assert needs[("M-DYE", "MADDER")] == "DYE-MADDER"
    assert {code for module, code in needs if module == "M-DYE"} == {
        "INDIGO",
        "MADDER",
        "WELD",
        "WALNUT",
    }
    assert {code for module, code in needs if module == "M-PRINT"} == {"CHEST", "BACK", "ARTWORK"}
    assert {code for module, code in needs if module == "M-ENGRAVING"} == {
        "INITIALS",
        "TEXT",
        "LOGO",
    }
    # an option that changes nothing material needs nothing (natural dye, no print, initials)
    assert not {("M-DYE", "NATURAL"), ("M-PRINT", "NONE"), ("M-EMBROIDERY", "INITIALS")} & set(
        needs
    )
    materials = {row["sku"] for row in demo.tables["items"] if row["kind"] == "raw"}
    assert set(needs.values()) <= materials
