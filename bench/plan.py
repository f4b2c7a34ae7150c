"""A whole planning run at scale, next to statsforecast alone on the same forecasts.

    python bench/plan.py                  # the demo company at 100,000 items x 104 weeks
    python bench/plan.py --items 10000    # smaller, for a quick look

Loads the demo company into a fresh SQLite file (not timed), then runs ``flexchain plan``'s
service (snapshot -> forecast -> policy -> mrp -> write) and prints each step's time, the whole
run, and the time statsforecast alone takes to forecast the same panel with the same models
(classification and bucketing excluded), plus the peak memory of this process.
Goal on 2 cores: the whole run within 1.5 x the forecasting time alone, under 4 GiB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flexchain.bootstrap import bootstrap  # noqa: E402
from flexchain.config import Settings  # noqa: E402
from flexchain.demo import generate  # noqa: E402
from flexchain.entrypoints.cli.plan import gc_frozen  # noqa: E402
from flexchain.planning.demand import classify  # noqa: E402
from flexchain.planning.forecast import forecast  # noqa: E402
from flexchain.services import planning  # noqa: E402
from flexchain.services.demo import load_demo  # noqa: E402


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def forecast_alone(data_start: date, skus: list[str], quantities: object, horizon: int) -> float:
    """statsforecast on the same panel and model choice, timed without bucketing/classifying."""
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
    began = time.perf_counter()
    forecast(panel, classes, horizon=horizon)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--horizon", type=int, default=26)
    args = parser.parse_args()
    today = datetime.now(UTC)
    start = (today - timedelta(days=today.weekday(), weeks=args.weeks)).date()
    data = generate(items=args.items, weeks=args.weeks, start=start)
    # load statsforecast's code once, so neither timing below includes the first import
    small = generate(items=20, weeks=args.weeks, start=start)
    forecast_alone(small.demand.start, small.demand.skus, small.demand.quantities, args.horizon)
    print(f"demo company: {args.items:,} products, {sum(data.counts().values()):,} rows")
    with tempfile.TemporaryDirectory() as folder:
        app = bootstrap(Settings(database_url=f"sqlite:///{Path(folder) / 'plan.db'}"))
        try:
            began = time.perf_counter()
            load_demo(app.engine, data)
            print(f"loaded in {time.perf_counter() - began:.1f} s (not part of the run)")
            began = time.perf_counter()
            with gc_frozen() as freeze:  # as flexchain plan runs it
                summary = planning.run_plan(
                    app.engine, now=today, horizon=args.horizon, progress=freeze
                )
            whole = time.perf_counter() - began
        finally:
            app.close()
    alone = forecast_alone(
        data.demand.start, data.demand.skus, data.demand.quantities, args.horizon
    )
    for step, seconds in summary.seconds.items():
        print(f"  {step:<9} {seconds:>8.1f} s")
    print(f"whole run {whole:>8.1f} s  ({summary.orders:,} planned orders)")
    print(
        f"statsforecast alone {alone:.1f} s; run / forecast alone = {whole / alone:.2f} "
        f"(goal <= 1.5)"
    )
    print(f"peak memory {peak_gib():.2f} GiB (goal < 4)")


if __name__ == "__main__":
    main()
