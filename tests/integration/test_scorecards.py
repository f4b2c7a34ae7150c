"""Supplier scorecards from real events, on both databases: a November of POs confirmed and
re-dated, receipts on time and late, inspections with rejects, RFQs answered after 30 hours or
not at all, a volume change accepted, a sample, a suggestion adopted, a price against its index;
every figure equals the value computed by hand. Also: history, weights, and a supplier's user
sees only its own scorecard."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.tables import ItemRow, JobEventRow, ProductionJobRow, SupplierRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.cli.main import app
from flexchain.services import (
    fx,
    po_changes,
    price_watch,
    purchase_orders,
    receiving,
    rfqs,
    samples,
    scorecards,
    suggestions,
    supplier_health,
)
from flexchain.services.imports import import_rows
from tests.auth import bearer

UowFactory = Callable[..., UnitOfWork]
TODAY = date(2026, 11, 30)


def at(day: int, hour: int = 9, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


WORLD: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {"code": code, "name": name, "tier": "A", "country": "PT", "payment_terms_days": 30,
         "capabilities": [{"process": "weaving", "capacity_per_day": 400}]}
        for code, name in (("MILL-PT", "Tecidos"), ("MILL-IT", "Lanificio"))
    ],
    "items": [
        {"sku": "CANVAS", "name": "Canvas", "kind": "raw", "uom": "m"},
        {"sku": "THREAD", "name": "Thread", "kind": "raw", "uom": "m"},
    ],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
}  # fmt: skip


def _do(make_uow: UowFactory, action: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with make_uow(actor="buyer@brand.example") as uow:
        result = action(uow, *args, **kw)
        uow.commit()
    return result


def _po(make_uow: UowFactory, supplier: str, lines: list[tuple[str, int, date, str]],
        issued: datetime) -> str:  # fmt: skip
    view = _do(make_uow, purchase_orders.create_po, supplier=supplier, now=issued,
               lines=[{"item": i, "quantity": q, "due_date": d, "unit_price": p}
                      for i, q, d, p in lines])  # fmt: skip
    _do(make_uow, purchase_orders.issue_po, view.number, now=issued)
    return str(view.number)


def _november(make_uow: UowFactory) -> None:
    """The events of MILL-PT's November (and an October price to compare with)."""
    # October: canvas at 9.50, when the cotton index stood at 100
    _do(
        make_uow,
        price_watch.import_index_rows,
        [
            (1, {"index": "COTTON", "date": date(2026, 10, 1), "value": "100"}),
            (2, {"index": "COTTON", "date": date(2026, 11, 1), "value": "110"}),
        ],
        now=at(1, month=10),
    )
    _do(
        make_uow,
        price_watch.set_cost_model,
        "CANVAS",
        material="0.5",
        labour="0.5",
        indices={"material": "COTTON"},
        now=at(1, month=10),
    )
    old = _po(make_uow, "MILL-PT", [("CANVAS", 10, date(2026, 10, 20), "9.50")], at(5, month=10))
    _do(make_uow, receiving.receive_po, old, {1: 10}, now=at(20, month=10))
    # PO A sent on the 10th: canvas due the 16th; thread confirmed re-dated to the 20th
    a = _po(
        make_uow,
        "MILL-PT",
        [("CANVAS", 100, date(2026, 11, 16), "10.00"), ("THREAD", 50, date(2026, 11, 18), "2.00")],
        at(10),
    )
    _do(
        make_uow,
        purchase_orders.confirm_po,
        a,
        lines={1: (100, date(2026, 11, 16)), 2: (50, date(2026, 11, 20))},
        now=at(11),
    )
    # first pieces 96 h after sending: all the canvas, 30 m of thread; the rest on the 23rd
    first = _do(make_uow, receiving.receive_po, a, {1: 100, 2: 30}, now=at(14))
    second = _do(make_uow, receiving.receive_po, a, {2: 20}, now=at(23))
    _do(
        make_uow,
        receiving.inspect_receipt,
        first.number,
        1,
        accepted=95,
        rejected=5,
        reason="stain",
        now=at(14, 12),
    )
    _do(make_uow, receiving.inspect_receipt, first.number, 2, accepted=30, now=at(14, 12))
    _do(
        make_uow,
        receiving.inspect_receipt,
        second.number,
        2,
        accepted=18,
        rejected=2,
        reason="knots",
        now=at(23, 12),
    )
    # PO B sent on the 12th, due the 25th, never delivered; +20 % asked on the 13th, accepted
    b = _po(make_uow, "MILL-PT", [("CANVAS", 40, date(2026, 11, 25), "10.00")], at(12))
    change = _do(make_uow, po_changes.request_change, b, 1, 48, now=at(13))
    _do(make_uow, po_changes.answer_change, change.number, "accepted", now=at(13, 15))
    # RFQ-1 sent on the 3rd, answered 30 h later; RFQ-2 due back on the 8th, never answered
    for day, reply_by in ((3, None), (5, date(2026, 11, 8))):
        rfq = _do(
            make_uow,
            rfqs.create_rfq,
            suppliers=["MILL-PT"],
            reply_by=reply_by,
            lines=[{"item": "CANVAS", "quantity": 100, "need_date": date(2026, 12, 1)}],
            now=at(day, 8),
        )
        _do(make_uow, rfqs.send_rfq, rfq.number, now=at(day, 8))
        if reply_by is None:
            _do(
                make_uow,
                rfqs.submit_quote,
                rfq.number,
                line=1,
                unit_price="9.80",
                lead_time_days=10,
                valid_until=date(2026, 12, 31),
                supplier="MILL-PT",
                now=at(day + 1, 14),
            )
    # a sample asked on the 2nd, delivered 3 days later, its first article passed
    sample = _do(make_uow, samples.request_sample, "MILL-PT", description="canvas 12 oz", now=at(2))
    _do(make_uow, samples.deliver_sample, sample.number, now=at(5))
    _do(make_uow, samples.inspect_sample, sample.number, "pass", now=at(6))
    # a suggestion submitted on the 6th, adopted on the 9th at 1,200.00 a year
    idea = _do(
        make_uow,
        suggestions.submit_suggestion,
        supplier="MILL-PT",
        currency="EUR",
        title="Wider rolls",
        description="1.6 m rolls cut waste",
        now=at(6),
    )
    _jobs(make_uow)
    # MILL-IT bills in USD (0.90 EUR from the 1st) and once in GBP, which has no rate
    _do(make_uow, fx.set_rate, "USD", date(2026, 11, 1), "0.90", base="EUR", now=at(1))
    _do(
        make_uow,
        purchase_orders.create_po,
        supplier="MILL-IT",
        currency="USD",
        now=at(3),
        lines=[
            {
                "item": "THREAD",
                "quantity": 100,
                "due_date": date(2026, 12, 20),
                "unit_price": "2.00",
            }
        ],
    )
    _do(
        make_uow,
        purchase_orders.create_po,
        supplier="MILL-IT",
        currency="GBP",
        now=at(3),
        lines=[
            {"item": "THREAD", "quantity": 10, "due_date": date(2026, 12, 20), "unit_price": "1.50"}
        ],
    )
    for number in ("PO-000004", "PO-000005"):
        _do(make_uow, purchase_orders.issue_po, number, now=at(4))
    # health data imported: a financial score of 72 as of the 15th, turnover 16 % in June
    _do(
        make_uow,
        supplier_health.import_health,
        [
            (2, {"supplier": "MILL-PT", "as_of": date(2026, 6, 30), "staff_turnover_pct": "16"}),
            (3, {"supplier": "MILL-PT", "as_of": date(2026, 11, 15), "financial_score": "72"}),
        ],
        now=at(16),
    )
    _do(make_uow, suggestions.decide_suggestion, idea.number, "accept",
        recorded_value="1200.00", now=at(9))  # fmt: skip


