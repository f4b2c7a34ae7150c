"""A family re-planned whole by HiGHS with the rest of the plan fixed, spliced into the plan.

CP-SAT's neighbourhoods (``submodel``) are small and use the aggregated model, whose relaxation
is weak on price breaks and fixed costs; HiGHS on the disaggregated model (``mip``) finds far
better plans for a family. Given the rest of the incumbent (:class:`~.mip.Around`: the capacity
other families use and the supplier-weeks whose fixed cost they pay), a family's MIP is exact:
its plan, spliced into the incumbent, keeps every rule, and HiGHS starts from the family's part
of the incumbent, so it is never worse.

HiGHS runs in a process of its own (OR-Tools, in the search's process, bundles a clashing HiGHS
build): :class:`Planner` starts ``python -m flexchain.planning.sourcing.splice``, which answers
one pickled request (family, what is around it, the incumbent's part, a time limit) at a time.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from flexchain.planning.sourcing.cost import (
    Allocation,
    Evaluation,
    OrderKey,
    Plan,
    evaluate,
    min_quantity,
)
from flexchain.planning.sourcing.mip import Around, Rows, highs, model
from flexchain.planning.sourcing.problem import SourcingProblem

__all__ = [
    "FamilyPart",
    "Planner",
    "Splicer",
    "around",
    "family_costs",
    "narrowed",
    "part_of",
    "splice",
    "spliceable",
]

FAMILY_TIME = 4.0
"""Seconds HiGHS gets per family with its roles free (its sub-MIP heuristics find better plans
after a few; on the narrowed model 4 s save more per CPU second than 6 s)."""
KEPT_ROLES_TIME = 2.0
"""Seconds HiGHS gets per family with its role suppliers kept: a model of those three only,
whose root is done in time where the whole family's often is not (session 22: from the plan
after 55 neighbourhoods, 44 CPU s of the planner saved 47,794 / 51,254 / 47,409 on the bench's
seeds 2 / 0 / 1 this way, against 27,067 / 41,243 / 16,792 with the roles free at 4 s)."""
MIN_TIME = 2.0
"""No family is asked for with less time than this left."""
MARGIN = 0.5
"""Seconds kept between a family's time limit and the search's deadline (the answer's way)."""
LATE_WEEKS = 1
"""HiGHS looks at deliveries at most a week past the need (or earliest) week, and the weeks the
family's plan already uses, as the search's neighbourhoods do (``lns.LATE_WEEKS``): a smaller
model whose root is done sooner, so its heuristics find better plans in the same time."""


@dataclass(frozen=True)
class FamilyPart:
    """A family's part of a plan: its allocations, its orders and its roles."""

    family: str
    allocations: tuple[Allocation, ...]
    quantities: tuple[tuple[OrderKey, int], ...]
    roles: tuple[str, ...] | None


def spliceable(p: SourcingProblem) -> list[str]:
    """Families that may be re-planned alone: none of their items belongs to another family
    (orders are per item, so they are the family's own), the largest (in units) first."""
    owners: dict[str, set[str]] = {}
    for r in p.requirements:
        owners.setdefault(r.item, set()).add(r.family)
    units = {f: sum(r.quantity for r in rs) for f, rs in p.families.items()}
    fams = [f for f, rs in p.families.items() if all(len(owners[r.item]) == 1 for r in rs)]
    return sorted(fams, key=lambda f: (-units[f], f))


def _items(p: SourcingProblem, family: str) -> set[str]:
    return {r.item for r in p.families[family]}


def around(p: SourcingProblem, plan: Plan, family: str) -> Around:
    """The capacity the plan's other families use and the supplier-weeks they order in."""
    items = _items(p, family)
    load: dict[tuple[str, int], int] = {}
    for (s, item, w), q in plan.quantities:
        if item not in items and q > 0:
            load[s, w] = load.get((s, w), 0) + q
    return Around(load, frozenset(load))


def part_of(p: SourcingProblem, plan: Plan, family: str) -> FamilyPart:
    """The family's part of ``plan``."""
    items = _items(p, family)
    keys = {r.key for r in p.families[family]}
    return FamilyPart(
        family,
        tuple(a for a in plan.allocations if a.requirement in keys),
        tuple((k, q) for k, q in plan.quantities if k[1] in items),
        dict(plan.roles).get(family),
    )


def splice(p: SourcingProblem, plan: Plan, part: FamilyPart) -> Plan:
    """``plan`` with the family's part replaced by ``part``."""
    old = part_of(p, plan, part.family)
    gone = set(old.allocations)
    orders = {k for k, _ in old.quantities}
    allocations = [a for a in plan.allocations if a not in gone] + list(part.allocations)
    quantities = [(k, q) for k, q in plan.quantities if k not in orders]
    quantities += [(k, q) for k, q in part.quantities if q > 0]
    roles = dict(plan.roles)
    if part.roles is not None:
        roles[part.family] = part.roles
    return Plan(
        tuple(sorted(allocations, key=lambda a: (a.requirement, a.supplier, a.week))),
        tuple(sorted(quantities)),
        tuple(sorted(roles.items())),
    )


def _start(p: SourcingProblem, rows: Rows, part: FamilyPart) -> dict[int, float]:
    """The family's incumbent part as values of the model's integer columns (and its units);
    HiGHS completes the rest. Empty when the model cannot express it."""
    values: dict[int, float] = {col: 0.0 for col in rows.fixed.values()}
    values.update({col: 0.0 for col, _, _ in rows.counts.values()})
    values.update({col: 0.0 for _, col, _ in rows.counts.values()})
    values.update({col: 0.0 for col in rows.roles.values()})
    values.update({col: 0.0 for col in rows.units.values()})
    level: dict[OrderKey, int] = {}
    for key, q in part.quantities:
        offer = p.offer[key[0], key[1]]
        k = max(i for i, b in enumerate(offer.breaks) if q >= b.min_quantity or i == 0)
        if (key, k) not in rows.counts:
            return {}
        n, b, mult = rows.counts[key, k]
        values[n], values[b] = q / mult, 1.0
        values[rows.fixed[key[0], key[2]]] = 1.0
        level[key] = k
    for a in part.allocations:
        key = (a.supplier, p.requirement[a.requirement].item, a.week)
        col = rows.units.get((a.requirement, key, level.get(key, -1)))
        if col is None:
            return {}
        values[col] += a.quantity
    for k, s in enumerate(part.roles or ()):
        if (part.family, s, k) not in rows.roles:
            return {}
        values[rows.roles[part.family, s, k]] = 1.0
    return values


def narrowed(
    p: SourcingProblem, part: FamilyPart, late_weeks: int, *, keep_roles: bool = False
) -> dict[str, tuple[tuple[str, int, int], ...]]:
    """The family's delivery windows cut at ``late_weeks`` past the need (or earliest) week,
    but never before a week its plan (``part``) delivers in; with ``keep_roles``, at its role
    suppliers only (the plan serves every requirement from them, so none is left without)."""
    kept = None if not keep_roles or part.roles is None else set(part.roles)
    latest: dict[tuple[str, str], int] = {}
    for a in part.allocations:
        latest[a.requirement, a.supplier] = max(a.week, latest.get((a.requirement, a.supplier), 0))
    return {
        r.key: tuple(
            (s, lo, min(hi, max(lo, r.need_week + late_weeks, latest.get((r.key, s), lo))))
            for s, lo, hi in p.windows[r.key]
            if kept is None or s in kept
        )
        for r in p.families[part.family]
    }


def _read(p: SourcingProblem, rows: Rows, x: list[float], family: str) -> FamilyPart:
    """The family's part from HiGHS' values: whole units, each order at least what covers its
    units (HiGHS' float tolerance may leave it a hair short), orders covering nothing gone."""
    got: dict[tuple[str, str, int], int] = {}
    need: dict[OrderKey, int] = {}
    for (key, order, _), col in rows.units.items():
        q = round(x[col])
        if q > 0:
            got[key, order[0], order[2]] = got.get((key, order[0], order[2]), 0) + q
            need[order] = need.get(order, 0) + q
    quantities: dict[OrderKey, int] = {}
    for (order, _), (n, _, mult) in rows.counts.items():
        q = round(x[n]) * mult
        if q > 0 and order in need:
            quantities[order] = max(q, min_quantity(p, order[0], order[1], need[order]))
    roles = None
    if rows.roles:
        chosen = {k: s for (_, s, k), col in sorted(rows.roles.items()) if x[col] > 0.5}
        roles = tuple(chosen[k] for k in sorted(chosen))
    return FamilyPart(
        family,
        tuple(Allocation(r, s, w, q) for (r, s, w), q in sorted(got.items())),
        tuple(sorted(quantities.items())),
        roles,
    )


def plan_family(
    p: SourcingProblem,
    family: str,
    near: Around,
    part: FamilyPart,
    time_limit: float,
    *,
    keep_roles: bool = False,
) -> FamilyPart | None:
    """The best plan HiGHS finds for ``family`` in ``time_limit`` seconds with ``near`` around
    it, started from ``part`` (None: no plan found); with ``keep_roles``, from its role
    suppliers in ``part`` only (which may trade roles)."""
    import numpy as np

    windows = narrowed(p, part, LATE_WEEKS, keep_roles=keep_roles)
    rows = model(p, family, around=near, integral=True, windows=windows)
    h = highs(rows)
    n = len(rows.cost)
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array(rows.integer, np.uint8))
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.setOptionValue("time_limit", max(0.05, time_limit))
    start = _start(p, rows, part)
    if start:
        cols = sorted(start)
        h.setSolution(
            len(cols), np.array(cols, np.int32), np.array([start[c] for c in cols], np.float64)
        )
    h.run()
    x = h.getSolution().col_value
    if not h.getSolution().value_valid or len(x) != n:
        return None
    return _read(p, rows, list(x), family)


