"""The supplier portal's work, quality and partner pages, on both databases: the services behind
them (the shared 12-week forecast, the stock a supplier holds) against hand-computed figures, and
the pages through a TestClient logged in as a supplier's user — each with data and empty, forms
changing state through the same services the CLI uses, bad values shown with their message, and
another supplier's job answering 404."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from flexchain.adapters.db.tables import ItemRow, PlanOrderRow, PlanRunRow, SupplierRow
from flexchain.adapters.db.tables.planning import PlanForecastRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.entrypoints.api import create_app
from flexchain.services import (
    files,
    intake,
    jobs,
    qc,
    spot_checks,
    suggestions,
    supplier_forecast,
    supplier_stock,
)
from flexchain.services.imports import import_rows
from tests.auth import PASSWORD, make_user
from tests.storefront_world import BAG, NOW, TEE, build_world, shopify_order, shopify_webhook

UowFactory = Callable[..., UnitOfWork]
D = Decimal

EXTRA: dict[str, list[dict[str, Any]]] = {
    "items": [{"sku": "RAW-CANVAS", "name": "Raw canvas", "kind": "raw", "uom": "m"}],
    "locations": [
        {"code": "FAC-DYE", "name": "Tinturaria (factory)", "kind": "factory",
         "supplier_code": "DYE-PT"},
    ],
    "bom": [{"parent_sku": "M-DYE", "child_sku": "RAW-CANVAS", "quantity": "0.5"}],
    "stock": [{"sku": "RAW-CANVAS", "location": "WH", "quantity": 3}],
    # recorded first: SEW-LX's term is the canvas's chosen one; SEW-PT only has terms for it
    "item-suppliers": [
        {"item_sku": "RAW-CANVAS", "supplier_code": "SEW-LX", "min_quantity": 0,
         "unit_price": "4.00", "lead_time_days": 10},
        {"item_sku": "RAW-CANVAS", "supplier_code": "SEW-PT", "min_quantity": 0,
         "unit_price": "3.80", "lead_time_days": 14},
    ],
}  # fmt: skip


def _scoped(engine: Engine, code: str, *, write: bool = False) -> UnitOfWork:
    with UnitOfWork(engine, write=False) as uow:
        supplier_id = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == code))
    return UnitOfWork(engine, write=write, actor=f"user:{code}", supplier_scope=supplier_id)


def build_portal_world(engine: Engine) -> None:
    """The storefront brand, canvas for the dye module, and an order for two custom bags: jobs
    at DYE-PT and ENGR-ES."""
    build_world(lambda **kw: UnitOfWork(engine, **kw))
    with UnitOfWork(engine) as uow:
        for kind in ("items", "locations", "bom", "stock", "item-suppliers"):
            import_rows(uow, kind, EXTRA[kind], source=f"portal {kind}")
        uow.commit()
    order = shopify_order(
        3001,
        [{"sku": BAG, "quantity": 2, "price": "59.00",
          "properties": {"Colour": "Indigo", "Engraving": "Anna"}}],
    )  # fmt: skip
    headers, body = shopify_webhook(order)
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    assert intake.process(engine, received.inbox_id, now=NOW).status == "processed"


@pytest.fixture
def world(engine: Engine) -> Engine:
    build_portal_world(engine)
    return engine


def plan(make_uow: UowFactory, weeks_later: int = 0) -> None:
    """A complete run of the week before NOW's: forecasts of the tee at two locations and of the
    canvas; planned production of the tee and purchases of the canvas (every date
    ``weeks_later``)."""
    shift = timedelta(weeks=weeks_later)
    origin = NOW.date() - timedelta(days=7) + shift  # Monday 2026-11-16
    with make_uow() as uow:
        items = dict(uow.session.execute(select(ItemRow.sku, ItemRow.id)).all())
        run = PlanRunRow(status="complete", period_start=origin, horizon=12, started_at=NOW,
                         finished_at=NOW)  # fmt: skip
        uow.session.add(run)
        uow.session.flush()
        for sku, location, weekly in ((TEE, "", "1,2,3,4"), (TEE, "WH2", "0.5,0.5,0.5"),
                                      ("RAW-CANVAS", "", "9,8")):  # fmt: skip
            uow.session.add(PlanForecastRow(run_id=run.id, item_id=items[sku], location=location,
                                            origin=origin, model="ets", weekly=weekly))  # fmt: skip
        for number, (sku, kind, due, quantity) in enumerate(
            (
                (TEE, "production", date(2026, 11, 10), 2),  # past due: overdue
                (TEE, "production", date(2026, 11, 25), 5),  # week 1
                (TEE, "production", date(2026, 12, 6), 7),  # Sunday: still week 2
                (TEE, "production", date(2027, 3, 1), 9),  # beyond 12 weeks
                ("RAW-CANVAS", "purchase", date(2026, 11, 30), 40),  # at SEW-LX
                (TEE, "transfer", date(2026, 11, 25), 3),  # not the supplier's
            ),
            start=1,
        ):
            uow.session.add(PlanOrderRow(
                run_id=run.id, number=number, item_id=items[sku], kind=kind,
                release_date=origin, due_date=due + shift, quantity=D(quantity)))  # fmt: skip
        uow.commit()


# --- the shared forecast --------------------------------------------------------------------


def test_the_forecast_shows_a_supplier_its_items_weeks_and_planned_orders(
    world: Engine, make_uow: UowFactory
) -> None:
    plan(make_uow)
    with _scoped(world, "SEW-PT") as uow:
        shared = supplier_forecast.supplier_forecast(uow, now=NOW)
    assert shared.supplier == "SEW-PT" and shared.run_id is not None
    assert [w.iso for w in shared.weeks[:3]] == ["2026-W48", "2026-W49", "2026-W50"]
    assert len(shared.weeks) == 12
    # its default-supplier modules and tee, and the canvas it has terms for (planned elsewhere)
    assert [(line.sku, line.planned_here) for line in shared.lines] == [
        ("M-BAG-BODY", True), ("M-STRAP", True), ("RAW-CANVAS", False), (TEE, True)
    ]  # fmt: skip
    tee = shared.lines[3]
    # run origin is the week before: this week is its 2nd value; both locations summed
    assert tee.forecast[:4] == (D("2.5"), D("3.5"), D(4), None)
    assert tee.production[:3] == (D(5), D(7), D(0)) and sum(tee.production) == D(12)
    assert (tee.overdue, tee.planned_total, tee.forecast_total) == (D(2), D(14), D(10))
    assert set(tee.purchases) == {D(0)}
    canvas = shared.lines[2]
    assert canvas.forecast[:2] == (D(8), None) and canvas.planned_total == 0  # not its orders


def test_the_canvas_purchases_are_planned_at_the_supplier_of_its_chosen_term(
    world: Engine, make_uow: UowFactory
) -> None:
    plan(make_uow)
    with _scoped(world, "SEW-LX") as uow:
        shared = supplier_forecast.supplier_forecast(uow, now=NOW)
    (canvas,) = shared.lines
    assert (canvas.sku, canvas.planned_here, canvas.purchases[1]) == ("RAW-CANVAS", True, D(40))
    # a brand user names the supplier; weeks can be asked for
    with make_uow(write=False) as uow:
        engraver = supplier_forecast.supplier_forecast(uow, supplier="ENGR-ES", now=NOW, weeks=2)
    assert [line.sku for line in engraver.lines] == ["M-ENGRAVING"] and len(engraver.weeks) == 2


def test_a_supplier_cannot_ask_for_another_suppliers_forecast(
    world: Engine, make_uow: UowFactory
) -> None:
    with _scoped(world, "SEW-PT") as uow, pytest.raises(NotFound, match="unknown supplier"):
        supplier_forecast.supplier_forecast(uow, supplier="SEW-LX", now=NOW)
    with make_uow(write=False) as uow:
        with pytest.raises(ValidationError, match="supplier"):
            supplier_forecast.supplier_forecast(uow, now=NOW)
        with pytest.raises(ValidationError, match="weeks"):
            supplier_forecast.supplier_forecast(uow, supplier="SEW-PT", now=NOW, weeks=0)


def test_without_a_plan_the_forecast_lists_the_items_and_nothing_planned(world: Engine) -> None:
    with _scoped(world, "DYE-PT") as uow:
        shared = supplier_forecast.supplier_forecast(uow, now=NOW)
    assert shared.run_id is None
    (dye,) = shared.lines
    assert dye.sku == "M-DYE" and set(dye.forecast) == {None} and dye.planned_total == 0


# --- stock held for the brand ----------------------------------------------------------------


def _dye_job(engine: Engine) -> int:
    with UnitOfWork(engine, write=False) as uow:
        return next(j.id for j in jobs.list_jobs(uow, order="3001") if j.sku == "M-DYE")


def test_a_supplier_sees_the_stock_at_its_own_sites(world: Engine, make_uow: UowFactory) -> None:
    with _scoped(world, "DYE-PT") as uow:
        empty = supplier_stock.supplier_stock(uow, now=NOW)
    assert [(loc.code, loc.balances) for loc in empty.locations] == [("FAC-DYE", ())]
    job_id = _dye_job(world)
    with make_uow() as uow:
        jobs.release_job(uow, job_id, now=NOW)  # one metre of canvas issued to its site
        uow.commit()
    with _scoped(world, "DYE-PT") as uow:
        held = supplier_stock.supplier_stock(uow, now=NOW)
    ((location,),) = [loc.balances for loc in held.locations]
    assert (location.sku, location.on_hand, location.reserved, location.available) == (
        "RAW-CANVAS", D(1), D(1), D(0)
    )  # fmt: skip
    with _scoped(world, "SEW-PT") as uow:
        assert supplier_stock.supplier_stock(uow, now=NOW).locations == ()
        with pytest.raises(NotFound):
            supplier_stock.supplier_stock(uow, supplier="DYE-PT", now=NOW)


# --- the pages ---------------------------------------------------------------------------------

HTML = {"Accept": "text/html"}


@contextmanager
def _portal(
    engine: Engine, database_url: str, tmp_path: Path, supplier: str
) -> Iterator[TestClient]:
    """A browser session of a new user of ``supplier`` (its CSRF token in ``client.csrf``)."""
    settings = Settings(
        database_url=database_url, outbox_worker=False, file_store_dir=tmp_path / "files"
    )
    email = make_user(engine, "supplier", supplier=supplier)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        answer = client.post("/login", data={"email": email, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        client.csrf = answer.json()["csrf_token"]  # type: ignore[attr-defined]
        yield client


@pytest.fixture
def dye(world: Engine, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with _portal(world, database_url, tmp_path, "DYE-PT") as client:
        yield client


def _post(client: TestClient, path: str, **fields: str) -> Any:
    data = {"csrf_token": client.csrf, **fields}  # type: ignore[attr-defined]
    return client.post(path, data=data, headers=HTML, follow_redirects=False)


def _text(page: str) -> str:
    """The page's words, tags dropped, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_supplier_moves_its_job_along_from_the_jobs_pages(
    world: Engine, dye: TestClient, make_uow: UowFactory
) -> None:
    job_id = _dye_job(world)
    listed = dye.get("/portal/jobs", headers=HTML)
    assert listed.status_code == 200 and f"/portal/jobs/{job_id}" in listed.text
    assert "M-ENGRAVING" not in listed.text  # ENGR-ES's job is not shown
    page = dye.get(f"/portal/jobs/{job_id}", headers=HTML)
    assert page.status_code == 200 and "Start job" not in page.text  # planned: not released yet
    with make_uow() as uow:
        jobs.release_job(uow, job_id, now=NOW)
        uow.commit()
    started = _post(dye, f"/portal/jobs/{job_id}/start")
    assert (started.status_code, started.headers["location"]) == (
        303, f"/portal/jobs/{job_id}?done=start"
    )  # fmt: skip
    assert "Job started." in dye.get(started.headers["location"], headers=HTML).text
    posted = _post(dye, f"/portal/jobs/{job_id}/progress", **{
        "progress.step": "dye bath", "progress.quantity": "2", "progress.scrap": "1"})  # fmt: skip
    assert posted.status_code == 303
    delayed = _post(dye, f"/portal/jobs/{job_id}/delay",
                    **{"delay.days": "2", "delay.reason": "dye lot late"})  # fmt: skip
    assert delayed.status_code == 303
    finished = _post(dye, f"/portal/jobs/{job_id}/finish", **{"finish.quantity": ""})
    assert finished.status_code == 303
    with make_uow(write=False) as uow:
        detail = jobs.show_job(uow, job_id)
    assert (detail.job.status.value, detail.job.finished_quantity) == ("finished", D(2))
    assert detail.steps == {"dye bath": D(2)} and detail.job.scrapped == D(1)
    assert [e.kind for e in detail.events] == ["release", "start", "progress", "delay", "finish"]
    assert {e.actor for e in detail.events[1:]} == {f"user:{_user_of(world, 'DYE-PT')}"}
    shown = _text(dye.get(f"/portal/jobs/{job_id}", headers=HTML).text)
    assert "dye bath: 2 good, 1 scrap" in shown and "dye lot late" in shown
    closed = _text(dye.get("/portal/jobs", headers=HTML).text)
    assert "Finished and cancelled (1)" in closed and "No open jobs" in closed


