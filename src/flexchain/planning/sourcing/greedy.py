"""The greedy baseline every result is compared with.

Roles go to the cheapest capable suppliers, ranked by the landed cost of the family's units at
their average weekly order: the primary the cheapest that may serve the high end of its band, each
backup the cheapest that may serve the low end of its band, taken first from another region than
the primary's, then among those that may serve requirements no role may serve yet. Then each
requirement, in need-date order (those that only some role suppliers may serve first), goes to the
role supplier and delivery week where its units add the least landed cost to what is already
ordered there (pooling, price breaks, fixed cost, lateness and holding counted), within the role's
target share (70/20/10) and the supplier-week's capacity; a requirement that finds no room within
the targets may use a role's band up to its high end, then any room left. Last, units move between
a family's roles until each is within its band, as far as eligibility and capacity allow. With
the share bands off there are no roles: each requirement goes to the supplier-week, of any that
may serve it, where its units add the least.
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
    """Primary, backup, second backup per family, each the cheapest candidate that may serve the
    low end of its band (the primary: the high end); backups from another region than the
    primary's first, then those that may serve requirements no role may serve yet."""
    out: dict[str, tuple[str, ...]] = {}
    for fam, reqs in p.families.items():
        total = sum(r.quantity for r in reqs)
        bands = p.bands(fam)
        cost = {s: _unit_cost(p, s, reqs) for s in p.role_candidates[fam]}
        serves = {
            s: {r.key for r in reqs if s in {t for t, _, _ in p.windows[r.key]}} for s in cost
        }
        units = {s: sum(p.requirement[k].quantity for k in serves[s]) for s in cost}
        chosen: list[str] = []
        for lo, hi in bands:
            left = [s for s in cost if s not in chosen and (chosen or p.may_lead(fam, s))]
            if not left:
                break
            # the primary may serve its band's high end (the rest must fit the backups)
            floor = lo if chosen else hi
            able = [s for s in left if units[s] >= floor * total] or left
            if chosen:
                region = p.supplier[chosen[0]].region
                covered = set().union(*(serves[s] for s in chosen))
                able.sort(
                    key=lambda s: (
                        p.supplier[s].region == region,
                        not serves[s] - covered,
                        cost[s],
                        s,
                    )
                )
            else:
                able.sort(key=lambda s: (cost[s], s))
            chosen.append(able[0])
        out[fam] = tuple(chosen)
    return out


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

    def remove(self, req: Requirement, supplier: str, week: int, units: int) -> None:
        """Take ``units`` of ``req`` off (supplier, week); the order shrinks to the cheapest
        quantity that still covers what is left."""
        key = (supplier, req.item, week)
        akey = (req.key, supplier, week)
        self.allocations[akey] -= units
        if not self.allocations[akey]:
            del self.allocations[akey]
        self.needs[key] -= units
        now = self.quantities[key]
        new = best_quantity(self.p, supplier, req.item, self.needs[key], now) or 0
        self.quantities[key] = new
        self.load[supplier, week] -= now - new
        self._rebook(supplier)

    def _rebook(self, supplier: str) -> None:
        """Hold use from scratch: each week's excess on the live hold lapsing first."""
        sup = self.p.supplier[supplier]
        self.holds[supplier] = [
            [h.until_week, h.quantity] for h in sorted(sup.holds, key=lambda h: h.until_week)
        ]
        for (s, w), load in sorted(self.load.items()):
            if s == supplier:
                over = load - sup.base_capacity(w)
                for hold in self.holds[supplier]:
                    if over > 0 and hold[0] >= w:
                        used = min(over, hold[1])
                        hold[1] -= used
                        over -= used

    def family_units(self, family: str, supplier: str) -> int:
        return sum(
            q
            for (r, s, _), q in self.allocations.items()
            if s == supplier and self.p.requirement[r].family == family
        )

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
        own = p.share_bands(fam)
        shares = own.shares if own is not None else (Decimal(1),)
        target = [math.floor(s * total) for s in _folded(shares, len(bands))]
        target[0] += total - sum(target)
        high = [math.floor(hi * total) for _, hi in bands]
        limits[fam] = (target, high)
    cache: dict[tuple[str, str, int], Decimal] = {}
    anyone = None  # share bands off: no roles, any supplier that may serve does
    if p.costs.bands is None:
        anyone = {
            fam: tuple(sorted({s for r in reqs for s, _, _ in p.windows[r.key]}))
            for fam, reqs in p.families.items()
        }
    for req in sorted(p.requirements, key=lambda r: (_free(p, r, roles), r.need_week, r.key)):
        if anyone is not None:
            _place(p, state, req, req.quantity, anyone[req.family], used, None, cache)
            continue
        target, high = limits[req.family]
        left = req.quantity
        for stage in (target, high, None):
            left = _place(p, state, req, left, roles[req.family], used, stage, cache)
            if left == 0:
                break
    for fam in sorted(p.families):
        if p.costs.bands is not None:
            _fix_bands(p, state, fam, roles[fam], cache)
    return state.plan(roles)


