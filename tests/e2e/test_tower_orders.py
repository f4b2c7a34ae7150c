"""The control tower's Orders and Inventory pages in Debian's Chromium (Playwright) against
``flexchain serve``: a planner walks the order book (the late filter), opens an order (its jobs,
promise and the customer's view), the inventory (the ABC-XYZ matrix, a matrix cell's items) and
an item whose chart Chart.js draws, at desktop and at phone width; no console error, nothing
the Content-Security-Policy refuses, no serious accessibility violation (axe-core), screenshots
to ``build/screenshots/tower-orders*.png`` and ``tower-inventory*.png``, ``tower-item*.png``.
One server and one browser for the module, on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from flexchain.adapters.db.engine import make_engine
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
from tests.integration.test_tower_orders_inventory import build
from tests.storefront_world import TEE

__all__ = ["browser"]  # the module-scoped fixture, used by name

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium")


@pytest.fixture(scope="module")
def served(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, dict[str, str]]]:
    engine = make_engine(module_database_url)
    made = build(engine)
    email = make_user(engine, "planner")
    engine.dispose()
    with serve(module_database_url, tmp_path_factory.mktemp("serve")) as base:
        yield base, email, made


def _errors(page: Page) -> list[str]:
    """Uncaught exceptions, console errors and failed requests of the page (should stay [];
    the browser's own request for /favicon.ico, which no page names, left out)."""
    seen: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            seen.append(message.text)

    def answered(response: Response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            seen.append(f"{response.status} {response.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: seen.append(str(error)))
    page.on("response", answered)
    return seen


@pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
def test_a_planner_walks_orders_and_inventory(
    browser: object, served: tuple[str, str, dict[str, str]], module_database_url: str
) -> None:
    base, email, made = served
    page = browser.new_page(viewport=DESKTOP)  # type: ignore[attr-defined]
    refused, errors = watch_csp(page), _errors(page)
    # the order book, then only the late orders
    login(page, base, email, "/app/orders")
    expect(page.locator("#order-count")).to_have_text("4 orders")
    shot(page, "tower-orders")
    assert axe_violations(page) == []
    page.select_option("#late", "yes")
    page.click("form[role=search] button[type=submit]")
    expect(page.locator("#order-count")).to_have_text("2 orders")
    # an order: its jobs, its promise, what its customer sees
    page.click(f"#orders a:text-is('{made['bag']}')")
    expect(page.locator("h1")).to_have_text(f"Order {made['bag']}")
    expect(page.locator("#jobs")).to_contain_text("M-ENGRAVING")
    expect(page.locator("#tracking")).to_contain_text("Ships by")
    expect(page.locator("#promise")).to_contain_text("past the promise, not shipped")
    order_path = page.url.removeprefix(base)
    shot(page, "tower-order")
    assert axe_violations(page) == []
    # the inventory: the matrix, a cell's items, an item and its chart
    page.click("nav.menu a:text-is('Inventory')")
    expect(page.locator("#cell-AX")).to_contain_text("1 item")
    shot(page, "tower-inventory")
    assert axe_violations(page) == []
    page.click("#cell-AX a")
    expect(page.locator("#balance-count")).to_have_text("1 balance line")
    page.click(f"#balance-table a:text-is('{TEE}')")
    expect(page.locator("#item-chart canvas[data-drawn='1']")).to_have_count(1)
    expect(page.locator("#explanation")).to_contain_text("Netting")
    shot(page, "tower-item")
    assert axe_violations(page) == []
    # at phone width: nothing wider than the phone
    page.set_viewport_size(PHONE)
    phone = {
        "/app/orders": "tower-orders-phone",
        "/app/inventory": "tower-inventory-phone",
        f"/app/inventory/items/{TEE}": "tower-item-phone",
        order_path: "tower-order-phone",  # a late order: its promise's words wrap
    }
    for path, name in phone.items():
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        shot(page, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
        assert axe_violations(page) == [], path
    assert refused == [] and errors == []
    page.close()
