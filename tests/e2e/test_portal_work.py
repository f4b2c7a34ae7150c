"""The supplier portal's work and quality pages in a real browser at phone width (375 x 812):
Debian's Chromium driven by Playwright against ``flexchain serve``. A supplier's user logs in,
starts a job and posts progress on it, records a QC result with a photo (its chain head shown),
opens every page of its own (a screenshot of each in ``build/screenshots/``: none wider than
the phone, nothing refused by the Content-Security-Policy), and gets a 404 page for another
supplier's job."""

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

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import jobs
from tests.auth import PASSWORD, make_user
from tests.integration.test_portal_work import PNG, build_portal_world, plan
from tests.pgserver import free_port
from tests.storefront_world import NOW

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
PAGES = ("jobs", "forecast", "stock", "qc", "certificates", "carbon", "suggestions", "files")

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium (scripts/ensure-test-services.sh)"
)


def _weeks_since_now() -> int:
    """Whole weeks from the test world's NOW to today's week (the server runs on the clock)."""
    today = datetime.now(UTC).date()
    start = NOW.date() - timedelta(days=NOW.weekday())
    return (today - timedelta(days=today.weekday()) - start).days // 7


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str, int, int]]:
    """``flexchain serve`` on a free port over the portal world (a plan shared, the dye job
    released to DYE-PT); yields (base URL, the DYE-PT user's e-mail, its job, ENGR-ES's job)."""
    engine = make_engine(database_url)
    build_portal_world(engine)
    plan(lambda **kw: UnitOfWork(engine, **kw), _weeks_since_now())
    with UnitOfWork(engine) as uow:
        listed = jobs.list_jobs(uow)
        dye = next(j.id for j in listed if j.sku == "M-DYE")
        engraving = next(j.id for j in listed if j.sku == "M-ENGRAVING")
        jobs.release_job(uow, dye, now=datetime.now(UTC))
        uow.commit()
    email = make_user(engine, "supplier", supplier="DYE-PT")
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
        deadline = time.monotonic() + 90  # a busy 2-core machine starts slowly
        while True:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail(f"server did not start:\n{(tmp_path / 'serve.log').read_text()}")
                time.sleep(0.1)
        yield base, email, dye, engraving
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


def _fits(page: Page) -> bool:
    """Nothing on the page wider than the phone (wide tables scroll inside their box)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_supplier_posts_progress_and_a_qc_photo_at_phone_width(
    browser: Browser, served: tuple[str, str, int, int], tmp_path: Path
) -> None:
    base, email, job, other = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 375, "height": 812})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if _refused(m) else None)
    # given the supplier's user logs in from the jobs page's link
    page.goto(f"{base}/portal/jobs")
    assert page.url == f"{base}/login?next=/portal/jobs"
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    assert page.url == f"{base}/portal/jobs"
    # when it opens its released job, starts it and posts a step with scrap
    page.click(f"a[href='/portal/jobs/{job}']")
    page.get_by_role("button", name="Start job").click()
    expect(page.locator("[role=status]")).to_have_text("Job started.")
    page.fill("#progress-step", "dye bath")
    page.fill("#progress-quantity", "2")
    page.fill("#progress-scrap", "1")
    page.get_by_role("button", name="Post progress").click()
    # then the job shows the step done and the event
    expect(page.locator("[role=status]")).to_have_text("Progress posted.")
    expect(page.locator("main")).to_contain_text("dye bath: 2 good, 1 scrap")
    # a step beyond the job's quantity is refused next to the field, what was typed kept
    page.fill("#progress-step", "dye bath")
    page.fill("#progress-quantity", "5")
    page.get_by_role("button", name="Post progress").click()
    expect(page.locator("#progress-quantity-error")).to_contain_text("would reach 7 of a job of 2")
    assert page.input_value("#progress-step") == "dye bath"
    page.screenshot(path=str(SHOTS / "portal-work-job.png"), full_page=True)
    # when it records a QC result with a photo of the job
    photo = tmp_path / "bath.png"
    photo.write_bytes(PNG)
    page.goto(f"{base}/portal/qc")
    page.fill("#subject", f"JOB-{job}")
    page.select_option("#result", "pass")
    page.fill("#accepted", "2")
    page.set_input_files("#files", str(photo))
    page.get_by_role("button", name="Record result").click()
    # then the result is on its chain, the head shown, the photo linked
    expect(page.locator("[role=status]")).to_contain_text("QC result recorded")
    assert len(page.locator("#chain-head").inner_text()) == 64
    assert page.locator("a", has_text="bath.png").count() == 1
    # every page of its own opens, fits the phone, and is kept as a screenshot
    for name in PAGES:
        page.goto(f"{base}/portal/{name}")
        assert page.locator("h1").count() == 1, name
        assert _fits(page), f"/portal/{name} is wider than 375 px"
        page.screenshot(path=str(SHOTS / f"portal-work-{name}.png"), full_page=True)
    # another supplier's job, by editing the URL: a 404 page
    answer = page.goto(f"{base}/portal/jobs/{other}")
    assert answer is not None and answer.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert problems == []
    page.close()
