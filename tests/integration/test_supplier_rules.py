"""Rules that act, through the services on both databases: late deliveries cut a supplier's
allocation weight and raise a review, a low on-time rate puts it under closer monitoring with a
spot check, certificates alert and remove, a single-source item is flagged with its nearest
qualified alternative; runs are idempotent; people decide; spot checks are requested, answered
and scoped to their supplier; items' certificate requirements; the CLI and the routes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from flexchain.adapters.db.supplier_rules import SqlSupplierRulesStore
from flexchain.adapters.db.tables import AuditRow, ItemRow, ProductionJobRow, SupplierRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import IllegalTransition, NotFound, ValidationError
from flexchain.domain.supplier_rules import Firing, Rule, RuleSettings
from flexchain.entrypoints.api import create_app
from flexchain.services import item_certificates, purchase_orders, receiving, spot_checks
from flexchain.services import supplier_rules as service
from flexchain.services.imports import import_rows
from tests.auth import bearer
from tests.integration.test_cli import flexchain_cli

UowFactory = Callable[..., UnitOfWork]
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
TODAY = NOW.date()
SETTINGS = RuleSettings(on_time_min_deliveries=3)

WORLD: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {"code": "KNIT-PT", "name": "Malhas Porto", "tier": "A", "country": "PT",
         "latitude": "41.15", "longitude": "-8.61", "process": "sewing", "capacity_per_day": 100,
         "certifications": f"GOTS {TODAY + timedelta(days=10)}"},
        {"code": "SEW-ES", "name": "Costura Madrid", "tier": "A", "country": "ES",
         "latitude": "40.42", "longitude": "-3.70", "process": "sewing", "capacity_per_day": 80,
         "lead_time_mean_days": 12, "certifications": "GOTS 2028-01-31"},
        {"code": "SEW-MA", "name": "Couture Tanger", "tier": "B", "country": "MA",
         "latitude": "35.76", "longitude": "-5.83", "process": "sewing", "capacity_per_day": 200},
        {"code": "CAP-IT", "name": "Cappelli", "tier": "B", "country": "IT",
         "certifications": f"OEKO {TODAY - timedelta(days=5)}"},
    ],
    "items": [
        {"sku": "TEE", "name": "Organic tee", "kind": "raw", "attributes": "process=sewing"},
        {"sku": "CAP", "name": "Cap", "kind": "raw"},
    ],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
    "item-suppliers": [
        {"item_sku": "TEE", "supplier_code": "KNIT-PT", "unit_price": "40.00",
         "lead_time_days": 20},
        {"item_sku": "CAP", "supplier_code": "CAP-IT", "unit_price": "3.00"},
    ],
}  # fmt: skip


def run(make_uow: UowFactory, action: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with make_uow(actor=kw.pop("actor", "user:buyer@brand.example")) as uow:
        result = action(uow, *args, **kw)
        uow.commit()
    return result


def _po(make_uow: UowFactory, due: date, *, received: date | None) -> str:
    """A PO of 100 TEE at KNIT-PT due ``due``, issued 10 days before it, received in full on
    ``received`` (None: still open)."""
    issued = datetime.combine(due - timedelta(days=10), datetime.min.time(), UTC)
    po = run(make_uow, purchase_orders.create_po, supplier="KNIT-PT", now=issued,
             lines=[{"item": "TEE", "quantity": 100, "due_date": due}])  # fmt: skip
    run(make_uow, purchase_orders.issue_po, po.number, now=issued)
    if received is not None:
        at = datetime.combine(received, datetime.min.time(), UTC)
        run(make_uow, receiving.receive_po, po.number, {1: 100}, now=at)
    return str(po.number)


@pytest.fixture
def world(make_uow: UowFactory) -> UowFactory:
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"rules {kind}")
        uow.commit()
    run(make_uow, item_certificates.require_certificate, "TEE", "GOTS", now=NOW)
    run(make_uow, item_certificates.require_certificate, "CAP", "OEKO", market="eu", now=NOW)
    # three deliveries in a row later than promised (2, 3 and 1 days), and one still open
    for due, days in ((date(2026, 10, 1), 2), (date(2026, 10, 15), 3), (date(2026, 11, 2), 1)):
        _po(make_uow, due, received=due + timedelta(days=days))
    _po(make_uow, date(2026, 12, 5), received=None)
    return make_uow


def _by_rule(found: Any) -> dict[str, Any]:
    return {f.rule: f for f in found}


def test_a_run_fires_each_rule_applies_its_action_and_says_why(world: UowFactory) -> None:
    # when the rules run
    result = run(world, service.run_rules, now=NOW, settings=SETTINGS)
    fired = _by_rule(result.fired)
    # then every rule fired once, with why, what was done and what to decide (check-ins are
    # judged once a supplier is monitored: from the next run)
    assert set(fired) == {r.value for r in Rule} - {"checkin_overdue"}
    delays = fired["delivery_delays"]
    assert delays.supplier == "KNIT-PT" and delays.status == "open"
    assert "last 3 deliveries in a row" in delays.why and "2 days late" in delays.why
    assert delays.action.startswith("allocation weight in sourcing cut from 1 to 0.5")
    assert "restore" in delays.decision
    on_time = fired["on_time_rate"]
    assert "0 of 3 deliveries on time" in on_time.why
    expiring = fired["certificate_expiring"]
    assert expiring.supplier == "KNIT-PT" and "10 days left" in expiring.why
    assert "leaves sourcing for TEE" in expiring.action
    expired = fired["certificate_expired"]
    assert expired.supplier == "CAP-IT"
    assert expired.action == "CAP-IT is out of sourcing for CAP until a valid OEKO is recorded"
    single = fired["single_source"]
    assert (single.item, single.supplier) == ("TEE", "KNIT-PT")
    assert "16000 EUR" in single.why  # 4 POs x 100 x 40.00 issued in the last 365 days
    # SEW-ES runs sewing with GOTS; SEW-MA runs it without: not qualified
    assert [a["supplier"] for a in single.figures["alternatives"]] == ["SEW-ES"]
    assert single.figures["alternatives"][0]["via"] == "sewing capability"
    # and the actions: weight cut, monitoring on, a spot check of the open PO with video
    with world(write=False) as uow:
        policy = service.supplier_policy(uow, "KNIT-PT")
        adjust = service.sourcing_adjustments(uow, at=NOW)
    assert policy.allocation_weight == Decimal("0.5") and policy.monitoring
    assert (policy.checkin_interval_days, policy.spot_checks_per_week) == (2, 2)
    assert adjust.weights == {"KNIT-PT": Decimal("0.5")}
    assert adjust.required_certificates == {"TEE": frozenset({"GOTS"}), "CAP": frozenset({"OEKO"})}
    (check,) = result.spot_checks
    assert (check.supplier, check.po_number, check.video_requested) == (
        "KNIT-PT", "PO-000004", True)  # fmt: skip
    assert check.due_by == NOW + timedelta(hours=48) and check.reason.startswith("closer")
    assert result.open == 5


def test_a_second_run_fires_nothing_new_and_an_open_key_cannot_be_raised_twice(
    world: UowFactory,
) -> None:
    first = run(world, service.run_rules, now=NOW, settings=SETTINGS)
    # when the rules run again the next day
    again = run(world, service.run_rules, now=NOW + timedelta(days=1), settings=SETTINGS)
    # then nothing new fires, nothing more is cut or requested
    assert again.fired == () and again.spot_checks == () and again.open == first.open
    with world(write=False) as uow:
        assert service.supplier_policy(uow, "KNIT-PT").allocation_weight == Decimal("0.5")
    # and the store refuses a second open firing of the same key (a concurrent run)
    with world() as uow:
        store = SqlSupplierRulesStore(uow)
        twin = Firing(Rule.SINGLE_SOURCE, first.fired[0].key, None, None, "w", "a", "d")
        assert store.add_firing(twin, supplier_id=None, item_id=None, at=NOW) is None


def test_decisions_restore_the_weight_end_monitoring_and_are_audited(world: UowFactory) -> None:
    fired = _by_rule(run(world, service.run_rules, now=NOW, settings=SETTINGS).fired)
    later = NOW + timedelta(hours=2)
    # when a buyer restores the weight and ends the monitoring
    done = run(world, service.decide_firing, fired["delivery_delays"].id, decision="restore",
               note="dye house flood, solved", now=later)  # fmt: skip
    run(world, service.decide_firing, fired["on_time_rate"].id, decision="end_monitoring",
        now=later)  # fmt: skip
    dismissed = run(world, service.decide_firing, fired["single_source"].id, decision="dismiss",
                    now=later)  # fmt: skip
    # then the firing is closed with who, when and the note, and the policy is back
    assert (done.status, done.decided_by, done.decision_note) == (
        "decided", "user:buyer@brand.example", "dye house flood, solved")  # fmt: skip
    assert done.decided_at == later and dismissed.status == "dismissed"
    with world(write=False) as uow:
        policy = service.supplier_policy(uow, "KNIT-PT")
        assert service.sourcing_adjustments(uow, at=later).weights == {}
        assert [f.rule for f in service.list_firings(uow, status="open")] == [
            "certificate_expiring",
            "certificate_expired",
        ]  # fmt: skip  (newest first)
        audited = uow.session.scalar(
            select(func.count()).select_from(AuditRow).where(AuditRow.entity == "rule_firing")
        )
    assert policy.allocation_weight == 1 and not policy.monitoring
    assert audited == 5 + 3  # fired, decided
    # and a decided firing takes no second decision; a wrong one is refused with the rule's list
    with pytest.raises(IllegalTransition, match="the firing is decided"):
        run(world, service.decide_firing, done.id, decision="keep", now=later)
    with pytest.raises(ValidationError, match="certificate_expiring firing takes keep, dismiss"):
        run(world, service.decide_firing, fired["certificate_expiring"].id, decision="restore",
            now=later)  # fmt: skip
    with pytest.raises(NotFound, match="no rule firing 999"):
        run(world, service.decide_firing, 999, decision="keep", now=later)
    # and the next run does not judge the deliveries the decision covered again
    again = run(world, service.run_rules, now=later + timedelta(days=1), settings=SETTINGS)
    assert again.fired == ()


def test_closer_monitoring_checks_the_open_job_and_asks_for_check_ins(world: UowFactory) -> None:
    # given a job KNIT-PT started a day ago (jobs come from orders; here it is written directly)
    with world() as uow:
        supplier = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == "KNIT-PT"))
        item = uow.session.scalar(select(ItemRow.id).where(ItemRow.sku == "TEE"))
        job = ProductionJobRow(item_id=item, supplier_id=supplier, process="sewing",
                               quantity=Decimal(50), status="started",
                               started_at=NOW - timedelta(days=1))  # fmt: skip
        uow.session.add(job)
        uow.session.flush()
        job_id = job.id
        uow.commit()
    # when the rules put KNIT-PT under closer monitoring, its spot check looks at the job
    first = run(world, service.run_rules, now=NOW, settings=SETTINGS)
    assert [(c.job_id, c.po_number) for c in first.spot_checks] == [(job_id, None)]
    # and a check-in is due every 2 days: at 2 days of silence nothing, past it a task, once
    at = run(world, service.run_rules, now=NOW + timedelta(days=1), settings=SETTINGS)
    past = run(world, service.run_rules, now=NOW + timedelta(days=1, hours=1), settings=SETTINGS)
    again = run(world, service.run_rules, now=NOW + timedelta(days=2), settings=SETTINGS)
    assert at.fired == () and again.fired == ()
    (checkin,) = past.fired
    assert (checkin.rule, checkin.supplier) == ("checkin_overdue", "KNIT-PT")
    assert f"job {job_id} has no report since" in checkin.why and "(49 hours)" in checkin.why


def test_spot_checks_are_requested_answered_and_scoped_to_their_supplier(
    world: UowFactory, engine: Any
) -> None:
    # given an open job-less world: only KNIT-PT has open work (its open PO)
    picks = run(world, spot_checks.request_spot_checks, count=3, now=NOW, seed=7)
    assert [(p.supplier, p.po_number, p.number) for p in picks] == [
        ("KNIT-PT", "PO-000004", "SPC-000001")]  # fmt: skip
    # one a supplier a day: asking again today finds no one
    assert run(world, spot_checks.request_spot_checks, count=3, now=NOW, seed=8) == []
    manual = run(world, spot_checks.request_spot_check, supplier="SEW-ES", reason="new stitch",
                 now=NOW)  # fmt: skip
    assert (manual.number, manual.video_requested, manual.status) == (
        "SPC-000002", False, "requested")  # fmt: skip
    with pytest.raises(NotFound, match="SEW-ES has no purchase order PO-000001"):
        run(world, spot_checks.request_spot_check, supplier="SEW-ES", po_number="PO-000001",
            reason="x", now=NOW)  # fmt: skip
    # a supplier's user sees and answers its own only
    with world(write=False) as uow:
        sew = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == "SEW-ES"))
    scoped = UnitOfWork(engine, actor="user:sew@es.example", supplier_scope=sew)
    with scoped as uow:
        assert [s.number for s in spot_checks.list_spot_checks(uow)] == ["SPC-000002"]
        with pytest.raises(NotFound, match="no spot check SPC-000001"):
            spot_checks.answer_spot_check(uow, "SPC-000001", qc_record_id=1, now=NOW)
        answered = spot_checks.answer_spot_check(uow, "SPC-000002", qc_record_id=42, now=NOW)
        uow.commit()
    assert (answered.status, answered.qc_record_id, answered.answered_at) == (
        "answered", 42, NOW)  # fmt: skip
    with pytest.raises(IllegalTransition, match="SPC-000002 is answered"):
        run(world, spot_checks.answer_spot_check, "SPC-000002", qc_record_id=43, now=NOW)
    with world(write=False) as uow:
        assert [s.number for s in spot_checks.list_spot_checks(uow, status="requested")] == [
            "SPC-000001"]  # fmt: skip
    # a withdrawn request no longer counts: KNIT-PT may be asked again today
    gone = run(world, spot_checks.cancel_spot_check, "SPC-000001", reason="PO shipped", now=NOW)
    assert gone.status == "cancelled"
    with pytest.raises(IllegalTransition, match="SPC-000001 is cancelled: it cannot be cancelled"):
        run(world, spot_checks.cancel_spot_check, "SPC-000001", reason="again", now=NOW)
    (asked,) = run(world, spot_checks.request_spot_checks, count=3, now=NOW, seed=7)
    assert (asked.supplier, asked.number) == ("KNIT-PT", "SPC-000003")


def test_item_certificate_requirements(world: UowFactory) -> None:
    again = run(world, item_certificates.require_certificate, "TEE", "GOTS", now=NOW)
    assert again == item_certificates.ItemCertificateView("TEE", "GOTS", "*")
    run(world, item_certificates.require_certificate, "TEE", "CE RED", market="US", now=NOW)
    with world(write=False) as uow:
        listed = item_certificates.list_item_certificates(uow, "TEE")
    assert [(c.certificate, c.market) for c in listed] == [("CE RED", "US"), ("GOTS", "*")]
    run(world, item_certificates.unrequire_certificate, "TEE", "CE RED", market="us", now=NOW)
    with pytest.raises(NotFound, match="TEE does not require CE RED for market US"):
        run(world, item_certificates.unrequire_certificate, "TEE", "CE RED", market="US", now=NOW)
    with pytest.raises(NotFound, match="unknown item 'NOPE'"):
        run(world, item_certificates.require_certificate, "NOPE", "GOTS", now=NOW)
    with pytest.raises(ValidationError, match="market"):
        run(world, item_certificates.require_certificate, "TEE", "GOTS", market="E U", now=NOW)


def test_cli_runs_lists_and_decides(world: UowFactory, database_url: str) -> None:
    code, out, err = flexchain_cli(database_url, "suppliers", "rules", "run", "--today",
                                   str(TODAY), "--json")  # fmt: skip
    assert code == 0, err
    fired = json.loads(out)["fired"]  # 3 deliveries: too few to judge the on-time rate (5)
    assert {f["rule"] for f in fired} == {r.value for r in Rule} - {
        "on_time_rate", "checkin_overdue"}  # fmt: skip
    code, out, _ = flexchain_cli(database_url, "suppliers", "rules", "list", "--status", "open")
    assert code == 0 and "delivery_delays" in out and "to decide:" in out
    firing = next(f["id"] for f in fired if f["rule"] == "delivery_delays")
    decide = ("suppliers", "rules", "decide", str(firing))
    code, out, _ = flexchain_cli(database_url, *decide, "keep", "--note", "watch it")
    assert code == 0 and "decided by cli:" in out and "watch it" in out
    code, _, err = flexchain_cli(database_url, *decide, "keep")
    assert code == 1 and "only an open firing is decided" in err
    code, out, _ = flexchain_cli(database_url, "suppliers", "rules", "policy", "KNIT-PT")
    assert code == 0 and "KNIT-PT: allocation weight 0.5, not monitored" in out
    # the reason is the last change's, not read as the monitoring's
    assert "; last change: KNIT-PT's last 3 deliveries" in " ".join(out.split())
    code, out, _ = flexchain_cli(database_url, "suppliers", "require-certificate", "CAP", "GOTS",
                                 "--market", "EU", "--json")  # fmt: skip
    assert code == 0 and json.loads(out)["market"] == "EU"
    code, out, _ = flexchain_cli(database_url, "suppliers", "required-certificates", "CAP")
    assert code == 0 and "GOTS" in out and "OEKO" in out
    ask = ("--supplier", "SEW-ES", "--reason", "seams", "--json")
    code, out, err = flexchain_cli(database_url, "suppliers", "spot-checks", "request", *ask)
    assert code == 0 and json.loads(out)["supplier"] == "SEW-ES", err
    code, out, _ = flexchain_cli(database_url, "suppliers", "spot-checks", "list", "--json")
    assert [s["supplier"] for s in json.loads(out)] == ["SEW-ES"]


def test_routes(world: UowFactory, engine: Any, database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    buyer, viewer = bearer(engine, "buyer"), bearer(engine, "viewer")
    with TestClient(app) as client:
        ran = client.post("/suppliers/rules/run", params={"today": str(TODAY)}, headers=buyer)
        assert ran.status_code == 200, ran.text
        listed = client.get("/suppliers/rule-firings", params={"status": "open"}, headers=viewer)
        firing = next(f for f in listed.json() if f["rule"] == "delivery_delays")
        assert client.post(f"/suppliers/rule-firings/{firing['id']}/decide", headers=viewer,
                           json={"decision": "keep"}).status_code == 403  # fmt: skip
        decided = client.post(f"/suppliers/rule-firings/{firing['id']}/decide", headers=buyer,
                              json={"decision": "restore", "note": "ok"})  # fmt: skip
        assert decided.status_code == 200 and decided.json()["status"] == "decided"
        again = client.post(f"/suppliers/rule-firings/{firing['id']}/decide", headers=buyer,
                            json={"decision": "restore"})  # fmt: skip
        assert again.status_code == 422 and "only an open firing" in again.json()["detail"]
        asked = {"supplier": "SEW-ES", "reason": "seams", "video": True}
        spot = client.post("/suppliers/spot-checks", headers=buyer, json=asked)
        assert spot.status_code == 200 and spot.json()["number"].startswith("SPC-")
        assert client.post("/suppliers/spot-checks", headers=buyer, json={}).status_code == 422
        # a supplier's user lists its own spot checks only; another's code is unknown to it
        sew, knit = bearer(engine, "supplier", supplier="SEW-ES"), bearer(
            engine, "supplier", supplier="KNIT-PT")  # fmt: skip
        assert {c["supplier"] for c in client.get("/suppliers/spot-checks", headers=sew).json()
                } == {"SEW-ES"}  # fmt: skip
        assert client.get("/suppliers/spot-checks", headers=knit).json() == []
        other = client.get("/suppliers/spot-checks", params={"supplier": "SEW-ES"}, headers=knit)
        assert other.status_code == 404 and other.json() == {"detail": "unknown supplier 'SEW-ES'"}
        assert client.get("/suppliers/rule-firings", headers=sew).status_code == 403
        mine = client.get("/suppliers/KNIT-PT/policy", headers=knit)
        assert mine.status_code == 200 and mine.json()["allocation_weight"] == "1"  # restored
        assert client.get("/suppliers/KNIT-PT/policy", headers=sew).status_code == 404
        number = spot.json()["number"]
        cancelled = client.post(f"/suppliers/spot-checks/{number}/cancel", headers=buyer,
                                json={"reason": "not needed"})  # fmt: skip
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        missing = client.post("/suppliers/spot-checks/SPC-999999/cancel", headers=buyer,
                              json={"reason": "x"})  # fmt: skip
        assert missing.status_code == 404
        certs = client.post("/items/TEE/certificates", headers=buyer,
                            json={"certificate": "CE", "market": "EU"})  # fmt: skip
        assert certs.status_code == 200
        got = client.get("/items/TEE/certificates", headers=viewer).json()
        assert {(c["certificate"], c["market"]) for c in got} == {("CE", "EU"), ("GOTS", "*")}
        assert client.get("/items/NOPE/certificates", headers=viewer).status_code == 404
