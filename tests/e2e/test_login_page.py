"""The login pages in a real browser: Debian's Chromium driven by Playwright, against
``flexchain serve`` — redirected to log in, a wrong password, logged in, the page's style
allowed by its Content-Security-Policy (and nothing refused), logged out."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, sync_playwright

from flexchain.adapters.db.engine import make_engine
from tests.auth import PASSWORD, make_user
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

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium (scripts/ensure-test-services.sh)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``flexchain serve`` on a free port with a planner; yields (base URL, e-mail)."""
    engine = make_engine(database_url)
    email = make_user(engine, "planner")
    engine.dispose()
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "flexchain.entrypoints.cli.main", "--db", database_url,
         "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
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
        yield base, email
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def test_log_in_and_out_in_a_real_browser(browser: Browser, served: tuple[str, str]) -> None:
    base, email = served
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if _refused(m) else None)
    # given nobody logged in, when the home page is opened, then the login form is shown
    page.goto(f"{base}/")
    assert page.url == f"{base}/login?next=/"
    # when a wrong password is typed, then the form says so and keeps the e-mail
    page.fill("#email", email)
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "Wrong e-mail or password."
    assert page.input_value("#email") == email
    # when the right one is typed, then the home page sends the planner to the control tower,
    # which says who is logged in
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    assert page.url == f"{base}/app/today"
    assert page.locator("#who").inner_text() == email
    assert page.locator("#role").inner_text() == "planner"
    # and the page's own style applied under its Content-Security-Policy, nothing refused
    page.wait_for_load_state("load")  # its stylesheet too (the URL changes before it loads)
    width = page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth")
    assert width == "1280px" and problems == []
    # when the user logs out, then the login page is back and the home page needs a login again
    page.click("text=Log out")
    assert page.url == f"{base}/login"
    page.goto(f"{base}/")
    assert page.url == f"{base}/login?next=/"
    page.close()


def _refused(message: ConsoleMessage) -> bool:
    return "Content Security Policy" in message.text
