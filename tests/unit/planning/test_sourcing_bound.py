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
