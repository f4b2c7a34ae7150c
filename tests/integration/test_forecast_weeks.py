"""Each plan run measures the stored forecasts of the weeks since the previous run and stores
the sums per week; the forecast accuracy KPIs read them and measure live only the weeks after
the latest run (both databases)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal as D

import polars as pl
from sqlalchemy import Engine, select, update

from flexchain.adapters.db.forecast_weeks import MARK
from flexchain.adapters.db.kpis import SqlKpiStore
from flexchain.adapters.db.tables import PlanRunRow
from flexchain.adapters.db.tables.planning import PlanForecastWeekRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.services import kpis, planning
from flexchain.services.imports import import_rows

MONDAY = date(2026, 11, 2)
WEEK = timedelta(weeks=1)
KEYS = ["forecast_accuracy", "forecast_bias"]
WORLD = {
    "items": [
        {"sku": "BAG", "name": "Bag", "kind": "finished", "standard_cost": "20"},
        {"sku": "CAP", "name": "Cap", "kind": "finished", "standard_cost": "5"},
    ],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
}

MakeUow = Callable[..., UnitOfWork]


def _demand(uow: UnitOfWork, weeks: dict[date, tuple[int, int]]) -> None:
    rows = [
        {"sku": sku, "location": "WH", "period_start": day, "quantity": qty}
        for day, pair in weeks.items()
        for sku, qty in zip(("BAG", "CAP"), pair, strict=True)
        if qty
    ]
    import_rows(uow, "demand", rows, source="forecast weeks")


def _plan(engine: Engine, monday: date) -> int:
    now = datetime.combine(monday, time(8), tzinfo=UTC)
    return planning.run_plan(engine, now=now, horizon=6).run_id


def _figures(make_uow: MakeUow, sunday: date, weeks: int) -> dict[str, tuple[D | None, int]]:
    with make_uow(write=False) as uow:
        found = kpis.kpis(uow, period_end=sunday, weeks=weeks, settings=Settings(), keys=KEYS)
    return {view.key: (view.value, view.count) for view in found}


def _live(make_uow: MakeUow, first: date, end: date) -> pl.DataFrame:
    with make_uow(write=False) as uow:
        return SqlKpiStore(uow).measure(first, end).sums()


def _stored(make_uow: MakeUow, run_id: int) -> pl.DataFrame:
    with make_uow(write=False) as uow:
        rows = uow.session.execute(
            select(
                PlanForecastWeekRow.period, PlanForecastWeekRow.forecasts,
                PlanForecastWeekRow.actual, PlanForecastWeekRow.error, PlanForecastWeekRow.over,
            ).where(PlanForecastWeekRow.run_id == run_id).order_by(PlanForecastWeekRow.period)
        ).all()  # fmt: skip
    return pl.DataFrame(
        [(p, n, float(a), float(e), float(o)) for p, n, a, e, o in rows],
        schema=["period", "forecasts", "actual", "error", "over"],
        orient="row",
    )


def _setup(make_uow: MakeUow) -> None:
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"forecast weeks {kind}")
        # 20 weeks before MONDAY; CAP stops selling four weeks before it
        _demand(uow, {MONDAY - w * WEEK: (10 + w % 3, 4 if w > 4 else 0) for w in range(1, 21)})
        uow.commit()


def test_a_run_stores_the_weeks_since_the_last_and_the_kpis_read_them(
    engine: Engine, make_uow: MakeUow
) -> None:
    # given a plan on MONDAY, two weeks of demand, then a plan two weeks later
    _setup(make_uow)
    first = _plan(engine, MONDAY)
    with make_uow() as uow:
        _demand(uow, {MONDAY: (14, 0), MONDAY + WEEK: (7, 0)})
        uow.commit()
    second = _plan(engine, MONDAY + 2 * WEEK)
    # then the first run measured nothing (no earlier forecast), the second the two weeks
    with make_uow(write=False) as uow:
        stats = dict(uow.session.execute(select(PlanRunRow.id, PlanRunRow.stats)).all())
    assert stats[first][MARK]["weeks"] == 0 and stats[second][MARK]["weeks"] == 2
    stored = _stored(make_uow, second)
    assert stored["period"].to_list() == [MONDAY, MONDAY + WEEK]
    # CAP sold nothing those weeks: its forecasts count against zero, not dropped
    assert stored["forecasts"].to_list() == [2, 2]
    assert stored["actual"].to_list() == [14.0, 7.0]
    # the same as measuring now over the history
    live = _live(make_uow, MONDAY, MONDAY + 2 * WEEK)
    assert _close(stored, live)
    # when the KPIs of those two weeks are read
    sunday = MONDAY + timedelta(days=13)
    figures = _figures(make_uow, sunday, 2)
    # then they come from those sums: accuracy = 1 - error / actual, bias = over / actual
    error, actual, over = (sum(stored[c].to_list()) for c in ("error", "actual", "over"))
    accuracy = D(str(100 * (1 - error / actual))).quantize(D("0.1"))
    assert figures["forecast_accuracy"] == (accuracy, 4)
    assert figures["forecast_bias"][0] == D(str(100 * over / actual)).quantize(D("0.1"))


def test_weeks_after_the_latest_run_are_measured_live_and_old_runs_fall_back(
    engine: Engine, make_uow: MakeUow
) -> None:
    # given runs on MONDAY and two weeks later, and a third week of demand after the second
    _setup(make_uow)
    _plan(engine, MONDAY)
    with make_uow() as uow:
        _demand(uow, {MONDAY: (14, 0), MONDAY + WEEK: (7, 2)})
        uow.commit()
    second = _plan(engine, MONDAY + 2 * WEEK)
    with make_uow() as uow:
        _demand(uow, {MONDAY + 2 * WEEK: (9, 1)})
        uow.commit()
    # when the KPIs of the three weeks are read (the last week is after the latest run)
    sunday = MONDAY + timedelta(days=20)
    figures = _figures(make_uow, sunday, 3)
    # then they equal measuring all three weeks now
    live = _live(make_uow, MONDAY, MONDAY + 3 * WEEK)
    assert live["forecasts"].to_list() == [2, 2, 4]  # the third week: two origins forecast it
    error, actual = sum(live["error"].to_list()), sum(live["actual"].to_list())
    accuracy = D(str(100 * (1 - error / actual))).quantize(D("0.1"))
    assert figures["forecast_accuracy"] == (accuracy, 8)
    # and a latest run that measured nothing (made before the table existed) is measured live
    with make_uow() as uow:
        uow.session.execute(update(PlanRunRow).where(PlanRunRow.id == second).values(stats={}))
        uow.commit()
    assert _figures(make_uow, sunday, 3) == figures


def test_a_run_measures_its_previous_week_again(engine: Engine, make_uow: MakeUow) -> None:
    # given runs on MONDAY and the week after, then last week's demand corrected
    _setup(make_uow)
    _plan(engine, MONDAY)
    with make_uow() as uow:
        _demand(uow, {MONDAY: (14, 0)})
        uow.commit()
    _plan(engine, MONDAY + WEEK)
    before = _figures(make_uow, MONDAY + timedelta(days=6), 1)
    with make_uow() as uow:
        _demand(uow, {MONDAY: (30, 0)})
        uow.commit()
    # then the KPI keeps the measured figure until a run measures the week again
    assert _figures(make_uow, MONDAY + timedelta(days=6), 1) == before
    again = _plan(engine, MONDAY + WEEK)
    # when a run of the same week measures it again, its row is the one read
    assert _stored(make_uow, again)["actual"].to_list() == [30.0]
    after = _figures(make_uow, MONDAY + timedelta(days=6), 1)
    assert after != before and after["forecast_accuracy"][1] == 2


def _close(stored: pl.DataFrame, live: pl.DataFrame) -> bool:
    joined = stored.join(live, on="period", suffix="_live")
    return len(joined) == len(stored) == len(live) and all(
        abs(a - b) < 1e-6
        for c in ("actual", "error", "over")
        for a, b in zip(joined[c].to_list(), joined[f"{c}_live"].to_list(), strict=True)
    )
