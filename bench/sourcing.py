"""Sourcing optimiser bench (issue 15): time, cost, saving vs greedy and certified gap.

    .venv/bin/python bench/sourcing.py [--seeds 0,1,2] [--time-limits 1,10,60]
        [--requirements 1000] [--suppliers 30] [--no-splice]

Instances come from ``flexchain.planning.sourcing.generate`` (seeded, 3 price breaks). Prints
one row per seed and time limit, then the median over the seeds per time limit. Goals: a
feasible plan in <= 1 s; >= 2 % cheaper than greedy at 10 s, >= 4 % at 60 s; gap <= 5 % at
60 s; never worse than greedy. ``--no-splice``: without the family plans HiGHS makes once the
bound's LPs are done (to measure what they bring).
"""

from __future__ import annotations

import argparse
import os
import statistics

from flexchain.planning.sourcing import generate, solve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--time-limits", default="1,10,60")
    parser.add_argument("--requirements", type=int, default=1000)
    parser.add_argument("--suppliers", type=int, default=30)
    parser.add_argument("--no-splice", action="store_true", help="no HiGHS family plans")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    limits = [float(t) for t in args.time_limits.split(",")]
    print(
        f"{args.requirements} requirements x {args.suppliers} suppliers x 3 breaks, "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"
        f"{', no family plans' if args.no_splice else ''}"
    )
    print(
        f"{'limit':>6} {'seed':>4} {'time':>7} {'feasible':>8} {'cost':>13} {'greedy':>13} "
        f"{'saving%':>8} {'bound':>13} {'gap%':>6} {'iters':>5}"
    )
    for limit in limits:
        rows = []
        for seed in seeds:
            problem = generate(args.requirements, args.suppliers, seed=seed)
            s = solve(problem, time_limit=limit, seed=seed, splice=not args.no_splice).summary()
            gap = None if s["gap"] is None else float(s["gap"]) * 100  # type: ignore[arg-type]
            rows.append((s["time"], float(s["saving_pct"]), gap))  # type: ignore[arg-type]
            print(
                f"{limit:>6g} {seed:>4} {s['time']:>7.2f} {s['status']!s:>8} {s['cost']!s:>13} "
                f"{s['greedy_cost']!s:>13} {s['saving_pct']!s:>8} {s['lower_bound']!s:>13} "
                f"{'-' if gap is None else f'{gap:.2f}':>6} {s['iterations']:>5}"
            )
        gaps = [g for _, _, g in rows if g is not None]
        print(
            f"median at {limit:g} s: time {statistics.median(r[0] for r in rows):.2f} s, "
            f"saving {statistics.median(r[1] for r in rows):.2f} %, gap "
            f"{f'{statistics.median(gaps):.2f} %' if gaps else '-'}"
        )


if __name__ == "__main__":
    main()