def _fix_bands(
    p: SourcingProblem,
    state: PlanState,
    fam: str,
    roles: tuple[str, ...],
    cache: dict[tuple[str, str, int], Decimal],
) -> None:
    """Move units between the family's roles until every role is within its band (as far as
    eligibility and capacity let): first to roles below their low end, then off roles above
    their high end."""
    total = sum(r.quantity for r in p.families[fam])
    bands = p.bands(fam)[: len(roles)]
    low = [math.ceil(lo * total) for lo, _ in bands]
    high = [math.floor(hi * total) for _, hi in bands]
    for _ in range(2 * len(roles)):
        used = [state.family_units(fam, s) for s in roles]
        short = [k for k in range(len(roles)) if used[k] < low[k]]
        over = [k for k in range(len(roles)) if used[k] > high[k]]
        if short:
            k = short[0]
            need = low[k] - used[k]
            for j in sorted(range(len(roles)), key=lambda j: (j not in over, j)):
                if j != k and used[j] > low[j] and need > 0:
                    need -= _move(
                        p, state, fam, roles[j], roles[k], min(need, used[j] - low[j]), cache
                    )
        elif over:
            j = over[0]
            excess = used[j] - high[j]
            for k in range(len(roles)):
                if k != j and used[k] < high[k] and excess > 0:
                    excess -= _move(
                        p, state, fam, roles[j], roles[k], min(excess, high[k] - used[k]), cache
                    )
        else:
            return


def _move(
    p: SourcingProblem,
    state: PlanState,
    fam: str,
    src: str,
    dst: str,
    amount: int,
    cache: dict[tuple[str, str, int], Decimal],
) -> int:
    """Move up to ``amount`` units of the family from ``src`` to ``dst``; returns units moved."""
    moved = 0
    here = sorted(
        (
            (r, w, q)
            for (r, s, w), q in state.allocations.items()
            if s == src and p.requirement[r].family == fam
        ),
        key=lambda x: (-p.requirement[x[0]].need_week, x[0]),
    )
    for key, week, q in here:
        req = p.requirement[key]
        if moved >= amount or dst not in {s for s, _, _ in p.windows[key]}:
            continue
        units = min(q, amount - moved)
        state.remove(req, src, week, units)
        left = _place(p, state, req, units, (dst,), {}, None, cache)
        if left:
            back = state.needs.get((src, req.item, week), 0) + left
            quantity = best_quantity(
                p,
                src,
                req.item,
                back,
                state.quantities.get((src, req.item, week), 0) + state.slack(src, week),
            )
            if quantity is None:  # cannot happen: the units were there a moment ago
                raise AssertionError(f"{key} lost its room at {src} week {week}")
            state.add(req, src, week, left, quantity)
        moved += units - left
    return moved


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
