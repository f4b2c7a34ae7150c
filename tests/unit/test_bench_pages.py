"""bench/pages.py runs end to end on a tiny demo (so it cannot rot): every tower and portal page
is requested and printed with its time, or marked as not built yet."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "pages.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_pages", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_pages"] = module
    spec.loader.exec_module(module)
    return module


def test_the_pages_bench_times_every_page_of_a_tiny_demo(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bench = _bench()
    # when it runs on a demo of 3 products, each page once, without a plan or a buying history
    bench.main(["--items", "3", "-n", "1", "--no-plan", "--no-history"])
    out = capsys.readouterr().out
    rows = {line.split()[1]: line for line in out.splitlines()[1:-1]}
    # then every page of the tower's and the portal's menus has a line: timed, or why not
    tower = [path for path, _ in bench.TOWER_NAV]
    portal = [path for path, _ in bench.PORTAL_NAV]
    assert set(tower + portal) <= set(rows)
    assert all(row.split()[0] == "3" for row in rows.values())
    report = rows["/app/report"].split()
    assert float(report[2]) > 0  # built, and timed
    assert "pages timed" in out.splitlines()[-1]


def test_the_summary_counts_the_pages_over_the_goal() -> None:
    bench = _bench()
    timings = [
        bench.Timing(61, "/app/a", 200, (120.0, 80.0, 100.0)),
        bench.Timing(61, "/app/b", 200, (400.0, 350.0, 310.0)),
        bench.Timing(61, "/app/c", 404, (0.0,)),
    ]
    text, slow = bench.report(timings)
    assert slow == 1
    lines = text.splitlines()
    assert lines[1].split()[2:4] == ["100.0", "120.0"]
    assert "over 300 ms" in lines[2] and "not built yet (404)" in lines[3]
    assert lines[-1] == "2 pages timed, 1 over 300 ms (median); 1 not timed"
