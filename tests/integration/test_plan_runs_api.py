"""Planning through the API, on both databases: ``POST /plan/runs`` starts a run in the
background and ``GET /plan/runs/{ticket}`` watches it to its end; ``GET /plan/runs`` lists the
runs recorded wherever they started; ``GET /plan/orders`` and ``GET /plan/exceptions`` page,
filter and count in SQL exactly the rows ``flexchain plan show`` has (``plan_rows``);
``GET /plan/diff`` is ``plan diff``. Every staff role reads, planners and admins start runs,
a supplier's user gets 403; a run going elsewhere refuses a start."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flexchain.adapters.db import plan_reads
from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.cli.render import plain
from flexchain.services import plan_reports, planning
from flexchain.services.demo import generate_demo, load_demo
from flexchain.services.imports import import_rows
from flexchain.services.plan_diff import CAUSES, PlanChange
from flexchain.services.plan_reports import PlanExceptionLine, PlanOrderLine
from tests.auth import make_user, token_for

ROLES = ("admin", "planner", "buyer", "finance", "quality", "viewer")


@dataclass(frozen=True)
class Site:
    client: TestClient
    engine: Engine
    headers: dict[str, dict[str, str]]
    runs: tuple[int, int]
    now: datetime


@pytest.fixture(scope="module")
def site(module_database_url: str) -> Iterator[Site]:
    """The small demo company (12 products: more planned orders and exceptions than a page
    holds), planned twice (8 then 12 weeks), a token per role and a supplier's."""
    data = generate_demo(items=12, seed=3, weeks=26)
    now = datetime.combine(data.today, clock_time(8), tzinfo=UTC)
    engine = make_engine(module_database_url)
    load_demo(engine, data, now=now)
    first = planning.run_plan(engine, now=now, horizon=8).run_id
    second = planning.run_plan(engine, now=now + timedelta(minutes=5), horizon=12).run_id
    headers = {
        role: {"Authorization": f"Bearer {token_for(engine, make_user(engine, role))}"}
        for role in ROLES
    }
    supplier = data.rows("suppliers")[0]["code"]
    maker = make_user(engine, "supplier", supplier=supplier)
    headers["supplier"] = {"Authorization": f"Bearer {token_for(engine, maker)}"}
    app = create_app(Settings(database_url=module_database_url, outbox_worker=False))
    try:
        with TestClient(app) as client:
            yield Site(client, engine, headers, (first, second), now)
    finally:
        engine.dispose()


def _current(site: Site) -> int:
    """The current plan (the tests run in any order: some plan again)."""
    with UnitOfWork(site.engine, write=False) as uow:
        return plan_reports.current_run(uow).id


def _rows(site: Site, run_id: int) -> list[PlanOrderLine | PlanExceptionLine]:
    with UnitOfWork(site.engine, write=False) as uow:
        return plan_reports.plan_rows(uow, run_id)


def _walk(site: Site, path: str, params: dict[str, Any], limit: int) -> tuple[list[Any], int]:
    """Every row of ``path`` page by page (``limit`` a page) and the X-Total-Count."""
    found: list[Any] = []
    totals = set()
    offset = 0
    while True:
        answer = site.client.get(
            path,
            params={**params, "limit": limit, "offset": offset},
            headers=site.headers["viewer"],
        )
        assert answer.status_code == 200, answer.text
        totals.add(int(answer.headers["X-Total-Count"]))
        page = answer.json()
        assert len(page) <= limit
        found += page
        if len(page) < limit:
            break
        offset += limit
    (total,) = totals
    return found, total


@pytest.mark.parametrize(
    ("kind", "sku"),
    [(None, None), ("purchase", None), ("production", None), ("transfer", None),
     (None, "fab-"), ("production", "M-JKT")],
    ids=["all", "purchase", "production", "transfer", "sku-any-case", "kind-and-sku"],
)  # fmt: skip
def test_planned_orders_are_paged_filtered_and_counted_as_plan_show_has_them(
    site: Site, kind: str | None, sku: str | None
) -> None:
    # given the current plan's rows as plan show has them, filtered in Python
    current = _current(site)
    orders = [r for r in _rows(site, current) if isinstance(r, PlanOrderLine)]
    wanted = [
        plain(o)
        for o in orders
        if (kind is None or o.kind == kind) and (sku is None or sku.upper() in o.sku.upper())
    ]
    assert len(orders) > 50 and wanted  # more than one page of the page's 50

    # when the API is read page by page (7 a page)
    params = {k: v for k, v in (("kind", kind), ("sku", sku)) if v is not None}
    found, total = _walk(site, "/plan/orders", params, 7)

    # then it has the same orders, in the same order, with their pegging, and counts them
    assert found == wanted and total == len(wanted)
    assert _current(site) == current


