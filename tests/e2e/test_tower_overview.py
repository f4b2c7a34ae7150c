"""The control tower's Overview in Debian's Chromium (Playwright) against ``flexchain serve``:
a planner opens the KPIs of a recorded November (tests/integration/test_kpis.py's world); every
card's value equals ``GET /kpis``, the trend charts are drawn, a KPI's rows open from its card;
at desktop and phone width, nothing the Content-Security-Policy refuses, no console error, no
serious accessibility violation (axe-core); screenshots ``build/screenshots/tower-overview*.png``.
One server and one browser for the module, on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from flexchain.adapters.db.engine import make_engine
from tests.auth import make_user, token_for
from tests.conftest import BACKENDS
from tests.e2e.tower_browser import (
    CHROMIUM,
    DESKTOP,
    PHONE,
    axe_violations,
    browser,
    login,
    serve,
    shot,
    watch_csp,
)
from tests.integration.test_kpis import END, WEEKS, build

__all__ = ["browser"]  # the module-scoped fixture, used by name

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium")
WINDOW = f"period_end={END}&weeks={WEEKS}"


@pytest.fixture(scope="module")
def served(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, str]]:
    engine = make_engine(module_database_url)
    build(engine)
    email = make_user(engine, "planner")
    token = token_for(engine, email)
    engine.dispose()
    with serve(module_database_url, tmp_path_factory.mktemp("serve")) as base:
        yield base, email, token


def _errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions of the page (should stay [])."""
    seen: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def _drawn(page: Page) -> None:
    """Wait until Chart.js has drawn OTIF's trend."""
    page.wait_for_function(
        "() => { const c = document.querySelector('#trend-otif canvas');"
        " return c && c.width > 0 && window.Chart && Chart.getChart(c) !== undefined; }",
        timeout=10_000,
    )


def _value(text: str | None) -> Decimal | None:
    return None if not text else Decimal(text)


@pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
def test_a_planner_reads_the_kpis_and_their_rows(
    browser: object, served: tuple[str, str, str], module_database_url: str
) -> None:
    base, email, token = served
    page = browser.new_page(viewport=DESKTOP)  # type: ignore[attr-defined]
    refused = watch_csp(page)
    login(page, base, email, "/app/overview")
    errors = _errors(page)  # from here: the login page is not under test
    page.goto(f"{base}/app/overview?{WINDOW}")
    # every card says what the API says
    api = page.request.get(f"{base}/kpis?{WINDOW}", headers={"Authorization": f"Bearer {token}"})
    assert api.ok, api.text()
    figures = api.json()
    assert len(figures) == page.locator("#kpis > li").count() == 14
    for figure in figures:
        shown = page.locator(f"#kpi-{figure['key']} .value").get_attribute("data-value")
        assert _value(shown) == _value(figure["value"]), figure["key"]
    expect(page.locator("#kpi-otif")).to_contain_text("misses target")
    expect(page.locator("#kpi-supplier_on_time")).to_contain_text("meets target")
    # the trend charts are drawn by the vendored Chart.js (a canvas with pixels)
    _drawn(page)
    shot(page, "tower-overview")
    assert axe_violations(page) == []
    # a KPI's rows: the orders OTIF counted
    page.click("#kpi-otif a:has-text('The rows behind')")
    page.wait_for_url(f"{base}/app/overview/otif?{WINDOW}")
    expect(page.locator("#rows tbody tr")).to_have_count(4)
    expect(page.locator("#rows")).to_contain_text("1003")
    _drawn(page)  # after a boosted (htmx) navigation too
    shot(page, "tower-overview-otif")
    assert axe_violations(page) == []
    # on a phone: no sideways scrolling (shot checks), still accessible
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/app/overview?{WINDOW}")
    shot(page, "tower-overview-phone")
    assert axe_violations(page) == []
    assert refused == [] and errors == []
