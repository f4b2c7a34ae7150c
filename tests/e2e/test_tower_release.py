"""Releasing planned production in Debian's Chromium (Playwright) against ``flexchain serve``:
a planner ticks a planned production order on the Plan page and releases it into a job at the
supplier that makes it, then releases another from Today's inbox; the API (``GET
/plan/releases``) says what each went into, the Plan page marks it released and refuses a
second release. No
Content-Security-Policy refusal, no serious accessibility violation (axe-core); screenshots
``build/screenshots/tower-plan-release.png`` and ``tower-today-release.png``. One server and
one browser for the module, on SQLite."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from tests.auth import make_user, token_for
from tests.conftest import BACKENDS
from tests.e2e.tower_browser import (
    CHROMIUM,
    DESKTOP,
    axe_violations,
    browser,
    login,
    serve,
    shot,
    watch_csp,
)
from tests.integration.test_plan_release import build_release_world

__all__ = ["browser"]  # the module-scoped fixture, used by name

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium")


@pytest.fixture(scope="module")
def served(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    engine = make_engine(module_database_url)
    made: dict[str, Any] = {"run": build_release_world(lambda **kw: UnitOfWork(engine, **kw))}
    email = make_user(engine, "planner")
    made["token"] = token_for(engine, email)
    engine.dispose()
    with serve(module_database_url, tmp_path_factory.mktemp("serve")) as base:
        yield base, email, made


def _released(page: Page, base: str, made: dict[str, Any]) -> dict[str, str]:
    answer = page.request.get(
        f"{base}/plan/releases", headers={"Authorization": f"Bearer {made['token']}"}
    )
    assert answer.ok, answer.text()
    return dict(answer.json())


@pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
def test_a_planner_releases_planned_production_from_the_plan_page_and_today(
    browser: Any, served: tuple[str, str, dict[str, Any]], module_database_url: str
) -> None:
    base, email, made = served
    page = browser.new_page(viewport=DESKTOP)
    refused = watch_csp(page)
    login(page, base, email, "/app/plan")
    # a planner ticks production (purchases are the buyers') and releases it into a job
    expect(page.locator("#pick-3")).to_be_visible()
    expect(page.locator("#pick-1")).to_have_count(0)
    expect(page.get_by_role("button", name="Draft an RFQ")).to_have_count(0)
    assert axe_violations(page) == []
    page.check("#pick-3")
    page.get_by_role("button", name="Release into production jobs").click()
    notice = page.locator("#notice")
    expect(notice).to_contain_text("Planned production 3 released into job")
    expect(notice).to_contain_text("at SEW-PT")
    job = re.search(r"job (\d+)", notice.inner_text())
    assert job is not None
    assert _released(page, base, made) == {"3": f"job {job.group(1)}"}
    shot(page, "tower-plan-release")
    # and the page marks it released; ticked again, the release is refused naming the job
    expect(page.locator("#released-3")).to_have_text(f"released into job {job.group(1)}")
    page.check("#pick-3")
    page.get_by_role("button", name="Release into production jobs").click()
    expect(page.locator("#form-alert")).to_contain_text(
        f"planned order 3 was released into job {job.group(1)}"
    )
    # and Today offers the other planned production (not the released one) as a job
    page.goto(f"{base}/app/today?kind=planned_order")
    entries = page.locator("li.decision")
    expect(entries.filter(has_text="Planned production 3:")).to_have_count(0)
    strap = entries.filter(has_text="Planned production 4:")
    strap.get_by_role("button", name="Release as a job at SEW-PT").click()
    expect(page.locator("#notice")).to_contain_text("Planned order 4 released into job")
    expect(page.locator("li.decision").filter(has_text="Planned production 4:")).to_have_count(0)
    assert set(_released(page, base, made)) == {"3", "4"}
    shot(page, "tower-today-release")
    assert axe_violations(page) == []
    assert refused == []
