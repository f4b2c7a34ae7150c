"""Large-neighbourhood search with CP-SAT over the natural neighbourhoods of a sourcing plan.

1. Repair: while the plan breaks a rule, re-decide the families it breaks them in (their roles
   free), one family at a time, keeping the rest fixed.
2. Improve: draw a neighbourhood, re-decide it with CP-SAT (hinted with the incumbent), keep
   the result only when the exact Decimal cost is lower and every rule holds. Neighbourhoods:

   - *family*: a family's roles and all its requirements;
   - *supplier-week*: every requirement delivered by a supplier within two weeks of a week, and
     the other requirements of the same items needed then (pooling and price breaks);
   - *item*: every requirement of an item, across all weeks.

Each sub-solve runs on one worker with a deterministic work limit, so the same seed and the
same number of iterations give the same plan; a wall-clock deadline stops the loop.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from flexchain.planning.sourcing.cost import Evaluation, Plan, evaluate, troubled_families
from flexchain.planning.sourcing.problem import SourcingProblem
from flexchain.planning.sourcing.submodel import Neighbourhood, family_hood, solve_neighbourhood

__all__ = ["Search", "improve"]

MAX_FREED = 80
"""Requirements re-decided at once at most (a larger draw is sampled down)."""
WORK_PER_SOLVE = 0.5
"""CP-SAT deterministic time per neighbourhood (about a second of one core)."""


REPAIR_WORK = 0.2
"""CP-SAT deterministic time to repair one family (a first good plan, not the best)."""


@dataclass(frozen=True)
class Search:
    """What the search did: the plan it keeps, its evaluation, iterations, improvements."""

    plan: Plan
    evaluation: Evaluation
    iterations: int
    improvements: int
    repaired: bool


def improve(
    p: SourcingProblem,
    start: Plan,
    *,
    deadline: float,
    seed: int,
    iterations: int | None = None,
) -> Search:
    """Repair, then improve ``start`` until ``deadline`` (``time.monotonic``) or
    ``iterations`` neighbourhoods; never returns a plan worse than the feasible incumbent."""
    rng = random.Random(seed)
    plan, best = start, evaluate(p, start)
    plan, best, repaired = _repair(p, plan, best, deadline, seed)
    done = kept = 0
    kinds = (_family, _supplier_week, _item)
    while time.monotonic() < deadline and (iterations is None or done < iterations):
        if best.violations:
            break
        hood = kinds[done % len(kinds)](p, plan, rng)
        done += 1
        left = deadline - time.monotonic()
        found = solve_neighbourhood(
            p, plan, hood, time_limit=left, seed=seed + done, work_limit=WORK_PER_SOLVE
        )
        if found is None:
            continue
        trial = evaluate(p, found)
        if not trial.violations and trial.total < best.total:
            plan, best = found, trial
            kept += 1
    return Search(plan, best, done, kept, repaired)


def _repair(
    p: SourcingProblem, plan: Plan, best: Evaluation, deadline: float, seed: int
) -> tuple[Plan, Evaluation, bool]:
    repaired = False
    for fam in troubled_families(p, plan):
        for work in (REPAIR_WORK, REPAIR_WORK * 5, REPAIR_WORK * 25):
            if time.monotonic() >= deadline:
                return plan, best, repaired
            found = solve_neighbourhood(
                p,
                plan,
                family_hood(p, [fam]),
                time_limit=deadline - time.monotonic(),
                seed=seed,
                work_limit=work,
            )
            if found is None or fam in troubled_families(p, found):
                continue  # not repaired yet: try again with more work
            trial = evaluate(p, found)
            if len(trial.violations) <= len(best.violations):
                plan, best, repaired = found, trial, True
            break
    return plan, best, repaired


def _family(p: SourcingProblem, plan: Plan, rng: random.Random) -> Neighbourhood:
    fams = sorted(p.families)
    fam = fams[rng.randrange(len(fams))]
    if len(p.families[fam]) > MAX_FREED:
        return _sample({r.key for r in p.families[fam]}, rng)
    return family_hood(p, [fam])


def _supplier_week(p: SourcingProblem, plan: Plan, rng: random.Random) -> Neighbourhood:
    s, item, w = plan.quantities[rng.randrange(len(plan.quantities))][0]
    del item
    near = {a.requirement for a in plan.allocations if a.supplier == s and abs(a.week - w) <= 2}
    items = {p.requirement[r].item for r in near}
    near |= {r.key for r in p.requirements if r.item in items and abs(r.need_week - w) <= 2}
    return _sample(near, rng)


def _item(p: SourcingProblem, plan: Plan, rng: random.Random) -> Neighbourhood:
    items = sorted({r.item for r in p.requirements})
    item = items[rng.randrange(len(items))]
    return _sample({r.key for r in p.requirements if r.item == item}, rng)


def _sample(keys: set[str], rng: random.Random) -> Neighbourhood:
    ordered = sorted(keys)
    if len(ordered) > MAX_FREED:
        ordered = rng.sample(ordered, MAX_FREED)
    return Neighbourhood(frozenset(ordered))
