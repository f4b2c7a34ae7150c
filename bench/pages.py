"""Server time of each control tower and supplier portal page, on the demo company at its default
size and at ``--items 20000`` (issue 17's goal: under 300 ms each, at both sizes).

    python bench/pages.py                     # the demo's default size and 20,000 items
    python bench/pages.py --items 61 5000 -n 9
    python bench/pages.py --quick             # a smoke run: a tiny demo, each page once

Each size is loaded as ``flexchain demo --no-serve`` loads it (the company, half a year of
buying replayed, plans as of past weeks, twelve weeks of web-shop orders, the current plan, the
demo's users) into a temporary SQLite file (``--keep DIR``: kept and reused); ``--no-plan``
skips the plans, ``--no-history`` the buying and the orders. The app runs in-process (FastAPI's
TestClient: no network, no other process); the bench logs in as the demo's admin (tower pages)
and as one supplier's user (portal pages) and requests each page ``-n`` times after one warm-up
request, printing the median and the slowest time per page and size. A detail page (an order,
an item, a supplier, an RFQ, a PO) is the first such link on its list page. A page not built
yet (404) or failing is listed with its status and left out of the goal. The exit status is 1
when a timed page's median is over the goal.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient

from flexchain.bootstrap import bootstrap
from flexchain.config import Settings
from flexchain.demo.generate import DEFAULT_ITEMS
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.web.portal.common import NAV as PORTAL_NAV
from flexchain.entrypoints.web.tower.common import NAV as TOWER_NAV
from flexchain.services.demo import generate_demo, load_demo
from flexchain.services.demo_history import replay_history
from flexchain.services.demo_plans import replay_activity
from flexchain.services.demo_users import demo_logins

GOAL_MS = 300.0
DETAILS = {
    "/app/orders": r"/app/orders/[^\"'#/]+",
    "/app/inventory": r"/app/inventory/items/[^\"'#/]+",
    "/app/suppliers": r"/app/suppliers/[^\"'#/]+",
    "/app/procurement": r"/app/procurement/[^\"'#]+",
    "/portal/rfqs": r"/portal/rfqs/[^\"'#/]+",
    "/portal/pos": r"/portal/pos/[^\"'#/.]+",
}
"""A list page -> the link of its detail pages (the first one found is timed)."""


@dataclass(frozen=True)
class Timing:
    size: int
    path: str
    status: int
    times_ms: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def slowest(self) -> float:
        return max(self.times_ms)

    @property
    def timed(self) -> bool:
        return self.status == 200


@contextmanager
def demo_site(
    items: int, *, plan: bool, folder: Path, history: bool = True
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The demo company of ``items`` products in an SQLite file under ``folder``, served
    in-process; yields the client and the demo's logins (e-mail -> password). A folder that
    already holds a loaded copy (``demo.db`` and ``logins.json``, see ``--keep``) is served as
    it is."""
    settings = Settings(
        database_url=f"sqlite:///{folder / 'demo.db'}",
        outbox_worker=False,
        file_store_dir=folder / "files",
    )
    saved = folder / "logins.json"
    if saved.exists() and (folder / "demo.db").exists():
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client, json.loads(saved.read_text())
        return
    app = bootstrap(settings)
    now = datetime.now(UTC)
    try:
        rule = settings.sku_rules["finished"]
        data = generate_demo(items=items, seed=7, weeks=104, sku_rule=rule)
        load_demo(app.engine, data, now=now)
        if history:
            with app.uow(actor="demo") as uow:
                replay_history(uow, data, now=now, seed=7)
                uow.commit()
        with app.uow(actor="demo") as uow:
            logins = demo_logins(uow, now=now)
            uow.commit()
        # as flexchain demo: plans as of past weeks, twelve weeks of orders, the current plan
        replay_activity(app.engine, data, now=now, seed=7, plans=plan, sales=history)
    finally:
        app.close()
    passwords = {login.email: login.password for login in logins.users}
    saved.write_text(json.dumps(passwords))
    # a page failing (500) is reported as failed, not raised: the bench goes on
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, passwords


