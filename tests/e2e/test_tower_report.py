"""The weekly report page in Debian's Chromium (Playwright) against ``flexchain serve``: a buyer
opens the last complete week, in which a price-index renegotiation was raised and accepted; the
page says what fired and what was decided, its PDF downloads, the buyer asks for the report by
e-mail with the page's button; a viewer reads it without the button. At desktop and phone width:
nothing the Content-Security-Policy refuses, no serious accessibility violation (axe-core);
screenshots ``build/screenshots/tower-report*.png``. One server and one browser, on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.tables import ContractRow, PurchaseOrderRow, SupplierRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import price_watch
from flexchain.services.imports import import_rows
from flexchain.services.weekly_report import last_week_end
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
from tests.integration.test_price_watch import WORLD

__all__ = ["browser"]  # the module-scoped fixture, used by name

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium")
WEEK_END = last_week_end(datetime.now(UTC).date())


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _build(engine: object) -> int:
    """test_price_watch's world; a renegotiation raised on the Tuesday of the last complete
    week and accepted on its Thursday."""
    tuesday, thursday = WEEK_END - timedelta(days=5), WEEK_END - timedelta(days=3)
    with UnitOfWork(engine, actor="demo") as uow:  # type: ignore[arg-type]
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=kind)
        contract = uow.session.scalar(select(ContractRow.id).where(ContractRow.code == "FA-SEW"))
        supplier = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == "SEW-PT"))
        uow.session.add(PurchaseOrderRow(po_number="PO-7", supplier_id=supplier,
                                         status="confirmed", contract_id=contract))  # fmt: skip
        rows = [(1, {"index": "COTTON", "date": "2026-01-01", "value": "1.80", "unit": "USD/kg"}),
                (2, {"index": "COTTON", "date": (tuesday - timedelta(days=3)).isoformat(),
                     "value": "1.98"})]  # fmt: skip
        price_watch.import_index_rows(uow, rows, now=_at(tuesday, 8))
        price_watch.set_cost_model(
            uow, "TEE-BODY", material="0.6", energy="0.1", tooling="0.1", labour="0.2",
            indices={"material": "COTTON"}, now=_at(tuesday, 8),
        )  # fmt: skip
        price_watch.add_index_clause(uow, "FA-SEW", index="cotton", base="1.80",
                                     base_date=date(2026, 1, 1), now=_at(tuesday, 8))  # fmt: skip
        uow.commit()
    with UnitOfWork(engine, actor="system:price-watch") as uow:  # type: ignore[arg-type]
        (task,) = price_watch.watch(uow, tuesday, now=_at(tuesday, 9)).raised
        uow.commit()
    with UnitOfWork(engine, actor="user:anna@brand.example") as uow:  # type: ignore[arg-type]
        price_watch.decide_task(uow, task.id, "accept", reason="new prices agreed",
                                now=_at(thursday, 11))  # fmt: skip
        uow.commit()
    return task.id


@pytest.fixture(scope="module")
def served(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str], int]]:
    engine = make_engine(module_database_url)
    task = _build(engine)
    users = {role: make_user(engine, role) for role in ("buyer", "viewer")}
    engine.dispose()
    with serve(module_database_url, tmp_path_factory.mktemp("serve")) as base:
        yield base, users, task


@pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
def test_a_buyer_reads_the_week_downloads_it_and_asks_for_it_by_mail(
    browser: object, served: tuple[str, dict[str, str], int], module_database_url: str
) -> None:
    base, users, task = served
    page = browser.new_page(viewport=DESKTOP, accept_downloads=True)  # type: ignore[attr-defined]
    refused = watch_csp(page)
    login(page, base, users["buyer"], "/app/report")
    expect(page.locator("h1")).to_have_text("Weekly report")
    expect(page.locator("#fired")).to_contain_text(f"renegotiation {task} raised on FA-SEW/COTTON")
    expect(page.locator("#decided")).to_contain_text(
        f"renegotiation {task} (FA-SEW) accepted: new prices agreed"
    )
    expect(page.locator("#kpi-table")).to_contain_text("On time in full")
    shot(page, "tower-report")
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.locator("#pdf").click()
    assert download.value.suggested_filename == f"weekly-report-{WEEK_END.isoformat()}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.locator("#subscribe").click()
    expect(page.locator("#notice")).to_contain_text("will be e-mailed to")
    expect(page.locator("#subscription")).to_contain_text("You get this report by e-mail")
    page.locator("#earlier").click()
    expect(page.locator("#fired")).to_have_count(0)  # nothing fired the week before
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/app/report")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide at 375 px"
    shot(page, "tower-report-phone")
    assert axe_violations(page) == []
    assert refused == []


@pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
def test_a_viewer_reads_the_report_without_the_button(
    browser: object, served: tuple[str, dict[str, str], int], module_database_url: str
) -> None:
    base, users, task = served
    page = browser.new_page(viewport=PHONE)  # type: ignore[attr-defined]
    login(page, base, users["viewer"], "/app/report")
    expect(page.locator("#fired")).to_contain_text(f"renegotiation {task}")
    expect(page.locator("#subscribe")).to_have_count(0)
