"""The bound split on the primary: candidates solved from the plain LP's basis, and the ones
surely above the least left unsolved or cut off by the dual simplex (HiGHS in its own process:
OR-Tools may be loaded here)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flexchain.planning.sourcing import bound

SCRIPT = """
import json, math
import highspy
from flexchain.planning.sourcing import bound, generate
from flexchain.planning.sourcing.mip import highs, model

problem = generate(300, 12, seed=4, weeks=8)
out = []
for fam in sorted(problem.families):
    rows = model(problem, fam)
    h = highs(rows)
    plain = bound._run(h, 60)
    split = bound._by_primary(h, rows, 60)
    assert h.getOptionValue("objective_bound")[1] == math.inf  # no cutoff left for a MIP
    exact = []
    for col in rows.primaries:  # every candidate, each LP solved from scratch
        alone = highs(rows)
        alone.changeColBounds(col, 1.0, 1.0)
        alone.run()
        ok = alone.getModelStatus() == highspy.HighsModelStatus.kOptimal
        exact.append(alone.getInfo().objective_function_value if ok else None)
    out.append({"plain": plain, "split": split, "exact": exact})
print(json.dumps(out))
"""


def _families() -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=600
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_split_keeps_the_least_and_leaves_unsolved_only_candidates_surely_above_it() -> None:
    unsolved = 0
    families = _families()
    assert len(families) >= 8
    for fam in families:
        split, exact = fam["split"], fam["exact"]
        solved = [e for e in exact if e is not None]
        least = min(solved)
        assert split is not None and len(split) == len(exact)
        assert min(split) == pytest.approx(least, rel=1e-7)  # the family's bound
        assert least >= fam["plain"] - 1e-6 * abs(least)
        for got, want in zip(split, exact, strict=True):
            if want is not None and abs(got - want) <= 1e-7 * abs(want):
                continue  # solved
            unsolved += 1  # unsolved or cut off: a lower bound of its LP, above the least
            assert got > least * bound.PRUNE
            assert want is None or got <= want + 1e-6 * abs(want)
    assert unsolved > 0  # the pruning is exercised


CUT_SCRIPT = """
import json
from decimal import Decimal as D
import highspy, numpy as np
from flexchain.planning.sourcing import Costs, Offer, PriceBreak, Requirement, Supplier
from flexchain.planning.sourcing import sourcing_problem
from flexchain.planning.sourcing.mip import highs, model

# three suppliers share a family of 300 units (70/20/10 +- 5 %): a backup takes at most 75,
# under the 100 units of the break, so it pays its list price on its 45-75 units
suppliers = [Supplier(k, capacity=1000) for k in "ABC"]
offers = [
    Offer(k, "kit", (PriceBreak(1, D(p)), PriceBreak(100, D(p) - 2)), lead_weeks=0)
    for k, p in (("A", "10.00"), ("B", "10.20"), ("C", "10.40"))
]
reqs = [Requirement(f"R{k}", "kit", 100, 2) for k in range(3)]
costs = Costs(max_late_weeks=0, max_early_weeks=0)
problem = sourcing_problem(reqs, suppliers, offers, costs)

def solve(rows, integral):
    h = highs(rows)
    if integral:
        n = len(rows.cost)
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array(rows.integer, np.uint8))
        h.setOptionValue("mip_rel_gap", 0)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value

out = {}
for cuts in (False, True):
    rows = model(problem, "kit", band_cuts=cuts)
    out[str(cuts)] = {"rows": len(rows.rows), "lp": solve(rows, False), "mip": solve(rows, True)}
print(json.dumps(out))
"""


def test_the_band_cut_raises_the_lp_and_keeps_the_optimum() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CUT_SCRIPT], capture_output=True, text=True, check=True, timeout=120
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    plain, cut = out["False"], out["True"]
    # the optimum: A 225 at 8.00 (its band's top), B 60 and C 15 at their list prices (the
    # backups' bands end under the break)
    optimum = 225 * 8.00 + 60 * 10.20 + 15 * 10.40
    assert plain["mip"] == pytest.approx(optimum) and cut["mip"] == pytest.approx(optimum)
    assert cut["rows"] == plain["rows"] + 3  # a row per order at the break (the primary lifts it)
    assert plain["lp"] < cut["lp"] - 1 and cut["lp"] <= optimum + 1e-6