def test_an_earlier_plans_orders_and_exceptions_are_read_with_run(site: Site) -> None:
    first = _rows(site, site.runs[0])
    orders, total = _walk(site, "/plan/orders", {"run": site.runs[0]}, 50)
    assert orders == [plain(r) for r in first if isinstance(r, PlanOrderLine)]
    assert total == len(orders)
    exceptions, _ = _walk(site, "/plan/exceptions", {"run": site.runs[0]}, 50)
    assert exceptions == [plain(r) for r in first if isinstance(r, PlanExceptionLine)]


@pytest.mark.parametrize(
    ("kind", "sku"), [(None, None), ("short", None), (None, "trm")], ids=["all", "kind", "sku"]
)
def test_exceptions_are_paged_filtered_and_counted_as_plan_show_has_them(
    site: Site, kind: str | None, sku: str | None
) -> None:
    current = _current(site)
    rows = [r for r in _rows(site, current) if isinstance(r, PlanExceptionLine)]
    wanted = [
        plain(e)
        for e in rows
        if (kind is None or e.kind == kind) and (sku is None or sku.upper() in e.sku.upper())
    ]
    assert len(rows) > 50 and wanted
    params = {k: v for k, v in (("kind", kind), ("sku", sku)) if v is not None}
    found, total = _walk(site, "/plan/exceptions", params, 11)
    assert found == wanted and total == len(wanted) and _current(site) == current


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/plan/orders?kind=nope", 422, "'nope' is not one of purchase, production, transfer"),
        ("/plan/orders?run=999", 404, "no complete plan 999"),
        ("/plan/exceptions?run=999", 404, "no complete plan 999"),
        ("/plan/diff?new=999", 404, "no complete plan 999"),
        ("/plan/runs/777", 404, "no planning run 777"),
    ],
    ids=["kind", "orders-run", "exceptions-run", "diff-run", "ticket"],
)
def test_an_unknown_kind_plan_or_run_is_refused_naming_it(
    site: Site, path: str, status: int, message: str
) -> None:
    answer = site.client.get(path, headers=site.headers["viewer"])
    assert answer.status_code == status and message in answer.json()["detail"]


def test_the_diff_is_plan_diffs_and_defaults_to_the_previous_plan_against_the_current(
    site: Site,
) -> None:
    first, second = site.runs
    with UnitOfWork(site.engine, write=False) as uow:
        changes = plan_reports.diff_runs(uow, first, second)
        current = plan_reports.current_run(uow).id
        previous = plan_reports.previous_run(uow, current).id
        latest = plan_reports.diff_runs(uow, previous, current)
    assert changes

    default = site.client.get("/plan/diff", headers=site.headers["finance"])
    explicit = site.client.get(
        "/plan/diff", params={"old": first, "new": second}, headers=site.headers["viewer"]
    )

    expected = {"old": first, "new": second, "total": len(changes), "changes": plain(changes)}
    assert default.status_code == 200
    assert default.json() == {
        "old": previous, "new": current, "total": len(latest), "changes": plain(latest)
    }  # fmt: skip
    assert explicit.json() == expected and explicit.headers["X-Total-Count"] == str(len(changes))
    # and paged (3 items a page), the pages put together are the whole report
    pages = [
        site.client.get(
            "/plan/diff",
            params={"old": first, "new": second, "limit": 3, "offset": offset},
            headers=site.headers["viewer"],
        ).json()["changes"]
        for offset in range(0, len(changes), 3)
    ]
    assert [c for page in pages for c in page] == plain(changes)


