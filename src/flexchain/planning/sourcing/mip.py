"""The sourcing MIP for HiGHS (brand currency): the whole problem, or one family's part of it.

Used only in processes where OR-Tools is not imported (the bound's, the family planner's): the
two bundle clashing HiGHS builds. This module imports highspy only inside :func:`highs`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flexchain.planning.sourcing.cost import OrderKey, min_quantity
from flexchain.planning.sourcing.problem import SourcingProblem

__all__ = ["Around", "Rows", "highs", "model"]


@dataclass(frozen=True)
class Around:
    """What the rest of a plan leaves a family: per supplier-week the units other families
    order there (capacity they use), and the supplier-weeks where they order (fixed cost
    already paid)."""

    load: Mapping[tuple[str, int], int] = field(default_factory=dict)
    paid: frozenset[tuple[str, int]] = frozenset()


class Rows:
    """A sparse model under construction: columns with cost/bounds/integrality, and rows; and
    what the columns mean (to read a plan back, or give HiGHS one to start from)."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[float, float, list[int], list[float]]] = []
        self.primaries: list[int] = []
        """Per candidate, the flag "it is the primary" (one family's model: exactly one is)."""
        self.fixed: dict[tuple[str, int], int] = {}
        """Per supplier-week, the flag "an order there" (its cost: the fixed cost's share)."""
        self.counts: dict[tuple[OrderKey, int], tuple[int, int, int]] = {}
        """Per (order, break index): the count of multiples, the break's flag, the multiple."""
        self.units: dict[tuple[str, OrderKey, int], int] = {}
        """Per (requirement, order, break index): the requirement's good units there."""
        self.roles: dict[tuple[str, str, int], int] = {}
        """Per (family, candidate, role index): the flag "it takes the role"."""

    def var(self, cost: float, lo: float, hi: float, integer: bool) -> int:
        self.cost.append(cost)
        self.lo.append(lo)
        self.hi.append(hi)
        self.integer.append(int(integer))
        return len(self.cost) - 1

    def row(self, lo: float, hi: float, terms: dict[int, float]) -> None:
        self.rows.append((lo, hi, list(terms), list(terms.values())))


def model(
    p: SourcingProblem,
    family: str | None = None,
    *,
    around: Around | None = None,
    integral: bool = False,
    windows: Mapping[str, tuple[tuple[str, int, int], ...]] | None = None,
    band_cuts: bool = True,
) -> Rows:
    """The sourcing MIP: the whole problem, or one family's part of it.

    The formulation is the disaggregated one: each requirement's units at an order are split
    by the price break the order reaches, and an order's units at a break are at most the
    requirement's quantity times the break's flag. Its LP relaxation cannot buy a requirement's
    few units at the best break without ordering (a fraction of) the break's quantity, nor
    serve a requirement from a supplier-week without (a fraction of) its fixed cost; the last
    break's order is capped at what could ever pay (the demand in reach, or the break).

    Without ``around``, a family's part keeps its requirements, orders, capacity and roles, and
    pays a share of each supplier-week's fixed cost: the cost divided by the number of families
    that could order there. Its optimum is at most the family's cost in any plan (capacity it
    shares is all its own here, and the shares of a fixed cost paid once add up to at most the
    cost), so the families' bounds add up to a lower bound of the whole.

    With ``around`` (the rest of a plan), the family's part is exact: capacity is what the other
    families leave, a fixed cost they pay costs nothing more, any other costs in full; its
    optimum (``integral``: whole units) is the best plan for the family with the rest fixed.
    ``windows`` (per requirement, (supplier, first week, last week)) narrows the delivery
    windows (the problem's by default): only with ``around``, as a narrower model is no bound.
    """
    if windows is not None and around is None:
        raise ValueError("narrowed windows give no bound: only with around")
    m = Rows()
    reqs = p.requirements if family is None else p.families[family]
    reach: dict[OrderKey, list[tuple[str, int]]] = {}  # order -> (req, delay)
    for r in reqs:
        for s, lo, hi in (p.windows if windows is None else windows)[r.key]:
            for w in range(lo, hi + 1):
                reach.setdefault((s, r.item, w), []).append((r.key, w - r.need_week))
    sharing = _sharing(p) if family is not None and around is None else None
    served: dict[str, dict[int, float]] = {r.key: {} for r in reqs}
    units: dict[tuple[str, str], dict[int, float]] = {}
    at_break: dict[tuple[str, str, int], list[int]] = {}  # (family, supplier, flag) -> units
    least: dict[int, float] = {}  # a break's flag -> the good units its least order brings
    load: dict[tuple[str, int], dict[int, float]] = {}
    for (s, item, w), who in sorted(reach.items()):
        if (s, w) not in m.fixed:
            m.fixed[s, w] = m.var(_fixed_cost(p, s, w, around, sharing), 0, 1, True)
        flags: dict[int, float] = {m.fixed[s, w]: -1.0}
        demand = sum(p.requirement[key].quantity for key, _ in who)
        room_left = None if around is None else around.load.get((s, w), 0)
        for k, n, b, per, low in _breaks(p, m, (s, item, w), demand, room_left):
            flags[b], least[b] = 1.0, per * low
            load.setdefault((s, w), {})[n] = float(p.offer[s, item].multiple)
            cover = {n: per}
            room = per * m.hi[n]
            for key, delay in who:
                q = p.requirement[key].quantity
                rate = p.costs.late_per_unit_week if delay > 0 else p.costs.early_per_unit_week
                v = m.var(float(rate * abs(delay)), 0, min(q, room), integral)
                m.units[key, (s, item, w), k] = v
                m.row(-math.inf, 0, {v: 1.0, b: -float(min(q, room))})
                cover[v] = -1.0
                served[key][v] = 1.0
                units.setdefault((p.requirement[key].family, s), {})[v] = 1.0
                at_break.setdefault((p.requirement[key].family, s, b), []).append(v)
            m.row(0, math.inf, cover)
        m.row(-math.inf, 0, flags)
    for r in reqs:
        m.row(r.quantity, r.quantity, served[r.key])
    others = {} if around is None else around.load
    for s in sorted({s for s, _ in load} | {s for s, w in others if (s, w) in m.fixed}):
        weeks = {w: terms for (t, w), terms in load.items() if t == s}
        taken = {w: q for (t, w), q in others.items() if t == s}
        _capacity(p, m, s, weeks, taken)
    _shares(p, m, units, family)
    if band_cuts:
        _band_cuts(p, m, at_break, least)
    return m


