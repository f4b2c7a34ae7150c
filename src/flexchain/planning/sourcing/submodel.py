"""One CP-SAT neighbourhood: re-decide some requirements (and maybe a family's roles) with the
rest of the incumbent plan fixed around them.

Costs are integer cents in the model (the exact Decimal evaluation in ``cost`` decides whether
the new plan is kept). Every order touched by a freed requirement is re-decided whole: its
quantity (as a count of multiples), its price break (one boolean per all-units break), the
supplier-week's fixed cost, capacity with reserved units and live holds, yield and MOQ.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ortools.sat.python import cp_model

from flexchain.planning.sourcing.cost import Allocation, OrderKey, Plan, min_quantity
from flexchain.planning.sourcing.problem import SourcingProblem

__all__ = ["Neighbourhood", "family_hood", "solve_neighbourhood"]


GAP_LIMIT = 0.001
"""A neighbourhood stops once within 0.1 % of its own optimum (the proof costs the most)..."""
GAP_FROM = 100
"""... on problems of this many requirements or more; smaller ones are solved to the cent."""


def cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


@dataclass(frozen=True)
class Neighbourhood:
    """Requirements to re-decide, and families whose roles are free too (all of their
    requirements must be freed)."""

    requirements: frozenset[str]
    families: frozenset[str] = frozenset()
    roles: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Families whose requirements are re-decided under these roles instead of the plan's."""
    late_weeks: int | None = None
    """Consider deliveries at most this many weeks after the need week (or the earliest
    possible week); None: the problem's whole window. The incumbent's weeks stay allowed."""


