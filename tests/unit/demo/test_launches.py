"""The demo brand's product launches: drawn per seed inside the twelve weeks, made products with
their sibling's materials, and orders of them only once on sale, the other orders unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flexchain.demo import DemoData
from flexchain.demo.launches import LINEUP, launches
from flexchain.demo.sales import LAUNCH_ORDERS, WEEKS, sales

NOW = datetime(2025, 12, 29, 10, tzinfo=UTC)


def test_launches_are_drawn_per_seed_inside_the_weeks_replayed(demo: DemoData) -> None:
    first, again = launches(demo, now=NOW), launches(demo, now=NOW)
    other = launches(demo, now=NOW, seed=8)
    assert first == again
    assert [launch.entered_at for launch in first] != [launch.entered_at for launch in other]
    assert [launch.product.sku for launch in first] == [
        "KRG-BRS-BLACK", "CRD-LTH-FOREST", "TEE-COT-SAGE-M"
    ]  # fmt: skip
    assert len(first) == len(LINEUP)
    for launch in first:
        assert NOW - timedelta(weeks=WEEKS) < launch.entered_at < launch.on_sale < NOW
        assert timedelta(days=7) <= launch.on_sale - launch.entered_at <= timedelta(days=22)


def test_a_launch_is_a_made_product_of_its_siblings_materials(demo: DemoData) -> None:
    items = {row["sku"]: row for row in demo.tables["items"]}
    tee = next(launch for launch in launches(demo, now=NOW) if launch.sibling.startswith("TEE"))
    (item,) = tee.items
    # a new colour of the sibling, in its family, made whole by the sewing workshop
    assert item["family"] == items[tee.sibling]["family"] == "TEE"
    assert item["attributes"] == {"material": "COT", "colour": "SAGE", "size": "M",
                                  "process": "sewing"}  # fmt: skip
    assert item["default_supplier"] == tee.item_suppliers[0]["supplier_code"] == "SEW-PT"
    # from materials only (the fabric of the body, sleeves and rib, summed), no module
    bom = {row["child_sku"]: row["quantity"] for row in tee.bom}
    assert all(items[sku]["kind"] != "module" for sku in bom)
    assert bom["FAB-COT"] == sum(
        row["quantity"]
        for row in demo.tables["bom"]
        if row["parent_sku"] in {"M-TEE-BODY", "M-TEE-SLEEVES", "M-TEE-RIB"}
        and row["child_sku"] == "FAB-COT"
    )
    assert {"PKG-BAG", "PKG-TAG", "LBL-WOVEN"} <= bom.keys()
    # its standard cost the sibling's without the dye and print it cannot have
    custom = sum(items[sku]["standard_cost"] for sku in ("M-DYE", "M-PRINT"))
    assert item["standard_cost"] == items[tee.sibling]["standard_cost"] - custom


def test_orders_of_a_launch_come_once_it_is_on_sale_and_leave_the_others_alone(
    demo: DemoData,
) -> None:
    launched = launches(demo, now=NOW)
    plain, drawn = sales(demo, now=NOW), sales(demo, now=NOW, launches=launched)
    by_sku = {launch.product.sku: launch for launch in launched}
    changed = [(a, b) for a, b in zip(plain, drawn, strict=True) if a != b]
    for sku, launch in by_sku.items():
        mine = [b for _, b in changed if b.lines[0].sku == sku]
        assert 1 <= len(mine) <= LAUNCH_ORDERS
        assert all(sale.placed_at >= launch.on_sale and sale.cancelled_at is None
                   and sale.issue is None for sale in mine)  # fmt: skip
    # and every other order is drawn as it is without launches
    assert all(len(b.lines) == 1 and b.lines[0].sku in by_sku for _, b in changed)
    assert all(a.placed_at == b.placed_at and a.number == b.number for a, b in changed)
