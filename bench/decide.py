"""How fast ``replenishment.decide`` is: a first call, a second call with another service level
(the cache), and a call with one more period of history (a refit).

    python bench/decide.py                    # 336 monthly series of 72 months, 3 repeats
    python bench/decide.py --series 1000 --repeat 1 --n-jobs 2

The series are synthetic and seeded (the same every run): a yearly seasonal shape of random
amplitude around a random level with +/-30 % noise, and for three in ten a sparse (intermittent)
version; they start at their first month. The issue's figures: a second call with only another
``service_level`` well under a second for 1,000 series; one call with one more period of history
on 336 monthly series (refitting) a few seconds on 2 cores: "one more period" passes the first
call's forecasts back, so AutoETS fits the structures they carry; "searching again" passes them
without (``spec``/``selected`` dropped), so it searches every structure as the first call did.
Medians of ``--repeat`` runs; each repeat clears the caches first.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
import warnings
from datetime import date

import polars as pl

from flexchain.planning import replenishment
from flexchain.planning.replenishment import decide


def panel(series: int, months: int, seed: int = 7) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for s in range(series):
        base, amplitude, sparse = rng.uniform(5, 500), rng.uniform(0, 0.6), rng.random() < 0.3
        for m in range(months):
            season = 1 + amplitude * math.sin(2 * math.pi * (m % 12) / 12)
            quantity = base * season * rng.uniform(0.7, 1.3)
            if sparse and rng.random() < 0.6:
                quantity = 0
            rows.append((f"S{s:04d}", date(2019 + m // 12, m % 12 + 1, 1), float(round(quantity))))
    return pl.DataFrame(rows, schema=["item", "period", "quantity"], orient="row")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=336)
    parser.add_argument("--months", type=int, default=72)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    full = panel(args.series, args.months + 1)
    last = full["period"].max()
    history = full.filter(pl.col("period") < last)
    timings: dict[str, list[float]] = {
        "first": [], "service level": [], "one more period": [], "searching again": [],
    }  # fmt: skip
    for _ in range(args.repeat):
        replenishment._CACHE.clear()
        replenishment._FITS.clear()
        began = time.perf_counter()
        first = decide(history, service_level=0.95, n_jobs=args.n_jobs)
        timings["first"].append(time.perf_counter() - began)
        began = time.perf_counter()
        decide(history, service_level=0.98, n_jobs=args.n_jobs)
        timings["service level"].append(time.perf_counter() - began)
        began = time.perf_counter()
        decide(full, service_level=0.95, past_forecasts=first.forecasts, n_jobs=args.n_jobs)
        timings["one more period"].append(time.perf_counter() - began)
        # the same refit without the structures the first call chose (past forecasts that do
        # not carry them): AutoETS searches every structure again
        bare = first.forecasts.select("item", "origin", "period", "forecast")
        replenishment._CACHE.clear()
        replenishment._FITS.clear()
        began = time.perf_counter()
        decide(full, service_level=0.95, past_forecasts=bare, n_jobs=args.n_jobs)
        timings["searching again"].append(time.perf_counter() - began)
    sources = first.levels["error_source"].value_counts().sort("error_source").rows()
    models = first.levels["model"].value_counts().sort("model").rows()
    print(f"{args.series} series x {args.months} months, n_jobs {args.n_jobs}, models {models}")
    print(f"first call's errors from {sources}")
    for name, values in timings.items():
        print(f"  {name:<16} median {statistics.median(values):8.3f} s  ({len(values)} runs)")


if __name__ == "__main__":
    main()
