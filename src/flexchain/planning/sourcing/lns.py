"""Large-neighbourhood search with CP-SAT over the natural neighbourhoods of a sourcing plan.

1. Repair: while the plan breaks a rule, re-decide the families it breaks them in (their roles
   free), one family at a time, keeping the rest fixed.
2. Improve: draw a neighbourhood, re-decide it with CP-SAT (hinted with the incumbent), keep
   the result only when the exact Decimal cost is lower and every rule holds. Neighbourhoods:

   - *family*: all of a family's requirements; the same under other roles (one role to another
     candidate, or two swapped; twice the work); a family's roles and requirements together
     (four times the work);
   - *supplier-week*: every requirement delivered by a supplier within two weeks of a week, and
     the other requirements of the same items needed then (pooling and price breaks);
   - *item*: every requirement of an item, across all weeks (first every item once, the
     largest first).

Each sub-solve runs on one worker with a deterministic work limit, so the same seed and the
same number of iterations give the same plan; a wall-clock deadline stops the loop.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from flexchain.planning.sourcing.cost import (
    Evaluation,
    Plan,
    evaluate,
    region_breaches,
    troubled_families,
)
from flexchain.planning.sourcing.problem import SourcingProblem
from flexchain.planning.sourcing.splice import FamilyPart, Splicer
from flexchain.planning.sourcing.submodel import Neighbourhood, family_hood, solve_neighbourhood

__all__ = ["Search", "improve"]

MAX_FREED = 80
"""Requirements re-decided at once at most (a larger draw is sampled down)."""
WORK_PER_SOLVE = 0.1
"""CP-SAT deterministic time per neighbourhood (a fraction of a second of one core)."""


LATE_WEEKS = 1
"""Neighbourhoods other than repairs look at most a week past the need (or earliest) week:
lateness costs ten times holding, so later weeks rarely pay and only slow the search."""
WHOLE_WORK = 5.0
"""CP-SAT deterministic time to re-decide a small problem (MAX_FREED requirements) whole."""
PROMISE = 1.002
"""A candidate primary is tried first when its LP bound is this much below the current's..."""
PRIMARY_TRIES = 2
"""... the best two such candidates per family at most."""
REPAIR_WORK = 0.2
"""CP-SAT deterministic time to repair one family (a first good plan, not the best)."""


def _cycle() -> tuple[Callable[[SourcingProblem, Plan, random.Random], Neighbourhood], ...]:
    # measured on the bench instances after the first sweep: an item's requirements pay the most
    # per second, then a family's; new roles and supplier-weeks pay a fifth as much
    return (
        _item,
        _family,
        _item,
        _new_roles,
        _item,
        _family,
        _item,
        _supplier_week,
        _item,
        _family_roles,
    )


@dataclass(frozen=True)
class Search:
    """What the search did: the plan it keeps, its evaluation, iterations, improvements."""

    plan: Plan
    evaluation: Evaluation
    iterations: int
    improvements: int
    repaired: bool
    proven: bool = False
    """CP-SAT proved the plan optimal (small problems, re-decided whole)."""