def _send(stream: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj)
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    head = stream.read(4)
    if len(head) < 4:
        raise EOFError
    (size,) = struct.unpack(">I", head)
    return pickle.loads(stream.read(size))


class Planner:
    """The family planner's process. :meth:`ask` sends it a family to re-plan around the rest
    of a plan and returns at once; :meth:`answers` gives the plans it found since last asked
    (read by a thread as they come). One request at a time: :attr:`busy` until answered, then
    ``answered`` is called (from the reading thread: the next question need not wait for the
    search to come by)."""

    def __init__(
        self, problem: SourcingProblem, answered: Callable[[], None] | None = None
    ) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flexchain.planning.sourcing.splice"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.problem, self.answered = problem, answered
        self.busy = False
        self._found: list[FamilyPart] = []
        self._lock = threading.Lock()
        self._send(problem)
        self._reader = threading.Thread(target=self._read_answers, daemon=True)
        self._reader.start()

    def _send(self, obj: Any) -> bool:
        try:
            assert self.proc.stdin is not None
            _send(self.proc.stdin, obj)  # type: ignore[arg-type]
        except OSError:  # the process is gone: no more answers
            return False
        return True

    def _read_answers(self) -> None:
        assert self.proc.stdout is not None
        while True:
            try:
                found = _receive(self.proc.stdout)  # type: ignore[arg-type]
            except (EOFError, OSError, pickle.UnpicklingError):
                return
            with self._lock:
                if found is not None:
                    self._found.append(found)
                self.busy = False
            if self.answered is not None:
                self.answered()

    def ask(self, plan: Plan, family: str, time_limit: float, *, keep_roles: bool = False) -> None:
        """Ask for ``family`` re-planned around the rest of ``plan`` within ``time_limit`` s
        (``keep_roles``: from its role suppliers in ``plan`` only)."""
        p = self.problem
        near, part = around(p, plan, family), part_of(p, plan, family)
        with self._lock:
            self.busy = self._send((family, near, part, time_limit, keep_roles))

    def answers(self) -> list[FamilyPart]:
        """The family plans found since last asked."""
        with self._lock:
            out, self._found = self._found, []
        return out

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self._reader.join(timeout=5)


