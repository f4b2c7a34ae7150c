"""The ``purchase-orders`` import: lines stored as written, every bad row reported on its line
and column with nothing written, re-imports updating lines by (po_number, line)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from flexchain.adapters.db.tables import AuditRow, ItemRow, PurchaseOrderLineRow, SupplierRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services.imports import ImportFailed, import_file
from tests.integration.imports.company import before
from tests.integration.imports.conftest import Load, Write, dump

D = Decimal
HEADER = "po_number,line,supplier,sku,quantity,received,due_date,status\n"


def po_lines(engine: Engine) -> list[tuple[Any, ...]]:
    """Every stored line as (po, line, supplier, sku, quantity, received, price, currency, due,
    status), in key order."""
    line = PurchaseOrderLineRow
    query = (
        select(line.po_number, line.line_no, SupplierRow.code, ItemRow.sku, line.quantity,
               line.received_quantity, line.unit_price, line.currency, line.due_date,
               line.status)
        .join(SupplierRow, SupplierRow.id == line.supplier_id)
        .join(ItemRow, ItemRow.id == line.item_id)
        .order_by(line.po_number, line.line_no)
    )  # fmt: skip
    with UnitOfWork(engine, write=False) as uow:
        return [tuple(row) for row in uow.session.execute(query)]


COMPANY_LINES = [
    ("PO-1001", 1, "KNIT-TR", "COTTON", D(500), D(200), D("3.10"), "USD", date(2026, 2, 2),
     "open"),
    # blank received, currency and status: nothing received, the supplier's currency, open
    ("PO-1001", 2, "KNIT-TR", "COTTON", D(250), D(0), D("3.40"), "USD", date(2026, 2, 16),
     "open"),
    ("PO-1002", 1, "SEW-PT", "TEE-BODY", D(100), D(100), D(6), "EUR", date(2026, 1, 19),
     "closed"),
]  # fmt: skip


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_purchase_order_lines_are_stored_as_written(
    engine: Engine, load: Load, suffix: str
) -> None:
    load(*before("purchase-orders"))

    report = load("purchase-orders", suffix=suffix)["purchase-orders"]

    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert po_lines(engine) == COMPANY_LINES


def test_every_bad_row_is_reported_on_its_line_and_column_and_nothing_is_written(
    company: Engine, write: Write
) -> None:
    # given a file with one bad row of each kind, and good rows before and after them
    text = HEADER + (
        "PO-2001,1,NOBODY,COTTON,10,,2026-03-02,\n"
        "PO-2001,2,KNIT-TR,BUTTON,10,,2026-03-02,\n"
        "PO-2001,3,KNIT-TR,COTTON,10,12,2026-03-02,\n"
        "PO-2001,4,KNIT-TR,COTTON,-5,,2026-03-02,\n"
        "PO-2001,5,KNIT-TR,COTTON,10,-1,2026-03-02,\n"
        "PO-2001,6,KNIT-TR,COTTON,10,,02/03/2026,\n"
        "PO-2001,1,KNIT-TR,COTTON,10,,2026-03-02,\n"
        "PO-2001,7,KNIT-TR,COTTON,0,,2026-03-02,\n"
        "PO-2001,8,KNIT-TR,COTTON,10,,2026-03-02,draft\n"
        "PO-2001,x,KNIT-TR,COTTON,10,,2026-03-02,\n"
        "PO-1001,1,KNIT-TR,COTTON,500,450,2026-02-02,open\n"
        "PO-2002,,KNIT-TR,COTTON,10,,2026-03-02,\n"
    )
    stored = dump(company)

    # when it is imported
    with pytest.raises(ImportFailed) as failed:
        import_file(company, "purchase-orders", write("po.csv", text))

    # then every problem is reported, and neither the new lines nor the update were written
    assert str(failed.value).splitlines() == [
        "po.csv:2: supplier: unknown supplier 'NOBODY'",
        "po.csv:3: sku: unknown item 'BUTTON'",
        "po.csv:4: received: 12 received is more than the 10 ordered",
        "po.csv:5: quantity: must not be negative, got -5",
        "po.csv:6: received: must not be negative, got -1",
        "po.csv:7: due_date: not a date: '02/03/2026' (use YYYY-MM-DD)",
        "po.csv:8: line: duplicate of line 2",
        "po.csv:9: quantity: must be greater than zero",
        "po.csv:10: status: must be one of open, closed, cancelled; got 'draft'",
        "po.csv:11: line: not a whole number: 'x'",
    ]
    assert dump(company) == stored


def test_errors_use_the_column_names_of_the_file(company: Engine, write: Write) -> None:
    text = (
        "Order Reference,Vendor,Product,Quantity,Received Qty,Expected Arrival\n"
        "P00042,KNIT-TR,COTTON,30,31,2026-03-04\n"
    )

    with pytest.raises(ImportFailed) as failed:
        import_file(company, "purchase-orders", write("purchase.order.line.csv", text))

    assert str(failed.value) == (
        "purchase.order.line.csv:2: Received Qty: 31 received is more than the 30 ordered"
    )


def test_missing_required_columns_are_reported_on_line_1(company: Engine, write: Write) -> None:
    with pytest.raises(ImportFailed) as failed:
        import_file(company, "purchase-orders", write("po.csv", "po_number,sku,quantity\n"))

    assert str(failed.value).splitlines() == [
        "po.csv:1: supplier: missing required column (also accepted: supplier_code, Vendor, "
        "Partner, partner_id)",
        "po.csv:1: due_date: missing required column (also accepted: Expected Arrival, "
        "date_planned, Required By, schedule_date)",
    ]


def test_a_reimport_updates_lines_by_po_and_line_and_adds_new_ones(
    company: Engine, write: Write
) -> None:
    # given the company's three lines
    # when the buyer re-imports: line 1 arrived in full and closed, line 2 partly arrived and
    # moved a week later, and a new order was placed (no price or currency columns this time)
    text = HEADER + (
        "PO-1001,1,KNIT-TR,COTTON,500,500,2026-02-02,closed\n"
        "PO-1001,2,KNIT-TR,COTTON,250,100,2026-02-23,open\n"
        "PO-1003,1,Örme Tekstil,COTTON,80,,2026-03-09,\n"
    )
    report = import_file(company, "purchase-orders", write("po.csv", text), actor="buyer")

    # then two lines are updated in place and one is created; the prices the file leaves out
    # are kept, and the new line takes its supplier's currency
    assert (report.created, report.updated, report.unchanged) == (1, 2, 0)
    assert po_lines(company) == [
        ("PO-1001", 1, "KNIT-TR", "COTTON", D(500), D(500), D("3.10"), "USD", date(2026, 2, 2),
         "closed"),
        ("PO-1001", 2, "KNIT-TR", "COTTON", D(250), D(100), D("3.40"), "USD", date(2026, 2, 23),
         "open"),
        ("PO-1002", 1, "SEW-PT", "TEE-BODY", D(100), D(100), D(6), "EUR", date(2026, 1, 19),
         "closed"),
        ("PO-1003", 1, "KNIT-TR", "COTTON", D(80), D(0), None, "USD", date(2026, 3, 9), "open"),
    ]  # fmt: skip
    with UnitOfWork(company, write=False) as uow:
        audit = uow.session.execute(
            select(AuditRow.actor, AuditRow.action, AuditRow.entity_key, AuditRow.details)
            .where(AuditRow.entity == "purchase_order_line", AuditRow.actor == "buyer")
            .order_by(AuditRow.id)
        ).all()
    assert [tuple(row) for row in audit] == [
        ("buyer", "created", "PO-1003/1", {"source": "po.csv", "line": 4}),
        ("buyer", "updated", "PO-1001/1", {
            "before": {"received_quantity": "200", "status": "open"},
            "after": {"received_quantity": "500", "status": "closed"},
            "source": "po.csv", "line": 2, "changed": ["received_quantity", "status"]}),
        ("buyer", "updated", "PO-1001/2", {
            "before": {"received_quantity": "0", "due_date": "2026-02-16"},
            "after": {"received_quantity": "100", "due_date": "2026-02-23"},
            "source": "po.csv", "line": 3, "changed": ["received_quantity", "due_date"]}),
    ]  # fmt: skip


def test_an_odoo_purchase_line_export_imports_as_it_is(company: Engine, write: Write) -> None:
    # given Odoo's purchase.order.line list export: display names, a date and time, its states
    text = (
        "Order Reference,Vendor,Product,Quantity,Received Qty,Unit Price,Expected Arrival,"
        "Status,Subtotal\n"
        "P00042,Örme Tekstil,[COTTON] Cotton jersey,300,0,3.10,2026-03-04 10:00:00,"
        "Purchase Order,930\n"
        "P00043,Costura Lda,[TEE-BODY] Tee body,50,50,6,2026-02-11 08:30:00,Locked,300\n"
    )

    report = import_file(company, "purchase-orders", write("purchase.order.line.csv", text))

    assert (report.created, report.ignored_columns) == (2, ("Subtotal",))
    assert po_lines(company)[:2] == [  # P0... sorts before PO-...
        ("P00042", 1, "KNIT-TR", "COTTON", D(300), D(0), D("3.10"), "USD", date(2026, 3, 4),
         "open"),
        ("P00043", 1, "SEW-PT", "TEE-BODY", D(50), D(50), D(6), "EUR", date(2026, 2, 11),
         "closed"),
    ]  # fmt: skip
