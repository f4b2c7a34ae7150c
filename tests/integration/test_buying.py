"""Buying through the services, on both databases: RFQ -> quotes -> comparison -> award -> draft
POs; call-offs priced by the contract; the elastic top-up with the issue's figures; issue,
partial confirmation (planning nets the confirmed quantity at the confirmed date), shipment
notices, cancellation; capacity holds; supplier scoping; the audit trail; and the ``rfq``/``po``
commands and the routes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from flexchain.adapters.db.tables import ItemRow, PlanOrderRow, PlanRunRow, PurchaseOrderLineRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.documents import DocumentKind, Party
from flexchain.domain.errors import DomainError, IllegalTransition, NotFound, ValidationError
from flexchain.entrypoints.api import create_app
from flexchain.services import audit, capacity_holds, documents, purchase_orders, rfqs
from flexchain.services.imports import import_rows
from tests.auth import bearer, make_user, token_for

UowFactory = Callable[..., UnitOfWork]
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
TODAY = NOW.date()

WORLD: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {
            "code": "FAB-PT",
            "name": "Tecidos Lda",
            "tier": "S",
            "country": "PT",
            "email": "orders@tecidos.example",
            "payment_terms_days": 45,
        },
        {"code": "FAB-IT", "name": "Tessuti SpA", "tier": "A", "country": "IT"},
        {"code": "ZIP-CN", "name": "Zips Ltd", "tier": "B", "country": "CN", "currency": "USD"},
    ],
    "items": [
        {"sku": "FABRIC", "name": "Canvas fabric", "kind": "raw", "uom": "m"},
        {"sku": "ZIP", "name": "Zip 30 cm", "kind": "raw"},
    ],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
    "item-suppliers": [
        {
            "item_sku": "ZIP",
            "supplier_code": "ZIP-CN",
            "min_quantity": 0,
            "unit_price": "0.40",
            "currency": "USD",
            "lead_time_days": 30,
        },
        {
            "item_sku": "ZIP",
            "supplier_code": "ZIP-CN",
            "min_quantity": 1000,
            "unit_price": "0.30",
            "currency": "USD",
            "lead_time_days": 30,
        },
    ],
    "contracts": [
        {
            "code": "C-FAB",
            "supplier_code": "FAB-PT",
            "valid_from": date(2026, 1, 1),
            "valid_to": date(2026, 12, 31),
            "topup_max_units": 20,
            "topup_max_premium_pct": 15,
            "retention_pct": 5,
        },
    ],
    "contract-prices": [
        {"contract_code": "C-FAB", "item_sku": "FABRIC", "min_quantity": 0, "unit_price": "10.00"},
        {"contract_code": "C-FAB", "item_sku": "FABRIC", "min_quantity": 500, "unit_price": "9.50"},
    ],
}


@pytest.fixture
def world(make_uow: UowFactory) -> UowFactory:
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"buying {kind}")
        uow.commit()
    return make_uow


def _do(make_uow: UowFactory, action: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with make_uow(actor=kw.pop("actor", "tester")) as uow:
        if kw.pop("scope", None) is not None:
            raise AssertionError("use _as_supplier")
        result = action(uow, *args, now=kw.pop("now", NOW), **kw)
        uow.commit()
    return result


def _rfq(make_uow: UowFactory) -> str:
    created = _do(
        make_uow,
        rfqs.create_rfq,
        suppliers=["FAB-PT", "FAB-IT"],
        lines=[
            {"item": "FABRIC", "quantity": "100", "need_date": date(2026, 3, 20)},
            {"item": "ZIP", "quantity": 50, "need_date": date(2026, 3, 25)},
        ],
        reply_by=date(2026, 3, 9),
    )
    return str(created.number)


def _quote(
    make_uow: UowFactory,
    number: str,
    supplier: str,
    line: int,
    price: str,
    lead: int,
    moq: str = "0",
) -> Any:
    return _do(
        make_uow,
        rfqs.submit_quote,
        number,
        supplier=supplier,
        line=line,
        unit_price=price,
        lead_time_days=lead,
        valid_until=date(2026, 3, 31),
        moq=moq,
    )


def test_an_rfq_goes_from_draft_to_awarded_purchase_orders(world: UowFactory) -> None:
    # given a draft RFQ for two lines to two suppliers
    number = _rfq(world)
    assert number == "RFQ-000001"
    with pytest.raises(IllegalTransition, match="quotes are taken only while it is sent"):
        _quote(world, number, "FAB-PT", 1, "9.00", 5)
    sent = _do(world, rfqs.send_rfq, number)
    assert (sent.status, sent.suppliers) == ("sent", ("FAB-IT", "FAB-PT"))
    # when both quote line 1 (PT dearer but on time; IT cheaper but 11 days late) and PT line 2
    _quote(world, number, "FAB-PT", 1, "9.20", 5)
    _quote(world, number, "FAB-IT", 1, "9.00", 29)
    _quote(world, number, "FAB-PT", 2, "0.50", 5, moq="100")
    with pytest.raises(DomainError, match="ZIP-CN was not asked to quote on RFQ RFQ-000001"):
        _quote(world, number, "ZIP-CN", 1, "1.00", 5)
    # then the comparison ranks by landed cost: lateness costs IT 0.5 % a day
    with world(write=False) as uow:
        rows = rfqs.compare_quotes(uow, number, now=NOW)
    table = [(r.line_no, r.supplier, r.rank, r.order_quantity, r.landed_cost) for r in rows]
    assert table == [
        (1, "FAB-PT", 1, Decimal(100), Decimal("920.00")),
        (1, "FAB-IT", 2, Decimal(100), Decimal("949.50")),
        (2, "FAB-PT", 1, Decimal(100), Decimal("50.00")),
    ]
    # when awarded by default (best rank), one draft PO to FAB-PT with both lines
    awarded = _do(world, rfqs.award_rfq, number)
    assert (awarded.status, awarded.purchase_orders) == ("awarded", ("PO-000001",))
    with world(write=False) as uow:
        po = purchase_orders.show_po(uow, "PO-000001")
    assert (po.supplier, po.status, po.source, po.rfq, po.currency) == (
        "FAB-PT",
        "draft",
        "rfq",
        number,
        "EUR",
    )
    assert [(ln.item, ln.quantity, ln.unit_price, ln.due_date) for ln in po.lines] == [
        ("FABRIC", Decimal(100), Decimal("9.20"), date(2026, 3, 20)),
        ("ZIP", Decimal(100), Decimal("0.50"), date(2026, 3, 25)),
    ]  # the ZIP line bought at the quote's MOQ
    assert po.total == Decimal("970.00")
    with world(write=False) as uow:
        trail = audit.list_entries(uow, entity="rfq")
    assert [e.action for e in reversed(trail)] == [
        "created",
        "sent",
        "quoted",
        "quoted",
        "quoted",
        "awarded",
    ]
    assert trail[0].context["awarded"] == {"1": "FAB-PT", "2": "FAB-PT"}
    # an illegal move is refused naming the RFQ, its state and where it may go
    with pytest.raises(IllegalTransition, match="RFQ RFQ-000001 is awarded, which is final"):
        _do(world, rfqs.award_rfq, number)
    with pytest.raises(IllegalTransition, match="RFQ RFQ-000001 is awarded, which is final"):
        _do(world, rfqs.send_rfq, number)


def test_the_award_can_choose_another_supplier_and_refuses_a_line_nobody_quoted(
    world: UowFactory,
) -> None:
    number = _rfq(world)
    _do(world, rfqs.send_rfq, number)
    _quote(world, number, "FAB-PT", 1, "9.20", 5)
    _quote(world, number, "FAB-IT", 1, "9.00", 29)
    with pytest.raises(DomainError, match="line 2 \\(ZIP\\) has no valid quote"):
        _do(world, rfqs.award_rfq, number)
    _quote(world, number, "FAB-PT", 2, "0.50", 5)
    awarded = _do(world, rfqs.award_rfq, number, choices={1: "FAB-IT"})
    assert awarded.purchase_orders == ("PO-000001", "PO-000002")
    with world(write=False) as uow:
        it = purchase_orders.show_po(uow, "PO-000001")
    assert (it.supplier, it.lines[0].due_date) == ("FAB-IT", TODAY + timedelta(days=29))


def test_a_call_off_is_priced_by_the_contract_tiers(world: UowFactory) -> None:
    po = _do(
        world,
        purchase_orders.create_po,
        contract="C-FAB",
        lines=[{"item": "FABRIC", "quantity": 600, "due_date": date(2026, 4, 1)}],
    )
    assert (po.source, po.contract, po.supplier, po.lines[0].unit_price) == (
        "calloff",
        "C-FAB",
        "FAB-PT",
        Decimal("9.50"),
    )
    with pytest.raises(DomainError, match=r"priced by the contract: FABRIC costs 10\.00"):
        _do(
            world,
            purchase_orders.create_po,
            contract="C-FAB",
            lines=[
                {
                    "item": "FABRIC",
                    "quantity": 10,
                    "due_date": date(2026, 4, 1),
                    "unit_price": "8.00",
                }
            ],
        )
    with pytest.raises(DomainError, match="C-FAB has no price for ZIP"):
        _do(
            world,
            purchase_orders.create_po,
            contract="C-FAB",
            lines=[{"item": "ZIP", "quantity": 10, "due_date": date(2026, 4, 1)}],
        )
    with pytest.raises(DomainError, match="valid from 2026-01-01 to 2026-12-31, not on 2027"):
        _do(
            world,
            purchase_orders.create_po,
            contract="C-FAB",
            lines=[{"item": "FABRIC", "quantity": 10, "due_date": date(2027, 4, 1)}],
            now=datetime(2027, 1, 5, tzinfo=UTC),
        )


def test_the_elastic_clause_with_the_trades_figures(world: UowFactory) -> None:
    # given the clause's first order of up to N=100 units, signed through the contracts sheet
    with world() as uow:
        import_rows(
            uow,
            "contracts",
            [{"code": "C-FAB", "supplier_code": "FAB-PT", "valid_from": date(2026, 1, 1),
              "valid_to": date(2026, 12, 31), "topup_first_max_units": 100}],
            source="buying N",
        )  # fmt: skip
        uow.commit()
    # then a first call-off of 101 units is refused, naming the contract, N and the quantity
    with pytest.raises(
        DomainError,
        match="first order under contract C-FAB is 101 units, above the 100 units its elastic",
    ):
        _do(
            world,
            purchase_orders.create_po,
            contract="C-FAB",
            lines=[
                {"item": "FABRIC", "quantity": 60, "due_date": date(2026, 4, 1)},
                {"item": "FABRIC", "quantity": 41, "due_date": date(2026, 4, 15)},
            ],
        )
    # and the first order of N=100 units at the contract price 10.00 is accepted
    po = _do(
        world,
        purchase_orders.create_po,
        contract="C-FAB",
        lines=[{"item": "FABRIC", "quantity": 100, "due_date": date(2026, 4, 1)}],
    )
    assert po.lines[0].unit_price == Decimal("10.00")
    # then a top-up at 11.51 (above 10.00 + 15 %) is refused, nothing written
    with pytest.raises(DomainError, match=r"11\.51 is above 11\.50"):
        _do(
            world,
            purchase_orders.add_topup,
            po.number,
            item="FABRIC",
            quantity=20,
            unit_price="11.51",
        )
    # and M=20 units at 11.50 are accepted, in two top-ups
    _do(world, purchase_orders.add_topup, po.number, item="FABRIC", quantity=15, unit_price="11.50")
    topped = _do(
        world, purchase_orders.add_topup, po.number, item="FABRIC", quantity=5, unit_price="11.00"
    )
    assert [(ln.quantity, ln.unit_price, ln.topup) for ln in topped.lines] == [
        (Decimal(100), Decimal("10.00"), False),
        (Decimal(15), Decimal("11.50"), True),
        (Decimal(5), Decimal("11.00"), True),
    ]
    # and a 21st top-up unit is refused, even on another order under the contract (a later
    # call-off, not the first, is not held to N)
    other = _do(
        world,
        purchase_orders.create_po,
        contract="C-FAB",
        lines=[{"item": "FABRIC", "quantity": 150, "due_date": date(2026, 5, 1)}],
    )
    with pytest.raises(DomainError, match="bring top-ups to 21, above the 20 units"):
        _do(
            world,
            purchase_orders.add_topup,
            other.number,
            item="FABRIC",
            quantity=1,
            unit_price="10.00",
        )
    with world(write=False) as uow:
        assert len(purchase_orders.show_po(uow, other.number).lines) == 1
        actions = [e.action for e in audit.list_entries(uow, entity="purchase_order")]
    assert actions.count("topped_up") == 2


def _open_lines(make_uow: UowFactory, number: str) -> list[tuple[int, Decimal, date, str]]:
    with make_uow(write=False) as uow:
        rows = uow.session.execute(
            select(
                PurchaseOrderLineRow.line_no,
                PurchaseOrderLineRow.quantity,
                PurchaseOrderLineRow.due_date,
                PurchaseOrderLineRow.status,
            )
            .where(PurchaseOrderLineRow.po_number == number)
            .order_by(PurchaseOrderLineRow.line_no)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_issue_confirm_partially_redate_and_notice(world: UowFactory) -> None:
    po = _do(
        world,
        purchase_orders.create_po,
        supplier="ZIP-CN",
        lines=[
            {"item": "ZIP", "quantity": 2000, "due_date": date(2026, 4, 10)},
            {"item": "ZIP", "quantity": 500, "due_date": date(2026, 4, 20)},
        ],
    )
    # list prices: the 1000+ break for 2000, the base price for 500; in the supplier's currency
    assert [ln.unit_price for ln in po.lines] == [Decimal("0.30"), Decimal("0.40")]
    assert po.currency == "USD"
    with pytest.raises(IllegalTransition, match="PO-000001 is draft: it cannot become confirmed"):
        _do(world, purchase_orders.confirm_po, po.number)
    document = _do(world, purchase_orders.issue_po, po.number)
    assert (document.kind, document.number, document.supplier.code) == (
        DocumentKind.PURCHASE_ORDER,
        po.number,
        "ZIP-CN",
    )
    assert document.total == Decimal("800.00")
    # the supplier confirms 1500 of line 1 a week late, declines line 2
    confirmed = _do(
        world,
        purchase_orders.confirm_po,
        po.number,
        lines={1: ("1500", date(2026, 4, 17)), 2: (0, date(2026, 4, 20))},
    )
    assert confirmed.status == "confirmed"
    # then planning nets 1500 on 17 April and nothing of line 2
    assert _open_lines(world, po.number) == [
        (1, Decimal(1500), date(2026, 4, 17), "open"),
        (2, Decimal(500), date(2026, 4, 20), "cancelled"),
    ]
    assert [(c["ordered_quantity"], c["confirmed_quantity"]) for c in confirmed.confirmations] == [
        (Decimal(2000), Decimal(1500)),
        (Decimal(500), Decimal(0)),
    ]
    with pytest.raises(ValidationError, match="1600 is more than the 1500 ordered"):
        _do(world, purchase_orders.confirm_po, po.number, lines={1: (1600, date(2026, 4, 17))})
    # a shipment notice of 1000, then more than what is left is refused
    notice = _do(
        world,
        purchase_orders.post_shipment_notice,
        po.number,
        lines={1: 1000},
        shipped_on=date(2026, 4, 10),
        expected_on=date(2026, 4, 16),
        carrier="DHL",
    )
    assert (notice.number, notice.lines) == ("ASN-000001", {1: Decimal(1000)})
    with pytest.raises(ValidationError, match="501 is more than the 500 of ZIP still expected"):
        _do(
            world,
            purchase_orders.post_shipment_notice,
            po.number,
            lines={1: 501},
            shipped_on=date(2026, 4, 11),
            expected_on=date(2026, 4, 17),
        )
    with pytest.raises(
        IllegalTransition, match="PO-000001 is confirmed: it cannot become cancelled"
    ):
        _do(world, purchase_orders.cancel_po, po.number)
    with world(write=False) as uow:
        shown = purchase_orders.show_po(uow, po.number)
        trail = audit.list_entries(uow, entity="purchase_order")
    assert len(shown.notices) == 1
    assert [e.action for e in reversed(trail)] == [
        "created",
        "sent",
        "confirmed",
        "shipment_notice",
    ]
    assert (trail[1].before["status"], trail[1].after["status"]) == ("sent", "confirmed")


def test_a_draft_is_cancelled_and_numbers_skip_imported_ones(world: UowFactory) -> None:
    with world() as uow:
        import_rows(
            uow,
            "purchase-orders",
            [
                {
                    "po_number": "PO-000001",
                    "line": 1,
                    "supplier": "FAB-IT",
                    "sku": "FABRIC",
                    "quantity": 5,
                    "due_date": date(2026, 3, 30),
                }
            ],
            source="legacy",
        )
        uow.commit()
    po = _do(
        world,
        purchase_orders.create_po,
        supplier="FAB-IT",
        lines=[{"item": "FABRIC", "quantity": 5, "due_date": date(2026, 4, 1), "unit_price": "9"}],
    )
    assert po.number == "PO-000002"
    cancelled = _do(world, purchase_orders.cancel_po, po.number, reason="plan changed")
    assert (cancelled.status, cancelled.lines[0].status) == ("cancelled", "cancelled")
    with pytest.raises(IllegalTransition, match="cancelled, which is final"):
        _do(world, purchase_orders.issue_po, po.number)


def test_capacity_holds_lapse_unless_firmed(world: UowFactory) -> None:
    held = _do(
        world,
        capacity_holds.hold_capacity,
        supplier="FAB-PT",
        quantity=300,
        unit="m",
        held_from=date(2026, 3, 2),
        days=14,
        item="FABRIC",
    )
    assert (held.held_until, held.firm_by, held.state) == (
        date(2026, 3, 15),
        NOW + timedelta(hours=48),
        "held",
    )
    with world(write=False) as uow:
        assert [h.id for h in capacity_holds.active_holds(uow, NOW + timedelta(hours=47))] == [
            held.id
        ]
        assert capacity_holds.active_holds(uow, NOW + timedelta(hours=49)) == []
        listed = capacity_holds.list_holds(uow, now=NOW + timedelta(hours=49))
    assert [h.state for h in listed] == ["lapsed"]
    with pytest.raises(IllegalTransition, match="is lapsed"):
        _do(world, capacity_holds.release_hold, held.id, now=NOW + timedelta(hours=49))
    # a second hold firmed by an order stops being capacity to call
    second = _do(
        world,
        capacity_holds.hold_capacity,
        supplier="FAB-PT",
        quantity=100,
        unit="m",
        held_from=date(2026, 3, 2),
        held_until=date(2026, 3, 8),
    )
    po = _do(
        world,
        purchase_orders.create_po,
        contract="C-FAB",
        lines=[{"item": "FABRIC", "quantity": 100, "due_date": date(2026, 3, 8)}],
    )
    firmed = _do(world, capacity_holds.firm_hold, second.id, po_number=po.number)
    assert (firmed.status, firmed.po_number) == ("firmed", po.number)
    with world(write=False) as uow:
        assert [h.id for h in capacity_holds.active_holds(uow, NOW)] == [held.id]
        assert [e.action for e in audit.list_entries(uow, entity="capacity_hold")] == [
            "firmed",
            "created",
            "created",
        ]


def _as_supplier(engine: Any, supplier: str) -> UnitOfWork:
    with UnitOfWork(engine, write=False) as uow:
        from flexchain.adapters.db.buying import SqlBuyingStore

        scope = SqlBuyingStore(uow).supplier(supplier).id
    return UnitOfWork(engine, actor=f"user:{supplier}", supplier_scope=scope)


def test_a_supplier_sees_only_its_own_rfqs_quotes_and_orders(
    world: UowFactory, engine: Any
) -> None:
    number = _rfq(world)
    _do(world, rfqs.send_rfq, number)
    _quote(world, number, "FAB-IT", 1, "9.00", 5)
    with _as_supplier(engine, "FAB-PT") as uow:  # quotes for itself, by default
        view = rfqs.submit_quote(
            uow,
            number,
            line=1,
            unit_price="9.10",
            lead_time_days=3,
            valid_until=date(2026, 3, 31),
            now=NOW,
        )
        uow.commit()
    assert [q["supplier"] for q in view.quotes] == ["FAB-PT"]  # not FAB-IT's
    with _as_supplier(engine, "FAB-PT") as uow, pytest.raises(NotFound):
        rfqs.submit_quote(
            uow,
            number,
            supplier="FAB-IT",
            line=1,
            unit_price="1",
            lead_time_days=1,
            valid_until=date(2026, 3, 31),
            now=NOW,
        )
    with _as_supplier(engine, "ZIP-CN") as uow:
        assert rfqs.list_rfqs(uow) == []
        with pytest.raises(NotFound):
            rfqs.show_rfq(uow, number)
    po = _do(
        world,
        purchase_orders.create_po,
        supplier="FAB-IT",
        lines=[{"item": "FABRIC", "quantity": 5, "due_date": date(2026, 4, 1), "unit_price": "9"}],
    )
    _do(world, purchase_orders.issue_po, po.number)
    with _as_supplier(engine, "FAB-PT") as uow:
        assert purchase_orders.list_pos(uow) == []
        with pytest.raises(NotFound, match="no purchase order"):
            purchase_orders.confirm_po(uow, po.number, now=NOW)
    with _as_supplier(engine, "FAB-IT") as uow:
        confirmed = purchase_orders.confirm_po(uow, po.number, now=NOW)
        uow.commit()
    assert confirmed.status == "confirmed"
    with world(write=False) as uow:
        (entry,) = [
            e for e in audit.list_entries(uow, entity="purchase_order") if e.action == "confirmed"
        ]
    assert entry.actor == "user:FAB-IT"


def test_the_rfq_and_po_commands(world: UowFactory, database_url: str) -> None:
    from tests.integration.test_cli import flexchain_cli

    def run(*args: str) -> tuple[int, str, str]:
        return flexchain_cli(database_url, *args)

    code, out, err = run(
        "rfq",
        "create",
        "--supplier",
        "FAB-PT",
        "--supplier",
        "FAB-IT",
        "--line",
        "FABRIC:100:2099-03-20",
        "--json",
    )
    assert code == 0, err
    number = json.loads(out)["number"]
    assert run("rfq", "send", number)[0] == 0
    for supplier, price in (("FAB-PT", "9.20"), ("FAB-IT", "9.00")):
        code, _, err = run(
            "rfq",
            "quote",
            number,
            "--supplier",
            supplier,
            "--line",
            "1",
            "--price",
            price,
            "--lead-time",
            "5",
            "--valid-until",
            "2099-12-31",
        )
        assert code == 0, err
    code, out, _ = run("rfq", "compare", number, "--json")
    assert [(r["supplier"], r["rank"], r["landed_cost"]) for r in json.loads(out)] == [
        ("FAB-IT", 1, "900"),
        ("FAB-PT", 2, "920"),
    ]
    code, out, _ = run("rfq", "compare", number)
    assert code == 0 and "Landed" in out
    code, out, _ = run("rfq", "award", number, "--choose", "1:FAB-PT", "--json")
    (po,) = json.loads(out)["purchase_orders"]
    code, out, _ = run("rfq", "list", "--status", "awarded", "--json")
    assert [r["number"] for r in json.loads(out)] == [number]
    assert run("po", "send", po)[0] == 0
    code, out, err = run("po", "confirm", po, "--line", "1:80:2099-03-27", "--json")
    assert code == 0, err
    assert json.loads(out)["lines"][0]["quantity"] == "80"
    code, out, err = run(
        "po",
        "notice",
        po,
        "--line",
        "1:80",
        "--shipped-on",
        "2099-03-20",
        "--expected-on",
        "2099-03-29",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["lines"] == {"1": "80"}
    assert json.loads(out)["redated"] == {"1": "2099-03-29"}  # later than confirmed: re-dated
    code, out, _ = run("po", "list", "--supplier", "FAB-PT", "--json")
    assert [(p["number"], p["status"], p["total"]) for p in json.loads(out)] == [
        (po, "confirmed", "736")
    ]
    code, out, _ = run("po", "show", po)
    assert code == 0 and "ASN-000001" in out
    assert "total 736.00 EUR" in out and "9.20" in out  # money with its cents, JSON exact
    code, out, err = run("po", "create", "--contract", "C-FAB", "--line", "FABRIC:100:2026-12-01")
    assert code == 0, err
    calloff = out.split()[0]
    code, _, err = run(
        "po", "topup", calloff, "--item", "FABRIC", "--quantity", "1", "--price", "11.51"
    )
    assert code == 1 and "11.51 is above 11.50" in err
    code, _, err = run("po", "confirm", po, "--line", "x:1:2099-01-01")
    assert code == 1 and "not a line number" in err
    code, out, err = run(
        "po",
        "hold",
        "--supplier",
        "FAB-PT",
        "--quantity",
        "300",
        "--unit",
        "m",
        "--from",
        "2099-01-01",
        "--days",
        "14",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)[0]["held_until"] == "2099-01-14"
    code, out, _ = run("po", "holds", "--active", "--json")
    assert len(json.loads(out)) == 1
    code, _, err = run("rfq", "show", "RFQ-999999")
    assert code == 1 and "no RFQ 'RFQ-999999'" in err


@pytest.fixture
def api(world: UowFactory, engine: Any, database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app, headers=bearer(engine, "buyer")) as client:
        yield client


def test_the_buying_routes(api: TestClient, engine: Any) -> None:
    fab = make_user(engine, "supplier", supplier="FAB-PT")
    supplier = {"Authorization": f"Bearer {token_for(engine, fab)}"}
    other = bearer(engine, "supplier", supplier="FAB-IT")
    viewer = bearer(engine, "viewer")
    created = api.post(
        "/rfqs",
        json={
            "suppliers": ["FAB-PT"],
            "lines": [{"item": "FABRIC", "quantity": "100", "need_date": "2099-03-20"}],
        },
    )
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    assert api.post(f"/rfqs/{number}/send").json()["status"] == "sent"
    # the supplier quotes for itself; another supplier cannot see the RFQ
    quote = {"line": 1, "unit_price": "9.10", "lead_time_days": 3, "valid_until": "2099-12-31"}
    quoted = api.post(f"/rfqs/{number}/quotes", json=quote, headers=supplier)
    assert quoted.status_code == 200, quoted.text
    assert api.get(f"/rfqs/{number}", headers=other).status_code == 404
    assert api.post(f"/rfqs/{number}/quotes", json=quote, headers=other).status_code == 404
    assert api.get(f"/rfqs/{number}/comparison", headers=supplier).status_code == 403
    rows = api.get(f"/rfqs/{number}/comparison", headers=viewer).json()
    assert [(r["supplier"], r["rank"], r["landed_cost"]) for r in rows] == [("FAB-PT", 1, "910")]
    assert api.post(f"/rfqs/{number}/award", headers=supplier).status_code == 403
    awarded = api.post(f"/rfqs/{number}/award", json={"choices": {}})
    (po,) = awarded.json()["purchase_orders"]
    assert api.post(f"/purchase-orders/{po}/send").json()["status"] == "sent"
    assert api.get(f"/purchase-orders/{po}", headers=other).status_code == 404
    assert api.post(f"/purchase-orders/{po}/confirm", headers=other).status_code == 404
    confirmed = api.post(
        f"/purchase-orders/{po}/confirm",
        headers=supplier,
        json={"lines": [{"line": 1, "quantity": "90", "due_date": "2099-03-22"}]},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["lines"][0]["quantity"] == "90"
    # audited as the supplier's user who confirmed, when, and what changed
    with UnitOfWork(engine) as uow:
        (entry,) = audit.list_entries(uow, entity="purchase_order", user=fab)
    assert (entry.key, entry.action) == (po, "confirmed")
    assert fab in entry.actor and entry.at.tzinfo is not None
    notice = api.post(
        f"/purchase-orders/{po}/notices",
        headers=supplier,
        json={
            "lines": [{"line": 1, "quantity": "91"}],
            "shipped_on": "2099-03-20",
            "expected_on": "2099-03-21",
        },
    )
    assert notice.status_code == 422
    assert "91 is more than the 90 of FABRIC still expected" in notice.json()["detail"]
    assert [p["number"] for p in api.get("/purchase-orders", headers=supplier).json()] == [po]
    assert api.get("/purchase-orders", headers=other).json() == []
    # call-off and top-up under the contract; the 11.51 refusal says why
    calloff = api.post(
        "/purchase-orders",
        json={
            "contract": "C-FAB",
            "lines": [{"item": "FABRIC", "quantity": "100", "due_date": "2026-12-01"}],
        },
    )
    assert calloff.status_code == 201, calloff.text
    refused = api.post(
        f"/purchase-orders/{calloff.json()['number']}/topups",
        json={"item": "FABRIC", "quantity": "1", "unit_price": "11.51"},
    )
    assert refused.status_code == 422 and "11.51 is above 11.50" in refused.json()["detail"]
    hold = api.post(
        "/capacity-holds",
        json={
            "supplier": "FAB-PT",
            "quantity": "300",
            "unit": "m",
            "held_from": "2099-01-01",
            "days": 14,
        },
    )
    assert hold.status_code == 201, hold.text
    assert [h["id"] for h in api.get("/capacity-holds?active=true").json()] == [hold.json()["id"]]
    assert api.get("/capacity-holds", headers=other).json() == []


def _plan(make_uow: UowFactory) -> None:
    """A complete plan run with two planned purchases of FABRIC and a production order."""
    with make_uow() as uow:
        items = dict(uow.session.execute(select(ItemRow.sku, ItemRow.id)).all())
        run = PlanRunRow(status="complete", period_start=TODAY, horizon=12, started_at=NOW)
        uow.session.add(run)
        uow.session.flush()
        for number, kind, qty, due in ((1, "purchase", 120, date(2026, 4, 6)),
                                       (2, "purchase", 80, date(2026, 4, 13)),
                                       (3, "production", 10, date(2026, 4, 13))):  # fmt: skip
            uow.session.add(PlanOrderRow(
                run_id=run.id, number=number, item_id=items["FABRIC"], kind=kind,
                release_date=TODAY, due_date=due, quantity=Decimal(qty),
                pegs=[["order", f"SO-{number}"]]))  # fmt: skip
        uow.commit()


def test_planned_purchases_become_an_rfq_or_a_po(world: UowFactory) -> None:
    with pytest.raises(NotFound, match="no current plan"):
        _do(world, rfqs.create_rfq, suppliers=["FAB-PT"], plan_numbers=[1])
    _plan(world)
    rfq = _do(world, rfqs.create_rfq, suppliers=["FAB-PT", "FAB-IT"], plan_numbers=[2, 1])
    assert [
        (ln["plan_number"], ln["quantity"], ln["need_date"], ln["pegs"]) for ln in rfq.lines
    ] == [
        (1, Decimal(120), date(2026, 4, 6), (("order", "SO-1"),)),
        (2, Decimal(80), date(2026, 4, 13), (("order", "SO-2"),)),
    ]
    with pytest.raises(DomainError, match="planned order 3 is a production, not a purchase"):
        _do(world, rfqs.create_rfq, suppliers=["FAB-PT"], plan_numbers=[3])
    with pytest.raises(NotFound, match="the current plan has no planned order 9"):
        _do(world, purchase_orders.create_po_from_plan, supplier="FAB-PT", plan_numbers=[9])
    # each planned order is released once: the RFQ's are refused as a PO, naming the RFQ
    with pytest.raises(DomainError, match=f"planned order 1 was released into {rfq.number}"):
        _do(world, purchase_orders.create_po_from_plan, supplier="FAB-PT", plan_numbers=[1, 2])
    _plan(world)  # the next plan run: its planned orders are new
    # a PO from the plan is priced by the supplier's contract and falls under it
    po = _do(world, purchase_orders.create_po_from_plan, supplier="FAB-PT", plan_numbers=[1, 2])
    assert (po.source, po.contract) == ("sourcing", "C-FAB")
    assert [(ln.quantity, ln.unit_price, ln.due_date) for ln in po.lines] == [
        (Decimal(120), Decimal("10.00"), date(2026, 4, 6)),
        (Decimal(80), Decimal("10.00"), date(2026, 4, 13)),
    ]
    with world(write=False) as uow:
        (entry,) = audit.list_entries(uow, entity="purchase_order")
    assert entry.context["pegs"] == {"line 1": [["order", "SO-1"]], "line 2": [["order", "SO-2"]]}


def test_proposals_make_one_draft_per_supplier_and_refuse_what_cannot_be_priced(
    world: UowFactory,
) -> None:
    proposals = [
        purchase_orders.Proposal("ZIP-CN", "ZIP", Decimal(1500), date(2026, 4, 1)),
        purchase_orders.Proposal("FAB-PT", "FABRIC", Decimal(10), date(2026, 4, 1),
                                 pegs=(("order", "SO-9"),)),
        purchase_orders.Proposal("ZIP-CN", "ZIP", Decimal(10), date(2026, 4, 8), Decimal("0.45")),
    ]  # fmt: skip
    made = _do(world, purchase_orders.create_purchase_orders, proposals)
    assert [
        (p.supplier, p.currency, p.contract, [ln.unit_price for ln in p.lines]) for p in made
    ] == [
        ("FAB-PT", "EUR", "C-FAB", [Decimal("10.00")]),
        ("ZIP-CN", "USD", None, [Decimal("0.30"), Decimal("0.45")]),
    ]
    with pytest.raises(DomainError, match="no price for ZIP from FAB-IT"):
        _do(world, purchase_orders.create_purchase_orders,
            [purchase_orders.Proposal("FAB-IT", "ZIP", Decimal(1), date(2026, 4, 1))])  # fmt: skip
    with world(write=False) as uow:
        assert len(purchase_orders.list_pos(uow)) == 2  # the refused batch wrote nothing


def test_the_documents_say_what_the_records_say(world: UowFactory) -> None:
    number = _rfq(world)
    _do(world, rfqs.send_rfq, number)
    with world(write=False) as uow:
        doc = rfqs.document_for_rfq(uow, number, "FAB-PT", brand=Party("Brand"), now=NOW)
        with pytest.raises(NotFound, match="ZIP-CN' was not asked"):
            rfqs.document_for_rfq(uow, number, "ZIP-CN", now=NOW)
    assert (doc.kind, doc.reply_by, doc.supplier.email, doc.total) == (
        DocumentKind.RFQ,
        date(2026, 3, 9),
        "orders@tecidos.example",
        None,
    )
    assert [(ln.item_sku, ln.quantity, ln.unit, ln.unit_price) for ln in doc.lines] == [
        ("FABRIC", Decimal(100), "m", None), ("ZIP", Decimal(50), "pcs", None)
    ]  # fmt: skip
    po = _do(world, purchase_orders.create_po, contract="C-FAB",
             lines=[{"item": "FABRIC", "quantity": 100, "due_date": date(2026, 4, 1)}])  # fmt: skip
    sent = _do(world, purchase_orders.issue_po, po.number, brand=Party("Brand"))
    assert (sent.contract_code, sent.payment_terms_days, sent.total, sent.issued_at) == (
        "C-FAB", 45, Decimal("1000.00"), NOW
    )  # fmt: skip
    assert sent.terms == (
        "5 % of each invoice is retained for the quality fund, settled quarterly.",
        "Top-ups of up to 20 units at most 15 % above the contract price.",
    )
    # the payment terms and the contract are stated once in what the supplier reads
    text = documents.render(sent).text
    assert text.count("45 days") == 1 and text.count("C-FAB; its") == 1


def test_concurrent_orders_get_different_numbers(world: UowFactory) -> None:
    def create(_: int) -> str:
        po = _do(world, purchase_orders.create_po, supplier="FAB-IT",
                 lines=[{"item": "FABRIC", "quantity": 1, "due_date": date(2026, 4, 1),
                         "unit_price": "9"}])  # fmt: skip
        return str(po.number)

    with ThreadPoolExecutor(4) as pool:
        numbers = sorted(pool.map(create, range(8)))
    assert numbers == [f"PO-{n:06d}" for n in range(1, 9)]


def test_a_later_shipment_notice_re_dates_the_line_and_keeps_the_promise(
    world: UowFactory,
) -> None:
    from flexchain.services import receiving, scorecards

    # given an order of two lines, line 1 confirmed for 17 April, line 2 not named (due 20 April)
    po = _do(
        world,
        purchase_orders.create_po,
        supplier="ZIP-CN",
        lines=[
            {"item": "ZIP", "quantity": 1000, "due_date": date(2026, 4, 10)},
            {"item": "ZIP", "quantity": 500, "due_date": date(2026, 4, 20)},
        ],
    )
    _do(world, purchase_orders.issue_po, po.number)
    _do(world, purchase_orders.confirm_po, po.number, lines={1: (1000, date(2026, 4, 17))})
    # when a notice expects line 1 on 24 April and line 2 on time, then line 2 a week late
    first = _do(
        world, purchase_orders.post_shipment_notice, po.number, lines={1: 1000, 2: 200},
        shipped_on=date(2026, 4, 14), expected_on=date(2026, 4, 19),
    )  # fmt: skip
    second = _do(
        world, purchase_orders.post_shipment_notice, po.number, lines={2: 300},
        shipped_on=date(2026, 4, 20), expected_on=date(2026, 4, 27),
    )  # fmt: skip
    # then planning nets each line at its later expected date, never earlier than due
    assert first.redated == {1: date(2026, 4, 19)} and second.redated == {2: date(2026, 4, 27)}
    assert _open_lines(world, po.number) == [
        (1, Decimal(1000), date(2026, 4, 19), "open"),
        (2, Decimal(500), date(2026, 4, 27), "open"),
    ]
    # and the promise stays: the confirmed date, or the due date the confirmed order promised
    with world(write=False) as uow:
        lines = purchase_orders.show_po(uow, po.number).lines
        trail = audit.list_entries(uow, entity="purchase_order")
    assert [(ln.due_date, ln.confirmed_date) for ln in lines] == [
        (date(2026, 4, 19), date(2026, 4, 17)),
        (date(2026, 4, 27), date(2026, 4, 20)),
    ]
    assert trail[0].action == "shipment_notice" and trail[0].context["redated"] == {
        "2": "2026-04-27"
    }
    assert trail[0].before["line 2"]["due_date"] == "2026-04-20"
    assert trail[0].after["line 2"]["due_date"] == "2026-04-27"
    # the goods come when the notices said: on-time scoring measures against the promise
    for day_, qty in ((date(2026, 4, 19), {1: 1000}), (date(2026, 4, 27), {2: 500})):
        _do(world, receiving.receive_po, po.number, qty,
            now=datetime.combine(day_, datetime.min.time(), UTC).replace(hour=10))  # fmt: skip
    with world(write=False) as uow:
        found = scorecards.deliveries(
            uow, supplier="ZIP-CN", since=date(2026, 4, 1), until=date(2026, 4, 30),
            today=date(2026, 4, 30),
        )  # fmt: skip
    assert [(d.line_no, d.promised, d.completed_on, d.delay_days) for d in found] == [
        (1, date(2026, 4, 17), date(2026, 4, 19), 2),
        (2, date(2026, 4, 20), date(2026, 4, 27), 7),
    ]


def test_a_supplier_quotes_in_its_own_currency_and_the_comparison_converts_it(
    world: UowFactory, database_url: str
) -> None:
    from typer.testing import CliRunner

    from flexchain.entrypoints.cli.main import app as cli
    from flexchain.services import fx

    # given an RFQ in EUR for 1000 zips, sent to FAB-PT (EUR) and ZIP-CN (invoices in USD)
    wanted = [{"item": "ZIP", "quantity": 1000, "need_date": date(2026, 4, 30)}]
    made = _do(world, rfqs.create_rfq, suppliers=["FAB-PT", "ZIP-CN"], lines=wanted)
    number = made.number
    _do(world, rfqs.send_rfq, number)
    # when ZIP-CN quotes 0.40 USD and FAB-PT 0.38 EUR; a quote in GBP is neither's currency
    _do(world, rfqs.submit_quote, number, supplier="ZIP-CN", line=1, unit_price="0.40",
        currency="USD", lead_time_days=10, valid_until=date(2026, 3, 31))  # fmt: skip
    _quote(world, number, "FAB-PT", 1, "0.38", 10)
    with pytest.raises(ValidationError, match=r"in EUR or in ZIP-CN's own USD, got a quote in GBP"):
        _do(world, rfqs.submit_quote, number, supplier="ZIP-CN", line=1, unit_price="0.3",
            currency="GBP", lead_time_days=10, valid_until=date(2026, 3, 31))  # fmt: skip
    with pytest.raises(ValidationError, match=r"quoted in EUR, got a quote in USD"):
        _do(world, rfqs.submit_quote, number, supplier="FAB-PT", line=1, unit_price="0.3",
            currency="USD", lead_time_days=10, valid_until=date(2026, 3, 31))  # fmt: skip
    # then without a rate the comparison says which one to set
    with world(write=False) as uow, pytest.raises(DomainError, match=r"no exchange rate of USD"):
        rfqs.compare_quotes(uow, number, now=NOW)
    # given 1 USD = 0.90 EUR on 27 February and 0.99 from 10 March (after the comparison)
    with world() as uow:
        fx.set_rate(uow, "USD", date(2026, 2, 27), "0.90", base="EUR", now=NOW)
        fx.set_rate(uow, "USD", date(2026, 3, 10), "0.99", base="EUR", now=NOW)
        uow.commit()
    with world(write=False) as uow:
        rows = rfqs.compare_quotes(uow, number, now=NOW)
    # then ZIP-CN's 0.40 USD is 0.36 EUR at the rate of 27 February, and wins
    assert [(r.supplier, r.rank, r.unit_price, r.landed_cost, r.quoted_unit_price,
             r.quoted_currency, r.rate, r.rate_on) for r in rows] == [
        ("ZIP-CN", 1, Decimal("0.36"), Decimal("360"), Decimal("0.40"), "USD", Decimal("0.90"),
         date(2026, 2, 27)),
        ("FAB-PT", 2, Decimal("0.38"), Decimal("380"), Decimal("0.38"), "EUR", Decimal(1), None),
    ]  # fmt: skip
    # and the CLI says it converted, at which rate of which day
    env = {"FLEXCHAIN_DATABASE_URL": database_url}
    shown = CliRunner().invoke(cli, ["rfq", "compare", number, "--on", "2026-03-02"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "Quotes in USD converted at 1 USD = 0.9 EUR (rate of 2026-02-27)" in shown.output
    # when awarded, the order goes to ZIP-CN in its own currency at its quoted price
    awarded = _do(world, rfqs.award_rfq, number)
    with world(write=False) as uow:
        po = purchase_orders.show_po(uow, awarded.purchase_orders[0])
    assert (po.supplier, po.currency) == ("ZIP-CN", "USD")
    assert [(ln.quantity, ln.unit_price) for ln in po.lines] == [(Decimal(1000), Decimal("0.40"))]
