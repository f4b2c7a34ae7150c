"""Today, the control tower's decision inbox, in a real browser (Debian's Chromium through
Playwright, ``flexchain serve`` on the world of tests/today_world.py, one entry of every kind).

The operations lead (admin) logs in at 1280 px, sees every entry ranked, acts on three (releases
the planned purchase, awards the RFQ, snoozes the certificate with a reason), and the list
says what was done; at phone width (375 px) the
page fits and keeps its buttons. A viewer sees the entries but no button; a supplier's user gets
the 403 page pointing to the portal. axe-core (vendored) finds no serious violation on the page;
the Content-Security-Policy refuses nothing. Screenshots: build/screenshots/tower-today-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.today import Kind
from tests.auth import make_user
from tests.conftest import BACKENDS
from tests.e2e.tower_browser import (
    CHROMIUM,
    DESKTOP,
    PHONE,
    axe_violations,
    browser,  # noqa: F401 (a fixture)
    login,
    serve,
    shot,
    watch_csp,
)
from tests.today_world import build_today_world

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium (scripts/ensure-test-services.sh)"
)


@pytest.fixture(scope="module")
def served(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str], dict[str, Any]]]:
    """The server over the Today world; (base URL, e-mail by role, the world's records)."""
    engine = make_engine(module_database_url)
    now = datetime.now(UTC).replace(microsecond=0)
    built = build_today_world(lambda **kw: UnitOfWork(engine, **kw), engine, now)
    users = {
        "admin": make_user(engine, "admin"),
        "viewer": make_user(engine, "viewer"),
        "supplier": make_user(engine, "supplier", supplier="SEW-PT"),
    }
    engine.dispose()
    with serve(module_database_url, tmp_path_factory.mktemp("tower")) as base:
        yield base, users, built


def _entries(page: Page) -> int:
    return page.locator("#decisions > li").count()


def _entry(page: Page, kind: str) -> Any:
    return page.locator(f"#decisions > li[data-key^='{kind}:']")


def _lead_acts_on_three(page: Page, built: dict[str, Any]) -> None:
    # releases the planned purchase to the suggested supplier
    planned = _entry(page, "planned_order")
    expect(planned).to_contain_text("1,000.00 EUR")
    planned.get_by_role("button", name="Release to SEW-PT").click()
    expect(page.locator("#notice")).to_contain_text("released into draft PO-")
    expect(_entry(page, "planned_order")).to_have_count(0)
    # awards the RFQ to its best quotes
    _entry(page, "rfq_to_award").get_by_role("button", name="Award best quotes").click()
    expect(page.locator("#notice")).to_contain_text(f"RFQ {built['rfq']} awarded")
    expect(_entry(page, "rfq_to_award")).to_have_count(0)
    # snoozes the certificate until a day, with a reason
    certificate = _entry(page, "certificate_expiring")
    certificate.locator("summary").click()
    certificate.get_by_label("Why it can wait").fill("renewal promised by phone")
    day = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    certificate.get_by_label("Show it again on").fill(day)
    certificate.get_by_role("button", name="Snooze").click()
    expect(page.locator("#notice")).to_contain_text(f"snoozed until {day}")
    expect(_entry(page, "certificate_expiring")).to_have_count(0)


@pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
def test_the_operations_lead_works_the_inbox_in_a_browser(
    browser: Browser,  # noqa: F811
    served: tuple[str, dict[str, str], dict[str, Any]],
    module_database_url: str,
) -> None:
    base, users, built = served
    page = browser.new_page(viewport=DESKTOP)
    refused = watch_csp(page)
    # given the lead logs in, then Today lists one entry of every kind, most at stake first
    login(page, base, users["admin"])
    expect(page.locator("h1")).to_have_text("Today")
    assert _entries(page) == len(Kind)
    top = page.locator("#decisions > li").first.get_attribute("data-key", timeout=2000)
    assert (top or "").startswith("planned_order:purchase:CANVAS:")  # planned purchase 1
    assert axe_violations(page) == []
    shot(page, "tower-today-desktop")
    # when the lead acts on three entries, each goes through its service and leaves the list
    _lead_acts_on_three(page, built)
    assert _entries(page) == len(Kind) - 3
    # and at phone width the page fits, with its buttons
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/app/today")
    expect(_entry(page, "invoice_held").get_by_role("button", name="Release hold")).to_be_visible()
    shot(page, "tower-today-phone")
    assert axe_violations(page) == []
    assert refused == []
    page.close()


@pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
def test_a_viewer_sees_no_button_and_a_supplier_is_refused(
    browser: Browser,  # noqa: F811
    served: tuple[str, dict[str, str], dict[str, Any]],
    module_database_url: str,
) -> None:
    base, users, _ = served
    viewer = browser.new_page(viewport=PHONE)
    login(viewer, base, users["viewer"])
    assert _entries(viewer) > 0
    expect(viewer.locator("#decisions button")).to_have_count(0)
    expect(viewer.locator("header")).to_contain_text("reads only")
    shot(viewer, "tower-today-viewer")
    viewer.close()
    supplier = browser.new_page(viewport=PHONE)
    login(supplier, base, users["supplier"], "/portal")  # a supplier starts in its portal
    response = supplier.goto(f"{base}/app/today")
    assert response is not None and response.status == 403
    expect(supplier.locator("h1")).to_have_text("Not for this account")
    expect(supplier.get_by_role("link", name="the supplier portal")).to_be_visible()
    assert axe_violations(supplier) == []
    shot(supplier, "tower-today-supplier-refused")
    supplier.close()


@pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
def test_a_refusal_on_a_filtered_list_at_phone_width_is_seen_and_keeps_the_filter(
    browser: Browser,  # noqa: F811
    served: tuple[str, dict[str, str], dict[str, Any]],
    module_database_url: str,
) -> None:
    base, users, built = served
    page = browser.new_page(viewport=PHONE)
    refused = watch_csp(page)
    login(page, base, users["admin"])
    page.goto(f"{base}/app/today?kind=invoice_held")
    # when the hold is released without a reason
    _entry(page, "invoice_held").get_by_role("button", name="Release hold").click()
    # then the reason is at the top, in view, naming the entry; the list is still filtered
    alert = page.locator("#form-alert")
    expect(alert).to_contain_text("say why you release it")
    expect(alert).to_contain_text(f"Invoice {built['invoice']}")
    expect(alert).to_be_in_viewport()
    assert page.url.endswith("/app/today?kind=invoice_held")
    expect(page.locator("nav.kinds a[aria-current=page]")).to_have_text("Invoice held")
    expect(page.locator("#decisions > li")).to_have_count(1)
    shot(page, "tower-today-refused-phone")
    assert axe_violations(page) == []
    # and an entry snoozed is listed under Snoozed, and shows again once unsnoozed
    page.goto(f"{base}/app/today?kind=option_alert")
    alert_entry = _entry(page, "option_alert")
    alert_entry.locator("summary").click()
    alert_entry.get_by_label("Why it can wait").fill("a passing fad")
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    alert_entry.get_by_label("Show it again on").fill(day)
    alert_entry.get_by_role("button", name="Snooze").click()
    expect(_entry(page, "option_alert")).to_have_count(0)
    snoozed = page.locator("#snoozed")
    snoozed.locator("summary").click()
    row = snoozed.locator("li[data-key^='option_alert:']")
    expect(row).to_contain_text("a passing fad")
    assert axe_violations(page) == []
    row.get_by_role("button", name="Unsnooze").click()
    expect(page.locator("#notice")).to_contain_text("shows again today")
    expect(_entry(page, "option_alert")).to_have_count(1)
    assert refused == []
    page.close()
