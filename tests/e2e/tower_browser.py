"""What the control tower's browser tests share: ``flexchain serve`` on a world, Debian's
Chromium through Playwright, logging in, screenshots at a width, the Content-Security-Policy
watched, and the accessibility check (vendored axe-core run in the page under test).

A tower e2e module (one browser and one server per module keeps the suite fast)::

    from tests.e2e.tower_browser import CHROMIUM, axe_violations, browser, login, serve, shot

    pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium")

    @pytest.fixture(scope="module")
    def served(module_database_url, tmp_path_factory):
        engine = make_engine(module_database_url)
        ...build the world, make_user(engine, "planner")...
        with serve(module_database_url, tmp_path_factory.mktemp("serve")) as base:
            yield base, email

    @pytest.mark.parametrize("module_database_url", BACKENDS[:1], indirect=True)
    def test_...(browser, served, module_database_url):
        page = browser.new_page(viewport=DESKTOP)
        refused = watch_csp(page)
        login(page, served[0], served[1], "/app/overview")
        shot(page, "tower-overview")            # build/screenshots/tower-overview.png
        assert axe_violations(page) == []       # no serious or critical violation
        assert refused == []

(``browser`` is a module-scoped fixture: import it into the module's namespace.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.auth import PASSWORD
from tests.pgserver import free_port

__all__ = [
    "CHROMIUM",
    "DESKTOP",
    "PHONE",
    "SHOTS",
    "axe_violations",
    "browser",
    "login",
    "serve",
    "shot",
    "watch_csp",
]

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
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@contextmanager
def serve(
    database_url: str, directory: Path, *, env: dict[str, str] | None = None
) -> Iterator[str]:
    """``flexchain serve`` on a free port over ``database_url`` (its log and file store in
    ``directory``); yields the base URL, stops the server after."""
    port = free_port()
    log_path = directory / "serve.log"
    log = log_path.open("wb")
    environment = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "FLEXCHAIN_FILE_STORE_DIR": str(directory),
        **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flexchain.entrypoints.cli.main", "--db", database_url,
         "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=environment,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail(f"server did not start:\n{log_path.read_text()}")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, one per test module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def login(page: Page, base: str, email: str, target: str = "/app/today") -> None:
    """Open ``target``, get sent to the login form, log in as ``email`` and land on it."""
    page.goto(f"{base}{target}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{target}")
    page.wait_for_load_state("load")


def watch_csp(page: Page) -> list[str]:
    """A list that collects what the page's Content-Security-Policy refuses (should stay [])."""
    refused: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", seen)
    return refused


def shot(page: Page, name: str) -> None:
    """A full-page screenshot ``build/screenshots/<name>.png``, after checking nothing is
    wider than the viewport (the page works at that width without sideways scrolling)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size or DESKTOP
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{name} is {width} px wide at {viewport['width']} px"
    # caret="initial": hiding the caret injects a style the page's CSP (rightly) refuses
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, caret="initial")


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of ``impacts`` on the page as it is now, one line each (rule,
    impact, how many elements, the first element's selector); [] when there are none.

    The vendored axe.min.js is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not apply to (an injected ``<script>`` would be refused)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result: dict[str, Any] = page.evaluate(
        "async () => await window.axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}x, e.g. {v['nodes'][0]['target']}): "
        f"{v['help']}"
        for v in result["violations"]
        if v.get("impact") in impacts
    ]
