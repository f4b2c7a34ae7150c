from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from flexchain.adapters.db.tables import ItemRow, LocationRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.stock import MoveKind, StockMove
from flexchain.services import inventory

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

LOCATIONS = [
    ("SUP", "Supplier", "supplier", None),
    ("WH", "Main warehouse", "warehouse", None),
    ("WH2", "Second warehouse", "warehouse", None),
    ("TR-WH", "In transit to WH", "transit", "WH"),
    ("CUST", "Customers", "customer", None),
    ("SCRAP", "Scrap", "scrap", None),
]


@pytest.fixture
def ledger_uow(make_uow: Callable[..., UnitOfWork]) -> Callable[..., UnitOfWork]:
    """A database with items ITEM-A, ITEM-B and the locations above."""
    with make_uow() as uow:
        for sku in ("ITEM-A", "ITEM-B"):
            uow.session.add(ItemRow(sku=sku, name=f"Item {sku}", kind="raw", uom="pcs"))
        codes: dict[str, LocationRow] = {}
        for code, name, kind, transit_for in LOCATIONS:
            row = LocationRow(code=code, name=name, kind=kind)
            if transit_for:
                row.transit_for = codes[transit_for]
            uow.session.add(row)
            codes[code] = row
        uow.commit()
    return make_uow


def receive(uow: UnitOfWork, sku: str, quantity: int | str, to: str = "WH") -> None:
    inventory.post_move(
        uow, StockMove(sku, "SUP", to, Decimal(quantity), MoveKind.RECEIPT, "test", NOW)
    )
