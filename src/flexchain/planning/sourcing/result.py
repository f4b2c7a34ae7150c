"""What :func:`flexchain.planning.sourcing.solve` returns, and the pooling saving per order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flexchain.planning.sourcing.cost import (
    Allocation,
    Evaluation,
    Plan,
    best_quantity,
    order_cost,
)
from flexchain.planning.sourcing.problem import SourcingProblem

__all__ = ["PooledOrder", "SourcingResult", "pooling_savings"]

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PooledOrder:
    """One order to a supplier for an item delivered in a week, pooling requirements."""

    supplier: str
    item: str
    week: int
    quantity: int
    unit_price: Decimal
    """In the supplier's currency, the all-units break the pooled quantity reaches."""
    break_quantity: int
    requirements: tuple[str, ...]


@dataclass(frozen=True)
class SourcingResult:
    problem: SourcingProblem
    plan: Plan
    evaluation: Evaluation
    greedy: Evaluation
    lower_bound: Decimal | None
    time: float
    iterations: int
    proven: bool = False
    """CP-SAT proved the plan optimal (small problems, solved whole)."""

    @property
    def allocations(self) -> tuple[Allocation, ...]:
        """(requirement, supplier, week, quantity) of good units, per requirement."""
        return self.plan.allocations

    def cost(self) -> Decimal:
        return self.evaluation.total

    def is_feasible(self) -> bool:
        return not self.evaluation.violations

    @property
    def status(self) -> str:
        if not self.is_feasible():
            return "infeasible"
        if self.proven:
            return "optimal"
        if self.lower_bound is not None and self.lower_bound >= self.cost() - CENT:
            return "optimal"
        return "feasible"

    @property
    def gap(self) -> Decimal | None:
        """(cost - lower bound) / cost."""
        if self.lower_bound is None or not self.cost():
            return None
        return max(Decimal(0), (self.cost() - self.lower_bound) / self.cost())

    def orders(self) -> tuple[PooledOrder, ...]:
        p = self.problem
        who: dict[tuple[str, str, int], list[str]] = {}
        for a in self.plan.allocations:
            who.setdefault((a.supplier, p.requirement[a.requirement].item, a.week), []).append(
                a.requirement
            )
        out = []
        for (s, item, w), q in self.plan.quantities:
            offer = p.offer[s, item]
            brk = max(
                (b for b in offer.breaks if q >= b.min_quantity),
                key=lambda b: b.min_quantity,
                default=offer.breaks[0],
            )
            out.append(
                PooledOrder(
                    s,
                    item,
                    w,
                    q,
                    brk.unit_price,
                    brk.min_quantity,
                    tuple(sorted(set(who.get((s, item, w), [])))),
                )
            )
        return tuple(out)

    def savings_by_requirement(self) -> dict[str, Decimal]:
        return pooling_savings(self.problem, self.plan)

    def savings_by_order(self) -> dict[str, Decimal]:
        """What each pegged (sales) order saved by pooling, versus buying its units alone; a
        requirement's saving is split over its pegs by pegged quantity (its own key when it has
        no pegs)."""
        out: dict[str, Decimal] = {}
        for key, saving in self.savings_by_requirement().items():
            req = self.problem.requirement[key]
            total = sum(g.quantity for g in req.pegs)
            for peg in req.pegs or ():
                out[peg.order] = out.get(peg.order, Decimal(0)) + saving * peg.quantity / total
            if not req.pegs:
                out[key] = out.get(key, Decimal(0)) + saving
        return {k: v.quantize(CENT) for k, v in sorted(out.items())}

    def summary(self) -> dict[str, object]:
        greedy = self.greedy.total
        return {
            "status": self.status,
            "cost": self.cost().quantize(CENT),
            "greedy_cost": greedy.quantize(CENT),
            "greedy_feasible": not self.greedy.violations,
            "saving": (greedy - self.cost()).quantize(CENT),
            "saving_pct": ((greedy - self.cost()) / greedy * 100).quantize(CENT)
            if greedy
            else Decimal(0),
            "lower_bound": None if self.lower_bound is None else self.lower_bound.quantize(CENT),
            "gap": None if self.gap is None else self.gap.quantize(Decimal("0.0001")),
            "time": round(self.time, 3),
            "iterations": self.iterations,
            "components": {k: v.quantize(CENT) for k, v in self.evaluation.components().items()},
            "violations": list(self.evaluation.violations),
        }


def pooling_savings(p: SourcingProblem, plan: Plan) -> dict[str, Decimal]:
    """Per requirement, the saving of pooling versus ordering its units at each supplier-week
    alone (own order, own fixed cost, cheapest quantity up to the pooled order's). Per
    supplier-week the saving is shared in proportion to the stand-alone costs, so no
    requirement's share is negative when the pooled order is cheaper overall."""
    quantities = dict(plan.quantities)
    alone: dict[tuple[str, int], dict[str, Decimal]] = {}
    for a in plan.allocations:
        item = p.requirement[a.requirement].item
        cap = quantities.get((a.supplier, item, a.week), 0)
        q = best_quantity(p, a.supplier, item, a.quantity, max(cap, 1)) or cap
        sup = p.supplier[a.supplier]
        cost = order_cost(p, a.supplier, item, q) + sup.fixed_order_cost * sup.rate
        bucket = alone.setdefault((a.supplier, a.week), {})
        bucket[a.requirement] = bucket.get(a.requirement, Decimal(0)) + cost
    pooled: dict[tuple[str, int], Decimal] = {}
    for (s, item, w), q in plan.quantities:
        pooled[s, w] = pooled.get((s, w), Decimal(0)) + order_cost(p, s, item, q)
    out: dict[str, Decimal] = {r.key: Decimal(0) for r in p.requirements}
    for (s, w), costs in alone.items():
        sup = p.supplier[s]
        together = pooled.get((s, w), Decimal(0)) + sup.fixed_order_cost * sup.rate
        apart = sum(costs.values(), Decimal(0))
        for key, cost in costs.items():
            out[key] += (apart - together) * cost / apart if apart else Decimal(0)
    return out
