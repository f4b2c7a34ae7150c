"""Releasing planned orders once, on both databases: a planned purchase into a draft PO or RFQ,
planned production into a job at the supplier that makes it (finishing into stock), a second
release refused wherever it comes from (the release service, ``POST /purchase-orders`` and
``POST /rfqs`` with ``plan_numbers``, the terminal), wrong kinds refused, and who may release
what through ``POST /plan/release``."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from flexchain.adapters.db.tables import AuditRow, ItemRow, PlanOrderRow, PlanRunRow
from flexchain.adapters.db.tables.loop import PlanReleaseRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.bootstrap import App
from flexchain.config import Settings
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.entrypoints.api import errors as api_errors
from flexchain.entrypoints.api.plan_release import router
from flexchain.services import inventory, jobs, plan_release, purchase_orders, rfqs
from flexchain.services.imports import import_rows
from tests.auth import bearer
from tests.integration.test_cli import flexchain_cli
from tests.storefront_world import build_world

UowFactory = Callable[..., UnitOfWork]
NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()

EXTRA: dict[str, list[dict[str, Any]]] = {
    "items": [{"sku": "CANVAS", "name": "Canvas", "kind": "raw", "uom": "m"}],
    "item-suppliers": [
        {"item_sku": "CANVAS", "supplier_code": "SEW-PT", "min_quantity": 0,
         "unit_price": "5.00", "lead_time_days": 7, "currency": "EUR"},
        {"item_sku": "CANVAS", "supplier_code": "PACK-PT", "min_quantity": 0,
         "unit_price": "6.00", "lead_time_days": 3, "currency": "EUR"},
    ],
    "bom": [{"parent_sku": "M-BAG-BODY", "child_sku": "CANVAS", "quantity": "1.5"}],
    "stock": [{"sku": "CANVAS", "location": "WH", "quantity": 100}],
}  # fmt: skip

PLANNED = [  # number, sku, kind, quantity
    (1, "CANVAS", "purchase", 200),
    (2, "CANVAS", "purchase", 50),
    (3, "M-BAG-BODY", "production", 10),
    (4, "M-STRAP", "production", 8),
    (5, "TEE-COTTON-BLACK-M", "transfer", 2),
    (6, "M-STRAP", "production", 4),  # due at WH2: a job for stock delivers to WH
]


def _plan(make_uow: UowFactory) -> int:
    """A current plan with the planned orders of :data:`PLANNED` (written past the services:
    a plan run is what planning writes)."""
    with make_uow() as uow:
        run = PlanRunRow(
            status="complete", started_at=NOW - timedelta(hours=1), finished_at=NOW,
            period_start=TODAY - timedelta(days=TODAY.weekday()), horizon=8, actor="test",
            stats={"home": "WH"},
        )  # fmt: skip
        uow.session.add(run)
        uow.session.flush()
        ids = {sku: id_ for sku, id_ in uow.session.execute(select(ItemRow.sku, ItemRow.id))}
        for number, sku, kind, quantity in PLANNED:
            uow.session.add(
                PlanOrderRow(
                    run_id=run.id, number=number, item_id=ids[sku], kind=kind,
                    release_date=TODAY - timedelta(days=2), due_date=TODAY + timedelta(days=9),
                    quantity=Decimal(quantity), pegs=[["safety stock", str(quantity)]],
                    location="WH2" if number == 6 else "",
                    from_location="WH2" if kind == "transfer" else None,
                )
            )  # fmt: skip
        uow.commit()
        return run.id


def build_release_world(make_uow: UowFactory) -> int:
    """The storefront brand, canvas bought from SEW-PT and PACK-PT and sewn into bag bodies,
    and a current plan of :data:`PLANNED` due for release two days ago; the plan's version."""
    build_world(make_uow)
    with make_uow() as uow:
        for kind, rows in EXTRA.items():
            import_rows(uow, kind, rows, source=f"release {kind}")
        uow.commit()
    return _plan(make_uow)


@pytest.fixture
def world(make_uow: UowFactory) -> int:
    return build_release_world(make_uow)


def _release(make_uow: UowFactory, actor: str = "ana", **kw: object) -> plan_release.Release:
    with make_uow(actor=actor) as uow:
        done = plan_release.release_planned(uow, now=NOW, **kw)  # type: ignore[arg-type]
        uow.commit()
    return done


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


# -- purchases -----------------------------------------------------------------------------------


