"""Landed cost and feasibility of a plan: the one place both are decided (exact Decimal).

A plan allocates each requirement's units to (supplier, delivery week) pairs and orders, per
pooled (supplier, item, week), a quantity that covers the allocated units after the supplier's
first-pass yield, meets the MOQ and the multiple, and may be larger to reach a better break.

Landed cost = purchase (ordered units x the all-units price of the pooled order x rate)
+ fixed order cost (once per supplier-week with an order) + lateness (units x weeks late x
penalty) + early holding (units x weeks early x penalty) + carbon (ordered units x kg x price).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from flexchain.planning.sourcing.problem import SourcingProblem

__all__ = [
    "Allocation",
    "Evaluation",
    "OrderKey",
    "Plan",
    "best_quantity",
    "evaluate",
    "min_quantity",
    "needed_units",
    "order_cost",
    "region_breaches",
    "troubled_families",
]

OrderKey = tuple[str, str, int]
"""(supplier, item, delivery week) of a pooled order."""
ZERO = Decimal(0)


@dataclass(frozen=True)
class Allocation:
    """``quantity`` good units of a requirement delivered by ``supplier`` in ``week``."""

    requirement: str
    supplier: str
    week: int
    quantity: int


@dataclass(frozen=True)
class Plan:
    """Allocations, the ordered quantity of each pooled order, and each family's role suppliers
    (primary, backup, second backup)."""

    allocations: tuple[Allocation, ...]
    quantities: tuple[tuple[OrderKey, int], ...]
    roles: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Evaluation:
    """A plan's cost components (brand currency) and every rule it breaks."""

    purchase: Decimal
    fixed: Decimal
    late: Decimal
    early: Decimal
    carbon: Decimal
    violations: tuple[str, ...]

    @property
    def total(self) -> Decimal:
        return self.purchase + self.fixed + self.late + self.early + self.carbon

    def components(self) -> dict[str, Decimal]:
        return {
            "purchase": self.purchase,
            "fixed": self.fixed,
            "late": self.late,
            "early": self.early,
            "carbon": self.carbon,
        }


