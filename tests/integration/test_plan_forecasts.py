"""Forecasts stored per plan run, read back by later runs, and measured (issue 13: "every plan
run stores its per-item forecasts ... forecast accuracy tracking, also shown as WAPE/bias per
item and class"; "use all history available up to a configurable maximum, default 5 years"),
on SQLite and PostgreSQL.

The storefront world has two warehouses: WH (home) and WH2. The tee sells 6 a week at WH and 4
at WH2 for 13 weeks, so each run forecasts 6.0 and 4.0 a week there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from statistics import NormalDist

import polars as pl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from flexchain.adapters.db import plan_forecasts
from flexchain.adapters.db import tables as t
from flexchain.adapters.db.plans import SqlPlanStore
from flexchain.adapters.db.tables.planning import PlanForecastRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.bootstrap import App
from flexchain.config import Settings
from flexchain.entrypoints.api import errors as api_errors
from flexchain.entrypoints.api.plans import router
from flexchain.planning.run import HISTORY_WEEKS
from flexchain.services import plan_reports, planning
from flexchain.services.imports import import_rows
from tests.auth import bearer
from tests.integration.test_cli import flexchain_cli
from tests.storefront_world import TEE, build_world

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
W0 = NOW.date() - timedelta(days=NOW.weekday())
W1 = W0 + timedelta(weeks=1)
Uow = Callable[..., UnitOfWork]


def _demand(make_uow: Uow, rows: list[tuple[str, date, int]]) -> None:
    """(location, week, quantity) rows of the tee's imported history."""
    with make_uow() as uow:
        import_rows(
            uow,
            "demand",
            [
                {"sku": TEE, "location": at, "period_start": week, "quantity": quantity}
                for at, week, quantity in rows
            ],
        )
        uow.commit()


def _steady(make_uow: Uow, before: date) -> None:
    """13 weeks before ``before``: 6 tees a week at WH, 4 at WH2."""
    weeks = [before - timedelta(weeks=w) for w in range(1, 14)]
    _demand(make_uow, [(at, week, n) for week in weeks for at, n in (("WH", 6), ("WH2", 4))])


@pytest.fixture
def company(engine: Engine, make_uow: Uow) -> Engine:
    build_world(make_uow)
    _steady(make_uow, W0)
    return engine