def test_a_planned_purchase_goes_into_a_draft_po_once(
    world: int, make_uow: UowFactory, engine: Engine
) -> None:
    # given a planned purchase released into a draft PO to SEW-PT
    done = _release(make_uow, plan_numbers=[1], to="po", suppliers=["SEW-PT"])
    (po,) = done.references
    assert (done.to, done.numbers, done.suppliers) == ("po", (1,), ("SEW-PT",))
    with make_uow(write=False) as uow:
        assert plan_release.released(uow) == {1: po}
        (line,) = purchase_orders.show_po(uow, po).lines
        audited = [
            (a.entity_key, a.actor, a.details["after"])
            for a in uow.session.scalars(select(AuditRow).where(AuditRow.entity == "planned_order"))
        ]
    assert line.quantity == 200
    assert audited == [(f"{world}:1", "ana", {"kind": "po", "reference": po})]
    # when it is released again, through the service or the PO and RFQ use cases directly
    attempts: list[Callable[[UnitOfWork], object]] = [
        lambda uow: plan_release.release_planned(
            uow, plan_numbers=[1], to="rfq", suppliers=["PACK-PT"], now=NOW
        ),
        lambda uow: purchase_orders.create_po_from_plan(
            uow, supplier="PACK-PT", plan_numbers=[2, 1], now=NOW
        ),
        lambda uow: rfqs.create_rfq(uow, suppliers=["SEW-PT"], plan_numbers=[1], now=NOW),
    ]
    for attempt in attempts:
        with make_uow(actor="bo") as uow, pytest.raises(DomainError) as refused:
            attempt(uow)
        # then it is refused naming what it went into, when and by whom, and nothing is written
        assert str(refused.value).startswith(
            f"planned order 1 was released into {po} on {NOW:%Y-%m-%d %H:%M} UTC by ana"
        )
    assert _count(engine, PlanReleaseRow) == 1
    with make_uow(write=False) as uow:
        assert len(purchase_orders.list_pos(uow)) == 1 and rfqs.list_rfqs(uow) == []


def test_planned_purchases_go_into_one_draft_rfq(world: int, make_uow: UowFactory) -> None:
    done = _release(
        make_uow, plan_numbers=[2, 1], to="rfq", suppliers=["SEW-PT", "PACK-PT"],
        reply_by=TODAY + timedelta(days=5),
    )  # fmt: skip
    (rfq,) = done.references
    assert done.message.startswith(f"RFQ {rfq} drafted for 2 planned purchases")
    with make_uow(write=False) as uow:
        assert plan_release.released(uow, world) == {1: rfq, 2: rfq}
        shown = rfqs.show_rfq(uow, rfq)
    assert shown.status == "draft" and sorted(shown.suppliers) == ["PACK-PT", "SEW-PT"]


def test_a_po_through_create_po_from_plan_is_recorded_too(world: int, make_uow: UowFactory) -> None:
    # the route POST /purchase-orders with plan_numbers calls this use case
    with make_uow() as uow:
        po = purchase_orders.create_po_from_plan(uow, supplier="SEW-PT", plan_numbers=[2], now=NOW)
        uow.commit()
    with make_uow(write=False) as uow:
        assert plan_release.released(uow) == {2: po.number}
    with pytest.raises(DomainError, match=f"released into {po.number}"):
        _release(make_uow, plan_numbers=[2], to="po", suppliers=["SEW-PT"])


# -- production ----------------------------------------------------------------------------------


def test_planned_production_goes_into_a_job_at_its_maker(world: int, make_uow: UowFactory) -> None:
    # given planned production of a bag body (made by sewing: SEW-PT's tier S beats SEW-LX)
    done = _release(make_uow, actor="pia", plan_numbers=[3], to="job")
    (reference,) = done.references
    job_id = int(reference.removeprefix("job "))
    with make_uow(write=False) as uow:
        job = jobs.show_job(uow, job_id)
        assert plan_release.released(uow) == {3: reference}
    # then a planned job for stock at SEW-PT, from today (the release day passed) to the due day
    view = job.job
    assert (view.order, view.sku, view.supplier, view.process, view.reason) == (
        None, "M-BAG-BODY", "SEW-PT", "sewing", "plan"
    )  # fmt: skip
    assert (view.status, view.quantity) == ("planned", 10)
    assert (view.planned_start, view.planned_finish) == (TODAY, TODAY + timedelta(days=9))
    assert job.events[0].kind == "planned" and f"planned order 3 of plan {world}" in (
        job.events[0].note
    )
    # and a second release is refused
    with pytest.raises(DomainError, match=f"planned order 3 was released into {reference}"):
        _release(make_uow, plan_numbers=[3], to="job")