def _user_of(engine: Engine, supplier: str) -> str:
    from flexchain.adapters.db.tables import UserRow

    with UnitOfWork(engine, write=False) as uow:
        supplier_id = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == supplier))
        return str(
            uow.session.scalars(
                select(UserRow.email).where(UserRow.supplier_id == supplier_id)
            ).first()
        )


def test_bad_progress_shows_the_message_and_what_was_typed(
    world: Engine, dye: TestClient, make_uow: UowFactory
) -> None:
    job_id = _dye_job(world)
    refused = _post(dye, f"/portal/jobs/{job_id}/start")
    assert refused.status_code == 422
    assert "cannot start a planned job" in _text(refused.text)  # above the form, nothing saved
    with make_uow() as uow:
        jobs.release_job(uow, job_id, now=NOW)
        jobs.start_job(uow, job_id, now=NOW)
        uow.commit()
    too_many = _post(dye, f"/portal/jobs/{job_id}/progress", **{
        "progress.step": "dye bath", "progress.quantity": "3", "progress.scrap": ""})  # fmt: skip
    assert too_many.status_code == 422
    text = _text(too_many.text)
    assert "Nothing was saved." in text and "dye bath would reach 3 of a job of 2" in text
    assert 'value="dye bath"' in too_many.text and 'aria-invalid="true"' in too_many.text
    not_a_number = _post(dye, f"/portal/jobs/{job_id}/delay",
                         **{"delay.days": "soon", "delay.reason": ""})  # fmt: skip
    assert not_a_number.status_code == 422 and "'soon' is not a whole number" in _text(
        not_a_number.text
    )
    no_reason = _post(
        dye, f"/portal/jobs/{job_id}/delay", **{"delay.days": "2", "delay.reason": ""}
    )
    assert no_reason.status_code == 422 and 'id="delay-reason-error"' in no_reason.text
    with make_uow(write=False) as uow:
        assert [e.kind for e in jobs.show_job(uow, job_id).events] == ["release", "start"]


