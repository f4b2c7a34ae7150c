"""Reporting an issue on an order in Debian's Chromium (Playwright) against ``flexchain serve``:
a quality user opens a shipped order, reports a line damaged with the page's form (no script
needed), and sees it listed; the order book flags the order. Nothing the Content-Security-Policy
refuses, no serious accessibility violation (axe-core) on the page with the form and with the
issue; the page fits a phone; screenshot ``build/screenshots/tower-order-issues.png``. One server
and one browser, on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import orders
from tests.auth import make_user
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
from tests.integration.test_order_issues import TEE, _build

__all__ = ["browser"]  # the module-scoped fixture, used by name

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium")


@pytest.fixture(scope="module")
def served(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, int]]:
    engine = make_engine(module_database_url)
    made = _build(engine)
    with UnitOfWork(engine, write=False) as uow:
        order = orders.find_order(uow, made["shipped"]).id
    user = make_user(engine, "quality")
    engine.dispose()
    with serve(module_database_url, tmp_path_factory.mktemp("serve")) as base:
        yield base, user, order


@pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
def test_quality_reports_a_damaged_line_on_the_order_page_and_sees_it_listed(
    browser: object, served: tuple[str, str, int], module_database_url: str
) -> None:
    base, user, order = served
    page = browser.new_page(viewport=DESKTOP)  # type: ignore[attr-defined]
    refused = watch_csp(page)
    login(page, base, user, f"/app/orders/{order}")
    expect(page.locator("#issues")).to_contain_text("No issue reported")
    assert axe_violations(page) == []
    form = page.locator("#issue-form")
    form.get_by_label("What went wrong").select_option("damaged")
    form.get_by_label("Line").select_option(TEE)
    form.get_by_label("Units affected").fill("1")
    form.get_by_label("Note (what the customer said)").fill("seam torn on arrival")
    form.get_by_role("button", name="Report the issue").click()
    expect(page.locator("#notice")).to_contain_text(f"damaged on line {TEE}")
    rows = page.locator("#issue-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("seam torn on arrival")
    expect(rows.first).to_contain_text("damaged")
    shot(page, "tower-order-issues")
    assert axe_violations(page) == []
    page.goto(f"{base}/app/orders?issues=yes")
    expect(page.locator("#orders tbody tr")).to_have_count(1)
    expect(page.locator("#orders")).to_contain_text("1 reported")
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/app/orders/{order}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the order page is {width} px wide at 375 px"
    shot(page, "tower-order-issues-phone")
    assert refused == []
