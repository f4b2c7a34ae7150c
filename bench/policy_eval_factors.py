"""Over how many earlier decisions ``decide`` should hold a factor steady, on one data set.

    python bench/policy_eval_factors.py --dataset aus_retail --cache /tmp/evcache

``decide`` is called at every review as ``policy_eval_flexchain`` calls it, at one service level
(``--target``, 0.95), for each lead time and way unmet demand goes, each decision getting the
earlier ones' forecasts; each decision's ``solved_factor`` (the factor its group solved, before
it was held steady), ``sigma`` and ``protection_demand`` are kept. The solved factors are then
replayed: at each review a smooth or erratic item's factor is the one whose normal loss
``G(k) = phi(k) - k (1 - Phi(k))`` is the mean of the solved one's and those of the latest ``M``
earlier decisions (``flexchain.planning.safety_factors.steady_factors``' rule; ``M`` = 12, 24,
36, 48 and every earlier one); sparse items keep the factor solved, as ``decide`` keeps it.
Each rule sets ``S = protection demand + (k + c) sigma``, with one constant ``c`` bisected so
all series together reach the target fill; printed: the stock against the evaluation's
reference at the same fill, and the fill at ``c = 0`` (what the rule delivers told the
target). The last row, ``S = protection demand + z sigma`` with one ``z`` over every review,
is a factor that never moves: the Lagrange condition across reviews (docs/policy.md, step 6,
session 32).

aus_retail takes about 15 minutes (four chains of 144 reviews), PBS 20, the demo company 5.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from policy_eval import _bench_code, _cached, _path
from policy_eval_baselines import LinearLevels, reference_forecasts, reference_levels
from policy_eval_data import SETTINGS, Dataset, load
from policy_eval_sensitivity import _stock
from policy_eval_sim import simulate

WINDOWS = (12, 24, 36, 48, None)
"""Earlier decisions a factor is averaged with (None: every earlier one)."""
STEADY = ("smooth", "erratic")  # safety_factors.STEADY_PATTERNS, read at every decision
_GRID = np.linspace(-12.0, 12.0, 24001)
_LOSS = norm.pdf(_GRID) - _GRID * norm.sf(_GRID)


@dataclass(frozen=True)
class Kept:
    """Per series and review (NaN where no decision): what the decisions solved and used."""

    solved: np.ndarray
    steady: np.ndarray  # bool: a pattern whose factor decide holds steady
    sigma: np.ndarray
    protection: np.ndarray


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=list(SETTINGS), default="aus_retail")
    parser.add_argument("--lead", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--target", type=float, default=0.95)
    parser.add_argument("--cache", type=Path, help="policy_eval's cache of reference forecasts")
    args = parser.parse_args()
    data = load(args.dataset, limit=None, demo_items=300)
    horizon = max(args.lead) + 1
    key = ("reference", data.setting.name, None, 300, horizon, 12, _bench_code())
    forecasts = _cached(_path(args.cache, key), lambda: reference_forecasts(data, horizon, 12))
    print(f"{args.dataset}: stock against the reference at {args.target:.0%} fill (told fill)")
    for lead in args.lead:
        reference = reference_levels(data, forecasts, lead + 1)
        for lost in (True, False):
            kept = _decisions(data, args.target, "lost" if lost else "backordered", lead)
            base = _stock(data, reference, lead, lost, args.target)[0]
            rules = {
                f"{'every' if window is None else window} earlier": LinearLevels(
                    kept.protection + _held(kept, window) * kept.sigma, kept.sigma
                )
                for window in WINDOWS
            }
            rules["one z"] = LinearLevels(kept.protection, kept.sigma)
            cells = []
            for name, policy in rules.items():
                stock = _stock(data, policy, lead, lost, args.target)[0]
                told = "" if name == "one z" else f" ({_told(data, policy, lead, lost):.1%})"
                cells.append(f"{name} {stock / base - 1:+.1%}{told}")
            unmet = "lost sales" if lost else "backorders"
            print(f"  L={lead}, {unmet}: " + "; ".join(cells), flush=True)


def _told(data: Dataset, policy: LinearLevels, lead: int, lost: bool) -> float:
    """The fill the rule delivers as the decisions made it (``c = 0``)."""
    level = policy.at(np.zeros(len(data.items)))
    outcome = simulate(data.demand, level, data.first, data.stop, lead_time=lead, lost_sales=lost)
    return outcome.fill()


def _held(kept: Kept, window: int | None) -> np.ndarray:
    """Per series and review, the factor held steady over ``window`` earlier decisions (the
    mean of their normal losses and the decision's own); 0 where no decision was made."""
    held = np.where(np.isnan(kept.solved), 0.0, kept.solved)
    for row in range(kept.solved.shape[0]):
        made = np.flatnonzero(~np.isnan(kept.solved[row]))
        if made.size == 0:
            continue
        loss = np.concatenate([[0.0], np.cumsum(_loss(kept.solved[row, made]))])
        ends = np.arange(1, made.size + 1)
        starts = ends - 1 - (made.size if window is None else window)
        starts = np.maximum(starts, 0)
        mean = (loss[ends] - loss[starts]) / (ends - starts)
        steady = kept.steady[row, made]
        held[row, made] = np.where(steady, _inverse_loss(mean), kept.solved[row, made])
    return held


def _loss(k: np.ndarray) -> np.ndarray:
    return np.asarray(norm.pdf(k) - k * norm.sf(k), float)


def _inverse_loss(loss: np.ndarray) -> np.ndarray:
    return np.interp(-loss, -_LOSS, _GRID)  # the loss falls as k grows


def _decisions(data: Dataset, target: float, unmet: str, lead: int) -> Kept:
    """``decide`` at every review as the evaluation calls it, at ``target`` only."""
    from flexchain.planning.replenishment import decide

    rows = {item: i for i, item in enumerate(data.items)}
    arrays = {name: np.full(data.demand.shape, np.nan) for name in ("solved", "sigma", "prot")}
    steady = np.zeros(data.demand.shape, bool)
    past: list[pl.DataFrame] = []
    for t in np.flatnonzero(data.evaluated.any(axis=0)):
        active = [data.items[i] for i in np.flatnonzero((data.first <= t) & (t < data.stop))]
        history = data.panel.filter(
            (pl.col("period") < data.periods[t]) & pl.col("item").is_in(active)
        )
        decision = decide(
            history, period=data.setting.period, lead_time=lead, review_period=1,
            service_level=target, past_forecasts=pl.concat(past, how="diagonal") if past else None,
            unmet_demand=unmet,
        )  # fmt: skip
        past.append(decision.forecasts)
        levels = decision.levels
        at = np.array([rows[item] for item in levels["item"]])
        for name, column in (("solved", "solved_factor"), ("sigma", "sigma"),
                             ("prot", "protection_demand")):  # fmt: skip
            arrays[name][at, t] = levels[column].cast(pl.Float64).to_numpy()
        steady[at, t] = levels["pattern"].is_in(STEADY).to_numpy()
    return Kept(
        arrays["solved"],
        steady,
        np.nan_to_num(arrays["sigma"]),
        np.nan_to_num(arrays["prot"]),
    )


if __name__ == "__main__":
    main()
