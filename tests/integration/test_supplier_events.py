"""Supplier events through the services, on both databases: suggestions submitted by a supplier
and decided once by the brand; samples delivered before inspection; health data imported all or
nothing; PO change requests within +/-30 % that change the order line when accepted or re-dated;
supplier scoping; the audit trail; the commands and the routes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from flexchain.adapters.db.tables import PurchaseOrderLineRow, SupplierRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import IllegalTransition, NotFound, ValidationError
from flexchain.entrypoints.api import create_app
from flexchain.services import (
    audit,
    po_changes,
    purchase_orders,
    receiving,
    samples,
    suggestions,
    supplier_health,
)
from flexchain.services.imports import ImportFailed, import_rows
from tests.auth import bearer

UowFactory = Callable[..., UnitOfWork]
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)

WORLD: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {"code": "FAB-PT", "name": "Tecidos Lda", "tier": "S", "country": "PT"},
        {"code": "FAB-IT", "name": "Tessuti SpA", "tier": "A", "country": "IT"},
    ],
    "items": [{"sku": "FABRIC", "name": "Canvas fabric", "kind": "raw", "uom": "m"}],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
}


@pytest.fixture
def world(make_uow: UowFactory) -> UowFactory:
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"events {kind}")
        uow.commit()
    return make_uow


def _do(make_uow: UowFactory, action: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with make_uow(actor=kw.pop("actor", "tester")) as uow:
        result = action(uow, *args, now=kw.pop("now", NOW), **kw)
        uow.commit()
    return result


def _as_supplier(engine: Engine, supplier: str) -> UnitOfWork:
    with UnitOfWork(engine, write=False) as uow:
        scope = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == supplier))
    return UnitOfWork(engine, actor=f"user:{supplier}", supplier_scope=scope)


def _po(make_uow: UowFactory, supplier: str = "FAB-PT", quantity: int = 100) -> str:
    po = _do(make_uow, purchase_orders.create_po, supplier=supplier, lines=[
        {"item": "FABRIC", "quantity": quantity, "due_date": date(2026, 4, 1), "unit_price": "9"},
    ])  # fmt: skip
    return str(po.number)


def _line(make_uow: UowFactory, number: str) -> tuple[Any, ...]:
    with make_uow(write=False) as uow:
        row = uow.session.execute(
            select(
                PurchaseOrderLineRow.quantity,
                PurchaseOrderLineRow.due_date,
                PurchaseOrderLineRow.confirmed_quantity,
                PurchaseOrderLineRow.confirmed_date,
            ).where(PurchaseOrderLineRow.po_number == number)
        ).one()
    return tuple(row)


# -- suggestions ------------------------------------------------------------------------------


def test_a_supplier_suggests_and_the_brand_decides_once(world: UowFactory, engine: Engine) -> None:
    # given FAB-PT's user submitting a suggestion for itself
    with _as_supplier(engine, "FAB-PT") as uow:
        mine = suggestions.submit_suggestion(
            uow, title="Wider roll", description="Cut on 180 cm rolls", expected_saving="1200",
            lead_time_change_days=-2, evidence="trial 2026-02", item="FABRIC", currency="EUR",
            now=NOW,
        )  # fmt: skip
        uow.commit()
    assert (mine.number, mine.supplier, mine.status, mine.item) == (
        "SUG-000001", "FAB-PT", "submitted", "FABRIC",
    )  # fmt: skip
    # and the brand entering one for FAB-IT
    theirs = _do(world, suggestions.submit_suggestion, supplier="FAB-IT", title="Reuse cones",
                 description="Return yarn cones", currency="EUR")  # fmt: skip
    assert theirs.number == "SUG-000002"
    # then each supplier sees only its own, and the other's number does not exist for it
    with _as_supplier(engine, "FAB-PT") as uow:
        assert [s.number for s in suggestions.list_suggestions(uow)] == ["SUG-000001"]
        with pytest.raises(NotFound, match="no suggestion 'SUG-000002'"):
            suggestions.show_suggestion(uow, "SUG-000002")
        with pytest.raises(NotFound, match="unknown supplier 'FAB-IT'"):
            suggestions.submit_suggestion(uow, supplier="FAB-IT", title="x", description="y",
                                          currency="EUR", now=NOW)  # fmt: skip
        # and deciding is the brand's
        with pytest.raises(IllegalTransition, match="the brand's decision"):
            suggestions.decide_suggestion(uow, "SUG-000001", "accept", now=NOW)
    # when the brand accepts one with its recorded value and rejects the other with a reason
    accepted = _do(world, suggestions.decide_suggestion, "SUG-000001", "accept",
                   recorded_value="950.50", actor="user:buyer")  # fmt: skip
    rejected = _do(world, suggestions.decide_suggestion, "SUG-000002", "reject", note="no space")
    assert (accepted.status, accepted.recorded_value, accepted.decided_by) == (
        "accepted", Decimal("950.50"), "user:buyer",
    )  # fmt: skip
    assert (rejected.status, rejected.decision_note, rejected.recorded_value) == (
        "rejected", "no space", None,
    )  # fmt: skip
    # then neither can be decided again
    with pytest.raises(IllegalTransition, match="already accepted by user:buyer"):
        _do(world, suggestions.decide_suggestion, "SUG-000001", "reject", note="changed mind")
    with world(write=False) as uow:
        assert [s.number for s in suggestions.list_suggestions(uow, status="accepted")] == [
            "SUG-000001"
        ]
        trail = audit.list_entries(uow, entity="suggestion")
    assert sorted((e.key, e.action) for e in trail) == [
        ("SUG-000001", "accepted"), ("SUG-000001", "submitted"),
        ("SUG-000002", "rejected"), ("SUG-000002", "submitted"),
    ]  # fmt: skip
    (adopted,) = [e for e in trail if e.action == "accepted"]
    assert adopted.after == {"status": "accepted", "recorded_value": "950.5"}


def test_concurrent_suggestions_get_different_numbers(world: UowFactory) -> None:
    def submit(n: int) -> str:
        made = _do(world, suggestions.submit_suggestion, supplier="FAB-IT", title=f"idea {n}",
                   description="d", currency="EUR")  # fmt: skip
        return str(made.number)

    with ThreadPoolExecutor(4) as pool:
        numbers = sorted(pool.map(submit, range(6)))
    assert numbers == [f"SUG-{n:06d}" for n in range(1, 7)]


# -- samples ----------------------------------------------------------------------------------


def test_a_sample_is_requested_delivered_and_inspected(world: UowFactory, engine: Engine) -> None:
    asked = _do(world, samples.request_sample, "FAB-PT", description="organic jersey",
                item="FABRIC", due_by=date(2026, 3, 4))  # fmt: skip
    other = _do(world, samples.request_sample, "FAB-IT", description="linen")
    assert (asked.number, asked.status, asked.due_by) == (
        "SMP-000001",
        "requested",
        date(2026, 3, 4),
    )
    # a sample is delivered before it is inspected
    with pytest.raises(IllegalTransition, match="delivered before it is inspected"):
        _do(world, samples.inspect_sample, asked.number, "pass")
    # the supplier delivers its own, and cannot touch another's
    later = datetime(2026, 3, 3, 15, tzinfo=UTC)
    with _as_supplier(engine, "FAB-PT") as uow:
        with pytest.raises(NotFound, match="no sample 'SMP-000002'"):
            samples.deliver_sample(uow, other.number, now=later)
        delivered = samples.deliver_sample(uow, asked.number, note="sent by courier", now=later)
        uow.commit()
    assert (delivered.status, delivered.delivered_at, delivered.note) == (
        "delivered", later, "sent by courier",
    )  # fmt: skip
    inspected = _do(world, samples.inspect_sample, asked.number, "pass", note="fits")
    assert (inspected.status, inspected.first_article) == ("passed", "pass")
    assert inspected.note == "sent by courier\nfits"
    with pytest.raises(IllegalTransition, match="is passed: only a delivered sample"):
        _do(world, samples.inspect_sample, asked.number, "fail")
    cancelled = _do(world, samples.cancel_sample, other.number)
    assert cancelled.status == "cancelled"
    with world(write=False) as uow:
        assert [s.number for s in samples.list_samples(uow, supplier="FAB-PT")] == ["SMP-000001"]
        actions = [e.action for e in reversed(audit.list_entries(uow, entity="sample"))]
    assert actions == ["requested", "requested", "delivered", "inspected", "cancelled"]


# -- health -----------------------------------------------------------------------------------


def _csv(tmp_path: Path, text: str, name: str = "health.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_health_is_imported_all_or_nothing(world: UowFactory, tmp_path: Path) -> None:
    good = _csv(tmp_path, "supplier,as_of,financial_score,staff_turnover_pct,source,extra\n"
                "FAB-PT,2026-01-31,72.5,12,agency,x\nFAB-IT,2026-01-31,,30.25,,\n"
                "FAB-PT,2025-12-31,70,,agency,\n")  # fmt: skip
    report = _do(world, supplier_health.import_health_file, good)
    assert (report.rows, report.created, report.updated, report.ignored_columns) == (
        3, 3, 0, ("extra",),
    )  # fmt: skip
    # a file with bad rows names each one and writes nothing
    bad = _csv(tmp_path, "Supplier,As of,Financial score,Staff turnover pct\n"
               "FAB-PT,2026-02-28,101,5\nNOPE,2026-02-28,50,\nFAB-IT,28/02/2026,50,\n"
               "FAB-IT,2026-02-28,,\nFAB-PT,2026-01-31,80,\n", "bad.csv")  # fmt: skip
    with pytest.raises(ImportFailed) as failed:
        _do(world, supplier_health.import_health_file, bad)
    assert [str(e) for e in failed.value.errors] == [
        "bad.csv:2: financial_score: must be between 0 and 100, got 101",
        "bad.csv:3: supplier: unknown supplier 'NOPE'",
        "bad.csv:4: as_of: not a date: '28/02/2026' (use YYYY-MM-DD)",
        "bad.csv:5: financial_score: give a financial_score or a staff_turnover_pct (or both)",
    ]
    with world(write=False) as uow:
        assert len(supplier_health.list_health(uow)) == 3
    # an XLSX re-import replaces a day's figures, keeps what is unchanged
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["supplier", "as_of", "financial_score", "staff_turnover_pct", "source"])
    sheet.append(["FAB-PT", datetime(2026, 1, 31), 75, 12, "agency"])
    sheet.append(["FAB-PT", datetime(2025, 12, 31), 70, None, "agency"])
    book.save(tmp_path / "health.xlsx")
    again = _do(world, supplier_health.import_health_file, tmp_path / "health.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    with world(write=False) as uow:
        latest = supplier_health.list_health(uow, latest=True)
        trail = audit.list_entries(uow, entity="supplier_health")
    assert [(h.supplier, h.as_of, h.financial_score, h.staff_turnover_pct) for h in latest] == [
        ("FAB-IT", date(2026, 1, 31), None, Decimal("30.25")),
        ("FAB-PT", date(2026, 1, 31), Decimal(75), Decimal(12)),
    ]
    assert latest[0].source == "health.csv"  # a blank source: the file's name
    assert trail[0].before == {"financial_score": "72.5"} and trail[0].after == {
        "financial_score": "75"
    }


def test_a_supplier_reads_only_its_own_health_and_cannot_import(
    world: UowFactory, engine: Engine
) -> None:
    rows = [
        (1, {"supplier": "FAB-PT", "as_of": "2026-01-31", "financial_score": "60"}),
        (2, {"supplier": "FAB-IT", "as_of": "2026-01-31", "financial_score": "80"}),
    ]
    _do(world, supplier_health.import_health, rows)
    with _as_supplier(engine, "FAB-IT") as uow:
        assert [h.supplier for h in supplier_health.list_health(uow)] == ["FAB-IT"]
        with pytest.raises(IllegalTransition, match="importing health data is the brand's"):
            supplier_health.import_health(uow, rows, now=NOW)


# -- PO change requests -----------------------------------------------------------------------


def test_an_accepted_change_sets_the_line_and_the_band_is_kept(
    world: UowFactory, engine: Engine
) -> None:
    number = _po(world)
    # a draft's quantities are the buyer's to edit: no change request
    with pytest.raises(IllegalTransition, match="is draft: only a sent or confirmed"):
        _do(world, po_changes.request_change, number, 1, "120")
    _do(world, purchase_orders.issue_po, number)
    # beyond +/-30 % is refused up front, nothing is written
    with pytest.raises(ValidationError, match="change of \\+31 %: beyond the \\+/-30 % band"):
        _do(world, po_changes.request_change, number, 1, "131")
    with pytest.raises(ValidationError, match="purchase order PO-000001 has no line 2"):
        _do(world, po_changes.request_change, number, 2, "110")
    asked = _do(world, po_changes.request_change, number, 1, "120", note="presale went well")
    assert (asked.number, asked.old_quantity, asked.new_quantity, asked.change_pct) == (
        "CHG-000001", Decimal(100), Decimal(120), Decimal("0.2"),
    )  # fmt: skip
    with pytest.raises(IllegalTransition, match="already has the open change request CHG-000001"):
        _do(world, po_changes.request_change, number, 1, "110")
    assert _line(world, number)[0] == Decimal(100)  # nothing changes until the supplier answers
    # another supplier cannot see or answer it
    with _as_supplier(engine, "FAB-IT") as uow:
        assert po_changes.list_changes(uow) == []
        with pytest.raises(NotFound, match="no change request 'CHG-000001'"):
            po_changes.answer_change(uow, "CHG-000001", "accepted", now=NOW)
    # when the supplier accepts
    with _as_supplier(engine, "FAB-PT") as uow:
        with pytest.raises(IllegalTransition, match="the brand's decision"):
            po_changes.request_change(uow, number, 1, "110", now=NOW)
        answered = po_changes.answer_change(uow, "CHG-000001", "accepted", now=NOW)
        uow.commit()
    # then the line takes the new quantity, and the order's trail says so
    assert (answered.status, answered.answered_by) == ("accepted", "user:FAB-PT")
    assert _line(world, number)[:2] == (Decimal(120), date(2026, 4, 1))
    with pytest.raises(IllegalTransition, match="is accepted: only an open request"):
        _do(world, po_changes.answer_change, "CHG-000001", "refused")
    with world(write=False) as uow:
        (entry,) = [e for e in audit.list_entries(uow, entity="purchase_order")
                    if e.action == "quantity_changed"]  # fmt: skip
        changes = audit.list_entries(uow, entity="po_change")
    assert (
        entry.before["line 1"]["quantity"] == "100" and entry.after["line 1"]["quantity"] == "120"
    )
    assert (entry.context["change"], entry.actor) == ("CHG-000001", "user:FAB-PT")
    assert [e.action for e in reversed(changes)] == ["requested", "accepted"]


def test_redated_moves_the_date_refused_keeps_the_line(world: UowFactory) -> None:
    number = _po(world)
    _do(world, purchase_orders.issue_po, number)
    _do(world, purchase_orders.confirm_po, number)
    _do(world, po_changes.request_change, number, 1, "70")
    with pytest.raises(ValidationError, match="re-dating change request CHG-000001 needs"):
        _do(world, po_changes.answer_change, "CHG-000001", "redated")
    redated = _do(world, po_changes.answer_change, "CHG-000001", "redated",
                  new_date=date(2026, 4, 8), po_number=number)  # fmt: skip
    assert (redated.status, redated.new_date) == ("redated", date(2026, 4, 8))
    # a confirmed line's confirmed figures move with it
    assert _line(world, number) == (Decimal(70), date(2026, 4, 8), Decimal(70), date(2026, 4, 8))
    _do(world, po_changes.request_change, number, 1, "90")
    refused = _do(world, po_changes.answer_change, "CHG-000002", "refused", note="no yarn")
    assert (refused.status, refused.note) == ("refused", "no yarn")
    assert _line(world, number)[0] == Decimal(70)
    _do(world, po_changes.request_change, number, 1, "80")
    with pytest.raises(NotFound, match="no change request 'CHG-000003' on purchase order 'PO-9'"):
        _do(world, po_changes.withdraw_change, "CHG-000003", po_number="PO-9")
    withdrawn = _do(world, po_changes.withdraw_change, "CHG-000003")
    assert withdrawn.status == "withdrawn"
    with world(write=False) as uow:
        listed = po_changes.list_changes(uow, po_number=number)
        with pytest.raises(NotFound, match="no purchase order 'PO-9'"):
            po_changes.list_changes(uow, po_number="PO-9")
    assert [(c.number, c.status) for c in listed] == [
        ("CHG-000003", "withdrawn"), ("CHG-000002", "refused"), ("CHG-000001", "redated"),
    ]  # fmt: skip


def test_a_change_never_goes_below_what_arrived(world: UowFactory) -> None:
    number = _po(world)
    _do(world, purchase_orders.issue_po, number)
    _do(world, purchase_orders.confirm_po, number)
    _do(world, po_changes.request_change, number, 1, "75")
    _do(world, receiving.receive_po, number, {1: "80"}, location="WH")
    # the request asked for less than has arrived since: accepting it is refused
    with pytest.raises(ValidationError, match="has received 80 since: more than the 75"):
        _do(world, po_changes.answer_change, "CHG-000001", "accepted")
    _do(world, po_changes.withdraw_change, "CHG-000001")
    with pytest.raises(ValidationError, match="75 is less than the 80 of FABRIC already received"):
        _do(world, po_changes.request_change, number, 1, "75")


# -- commands and routes ----------------------------------------------------------------------


def test_the_commands(
    world: UowFactory, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flexchain.entrypoints.cli.render import console
    from tests.integration.test_cli import flexchain_cli

    monkeypatch.setattr(console, "_width", 200)  # a terminal wide enough for every column

    def run(*args: str) -> Any:
        code, out, err = flexchain_cli(database_url, *args)
        assert code == 0, err
        return json.loads(out) if "--json" in args else out

    (made,) = run("suppliers", "suggestion", "add", "--supplier", "FAB-PT", "--title", "Wider",
                  "--description", "180 cm", "--saving", "1200", "--json")  # fmt: skip
    assert (made["number"], made["expected_saving"], made["currency"]) == (
        "SUG-000001",
        "1200",
        "EUR",
    )
    (adopted,) = run("suppliers", "suggestion", "accept", "SUG-000001", "--json")
    assert adopted["recorded_value"] == "1200"
    listed = run("suppliers", "suggestion", "list")
    assert "SUG-000001" in listed
    # times read as the other tables show them: to the minute, UTC (not ISO with microseconds)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d ", listed) and "+00:00" not in listed
    (sample,) = run("suppliers", "sample", "request", "--supplier", "FAB-IT", "--description",
                    "linen", "--due", "2099-01-01", "--json")  # fmt: skip
    delivered = run("suppliers", "sample", "deliver", sample["number"])
    assert re.search(r"\d\d:\d\d ", delivered) and "+00:00" not in delivered
    (passed,) = run(
        "suppliers", "sample", "inspect", sample["number"], "--result", "pass", "--json"
    )
    assert passed["status"] == "passed"
    path = tmp_path / "h.csv"
    path.write_text("supplier,as_of,financial_score\nFAB-IT,2026-01-31,64\n", encoding="utf-8")
    assert "1 rows, created 1" in run("suppliers", "health", "import", str(path))
    assert run("suppliers", "health", "list", "--json")[0]["financial_score"] == "64"
    number = _po(world)
    _do(world, purchase_orders.issue_po, number)
    (asked,) = run("po", "change", "request", number, "--line", "1", "--quantity", "110", "--json")
    assert asked["change_pct"] == "0.1"
    run("po", "change", "answer", asked["number"], "--answer", "redated", "--date", "2099-04-09")
    assert run("po", "change", "list", "--po", number, "--json")[0]["status"] == "redated"
    code, _, err = flexchain_cli(database_url, "po", "change", "request", number, "--line", "1",
                                 "--quantity", "200")  # fmt: skip
    assert code == 1 and "beyond the +/-30 % band" in err
    code, _, err = flexchain_cli(
        database_url, "suppliers", "health", "import", str(tmp_path / "no.csv")
    )
    assert code == 1 and "file not found" in err


@pytest.fixture
def api(world: UowFactory, engine: Engine, database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app, headers=bearer(engine, "buyer")) as client:
        yield client


def test_the_routes(api: TestClient, engine: Engine, world: UowFactory) -> None:
    supplier = bearer(engine, "supplier", supplier="FAB-PT")
    other = bearer(engine, "supplier", supplier="FAB-IT")
    # a supplier submits for itself; the brand decides; the supplier may not
    idea = {"title": "Wider", "description": "180 cm", "expected_saving": "500"}
    made = api.post("/suppliers/suggestions", headers=supplier, json=idea)
    assert made.status_code == 201, made.text
    assert made.json()["supplier"] == "FAB-PT"
    decision = {"decision": "accept", "recorded_value": "400"}
    assert api.post("/suppliers/suggestions/SUG-000001/decision", headers=supplier,
                    json=decision).status_code == 403  # fmt: skip
    assert api.get("/suppliers/suggestions/SUG-000001", headers=other).status_code == 404
    decided = api.post("/suppliers/suggestions/SUG-000001/decision", json=decision)
    assert decided.json()["recorded_value"] == "400"
    again = api.post("/suppliers/suggestions/SUG-000001/decision", json=decision)
    assert again.status_code == 422 and "decided once" in again.json()["detail"]
    # samples: the brand requests, the supplier delivers its own
    sample = api.post("/suppliers/samples", json={"supplier": "FAB-PT", "description": "jersey"})
    assert sample.status_code == 201, sample.text
    assert api.post("/suppliers/samples/SMP-000001/deliver", headers=other).status_code == 404
    assert api.post("/suppliers/samples/SMP-000001/deliver", headers=supplier).json()[
        "status"] == "delivered"  # fmt: skip
    assert api.post("/suppliers/samples/SMP-000001/inspect", headers=supplier,
                    json={"result": "pass"}).status_code == 403  # fmt: skip
    # health: imported by the brand, a bad row named by its position
    bad = api.post("/suppliers/health", json={"rows": [
        {"supplier": "FAB-PT", "as_of": "2026-01-31", "financial_score": "70"},
        {"supplier": "FAB-PT", "as_of": "2026-01-31", "financial_score": "-1"}]})  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["detail"] == "api:2: financial_score: must not be negative, got -1"
    assert api.get("/suppliers/health").json() == []
    # change requests: the buyer asks, the supplier answers its own
    number = _po(world)
    _do(world, purchase_orders.issue_po, number)
    asked = api.post(f"/purchase-orders/{number}/changes", json={"line": 1, "new_quantity": "130"})
    assert asked.status_code == 201, asked.text
    change = asked.json()["number"]
    answer = {"answer": "accepted"}
    assert api.post(f"/purchase-orders/{number}/changes/{change}/answer", headers=other,
                    json=answer).status_code == 404  # fmt: skip
    answered = api.post(f"/purchase-orders/{number}/changes/{change}/answer", headers=supplier,
                        json=answer)  # fmt: skip
    assert answered.status_code == 200, answered.text
    assert api.get(f"/purchase-orders/{number}").json()["lines"][0]["quantity"] == "130"
    assert [c["number"] for c in api.get("/suppliers/po-changes", headers=supplier).json()] == [
        change
    ]
    assert api.get("/suppliers/po-changes", headers=other).json() == []
    too_much = api.post(f"/purchase-orders/{number}/changes", json={"line": 1, "new_quantity": "1"})
    assert too_much.status_code == 422 and "band" in too_much.json()["detail"]
