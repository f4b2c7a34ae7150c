"""How well decide's fill model predicts the units short, per demand class (issue 13).

    python bench/fill_model_check.py --dataset demo --told 0.95 [--lead 1] [--lost-sales]
    python bench/fill_model_check.py --dataset pbs --limit 40   # a quick look

At every review of the evaluation (as ``bench/policy_eval.py`` does: everything before the
review, the earlier decisions' forecasts as ``past_forecasts``) it calls
:func:`flexchain.planning.replenishment.decide` at one service level and keeps, per item, the
order-up-to level and the units short the decision expects in its review cycle (``sigma`` times
the loss of its standardised errors, shrunk towards its pattern's pool, at its ``k``: what the
fill-rate factor was solved on). Then it simulates the levels and prints per class the achieved
fill, the predicted and realised units short and their ratio, and how the next protection
interval's actual error compares with ``sigma`` (scale) — a ratio above 1 with the scale near 1
means the errors' tail is thinner than the future's. ``allowed`` is the realised units short
over the prediction times each decision's ``lost_share``, ``carried_share`` and
``held_out_ratio`` (the terms ``allowed_short`` divides by): 1 where the whole fill model is
right, above 1 where the policy is short more than the decisions allowed.
"""

from __future__ import annotations

import argparse

import numpy as np
import polars as pl
from policy_eval_data import load
from policy_eval_sim import simulate

from flexchain.planning import fill_rate, replenishment, safety_factors


def predicted_shortage(levels: pl.DataFrame, errors: pl.DataFrame) -> np.ndarray:
    """Per row of ``levels``: the units short a cycle the decision's own fill model expects."""
    matrix = safety_factors._standardised(levels, errors)
    counts = (~np.isnan(matrix)).sum(axis=1)
    weight = counts / (counts + safety_factors.pool_priors(levels["pattern"].to_numpy()))
    k = levels["safety_factor"].to_numpy()
    above = np.where(np.isnan(matrix), 0.0, np.maximum(matrix - k[:, None], 0.0)).sum(axis=1)
    own = np.where(counts > 0, above / np.maximum(counts, 1), 0.0)
    patterns = levels["pattern"].to_numpy()
    measured = levels["errors"].to_numpy() >= replenishment.MIN_ERRORS
    pooled = np.zeros(len(k))
    for pattern in np.unique(patterns):
        rows = patterns == pattern
        pool = safety_factors._finite(matrix[measured & rows])
        loss = fill_rate._pool_loss(pool if pool.size >= safety_factors.MIN_POOL else None)
        pooled[rows] = loss(k[rows])
    return levels["sigma"].to_numpy() * (weight * own + (1 - weight) * pooled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="demo", choices=["demo", "aus_retail", "pbs"])
    parser.add_argument("--told", type=float, default=0.95)
    parser.add_argument("--lead", type=int, default=1)
    parser.add_argument("--lost-sales", action="store_true")
    parser.add_argument("--limit", type=int, default=None, help="the first N series only")
    args = parser.parse_args()
    data = load(args.dataset, limit=args.limit)
    period = "1w" if args.dataset == "demo" else "1mo"
    index = {item: i for i, item in enumerate(data.items)}
    shape = data.demand.shape
    level, short, forecast, sigma = (np.zeros(shape) for _ in range(4))
    terms = np.ones(shape)  # lost_share x carried_share x held_out_ratio, per decision
    past = None
    for t in range(int(data.first.min()), int(data.stop.max())):
        decision = replenishment.decide(
            data.panel.filter(pl.col("period") < data.periods[t]), period=period,
            lead_time=args.lead, service_level=args.told, past_forecasts=past,
            unmet_demand="lost" if args.lost_sales else "backordered",
        )  # fmt: skip
        past = decision.forecasts if past is None else pl.concat([past, decision.forecasts])
        fitted = next(reversed(replenishment._CACHE.values()))  # this call's errors
        levels = decision.levels
        rows = np.array([index[item] for item in levels["item"].to_list()])
        level[rows, t] = levels["order_up_to"].to_numpy()
        short[rows, t] = predicted_shortage(levels, fitted.errors)
        forecast[rows, t] = levels["protection_demand"].to_numpy()
        sigma[rows, t] = levels["sigma"].to_numpy()
        terms[rows, t] = (
            levels["lost_share"] * levels["carried_share"] * levels["held_out_ratio"]
        ).to_numpy()
    outcome = simulate(
        data.demand, level, data.first, data.stop, lead_time=args.lead, lost_sales=args.lost_sales
    )
    columns = np.arange(shape[1])[None, :]
    evaluated = (columns >= data.first[:, None]) & (columns < data.stop[:, None])
    span = args.lead + 1
    actual = np.zeros(shape)
    for step in range(span):
        actual[:, : shape[1] - step] += data.demand[:, step:]
    whole = evaluated & (columns <= shape[1] - span)
    print(f"{args.dataset}, told {args.told}, lead {args.lead}, lost {args.lost_sales}")
    for name in ("smooth", "erratic", "intermittent", "lumpy", None):
        rows = data.pattern == name if name else np.ones(shape[0], bool)
        if not rows.any():
            continue
        realised = float((outcome.demand[rows] - outcome.served[rows]).sum())
        predicted = float((short[rows] * evaluated[rows]).sum())
        allowed = float((short[rows] * terms[rows] * evaluated[rows]).sum())
        cells = whole & rows[:, None]
        scale = np.sqrt(((actual - forecast)[cells] ** 2).mean() / (sigma[cells] ** 2).mean())
        print(
            f"  {name or 'overall':13s} fill {outcome.fill(rows):6.1%}  short predicted "
            f"{predicted:10.1f}  realised {realised:10.1f}  ratio "
            f"{realised / max(predicted, 1e-9):5.2f}  allowed {realised / max(allowed, 1e-9):5.2f}"
            f"  rms error / sigma {scale:4.2f}"
        )


if __name__ == "__main__":
    main()