def test_a_stock_job_finishes_into_the_warehouse(world: int, make_uow: UowFactory) -> None:
    # given planned production released at once (its canvas issued to SEW-PT's site)
    done = _release(make_uow, plan_numbers=[3], to="job", release=True)
    job_id = int(done.references[0].removeprefix("job "))
    with make_uow(write=False) as uow:
        before = {
            b.location: b.on_hand for b in inventory.balances(uow, now=NOW, item="M-BAG-BODY")
        }
        canvas = {b.location: b.on_hand for b in inventory.balances(uow, now=NOW, item="CANVAS")}
    assert canvas["WH"] == 85 and canvas["FAC-SEW-PT"] == 15
    # when the supplier starts and finishes it
    with make_uow() as uow:
        jobs.start_job(uow, job_id, now=NOW)
        finished = jobs.finish_job(uow, job_id, now=NOW)
        uow.commit()
    # then its ten good units are free stock in the warehouse it works for
    with make_uow(write=False) as uow:
        after = {b.location: b for b in inventory.balances(uow, now=NOW, item="M-BAG-BODY")}
    assert finished.job.status == "finished" and finished.job.finished_quantity == 10
    assert after["WH"].on_hand == before["WH"] + 10
    assert after["WH"].available == after["WH"].on_hand  # nothing reserved: no order


def test_a_stock_job_due_at_another_warehouse_finishes_there(
    world: int, make_uow: UowFactory
) -> None:
    # given planned production of straps due at WH2 (not the first warehouse), released
    done = _release(make_uow, plan_numbers=[6], to="job")
    job_id = int(done.references[0].removeprefix("job "))
    with make_uow(write=False) as uow:
        before = {b.location: b.on_hand for b in inventory.balances(uow, now=NOW, item="M-STRAP")}
    # when the supplier starts and finishes it
    with make_uow() as uow:
        jobs.release_job(uow, job_id, now=NOW)
        jobs.start_job(uow, job_id, now=NOW)
        finished = jobs.finish_job(uow, job_id, now=NOW)
        uow.commit()
    # then its good units are free stock at WH2, none at WH
    with make_uow(write=False) as uow:
        after = {b.location: b.on_hand for b in inventory.balances(uow, now=NOW, item="M-STRAP")}
    made = finished.job.finished_quantity
    assert made is not None and made > 0
    assert after["WH2"] == before.get("WH2", 0) + made
    assert after.get("WH", 0) == before.get("WH", 0)


def test_a_named_supplier_overrides_the_choice_if_it_runs_the_process(
    world: int, make_uow: UowFactory, engine: Engine
) -> None:
    done = _release(make_uow, plan_numbers=[3], to="job", suppliers=["SEW-LX"])
    assert done.suppliers == ("SEW-LX",)
    with pytest.raises(DomainError, match=r"DYE-PT does not run sewing.*capable: SEW-LX, SEW-PT"):
        _release(make_uow, plan_numbers=[4], to="job", suppliers=["DYE-PT"])
    assert _count(engine, PlanReleaseRow) == 1


@pytest.mark.parametrize(
    ("numbers", "to", "suppliers", "error", "message"),
    [
        ([1], "job", [], DomainError, "planned order 1 is a planned purchase: release it into a "
         "PO or an RFQ, not a job"),
        ([3], "po", ["SEW-PT"], DomainError, "planned order 3 is planned production: release it "
         "into a job, not a po"),
        ([4], "rfq", ["SEW-PT"], DomainError, "planned order 4 is planned production"),
        ([5], "po", ["SEW-PT"], DomainError, "planned order 5 is a transfer"),
        ([9], "po", ["SEW-PT"], NotFound, "has no planned order 9"),
        ([1, 2], "po", ["SEW-PT", "PACK-PT"], ValidationError, "one supplier"),
        ([1, 1], "po", ["SEW-PT"], ValidationError, "named twice"),
        ([], "po", ["SEW-PT"], ValidationError, "at least one"),
        ([1], "pos", ["SEW-PT"], ValidationError, "one of po, rfq, job"),
    ],
    ids=["purchase-to-job", "production-to-po", "production-to-rfq", "transfer", "unknown",
         "po-two-suppliers", "twice", "none", "bad-target"],
)  # fmt: skip
def test_a_wrong_release_is_refused_and_writes_nothing(
    world: int, make_uow: UowFactory, engine: Engine, numbers: list[int], to: str,
    suppliers: list[str], error: type[Exception], message: str,
) -> None:  # fmt: skip
    with pytest.raises(error, match=message):
        _release(make_uow, plan_numbers=numbers, to=to, suppliers=suppliers)
    assert _count(engine, PlanReleaseRow) == 0