def _stored(engine: Engine) -> list[tuple[int, str, date, str]]:
    """(run, location, origin, weekly) of every stored forecast, by run and location."""
    f = PlanForecastRow
    with UnitOfWork(engine, write=False) as uow:
        rows = uow.session.execute(
            select(f.run_id, f.location, f.origin, f.weekly).order_by(f.run_id, f.location)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _tee_id(engine: Engine) -> int:
    with UnitOfWork(engine, write=False) as uow:
        return uow.session.scalars(select(t.ItemRow.id).where(t.ItemRow.sku == TEE)).one()


def test_a_run_stores_one_row_per_buffer_with_its_weekly_forecast(company: Engine) -> None:
    summary = planning.run_plan(company, now=NOW, horizon=8)
    stored = _stored(company)
    assert [(run, at, origin) for run, at, origin, _ in stored] == [
        (summary.run_id, "", W0),
        (summary.run_id, "WH2", W0),
    ]
    home, porto = ([float(x) for x in weekly.split(",")] for *_, weekly in stored)
    assert home == pytest.approx([6.0] * 8) and porto == pytest.approx([4.0] * 8)


def test_the_next_weeks_run_reads_the_first_runs_forecasts_as_past_forecasts(
    company: Engine, make_uow: Uow
) -> None:
    # given a run in week W0, then what W0 sold: 9 at WH, 2 at WH2
    planning.run_plan(company, now=NOW, horizon=8)
    _demand(make_uow, [("WH", W0, 9), ("WH2", W0, 2)])
    # when the next week's run loads its snapshot (after its own run is stored too)
    planning.run_plan(company, now=NOW + timedelta(weeks=1), horizon=8)
    snap = SqlPlanStore(company).load_snapshot(today=W1, horizon=8, now=NOW + timedelta(weeks=1))
    # then it holds W0's forecasts of W0, the one week that has happened since
    tee = _tee_id(company)
    assert snap.past_forecasts.sort("location", "period").rows() == [
        (tee, "", W0, W0, pytest.approx(6.0)),
        (tee, "WH2", W0, W0, pytest.approx(4.0)),
    ]


def test_the_next_run_fits_the_autoets_structure_the_last_run_chose(
    company: Engine, make_uow: Uow
) -> None:
    # given a run in week W0 that searched AutoETS's structures for the tee at both locations
    planning.run_plan(company, now=NOW, horizon=8)
    f = PlanForecastRow
    with UnitOfWork(company, write=False) as uow:
        first = uow.session.execute(select(f.location, f.spec, f.selected).order_by(f.location))
        chosen = first.all()
    assert [(at, when) for at, _, when in chosen] == [("", W0), ("WH2", W0)]
    assert all(spec and spec.endswith("/1") for _, spec, _ in chosen)  # 14 weeks: no season
    # when next week's run loads its snapshot and runs
    _demand(make_uow, [("WH", W0, 9), ("WH2", W0, 2)])
    snap = SqlPlanStore(company).load_snapshot(today=W1, horizon=8, now=NOW + timedelta(weeks=1))
    tee = _tee_id(company)
    assert snap.model_specs.sort("location").rows() == [
        (tee, at, spec, W0) for at, spec, _ in chosen
    ]
    summary = planning.run_plan(company, now=NOW + timedelta(weeks=1), horizon=8)
    # then it fitted the same structures, still searched for in W0
    with UnitOfWork(company, write=False) as uow:
        second = uow.session.execute(
            select(f.location, f.spec, f.selected)
            .where(f.run_id == summary.run_id)
            .order_by(f.location)
        ).all()
    assert [tuple(row) for row in second] == [tuple(row) for row in chosen]
    # and plan explain says which structure, chosen when
    with UnitOfWork(company, write=False) as uow:
        explained = plan_reports.explain_item(uow, TEE, run_id=summary.run_id)
    assert explained.forecast["structure"] == f"{chosen[0][1]} chosen {W0.isoformat()}"


def test_the_next_run_averages_the_multiplier_and_factor_the_last_run_measured(
    company: Engine, make_uow: Uow
) -> None:
    # given a run in week W0, whose decisions stored what they divided the allowed shortage by
    planning.run_plan(company, now=NOW, horizon=8)
    f = PlanForecastRow
    with UnitOfWork(company, write=False) as uow:
        stored = uow.session.execute(
            select(f.location, f.multiplier, f.solved_factor, f.service_level).order_by(f.location)
        ).all()
    assert [row[0] for row in stored] == ["", "WH2"]
    assert all(m is not None and m > 0 for _, m, _, _ in stored)
    assert all(k is not None and 0 < level < 1 for _, _, k, level in stored)
    # when next week's run loads its snapshot, it holds them by origin
    _demand(make_uow, [("WH", W0, 9), ("WH2", W0, 2)])
    snap = SqlPlanStore(company).load_snapshot(today=W1, horizon=8, now=NOW + timedelta(weeks=1))
    tee = _tee_id(company)
    assert snap.past_factors.sort("location").rows() == [
        (tee, at, W0, pytest.approx(m), pytest.approx(k), pytest.approx(level))
        for at, m, k, level in stored
    ]
    # and its decisions divide by the mean of their own and W0's
    summary = planning.run_plan(company, now=NOW + timedelta(weeks=1), horizon=8)
    with UnitOfWork(company, write=False) as uow:
        mine = dict(
            uow.session.execute(
                select(f.location, f.multiplier).where(f.run_id == summary.run_id)
            ).all()
        )
        item = uow.session.execute(
            select(t.PlanItemRow.explanation).where(
                t.PlanItemRow.run_id == summary.run_id,
                t.PlanItemRow.item_id == tee,
                t.PlanItemRow.location == "",
            )
        ).scalar_one()
    policy = (item if isinstance(item, dict) else json.loads(item))["policy"]
    assert policy["decided_past_multipliers"] == 1
    assert float(policy["decided_multiplier"]) == pytest.approx((mine[""] + stored[0][1]) / 2)
    # and plan explain shows what the units short were divided by
    with UnitOfWork(company, write=False) as uow:
        explained = plan_reports.explain_item(uow, TEE, run_id=summary.run_id)
    line = next(line for line in explained.policy if line.name == "allowed_short")
    assert "/ multiplier" in line.formula and "1 earlier runs'" in line.formula
    assert "(up to 12)" in line.formula  # safety_factors.PAST_M
    # and a smooth or erratic item's factor is the one whose normal loss is the mean of the
    # factor solved and W0's, at the same service level
    assert policy["decided_pattern"] == "smooth" and policy["decided_past_factors"] == 1
    solved, earlier = float(policy["decided_solved_factor"]), stored[0][2]
    used = float(policy["decided_safety_factor"])
    assert _normal_loss(used) == pytest.approx((_normal_loss(solved) + _normal_loss(earlier)) / 2)
    line = next(line for line in explained.policy if line.name == "safety_factor")
    assert f"solved {solved:.4f} this run, then held steady" in line.formula
    assert "1 earlier runs' at this service level (up to 48)" in line.formula  # PAST_FACTORS


def _normal_loss(k: float) -> float:
    normal = NormalDist()
    return normal.pdf(k) - k * (1 - normal.cdf(k))


def test_plan_accuracy_measures_the_first_run_against_the_week_that_followed(
    company: Engine, make_uow: Uow
) -> None:
    planning.run_plan(company, now=NOW, horizon=8)
    _demand(make_uow, [("WH", W0, 9), ("WH2", W0, 2)])
    with UnitOfWork(company, write=False) as uow:
        report = planning.forecast_accuracy(uow, today=W1 + timedelta(days=3))
        by_pattern = planning.forecast_accuracy(uow, today=W1, by="pattern")
    # WH: forecast 6, sold 9 -> 3 / 9 under; WH2: forecast 4, sold 2 -> 2 / 2 over;
    # overall 5 wrong of 11 sold, 10 forecast: WAPE 45.45 %, bias -9.09 %
    assert report.week == W1 and report.origins == [W0]
    lines = {line.location: line for line in report.lines}
    assert [line.location for line in report.lines] == ["WH", "WH2"]  # largest error first
    assert (lines["WH"].wape, lines["WH"].bias) == (Decimal("0.3333"), Decimal("-0.3333"))
    assert (lines["WH2"].wape, lines["WH2"].bias) == (Decimal("1"), Decimal("1"))
    assert lines["WH"].wape_lag1 == Decimal("0.3333") and lines["WH"].periods_lag1 == 1
    assert lines["WH"].group == TEE and lines["WH"].pattern == "smooth"
    overall = report.overall
    assert (overall.buffers, overall.periods, overall.actual) == (2, 2, Decimal("11"))
    assert (overall.wape, overall.bias) == (Decimal("0.4545"), Decimal("-0.0909"))
    assert [(line.group, line.wape) for line in by_pattern.lines] == [("smooth", Decimal("0.4545"))]


def test_a_later_run_of_the_same_week_replaces_its_forecasts_and_a_failed_one_stores_none(
    company: Engine,
) -> None:
    planning.run_plan(company, now=NOW, horizon=8)
    second = planning.run_plan(company, now=NOW + timedelta(hours=5), horizon=8)
    with pytest.raises(RuntimeError, match="stopped at step mrp"):
        planning.run_plan(company, now=NOW + timedelta(hours=6), horizon=8, fail_at="mrp")
    assert {run for run, *_ in _stored(company)} == {second.run_id}


def test_forecasts_older_than_60_weeks_are_deleted_and_newer_ones_read(
    company: Engine, make_uow: Uow
) -> None:
    # given stored forecasts of complete runs 61 and 60 weeks ago (2 weeks each)
    store, tee = SqlPlanStore(company), _tee_id(company)
    old = {}
    for weeks in (61, 60):
        origin = W0 - timedelta(weeks=weeks)
        run_id = store.start_run(started_at=NOW, period_start=origin, horizon=2, actor="test")
        old[weeks] = run_id
        with make_uow() as uow:
            uow.session.execute(
                update(t.PlanRunRow).where(t.PlanRunRow.id == run_id).values(status="complete")
            )
            uow.session.add(
                PlanForecastRow(
                    run_id=run_id, item_id=tee, location="", origin=origin, model="x",
                    weekly="1.5,2.5",
                )
            )  # fmt: skip
            uow.commit()
    # when this week's run writes its forecasts
    planning.run_plan(company, now=NOW, horizon=8)
    # then the 61-week-old ones are gone, and the 60-week-old ones are the next week's past
    assert {run for run, *_ in _stored(company)} >= {old[60]}
    assert old[61] not in {run for run, *_ in _stored(company)}
    start = W0 - timedelta(weeks=60)
    with UnitOfWork(company, write=False) as uow:
        kept = plan_forecasts.past_forecasts(uow.session, W0)
    assert kept.sort("location", "period").rows() == [
        (tee, "", start, start, 1.5),
        (tee, "", start, start + timedelta(weeks=1), 2.5),
    ]
    # a run reads only what decide measures: the last 24 origins' protection intervals
    snap = store.load_snapshot(today=W0, horizon=8, now=NOW)
    assert snap.past_forecasts.filter(pl.col("origin") == start).is_empty()


def test_the_snapshot_reads_five_years_of_history_unless_told_fewer(
    company: Engine, make_uow: Uow
) -> None:
    # given one week of demand 200 weeks back (beyond the old 104-week window)
    _demand(make_uow, [("WH", W0 - timedelta(weeks=200), 3)])
    assert HISTORY_WEEKS == 260 and Settings().plan_history_years == 5
    five_years = SqlPlanStore(company).load_snapshot(today=W0, horizon=8, now=NOW)
    two_years = SqlPlanStore(company, history_weeks=104).load_snapshot(today=W0, horizon=8, now=NOW)
    assert five_years.history["date"].min() == W0 - timedelta(weeks=200)
    assert two_years.history["date"].min() == W0 - timedelta(weeks=13)


# --- the command and the route: runs dated from the real clock ---------------------------------


@pytest.fixture
def measured(engine: Engine, make_uow: Uow) -> Engine:
    """A run last week and what last week then sold (9 at WH, 2 at WH2)."""
    build_world(make_uow)
    last_week = datetime.now(UTC) - timedelta(weeks=1)
    monday = last_week.date() - timedelta(days=last_week.weekday())
    _steady(make_uow, monday)
    planning.run_plan(engine, now=last_week, horizon=8)
    _demand(make_uow, [("WH", monday, 9), ("WH2", monday, 2)])
    return engine


def test_plan_accuracy_command(measured: Engine, database_url: str) -> None:
    code, out, err = flexchain_cli(database_url, "plan", "accuracy")
    assert code == 0, err
    assert (
        "origins" in out and "(1), 2 buffers" in out and "WAPE 45.5%" in out and "bias -9.1%" in out
    )
    assert "AX smooth" in out and "33.3%" in out and "100.0%" in out
    code, out, _ = flexchain_cli(database_url, "plan", "accuracy", "--json", "--by", "class")
    report = json.loads(out)
    assert report["by"] == "class" and report["overall"]["wape"] == "0.4545"
    assert sum(line["buffers"] for line in report["lines"]) == 2
    code, out, _ = flexchain_cli(database_url, "plan", "accuracy", "--item", TEE, "--json")
    assert [line["location"] for line in json.loads(out)["lines"]] == ["WH", "WH2"]
    code, _, err = flexchain_cli(database_url, "plan", "accuracy", "--item", "NOPE")
    assert code == 1 and "unknown item 'NOPE'" in err
    code, _, err = flexchain_cli(database_url, "plan", "accuracy", "--by", "colour")
    assert code == 1 and "by: 'colour' is not one of item, class, pattern" in err


def test_plan_accuracy_says_when_there_is_nothing_to_measure(
    company: Engine, database_url: str
) -> None:
    code, out, _ = flexchain_cli(database_url, "plan", "accuracy")
    assert code == 0 and "no forecasts to measure" in out


@pytest.fixture
def api(measured: Engine, database_url: str) -> Iterator[TestClient]:
    app = FastAPI()
    api_errors.install(app)
    app.include_router(router)
    app.state.flexchain = App(settings=Settings(database_url=database_url), engine=measured)
    with TestClient(app, headers=bearer(measured)) as client:
        yield client


def test_get_plan_accuracy_answers_the_report_as_json(api: TestClient) -> None:
    response = api.get("/plan/accuracy", params={"by": "pattern"})
    assert response.status_code == 200
    report = response.json()
    assert report["overall"]["wape"] == "0.4545" and report["overall"]["bias"] == "-0.0909"
    assert [line["group"] for line in report["lines"]] == ["smooth"]
    assert api.get("/plan/accuracy").json()["lines"][0]["group"] == TEE
    missing = api.get("/plan/accuracy", params={"item": "NOPE"})
    assert missing.status_code == 404 and "unknown item 'NOPE'" in missing.json()["detail"]
    assert api.get("/plan/accuracy", params={"by": "colour"}).status_code == 422