def _jobs(make_uow: UowFactory) -> None:
    """Two jobs at MILL-PT, as the job services leave them in the database: one released on the
    2nd, started, first units 48 h after release, progress weekly, finished before its planned
    finish; one started on the 16th and silent since (14 days by the 30th)."""
    with make_uow() as uow:
        mill = uow.session.scalars(select(SupplierRow.id).where(SupplierRow.code == "MILL-PT"))
        ids = {"MILL-PT": mill.one()}
        canvas = uow.session.scalars(select(ItemRow.id).where(ItemRow.sku == "CANVAS")).one()
        done = ProductionJobRow(
            item_id=canvas,
            supplier_id=ids["MILL-PT"],
            quantity=Decimal(20),
            status="finished",
            released_at=at(2),
            started_at=at(2, 10),
            finished_at=at(12),
            planned_finish=date(2026, 11, 13),
        )
        silent = ProductionJobRow(
            item_id=canvas,
            supplier_id=ids["MILL-PT"],
            quantity=Decimal(5),
            status="started",
            released_at=at(15),
            started_at=at(16),
            planned_finish=date(2026, 12, 10),
        )
        uow.session.add_all([done, silent])
        uow.session.flush()
        for job, kind, when, units in (
            (done, "release", at(2), None),
            (done, "start", at(2, 10), None),
            (done, "progress", at(3), Decimal(0)),
            (done, "progress", at(4), Decimal(10)),
            (done, "progress", at(9), Decimal(10)),
            (done, "finish", at(12), Decimal(20)),
            (silent, "release", at(15), None),
            (silent, "start", at(16), None),
        ):
            uow.session.add(
                JobEventRow(
                    job_id=job.id,
                    kind=kind,
                    status=job.status,
                    at=when,
                    quantity=units,
                    actor="test",
                )
            )
        uow.commit()


