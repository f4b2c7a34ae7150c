"""A whole planning run at scale, next to statsforecast alone on the same forecasts.

    python bench/plan.py                  # the demo company at 100,000 items x 104 weeks
    python bench/plan.py --items 10000    # smaller, for a quick look
    python bench/plan.py --database /tmp/plan100k.db   # load once, copy it for later runs

Loads the demo company into a fresh SQLite file (not timed; with ``--database`` a copy of that
file when it exists, else it is saved there after loading), then runs ``flexchain plan``'s
service (snapshot -> forecast -> policy -> mrp -> write) and prints each step's time, the whole
run, and the time statsforecast alone takes to forecast the same panel with the same models
(classification and bucketing excluded), plus the peak memory of this process and each step's
(Linux: the resident peak is reset at each step's start). Times are wall-clock; the process's
CPU seconds are printed beside the load, the run and statsforecast alone, and their ratio too: on
a busy machine the CPU ratio is the steadier figure (both run in this one process, n_jobs=1).
Goal on 2 cores: the whole run within 1.5 x the forecasting time alone, under 4 GiB.
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flexchain.bootstrap import bootstrap  # noqa: E402
from flexchain.config import Settings  # noqa: E402
from flexchain.demo import generate  # noqa: E402
from flexchain.entrypoints.cli.plan import gc_frozen, release_freed_memory  # noqa: E402
from flexchain.planning.demand import classify  # noqa: E402
from flexchain.planning.forecast import forecast  # noqa: E402
from flexchain.services import planning  # noqa: E402
from flexchain.services.demo import load_demo  # noqa: E402


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def step_peaks(freeze: Callable[[str], None], peaks: dict[str, float]) -> Callable[[str], None]:
    """``freeze`` that also records the resident peak of the step that just ended and resets it
    for the next (``/proc/self/clear_refs``; no-op where there is none)."""
    current: list[str] = []

    def progress(step: str) -> None:
        record(current)
        current[:] = [step]
        freeze(step)

    def record(steps: list[str]) -> None:
        status = Path("/proc/self/status")
        if not status.exists():
            return
        if steps:
            line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM"))
            peaks[steps[0]] = int(line.split()[1]) / 1024**2
        Path("/proc/self/clear_refs").write_text("5")

    progress.finish = lambda: record(current)  # type: ignore[attr-defined]
    return progress


def forecast_alone(
    data_start: date, skus: list[str], quantities: object, horizon: int
) -> tuple[float, float]:
    """statsforecast on the same panel and model choice, timed without bucketing/classifying:
    (wall seconds, CPU seconds)."""
    import numpy as np

    matrix = np.asarray(quantities)
    weeks = [data_start + timedelta(weeks=w) for w in range(matrix.shape[1])]
    panel = pl.DataFrame(
        {
            "item": np.repeat(np.arange(len(skus)), matrix.shape[1]),
            "location": ["ALL"] * matrix.size,
            "period": weeks * len(skus),
            "quantity": matrix.reshape(-1).astype(float),
        }
    )
    values = pl.DataFrame({"item": np.arange(len(skus)), "unit_value": [1.0] * len(skus)})
    classes = classify(panel, values)
    began, cpu = time.perf_counter(), time.process_time()
    forecast(panel, classes, horizon=horizon)
    return time.perf_counter() - began, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--horizon", type=int, default=26)
    parser.add_argument("--database", type=Path, help="a loaded copy to reuse (module docstring)")
    args = parser.parse_args()
    today = datetime.now(UTC)
    start = (today - timedelta(days=today.weekday(), weeks=args.weeks)).date()
    # load statsforecast's code once, so neither timing below includes the first import
    small = generate(items=20, weeks=args.weeks, start=start)
    forecast_alone(small.demand.start, small.demand.skus, small.demand.quantities, args.horizon)
    peaks: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.db"
        reuse = args.database is not None and args.database.exists()
        if reuse:
            shutil.copyfile(args.database, path)
        app = bootstrap(Settings(database_url=f"sqlite:///{path}"))
        try:
            if not reuse:
                data = generate(items=args.items, weeks=args.weeks, start=start)
                print(
                    f"demo company: {args.items:,} products, {sum(data.counts().values()):,} rows"
                )
                began, cpu = time.perf_counter(), time.process_time()
                load_demo(app.engine, data)
                print(
                    f"loaded in {time.perf_counter() - began:.1f} s "
                    f"({time.process_time() - cpu:.1f} s CPU; not part of the run)"
                )
                if args.database is not None:
                    shutil.copyfile(path, args.database)
                del data  # the run holds only what it reads (generated again for the comparison)
            gc.collect()
            release_freed_memory()
            began, cpu = time.perf_counter(), time.process_time()
            with gc_frozen() as freeze:  # as flexchain plan runs it
                peaks["before the run"] = peak_gib()
                progress = step_peaks(freeze, peaks)
                summary = planning.run_plan(
                    app.engine, now=today, horizon=args.horizon, progress=progress
                )
                progress.finish()  # type: ignore[attr-defined]
            whole, whole_cpu = time.perf_counter() - began, time.process_time() - cpu
        finally:
            app.close()
    data = generate(items=args.items, weeks=args.weeks, start=start)
    alone, alone_cpu = forecast_alone(
        data.demand.start, data.demand.skus, data.demand.quantities, args.horizon
    )
    for step, seconds in summary.seconds.items():
        peak = f"  peak {peaks[step]:.2f} GiB" if step in peaks else ""
        print(f"  {step:<9} {seconds:>8.1f} s{peak}")
    print(f"whole run {whole:>8.1f} s  ({summary.orders:,} planned orders; {whole_cpu:.1f} s CPU)")
    print(
        f"statsforecast alone {alone:.1f} s ({alone_cpu:.1f} s CPU); run / forecast alone = "
        f"{whole / alone:.2f} (goal <= 1.5), in CPU seconds {whole_cpu / alone_cpu:.2f}"
    )
    # each step's resident peak (reset at its start): the run's peak is the largest of them
    run_peak = max(peak for step, peak in peaks.items() if step != "before the run")
    print(f"peak memory of the run {run_peak:.2f} GiB (goal < 4)")
    print(
        f"  the bench's own before the run (the loading, if any): "
        f"{peaks['before the run']:.2f} GiB peak"
    )


if __name__ == "__main__":
    main()