def test_the_terminal_releases_through_the_same_service(
    world: int, database_url: str, make_uow: UowFactory
) -> None:
    code, out, err = flexchain_cli(database_url, "plan", "release", "4", "--to", "job", "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["to"] == "job" and done["numbers"] == [4] and done["suppliers"] == ["SEW-PT"]
    code, _, err = flexchain_cli(database_url, "plan", "release", "4", "--to", "job")
    assert code == 1 and f"planned order 4 was released into {done['references'][0]}" in err
    code, out, err = flexchain_cli(
        database_url, "plan", "release", "1", "2", "--to", "rfq", "--supplier", "SEW-PT",
        "--supplier", "PACK-PT", "--reply-by", (TODAY + timedelta(days=3)).isoformat(),
    )  # fmt: skip
    assert code == 0 and "drafted for 2 planned purchases to" in out, err
    code, _, err = flexchain_cli(database_url, "plan", "release", "3", "--to", "po")
    assert code == 1 and "planned order 3 is planned production" in err


# -- the API ---------------------------------------------------------------------------------------


@pytest.fixture
def api(world: int, engine: Engine, database_url: str) -> Iterator[TestClient]:
    app = FastAPI()
    api_errors.install(app)
    app.include_router(router)
    app.state.flexchain = App(settings=Settings(database_url=database_url), engine=engine)
    with TestClient(app) as client:
        yield client


def test_who_may_release_what_through_the_api(api: TestClient, engine: Engine) -> None:
    as_role = {role: bearer(engine, role) for role in ("buyer", "planner", "viewer", "finance")}
    as_role["supplier"] = bearer(engine, "supplier", supplier="SEW-PT")
    po = {"plan_numbers": [1], "to": "po", "suppliers": ["SEW-PT"]}
    job = {"plan_numbers": [3], "to": "job"}
    # a planner may not release purchases, a buyer not production; others nothing
    for role, body in [("planner", po), ("buyer", job), ("finance", po), ("viewer", job),
                       ("supplier", po)]:  # fmt: skip
        answer = api.post("/plan/release", json=body, headers=as_role[role])
        assert answer.status_code == 403, (role, answer.text)
    assert (
        "is for admin, buyer: not planner"
        in api.post("/plan/release", json=po, headers=as_role["planner"]).json()["detail"]
    )
    assert _count(engine, PlanReleaseRow) == 0
    made = api.post("/plan/release", json=po, headers=as_role["buyer"])
    assert made.status_code == 201 and made.json()["references"][0].startswith("PO-")
    made = api.post("/plan/release", json={**job, "release_job": True}, headers=as_role["planner"])
    assert made.status_code == 201, made.text
    again = api.post("/plan/release", json=job, headers=as_role["planner"])
    assert again.status_code == 422 and "was released into job" in again.json()["detail"]
    shown = api.get("/plan/releases", headers=as_role["viewer"])
    assert shown.status_code == 200 and set(shown.json()) == {"1", "3"}
    assert api.get("/plan/releases?run=999", headers=as_role["viewer"]).status_code == 404
    assert api.get("/plan/releases", headers=as_role["supplier"]).status_code == 403
    bad = api.post(
        "/plan/release", json={"plan_numbers": [0], "to": "po"}, headers=as_role["buyer"]
    )
    assert bad.status_code == 422


def test_two_releases_at_once_make_one_document(
    world: int, make_uow: UowFactory, engine: Engine
) -> None:
    # given two buyers releasing the same planned purchase at the same moment
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def release(supplier: str) -> None:
        start.wait()
        try:
            done = _release(make_uow, actor=supplier, plan_numbers=[1], to="po",
                            suppliers=[supplier])  # fmt: skip
            outcomes.append(done.references[0])
        except DomainError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=release, args=(s,)) for s in ("SEW-PT", "PACK-PT")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # then one drafts its PO, the other is refused naming it, and one release is recorded
    made = [o for o in outcomes if o.startswith("PO-")]
    assert len(outcomes) == 2 and len(made) == 1, outcomes
    (refusal,) = set(outcomes) - set(made)
    assert f"planned order 1 was released into {made[0]}" in refusal
    assert _count(engine, PlanReleaseRow) == 1
    with make_uow(write=False) as uow:
        assert [p.number for p in purchase_orders.list_pos(uow)] == made
