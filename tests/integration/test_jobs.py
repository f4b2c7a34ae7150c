"""Production jobs through the services, on both databases: the lifecycle, the stock it moves
(materials to the supplier's site, the module back), over-consumption alerts, the order becoming
ready by itself, and the ``jobs`` commands and routes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.bootstrap import App
from flexchain.config import Settings
from flexchain.domain.errors import IllegalTransition, InsufficientStock, ValidationError
from flexchain.domain.orders import JobStatus
from flexchain.entrypoints.api import errors as api_errors
from flexchain.entrypoints.api import tracking
from flexchain.entrypoints.api.jobs import router
from flexchain.services import fulfilment, intake, inventory, jobs, orders, stock_commands
from flexchain.services.imports import import_rows
from tests.auth import bearer
from tests.integration.test_cli import flexchain_cli
from tests.storefront_world import BAG, NOW, build_world, shopify_order, shopify_webhook

UowFactory = Callable[..., UnitOfWork]
LATER = NOW + timedelta(days=3)

EXTRA = {
    "items": [
        {"sku": "RAW-CANVAS", "name": "Raw canvas", "kind": "raw", "uom": "m"},
    ],
    "locations": [
        {"code": "FAC-DYE", "name": "Tinturaria (factory)", "kind": "factory",
         "supplier_code": "DYE-PT"},
    ],
    "bom": [{"parent_sku": "M-DYE", "child_sku": "RAW-CANVAS", "quantity": "0.5"}],
    "stock": [{"sku": "RAW-CANVAS", "location": "WH", "quantity": 3}],
}  # fmt: skip


def _bag_order(engine: Engine, order_id: int = 3001, quantity: int = 2) -> None:
    order = shopify_order(
        order_id,
        [
            {
                "sku": BAG,
                "quantity": quantity,
                "price": "59.00",
                "properties": {"Colour": "Indigo", "Engraving": "Anna"},
            }
        ],
    )
    headers, body = shopify_webhook(order)
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    processed = intake.process(engine, received.inbox_id, now=NOW)
    assert processed.status == "processed", processed.error


@pytest.fixture
def shop(engine: Engine, make_uow: UowFactory) -> Engine:
    build_world(make_uow)
    with make_uow() as uow:
        for kind in ("items", "locations", "bom", "stock"):
            import_rows(uow, kind, EXTRA[kind], source=f"jobs {kind}")
        uow.commit()
    _bag_order(engine)
    return engine


def _job(make_uow: UowFactory, sku: str, order: str = "3001") -> jobs.JobView:
    with make_uow(write=False) as uow:
        return next(j for j in jobs.list_jobs(uow, order=order) if j.sku == sku)


def _on_hand(make_uow: UowFactory, sku: str, location: str) -> Decimal:
    with make_uow(write=False) as uow:
        rows = inventory.balances(uow, now=LATER, item=sku, location=location)
    return sum((row.on_hand for row in rows), Decimal(0))


def _run(make_uow: UowFactory, action: Callable[..., jobs.JobDetail], *args, **kw):  # type: ignore[no-untyped-def]
    with make_uow(actor="tester") as uow:
        detail = action(uow, *args, now=kw.pop("now", LATER), **kw)
        uow.commit()
    return detail


def test_a_delayed_job_moves_its_orders_estimate_and_keeps_the_promise(
    shop: Engine, make_uow: UowFactory
) -> None:
    # given an order whose dye job is planned, with its promise and stages
    dye = _job(make_uow, "M-DYE")
    with make_uow(write=False) as uow:
        before = orders.show_order(uow, "3001")
    token = before.tracking_token
    assert token is not None and before.promise_date is not None
    # when the dyer says it will be ten days late
    delayed = _run(make_uow, jobs.delay_job, dye.id, days=10, reason="dye lot late")
    finish = delayed.job.planned_finish
    assert finish is not None
    # then the stages not reached yet move to what the new finish allows; the promise stays
    with make_uow(write=False) as uow:
        seen = orders.track(uow, token)
    planned = {stage.stage: stage.planned for stage in seen.stages}
    shipped = finish + timedelta(days=fulfilment.PACKING_DAYS)
    assert planned["ready"] == finish and planned["shipped"] == shipped
    assert planned["delivered"] == shipped + timedelta(days=fulfilment.DELIVERY_DAYS)
    assert seen.promise_date == before.promise_date < shipped
    # and the customer's page gives the new estimate and says it is delayed
    page = tracking._page(seen, nonce="n")
    assert f"<strong>{shipped:%a %d %b %Y}</strong> (delayed; promised" in page


def test_a_custom_job_runs_to_finished_and_its_order_becomes_ready(
    shop: Engine, make_uow: UowFactory
) -> None:
    dye, engraving = _job(make_uow, "M-DYE"), _job(make_uow, "M-ENGRAVING")
    assert (dye.status, dye.supplier, dye.option, dye.quantity) == (
        JobStatus.PLANNED, "DYE-PT", "INDIGO", Decimal(2)
    )  # fmt: skip
    # releasing issues the materials to the supplier's site: work in progress is visible there
    released = _run(make_uow, jobs.release_job, dye.id)
    assert (released.job.status, released.site) == (JobStatus.RELEASED, "FAC-DYE")
    assert _on_hand(make_uow, "RAW-CANVAS", "FAC-DYE") == Decimal(1)
    assert _on_hand(make_uow, "RAW-CANVAS", "WH") == Decimal(2)
    _run(make_uow, jobs.start_job, dye.id)
    with make_uow(write=False) as uow:
        assert orders.find_order(uow, "3001").status == "in_production"
    _run(make_uow, jobs.progress_job, dye.id, step="dye bath", quantity="2", scrap="1")
    delayed = _run(make_uow, jobs.delay_job, dye.id, days=2, reason="dye lot late")
    assert delayed.job.planned_finish == dye.planned_finish + timedelta(days=2)  # type: ignore[operator]
    # finished with one good unit of two: twice the canvas per unit the BOM allows -> alert
    done = _run(make_uow, jobs.finish_job, dye.id, quantity="1")
    assert (done.job.status, done.job.finished_quantity, done.job.scrapped) == (
        JobStatus.FINISHED, Decimal(1), Decimal(1)
    )  # fmt: skip
    (alert,) = done.alerts
    assert alert.startswith("over-consumption: RAW-CANVAS: used 1,") and "100 % over" in alert
    assert done.steps == {"dye bath": Decimal(2)}
    assert [e.kind for e in done.events] == [
        "release", "start", "progress", "delay", "finish", "alert"
    ]  # fmt: skip
    assert _on_hand(make_uow, "RAW-CANVAS", "FAC-DYE") == 0
    assert _on_hand(make_uow, "M-DYE", "FAC-DYE") == 0
    assert _on_hand(make_uow, "M-DYE", "WH") == Decimal(1)  # back, reserved for the order
    with make_uow(write=False) as uow:
        shown = orders.show_order(uow, "3001")
        assert shown.status == "in_production"  # the engraving job is still open
        assert any(p.sku == "M-DYE" and p.quantity == 1 for p in shown.picks)
    # the last job: a supplier without a location gets a factory site
    for action in (jobs.release_job, jobs.start_job, jobs.finish_job):
        last = _run(make_uow, action, engraving.id)
    assert last.site == "FAC-ENGR-ES" and not last.alerts
    with make_uow(write=False) as uow:
        shown = orders.show_order(uow, "3001")
        assert shown.status == "ready"
        assert {s.stage: s.actual is not None for s in shown.stages}["ready"]
        assert jobs.list_jobs(uow, status="started") == []
        # the ledger: every balance touched equals the sum of its moves
        for sku, location in [("RAW-CANVAS", "WH"), ("RAW-CANVAS", "FAC-DYE"), ("M-DYE", "WH")]:
            assert inventory.moves_total(uow, sku, location) == _on_hand(make_uow, sku, location)


def test_illegal_or_bad_job_actions_write_nothing(shop: Engine, make_uow: UowFactory) -> None:
    dye = _job(make_uow, "M-DYE")
    with pytest.raises(IllegalTransition, match="cannot finish a planned job; allowed: release"):
        _run(make_uow, jobs.finish_job, dye.id)
    with pytest.raises(IllegalTransition, match="cannot progress a planned job"):
        _run(make_uow, jobs.progress_job, dye.id, step="cut", quantity=1)
    _run(make_uow, jobs.release_job, dye.id)
    _run(make_uow, jobs.start_job, dye.id)
    with pytest.raises(ValidationError, match="quantity: at most the job's quantity, 2"):
        _run(make_uow, jobs.finish_job, dye.id, quantity="3")
    with pytest.raises(ValidationError, match="reason"):
        _run(make_uow, jobs.delay_job, dye.id, days=1, reason=" ")
    with make_uow(write=False) as uow:
        detail = jobs.show_job(uow, dye.id)
    assert detail.job.status is JobStatus.STARTED
    assert [e.kind for e in detail.events] == ["release", "start"]


def test_release_without_the_materials_is_refused_and_cancel_returns_them(
    shop: Engine, make_uow: UowFactory, engine: Engine
) -> None:
    _bag_order(engine, 3002, quantity=5)  # 2.5 m more canvas: only 3 m in stock for both
    first, second = _job(make_uow, "M-DYE"), _job(make_uow, "M-DYE", "3002")
    _run(make_uow, jobs.release_job, second.id)  # 2.5 of 3
    with pytest.raises(InsufficientStock):
        _run(make_uow, jobs.release_job, first.id)
    assert _job(make_uow, "M-DYE").status is JobStatus.PLANNED
    cancelled = _run(make_uow, jobs.cancel_job, second.id)
    assert cancelled.job.status is JobStatus.CANCELLED
    assert _on_hand(make_uow, "RAW-CANVAS", "WH") == Decimal(3)
    assert _on_hand(make_uow, "RAW-CANVAS", "FAC-DYE") == 0
    _run(make_uow, jobs.release_job, first.id)
    assert _on_hand(make_uow, "RAW-CANVAS", "FAC-DYE") == Decimal(1)


def test_the_over_consumption_tolerance_is_configurable(shop: Engine, make_uow: UowFactory) -> None:
    dye = _job(make_uow, "M-DYE")
    for action in (jobs.release_job, jobs.start_job):
        _run(make_uow, action, dye.id)
    done = _run(make_uow, jobs.finish_job, dye.id, quantity="1", tolerance=Decimal("1.5"))
    assert done.alerts == ()


def test_jobs_commands(shop: Engine, database_url: str, make_uow: UowFactory) -> None:
    code, out, _ = flexchain_cli(database_url, "jobs", "list", "--order", "3001", "--json")
    listed = json.loads(out)
    assert code == 0 and {j["sku"] for j in listed} == {"M-DYE", "M-ENGRAVING"}
    dye = next(j for j in listed if j["sku"] == "M-DYE")
    assert dye["status"] == "planned" and dye["quantity"] == "2"
    ref = str(dye["id"])
    for args in (("release", ref), ("start", ref)):
        code, out, err = flexchain_cli(database_url, "jobs", *args)
        assert code == 0, err
    code, out, err = flexchain_cli(
        database_url, "jobs", "progress", ref, "--step", "dye", "--quantity", "2", "--scrap", "0"
    )
    assert code == 0 and "started" in out
    code, out, _ = flexchain_cli(
        database_url, "jobs", "delay", ref, "--days", "2", "--reason", "late dye", "--json"
    )
    assert json.loads(out)["events"][-1]["note"] == "late dye"
    code, out, _ = flexchain_cli(database_url, "jobs", "finish", ref, "--quantity", "2", "--json")
    finished = json.loads(out)
    assert (finished["status"], finished["finished_quantity"], finished["alerts"]) == (
        "finished", "2", []
    )  # fmt: skip
    code, out, _ = flexchain_cli(database_url, "jobs", "show", ref)
    assert code == 0 and "finished" in out and "FAC-DYE" in out
    code, _, err = flexchain_cli(database_url, "jobs", "cancel", ref)
    assert code == 1 and err.strip() == "Error: cannot cancel a finished job: finished is final"
    code, out, _ = flexchain_cli(database_url, "jobs", "list", "--supplier", "DYE-PT", "--json")
    assert [j["status"] for j in json.loads(out)] == ["finished"]
    code, _, err = flexchain_cli(database_url, "jobs", "list", "--status", "nope")
    assert code == 1 and "status" in err
    code, _, err = flexchain_cli(database_url, "jobs", "show", "999")
    assert code == 1 and err.strip() == "Error: no job 999"


@pytest.fixture
def api(shop: Engine, engine: Engine, database_url: str) -> Iterator[TestClient]:
    app = FastAPI()
    api_errors.install(app)
    app.include_router(router)
    app.state.flexchain = App(settings=Settings(database_url=database_url), engine=engine)
    with TestClient(app, headers=bearer(engine)) as client:
        yield client


def test_jobs_routes(api: TestClient) -> None:
    listed = api.get("/jobs", params={"order": "3001", "status": "planned"}).json()
    dye = next(j for j in listed if j["sku"] == "M-DYE")
    assert api.post(f"/jobs/{dye['id']}/release").json()["status"] == "released"
    assert api.post(f"/jobs/{dye['id']}/start").json()["status"] == "started"
    body = {"step": "dye", "quantity": "2", "scrap": "0"}
    assert api.post(f"/jobs/{dye['id']}/progress", json=body).json()["steps"] == {"dye": "2"}
    delayed = api.post(f"/jobs/{dye['id']}/delay", json={"days": 1, "reason": "rain"})
    assert delayed.status_code == 200
    refused = api.post(f"/jobs/{dye['id']}/cancel")
    assert refused.status_code == 422 and "cannot cancel a started job" in refused.json()["detail"]
    finished = api.post(f"/jobs/{dye['id']}/finish", json={"quantity": "2"}).json()
    assert finished["status"] == "finished" and finished["site"] == "FAC-DYE"
    assert api.get(f"/jobs/{dye['id']}").json()["finished_quantity"] == "2"
    assert api.get("/jobs/999").status_code == 404


def test_release_takes_what_the_suppliers_site_already_has_first(
    shop: Engine, make_uow: UowFactory
) -> None:
    # given the dyer already holds 0.4 m of canvas at its site (the job needs 1 m)
    with make_uow() as uow:
        stock_commands.receive(uow, "RAW-CANVAS", "0.4", location="FAC-DYE", now=NOW)
        uow.commit()
    dye = _job(make_uow, "M-DYE")
    # when the job is released, only the rest moves from the warehouse, and all of it is held
    # at the site for the job (another job cannot take it)
    _run(make_uow, jobs.release_job, dye.id)
    assert _on_hand(make_uow, "RAW-CANVAS", "WH") == Decimal("2.4")
    assert _on_hand(make_uow, "RAW-CANVAS", "FAC-DYE") == Decimal("1.0")
    with make_uow(write=False) as uow:
        assert inventory.held_by(uow, f"job {dye.id}", "FAC-DYE") == {"RAW-CANVAS": Decimal(1)}
    # and finishing consumes it there; nothing is left reserved
    for action in (jobs.start_job, jobs.finish_job):
        _run(make_uow, action, dye.id)
    assert _on_hand(make_uow, "RAW-CANVAS", "FAC-DYE") == 0
    with make_uow(write=False) as uow:
        assert inventory.held_by(uow, f"job {dye.id}", "FAC-DYE") == {}