def _fixed_cost(
    p: SourcingProblem,
    s: str,
    w: int,
    around: Around | None,
    sharing: dict[tuple[str, int], int] | None,
) -> float:
    """The model's fixed cost of an order at supplier ``s`` in week ``w``: none where the rest
    of the plan pays it, a share where families share it, else all of it."""
    sup = p.supplier[s]
    if around is not None and (s, w) in around.paid:
        return 0.0
    cost = float(sup.fixed_order_cost * sup.rate)
    return cost if sharing is None else cost / sharing[s, w]


def _breaks(
    p: SourcingProblem, m: Rows, order: OrderKey, demand: int, taken: int | None
) -> Iterator[tuple[int, int, int, float, int]]:
    """Per usable price break of ``order``: its index, its count of multiples (cost: price,
    carbon), its flag, the good units one multiple covers and its least count of multiples.
    ``taken``: units other families order at the supplier-week (None: all its capacity is the
    model's)."""
    s, item, w = order
    sup, offer = p.supplier[s], p.offer[s, item]
    mult = offer.multiple
    last = -(-offer.breaks[-1].min_quantity // mult) * mult
    useful = max(min_quantity(p, s, item, demand), last)  # more never pays
    top = min(p.max_units(s, w) - (taken or 0), useful) // mult
    carbon = sup.carbon_per_unit * p.costs.carbon_price
    for k, brk in enumerate(offer.breaks):
        low = math.ceil(max(brk.min_quantity, offer.moq, 1) / mult)
        high = top
        if k + 1 < len(offer.breaks):
            high = min(top, (offer.breaks[k + 1].min_quantity - 1) // mult)
        if low > high:
            continue
        n = m.var(float((brk.unit_price * sup.rate + carbon) * mult), 0, high, True)
        b = m.var(0.0, 0, 1, True)
        m.counts[order, k] = (n, b, mult)
        m.row(0, math.inf, {n: 1.0, b: -low})
        m.row(-math.inf, 0, {n: 1.0, b: -high})
        yield k, n, b, float(sup.yield_rate) * mult, low


def _sharing(p: SourcingProblem) -> dict[tuple[str, int], int]:
    """How many families could order at each supplier-week."""
    who: dict[tuple[str, int], set[str]] = {}
    for r in p.requirements:
        for s, lo, hi in p.windows[r.key]:
            for w in range(lo, hi + 1):
                who.setdefault((s, w), set()).add(r.family)
    return {k: len(v) for k, v in who.items()}


def _capacity(
    p: SourcingProblem,
    m: Rows,
    s: str,
    weeks: dict[int, dict[int, float]],
    taken: dict[int, int],
) -> None:
    """Per week, the model's load plus what others take within free + reserved capacity and
    the holds (each hold's total shared by the weeks up to its lapse)."""
    sup = p.supplier[s]
    every = sorted(set(weeks) | set(taken))
    held: dict[int, dict[int, float]] = {}
    for hold in sup.holds:
        uses = {}
        for w in every:
            if w <= hold.until_week:
                v = m.var(0.0, 0, hold.quantity, False)
                held.setdefault(w, {})[v] = -1.0
                uses[v] = 1.0
        if uses:
            m.row(-math.inf, hold.quantity, uses)
    for w in every:
        terms = {**weeks.get(w, {}), **held.get(w, {})}
        if terms:
            m.row(-math.inf, sup.base_capacity(w) - taken.get(w, 0), terms)


def _shares(
    p: SourcingProblem, m: Rows, units: dict[tuple[str, str], dict[int, float]], family: str | None
) -> None:
    if p.costs.bands is None:
        return
    for fam, reqs in p.families.items():
        if family is not None and fam != family:
            continue
        total = sum(r.quantity for r in reqs)
        bands = p.bands(fam)
        cands = p.role_candidates[fam]
        z = {(s, k): m.var(0.0, 0, 1, True) for s in cands for k in range(len(bands))}
        m.roles.update({(fam, s, k): col for (s, k), col in z.items()})
        for k in range(len(bands)):
            m.row(1, 1, {z[s, k]: 1.0 for s in cands})
        if family is not None:
            m.primaries = [z[s, 0] for s in cands]
        for s in cands:
            if not p.may_lead(fam, s):  # a reduced allocation weight: a backup only
                m.row(0, 0, {z[s, 0]: 1.0})
            got = units.get((fam, s), {})
            m.row(-math.inf, 1, {z[s, k]: 1.0 for k in range(len(bands))})
            low = {z[s, k]: -math.ceil(lo * total) for k, (lo, _) in enumerate(bands)}
            high = {z[s, k]: -math.floor(hi * total) for k, (_, hi) in enumerate(bands)}
            m.row(0, math.inf, {**got, **low})
            m.row(-math.inf, 0, {**got, **high})
            away = [t for t in cands if p.supplier[t].region != p.supplier[s].region]
            need = min(len(bands) - 1, len(away))
            if need:
                terms = {z[t, k]: 1.0 for t in away for k in range(1, len(bands))}
                m.row(0, math.inf, {**terms, z[s, 0]: -float(need)})


def _band_cuts(
    p: SourcingProblem,
    m: Rows,
    at_break: dict[tuple[str, str, int], list[int]],
    least: dict[int, float],
) -> None:
    """A family's units at one order's price break are at most the most its supplier may take
    of the family (its share band's top in the role it holds) times the break's flag: without
    it, the LP buys a backup's few hundred units at a break of many more with a fractional
    flag. The top is the backups' unless the supplier is the primary (its flag lifts it)."""
    if p.costs.bands is None:
        return
    tops: dict[str, tuple[int, int]] = {}
    modelled = {fam for fam, _, _ in m.roles}
    for fam, reqs in p.families.items():
        if fam not in modelled:
            continue
        total = sum(r.quantity for r in reqs)
        highs_ = [math.floor(hi * total) for _, hi in p.bands(fam)]
        tops[fam] = (highs_[0], max(highs_[1:], default=0))
    for (fam, s, flag), terms in at_break.items():
        if fam not in tops or (fam, s, 0) not in m.roles:
            continue
        lead, backup = tops[fam]
        if least[flag] <= backup or backup >= sum(m.hi[v] for v in terms):
            continue  # the break's flag need not rise, or the rows per requirement say as much
        row = {v: 1.0 for v in terms}
        row[flag] = -float(backup)
        if lead > backup:
            row[m.roles[fam, s, 0]] = -float(lead - backup)
        m.row(-math.inf, 0, row)


def highs(rows: Rows) -> Any:
    """A HiGHS instance holding ``rows`` (continuous: the LP relaxation)."""
    import highspy
    import numpy as np

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    n = len(rows.cost)
    h.addVars(n, np.array(rows.lo), np.array(rows.hi))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(rows.cost))
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    for _, _, idx, val in rows.rows:
        starts.append(len(index))
        index += idx
        value += val
    h.addRows(
        len(rows.rows),
        np.array([r[0] for r in rows.rows]),
        np.array([r[1] for r in rows.rows]),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=np.float64),
    )
    return h
