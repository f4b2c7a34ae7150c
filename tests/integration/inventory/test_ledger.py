"""The inventory ledger through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from flexchain.adapters.db import tables as t
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import InsufficientStock, NotFound
from flexchain.domain.stock import MoveKind, StockMove
from flexchain.services import inventory
from tests.integration.inventory.conftest import NOW, receive

Factory = Callable[..., UnitOfWork]
_MINUTE = timedelta(minutes=1)


def view(uow: UnitOfWork, sku: str, location: str) -> inventory.BalanceView:
    (row,) = inventory.balances(uow, now=NOW, item=sku, location=location, include_empty=True)
    return row


def test_receipt_raises_on_hand_and_is_written_as_a_move(ledger_uow: Factory) -> None:
    with ledger_uow() as uow:
        receive(uow, "ITEM-A", "12.5")
        uow.commit()
    with ledger_uow(write=False) as uow:
        row = view(uow, "ITEM-A", "WH")
        assert (row.on_hand, row.reserved, row.available) == (Decimal("12.5"), 0, Decimal("12.5"))
        assert inventory.moves_total(uow, "ITEM-A", "WH") == Decimal("12.5")


def test_move_out_beyond_available_is_refused_and_changes_nothing(ledger_uow: Factory) -> None:
    with ledger_uow() as uow:
        receive(uow, "ITEM-A", 5)
        inventory.reserve(uow, "ITEM-A", "WH", 3, "order-1", now=NOW)
        uow.commit()
    with ledger_uow() as uow, pytest.raises(InsufficientStock, match="requested 3, available 2"):
        inventory.post_move(
            uow, StockMove("ITEM-A", "WH", "CUST", Decimal(3), MoveKind.SHIPMENT, "x", NOW)
        )
    with ledger_uow(write=False) as uow:
        assert view(uow, "ITEM-A", "WH").on_hand == 5


def test_shipment_consumes_the_owners_reservation(ledger_uow: Factory) -> None:
    with ledger_uow() as uow:
        receive(uow, "ITEM-A", 5)
        inventory.reserve(uow, "ITEM-A", "WH", 4, "order-1", now=NOW)
        inventory.post_move(
            uow,
            StockMove(
                "ITEM-A", "WH", "CUST", Decimal(4), MoveKind.SHIPMENT, "order-1", NOW, "order-1"
            ),
        )
        uow.commit()
    with ledger_uow(write=False) as uow:
        row = view(uow, "ITEM-A", "WH")
        assert (row.on_hand, row.reserved, row.available) == (1, 0, 1)


def test_reservation_never_takes_available_below_zero(ledger_uow: Factory) -> None:
    with ledger_uow() as uow:
        receive(uow, "ITEM-A", 2)
        inventory.reserve(uow, "ITEM-A", "WH", 2, "order-1", now=NOW)
        with pytest.raises(InsufficientStock):
            inventory.reserve(uow, "ITEM-A", "WH", 1, "order-2", now=NOW)
        assert (
            inventory.reserve(uow, "ITEM-A", "WH", 1, "order-2", now=NOW, allow_partial=True) == 0
        )


def test_expired_reservation_stops_counting_without_any_job(ledger_uow: Factory) -> None:
    with ledger_uow() as uow:
        receive(uow, "ITEM-A", 3)
        inventory.reserve(
            uow, "ITEM-A", "WH", 3, "cart-1", now=NOW, expires_at=NOW + timedelta(minutes=15)
        )
        uow.commit()
    later = NOW + timedelta(minutes=16)
    with ledger_uow(write=False) as uow:
        (row,) = inventory.balances(uow, now=later, item="ITEM-A", location="WH")
        assert row.available == 3
    with ledger_uow() as uow:
        assert inventory.reserve(uow, "ITEM-A", "WH", 3, "order-9", now=later) == 3
        uow.commit()
    with ledger_uow(write=False) as uow:
        (row,) = inventory.balances(uow, now=later, item="ITEM-A", location="WH")
        assert (row.reserved, row.available) == (3, 0)


def test_release_returns_stock_to_available(ledger_uow: Factory) -> None:
    with ledger_uow() as uow:
        receive(uow, "ITEM-A", 5)
        receive(uow, "ITEM-B", 5)
        inventory.reserve(uow, "ITEM-A", "WH", 2, "order-1", now=NOW)
        inventory.reserve(uow, "ITEM-B", "WH", 3, "order-1", now=NOW)
        assert inventory.release(uow, "order-1", now=NOW) == 5
        uow.commit()
    with ledger_uow(write=False) as uow:
        assert view(uow, "ITEM-A", "WH").available == 5
        assert view(uow, "ITEM-B", "WH").available == 5


def test_stock_in_a_transit_location_counts_as_in_transit_of_its_destination(
    ledger_uow: Factory,
) -> None:
    with ledger_uow() as uow:
        inventory.post_move(
            uow, StockMove("ITEM-A", "SUP", "TR-WH", Decimal(7), MoveKind.TRANSFER, "asn-1", NOW)
        )
        uow.commit()
    with ledger_uow(write=False) as uow:
        assert view(uow, "ITEM-A", "WH").in_transit == 7
    with ledger_uow() as uow:
        inventory.post_move(
            uow, StockMove("ITEM-A", "TR-WH", "WH", Decimal(7), MoveKind.RECEIPT, "asn-1", NOW)
        )
        uow.commit()
    with ledger_uow(write=False) as uow:
        row = view(uow, "ITEM-A", "WH")
        assert (row.on_hand, row.in_transit) == (7, 0)


def test_unknown_item_is_a_clear_error(ledger_uow: Factory) -> None:
    with ledger_uow() as uow, pytest.raises(NotFound, match="unknown item 'NOPE'"):
        receive(uow, "NOPE", 1)


def test_a_batch_reads_the_hinted_balances_and_sweeps_their_expired_carts_at_once(
    ledger_uow: Factory,
) -> None:
    # given two items, each with 3 on hand and all of it held by a cart that expired
    with ledger_uow() as uow:
        for sku in ("ITEM-A", "ITEM-B"):
            receive(uow, sku, 3)
            inventory.reserve(uow, sku, "WH", 3, "cart-1", now=NOW, expires_at=NOW + _MINUTE)
        uow.commit()
    later = NOW + 2 * _MINUTE
    with ledger_uow() as uow:
        session = uow.session
        ids = {
            sku: session.scalar(select(t.ItemRow.id).where(t.ItemRow.sku == sku))
            for sku in ("ITEM-A", "ITEM-B")
        }
        wh = session.scalar(select(t.LocationRow.id).where(t.LocationRow.code == "WH"))
        statements: list[str] = []

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(session.get_bind(), "before_cursor_execute", record)

        # when a batch, hinted that the previous one read ITEM-B, reserves both (unlocked reads)
        batch = inventory.Reservations(uow, now=later, optimistic=True, hint=[(ids["ITEM-B"], wh)])
        taken = [
            batch.reserve((ids[sku], sku), (wh, "WH"), Decimal(2), "order-1")
            for sku in ("ITEM-A", "ITEM-B")
        ]
        reads = list(statements)
        batch.write()
        event.remove(session.get_bind(), "before_cursor_execute", record)
        uow.commit()

    # then one read and one sweep covered both balances (then each gave back its cart's 3), both
    # carts stopped counting, and the guarded writes took 2 of each
    assert taken == [Decimal(2), Decimal(2)]
    assert [" ".join(s.split()[:2]) for s in reads] == [
        "SELECT stock_balances.id,",
        "UPDATE reservations",
        "UPDATE stock_balances",
        "UPDATE stock_balances",
    ]
    with ledger_uow(write=False) as uow:
        for sku in ("ITEM-A", "ITEM-B"):
            assert (view(uow, sku, "WH").reserved, view(uow, sku, "WH").available) == (2, 1)


def test_a_batch_of_shipments_takes_each_owners_reservation(ledger_uow: Factory) -> None:
    # given 10 on hand, 4 held by order-1 and 3 by order-2
    with ledger_uow() as uow:
        receive(uow, "ITEM-A", 10)
        inventory.reserve(uow, "ITEM-A", "WH", 4, "order-1", now=NOW)
        inventory.reserve(uow, "ITEM-A", "WH", 3, "order-2", now=NOW)
        uow.commit()

    # when one batch ships all of order-1's and 1 of order-2's
    with ledger_uow() as uow:
        inventory.post_moves(
            uow,
            [
                StockMove("ITEM-A", "WH", "CUST", Decimal(4), "shipment", "o1", NOW, "order-1"),
                StockMove("ITEM-A", "WH", "CUST", Decimal(1), "shipment", "o2", NOW, "order-2"),
            ],
        )
        uow.commit()

    # then order-1's reservation is consumed, order-2 still holds 2, and 5 are left free
    with ledger_uow(write=False) as uow:
        row = view(uow, "ITEM-A", "WH")
        assert (row.on_hand, row.reserved, row.available) == (5, 2, 3)
        held = {
            owner: (quantity, status)
            for owner, quantity, status in uow.session.execute(
                select(
                    t.ReservationRow.owner_ref, t.ReservationRow.quantity, t.ReservationRow.status
                )
            )
        }
        assert held == {"order-1": (0, "consumed"), "order-2": (2, "active")}
        assert inventory.moves_total(uow, "ITEM-A", "WH") == 5
