"""The supplier portal's buying and money pages in a real browser at phone width (375 x 812):
Debian's Chromium driven by Playwright against ``flexchain serve``. A supplier's user is sent
to log in, lands on today's list, answers an RFQ (a refused price shown at its field first),
confirms part of an order, opens its invoices, payments and holds, and gets the 404 page when
it edits the URL to another supplier's order. Every page is screenshotted to
``build/screenshots/portal-*.png``; none is wider than the phone or has a serious
accessibility violation (the vendored axe-core), the Content-Security-Policy
refuses nothing, htmx (vendored) is loaded, the order's PDF downloads, and once the session
has ended a click leads to the login page. One browser session, one backend."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.services import files, purchase_orders, rfqs
from tests.auth import PASSWORD, make_user
from tests.conftest import BACKENDS
from tests.e2e.tower_browser import axe_violations
from tests.integration.test_portal_pages import FAR, _build
from tests.pgserver import free_port

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium (scripts/ensure-test-services.sh)"
)


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``flexchain serve`` on a free port over the portal's buying world; yields (base URL,
    FAB-PT's user's e-mail, the world's records)."""
    engine = make_engine(database_url)
    settings = Settings(database_url=database_url, file_store_dir=tmp_path)
    built = _build(lambda **kw: UnitOfWork(engine, **kw), files.store_for(settings))
    email = make_user(engine, "supplier", supplier="FAB-PT")
    engine.dispose()
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "FLEXCHAIN_FILE_STORE_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "flexchain.entrypoints.cli.main", "--db", database_url,
         "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail(f"server did not start:\n{(tmp_path / 'serve.log').read_text()}")
                time.sleep(0.1)
        yield base, email, built
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def _refused(message: ConsoleMessage) -> bool:
    return "Content Security Policy" in message.text


def _shot(page: Page, name: str) -> None:
    """A full-page screenshot, after checking nothing is wider than the phone and axe-core
    finds no serious or critical accessibility violation."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{name} is {width} px wide"
    assert axe_violations(page) == [], name
    # caret="initial": hiding the caret injects a style the page's CSP (rightly) refuses
    page.screenshot(path=str(SHOTS / f"portal-{name}.png"), full_page=True, caret="initial")


@pytest.mark.parametrize("database_url", BACKENDS[:1], indirect=True)
def test_a_supplier_answers_an_rfq_and_confirms_an_order_at_phone_width(
    browser: Browser, served: tuple[str, str, dict[str, Any]], database_url: str
) -> None:
    base, email, built = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 375, "height": 812})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if _refused(m) else None)
    # given nobody logged in, the portal sends the browser to log in first
    page.goto(f"{base}/portal")
    assert page.url == f"{base}/login?next=/portal"
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    # then today's list counts the RFQ to answer and the order to confirm
    expect(page.locator("h1")).to_have_text("Today")
    expect(page.locator("#tasks")).to_contain_text("1RFQs to answer")
    page.wait_for_load_state("load")  # the deferred scripts ran: the vendored htmx too
    assert page.evaluate("typeof window.htmx") == "object"
    _shot(page, "today")

    # when the supplier follows the link, opens the RFQ and mistypes a price
    page.click("#tasks >> text=RFQs to answer")
    expect(page.locator("h1")).to_have_text("RFQs")
    _shot(page, "rfqs")
    page.click(f"text={built['rfq']}")
    expect(page.locator("h1")).to_have_text(f"RFQ {built['rfq']}")
    page.get_by_label("Unit price (EUR)").first.fill("nine")
    page.get_by_label("Lead time (days)").first.fill("12")
    page.get_by_label("Price valid until").first.fill("2099-06-30")
    page.click("text=Send quotes")
    # then the form says so at the field, keeping what was typed
    expect(page.locator("#l1-unit_price-error")).to_contain_text("nine")
    expect(page.locator("#l1-unit_price")).to_have_value("nine")
    expect(page.locator("#form-alert")).to_be_focused()  # the keyboard is where the news is
    _shot(page, "rfq-error")
    # and when corrected, the quote is sent
    page.get_by_label("Unit price (EUR)").first.fill("9,80")
    page.click("text=Send quotes")
    expect(page.locator("[role=status]")).to_contain_text("Your quotes were sent")
    _shot(page, "rfq")

    # when the supplier confirms 80 of the 100 ordered on the order's page
    page.goto(f"{base}/portal/pos")
    _shot(page, "pos")
    page.click(f"text={built['to_confirm']}")
    page.get_by_label("Quantity (m)").fill("80")
    page.click("text=Confirm order")
    expect(page.locator("[role=status]")).to_contain_text("Your confirmation was sent")
    expect(page.locator("#po-status")).to_contain_text("confirmed")
    _shot(page, "po")
    # and the order's PDF downloads (htmx does not swap it into the page)
    with page.expect_download() as download:
        page.click("text=Download the order (PDF)")
    assert download.value.suggested_filename == f"{built['to_confirm']}.pdf"
    expect(page.locator("h1")).to_have_text(f"Order {built['to_confirm']}")

    # when the supplier asks to be paid tomorrow for its approved invoice
    page.goto(f"{base}/portal/invoices")
    _shot(page, "invoices")
    page.click(f"text={built['invoice']}")
    page.get_by_label("Pay me on").fill((datetime.now(UTC).date() + timedelta(days=1)).isoformat())
    page.click("text=Show the offer")
    expect(page.locator("#offer")).to_contain_text("You receive")
    _shot(page, "invoice")
    page.click("text=Request payment on")
    expect(page.locator("[role=status]")).to_contain_text("Your request was sent")
    # then the payments page shows it; the holds page lists the brand's request
    for name in ("payments", "holds"):
        page.goto(f"{base}/portal/{name}")
        expect(page.locator("h1")).to_be_visible()
        _shot(page, name)
    expect(page.locator("main")).to_contain_text(f"Accept hold {built['hold']}")

    # when the supplier edits the URL to another supplier's order, then it is the 404 page
    response = page.goto(f"{base}/portal/pos/{built['theirs']['po']}")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    _shot(page, "not-found")
    # when the session ends (the cookie gone), a click in the portal leads to the login form
    page.context.clear_cookies()
    page.click("nav >> text=Menu")
    page.click("nav >> text=Invoices")
    page.wait_for_url(f"{base}/login?next=/portal/invoices")
    expect(page.locator("#password")).to_be_visible()
    assert problems == []
    page.close()

    # and the services hold what was done in the browser
    engine = make_engine(database_url)
    with UnitOfWork(engine, write=False) as uow:
        quotes = rfqs.show_rfq(uow, built["rfq"]).quotes
        order = purchase_orders.show_po(uow, built["to_confirm"])
    engine.dispose()
    assert [(q["supplier"], q["line_no"], str(q["unit_price"])) for q in quotes] == [
        ("FAB-PT", 1, "9.80")
    ]
    assert (order.status, order.lines[0].quantity, order.lines[0].due_date) == (
        "confirmed",
        80,
        FAR,
    )
