"""Today's planned orders, on both databases: planned purchases and planned production are
capped separately (25 each, ranked by money and time, the rest counted in one entry pointing to
the Plan page), planned production is released into a job at its maker from the inbox (API and
terminal) by planners and admins, a released planned order leaves the inbox wherever it was
released, and ``flexchain today`` keeps every key whole in a 100-column terminal."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from flexchain.adapters.db.tables import ItemRow, PlanOrderRow, PlanRunRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.cli.main import app as cli
from flexchain.services import fx, jobs, plan_release, purchase_orders, today
from flexchain.services.imports import import_rows
from flexchain.services.today_common import AtStake
from flexchain.services.today_planned import MAX_PLANNED
from tests.auth import bearer
from tests.integration.test_plan_release import EXTRA
from tests.storefront_world import build_world

UowFactory = Callable[..., UnitOfWork]
NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
SETTINGS = Settings(database_url="sqlite://", outbox_worker=False)
POCKET: dict[str, list[dict[str, Any]]] = {
    "items": [{"sku": "M-POCKET", "name": "Pocket", "kind": "module", "module_type": "standard",
               "default_supplier": "SEW-PT", "standard_cost": "2.00"}],
}  # fmt: skip
PURCHASES = range(1, 28)  # 27 planned purchases of canvas: 10 m x number, at 5.00 a metre
MADE = range(28, 58)  # 30 planned production orders of pockets: 100 + number, at 2.00 each


def _plan(make_uow: UowFactory) -> int:
    with make_uow() as uow:
        run = PlanRunRow(
            status="complete", started_at=NOW - timedelta(hours=1), finished_at=NOW,
            period_start=TODAY - timedelta(days=TODAY.weekday()), horizon=8, actor="test",
            stats={"home": "WH"},
        )  # fmt: skip
        uow.session.add(run)
        uow.session.flush()
        ids = {sku: id_ for sku, id_ in uow.session.execute(select(ItemRow.sku, ItemRow.id))}
        rows = [(n, "CANVAS", "purchase", 10 * n) for n in PURCHASES]
        rows += [(n, "M-POCKET", "production", 100 + n) for n in MADE]
        for number, sku, kind, quantity in rows:
            uow.session.add(
                PlanOrderRow(
                    run_id=run.id, number=number, item_id=ids[sku], kind=kind,
                    release_date=TODAY - timedelta(days=1), due_date=TODAY + timedelta(days=6),
                    quantity=Decimal(quantity),
                    pegs=[[f"order #{i}", "1"] for i in range(5)] if number == 57
                    else [["safety stock", str(quantity)]],
                    location="",
                )
            )  # fmt: skip
        uow.commit()
        return run.id


@pytest.fixture
def world(make_uow: UowFactory, engine: Engine, database_url: str) -> Iterator[dict[str, Any]]:
    build_world(make_uow)
    with make_uow() as uow:
        for kind, rows in [*EXTRA.items(), *POCKET.items()]:
            import_rows(uow, kind, rows, source=f"today release {kind}")
        uow.commit()
    run = _plan(make_uow)
    as_role = {role: bearer(engine, role) for role in ("admin", "planner", "buyer")}
    with TestClient(create_app(Settings(database_url=database_url, outbox_worker=False))) as c:
        yield {"run": run, "client": c, "as": as_role, "url": database_url}


def _planned(make_uow: UowFactory) -> list[today.Decision]:
    with make_uow(write=False) as uow:
        return today.decision_inbox(uow, now=NOW, settings=SETTINGS, kind="planned_order")


def test_purchases_and_production_are_capped_apart_and_ranked(
    world: dict[str, Any], make_uow: UowFactory
) -> None:
    # given 27 planned purchases and 30 planned production orders due for release
    found = _planned(make_uow)
    purchases = [d for d in found if d.title.startswith("Planned purchase")]
    made = [d for d in found if d.title.startswith("Planned production")]
    # then 25 of each, the most money at stake first (same days: money decides)
    assert len(purchases) == len(made) == MAX_PLANNED == 25
    assert {int(d.ref) for d in purchases} == set(PURCHASES[2:])
    assert {int(d.ref) for d in made} == set(MADE[5:])
    assert purchases[0].ref == "27" and purchases[0].money == Decimal("1350.00")
    assert made[0].ref == "57" and made[0].money == Decimal("314.00")
    assert made[0].why.endswith("for order #0 (1); order #1 (1); order #2 (1) and 2 more.")
    assert purchases[0].why.endswith("for safety stock (270).")
    # and the rest of each kind is counted in one entry pointing to the Plan page
    more = {d.key: d for d in found if d.ref.startswith("more-")}
    assert set(more) == {"planned_order:more-purchase", "planned_order:more-production"}
    assert more["planned_order:more-purchase"].title.startswith("2 more planned purchases")
    assert more["planned_order:more-production"].title.startswith(
        "5 more planned production orders"
    )
    assert all(d.link.startswith("/app/plan?kind=") for d in more.values())
    # and each production entry suggests its maker, released by planners and admins
    release = next(a for a in made[0].actions if a.name == "release")
    assert release.label == "Release as a job at SEW-PT" and release.roles == ("admin", "planner")
    assert "job at SEW-PT" in made[0].suggestion and "sewing" in made[0].suggestion
    buy = next(a for a in purchases[0].actions if a.name == "release")
    assert buy.label == "Release to SEW-PT" and buy.roles == ("admin", "buyer")


def test_a_planned_purchase_is_priced_at_the_break_its_quantity_reaches_as_its_po(
    world: dict[str, Any], make_uow: UowFactory
) -> None:
    # given PACK-PT selling canvas at 4.00 from 200 m (6.00 below), SEW-PT at 5.00 from 0
    with make_uow() as uow:
        import_rows(uow, "item-suppliers", [
            {"item_sku": "CANVAS", "supplier_code": "PACK-PT", "min_quantity": least,
             "unit_price": price, "lead_time_days": 3, "currency": "EUR"}
            for least, price in ((0, "6.00"), (200, "4.00"))
        ], source="breaks")  # fmt: skip
        uow.commit()
    # when the inbox prices the planned purchases of 270 m and 50 m
    found = {d.ref: d for d in _planned(make_uow)}
    big, small = found["27"], found["5"]
    # then each at the break its own quantity reaches, at the supplier cheapest for it
    assert big.money == Decimal("1080.00") and "PACK-PT" in big.suggestion
    assert small.money == Decimal("250.00") and "SEW-PT" in small.suggestion
    # and releasing it drafts the purchase order at the amount the inbox said was at stake
    with make_uow() as uow:
        done = today.act(uow, big.key, "release", now=NOW, settings=SETTINGS, role="buyer")
        uow.commit()
    number = re.search(r"PO-\d+", done)
    assert number is not None, done
    with make_uow(write=False) as uow:
        po = purchase_orders.show_po(uow, number.group(0))
    assert po.supplier == "PACK-PT" and po.total == big.money


def test_planned_production_is_released_into_a_job_from_the_inbox(
    world: dict[str, Any], make_uow: UowFactory
) -> None:
    client, as_role, run = world["client"], world["as"], world["run"]
    key = f"planned_order:{run}:57"
    act = {"key": key, "action": "release"}
    # a buyer may not release production, a planner not a purchase
    refused = client.post("/decisions/act", json=act, headers=as_role["buyer"])
    assert refused.status_code == 403 and "admin, planner" in refused.json()["detail"]
    purchase = {"key": f"planned_order:{run}:27", "action": "release"}
    assert (
        client.post("/decisions/act", json=purchase, headers=as_role["planner"]).status_code == 403
    )
    # when a planner releases it
    answer = client.post("/decisions/act", json=act, headers=as_role["planner"])
    assert answer.status_code == 200, answer.text
    assert "released into job" in answer.json()["done"] and "at SEW-PT" in answer.json()["done"]
    # then a planned job of 157 pockets at SEW-PT is recorded as its release
    with make_uow(write=False) as uow:
        (job,) = [j for j in jobs.list_jobs(uow) if j.sku == "M-POCKET"]
        assert plan_release.released(uow) == {57: f"job {job.id}"}
    assert (job.supplier, job.quantity, job.reason, job.order) == ("SEW-PT", 157, "plan", None)
    # and it leaves the inbox; the next one moves up (4 more left)
    after = _planned(make_uow)
    assert "57" not in {d.ref for d in after}
    assert {int(d.ref) for d in after if d.title.startswith("Planned production")} == set(
        MADE[4:-1]
    )
    # and acting on it again says it is gone
    assert client.post("/decisions/act", json=act, headers=as_role["planner"]).status_code == 404


def test_a_planned_order_released_elsewhere_leaves_the_inbox(
    world: dict[str, Any], make_uow: UowFactory
) -> None:
    with make_uow() as uow:
        plan_release.release_planned(
            uow, plan_numbers=[27, 26], to="rfq", suppliers=["SEW-PT"], now=NOW
        )
        uow.commit()
    refs = {d.ref for d in _planned(make_uow)}
    assert not {"26", "27"} & refs and {"1", "2"} <= refs  # now among the 25 shown
    assert not any(r == "more-purchase" for r in refs)  # 25 left: nothing more to count


def test_the_terminal_releases_production_and_keeps_keys_whole_at_100_columns(
    world: dict[str, Any],
) -> None:
    url, run = world["url"], world["run"]
    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", url, "today"], env={"COLUMNS": "100"})
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert 80 < max(len(line) for line in lines) <= 100  # the width the terminal has
    keys = json.loads(runner.invoke(cli, ["--db", url, "today", "--json"]).stdout)
    for entry in keys:  # every key whole, on one line, with its amount and days beside it
        (row,) = [line for line in lines if f" {entry['key']} " in f"{line} "]
        assert row.split()[-1] == ("-" if entry["days"] is None else str(entry["days"]))
    done = runner.invoke(
        cli, ["--db", url, "today", "act", f"planned_order:{run}:56", "release", "--json"]
    )
    assert done.exit_code == 0, done.output
    assert "released into job" in json.loads(done.stdout)["done"]


def test_amounts_at_stake_convert_at_the_latest_rate_and_stay_as_they_are_without_one(
    world: dict[str, Any], make_uow: UowFactory
) -> None:
    with make_uow() as uow:
        fx.set_rate(uow, "USD", TODAY - timedelta(days=3), "0.90", base="EUR", now=NOW)
        fx.set_rate(uow, "USD", TODAY - timedelta(days=1), "0.80", base="EUR", now=NOW)
        uow.commit()
    with make_uow(write=False) as uow:
        at_stake = AtStake(uow, TODAY, "EUR")
        assert at_stake(Decimal("100.00"), "USD") == Decimal("80.00")  # the latest rate
        assert at_stake(Decimal("12.345"), "EUR") == Decimal("12.345")  # the base: as it is
        assert at_stake(Decimal("100"), "GBP") == Decimal("100")  # no rate known: as it is