def improve(
    p: SourcingProblem,
    start: Plan,
    *,
    deadline: float,
    seed: int,
    iterations: int | None = None,
    primaries: Callable[[], list[tuple[str, dict[str, float | None]]]] | None = None,
    splicer: Splicer | None = None,
) -> Search:
    """Repair, then improve ``start`` until ``deadline`` (``time.monotonic``) or
    ``iterations`` neighbourhoods; never returns a plan worse than the feasible incumbent.

    ``primaries`` gives, as the bound's process finds them, each family's LP bound with each
    candidate as its primary: a family whose primary promises more than another candidate is
    re-decided under that candidate first (CP-SAT still decides; capacity may forbid it).
    ``splicer`` splices in the families HiGHS re-plans in its own process, between
    neighbourhoods."""
    rng = random.Random(seed)
    plan, best = start, evaluate(p, start)
    plan, best, repaired = _repair(p, plan, best, deadline, seed)
    done = kept = 0
    if len(p.requirements) <= MAX_FREED and not best.violations:
        # small enough to re-decide whole: a proven optimum ends the search
        plan, best, kept, proven = _whole(p, plan, best, deadline, seed)
        done += 1
        if proven:
            return Search(plan, best, done, kept, repaired, proven=True)
    units: dict[str, int] = {}
    for r in p.requirements:
        units[r.item] = units.get(r.item, 0) + r.quantity
    sweep = sorted(units)
    rng.shuffle(sweep)
    # every item once, the largest first: a short time limit spends itself where the money is
    sweep.sort(key=lambda i: -units[i])
    kinds = CYCLE
    promising: list[tuple[str, dict[str, float | None]]] = []
    tried: dict[str, set[str]] = {}
    swept = cycled = 0
    while time.monotonic() < deadline and (iterations is None or done < iterations):
        if best.violations:
            break
        if splicer is not None:
            plan, best = splicer.step(plan, best, deadline, _mender(p, deadline, seed + done))
        promising += primaries() if primaries is not None else []
        suggested = None
        while promising and suggested is None:
            fam, lps = promising.pop(0)
            suggested = _promising_primary(p, plan, fam, lps, tried.setdefault(fam, set()))
            if suggested is not None and len(tried[fam]) < PRIMARY_TRIES:
                promising.append((fam, lps))  # the next candidate, if this one fails
        if suggested is not None:
            hood = suggested
        elif swept < len(sweep):
            hood = _item_hood(p, sweep[swept], rng)
            swept += 1
        else:
            hood = kinds[cycled % len(kinds)](p, plan, rng)
            cycled += 1
        done += 1
        left = deadline - time.monotonic()
        work = WORK_PER_SOLVE * (4 if hood.families else 2 if hood.roles else 1)
        found = solve_neighbourhood(
            p, plan, hood, time_limit=left, seed=seed + done, work_limit=work
        )
        if found is None:
            continue
        trial = evaluate(p, found[0])
        if not trial.violations and trial.total < best.total:
            plan, best = found[0], trial
            kept += 1
    return Search(plan, best, done, kept, repaired)


def _mender(
    p: SourcingProblem, deadline: float, seed: int
) -> Callable[[Plan, FamilyPart], Plan | None]:
    """Mends a plan a family's HiGHS plan was spliced into when it breaks a rule: CP-SAT
    re-decides the family under its new roles, hinted with its new plan."""

    def mend(plan: Plan, part: FamilyPart) -> Plan | None:
        keys = frozenset(r.key for r in p.families[part.family])
        roles = () if part.roles is None else ((part.family, part.roles),)
        found = solve_neighbourhood(
            p,
            plan,
            Neighbourhood(keys, roles=roles),
            time_limit=deadline - time.monotonic(),
            seed=seed,
            work_limit=REPAIR_WORK * 2,
        )
        return None if found is None else found[0]

    return mend


def _whole(
    p: SourcingProblem, plan: Plan, best: Evaluation, deadline: float, seed: int
) -> tuple[Plan, Evaluation, int, bool]:
    """The problem re-decided whole: the plan kept, its evaluation, 1 when it is new, and
    whether CP-SAT proved it optimal."""
    whole = Neighbourhood(
        frozenset(p.requirement),
        frozenset(p.families) if p.costs.bands is not None else frozenset(),
    )
    left = deadline - time.monotonic()
    found = solve_neighbourhood(p, plan, whole, time_limit=left, seed=seed, work_limit=WHOLE_WORK)
    if found is None:
        return plan, best, 0, False
    trial = evaluate(p, found[0])
    if not trial.violations and trial.total <= best.total:
        return found[0], trial, 1, found[1]
    return plan, best, 0, found[1]


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
            if found is None or fam in troubled_families(p, found[0]):
                continue  # not repaired yet: try again with more work
            trial = evaluate(p, found[0])
            if len(trial.violations) <= len(best.violations):
                plan, best, repaired = found[0], trial, True
            break
    return plan, best, repaired


def _family_roles(p: SourcingProblem, plan: Plan, rng: random.Random) -> Neighbourhood:
    fams = sorted(p.families)
    fam = fams[rng.randrange(len(fams))]
    if len(p.families[fam]) > MAX_FREED:
        return _sample({r.key for r in p.families[fam]}, rng)
    return family_hood(p, [fam])