def test_another_suppliers_job_is_not_found(
    world: Engine, dye: TestClient, make_uow: UowFactory
) -> None:
    with make_uow(write=False) as uow:
        engraving = next(j.id for j in jobs.list_jobs(uow) if j.sku == "M-ENGRAVING")
    for path in (f"/portal/jobs/{engraving}", "/portal/jobs/99999", "/portal/jobs/x1"):
        answer = dye.get(path, headers=HTML)
        assert answer.status_code == 404 and "Not found" in answer.text, path
    posted = _post(dye, f"/portal/jobs/{engraving}/start")
    assert posted.status_code == 404
    assert _post(dye, f"/portal/jobs/{_dye_job(world)}/cancel").status_code == 404
    with make_uow(write=False) as uow:
        assert jobs.show_job(uow, engraving).job.status.value == "planned"


def test_the_jobs_forecast_and_stock_pages_when_empty(
    world: Engine, database_url: str, tmp_path: Path
) -> None:
    with _portal(world, database_url, tmp_path, "PACK-PT") as client:
        for path, words in (
            ("/portal/jobs", "No production jobs yet."),
            ("/portal/forecast", "The brand has not shared a plan yet."),
            ("/portal/stock", "No site of yours is recorded with the brand."),
        ):
            answer = client.get(path, headers=HTML)
            assert answer.status_code == 200 and words in _text(answer.text), path


