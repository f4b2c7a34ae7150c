"""The greedy baseline every result is compared with.

Roles go to the cheapest capable suppliers (ranked by landed cost of the family's units plus a unit
of cost per unit it may not serve; the primary the cheapest that may serve the low end of its band,
the backups the next cheapest, taken first from another region than the primary's);
then each requirement, in need-date order (those that only some role suppliers may serve first),
goes to the role supplier and delivery week where its units add the least landed cost to what is
already ordered there (pooling, price breaks, fixed cost, lateness and holding counted), within the
role's target share (70/20/10) and the supplier-week's capacity. A requirement that finds no room
within the targets may use a role's band up to its high end, then any room left.
"""

from __future__ import annotations

import math
from decimal import Decimal

from flexchain.planning.sourcing.cost import (
    Allocation,
    OrderKey,
    Plan,
    best_quantity,
    min_quantity,
    order_cost,
)
from flexchain.planning.sourcing.problem import Requirement, SourcingProblem

__all__ = ["choose_roles", "greedy_plan"]


def choose_roles(p: SourcingProblem) -> dict[str, tuple[str, ...]]:
    """Primary, backup, second backup per family: cheapest first, backups from other regions
    first."""
    out: dict[str, tuple[str, ...]] = {}
    for fam, reqs in p.families.items():
        ranked = sorted(
            p.role_candidates[fam],
            key=lambda s: (_unit_cost(p, s, reqs) + _unserved(p, s, reqs), s),
        )
        count = len(p.bands(fam))
        if not ranked:
            out[fam] = ()
            continue
        total = sum(r.quantity for r in reqs)
        bands = p.bands(fam)
        able = [s for s in ranked if total - _unserved(p, s, reqs) >= bands[0][0] * total]
        primary = (able or ranked)[0]
        region = p.supplier[primary].region
        rest = [s for s in ranked if s != primary]
        others = [s for s in rest if p.supplier[s].region != region]
        same = [s for s in rest if p.supplier[s].region == region]
        out[fam] = (primary, *(others + same)[: count - 1])
    return out


def _unserved(p: SourcingProblem, supplier: str, reqs: tuple[Requirement, ...]) -> int:
    """Units of the family the supplier may not serve (urgency, market certificates, lead)."""
    return sum(r.quantity for r in reqs if supplier not in {s for s, _, _ in p.windows[r.key]})