@pytest.fixture(scope="module")
def shared(module_database_url: str) -> Iterator[tuple[Engine, str]]:
    """One November per backend for the whole module (its tests only read it)."""
    engine = make_engine(module_database_url)
    make_uow = functools.partial(UnitOfWork, engine)
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"scorecards {kind}")
        uow.commit()
    _november(make_uow)
    yield engine, module_database_url
    engine.dispose()


@pytest.fixture
def world(shared: tuple[Engine, str]) -> UowFactory:
    return functools.partial(UnitOfWork, shared[0])


def _card(make_uow: UowFactory, **options: Any) -> scorecards.ScorecardView:
    with make_uow(write=False) as uow:
        [card] = scorecards.scorecards(uow, period="2026-11", supplier="MILL-PT", today=TODAY,
                                       **options)  # fmt: skip
    return card


EXPECTED = {
    # key: (value, score, events)
    "otif": (Decimal("33.33"), Decimal("33.33"), 3),  # canvas on time; thread late; B open
    "first_pass_yield": (Decimal("95.33"), Decimal("95.33"), 3),  # 143 of 150
    # PO A 96 h: 100 x (216 - 96) / 144 = 83.33; the job 48 h: 100
    "agility": (Decimal("72.00"), Decimal("91.67"), 2),
    "sample_lead_time": (Decimal("3.00"), Decimal("75.00"), 1),  # 3 days: 100 x (6 - 3) / 4
    "rfq_response": (Decimal("30.00"), Decimal("50.00"), 2),  # 30 h: 100; unanswered: 0
    "volume_changes": (Decimal("100.00"), Decimal("100.00"), 1),
    "cycle_time": (Decimal("8.50"), Decimal("100.00"), 2),  # 4 and 13 days
    "information_sharing": (Decimal("50.00"), Decimal("50.00"), 2),  # the silent job is late
    "new_product": (Decimal("100.00"), Decimal("100.00"), 1),
    "innovation": (Decimal("1200.00"), Decimal("60.00"), 2),  # 20 + 40
    # 9.50 -> 10.00 is +5.263 %; cotton +10 % x 0.5 = +5 %: 0.26 pp over, 100 x (10 - 0.263) / 10
    "cost_trend": (Decimal("0.26"), Decimal("97.37"), 1),
    "financial_health": (Decimal("72.00"), Decimal("72.00"), 1),
    "staff_turnover": (Decimal("16.00"), Decimal("80.00"), 1),  # 100 x (40 - 16) / 30
}


