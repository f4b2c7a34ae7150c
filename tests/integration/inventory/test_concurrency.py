"""Many clients reserving or shipping the last units at the same moment never oversell (both
databases)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import InsufficientStock
from flexchain.domain.stock import MoveKind, StockMove
from flexchain.services import inventory
from tests.integration.inventory.conftest import NOW, receive

THREADS = 32
STOCK = 10


def test_32_threads_reserving_the_last_units_never_oversell(
    ledger_uow: Callable[..., UnitOfWork],
) -> None:
    # given 10 units and 32 clients who each want 1
    with ledger_uow() as uow:
        receive(uow, "ITEM-A", STOCK)
        uow.commit()
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        barrier.wait()
        try:
            with ledger_uow() as uow:
                inventory.reserve(uow, "ITEM-A", "WH", 1, f"order-{n}", now=NOW)
                uow.commit()
            result = "reserved"
        except InsufficientStock:
            result = "short"
        with lock:
            outcomes.append(result)

    # when they all reserve at once
    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly the 10 units are reserved and nobody else got any
    assert outcomes.count("reserved") == STOCK
    assert outcomes.count("short") == THREADS - STOCK
    with ledger_uow(write=False) as uow:
        (row,) = inventory.balances(uow, now=NOW, item="ITEM-A", location="WH")
    assert (row.on_hand, row.reserved, row.available) == (STOCK, STOCK, Decimal(0))


def test_32_threads_shipping_the_last_units_never_oversell(
    ledger_uow: Callable[..., UnitOfWork],
) -> None:
    # given 10 units and 32 clients who each ship 1 (the check is made on the locked figures)
    with ledger_uow() as uow:
        receive(uow, "ITEM-A", STOCK)
        uow.commit()
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        move = StockMove("ITEM-A", "WH", "CUST", Decimal(1), MoveKind.SHIPMENT, f"o{n}", NOW)
        barrier.wait()
        try:
            with ledger_uow() as uow:
                inventory.post_move(uow, move)
                uow.commit()
            result = "shipped"
        except InsufficientStock:
            result = "short"
        with lock:
            outcomes.append(result)

    # when they all ship at once
    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly the 10 units left, and the ledger agrees with the balance
    assert outcomes.count("shipped") == STOCK
    assert outcomes.count("short") == THREADS - STOCK
    with ledger_uow(write=False) as uow:
        (row,) = inventory.balances(uow, now=NOW, item="ITEM-A", location="WH", include_empty=True)
        assert (row.on_hand, row.available) == (0, 0)
        assert inventory.moves_total(uow, "ITEM-A", "WH") == 0
