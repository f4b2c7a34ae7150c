"""Which finished products a stock change affects (the availability push), on both databases:
a product counts toward itself, a module toward every finished product it is part of, anything
else toward none."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from flexchain.adapters.db.tables import ItemRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services.availability import affected_products
from flexchain.services.imports import import_rows
from tests.storefront_world import BAG, TEE, build_world

Uow = Callable[..., UnitOfWork]


def _ids(uow: UnitOfWork, *skus: str) -> list[int]:
    rows = uow.session.execute(select(ItemRow.sku, ItemRow.id).where(ItemRow.sku.in_(skus)))
    by_sku = {sku: item_id for sku, item_id in rows}
    return [by_sku[sku] for sku in skus]


def test_a_module_affects_every_finished_product_it_is_part_of(make_uow: Uow) -> None:
    # given: the bag's strap also goes into a second finished product, and into a module
    build_world(make_uow)
    with make_uow() as uow:
        import_rows(uow, "items", [
            {"sku": "TOTE", "name": "Tote", "kind": "finished", "list_price": "39"},
            {"sku": "M-HANDLE", "name": "Handle", "kind": "module", "module_type": "standard"},
        ], source="test")  # fmt: skip
        import_rows(uow, "bom", [
            {"parent_sku": "TOTE", "child_sku": "M-STRAP", "quantity": 1},
            {"parent_sku": "M-HANDLE", "child_sku": "M-STRAP", "quantity": 1},
        ], source="test")  # fmt: skip
        uow.commit()
    with make_uow(write=False) as uow:
        tee, bag, tote, strap, body, handle = _ids(
            uow, TEE, BAG, "TOTE", "M-STRAP", "M-BAG-BODY", "M-HANDLE"
        )
        # when / then: each item alone, and all of them at once
        assert affected_products(uow, [tee]) == {tee}
        assert affected_products(uow, [strap]) == {bag, tote}
        assert affected_products(uow, [body]) == {bag}
        assert affected_products(uow, [handle]) == set()
        assert affected_products(uow, [tee, strap, body, handle]) == {tee, bag, tote}
