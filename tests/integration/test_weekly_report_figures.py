"""The weekly report words its KPIs as the Overview does, on both databases: each target with its
direction (``within ± 10 %`` for forecast bias, ``at least 95 %`` for OTIF), on the page, in the
PDF's text and in the JSON; a change of a KPI in percent is in points (the layout's unit tests
check the figures: tests/unit/test_weekly_report_layout.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import kpis, report_mail
from flexchain.services.weekly_report import weekly_report
from tests.auth import bearer, make_user
from tests.integration.test_price_watch import world  # noqa: F401 (a fixture)
from tests.integration.test_weekly_report import (  # noqa: F401 (fixtures)
    LATER,
    _login,
    _settings,
    _words,
    api,
    site,
)

UowFactory = Callable[..., UnitOfWork]
WEEK_END = date(2026, 11, 8)


def test_each_target_points_the_way_the_overview_says(
    world: Engine,  # noqa: F811
    make_uow: UowFactory,
    database_url: str,
) -> None:
    settings = _settings(database_url)
    with make_uow(write=False) as uow:
        report = weekly_report(uow, week_end=WEEK_END, settings=settings, now=LATER)
        board = kpis.kpis(uow, period_end=WEEK_END, weeks=1, settings=settings)
    assert [(k.key, k.direction) for k in report.kpis] == [(b.key, b.direction) for b in board]
    targets = {k.key: report_mail.target_figure(k) for k in report.kpis}
    assert targets["forecast_bias"] == "within ± 10 %"
    assert targets["otif"] == "at least 95 %"
    assert targets["order_lead_time"] == "at most 14 days"
    text = report_mail.report_text(report)
    assert "within ± 10 %" in text and "at least 95 %" in text


def test_the_page_and_the_json_word_the_targets(
    site: TestClient,  # noqa: F811
    api: TestClient,  # noqa: F811
    engine: Engine,
) -> None:
    _login(site, make_user(engine, "buyer"))
    words = _words(site.get("/app/report", params={"week_end": WEEK_END.isoformat()}).text)
    assert "Target: within ± 10 %;" in words and "Target: at least 95 %;" in words
    assert "Target: none set; no data" in words  # small-batch margin: no target by default
    body = api.get(
        "/reports/weekly",
        params={"week_end": WEEK_END.isoformat()},
        headers=bearer(engine, "viewer"),
    ).json()
    bias = next(k for k in body["kpis"] if k["key"] == "forecast_bias")
    assert (bias["direction"], bias["target"]) == ("within", "10")