def log_in(client: TestClient, email: str, password: str) -> None:
    client.cookies.clear()
    answer = client.post("/login", data={"email": email, "password": password})
    if answer.status_code != 200:
        raise SystemExit(f"cannot log in as {email}: {answer.status_code} {answer.text[:200]}")


def time_page(client: TestClient, size: int, path: str, repeat: int) -> tuple[Timing, str]:
    """One warm-up request, then ``repeat`` timed ones; the timing and the page's HTML."""
    first = client.get(path)
    if first.status_code != 200:
        return Timing(size, path, first.status_code, (0.0,)), ""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        if answer.status_code != 200:
            return Timing(size, path, answer.status_code, (0.0,)), ""
    return Timing(size, path, 200, tuple(times)), first.text


def time_pages(client: TestClient, size: int, paths: Sequence[str], repeat: int) -> list[Timing]:
    """Each page of ``paths`` and, for a list page, its first detail page."""
    done = []
    for path in paths:
        timing, html = time_page(client, size, path, repeat)
        done.append(timing)
        link = DETAILS.get(path)
        found = re.search(f'href="({link})"', html) if link and html else None
        if found:
            done.append(time_page(client, size, unescape(found.group(1)), repeat)[0])
    return done


def bench_size(
    items: int, *, repeat: int, plan: bool, history: bool = True, keep: Path | None = None
) -> list[Timing]:
    with tempfile.TemporaryDirectory(prefix="flexchain-pages-") as scratch:
        folder = Path(scratch) if keep is None else keep / f"demo-{items}"
        folder.mkdir(parents=True, exist_ok=True)
        site = demo_site(items, plan=plan, folder=folder, history=history)
        with site as (client, logins):
            admin = next(email for email in logins if email.startswith("admin@"))
            log_in(client, admin, logins[admin])
            timings = time_pages(client, items, [p for p, _ in TOWER_NAV], repeat)
            supplier = next((e for e in logins if e.split("@")[0] not in _STAFF), None)
            if supplier is not None:
                log_in(client, supplier, logins[supplier])
                timings += time_pages(client, items, [p for p, _ in PORTAL_NAV], repeat)
    return timings


_STAFF = {"admin", "planner", "buyer", "finance", "quality", "viewer"}


def report(timings: Sequence[Timing]) -> tuple[str, int]:
    """The table to print, and how many timed pages miss the goal."""
    lines = [f"{'items':>7}  {'page':<44} {'median ms':>10} {'max ms':>8}  note"]
    slow = 0
    for t in timings:
        if not t.timed:
            why = "not built yet" if t.status == 404 else "failed"
            lines.append(f"{t.size:>7,}  {t.path:<44} {'-':>10} {'-':>8}  {why} ({t.status})")
            continue
        over = t.median > GOAL_MS
        slow += over
        note = f"over {GOAL_MS:.0f} ms" if over else ""
        lines.append(
            f"{t.size:>7,}  {t.path:<44} {t.median:>10.1f} {t.slowest:>8.1f}  {note}".rstrip()
        )
    timed = [t for t in timings if t.timed]
    lines.append(
        f"{len(timed)} pages timed, {slow} over {GOAL_MS:.0f} ms (median); "
        f"{len(timings) - len(timed)} not timed"
    )
    return "\n".join(lines), slow


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", nargs="+", type=int, default=[DEFAULT_ITEMS, 20_000])
    parser.add_argument("-n", "--repeat", type=int, default=5, help="timed requests per page")
    parser.add_argument("--no-plan", action="store_true", help="do not run a plan first")
    parser.add_argument(
        "--no-history", action="store_true", help="do not replay half a year of buying"
    )
    parser.add_argument("--quick", action="store_true", help="a tiny demo, each page once")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep each size's loaded demo under DIR/demo-N and reuse it on later runs",
    )
    args = parser.parse_args(argv)
    sizes, repeat = ([12], 1) if args.quick else (args.items, max(1, args.repeat))
    slow = 0
    for items in sizes:
        print(f"loading the demo with {items:,} items...", file=sys.stderr, flush=True)
        timings = bench_size(
            items,
            repeat=repeat,
            plan=not args.no_plan,
            history=not args.no_history,
            keep=args.keep,
        )
        text, over = report(timings)
        print(text, flush=True)  # each size as soon as it is done
        slow += over
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
