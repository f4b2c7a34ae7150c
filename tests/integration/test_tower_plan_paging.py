"""The Plan page reads only the rows it shows, on both databases: its planned orders filtered
(kind, SKU search), counted and paged in SQL are exactly the rows ``flexchain plan show`` has
(``plan_rows``) filtered in Python, page by page, on a plan of more than one page (50 a page);
so are the totals per kind, the exceptions and their count; "What changed" pages by SKU; a run
started while one goes elsewhere is refused naming it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.web.tower import plan as plan_page
from flexchain.services import plan_reports, planning
from flexchain.services.demo import generate_demo, load_demo
from flexchain.services.plan_reports import PlanExceptionLine, PlanOrderLine
from tests.auth import PASSWORD, make_user

PER_PAGE = plan_page.PER_PAGE


@dataclass(frozen=True)
class Tower:
    client: TestClient
    engine: Engine
    runs: tuple[int, int]


@pytest.fixture(scope="module")
def tower(module_database_url: str) -> Iterator[Tower]:
    """The small demo company (12 products: 100+ planned orders and exceptions) planned twice,
    a viewer logged in."""
    data = generate_demo(items=12, seed=3, weeks=26)
    now = datetime.combine(data.today, clock_time(8), tzinfo=UTC)
    engine = make_engine(module_database_url)
    load_demo(engine, data, now=now)
    first = planning.run_plan(engine, now=now, horizon=8).run_id
    second = planning.run_plan(engine, now=now + timedelta(minutes=5), horizon=12).run_id
    viewer = make_user(engine, "viewer")
    app = create_app(Settings(database_url=module_database_url, outbox_worker=False))
    try:
        with TestClient(app) as client:
            answer = client.post("/login", data={"email": viewer, "password": PASSWORD})
            assert answer.status_code == 200, answer.text
            yield Tower(client, engine, (first, second))
    finally:
        engine.dispose()


def _rows(tower: Tower) -> list[PlanOrderLine | PlanExceptionLine]:
    with UnitOfWork(tower.engine, write=False) as uow:
        return plan_reports.plan_rows(uow, tower.runs[1])


def _text(html: str) -> str:
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def _numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="planned-(\d+)">', html)]


@pytest.mark.parametrize(
    ("kind", "q"),
    [("", ""), ("production", ""), ("purchase", ""), ("", "m-jkt"), ("production", "JKT")],
    ids=["all", "production", "purchase", "sku-any-case", "kind-and-sku"],
)
def test_each_page_of_planned_orders_is_the_python_filtered_plan_show_rows(
    tower: Tower, kind: str, q: str
) -> None:
    # given the plan's rows as plan show has them, filtered in Python
    rows = _rows(tower)
    orders = [r for r in rows if isinstance(r, PlanOrderLine)]
    wanted = [
        o.number
        for o in orders
        if (not kind or o.kind == kind) and (not q or q.upper() in o.sku.upper())
    ]
    assert len(orders) > PER_PAGE and wanted  # more than one page

    # when the page is read page by page with the filter
    pages = -(-len(wanted) // PER_PAGE)
    shown: list[int] = []
    for number in range(1, pages + 1):
        html = tower.client.get("/app/plan", params={"kind": kind, "q": q, "page": number}).text
        shown += _numbers(html)
        text = _text(html)
        # then each page says how many match and which page it is
        count = f"{len(wanted)} planned order{'' if len(wanted) == 1 else 's'}"
        assert count in text
        if pages > 1:
            assert f"page {number} of {pages}" in text

    # and together the pages are the filtered rows, in order, each once
    assert shown == wanted
    # and a page past the last shows the last
    last = tower.client.get("/app/plan", params={"kind": kind, "q": q, "page": pages + 5})
    assert _numbers(last.text) == wanted[(pages - 1) * PER_PAGE :]


def test_the_totals_per_kind_and_the_exceptions_are_those_of_plan_show(tower: Tower) -> None:
    rows = _rows(tower)
    orders = [r for r in rows if isinstance(r, PlanOrderLine)]
    exceptions = [r for r in rows if isinstance(r, PlanExceptionLine)]
    totals = " · ".join(
        f"{sum(1 for o in orders if o.kind == kind)} {kind}" for kind in plan_page.KINDS
    )
    assert len(exceptions) > PER_PAGE

    text = _text(tower.client.get("/app/plan").text)

    assert totals in text
    assert f"{len(exceptions)} exceptions: the first {PER_PAGE} shown" in text
    for exception in exceptions[:PER_PAGE]:
        assert exception.message in text
    # and a SKU search keeps the exceptions of the matching SKUs only
    q = "trm"
    matching = [e for e in exceptions if q.upper() in e.sku.upper()]
    searched = _text(tower.client.get("/app/plan", params={"q": q}).text)
    count = f"{len(matching)} exception{'' if len(matching) == 1 else 's'} for SKUs containing trm"
    assert matching and count in searched


def test_what_changed_pages_the_diff_by_sku(tower: Tower, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tower.runs
    with UnitOfWork(tower.engine, write=False) as uow:
        changes = plan_reports.diff_runs(uow, first, second)
    per_page = 3  # the two small plans differ in about ten items: 3 a page to page them
    monkeypatch.setattr(plan_page, "PER_PAGE", per_page)
    assert len(changes) > per_page

    pages = -(-len(changes) // per_page)
    shown: list[str] = []
    for number in range(1, pages + 1):
        html = tower.client.get(
            "/app/plan/diff", params={"old": first, "new": second, "page": number}
        ).text
        shown += re.findall(r"<tr>\s*<td>([^<]*)</td>", html)
        assert f"{len(changes)} items changed: page {number} of {pages}" in _text(html)
    assert shown == [c.sku for c in changes]


def test_a_filter_or_page_that_is_not_one_falls_back_to_the_whole_first_page(
    tower: Tower,
) -> None:
    everything: Any = tower.client.get("/app/plan", params={"kind": "nope", "page": "x"})
    assert everything.status_code == 200
    orders = [r for r in _rows(tower) if isinstance(r, PlanOrderLine)]
    assert _numbers(everything.text) == [o.number for o in orders[:PER_PAGE]]


def test_a_run_started_from_the_page_while_one_goes_elsewhere_is_refused_saying_which(
    tower: Tower,
) -> None:
    # given a run going in another process (a terminal's flexchain plan)
    now = datetime.now(UTC)
    going = planning.claim_run(tower.engine, now=now, actor="cli:root")
    planner = TestClient(tower.client.app)
    email = make_user(tower.engine, "planner")
    answer = planner.post("/login", data={"email": email, "password": PASSWORD})
    csrf = answer.json()["csrf_token"]
    try:
        # when a planner starts a run from the page
        refused = planner.post("/app/plan/runs", data={"csrf_token": csrf, "horizon": "4"})

        # then the plan page answers 422 naming the run going and who started it
        assert refused.status_code == 422
        text = _text(refused.text)
        assert f"another run is going: run {going} started at" in text and "cli:root" in text
        with UnitOfWork(tower.engine, write=False) as uow:
            assert plan_reports.current_run(uow).id == tower.runs[1]
    finally:
        planning.abandon_run(tower.engine, going, error="ended by the test", now=now, actor="t")