def _unit_cost(p: SourcingProblem, supplier: str, reqs: tuple[Requirement, ...]) -> Decimal:
    """Landed cost per good unit of the family at the supplier, at its average weekly order."""
    weeks = len({r.need_week for r in reqs})
    total = Decimal(0)
    for r in reqs:
        typical = max(1, sum(x.quantity for x in reqs if x.item == r.item) // weeks)
        q = min_quantity(p, supplier, r.item, typical)
        total += r.quantity * order_cost(p, supplier, r.item, q) / typical
    return total


class PlanState:
    """A plan being built: allocations, pooled needs, order quantities, loads, holds left."""

    def __init__(self, p: SourcingProblem) -> None:
        self.p = p
        self.allocations: dict[tuple[str, str, int], int] = {}
        self.needs: dict[OrderKey, int] = {}
        self.quantities: dict[OrderKey, int] = {}
        self.load: dict[tuple[str, int], int] = {}
        self.holds = {
            s.key: [[h.until_week, h.quantity] for h in sorted(s.holds, key=lambda h: h.until_week)]
            for s in p.suppliers
        }
        self.held: dict[tuple[str, int], list[tuple[int, int]]] = {}

    def slack(self, supplier: str, week: int) -> int:
        base = self.p.supplier[supplier].base_capacity(week) - self.load.get((supplier, week), 0)
        live = sum(h[1] for h in self.holds[supplier] if h[0] >= week)
        return max(0, base) + live

    def room(self, supplier: str, item: str, week: int) -> int:
        """Most good units that can still be added to the order (capacity, multiple, yield)."""
        key = (supplier, item, week)
        offer = self.p.offer[supplier, item]
        top = (self.quantities.get(key, 0) + self.slack(supplier, week)) // offer.multiple
        top *= offer.multiple
        if top < offer.moq or top <= 0:
            return 0
        return max(
            0, math.floor(top * self.p.supplier[supplier].yield_rate) - self.needs.get(key, 0)
        )

    def add(self, req: Requirement, supplier: str, week: int, units: int, quantity: int) -> None:
        key = (supplier, req.item, week)
        akey = (req.key, supplier, week)
        self.allocations[akey] = self.allocations.get(akey, 0) + units
        self.needs[key] = self.needs.get(key, 0) + units
        self._book(supplier, week, quantity - self.quantities.get(key, 0))
        self.quantities[key] = quantity

    def _book(self, supplier: str, week: int, extra: int) -> None:
        base = self.p.supplier[supplier].base_capacity(week)
        free = max(0, base - self.load.get((supplier, week), 0))
        self.load[supplier, week] = self.load.get((supplier, week), 0) + extra
        over = extra - free
        for hold in self.holds[supplier]:
            if over > 0 and hold[0] >= week:
                used = min(over, hold[1])
                hold[1] -= used
                over -= used

    def plan(self, roles: dict[str, tuple[str, ...]]) -> Plan:
        return Plan(
            tuple(Allocation(r, s, w, q) for (r, s, w), q in sorted(self.allocations.items())),
            tuple(sorted((k, q) for k, q in self.quantities.items() if q > 0)),
            tuple(sorted(roles.items())),
        )


def greedy_plan(p: SourcingProblem) -> Plan:
    """The baseline plan (it may break a rule when the greedy order paints itself into a corner:
    check it with :func:`flexchain.planning.sourcing.cost.evaluate`)."""
    roles = choose_roles(p)
    state = PlanState(p)
    used: dict[tuple[str, str], int] = {}
    limits = {}
    for fam, reqs in p.families.items():
        total = sum(r.quantity for r in reqs)
        bands = p.bands(fam)
        shares = p.costs.bands.shares if p.costs.bands is not None else (Decimal(1),)
        target = [math.floor(s * total) for s in _folded(shares, len(bands))]
        target[0] += total - sum(target)
        high = [math.floor(hi * total) for _, hi in bands]
        limits[fam] = (target, high)
    cache: dict[tuple[str, str, int], Decimal] = {}
    for req in sorted(p.requirements, key=lambda r: (_free(p, r, roles), r.need_week, r.key)):
        target, high = limits[req.family]
        left = req.quantity
        for stage in (target, high, None):
            left = _place(p, state, req, left, roles[req.family], used, stage, cache)
            if left == 0:
                break
    return state.plan(roles)


def _free(p: SourcingProblem, req: Requirement, roles: dict[str, tuple[str, ...]]) -> bool:
    """Whether every role supplier of the family may serve ``req`` (those go second)."""
    return {s for s, _, _ in p.windows[req.key]} >= set(roles[req.family])


def _folded(shares: tuple[Decimal, ...], roles: int) -> list[Decimal]:
    out = list(shares[:roles])
    out[0] += sum(shares[roles:], Decimal(0))
    return out


def _place(
    p: SourcingProblem,
    state: PlanState,
    req: Requirement,
    left: int,
    roles: tuple[str, ...],
    used: dict[tuple[str, str], int],
    limit: list[int] | None,
    cache: dict[tuple[str, str, int], Decimal],
) -> int:
    """Place up to ``left`` units of ``req`` at its cheapest role supplier-weeks; returns what
    is still unplaced."""
    windows = {s: (a, b) for s, a, b in p.windows[req.key]}
    while left > 0:
        best: tuple[Decimal, str, int, int, int] | None = None
        for k, s in enumerate(roles):
            if s not in windows:
                continue
            quota = left if limit is None else min(left, limit[k] - used.get((req.family, s), 0))
            for w in range(windows[s][0], windows[s][1] + 1):
                units = min(quota, state.room(s, req.item, w))
                if units <= 0:
                    continue
                option = _marginal(p, state, req, s, w, units, cache)
                if option is not None and (best is None or option[0] < best[0]):
                    best = (option[0], s, w, units, option[1])
        if best is None:
            return left
        _, s, w, units, quantity = best
        state.add(req, s, w, units, quantity)
        used[req.family, s] = used.get((req.family, s), 0) + units
        left -= units
    return 0


def _marginal(
    p: SourcingProblem,
    state: PlanState,
    req: Requirement,
    supplier: str,
    week: int,
    units: int,
    cache: dict[tuple[str, str, int], Decimal],
) -> tuple[Decimal, int] | None:
    """Added landed cost per unit of putting ``units`` at (supplier, week), and the new order
    quantity."""
    key = (supplier, req.item, week)
    now = state.quantities.get(key, 0)
    quantity = best_quantity(
        p, supplier, req.item, state.needs.get(key, 0) + units, now + state.slack(supplier, week)
    )
    if quantity is None:
        return None

    def cost(q: int) -> Decimal:
        if (supplier, req.item, q) not in cache:
            cache[supplier, req.item, q] = order_cost(p, supplier, req.item, q)
        return cache[supplier, req.item, q]

    added = cost(quantity) - (cost(now) if now else Decimal(0))
    if state.load.get((supplier, week), 0) == 0:
        sup = p.supplier[supplier]
        added += sup.fixed_order_cost * sup.rate
    delay = week - req.need_week
    penalty = p.costs.late_per_unit_week if delay > 0 else p.costs.early_per_unit_week
    return added / units + abs(delay) * penalty, quantity
