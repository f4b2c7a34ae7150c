"""Importing again updates by natural key: the same file changes nothing, a changed value
updates exactly the thing it belongs to, and no row is ever duplicated."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from flexchain.adapters.db.repositories import SupplierRepository
from flexchain.adapters.db.tables import AuditRow, StockMoveRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import inventory
from flexchain.services.imports import ImportFailed, import_file
from tests.integration.imports.company import FILES, ORDER, THINGS, changed
from tests.integration.imports.conftest import Write, count_rows, dump, moves_of


def without_audit(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    tables = dump(engine)
    del tables["audit_log"]
    return tables


@pytest.mark.parametrize("kind", ORDER)
def test_importing_the_same_file_again_changes_nothing(
    company: Engine, write: Write, kind: str
) -> None:
    # given the company, loaded from its files
    before = without_audit(company)

    # when one of them is imported again
    report = import_file(company, kind, write(f"again-{kind}.csv", FILES[kind]))

    # then everything is unchanged, down to the timestamps
    assert (report.created, report.updated, report.unchanged) == (0, 0, THINGS[kind])
    assert without_audit(company) == before


@pytest.mark.parametrize("kind", ORDER)
def test_a_changed_value_updates_that_one_thing(company: Engine, write: Write, kind: str) -> None:
    # given the company
    rows_before = count_rows(company)

    # when a file with one value changed is imported
    report = import_file(company, kind, write(f"changed-{kind}.csv", changed(kind)))

    # then one thing is updated and the rest unchanged, without a new row anywhere
    assert (report.created, report.updated, report.unchanged) == (0, 1, THINGS[kind] - 1)
    grown = {
        table: count - rows_before[table]
        for table, count in count_rows(company).items()
        if count != rows_before[table]
    }
    # (a count appends a move to the ADJUSTMENT location, created with its balance on first use)
    stock = {"stock_moves": 1, "stock_balances": 1, "locations": 1, "audit_log": 2}
    assert grown == (stock if kind == "stock" else {"audit_log": 1})

    # and the stored value is the new one: importing the changed file again finds nothing to do
    again = import_file(company, kind, write(f"changed-again-{kind}.csv", changed(kind)))
    assert (again.created, again.updated, again.unchanged) == (0, 0, THINGS[kind])


def test_an_update_is_audited_with_the_columns_that_changed(company: Engine, write: Write) -> None:
    import_file(company, "items", write("items.csv", changed("items")), actor="planner")

    with UnitOfWork(company, write=False) as uow:
        columns = (AuditRow.actor, AuditRow.action, AuditRow.entity, AuditRow.entity_key)
        last = uow.session.execute(
            select(*columns, AuditRow.details).order_by(AuditRow.id.desc()).limit(1)
        ).one()
    assert tuple(last)[:4] == ("planner", "updated", "item", "TEE-RED-M")
    assert last.details == {
        "before": {"list_price": "29.9"},
        "after": {"list_price": "31.5"},
        "source": "items.csv",
        "line": 2,
        "changed": ["list_price"],
    }


def test_a_lower_count_moves_the_difference_out_to_adjustments(
    company: Engine, write: Write
) -> None:
    import_file(company, "stock", write("count.csv", "sku,location,quantity\nCOTTON,WH,300\n"))

    with UnitOfWork(company, write=False) as uow:
        last = moves_of(uow)[-1]
    assert last == (
        "COTTON",
        "WH",
        "ADJUSTMENT",
        Decimal("40.5"),
        "adjustment",
        "import count.csv:2",
    )


def test_a_higher_count_moves_the_difference_in_from_adjustments(
    company: Engine, write: Write
) -> None:
    import_file(company, "stock", write("count.csv", "sku,location,quantity\nTEE-BODY,WH,125\n"))

    with UnitOfWork(company, write=False) as uow:
        last = moves_of(uow)[-1]
    assert last == ("TEE-BODY", "ADJUSTMENT", "WH", Decimal(5), "adjustment", "import count.csv:2")


def test_a_count_is_dated_at_the_callers_now(company: Engine, write: Write) -> None:
    # given a caller's clock (the CLI passes the current time)
    when = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

    # when a count is imported with it
    import_file(
        company, "stock", write("count.csv", "sku,location,quantity\nTEE-BODY,WH,125\n"), now=when
    )

    # then its move is dated then, not when it was written
    with UnitOfWork(company, write=False) as uow:
        at = uow.session.scalars(select(StockMoveRow.at).order_by(StockMoveRow.id.desc())).first()
    assert at == when


def test_a_count_below_what_is_reserved_is_refused(company: Engine, write: Write) -> None:
    with UnitOfWork(company) as uow:
        inventory.reserve(uow, "TEE-BODY", "WH", 100, "order-1", now=datetime.now(UTC))
        uow.commit()
    before = dump(company)

    with pytest.raises(ImportFailed) as failed:
        import_file(company, "stock", write("count.csv", "sku,location,quantity\nTEE-BODY,WH,90\n"))

    assert str(failed.value) == (
        "count.csv:2: quantity: 90 is below the 100 reserved at WH; release reservations first"
    )
    assert dump(company) == before


def test_a_supplier_file_without_a_process_column_keeps_the_capabilities(
    company: Engine, write: Write
) -> None:
    text = "code,name,tier,country\nSEW-PT,Costura Lda,S,PT\n"

    report = import_file(company, "suppliers", write("tiers.csv", text))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    with UnitOfWork(company, write=False) as uow:
        supplier = SupplierRepository(uow.session).get("SEW-PT")
    assert [cap.process.value for cap in supplier.capabilities] == ["cutting", "sewing"]
    assert supplier.email == "orders@sew.example"  # and columns the file leaves out
