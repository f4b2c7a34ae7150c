"""A brand with one entry of every kind in Today's inbox, built through the services (relative to
a ``now``, so a server running on the real clock sees the same inbox): the storefront brand
(tests/storefront_world.py) plus canvas bought from SEW-PT and PACK-PT, and

* an order at risk: a custom bag ordered ten days ago, its jobs still open, promise passed;
* a failed webhook: an order line with an unknown SKU;
* a planned purchase to release: the current plan's 200 m of canvas, released yesterday
  (the only records written past the services: a plan run and its planned order);
* an RFQ to award: sent to SEW-PT and PACK-PT, both quoted, reply-by three days ago;
* an invoice held in matching: SEW-PT billed 6.00 a metre on a 5.00 order;
* a supplier rule that fired: DYE-PT's GOTS certificate expires in 10 days (run_rules);
* a certificate expiring: ENGR-ES's OEKO-TEX in 20 days (added after the rules ran);
* an option-share alert: madder went from 5 % to 15 % of the dye add-to-carts;
* a renegotiation: cotton up 20 % over the base of SEW-PT's contract clause, canvas on order.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from flexchain.adapters.db.tables import ItemRow, PlanOrderRow, PlanRunRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.files import FileStore
from flexchain.services import (
    certificates,
    intake,
    invoicing,
    price_watch,
    purchase_orders,
    receiving,
    rfqs,
    signals,
    supplier_rules,
)
from flexchain.services.imports import import_rows
from tests.storefront_world import BAG, build_world, shopify_order, shopify_webhook

UowFactory = Callable[..., UnitOfWork]

EXTRA: dict[str, list[dict[str, Any]]] = {
    "items": [{"sku": "CANVAS", "name": "Canvas", "kind": "raw", "uom": "m"}],
    "item-suppliers": [
        {"item_sku": "CANVAS", "supplier_code": "SEW-PT", "min_quantity": 0,
         "unit_price": "5.00", "lead_time_days": 7, "currency": "EUR"},
        {"item_sku": "CANVAS", "supplier_code": "PACK-PT", "min_quantity": 0,
         "unit_price": "6.00", "lead_time_days": 3, "currency": "EUR"},
    ],
    "contracts": [
        {"code": "C-SEW", "supplier_code": "SEW-PT", "valid_from": date(2020, 1, 1),
         "valid_to": date(2099, 12, 31), "currency": "EUR"},
    ],
    "contract-prices": [
        {"contract_code": "C-SEW", "item_sku": "CANVAS", "min_quantity": 0, "unit_price": "5.00"},
    ],
}  # fmt: skip


def _do(make_uow: UowFactory, action: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with make_uow(actor="brand") as uow:
        result = action(uow, *args, **kw)
        uow.commit()
    return result


def _orders(make_uow: UowFactory, engine: Any, then: datetime) -> dict[str, Any]:
    custom = {"sku": BAG, "quantity": 1, "properties": {"Colour": "Indigo", "Engraving": "AB"}}
    headers, body = shopify_webhook(shopify_order(71001, [custom]))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=then)
    late = intake.apply_inbox_row(engine, received.inbox_id, now=then)
    bad = {"sku": "", "variant_id": 808950810, "quantity": 1}
    headers, body = shopify_webhook(shopify_order(71002, [bad]))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=then)
    failed = intake.apply_inbox_row(engine, received.inbox_id, now=then)
    assert late.status == "processed" and failed.status == "failed", (late, failed)
    return {"order": late.order, "webhook": failed.id}


def _plan(make_uow: UowFactory, now: datetime) -> int:
    today = now.date()
    with make_uow() as uow:
        run = PlanRunRow(
            status="complete", started_at=now - timedelta(hours=1), finished_at=now,
            period_start=today - timedelta(days=today.weekday()), horizon=8, actor="test",
            stats={"home": "WH"},
        )  # fmt: skip
        uow.session.add(run)
        uow.session.flush()
        canvas = uow.session.scalar(select(ItemRow.id).where(ItemRow.sku == "CANVAS"))
        uow.session.add(
            PlanOrderRow(
                run_id=run.id, number=1, item_id=canvas, kind="purchase",
                release_date=today - timedelta(days=1), due_date=today + timedelta(days=6),
                quantity=Decimal(200), pegs=[["safety stock", "200"]], location="",
            )
        )  # fmt: skip
        uow.commit()
        return run.id


def _buying(make_uow: UowFactory, now: datetime) -> dict[str, str]:
    then = now - timedelta(days=10)
    rfq = _do(
        make_uow, rfqs.create_rfq, suppliers=["SEW-PT", "PACK-PT"],
        lines=[{"item": "CANVAS", "quantity": 100, "need_date": now.date() + timedelta(days=20)}],
        reply_by=now.date() - timedelta(days=3), now=then,
    )  # fmt: skip
    _do(make_uow, rfqs.send_rfq, rfq.number, now=then)
    for supplier, price in (("SEW-PT", "4.80"), ("PACK-PT", "5.90")):
        _do(
            make_uow, rfqs.submit_quote, rfq.number, line=1, unit_price=price, lead_time_days=5,
            valid_until=now.date() + timedelta(days=60), supplier=supplier, now=then,
        )  # fmt: skip
    po = _do(
        make_uow, purchase_orders.create_po, contract="C-SEW",
        lines=[{"item": "CANVAS", "quantity": 100, "due_date": now.date()}], now=then,
    )  # fmt: skip
    _do(make_uow, purchase_orders.issue_po, po.number, now=then)
    _do(make_uow, purchase_orders.confirm_po, po.number, now=then)
    _do(make_uow, receiving.receive_po, po.number, {1: 100}, now=then)
    invoice = _do(
        make_uow, invoicing.register_invoice, po_number=po.number, supplier_invoice_number="FT 9",
        invoice_date=then.date(), lines=[(1, 100, "6.00")], base_currency="EUR", now=then,
    )  # fmt: skip
    assert invoice.status == "held", invoice
    on_order = _do(
        make_uow, purchase_orders.create_po, contract="C-SEW",
        lines=[{"item": "CANVAS", "quantity": 300, "due_date": now.date() + timedelta(days=30)}],
        now=then,
    )  # fmt: skip
    _do(make_uow, purchase_orders.issue_po, on_order.number, now=then)
    return {"rfq": rfq.number, "invoice": invoice.number, "po": on_order.number}


def _suppliers(make_uow: UowFactory, now: datetime) -> None:
    files = FileStore(tempfile.mkdtemp(prefix="today-world-"))
    _do(
        make_uow, certificates.add_certificate, files, supplier="DYE-PT", name="GOTS",
        valid_until=now.date() + timedelta(days=10), now=now,
    )  # fmt: skip
    _do(make_uow, supplier_rules.run_rules, now=now)
    _do(
        make_uow, certificates.add_certificate, files, supplier="ENGR-ES", name="OEKO-TEX",
        valid_until=now.date() + timedelta(days=20), now=now,
    )  # fmt: skip


def _signals(make_uow: UowFactory, now: datetime) -> None:
    def carts(option: str, quantity: int, days: int) -> dict[str, Any]:
        return {"sku": BAG, "kind": "add_to_cart", "quantity": quantity, "option": option,
                "occurred_at": now - timedelta(days=days), "source": "shop"}  # fmt: skip

    rows = [carts("INDIGO", 190, 30), carts("MADDER", 10, 30)]
    rows += [carts("INDIGO", 85, 3), carts("MADDER", 15, 3)]
    _do(make_uow, signals.record_signals, rows)


def _prices(make_uow: UowFactory, now: datetime) -> None:
    base = now.date() - timedelta(days=200)
    with make_uow(actor="buyer") as uow:
        price_watch.import_index_rows(
            uow,
            [
                (1, {"index": "COTTON", "date": base, "value": "1.80", "unit": "USD/kg"}),
                (2, {"index": "COTTON", "date": now.date() - timedelta(days=2), "value": "2.16"}),
            ],
            now=now,
        )
        price_watch.set_cost_model(
            uow, "CANVAS", material="0.6", energy="0.1", tooling="0.1", labour="0.2",
            indices={"material": "COTTON"}, now=now,
        )  # fmt: skip
        price_watch.add_index_clause(
            uow, "C-SEW", index="COTTON", base="1.80", base_date=base, now=now
        )
        report = price_watch.watch(uow, now.date(), now=now)
        uow.commit()
    assert report.raised, report


def build_today_world(make_uow: UowFactory, engine: Any, now: datetime) -> dict[str, Any]:
    """The world (see the module docstring) as of ``now``; the records each entry is about."""
    build_world(make_uow)
    with make_uow() as uow:
        for kind, rows in EXTRA.items():
            import_rows(uow, kind, rows, source=f"today {kind}")
        uow.commit()
    built = _orders(make_uow, engine, now - timedelta(days=10))
    built["run"] = _plan(make_uow, now)
    built.update(_buying(make_uow, now))
    _suppliers(make_uow, now)
    _signals(make_uow, now)
    _prices(make_uow, now)
    return built