def test_every_figure_equals_its_hand_computed_value(world: UowFactory) -> None:
    card = _card(world)
    found = {f.key: (f.value, f.score, f.events) for f in card.figures}
    assert found == EXPECTED
    # spend: A 100 x 10.00 + 50 x 2.00, B 48 x 10.00 (after the change)
    assert (card.spend, card.currency) == (Decimal("1580.00"), "EUR")
    weights = {"otif": 25, "first_pass_yield": 20, "agility": 10, "information_sharing": 10,
               "sample_lead_time": 5, "rfq_response": 5, "volume_changes": 5, "new_product": 5,
               "innovation": 5, "cost_trend": 5, "financial_health": 5}  # fmt: skip
    scores = {key: EXPECTED[key][1] for key in weights}
    total = sum(weights[k] * (scores[k] or 0) for k in weights) / sum(weights.values())
    assert card.total == Decimal(total).quantize(Decimal("0.01"))
    assert "left out" not in card.explanation  # every weighted figure has data


def test_weights_given_per_call_change_the_total_only(world: UowFactory) -> None:
    card = _card(world, weights={"otif": 1, "first_pass_yield": 1, "agility": 0,
                                 "sample_lead_time": 0, "rfq_response": 0, "volume_changes": 0,
                                 "new_product": 0, "innovation": 0, "cost_trend": 0,
                                 "financial_health": 0, "information_sharing": 0})  # fmt: skip
    assert card.total == Decimal("64.33")  # (33.33 + 95.33) / 2
    assert card.figure("otif").value == EXPECTED["otif"][0]


def test_deliveries_list_the_lines_with_their_promise_and_delay(world: UowFactory) -> None:
    with world(write=False) as uow:
        found = scorecards.deliveries(uow, supplier="MILL-PT", since=date(2026, 11, 1),
                                      until=TODAY, today=TODAY)  # fmt: skip
    assert [(d.item, d.promised, d.ordered, d.completed_on, d.delay_days) for d in found] == [
        ("CANVAS", date(2026, 11, 16), Decimal(100), date(2026, 11, 14), -2),
        ("THREAD", date(2026, 11, 20), Decimal(50), date(2026, 11, 23), 3),
        ("CANVAS", date(2026, 11, 25), Decimal(48), None, 5),
    ]


def test_history_gives_each_period_oldest_first(world: UowFactory) -> None:
    with world(write=False) as uow:
        cards = scorecards.scorecard_history(uow, supplier="MILL-PT", periods=3,
                                             until_period="2026-11", today=TODAY)  # fmt: skip
    assert [c.period for c in cards] == ["2026-09", "2026-10", "2026-11"]
    october = cards[1]
    assert october.figure("otif").value == Decimal(100)  # the October PO, on its due day
    assert october.spend == Decimal("95.00")
    assert cards[0].total is None and cards[2].total == _card(world).total


def test_a_quarter_counts_the_events_of_its_three_months(world: UowFactory) -> None:
    with world(write=False) as uow:
        [card] = scorecards.scorecards(uow, period="2026-Q4", supplier="MILL-PT", today=TODAY)
    assert card.figure("otif").events == 4 and card.spend == Decimal("1675.00")


def test_spend_is_converted_at_the_rate_of_the_day_and_a_missing_rate_is_noted(
    world: UowFactory,
) -> None:
    with world(write=False) as uow:
        [card] = scorecards.scorecards(uow, period="2026-11", supplier="MILL-IT", today=TODAY)
    # 100 x 2.00 USD at 0.90; the GBP order has no rate: left out, and said so
    assert (card.spend, card.currency) == (Decimal("180.00"), "EUR")
    assert card.notes == (
        "spend leaves out 1 PO line without an exchange rate (GBP on 2026-11-04)",
    )


