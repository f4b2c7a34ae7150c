"""Every change to a catalog table bumps the catalog version, in the changing transaction."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from flexchain.adapters.db import catalog_version
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.stock import MoveKind, StockMove
from flexchain.services import inventory, shops
from tests.storefront_world import SHOP, TEE, build_world


def _version(make_uow: Callable[..., UnitOfWork]) -> int:
    with make_uow(write=False) as uow:
        return catalog_version.version(uow.session)


@pytest.mark.parametrize("table", catalog_version.TABLES)
def test_a_change_to_any_catalog_table_bumps_the_version(
    engine: Engine, make_uow: Callable[..., UnitOfWork], table: str
) -> None:
    build_world(make_uow)
    with make_uow() as uow:  # a mapping, so that sku_mappings has a row too
        shops.map_sku(uow, "EXT-1", TEE, shop=SHOP)
        uow.commit()
    before = _version(make_uow)
    with make_uow() as uow:
        changed = uow.session.execute(text(f"UPDATE {table} SET updated_at = updated_at"))
        assert changed.rowcount > 0  # type: ignore[attr-defined]
        uow.commit()
    assert _version(make_uow) > before


def test_rolled_back_changes_and_stock_moves_leave_the_version(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    build_world(make_uow)
    before = _version(make_uow)
    with make_uow() as uow:  # not committed
        uow.session.execute(text("UPDATE items SET name = name || '!'"))
    with make_uow() as uow:  # stock is not catalog
        inventory.post_move(
            uow,
            StockMove(TEE, "OPENING", "WH", 5, MoveKind.OPENING, "t", at=datetime.now(UTC)),
        )
        uow.commit()
    assert _version(make_uow) == before
