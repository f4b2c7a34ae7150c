"""Open purchase order lines are scheduled receipts: MRP nets them, ``plan explain`` names them
and ``plan diff`` says they changed. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import planning
from flexchain.services.imports import import_rows
from flexchain.services.plan_reports import PlanOrderLine, ScheduledReceipt
from tests.integration.test_planning import NOW
from tests.storefront_world import TEE, build_world

D = Decimal
FABRIC = "FABRIC-BLACK"
MONDAY = NOW.date() - timedelta(days=NOW.weekday())
HORIZON = 8


def week(n: int) -> date:
    return MONDAY + timedelta(weeks=n)


@pytest.fixture
def company(engine: Engine, make_uow: Callable[..., UnitOfWork]) -> Engine:
    """The storefront brand, with its tee sewn from 2 m of a fabric bought with a week's lead
    time, lot for lot (no MOQ, multiple 1, no history of its own: no safety stock)."""
    build_world(make_uow)
    rows: dict[str, list[dict[str, Any]]] = {
        "items": [{"sku": FABRIC, "name": "Black jersey", "kind": "raw", "uom": "m",
                   "default_supplier": "SEW-PT"}],
        "item-suppliers": [{"item_sku": FABRIC, "supplier_code": "SEW-PT", "unit_price": "4.20",
                            "lead_time_days": 7}],
        "bom": [{"parent_sku": TEE, "child_sku": FABRIC, "quantity": 2}],
        "demand": [{"sku": TEE, "location": "WH", "period_start": MONDAY - timedelta(weeks=w),
                    "quantity": 6 + w % 3} for w in range(1, 14)],
    }  # fmt: skip
    with make_uow() as uow:
        for kind, kind_rows in rows.items():
            import_rows(uow, kind, kind_rows, source=f"test {kind}")
        uow.commit()
    return engine


def import_pos(engine: Engine, *lines: tuple[str, int, str, int, int, date, str]) -> None:
    rows = [
        {"po_number": po, "line": line, "supplier": "SEW-PT", "sku": sku, "quantity": quantity,
         "received": received, "due_date": due, "status": status}
        for po, line, sku, quantity, received, due, status in lines
    ]  # fmt: skip
    with UnitOfWork(engine, actor="buyer") as uow:
        import_rows(uow, "purchase-orders", rows, source="po.xlsx")
        uow.commit()


def planned(engine: Engine, run_id: int, sku: str, kind: str = "purchase") -> dict[date, Decimal]:
    """Planned quantity of ``sku`` per due week (all of its orders are of ``kind``)."""
    with UnitOfWork(engine, write=False) as uow:
        rows = planning.plan_rows(uow, run_id)
    due: dict[date, Decimal] = defaultdict(Decimal)
    for row in rows:
        if isinstance(row, PlanOrderLine) and row.sku == sku:
            assert row.kind == kind
            due[row.due_date] += row.quantity
    return dict(due)


def netted(planned: Mapping[date, Decimal], receipts: Iterable[tuple[date, Decimal]]) -> dict:
    """Lot-for-lot purchases once ``receipts`` arrive: each covers the requirements of its week
    and of the weeks after it, earliest first."""
    arriving = dict(receipts)
    left, result = D(0), {}
    for day in sorted(set(planned) | set(arriving)):
        left += arriving.get(day, D(0))
        covered = min(left, planned.get(day, D(0)))
        left -= covered
        if planned.get(day, D(0)) - covered:
            result[day] = planned[day] - covered
    return result


def test_an_open_po_line_reduces_the_planned_purchase_from_the_week_it_is_due(
    company: Engine,
) -> None:
    # given a plan that buys the fabric for every week's tees
    before = planning.run_plan(company, now=NOW, horizon=HORIZON)
    without = planned(company, before.run_id, FABRIC)
    assert sum(q for day, q in without.items() if day >= week(2)) > 30  # something to net

    # when the buyer imports an open line of 50 m with 20 received, due on the Wednesday of
    # week 2, and three lines that will bring nothing more: closed short, received in full,
    # cancelled
    import_pos(
        company,
        ("PO-7001", 1, FABRIC, 50, 20, week(2) + timedelta(days=2), "open"),
        ("PO-7001", 2, FABRIC, 40, 10, week(1), "closed"),
        ("PO-7002", 1, FABRIC, 25, 25, week(1), "open"),
        ("PO-7003", 1, FABRIC, 60, 0, week(3), "cancelled"),
    )
    after = planning.run_plan(company, now=NOW, horizon=HORIZON)

    # then the 30 m still to come cover the requirements of week 2 onwards, and nothing else
    # changes: the purchases fall by exactly 30
    with_po = planned(company, after.run_id, FABRIC)
    assert with_po == netted(without, [(week(2), D(30))])
    assert sum(without.values()) - sum(with_po.values()) == 30
    tees = [planned(company, run.run_id, TEE, "production") for run in (before, after)]
    assert tees[0] == tees[1]

    # and plan diff names the new receipt as the cause
    with UnitOfWork(company, write=False) as uow:
        changes = {c.sku: c for c in planning.diff_runs(uow, before.run_id, after.run_id)}
    assert set(changes) == {FABRIC}
    assert changes[FABRIC].caused_by == "open job or PO change: 0 -> 30"


def test_explain_lists_each_open_po_line_in_its_week_and_a_late_one_in_week_0(
    company: Engine,
) -> None:
    # given an open line three weeks late and one 30 m short, due in week 2
    import_pos(
        company,
        ("PO-7001", 1, FABRIC, 50, 20, week(2) + timedelta(days=2), "open"),
        ("PO-6900", 3, FABRIC, 12, 0, week(-3), "open"),
    )

    # when the fabric's plan is explained
    planning.run_plan(company, now=NOW, horizon=HORIZON)
    with UnitOfWork(company, write=False) as uow:
        view = planning.explain_item(uow, FABRIC)

    # then the late line is expected now, the other in its week, each named by order and line
    assert view.netting.receipts == [
        ScheduledReceipt(source="po:PO-6900/3", period=0, week=week(0), quantity=D(12)),
        ScheduledReceipt(source="po:PO-7001/1", period=2, week=week(2), quantity=D(30)),
    ]
    receipts = [row.receipts for row in view.netting.periods]
    assert receipts == [D(12), D(0), D(30)] + [D(0)] * (HORIZON - 3)
