"""Design-to-production time counts a product assembled from modules: a job for a module of an
order line of the product is the product's production too (both databases)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from sqlalchemy import Engine, select, update

from flexchain.adapters.db.kpis import SqlKpiStore
from flexchain.adapters.db.tables import (
    ItemRow,
    ProductionJobRow,
    SalesOrderLineRow,
    SalesOrderRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services.imports import import_rows


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 9, tzinfo=UTC)


def test_a_module_job_for_an_order_of_a_product_launches_the_product(engine: Engine) -> None:
    # given a jacket entered on 2 November whose order's sleeve is made from the 12th
    with UnitOfWork(engine) as uow:
        import_rows(uow, "items", [
            {"sku": "JACKET", "name": "Jacket", "kind": "finished"},
            {"sku": "SLEEVE", "name": "Sleeve", "kind": "module", "module_type": "custom"},
            {"sku": "CAP", "name": "Cap", "kind": "finished"},
        ])  # fmt: skip
        ids = dict(uow.session.execute(select(ItemRow.sku, ItemRow.id)).all())
        uow.session.execute(
            update(ItemRow).where(ItemRow.sku.in_(["JACKET", "CAP"])).values(created_at=at(2))
        )
        order = SalesOrderRow(external_id="1", number="1", status="reserved", subtotal=D(90),
                              total=D(90), tracking_token="t-1")  # fmt: skip
        uow.session.add(order)
        uow.session.flush()
        line = SalesOrderLineRow(order_id=order.id, external_line_id="1", item_id=ids["JACKET"],
                                 quantity=D(1), unit_price=D(90))  # fmt: skip
        uow.session.add(line)
        uow.session.flush()
        uow.session.add_all([
            ProductionJobRow(order_id=order.id, order_line_id=line.id, item_id=ids["SLEEVE"],
                             quantity=D(2), status="started", started_at=at(12)),
            ProductionJobRow(order_id=order.id, order_line_id=line.id, item_id=ids["SLEEVE"],
                             quantity=D(2), status="started", started_at=at(14)),
            # a cap made for stock, its own job
            ProductionJobRow(item_id=ids["CAP"], quantity=D(5), status="started",
                             started_at=at(20)),
        ])  # fmt: skip
        uow.commit()
    # when the launches of November are read
    with UnitOfWork(engine, write=False) as uow:
        found = SqlKpiStore(uow).launches(date(2026, 11, 1), date(2026, 11, 30))
    # then the jacket's first production is its sleeve's first job, 10 days after entry; the
    # cap counts by its own job; the sleeve (imported now, after its jobs) is listed, not new
    by_sku = {fact.sku: fact for fact in found}
    assert sorted(by_sku) == ["CAP", "JACKET", "SLEEVE"]
    assert (by_sku["JACKET"].created, by_sku["JACKET"].first_job) == (
        date(2026, 11, 2), date(2026, 11, 12)
    )  # fmt: skip
    assert by_sku["CAP"].first_job == date(2026, 11, 20)
    assert by_sku["SLEEVE"].first_job == date(2026, 11, 12)