def family_costs(p: SourcingProblem, plan: Plan) -> dict[str, float]:
    """Each family's landed cost in ``plan`` (brand currency, as a float: to rank families),
    a supplier-week's fixed cost shared equally by the families ordering there."""
    family_of = {r.item: r.family for r in p.requirements}
    out = dict.fromkeys(p.families, 0.0)
    at: dict[tuple[str, int], set[str]] = {}
    for (s, item, w), q in plan.quantities:
        sup, fam = p.supplier[s], family_of[item]
        unit = (
            p.offer[s, item].unit_price(q) * sup.rate + sup.carbon_per_unit * p.costs.carbon_price
        )
        out[fam] += float(q * unit)
        at.setdefault((s, w), set()).add(fam)
    for (s, _), fams in at.items():
        sup = p.supplier[s]
        for fam in fams:
            out[fam] += float(sup.fixed_order_cost * sup.rate) / len(fams)
    for a in plan.allocations:
        r = p.requirement[a.requirement]
        delay = a.week - r.need_week
        rate = p.costs.late_per_unit_week if delay > 0 else p.costs.early_per_unit_week
        out[r.family] += float(a.quantity * abs(delay) * rate)
    return out


class Splicer:
    """The search's side of the family planner: once ``ready()`` (the bound's process is done
    and its core free), it keeps the planner busy with one family at a time, the family whose
    cost is farthest above its bound (``bounds()``) first, and splices each plan it returns
    into the incumbent when every rule holds and the exact cost is lower. The next family is
    asked for as soon as an answer comes, around the incumbent of the last :meth:`step` (the
    planner's core is not left idle while the search finishes a neighbourhood or a mend). The
    first pass over the families keeps each one's roles (``KEPT_ROLES_TIME`` each), the next
    frees them (``FAMILY_TIME``), and so on in turn: the search's neighbourhoods try other
    roles too, the planner's kept-roles plans are the cheapest savings per second."""

    def __init__(
        self,
        problem: SourcingProblem,
        ready: Callable[[], bool],
        bounds: Callable[[], Mapping[str, float]],
    ) -> None:
        self.problem, self.ready, self.bounds = problem, ready, bounds
        self.planner: Planner | None = None
        self.asked: set[str] = set()
        self.passes = 0
        """Passes over the families completed (even: the next ask keeps the roles)."""
        self.families = spliceable(problem)
        self.kept = 0
        self._latest: tuple[Plan, float] | None = None  # the incumbent and the deadline
        self._asking = threading.Lock()

    def step(
        self,
        plan: Plan,
        best: Evaluation,
        deadline: float,
        repair: Callable[[Plan, FamilyPart], Plan | None] | None = None,
    ) -> tuple[Plan, Evaluation]:
        """The incumbent with the plans found since last called spliced in; the next family
        asked for while there is time. A spliced plan that breaks a rule (capacity other
        families took since the question) goes through ``repair`` (the family re-decided
        around its new plan) when given."""
        if self.planner is None:
            if not self.families or not self.ready() or deadline - time.monotonic() < MIN_TIME:
                return plan, best
            self.planner = Planner(self.problem, self._ask)
        broken = []
        for part in self.planner.answers():
            trial_plan = splice(self.problem, plan, part)
            trial = evaluate(self.problem, trial_plan)
            if trial.violations:
                broken.append((trial_plan, part))
            elif trial.total < best.total:
                plan, best = trial_plan, trial
                self.kept += 1
        self._latest = (plan, deadline)
        self._ask()  # before the mends: they take a while
        for trial_plan, part in broken:
            mended = None if repair is None else repair(trial_plan, part)
            if mended is None:
                continue
            trial = evaluate(self.problem, mended)
            if not trial.violations and trial.total < best.total:
                plan, best = mended, trial
                self.kept += 1
                self._latest = (plan, deadline)
        return plan, best

    def _ask(self) -> None:
        """The next family asked for around the latest incumbent, if the planner is free and
        there is time (called by the search and, when an answer comes, by the planner)."""
        with self._asking:
            planner, latest = self.planner, self._latest
            if planner is None or latest is None or planner.busy:
                return
            plan, deadline = latest
            left = deadline - time.monotonic() - MARGIN
            if left >= MIN_TIME:
                family, keep = self._next(plan)
                limit = KEPT_ROLES_TIME if keep else FAMILY_TIME
                planner.ask(plan, family, min(limit, left), keep_roles=keep)

    def _next(self, plan: Plan) -> tuple[str, bool]:
        """The family to ask for next, and whether its roles are kept (even passes)."""
        if len(self.asked) >= len(self.families):
            self.asked.clear()
            self.passes += 1
        costs, bounds = family_costs(self.problem, plan), self.bounds()
        fam = max(
            (f for f in self.families if f not in self.asked),
            key=lambda f: costs[f] - bounds.get(f, costs[f]),
        )  # unbounded families last, the largest first (stable: max keeps the first)
        self.asked.add(fam)
        return fam, self.passes % 2 == 0

    def close(self) -> None:
        if self.planner is not None:
            self.planner.close()


def main() -> None:
    if "ortools" in sys.modules:  # pragma: no cover - the reason this runs apart
        raise RuntimeError("HiGHS must not share a process with OR-Tools")
    if hasattr(os, "nice"):
        os.nice(5)  # the search in the parent comes first when the cores are busy
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # HiGHS prints its banner on the standard output: not among the answers
    problem = _receive(sys.stdin.buffer)
    while True:
        try:
            family, near, part, time_limit, keep_roles = _receive(sys.stdin.buffer)
        except EOFError:
            return
        _send(out, plan_family(problem, family, near, part, time_limit, keep_roles=keep_roles))


if __name__ == "__main__":
    # the module's own name, not __main__: what it pickles must unpickle in the search
    from flexchain.planning.sourcing.splice import main as run

    run()