def _diff_in_python(uow: UnitOfWork, old_id: int, new_id: int) -> list[PlanChange]:
    """The diff as it was computed before the store found changed items in SQL: every order
    and input of both runs and every BOM line loaded, compared in Python (the reference)."""
    skus = plan_reads.skus(uow)

    def orders(run_id: int) -> dict[int, list[tuple[Any, Decimal]]]:
        found: dict[int, list[tuple[Any, Decimal]]] = defaultdict(list)
        for row in plan_reads.orders_of(uow, run_id):
            found[row.item_id].append((row.due_date, row.quantity))
        return found

    before, after = orders(old_id), orders(new_id)
    old_inputs, new_inputs = plan_reads.inputs_of(uow, old_id), plan_reads.inputs_of(uow, new_id)
    parents: dict[int, set[int]] = defaultdict(set)
    for parent, child in plan_reads.bom_links(uow):
        parents[child].add(parent)

    def causes(item_id: int, seen: set[int]) -> list[str]:
        old, new = old_inputs.get(item_id, {}), new_inputs.get(item_id, {})
        own = [
            f"{CAUSES[k]}: {old.get(k, '-')} -> {new.get(k, '-')}"
            for k in CAUSES
            if old.get(k) != new.get(k)
        ]
        if own:
            return own
        for parent in sorted(parents.get(item_id, ())):
            if parent not in seen:
                found = causes(parent, seen | {parent})
                if found:
                    return [f"via {skus.get(parent)}: {cause}" for cause in found]
        return []

    changes = []
    for item_id in sorted(set(before) | set(after), key=lambda i: skus.get(i, "")):
        old, new = sorted(before.get(item_id, [])), sorted(after.get(item_id, []))
        if old == new:
            continue
        changes.append(
            PlanChange(
                sku=skus.get(item_id),
                before=sum((q for _, q in old), Decimal(0)),
                after=sum((q for _, q in new), Decimal(0)),
                orders_before=len(old),
                orders_after=len(new),
                caused_by="; ".join(causes(item_id, {item_id}))
                or "no input of this item or its parents changed (netting order)",
            )
        )
    return changes


def test_the_diff_found_in_sql_is_the_one_computed_from_every_row(site: Site) -> None:
    # given a third plan after stock changed for some items (causes of their own and via
    # parents), compared with the first and the second
    with UnitOfWork(site.engine) as uow:
        skus = sorted(plan_reads.skus(uow).values())
        import_rows(
            uow, "stock", [{"sku": sku, "location": "WH-LIS", "quantity": 7} for sku in skus[::4]],
            source="diff test",
        )  # fmt: skip
        uow.commit()
    third = planning.run_plan(site.engine, now=site.now + timedelta(minutes=9), horizon=12)
    for old, new in ((site.runs[1], third.run_id), (site.runs[0], third.run_id)):
        with UnitOfWork(site.engine, write=False) as uow:
            expected = _diff_in_python(uow, old, new)
            found = plan_reports.diff_runs(uow, old, new)
            count = plan_reports.count_changes(uow, old, new)
        assert expected and any("via " in c.caused_by for c in expected)
        assert found == expected and count == len(expected)