class _Model:
    def __init__(self, p: SourcingProblem, plan: Plan, hood: Neighbourhood) -> None:
        self.p, self.plan, self.hood = p, plan, hood
        self.m = cp_model.CpModel()
        self.roles = dict(plan.roles) | dict(hood.roles)
        self.fixed = [a for a in plan.allocations if a.requirement not in hood.requirements]
        self.g: dict[tuple[str, str, int], cp_model.IntVar] = {}
        self.x: dict[OrderKey, cp_model.LinearExprT] = {}
        self.z: dict[tuple[str, str, int], cp_model.IntVar] = {}
        self.cost: list[cp_model.LinearExprT] = []
        self.upper: dict[cp_model.IntVar, int] = {}
        self.hints = {(a.requirement, a.supplier, a.week): a.quantity for a in plan.allocations}
        self.latest: dict[tuple[str, str], int] = {}
        self.dropped: set[OrderKey] = set()
        for a in plan.allocations:
            key = (a.requirement, a.supplier)
            self.latest[key] = max(a.week, self.latest.get(key, a.week))

    def build(self) -> None:
        self._allocations()
        self._orders()
        self._shares()
        self.m.minimize(sum(self.cost))

    def _allocations(self) -> None:
        p = self.p
        for key in sorted(self.hood.requirements):
            r = p.requirement[key]
            allowed = self.roles.get(r.family) if r.family not in self.hood.families else None
            terms = []
            for s, lo, hi in p.windows[key]:
                if p.costs.bands is not None and allowed is not None and s not in allowed:
                    continue
                if self.hood.late_weeks is not None:
                    now = self.latest.get((key, s), lo)
                    hi = min(hi, max(lo, r.need_week + self.hood.late_weeks, now))
                for w in range(lo, hi + 1):
                    v = self.m.new_int_var(0, r.quantity, f"g{key}{s}{w}")
                    self.upper[v] = r.quantity
                    self.m.add_hint(v, self.hints.get((key, s, w), 0))
                    self.g[key, s, w] = v
                    delay = w - r.need_week
                    rate = p.costs.late_per_unit_week if delay > 0 else p.costs.early_per_unit_week
                    if delay:
                        self.cost.append(cents(rate * abs(delay)) * v)
                    terms.append(v)
            self.m.add(sum(terms) == r.quantity)

    def _orders(self) -> None:
        p = self.p
        fixed_need: dict[OrderKey, int] = {}
        for a in self.fixed:
            k = (a.supplier, p.requirement[a.requirement].item, a.week)
            fixed_need[k] = fixed_need.get(k, 0) + a.quantity
        free_need: dict[OrderKey, list[cp_model.IntVar]] = {}
        for (r, s, w), v in self.g.items():
            free_need.setdefault((s, p.requirement[r].item, w), []).append(v)
        # orders that served only freed requirements and can no longer (their supplier lost its
        # role, or its week is out of the window) are gone, with their load and fixed cost
        self.dropped = {
            k for k in dict(self.plan.quantities) if k not in free_need and not fixed_need.get(k)
        }
        quantities = {k: q for k, q in self.plan.quantities if k not in self.dropped}
        load: dict[tuple[str, int], list[cp_model.LinearExprT]] = {}
        active: dict[tuple[str, int], list[cp_model.IntVar]] = {}
        fixed_paid: set[tuple[str, int]] = set()
        touched = {(s, w) for s, _, w in free_need}
        for key, q in quantities.items():
            if key not in free_need and (key[0], key[2]) in touched:
                load.setdefault((key[0], key[2]), []).append(q)
                fixed_paid.add((key[0], key[2]))
        for key, terms in sorted(free_need.items()):
            x, on = self._order(key, fixed_need.get(key, 0), terms, quantities.get(key, 0))
            load.setdefault((key[0], key[2]), []).append(x)
            active.setdefault((key[0], key[2]), []).append(on)
        paid_before = {(s, w) for (s, _, w), q in quantities.items() if q > 0}
        for (s, w), ons in sorted(active.items()):
            if (s, w) in fixed_paid:
                continue
            sup = p.supplier[s]
            used = self.m.new_bool_var(f"u{s}{w}")
            for on in ons:
                self.m.add_implication(on, used)
            self.m.add_hint(used, (s, w) in paid_before)
            self.cost.append(cents(sup.fixed_order_cost * sup.rate) * used)
        self._capacity(load, quantities)

    def _order(
        self, key: OrderKey, fixed: int, terms: list[cp_model.IntVar], hint: int
    ) -> tuple[cp_model.LinearExprT, cp_model.IntVar]:
        p = self.p
        s, item, w = key
        sup, offer = p.supplier[s], p.offer[s, item]
        m = offer.multiple
        most = fixed + sum(self.upper[v] for v in terms)
        useful = max(min_quantity(p, s, item, most), offer.breaks[-1].min_quantity + m)
        top = min(p.max_units(s, w), useful) // m
        carbon = sup.carbon_per_unit * p.costs.carbon_price
        counts, flags = [], []
        for k, brk in enumerate(offer.breaks):
            low = math.ceil(max(brk.min_quantity, offer.moq, 1) / m)
            high = top
            if k + 1 < len(offer.breaks):
                high = min(top, (offer.breaks[k + 1].min_quantity - 1) // m)
            if low > high:
                continue
            n = self.m.new_int_var(0, high, f"n{s}{item}{w}{k}")
            b = self.m.new_bool_var(f"b{s}{item}{w}{k}")
            self.m.add(n >= low * b)
            self.m.add(n <= high * b)
            hit = (
                hint > 0
                and offer.unit_price(hint) == brk.unit_price
                and (k == len(offer.breaks) - 1 or hint < offer.breaks[k + 1].min_quantity)
            )
            self.m.add_hint(b, hit)
            self.m.add_hint(n, hint // m if hit else 0)
            self.cost.append(cents((brk.unit_price * sup.rate + carbon) * m) * n)
            counts.append(n)
            flags.append(b)
        self.m.add(sum(flags) <= 1)
        x = m * sum(counts)
        y = Fraction(sup.yield_rate)
        self.m.add(y.numerator * x >= y.denominator * (fixed + sum(terms)))
        on = self.m.new_bool_var(f"on{s}{item}{w}")
        self.m.add(sum(flags) == on)
        self.x[key] = x
        return x, on

    def _capacity(
        self, load: dict[tuple[str, int], list[cp_model.LinearExprT]], quantities: dict
    ) -> None:
        p = self.p
        by_supplier: dict[str, dict[int, list[cp_model.LinearExprT]]] = {}
        for (s, w), terms in load.items():
            by_supplier.setdefault(s, {})[w] = terms
        for s, weeks in sorted(by_supplier.items()):
            sup = p.supplier[s]
            for (t, _, w), q in quantities.items():
                if t == s and w not in weeks:
                    weeks[w] = [q]
            held: dict[int, list[cp_model.IntVar]] = {}
            for h, hold in enumerate(sup.holds):
                uses = []
                for w in weeks:
                    if w <= hold.until_week:
                        v = self.m.new_int_var(0, hold.quantity, f"h{s}{h}{w}")
                        held.setdefault(w, []).append(v)
                        uses.append(v)
                self.m.add(sum(uses) <= hold.quantity)
            for w, terms in sorted(weeks.items()):
                self.m.add(sum(terms) <= sup.base_capacity(w) + sum(held.get(w, [])))

    def _shares(self) -> None:
        p = self.p
        if p.costs.bands is None:
            return
        units: dict[tuple[str, str], list[cp_model.LinearExprT]] = {}
        for a in self.fixed:
            fam = p.requirement[a.requirement].family
            units.setdefault((fam, a.supplier), []).append(a.quantity)
        for (r, s, _), v in self.g.items():
            units.setdefault((p.requirement[r].family, s), []).append(v)
        for fam in sorted({p.requirement[r].family for r in self.hood.requirements}):
            total = sum(r.quantity for r in p.families[fam])
            bands = [(math.ceil(lo * total), math.floor(hi * total)) for lo, hi in p.bands(fam)]
            if fam in self.hood.families:
                self._free_roles(fam, bands, units, total)
                continue
            for s, (lo, hi) in zip(self.roles[fam], bands, strict=True):
                got = sum(units.get((fam, s), []))
                self.m.add(got >= lo)
                self.m.add(got <= hi)

    def _free_roles(self, fam: str, bands: list[tuple[int, int]], units: dict, total: int) -> None:
        p = self.p
        cands = p.role_candidates[fam]
        now = self.roles.get(fam, ())
        for k in range(len(bands)):
            self.m.add_exactly_one(self._role(fam, s, k, now) for s in cands)
        for s in cands:
            got = sum(units.get((fam, s), []))
            zs = [self.z[fam, s, k] for k in range(len(bands))]
            self.m.add(sum(zs) <= 1)
            self.m.add(got <= total * sum(zs))
            for k, (lo, hi) in enumerate(bands):
                self.m.add(got >= lo).only_enforce_if(zs[k])
                self.m.add(got <= hi).only_enforce_if(zs[k])
        if len(bands) < 2:
            return
        for s in cands:
            region = p.supplier[s].region
            away = [t for t in cands if p.supplier[t].region != region]
            need = min(len(bands) - 1, len(away))
            if need:
                backups = [self.z[fam, t, k] for t in away for k in range(1, len(bands))]
                self.m.add(sum(backups) >= need).only_enforce_if(self.z[fam, s, 0])

    def _role(self, fam: str, s: str, k: int, now: tuple[str, ...]) -> cp_model.IntVar:
        v = self.m.new_bool_var(f"z{fam}{s}{k}")
        self.m.add_hint(v, k < len(now) and now[k] == s)
        if k == 0 and not self.p.may_lead(fam, s):
            self.m.add(v == 0)  # a reduced allocation weight: a backup only
        self.z[fam, s, k] = v
        return v


def solve_neighbourhood(
    p: SourcingProblem,
    plan: Plan,
    hood: Neighbourhood,
    *,
    time_limit: float,
    seed: int,
    work_limit: float | None = None,
) -> tuple[Plan, bool] | None:
    """The best plan CP-SAT finds with only ``hood`` free, and whether CP-SAT proved it the
    neighbourhood's optimum (None when it finds none)."""
    model = _Model(p, plan, hood)
    model.build()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    if work_limit is not None:
        solver.parameters.max_deterministic_time = work_limit
    solver.parameters.num_workers = 1
    # the LP over every constraint (level 2) finds far better plans on these models
    solver.parameters.linearization_level = 2
    if len(p.requirements) >= GAP_FROM:
        solver.parameters.relative_gap_limit = GAP_LIMIT
    solver.parameters.random_seed = seed
    # probing costs more wall time than it saves on these small, hinted models
    solver.parameters.cp_model_probing_level = 0
    status = solver.solve(model.m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    exact = status == cp_model.OPTIMAL and len(p.requirements) < GAP_FROM
    return _read(model, solver, hood), exact


def _read(model: _Model, solver: cp_model.CpSolver, hood: Neighbourhood) -> Plan:
    allocations = list(model.fixed)
    for (r, s, w), v in model.g.items():
        q = solver.value(v)
        if q:
            allocations.append(Allocation(r, s, w, q))
    quantities = {k: q for k, q in model.plan.quantities if k not in model.dropped}
    for key, x in model.x.items():
        quantities[key] = solver.value(x)
    roles = dict(model.plan.roles) | dict(hood.roles)
    for fam in hood.families:
        count = len(model.p.bands(fam))
        roles[fam] = tuple(
            next(s for s in model.p.role_candidates[fam] if solver.value(model.z[fam, s, k]))
            for k in range(count)
        )
    return Plan(
        tuple(sorted(allocations, key=lambda a: (a.requirement, a.supplier, a.week))),
        tuple(sorted((k, q) for k, q in quantities.items() if q > 0)),
        tuple(sorted(roles.items())),
    )


def family_hood(p: SourcingProblem, families: Collection[str]) -> Neighbourhood:
    """Every requirement of ``families``, their roles free."""
    free = frozenset(families) if p.costs.bands is not None else frozenset()
    return Neighbourhood(frozenset(r.key for f in families for r in p.families[f]), free)
