"""Take the README's two control-tower screenshots (docs/img/tower-today.png and
docs/img/tower-overview.png) from a freshly loaded demo company.

    .venv/bin/python scripts/readme_screenshots.py [--out docs/img] [--width 1280] [--height 1000]

It loads the demo (``flexchain demo --no-serve``, seed 7) into a new SQLite database in a
temporary directory (or ``--database FILE``, which must not exist yet; with ``--reuse``, a demo
already loaded there), gives the demo's
administrator a password of its own (``flexchain user passwd``), serves it (``flexchain serve``
on a free loopback port), logs in with Debian's Chromium through Playwright (never a browser
download: ``--chromium``, default /usr/bin/chromium) and saves the top ``--height`` pixels of
Today and of the Overview at ``--width`` CSS pixels. A PNG over 400 KB is reduced to 256
colours. The demo's figures follow the day and time it is loaded (docs/control-tower.md,
"demo figures"), so two runs draw the same pages with figures that may differ.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "admin@demo.example"
PAGES = {"tower-today": "/app/today", "tower-overview": "/app/overview"}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync"]  # fmt: skip
MAX_BYTES = 400_000


def flexchain(url: str, *args: str, stdin: str | None = None) -> str:
    """Run a flexchain command on the database ``url``; its output (it must succeed)."""
    done = subprocess.run(
        [sys.executable, "-m", "flexchain.entrypoints.cli.main", "--db", url, *args],
        input=stdin, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"flexchain {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(url: str, directory: Path) -> Iterator[str]:
    """``flexchain serve`` on a free loopback port; its base URL until the block ends."""
    port = free_port()
    log = (directory / "serve.log").open("wb")
    env = {**os.environ, "FLEXCHAIN_FILE_STORE_DIR": str(directory)}
    process = subprocess.Popen(
        [sys.executable, "-m", "flexchain.entrypoints.cli.main", "--db", url, "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
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
                    why = f"the server did not start: see {directory / 'serve.log'}"
                    raise SystemExit(why) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def shrink(path: Path) -> None:
    """Reduce a PNG over :data:`MAX_BYTES` to 256 colours (text stays sharp)."""
    if path.stat().st_size <= MAX_BYTES:
        return
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    reduced.save(path, optimize=True)


def capture(page: Page, base: str, target: str, path: Path, width: int, height: int) -> None:
    page.goto(f"{base}{target}")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # the charts' drawing animation ends
    page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": width, "height": height},
                    full_page=True, caret="initial")  # fmt: skip
    shrink(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument(
        "--database", type=Path, help="a new SQLite file (default: a temporary one)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="--database holds a demo already loaded: take it as it is (its "
        "administrator's password is replaced)",
    )
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flexchain-shots-") as temporary:
        directory = Path(temporary)
        database = (args.database or directory / "demo.db").resolve()
        url = f"sqlite:///{database}"
        if args.reuse:
            if not database.exists():
                raise SystemExit(f"--reuse: {database} does not exist")
        elif database.exists():
            raise SystemExit(f"{database} exists: give a new file (the demo is loaded fresh)")
        else:
            print(f"loading the demo into {database} ...", flush=True)
            flexchain(url, "demo", "--no-serve")
        password = secrets.token_urlsafe(18)
        flexchain(url, "user", "passwd", ADMIN, "--password-stdin", stdin=password + "\n")
        args.out.mkdir(parents=True, exist_ok=True)
        with served(url, directory) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium, args=FLAGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.goto(f"{base}/app/today")
            page.fill("#email", ADMIN)
            page.fill("#password", password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/app/today")
            for name, target in PAGES.items():
                path = args.out / f"{name}.png"
                capture(page, base, target, path, args.width, args.height)
                print(f"wrote {path} ({path.stat().st_size:,} bytes)", flush=True)
            browser.close()


if __name__ == "__main__":
    main()