def test_the_forecast_and_stock_pages_with_data(
    world: Engine, database_url: str, tmp_path: Path, make_uow: UowFactory
) -> None:
    plan(make_uow)
    with make_uow() as uow:
        jobs.release_job(uow, _dye_job(world), now=NOW)
        uow.commit()
    with _portal(world, database_url, tmp_path, "SEW-PT") as sew:
        text = _text(sew.get("/portal/forecast", headers=HTML).text)
    assert "TEE-COTTON-BLACK-M · Organic tee" in text
    assert "you see its forecast only" in text  # the canvas, planned at SEW-LX
    with _portal(world, database_url, tmp_path, "DYE-PT") as dye:
        stock = _text(dye.get("/portal/stock", headers=HTML).text)
        forecast = _text(dye.get("/portal/forecast", headers=HTML).text)
    assert "Tinturaria (factory) (FAC-DYE)" in stock
    assert "RAW-CANVAS Raw canvas 1 m 1 0" in stock
    assert "M-DYE · Colour" in forecast and "TEE" not in forecast


# --- QC, certificates, carbon ------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test certificate\n"


def _upload(client: TestClient, path: str, fields: dict[str, str], files: list[Any]) -> Any:
    data = {"csrf_token": client.csrf, **fields}  # type: ignore[attr-defined]
    return client.post(path, data=data, files=files, headers=HTML, follow_redirects=False)


