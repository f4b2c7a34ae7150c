"""The import registry's decisions without a database: the catalog kinds run against the
in-memory stores of tests/fakes.py (every row checked, all errors at once, nothing written)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flexchain.services.imports import ImportFailed, import_into
from tests.fakes import FakeImportStores

SUPPLIER = {"id": 7, "code": "LISBOA", "name": "Lisboa Têxteis", "currency": "EUR"}


def stored_item(id_: int, sku: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": id_,
        "sku": sku,
        "name": sku.title(),
        "kind": "finished",
        "uom": "pcs",
        "family": "",
        "attributes": {},
        "module_type": None,
        "production_cycle_days": 0,
        "moq": Decimal(0),
        "order_multiple": Decimal(1),
        "default_supplier_id": None,
        "list_price": None,
        "standard_cost": None,
        "currency": "EUR",
        "active": True,
    }
    row.update(fields)
    return row


def test_bad_rows_are_reported_with_line_and_column_and_nothing_is_written() -> None:
    # given a catalog with one supplier and no items
    stores = FakeImportStores({"suppliers": [SUPPLIER]})
    rows = [
        {"sku": "TEE", "name": "Tee", "uom": "pcs"},
        {"sku": "CAP", "name": "Cap", "uom": "barrels"},
        {"sku": "HAT", "name": "Hat", "default_supplier": "NOWHERE"},
    ]
    # when the rows are imported
    with pytest.raises(ImportFailed) as failed:
        import_into(stores, "items", rows, source="items.csv")
    # then both bad rows are reported, each on its file line and column, and nothing is written
    where = [(error.line, error.column) for error in failed.value.errors]
    assert where == [(3, "uom"), (4, "default_supplier")]
    assert "barrels" in failed.value.errors[0].message
    assert "unknown supplier 'NOWHERE'" in failed.value.errors[1].message
    assert stores.rows.writes == []
    assert stores.audit.entries == []


def test_new_changed_and_unchanged_items_are_told_apart() -> None:
    # given a stored tee and a stored cap
    stores = FakeImportStores(
        {"suppliers": [SUPPLIER], "items": [stored_item(1, "TEE"), stored_item(2, "CAP")]}
    )
    rows = [
        {"sku": "TEE", "name": "Tee"},  # as stored
        {"sku": "CAP", "name": "Cap", "default_supplier": "lisboa têxteis"},  # by name
        {"sku": "HAT", "name": "Hat", "moq": "12"},
    ]
    # when the file is imported
    report = import_into(stores, "items", rows, source="items.csv")
    # then the new one is created, the changed one updated, and one audit row each
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert stores.rows.writes == [("insert", "items", 1), ("update", "items", 1)]
    by_sku = {row["sku"]: row for row in stores.rows.tables["items"]}
    assert by_sku["CAP"]["default_supplier_id"] == 7
    assert by_sku["HAT"]["moq"] == Decimal(12)
    actions = [(action, key) for action, _, key, _ in stores.audit.entries]
    assert actions == [("created", "HAT"), ("updated", "CAP")]
    assert stores.audit.entries[1][3]["changed"] == ["default_supplier_id"]


def test_a_dry_run_decides_everything_and_writes_nothing() -> None:
    stores = FakeImportStores({"suppliers": [SUPPLIER]})
    report = import_into(
        stores, "items", [{"sku": "TEE", "name": "Tee"}], source="items.csv", dry_run=True
    )
    assert (report.created, report.dry_run) == (1, True)
    assert stores.rows.writes == [] and stores.audit.entries == []


def test_a_bom_cycle_is_reported_on_the_line_that_closes_it() -> None:
    # given two stored items and a stored line A -> B
    items = [stored_item(1, "A", kind="component"), stored_item(2, "B", kind="component")]
    bom = [{"id": 1, "parent_id": 1, "child_id": 2, "quantity": Decimal(1), "scrap_pct": 0}]
    stores = FakeImportStores({"items": items, "bom_lines": bom})
    # when a file adds B -> A
    with pytest.raises(ImportFailed) as failed:
        import_into(stores, "bom", [{"parent_sku": "B", "child_sku": "A", "quantity": "2"}])
    # then the cycle is reported on that line, and the stored BOM is as it was
    [error] = failed.value.errors
    assert (error.line, error.column) == (2, "child_sku")
    assert "cycle" in error.message.lower()
    assert stores.rows.writes == []


FINISHED_RULE = {"finished": "{family}-{material}-{colour}-{size?}"}


def test_a_sku_that_breaks_the_sku_rule_of_its_kind_is_refused_with_the_expected_sku() -> None:
    # given an installation whose finished products follow {family}-{material}-{colour}-{size?}
    stores = FakeImportStores({"suppliers": [SUPPLIER]})
    tee = {"family": "TEE", "attributes": "material=COT; colour=Navy"}
    rows = [
        {"sku": "TEE-COT-NAVY", "name": "Tee, navy", **tee},
        {"sku": "WHATEVER-123", "name": "Tee, navy again", **tee},
        {"sku": "TEE-COT", "name": "Tee, no colour", "family": "TEE", "attributes": "material=COT"},
        {"sku": "FAB-COT", "name": "Cotton", "kind": "raw", "family": "FABRIC"},  # no raw rule
        {"sku": "GIFT-CARD", "name": "Gift card"},  # no family: no rule to follow
    ]
    # when the items are imported with the installation's rules
    with pytest.raises(ImportFailed) as failed:
        import_into(stores, "items", rows, source="items.csv", sku_rules=FINISHED_RULE)
    # then the SKU that breaks the rule and the item missing an attribute are reported on their
    # lines and columns, with what was expected, and nothing is written
    where = [(error.line, error.column) for error in failed.value.errors]
    assert where == [(3, "sku"), (4, "attributes")]
    assert failed.value.errors[0].message == (
        "'WHATEVER-123' does not follow {family}-{material}-{colour}-{size?}: "
        "expected 'TEE-COT-NAVY'"
    )
    assert "required by SKU rule" in failed.value.errors[1].message
    assert stores.rows.writes == []


def test_skus_that_follow_the_rule_are_imported() -> None:
    stores = FakeImportStores({"suppliers": [SUPPLIER]})
    rows = [
        {"sku": "TEE-COT-NAVY-M", "name": "Tee", "family": "tee",
         "attributes": "material=cot; colour=navy; size=m"},
        {"sku": "TEE-COT-RED", "name": "Tee, one size", "family": "TEE",
         "attributes": "material=COT; colour=RED"},
    ]  # fmt: skip
    report = import_into(stores, "items", rows, source="items.csv", sku_rules=FINISHED_RULE)
    assert report.created == 2