def min_quantity(p: SourcingProblem, supplier: str, item: str, need: int) -> int:
    """The smallest order covering ``need`` good units: need / yield rounded up, at least the
    MOQ, rounded up to the multiple (0 when nothing is needed)."""
    if need <= 0:
        return 0
    offer = p.offer[supplier, item]
    units = max(math.ceil(need / p.supplier[supplier].yield_rate), offer.moq)
    return -(-units // offer.multiple) * offer.multiple


def order_cost(p: SourcingProblem, supplier: str, item: str, quantity: int) -> Decimal:
    """Purchase plus carbon cost of ordering ``quantity`` units (brand currency)."""
    s = p.supplier[supplier]
    price = p.offer[supplier, item].unit_price(quantity) * s.rate
    return quantity * (price + s.carbon_per_unit * p.costs.carbon_price)


def best_quantity(
    p: SourcingProblem, supplier: str, item: str, need: int, cap: int | None = None
) -> int | None:
    """The cheapest order quantity covering ``need`` good units within ``cap`` units (the least
    of the cheapest); None when even the smallest order does not fit."""
    low = min_quantity(p, supplier, item, need)
    if cap is not None and low > cap:
        return None
    offer = p.offer[supplier, item]
    options = [low] + [
        -(-b.min_quantity // offer.multiple) * offer.multiple
        for b in offer.breaks
        if b.min_quantity > low
    ]
    fits = [q for q in options if cap is None or q <= cap]
    return min(fits, key=lambda q: (order_cost(p, supplier, item, q), q))


def needed_units(p: SourcingProblem, allocations: Iterable[Allocation]) -> dict[OrderKey, int]:
    """Good units each pooled order must cover."""
    out: dict[OrderKey, int] = {}
    for a in allocations:
        key = (a.supplier, p.requirement[a.requirement].item, a.week)
        out[key] = out.get(key, 0) + a.quantity
    return out


def evaluate(p: SourcingProblem, plan: Plan) -> Evaluation:
    """Cost and every violated rule of ``plan``."""
    violations: list[str] = []
    violations += _coverage(p, plan.allocations)
    quantities = dict(plan.quantities)
    needs = needed_units(p, plan.allocations)
    violations += _orders(p, quantities, needs)
    violations += _capacity(p, quantities)
    violations += [line for _, line in _share_breaches(p, plan)]
    purchase = carbon = ZERO
    weeks: set[tuple[str, int]] = set()
    for (s, item, w), q in quantities.items():
        if q > 0:
            sup = p.supplier[s]
            purchase += q * p.offer[s, item].unit_price(q) * sup.rate
            carbon += q * sup.carbon_per_unit * p.costs.carbon_price
            weeks.add((s, w))
    fixed = sum((p.supplier[s].fixed_order_cost * p.supplier[s].rate for s, _ in weeks), ZERO)
    late = early = ZERO
    for a in plan.allocations:
        delay = a.week - p.requirement[a.requirement].need_week
        if delay > 0:
            late += a.quantity * delay * p.costs.late_per_unit_week
        else:
            early += a.quantity * -delay * p.costs.early_per_unit_week
    return Evaluation(purchase, fixed, late, early, carbon, tuple(violations))


def troubled_families(p: SourcingProblem, plan: Plan) -> list[str]:
    """Families whose requirements are not covered exactly or whose share bands are broken."""
    covered: dict[str, int] = {}
    for a in plan.allocations:
        covered[a.requirement] = covered.get(a.requirement, 0) + a.quantity
    out = {r.family for r in p.requirements if covered.get(r.key, 0) != r.quantity}
    out.update(fam for fam, _ in _share_breaches(p, plan))
    return sorted(out)


def _coverage(p: SourcingProblem, allocations: Iterable[Allocation]) -> list[str]:
    out = []
    covered: dict[str, int] = {}
    for a in allocations:
        req = p.requirement.get(a.requirement)
        if req is None:
            out.append(f"allocation to unknown requirement {a.requirement}")
            continue
        covered[a.requirement] = covered.get(a.requirement, 0) + a.quantity
        window = {s: (lo, hi) for s, lo, hi in p.windows[req.key]}
        if a.quantity <= 0:
            out.append(f"{req.key}: allocation of {a.quantity} units at {a.supplier}")
        elif a.supplier not in window:
            why = p.refusal(req, p.supplier[a.supplier]) if a.supplier in p.supplier else None
            out.append(f"{req.key}: {a.supplier} may not serve it ({why or 'unknown supplier'})")
        elif not window[a.supplier][0] <= a.week <= window[a.supplier][1]:
            out.append(
                f"{req.key}: week {a.week} at {a.supplier} is outside weeks "
                f"{window[a.supplier][0]}-{window[a.supplier][1]} (lead time, lateness)"
            )
    for r in p.requirements:
        if covered.get(r.key, 0) != r.quantity:
            out.append(f"{r.key}: {covered.get(r.key, 0)} of {r.quantity} units allocated")
    return out


def _orders(
    p: SourcingProblem, quantities: Mapping[OrderKey, int], needs: Mapping[OrderKey, int]
) -> list[str]:
    out = []
    for key in sorted(set(quantities) | set(needs)):
        s, item, w = key
        q, need = quantities.get(key, 0), needs.get(key, 0)
        if q == 0 and need == 0:
            continue
        if (s, item) not in p.offer:
            out.append(f"order {s}/{item}/week {w}: no offer")
            continue
        offer = p.offer[s, item]
        if q < min_quantity(p, s, item, need):
            out.append(
                f"order {s}/{item}/week {w}: {q} units do not cover {need} good units "
                f"at yield {p.supplier[s].yield_rate} with MOQ {offer.moq}"
            )
        if q % offer.multiple or (0 < q < offer.moq) or (q > 0 and need == 0):
            out.append(
                f"order {s}/{item}/week {w}: {q} units break multiple {offer.multiple}"
                f" or MOQ {offer.moq} or cover no requirement"
            )
    return out


def _capacity(p: SourcingProblem, quantities: Mapping[OrderKey, int]) -> list[str]:
    """Each supplier-week within free + reserved capacity; the excess on live holds, earliest
    lapsing first (optimal when every hold starts now)."""
    load: dict[str, dict[int, int]] = {}
    for (s, _, w), q in quantities.items():
        load.setdefault(s, {})[w] = load.get(s, {}).get(w, 0) + q
    out = []
    for s, weeks in sorted(load.items()):
        sup = p.supplier[s]
        left = sorted(([h.until_week, h.quantity] for h in sup.holds), key=lambda h: h[0])
        for w in sorted(weeks):
            excess = weeks[w] - sup.base_capacity(w)
            for hold in left:
                if excess > 0 and hold[0] >= w:
                    used = min(excess, hold[1])
                    hold[1] -= used
                    excess -= used
            if excess > 0:
                out.append(
                    f"capacity: {s} week {w} is {excess} units over its free, "
                    f"reserved and held capacity"
                )
    return out


def _share_breaches(p: SourcingProblem, plan: Plan) -> list[tuple[str, str]]:
    """(family, what is wrong) for every broken share band or role rule."""
    if p.costs.bands is None:
        return []
    roles = dict(plan.roles)
    units: dict[str, dict[str, int]] = {}
    for a in plan.allocations:
        fam = p.requirement[a.requirement].family
        units.setdefault(fam, {})[a.supplier] = units.get(fam, {}).get(a.supplier, 0) + a.quantity
    out: list[tuple[str, str]] = []
    for fam, reqs in sorted(p.families.items()):
        total = sum(r.quantity for r in reqs)
        bands = p.bands(fam)
        chosen = roles.get(fam, ())
        if len(chosen) != len(bands) or len(set(chosen)) != len(chosen):
            out.append((fam, f"shares: family {fam} needs {len(bands)} distinct role suppliers"))
            continue
        used = units.get(fam, {})
        for extra in sorted(set(used) - set(chosen)):
            out.append((fam, f"shares: family {fam} buys from {extra}, which has no role"))
        for k, (s, (lo, hi)) in enumerate(zip(chosen, bands, strict=True)):
            if s not in p.role_candidates[fam]:
                out.append((fam, f"shares: {s} cannot take role {k + 1} of family {fam}"))
            elif k == 0 and not p.may_lead(fam, s):
                out.append((fam, f"shares: {p.lead_refusal(fam, s)} of family {fam}"))
            if not lo * total <= used.get(s, 0) <= hi * total:
                out.append(
                    (
                        fam,
                        f"shares: {s} has {used.get(s, 0)} of {total} units of family "
                        f"{fam}, outside role {k + 1}'s band {lo:%}-{hi:%}",
                    )
                )
        out += [(fam, line) for line in region_breaches(p, fam, chosen)]
    return out


def region_breaches(p: SourcingProblem, family: str, chosen: tuple[str, ...]) -> list[str]:
    """Backups come from another region than the primary's, as many as the candidates allow."""
    if len(chosen) < 2:
        return []
    region = p.supplier[chosen[0]].region
    others = sum(p.supplier[s].region != region for s in p.role_candidates[family])
    backups = sum(p.supplier[s].region != region for s in chosen[1:])
    if backups < min(len(chosen) - 1, others):
        return [
            f"regions: family {family}'s backups share the primary {chosen[0]}'s region "
            f"{region} though {others} candidates elsewhere exist"
        ]
    return []