def test_a_supplier_records_qc_results_with_photos_and_answers_a_video_spot_check(
    world: Engine, dye: TestClient, make_uow: UowFactory
) -> None:
    empty = _text(dye.get("/portal/qc", headers=HTML).text)
    assert "No QC records yet." in empty and "No spot check is waiting for you." in empty
    job_id = _dye_job(world)
    with make_uow(actor="user:quality@brand") as uow:
        check = spot_checks.request_spot_check(
            uow, supplier="DYE-PT", job_id=job_id, reason="colour drift", video=True, now=NOW
        )
        uow.commit()
    from_job = dye.get(f"/portal/qc?subject=JOB-{job_id}", headers=HTML).text
    assert f'value="JOB-{job_id}"' in from_job
    asked = _text(dye.get(f"/portal/qc?spot_check={check.number}", headers=HTML).text)
    assert f"{check.number} · job {job_id} video clip needed" in asked
    # a pass with a photo
    fields = {"kind": "qc_result", "subject": f"JOB-{job_id}", "result": "pass",
              "accepted": "2", "rejected": "", "reason": ""}  # fmt: skip
    done = _upload(dye, "/portal/qc", fields, [("files", ("vat 1.png", PNG, "image/png"))])
    assert (done.status_code, done.headers["location"]) == (303, "/portal/qc?done=qc")
    # the spot check without its clip is refused, nothing written; with it, answered
    answer = {**fields, "kind": "spot_check", "spot_check": check.number}
    refused = _upload(dye, "/portal/qc", answer, [("files", ("a.png", PNG, "image/png"))])
    assert refused.status_code == 422
    assert f"spot check {check.number} asks for a video clip" in _text(refused.text)
    assert 'id="files-error"' in refused.text and f'value="JOB-{job_id}"' in refused.text
    clip = [("files", ("a.png", PNG, "image/png")), ("files", ("bath.mp4", MP4, "video/mp4"))]
    assert _upload(dye, "/portal/qc", answer, clip).status_code == 303
    with _scoped(world, "DYE-PT") as uow:
        records = qc.list_qc_records(uow)
        head = qc.chain_head(uow, "DYE-PT")
        (answered,) = spot_checks.list_spot_checks(uow)
    assert [(r.seq, r.kind, len(r.files)) for r in records] == [(2, "spot_check", 2),
                                                                 (1, "qc_result", 1)]  # fmt: skip
    assert (answered.status, answered.qc_record_id) == ("answered", records[0].id)
    page = dye.get("/portal/qc", headers=HTML)
    assert head.hash in page.text and "No spot check is waiting for you." in _text(page.text)
    photo = records[1].files[0]
    got = dye.get(f"/portal/files/{photo.id}")
    assert (got.status_code, got.content) == (200, PNG)
    assert got.headers["content-disposition"] == 'attachment; filename="vat 1.png"'
    # a result other than pass needs a reason: shown next to its field
    failed = _upload(dye, "/portal/qc", {**fields, "result": "fail"}, [])
    assert failed.status_code == 422 and 'id="reason-error"' in failed.text