def _family(p: SourcingProblem, plan: Plan, rng: random.Random) -> Neighbourhood:
    fams = sorted(p.families)
    return _requirements_of(p, fams[rng.randrange(len(fams))], rng)


def _new_roles(p: SourcingProblem, plan: Plan, rng: random.Random) -> Neighbourhood:
    """A family's requirements under other roles: one role given to another candidate, or two
    roles swapped (keeping the region rule)."""
    fams = sorted(p.families)
    fam = fams[rng.randrange(len(fams))]
    now = dict(plan.roles).get(fam, ())
    options = set()
    for k in range(len(now)):
        for c in p.role_candidates[fam]:
            if c not in now:
                options.add((*now[:k], c, *now[k + 1 :]))
        for j in range(k + 1, len(now)):
            swapped = list(now)
            swapped[k], swapped[j] = now[j], now[k]
            options.add(tuple(swapped))
    fine = sorted(o for o in options if p.may_lead(fam, o[0]) and not region_breaches(p, fam, o))
    if not fine:
        return _requirements_of(p, fam, rng)
    keys = {r.key for r in p.families[fam]}
    chosen = fine[rng.randrange(len(fine))]
    return Neighbourhood(frozenset(keys), roles=((fam, chosen),), late_weeks=LATE_WEEKS)


def _promising_primary(
    p: SourcingProblem, plan: Plan, fam: str, lps: dict[str, float | None], tried: set[str]
) -> Neighbourhood | None:
    """The family's requirements under the untried candidate primary whose LP bound is the
    least, when that is clearly below the current primary's (backups kept where the region
    rule allows); ``tried`` gets the candidate."""
    now = dict(plan.roles).get(fam, ())
    known = {
        s: v for s, v in lps.items() if v is not None and s not in tried and p.may_lead(fam, s)
    }
    if not now or not known:
        return None
    best = min(known, key=lambda s: (known[s], s))
    current = lps.get(now[0])
    if best == now[0] or (current is not None and current <= known[best] * PROMISE):
        return None
    tried.add(best)
    others = [c for c in p.role_candidates[fam] if c != best]
    options = [
        (best, *rest)
        for rest in itertools.permutations(others, len(now) - 1)
        if not region_breaches(p, fam, (best, *rest))
    ]
    if not options:
        return None
    roles = min(options, key=lambda o: (sum(a != b for a, b in zip(o, now, strict=True)), o))
    keys = sorted(r.key for r in p.families[fam])[:MAX_FREED]
    return Neighbourhood(frozenset(keys), roles=((fam, roles),), late_weeks=LATE_WEEKS)


def _requirements_of(p: SourcingProblem, family: str, rng: random.Random) -> Neighbourhood:
    """A family's requirements, its roles kept."""
    return _sample({r.key for r in p.families[family]}, rng)


def _supplier_week(p: SourcingProblem, plan: Plan, rng: random.Random) -> Neighbourhood:
    s, item, w = plan.quantities[rng.randrange(len(plan.quantities))][0]
    del item
    near = {a.requirement for a in plan.allocations if a.supplier == s and abs(a.week - w) <= 2}
    items = {p.requirement[r].item for r in near}
    near |= {r.key for r in p.requirements if r.item in items and abs(r.need_week - w) <= 2}
    return _sample(near, rng)


def _item(p: SourcingProblem, plan: Plan, rng: random.Random) -> Neighbourhood:
    items = sorted({r.item for r in p.requirements})
    return _item_hood(p, items[rng.randrange(len(items))], rng)


def _item_hood(p: SourcingProblem, item: str, rng: random.Random) -> Neighbourhood:
    return _sample({r.key for r in p.requirements if r.item == item}, rng)


def _sample(keys: set[str], rng: random.Random) -> Neighbourhood:
    ordered = sorted(keys)
    if len(ordered) > MAX_FREED:
        ordered = rng.sample(ordered, MAX_FREED)
    return Neighbourhood(frozenset(ordered), late_weeks=LATE_WEEKS)


CYCLE = _cycle()