def test_a_supplier_user_sees_only_its_own_scorecard(shared: tuple[Engine, str]) -> None:
    engine = shared[0]
    with UnitOfWork(engine, write=False) as uow:
        other = uow.session.scalars(select(SupplierRow.id).where(SupplierRow.code == "MILL-IT"))
        scope = other.one()
    with UnitOfWork(engine, write=False, supplier_scope=scope) as uow:
        mine = scorecards.scorecards(uow, period="2026-11", today=TODAY)
        with pytest.raises(NotFound, match="unknown supplier 'MILL-PT'"):
            scorecards.scorecards(uow, period="2026-11", supplier="MILL-PT")
    assert [c.supplier for c in mine] == ["MILL-IT"] and mine[0].total is None


def test_bad_periods_and_weights_are_refused_by_name(world: UowFactory) -> None:
    with world(write=False) as uow:
        with pytest.raises(ValidationError, match="2026-Q4"):
            scorecards.scorecards(uow, period="November")
        with pytest.raises(ValidationError, match="unknown figure 'speed'"):
            scorecards.scorecards(uow, period="2026-11", weights={"speed": 1})


def test_the_api_serves_the_same_scorecards(shared: tuple[Engine, str]) -> None:
    engine, database_url = shared
    api = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(api) as client:
        staff = bearer(engine, "viewer")
        listed = client.get(
            "/suppliers/scorecards",
            params={"period": "2026-11", "weight": "otif=50"},
            headers=staff,
        )
        one = client.get("/suppliers/MILL-PT/scorecard", params={"period": "2026-11",
                         "history": 2}, headers=staff)  # fmt: skip
        theirs = client.get(
            "/suppliers/MILL-PT/scorecard",
            params={"period": "2026-11"},
            headers=bearer(engine, "supplier", supplier="MILL-IT"),
        )
        bad = client.get("/suppliers/scorecards", params={"period": "2026-13"}, headers=staff)
    assert listed.status_code == 200, listed.text
    assert [c["supplier"] for c in listed.json()] == ["MILL-IT", "MILL-PT"]
    otif = listed.json()[1]["figures"][0]
    assert (otif["key"], otif["value"], otif["weight"]) == ("otif", "33.33", "50")
    assert [c["period"] for c in one.json()] == ["2026-10", "2026-11"]
    assert theirs.status_code == 404 and theirs.json() == {"detail": "unknown supplier 'MILL-PT'"}
    assert bad.status_code == 422 and "2026-Q4" in bad.json()["detail"]


def test_the_cli_prints_the_same_scorecards(shared: tuple[Engine, str], world: UowFactory) -> None:
    # given the November (the CLI judges a past month as of its last day)
    _, url = shared
    runner = CliRunner()
    base = ["--db", url, "suppliers", "scorecard"]
    # when one supplier's scorecard is printed as JSON, as a table, with history, and all
    as_json = runner.invoke(app, [*base, "--supplier", "MILL-PT", "--period", "2026-11", "--json"])
    one = runner.invoke(app, [*base, "--supplier", "MILL-PT", "--period", "2026-11"],
                        env={"COLUMNS": "120"})  # fmt: skip
    history = runner.invoke(app, [*base, "--supplier", "MILL-PT", "--period", "2026-11",
                                  "--history", "2"], env={"COLUMNS": "120"})  # fmt: skip
    every = runner.invoke(app, [*base, "--period", "2026-11", "--weight", "otif=50"],
                          env={"COLUMNS": "120"})  # fmt: skip
    bad = runner.invoke(app, [*base, "--weight", "otif"])
    # then each says what the service says
    assert as_json.exit_code == 0, as_json.output
    [card] = json.loads(as_json.stdout)
    assert card["total"] == str(_card(world).total)
    assert {f["key"]: f["value"] for f in card["figures"]}["first_pass_yield"] == "95.33"
    assert "MILL-PT (Tecidos), 2026-11: total" in one.stdout
    assert "1 of 3 lines on time in full" in one.stdout
    assert "2026-10" in history.stdout and "2026-11" in history.stdout
    assert "Supplier scorecards, 2026-11" in every.stdout and "otif 50" in every.stdout
    assert bad.exit_code != 0 and "otif=30" in bad.output
