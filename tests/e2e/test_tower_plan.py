"""The control tower's Plan, Procurement, Suppliers and Quote pages in Debian's Chromium
(Playwright) against ``flexchain serve``: the operations lead (an admin) starts a planning run
and watches it finish (htmx polls its progress; the page reloads once to show the new plan),
releases a planned purchase to a draft
purchase order, compares an RFQ's quotes, opens a supplier's scorecard with its trend chart
and quotes a configured product (the score and the quote's total as the API answers them), at
desktop and phone width; nothing the Content-Security-
Policy refuses, no console error, no serious accessibility violation (axe-core); screenshots to
``build/screenshots/tower-plan*.png``, ``tower-procurement*.png``, ``tower-rfq.png``,
``tower-suppliers.png``, ``tower-supplier.png``, ``tower-quote*.png``. One server and one
browser for the module, on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from playwright.sync_api import Error as PlaywrightError

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
from tests.integration.test_tower_plan_procurement import _build
from tests.storefront_world import BAG

__all__ = ["browser"]  # the module-scoped fixture, used by name

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium")


@pytest.fixture(scope="module")
def served(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    engine = make_engine(module_database_url)
    made = _build(engine)
    email = make_user(engine, "admin")
    made["token"] = token_for(engine, email)
    engine.dispose()
    with serve(module_database_url, tmp_path_factory.mktemp("serve")) as base:
        yield base, email, made


def _errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions of the page (should stay []); the browser's own
    request for ``/favicon.ico`` (which the app does not serve) aside."""
    seen: list[str] = []

    def console(message: ConsoleMessage) -> None:
        where = str(message.location.get("url", ""))
        if message.type == "error" and not where.endswith("/favicon.ico"):
            seen.append(f"{message.text} ({where})")

    page.on("console", console)
    page.on("pageerror", lambda error: seen.append(str(error)))
    return seen


def _api(
    page: Page, base: str, made: dict[str, Any], method: str, path: str, body: Any = None
) -> Any:
    """What the API answers the same user (its token), to hold a page's figure against."""
    headers = {"Authorization": f"Bearer {made['token']}"}
    if method == "GET":
        answer = page.request.get(f"{base}{path}", headers=headers)
    else:
        answer = page.request.post(f"{base}{path}", headers=headers, data=body)
    assert answer.ok, answer.text()
    return answer.json()


def _checked(page: Page, name: str) -> None:
    """The page as it is now: a screenshot ``name`` and no serious accessibility violation."""
    shot(page, name)
    assert axe_violations(page) == [], name


@pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
def test_the_lead_runs_planning_releases_a_purchase_and_reviews_suppliers(
    browser: Any, served: tuple[str, str, dict[str, Any]], module_database_url: str
) -> None:
    base, email, made = served
    page = browser.new_page(viewport=DESKTOP)
    refused, errors = watch_csp(page), _errors(page)
    login(page, base, email, "/app/plan")
    expect(page.locator("#plan-facts")).to_contain_text(f"version {made['runs'][1]}")
    _checked(page, "tower-plan")

    # a planning run started from the page, watched until it ends (htmx polls its progress)
    page.fill("#horizon", "8")
    page.click("#start-run button[type=submit]")
    expect(page.locator("#plan-run")).to_be_visible()
    # the page reloads once when the run completes: its header shows the new plan
    new = made["runs"][1] + 1
    expect(page.locator("#plan-facts")).to_contain_text(f"version {new}", timeout=120_000)
    expect(page.locator("#run-status")).to_have_text("complete")
    expect(page.locator("#run-result")).to_contain_text(f"Plan {new} is current")
    page.evaluate("window.flexchainMarker = 1")  # gone if the page reloaded again
    page.wait_for_timeout(2500)
    assert page.evaluate("window.flexchainMarker") == 1, "the page kept reloading"
    _checked(page, "tower-plan-run")
    # the link reloads /app/plan, the URL the page already has: wait for that load, or the
    # ticks and the supplier below go into the page being replaced (the release then arrives
    # with nothing ticked: "tick at least one", seen twice in CI, sessions 16 and 17)
    with page.expect_navigation():
        page.click(f"#run-result a:text('Show plan {new}')")
    expect(page.locator("#plan-facts")).to_contain_text(f"version {new}")

    # a planned purchase released to a draft purchase order
    first = page.locator("tr:has(td:text-is('purchase')) input[name=number]").first
    number = first.get_attribute("value")
    first.check()
    page.fill("#suppliers", "SEW-PT")
    page.click("#release button[value=po]")
    try:
        page.wait_for_url(f"{base}/app/procurement?*")
    except PlaywrightError as error:  # once in CI (session 16) the release was refused: say why
        marked = page.locator(".field-error, [aria-invalid=true]").all_inner_texts()
        raise AssertionError(f"release of planned order {number} refused: {marked}") from error
    expect(page.locator("#notice")).to_contain_text("drafted to SEW-PT")
    assert number is not None
    _checked(page, "tower-procurement")

    # an RFQ's quotes side by side, the best ticked
    page.click(f"#rfq-{made['rfq_compare']} a:text('Compare quotes')")
    expect(page.locator("#award-form input[type=radio]:checked")).to_have_value("SEW-LX")
    _checked(page, "tower-rfq")

    # a supplier's scorecard with its trend drawn
    page.goto(f"{base}/app/suppliers")
    expect(page.locator("#scorecards")).to_be_visible()
    _checked(page, "tower-suppliers")
    page.click("#supplier-SEW-PT a")
    expect(page.locator("h1")).to_contain_text("SEW-PT")
    page.goto(page.url)  # a full load: the chart is drawn by tower.js on DOMContentLoaded
    expect(page.locator("#supplier-trend canvas")).to_have_attribute("data-drawn", "1")
    _checked(page, "tower-supplier")
    api = _api(page, base, made, "GET", "/suppliers/SEW-PT/scorecard")
    (card,) = api
    total = "no data" if card["total"] is None else f"{Decimal(card['total']):,.1f}"
    expect(page.locator("#score .value")).to_have_text(total)

    # a configured product quoted
    page.goto(f"{base}/app/quote")
    page.fill("#sku", BAG)
    page.click("#quote-form button:text('Show the options')")
    page.select_option("select[name='option.M-DYE']", "INDIGO")
    page.fill("input[name='option.M-ENGRAVING']", "Anna")
    page.fill("#quantity", "2")
    page.click("#quote-form button[value='1']")
    answer = _api(page, base, made, "POST", "/quote", {
        "sku": BAG, "options": {"M-DYE": "INDIGO", "M-ENGRAVING": "Anna"}, "quantity": 2,
    })  # fmt: skip
    total = f"{Decimal(answer['total']):,.2f} {answer['currency']}"
    expect(page.locator("#quote-total .value")).to_have_text(total)
    expect(page.locator("#alternatives")).to_be_visible()
    _checked(page, "tower-quote")
    assert refused == [] and errors == []


@pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
def test_the_pages_work_at_phone_width(
    browser: Any, served: tuple[str, str, dict[str, Any]], module_database_url: str
) -> None:
    base, email, made = served
    page = browser.new_page(viewport=PHONE)
    refused, errors = watch_csp(page), _errors(page)
    login(page, base, email, "/app/plan")
    _checked(page, "tower-plan-phone")
    for path, name in (
        ("/app/procurement", "tower-procurement-phone"),
        (f"/app/procurement/rfqs/{made['rfq_compare']}", "tower-rfq-phone"),
        ("/app/suppliers/SEW-PT", "tower-supplier-phone"),
        (
            f"/app/quote?sku={BAG}&option.M-DYE=INDIGO&option.M-ENGRAVING=Anna&go=1",
            "tower-quote-phone",
        ),
    ):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        _checked(page, name)
    assert refused == [] and errors == []