def test_certificates_and_carbon_are_posted_from_the_portal(world: Engine, dye: TestClient) -> None:
    assert "No certificates recorded." in _text(dye.get("/portal/certificates", headers=HTML).text)
    assert "No carbon figures yet." in _text(dye.get("/portal/carbon", headers=HTML).text)
    until = (NOW + timedelta(days=400)).date().isoformat()
    no_file = _upload(dye, "/portal/certificates", {"name": "GOTS", "valid_until": until}, [])
    assert no_file.status_code == 422 and "attach the certificate" in no_file.text
    bad_day = _upload(dye, "/portal/certificates", {"name": "GOTS", "valid_until": "soon"},
                      [("file", ("gots.pdf", PDF, "application/pdf"))])  # fmt: skip
    assert bad_day.status_code == 422 and 'id="valid_until-error"' in bad_day.text
    saved = _upload(dye, "/portal/certificates", {"name": "GOTS", "valid_until": until},
                    [("file", ("gots.pdf", PDF, "application/pdf"))])  # fmt: skip
    assert saved.status_code == 303
    listed = _text(dye.get("/portal/certificates", headers=HTML).text)
    assert "GOTS" in listed and "days left" in listed and "gots.pdf" in listed
    bad = _upload(
        dye, "/portal/carbon", {"item": "", "kg_co2e_per_unit": "-1", "as_of": "2026-11-01"}, []
    )
    assert bad.status_code == 422 and 'id="kg_co2e_per_unit-error"' in bad.text
    for item, kg in (("", "1.8"), ("M-DYE", "2.4")):
        figure = {"item": item, "kg_co2e_per_unit": kg, "as_of": "2026-11-01"}
        posted = _upload(dye, "/portal/carbon", figure, [])
        assert posted.status_code == 303, posted.text
    shown = _text(dye.get("/portal/carbon", headers=HTML).text)
    assert "Default (every item) 1.8" in shown and "M-DYE 2.4" in shown


# --- suggestions and files ---------------------------------------------------------------------


def test_a_supplier_submits_a_suggestion_and_sees_its_status(
    world: Engine, dye: TestClient, make_uow: UowFactory
) -> None:
    assert "No suggestions yet." in _text(dye.get("/portal/suggestions", headers=HTML).text)
    bad = _post(dye, "/portal/suggestions", title="Recycled tape", description="Use it",
                expected_saving="lots")  # fmt: skip
    assert bad.status_code == 422 and 'id="expected_saving-error"' in bad.text
    assert 'value="Recycled tape"' in bad.text
    sent = _post(dye, "/portal/suggestions", title="Recycled tape", description="Use it",
                 expected_saving="1200", evidence="trial",
                 expected_lead_time_change_days="-2")  # fmt: skip
    assert sent.status_code == 303
    with make_uow(actor="user:buyer@brand") as uow:
        (mine,) = suggestions.list_suggestions(uow)
        suggestions.decide_suggestion(uow, mine.number, "accept", recorded_value="900", now=NOW)
        uow.commit()
    shown = _text(dye.get("/portal/suggestions", headers=HTML).text)
    assert f"{mine.number} · Recycled tape accepted" in shown and "2 days faster" in shown
    assert "Value recorded 900.00 EUR" in shown