def _watch(site: Site, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        answer = site.client.get(location, headers=site.headers["viewer"])
        assert answer.status_code == 200, answer.text
        progress: dict[str, Any] = answer.json()
        if progress["status"] != "running" or time.monotonic() > deadline:
            return progress
        time.sleep(0.1)


def test_a_planner_starts_a_run_and_watches_it_to_its_end_and_it_is_recorded(
    site: Site,
) -> None:
    # when a planner starts a run of 6 weeks
    answer = site.client.post("/plan/runs", json={"horizon": 6}, headers=site.headers["planner"])

    # then it is accepted, running in the background, with where to watch it
    assert answer.status_code == 202, answer.text
    started = answer.json()
    location = answer.headers["Location"]
    assert location == f"/plan/runs/{started['ticket']}"
    assert started["horizon"] == 6 and started["actor"].startswith("token:")
    assert [s["name"] for s in started["steps"]] == list(planning.STEPS)
    # and watched, it ends complete with the plan version it wrote, now current
    done = _watch(site, location)
    assert done["status"] == "complete" and done["percent"] == 100, done
    with UnitOfWork(site.engine, write=False) as uow:
        current = plan_reports.current_run(uow)
    assert done["run_id"] == current.id == started["run_id"] and current.horizon == 6
    assert (done["orders"], done["exceptions"]) == (
        current.stats["orders"],
        current.stats["exceptions"],
    )
    # and the recorded runs list it first, with who started it and its counts
    runs = site.client.get("/plan/runs", params={"limit": 2}, headers=site.headers["quality"])
    assert runs.status_code == 200 and int(runs.headers["X-Total-Count"]) >= 3
    newest = runs.json()[0]
    assert newest["id"] == current.id and newest["status"] == "complete"
    assert newest["actor"] == current.actor and newest["orders"] == current.stats["orders"]
    assert newest["finished_at"] is not None and newest["horizon"] == 6


def test_a_start_is_refused_while_a_run_goes_elsewhere_and_the_refusal_is_recorded(
    site: Site,
) -> None:
    # given a run going in another process (a terminal's flexchain plan)
    now = datetime.now(UTC)
    going = planning.claim_run(site.engine, now=now, actor="cli:root")
    try:
        # when an admin starts one through the API
        answer = site.client.post("/plan/runs", json={}, headers=site.headers["admin"])

        # then it is refused naming the run going and who started it
        assert answer.status_code == 422
        detail = answer.json()["detail"]
        assert f"another run is going: run {going} started at" in detail and "cli:root" in detail
        runs = site.client.get("/plan/runs", headers=site.headers["viewer"]).json()
        refused = next(r for r in runs if r["id"] > going)
        assert refused["status"] == "failed" and f"run {going}" in refused["error"]
    finally:
        planning.abandon_run(site.engine, going, error="ended by the test", now=now, actor="t")


def test_a_run_another_process_started_is_watched_as_recorded(site: Site) -> None:
    # given a run going in another process (another server worker, a terminal's flexchain plan)
    now = datetime.now(UTC)
    going = planning.claim_run(site.engine, now=now, actor="cli:root")
    try:
        # when a viewer watches it here, by its id (the ticket every process shares)
        watched = site.client.get(f"/plan/runs/{going}", headers=site.headers["viewer"])
        # then it shows as the database records it: going, who, no step detail
        assert watched.status_code == 200, watched.text
        view = watched.json()
        assert view["ticket"] == view["run_id"] == going and view["status"] == "running"
        assert view["actor"] == "cli:root" and view["step"] is None and view["percent"] == 0
    finally:
        planning.abandon_run(site.engine, going, error="ended by the test", now=now, actor="t")
    # and a complete run recorded elsewhere shows with its counts
    first = site.runs[0]
    done = site.client.get(f"/plan/runs/{first}", headers=site.headers["viewer"]).json()
    assert done["status"] == "complete" and done["percent"] == 100 and done["orders"] > 0
    assert {step["state"] for step in done["steps"]} == {"done"}
    # and the plan page watching it says it ended
    ended = site.client.get(
        f"/app/plan/runs/{going}", headers={**site.headers["viewer"], "HX-Request": "true"}
    )
    assert ended.status_code == 200 and "failed" in ended.text.lower()


@pytest.mark.parametrize("horizon", [0, 105, "x"], ids=["zero", "too-long", "text"])
def test_a_bad_horizon_is_refused_and_starts_nothing(site: Site, horizon: object) -> None:
    before = site.client.get("/plan/runs", headers=site.headers["viewer"])
    answer = site.client.post(
        "/plan/runs", json={"horizon": horizon}, headers=site.headers["planner"]
    )
    after = site.client.get("/plan/runs", headers=site.headers["viewer"])
    assert answer.status_code == 422
    assert after.headers["X-Total-Count"] == before.headers["X-Total-Count"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/plan/orders"), ("GET", "/plan/exceptions"), ("GET", "/plan/runs"),
     ("GET", "/plan/diff"), ("POST", "/plan/runs")],
)  # fmt: skip
def test_a_suppliers_user_gets_403_and_only_planners_and_admins_start_runs(
    site: Site, method: str, path: str
) -> None:
    assert site.client.request(method, path, headers=site.headers["supplier"]).status_code == 403
    if method == "POST":
        for role in ("buyer", "finance", "quality", "viewer"):
            refused = site.client.post(path, json={}, headers=site.headers[role])
            assert refused.status_code == 403
    else:
        for role in ROLES:
            assert site.client.get(path, headers=site.headers[role]).status_code == 200
