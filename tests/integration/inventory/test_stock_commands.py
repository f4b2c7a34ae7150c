"""The stock commands (receive, transfer, adjust, count) through the services on both databases:
one ledger move each with its reason and reference, all or nothing; ``on_order`` following the
open purchase order lines; the availability push queued by every change of sellable stock,
imports included."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from flexchain.adapters.db.tables import AuditRow, PurchaseOrderLineRow, StockMoveRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import InsufficientStock, NotFound, ValidationError
from flexchain.services import inventory, outbox, shops, stock_commands
from flexchain.services.imports import import_rows
from tests.storefront_world import NOW, SHOP, TEE, build_world

D = Decimal
Uow = Callable[..., UnitOfWork]

PO_LINES = [
    {"po_number": "PO-7", "line": 1, "supplier": "SEW-PT", "sku": TEE, "quantity": 30,
     "received": 0, "due_date": date(2026, 12, 7)},
    {"po_number": "PO-7", "line": 2, "supplier": "SEW-PT", "sku": TEE, "quantity": 20,
     "received": 5, "due_date": date(2026, 12, 14)},
    {"po_number": "PO-8", "line": 1, "supplier": "SEW-PT", "sku": TEE, "quantity": 9,
     "received": 0, "due_date": date(2026, 12, 14), "status": "cancelled"},
]  # fmt: skip


@pytest.fixture
def world(make_uow: Uow) -> Uow:
    """The storefront brand (TEE: 10 at WH), SEW-PT's own supplier location, TEE mapped for
    the Shopify shop so its availability is pushed."""
    build_world(make_uow)
    with make_uow() as uow:
        import_rows(
            uow,
            "locations",
            [{"code": "SUP-SEW-PT", "name": "Costura", "kind": "supplier",
              "supplier_code": "SEW-PT"}],
        )  # fmt: skip
        shops.map_sku(uow, "TEE-EXT", TEE, shop=SHOP, inventory_item_id="4401")
        uow.commit()
    return make_uow


def _moves(make_uow: Uow) -> list[tuple[Any, ...]]:
    with make_uow(write=False) as uow:
        rows = uow.session.scalars(select(StockMoveRow).order_by(StockMoveRow.id)).all()
        return [(row.kind, row.quantity, row.reference, row.reason) for row in rows]


def _on_hand(make_uow: Uow, location: str, sku: str = TEE) -> Decimal:
    with make_uow(write=False) as uow:
        views = inventory.balances(uow, now=NOW, item=sku, location=location, include_empty=True)
        return views[0].on_hand if views else D(0)


def _pushes(make_uow: Uow) -> list[Any]:
    with make_uow(write=False) as uow:
        return [
            (row.kind, row.payload["sku"], row.payload["available"])
            for row in outbox.list_outbox(uow)
        ]


def test_receive_posts_one_receipt_with_reference_and_reason_and_queues_the_push(
    world: Uow,
) -> None:
    # given 10 tees at WH and no push pending
    before = _moves(world)
    assert _pushes(world) == []
    # when 5 arrive
    with world() as uow:
        change = stock_commands.receive(
            uow, TEE, "5", location="WH", now=NOW, reference="DN-55", reason="weekly truck"
        )
        uow.commit()
    # then one receipt move from RECEIPTS carries both, WH holds 15, the shop will hear 15
    assert _moves(world)[len(before) :] == [("receipt", D(5), "DN-55", "weekly truck")]
    assert (change.moves[0].from_location, change.moves[0].to_location) == ("RECEIPTS", "WH")
    assert change.balances[0].on_hand == D(15)
    assert _on_hand(world, "WH") == D(15)
    assert _pushes(world) == [("availability", TEE, 15)]
    with world(write=False) as uow:
        assert inventory.moves_total(uow, TEE, "WH") == D(15)
        audits = uow.session.scalar(
            select(func.count()).select_from(AuditRow).where(AuditRow.action == "received")
        )
    assert audits == 1


def test_on_order_follows_open_purchase_order_lines_and_a_receipt_against_them(
    world: Uow,
) -> None:
    # given PO-7 (30 + 15 still expected) and a cancelled PO-8
    with world() as uow:
        import_rows(uow, "purchase-orders", PO_LINES)
        uow.commit()
    with world(write=False) as uow:
        [wh] = inventory.balances(uow, now=NOW, item=TEE, location="WH")
        elsewhere = inventory.balances(uow, now=NOW, item=TEE, location="WH2")
    assert (wh.on_hand, wh.on_order, elsewhere) == (D(10), D(45), [])
    # when 35 are received against PO-7
    with world() as uow:
        change = stock_commands.receive(uow, TEE, 35, location="WH", now=NOW, reference="PO-7")
        uow.commit()
    # then line 1 is closed, line 2 has 10 of 20 (5 + 5), the goods came from SEW-PT's site
    assert change.purchase_order_lines == ("PO-7/1", "PO-7/2")
    assert change.moves[0].from_location == "SUP-SEW-PT"
    assert (change.balances[0].on_hand, change.balances[0].on_order) == (D(45), D(10))
    with world(write=False) as uow:
        lines = uow.session.execute(
            select(PurchaseOrderLineRow.line_no, PurchaseOrderLineRow.received_quantity,
                   PurchaseOrderLineRow.status)
            .where(PurchaseOrderLineRow.po_number == "PO-7")
            .order_by(PurchaseOrderLineRow.line_no)
        ).all()  # fmt: skip
    assert [tuple(line) for line in lines] == [(1, D(30), "closed"), (2, D(10), "open")]


def test_an_item_only_on_order_is_listed_at_the_receiving_warehouse(world: Uow) -> None:
    # given a PO for the bag body, which has no stock at WH... moved away first
    with world() as uow:
        stock_commands.transfer(uow, "M-BAG-BODY", 5, source="WH", target="WH2", now=NOW)
        import_rows(
            uow,
            "purchase-orders",
            [{"po_number": "PO-9", "supplier": "SEW-PT", "sku": "M-BAG-BODY", "quantity": 12,
              "due_date": date(2026, 12, 1)}],
        )  # fmt: skip
        uow.commit()
    # then the listing shows 12 on order at WH (the first warehouse by code), none at WH2
    with world(write=False) as uow:
        views = inventory.balances(uow, now=NOW, item="M-BAG-BODY")
    assert [(v.location, v.on_hand, v.on_order) for v in views] == [
        ("WH", D(0), D(12)),
        ("WH2", D(5), D(0)),
    ]


def test_a_reference_naming_a_po_without_an_open_line_of_the_item_is_refused(
    world: Uow,
) -> None:
    with world() as uow:
        import_rows(uow, "purchase-orders", PO_LINES)
        uow.commit()
    before = _moves(world)
    for reference in ("PO-8", "PO-7/3"):
        with world() as uow, pytest.raises(ValidationError, match="reference: purchase order"):
            stock_commands.receive(uow, TEE, 1, location="WH", now=NOW, reference=reference)
    assert _moves(world) == before


def test_transfer_moves_stock_between_warehouses_in_one_move(world: Uow) -> None:
    before = _moves(world)
    with world() as uow:
        change = stock_commands.transfer(
            uow, TEE, "4", source="WH", target="WH2", now=NOW, reference="T-1"
        )
        uow.commit()
    assert _moves(world)[len(before) :] == [("transfer", D(4), "T-1", "")]
    assert [(b.location, b.on_hand) for b in change.balances] == [("WH", D(6)), ("WH2", D(4))]
    assert (_on_hand(world, "WH"), _on_hand(world, "WH2")) == (D(6), D(4))


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(
            lambda uow: stock_commands.transfer(uow, TEE, 11, source="WH", target="WH2", now=NOW),
            InsufficientStock,
            id="transfer-more-than-available",
        ),
        pytest.param(
            lambda uow: stock_commands.adjust(uow, TEE, -11, location="WH", reason="x", now=NOW),
            InsufficientStock,
            id="adjust-below-zero",
        ),
        pytest.param(
            lambda uow: stock_commands.adjust(uow, TEE, 2, location="WH", reason=" ", now=NOW),
            ValidationError,
            id="adjust-without-reason",
        ),
        pytest.param(
            lambda uow: stock_commands.receive(uow, TEE, 1, location="CUSTOMER", now=NOW),
            ValidationError,
            id="receive-at-a-customer-location",
        ),
        pytest.param(
            lambda uow: stock_commands.receive(uow, "NOPE", 1, location="WH", now=NOW),
            NotFound,
            id="receive-unknown-item",
        ),
        pytest.param(
            lambda uow: stock_commands.count(uow, TEE, -1, location="WH", now=NOW),
            ValidationError,
            id="count-negative",
        ),
        pytest.param(
            lambda uow: stock_commands.transfer(
                uow, TEE, 1, source="WH", target="NOWHERE", now=NOW
            ),
            NotFound,
            id="transfer-to-unknown-location",
        ),
    ],
)
def test_a_refused_command_writes_nothing(world: Uow, call: Any, error: type[Exception]) -> None:
    before = _moves(world)
    with world() as uow, pytest.raises(error):
        call(uow)
    assert _moves(world) == before
    assert (_on_hand(world, "WH"), _pushes(world)) == (D(10), [])


def test_adjust_posts_the_signed_difference_with_its_reason(world: Uow) -> None:
    with world() as uow:
        lost = stock_commands.adjust(uow, TEE, "-3", location="WH", reason="damaged", now=NOW)
        found = stock_commands.adjust(uow, TEE, 1, location="WH", reason="found", now=NOW)
        uow.commit()
    assert (lost.moves[0].from_location, lost.moves[0].to_location) == ("WH", "ADJUSTMENT")
    assert (found.moves[0].from_location, found.moves[0].to_location) == ("ADJUSTMENT", "WH")
    assert _moves(world)[-2:] == [
        ("adjustment", D(3), "", "damaged"),
        ("adjustment", D(1), "", "found"),
    ]
    assert _on_hand(world, "WH") == D(8)
    assert _pushes(world) == [("availability", TEE, 8)]


def test_count_sets_the_counted_quantity_and_a_matching_count_moves_nothing(world: Uow) -> None:
    with world() as uow:
        down = stock_commands.count(uow, TEE, 7, location="WH", now=NOW)
        same = stock_commands.count(uow, TEE, "7", location="WH", now=NOW)
        up = stock_commands.count(uow, TEE, "9.5", location="WH", now=NOW, reason="recount")
        uow.commit()
    assert [m.quantity for m in down.moves] == [D(3)] and same.moves == ()
    assert same.balances[0].on_hand == D(7)
    assert _moves(world)[-2:] == [
        ("adjustment", D(3), "", "stock count: 7"),
        ("adjustment", D("2.5"), "", "recount"),
    ]
    assert up.balances[0].on_hand == _on_hand(world, "WH") == D("9.5")
    with world(write=False) as uow:
        assert inventory.moves_total(uow, TEE, "WH") == D("9.5")


def test_a_count_below_what_is_reserved_is_refused(world: Uow) -> None:
    with world() as uow:
        inventory.reserve(uow, TEE, "WH", 6, "order:1", now=NOW)
        uow.commit()
    with world() as uow, pytest.raises(ValidationError, match="below the 6 reserved"):
        stock_commands.count(uow, TEE, 5, location="WH", now=NOW)


def test_a_stock_import_queues_the_availability_push(world: Uow) -> None:
    # given a sold-out tee in a shop, restocked by re-importing the count
    with world() as uow:
        import_rows(uow, "stock", [{"sku": TEE, "location": "WH", "quantity": 0}], now=NOW)
        uow.commit()
    assert _pushes(world) == [("availability", TEE, 0)]
    with world() as uow:
        import_rows(uow, "stock", [{"sku": TEE, "location": "WH", "quantity": 25}], now=NOW)
        uow.commit()
    # then the shop will hear the new quantity (one pending push per shop and item)
    assert _pushes(world) == [("availability", TEE, 25)]


def test_a_reservation_after_a_receipt_updates_the_pending_push(world: Uow) -> None:
    # given 5 tees received, then 12 reserved for an order in the same unit of work (a job's
    # output coming home reserved for its order line does exactly this)
    with world() as uow:
        stock_commands.receive(uow, TEE, 5, location="WH", now=NOW)
        inventory.reserve(uow, TEE, "WH", 12, "order:9", now=NOW)
        uow.commit()
    # then the shop will hear the 3 left to sell, not the 15 the receipt alone left
    assert _pushes(world) == [("availability", TEE, 3)]
    with world() as uow:
        inventory.release(uow, "order:9", now=NOW)
        uow.commit()
    assert _pushes(world) == [("availability", TEE, 15)]


def test_a_po_line_at_a_location_is_on_order_there(world: Uow) -> None:
    # given two open PO lines of the bag body: one for WH2, one naming no location
    with world() as uow:
        import_rows(
            uow,
            "purchase-orders",
            [{"po_number": "PO-10", "supplier": "SEW-PT", "sku": "M-BAG-BODY", "quantity": 7,
              "due_date": date(2026, 12, 1), "location": "WH2"},
             {"po_number": "PO-11", "supplier": "SEW-PT", "sku": "M-BAG-BODY", "quantity": 3,
              "due_date": date(2026, 12, 1)}],
        )  # fmt: skip
        uow.commit()
    # then each is on order where it is expected: WH2, and the receiving warehouse WH
    with world(write=False) as uow:
        views = inventory.balances(uow, now=NOW, item="M-BAG-BODY")
        at_wh2 = inventory.balances(uow, now=NOW, location="WH2", item="M-BAG-BODY")
    assert {v.location: v.on_order for v in views} == {"WH": D(3), "WH2": D(7)}
    assert [(v.location, v.on_order) for v in at_wh2] == [("WH2", D(7))]