def test_files_the_brand_shares_are_listed_and_downloaded_only_by_their_supplier(
    world: Engine, database_url: str, dye: TestClient, make_uow: UowFactory, tmp_path: Path
) -> None:
    assert "No files shared with you yet." in _text(dye.get("/portal/files", headers=HTML).text)
    job_id = _dye_job(world)
    store = files.FileStore(tmp_path / "files")
    with make_uow(actor="user:buyer@brand") as uow:
        files.attach_to_job(uow, store, job_id, files.Upload("dye recipe.pdf", PDF),
                            kind="process", note="bath at 60 C", now=NOW)  # fmt: skip
        uow.commit()
    listed = _text(dye.get("/portal/files", headers=HTML).text)
    assert "dye recipe.pdf" in listed and f"job {job_id}" in listed and "bath at 60 C" in listed
    assert "dye recipe.pdf" in dye.get(f"/portal/jobs/{job_id}", headers=HTML).text
    with make_uow(write=False) as uow:
        (shared,) = files.list_shared_files(uow)
    assert dye.get(f"/portal/files/{shared.file.id}").content == PDF
    with _portal(world, database_url, tmp_path, "ENGR-ES") as other:
        assert other.get(f"/portal/files/{shared.file.id}", headers=HTML).status_code == 404
        assert "No files shared" in _text(other.get("/portal/files", headers=HTML).text)
    assert dye.get("/portal/files/abc", headers=HTML).status_code == 404


NASTY = ("1e30", "-1", "NaN", "Infinity", "9" * 40, "x" * 3000, "a\x00b", "0.0000001", "")


def test_no_form_breaks_on_extreme_values_and_a_brand_user_gets_the_403_page(
    world: Engine, dye: TestClient, make_uow: UowFactory, database_url: str, tmp_path: Path
) -> None:
    job_id = _dye_job(world)
    with make_uow() as uow:
        jobs.release_job(uow, job_id, now=NOW)
        jobs.start_job(uow, job_id, now=NOW)
        uow.commit()
    forms = {
        f"/portal/jobs/{job_id}/progress": ("progress.step", "progress.quantity", "progress.scrap"),
        f"/portal/jobs/{job_id}/delay": ("delay.days", "delay.reason"),
        "/portal/qc": ("subject", "accepted", "rejected", "reason", "result", "spot_check"),
        "/portal/certificates": ("name", "valid_until"),
        "/portal/carbon": ("item", "kg_co2e_per_unit", "as_of"),
        "/portal/suggestions": ("title", "description", "expected_saving",
                                "expected_lead_time_change_days"),
    }  # fmt: skip
    for path, names in forms.items():
        for value in NASTY:
            fields = {name: value for name in names}
            answer = _post(dye, path, **fields)
            assert answer.status_code in (303, 422), (path, value[:20], answer.status_code)
    # the job was not finished by any of it, and a finish beyond the job is refused
    over = _post(dye, f"/portal/jobs/{job_id}/finish", **{"finish.quantity": "1e30"})
    assert over.status_code == 422
    # nothing about it reaches a session without the CSRF token, or a brand user
    assert dye.post(f"/portal/jobs/{job_id}/finish", headers=HTML).status_code == 403
    with make_uow(write=False) as uow:
        assert jobs.show_job(uow, job_id).job.status.value == "started"
    brand = make_user(world, "planner")
    settings = Settings(database_url=database_url, outbox_worker=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        client.post("/login", data={"email": brand, "password": PASSWORD})
        refused = client.get("/portal/forecast", headers=HTML)
    assert refused.status_code == 403 and "Not for this account" in refused.text
