"""The sourcing problem: what must be bought, from whom it may be bought, on which terms.

Everything is immutable and checked once by :func:`sourcing_problem`, which raises
:class:`SourcingInfeasible` naming the constraint, the item and the supplier when the input
cannot have a plan (a requirement nobody may serve, an item whose eligible suppliers cannot make
enough in its delivery window).

Units and money
---------------
Quantities are whole units. Weeks are integers counted from the planning week 0: an order placed
now with a lead time of ``L`` weeks arrives at the earliest in week ``L``. Prices, fixed order
costs are in the supplier's currency and turned into the brand's currency with the supplier's
``rate`` (brand units per supplier unit); penalties and the carbon price are in the brand's
currency already.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from flexchain.domain.errors import ValidationError

__all__ = [
    "CapacityHold",
    "Costs",
    "Offer",
    "Peg",
    "PriceBreak",
    "Requirement",
    "ShareBands",
    "SourcingInfeasible",
    "SourcingProblem",
    "Supplier",
    "sourcing_problem",
]

TIERS = ("S", "A", "B")


class SourcingInfeasible(ValidationError):
    """The input cannot have a plan; the message names the constraint, item and supplier."""


@dataclass(frozen=True)
class Peg:
    """The units of a requirement that one customer or sales order needs."""

    order: str
    quantity: int


@dataclass(frozen=True)
class Requirement:
    """A quantity of an item needed in a week (a planned purchase), pegged to the orders it serves.

    ``family`` defaults to the item: share bands hold per family. ``urgent`` requirements may not
    go to B-tier backups. ``market`` names where the goods are sold (its certificates apply).
    """

    key: str
    item: str
    quantity: int
    need_week: int
    pegs: tuple[Peg, ...] = ()
    family: str = ""
    urgent: bool = False
    market: str = ""

    def __post_init__(self) -> None:
        if not self.family:
            object.__setattr__(self, "family", self.item)


@dataclass(frozen=True)
class PriceBreak:
    """All-units break: from ``min_quantity`` units on, every unit of the order costs the price."""

    min_quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Offer:
    """The terms on which one supplier sells one item (prices in the supplier's currency)."""

    supplier: str
    item: str
    breaks: tuple[PriceBreak, ...]
    lead_weeks: int
    moq: int = 0
    multiple: int = 1

    def unit_price(self, quantity: int) -> Decimal:
        """The all-units price of an order of ``quantity`` units."""
        price = self.breaks[0].unit_price
        for brk in self.breaks:
            if quantity >= brk.min_quantity:
                price = brk.unit_price
        return price


@dataclass(frozen=True)
class CapacityHold:
    """Ad-hoc capacity a supplier holds for the brand: ``quantity`` units in total, usable in
    any week up to and including ``until_week`` (then it lapses)."""

    quantity: int
    until_week: int


@dataclass(frozen=True)
class Supplier:
    """A supplier's capacity, quality and the costs that come with ordering from it.

    ``capacity`` is the free capacity per week the brand may book (``week_capacity`` overrides it
    for single weeks: 0 when the supplier is otherwise full); ``reserved`` units per week are
    reserved for the brand under contract and usable even then (the fee is sunk, not a cost of
    the plan). ``fixed_order_cost`` is paid once per week with an order at the supplier.
    """

    key: str
    capacity: int
    region: str = ""
    tier: str = "A"
    reserved: int = 0
    holds: tuple[CapacityHold, ...] = ()
    week_capacity: tuple[tuple[int, int], ...] = ()
    yield_rate: Decimal = Decimal(1)
    carbon_per_unit: Decimal = Decimal(0)
    certifications: frozenset[str] = frozenset()
    quality: Decimal = Decimal(1)
    fixed_order_cost: Decimal = Decimal(0)
    currency: str = "EUR"
    rate: Decimal = Decimal(1)
    weight: Decimal = Decimal(1)
    """Allocation weight in (0, 1] (the supplier rules reduce it after late deliveries): a
    supplier below the family's best weight among its role candidates may not be its primary,
    only a backup (its share is then held to a backup's band)."""
    urgent_work: bool | None = None
    """Whether it may take urgent requirements; None: by its tier (every tier but B)."""

    @property
    def takes_urgent(self) -> bool:
        return self.tier != "B" if self.urgent_work is None else self.urgent_work

    def base_capacity(self, week: int) -> int:
        """Free plus reserved capacity in ``week`` (holds come on top)."""
        return dict(self.week_capacity).get(week, self.capacity) + self.reserved


@dataclass(frozen=True)
class ShareBands:
    """Multi-sourcing shares of a family's units: primary, backup, second backup, each +- the
    tolerance. A family with fewer capable suppliers than roles folds the missing roles' shares
    into the primary's."""

    shares: tuple[Decimal, ...] = (Decimal("0.70"), Decimal("0.20"), Decimal("0.10"))
    tolerance: Decimal = Decimal("0.05")

    def bands(self, roles: int) -> tuple[tuple[Decimal, Decimal], ...]:
        """(low, high) share per role when ``roles`` suppliers can take one."""
        shares = list(self.shares[:roles])
        shares[0] += sum(self.shares[roles:], Decimal(0))
        if roles == 1:
            return ((Decimal(1), Decimal(1)),)
        return tuple(
            (max(Decimal(0), s - self.tolerance), min(Decimal(1), s + self.tolerance))
            for s in shares
        )


@dataclass(frozen=True)
class Costs:
    """The objective's prices and the rules every plan meets (brand currency)."""

    late_per_unit_week: Decimal = Decimal("0.50")
    early_per_unit_week: Decimal = Decimal("0.05")
    carbon_price: Decimal = Decimal(0)
    """Per kg of CO2e."""
    max_late_weeks: int = 4
    max_early_weeks: int = 4
    min_quality: Decimal = Decimal(0)
    bands: ShareBands | None = field(default_factory=ShareBands)
    """The default share bands; None turns multi-sourcing off for every family."""
    family_bands: tuple[tuple[str, ShareBands], ...] = ()
    """(family, its share bands) where they differ from ``bands`` (e.g. by the family's
    Kraljic quadrant); ignored when ``bands`` is None."""
    primary_tiers: tuple[tuple[str, frozenset[str]], ...] = ()
    """(family, the tiers its primary comes from when a candidate of them may lead), e.g. an
    S-tier partner for a strategic family; a family not named takes any tier."""
    item_certifications: tuple[tuple[str, frozenset[str]], ...] = ()
    market_certifications: tuple[tuple[str, frozenset[str]], ...] = ()


@dataclass(frozen=True)
class SourcingProblem:
    """The immutable input of :func:`flexchain.planning.sourcing.solve`; build it with
    :func:`sourcing_problem`, which checks it."""

    requirements: tuple[Requirement, ...]
    suppliers: tuple[Supplier, ...]
    offers: tuple[Offer, ...]
    costs: Costs = field(default_factory=Costs)

    @cached_property
    def supplier(self) -> Mapping[str, Supplier]:
        return {s.key: s for s in self.suppliers}

    @cached_property
    def offer(self) -> Mapping[tuple[str, str], Offer]:
        return {(o.supplier, o.item): o for o in self.offers}

    @cached_property
    def requirement(self) -> Mapping[str, Requirement]:
        return {r.key: r for r in self.requirements}

    @cached_property
    def horizon(self) -> int:
        """Weeks 0 .. horizon - 1 may receive deliveries."""
        return max(r.need_week for r in self.requirements) + self.costs.max_late_weeks + 1

    @cached_property
    def families(self) -> Mapping[str, tuple[Requirement, ...]]:
        out: dict[str, list[Requirement]] = {}
        for r in self.requirements:
            out.setdefault(r.family, []).append(r)
        return {f: tuple(rs) for f, rs in out.items()}

    @cached_property
    def role_candidates(self) -> Mapping[str, tuple[str, ...]]:
        """Per family, the suppliers that may take a role: they offer every item of the family,
        meet the minimum quality and hold the items' certificates."""
        out = {}
        for fam, reqs in self.families.items():
            items = {r.item for r in reqs}
            out[fam] = tuple(
                s.key
                for s in self.suppliers
                if all((s.key, i) in self.offer and not self._item_misses(s, i) for i in items)
                and s.quality >= self.costs.min_quality
            )
        return out

    def share_bands(self, family: str) -> ShareBands | None:
        """The family's share bands: its own (``Costs.family_bands``), else the default."""
        if self.costs.bands is None:
            return None
        return dict(self.costs.family_bands).get(family, self.costs.bands)

    def bands(self, family: str) -> tuple[tuple[Decimal, Decimal], ...]:
        """(low, high) share of the family's units per role (one role when bands are off)."""
        bands = self.share_bands(family)
        if bands is None:
            return ((Decimal(0), Decimal(1)),)
        roles = min(len(bands.shares), len(self.role_candidates[family]))
        return bands.bands(max(roles, 1))

    @cached_property
    def primary_candidates(self) -> Mapping[str, frozenset[str]]:
        """Per family, the role candidates that may be its primary: those of the best
        allocation weight among them (a reduced weight makes a supplier a backup only), and of
        them those of the family's primary tiers when there are any."""
        out = {}
        tiers = dict(self.costs.primary_tiers)
        for fam, cands in self.role_candidates.items():
            best = max((self.supplier[s].weight for s in cands), default=Decimal(1))
            leaders = {s for s in cands if self.supplier[s].weight == best}
            preferred = {s for s in leaders if self.supplier[s].tier in tiers.get(fam, TIERS)}
            out[fam] = frozenset(preferred or leaders)
        return out

    def may_lead(self, family: str, supplier: str) -> bool:
        """Whether ``supplier`` may take the primary role of ``family``."""
        return supplier in self.primary_candidates[family]

    def lead_refusal(self, family: str, supplier: str) -> str | None:
        """Why ``supplier`` may not be the primary of ``family`` (None when it may)."""
        if self.may_lead(family, supplier):
            return None
        leaders = self.primary_candidates[family]
        if any(self.supplier[s].weight > self.supplier[supplier].weight for s in leaders):
            return f"{supplier} has a reduced allocation weight and may not be the primary"
        tiers = ", ".join(sorted(dict(self.costs.primary_tiers).get(family, TIERS)))
        return f"{supplier} is tier {self.supplier[supplier].tier}: the primary is tier {tiers}"

    @cached_property
    def windows(self) -> Mapping[str, tuple[tuple[str, int, int], ...]]:
        """Per requirement, (supplier, first week, last week) it may be delivered from."""
        return {r.key: tuple(self._windows(r)) for r in self.requirements}

    def _windows(self, req: Requirement) -> Iterable[tuple[str, int, int]]:
        for s in self.suppliers:
            if self.refusal(req, s) is None:
                first, last = self._window(req, self.offer[s.key, req.item])
                yield s.key, first, last

    def _window(self, req: Requirement, offer: Offer) -> tuple[int, int]:
        first = max(offer.lead_weeks, req.need_week - self.costs.max_early_weeks, 0)
        return first, min(self.horizon - 1, req.need_week + self.costs.max_late_weeks)

    def _item_misses(self, s: Supplier, item: str) -> frozenset[str]:
        return dict(self.costs.item_certifications).get(item, frozenset()) - s.certifications

    def refusal(self, req: Requirement, s: Supplier) -> str | None:
        """Why ``s`` may not serve ``req`` (None when it may)."""
        offer = self.offer.get((s.key, req.item))
        if offer is None:
            return f"{s.key} has no offer for {req.item}"
        if s.quality < self.costs.min_quality:
            return f"{s.key} quality {s.quality} is below the minimum {self.costs.min_quality}"
        missing = self._item_misses(s, req.item) | (
            dict(self.costs.market_certifications).get(req.market, frozenset()) - s.certifications
        )
        if missing:
            return f"{s.key} lacks certificate {', '.join(sorted(missing))}"
        if req.urgent and not s.takes_urgent:
            why = "is tier B" if s.tier == "B" else "may not take urgent work"
            return f"{s.key} {why} and {req.key} is urgent"
        first, last = self._window(req, offer)
        if first > last:
            return (
                f"{s.key} lead time {offer.lead_weeks} weeks arrives after week {last} "
                f"(need week {req.need_week} + {self.costs.max_late_weeks} weeks late at most)"
            )
        if self.costs.bands is not None and s.key not in self.role_candidates[req.family]:
            return (
                f"{s.key} cannot take a share role in family {req.family} (offers or certificates)"
            )
        return None

    def max_units(self, supplier: str, week: int) -> int:
        """All the units ``supplier`` could ship in ``week`` (free, reserved and live holds)."""
        s = self.supplier[supplier]
        holds = sum(h.quantity for h in s.holds if week <= h.until_week)
        return s.base_capacity(week) + holds


def sourcing_problem(
    requirements: Iterable[Requirement],
    suppliers: Iterable[Supplier],
    offers: Iterable[Offer],
    costs: Costs | None = None,
) -> SourcingProblem:
    """Build and check a problem; raises :class:`ValidationError` naming the bad field and
    :class:`SourcingInfeasible` saying which constraint leaves which item without a plan."""
    problem = SourcingProblem(
        tuple(requirements), tuple(suppliers), tuple(offers), costs or Costs()
    )
    _check_fields(problem)
    _check_feasible(problem)
    return problem


def _check_fields(p: SourcingProblem) -> None:
    if not p.requirements:
        raise ValidationError("requirements", "at least one requirement is needed")
    _unique("requirements", [r.key for r in p.requirements])
    _unique("suppliers", [s.key for s in p.suppliers])
    _unique("offers", [f"{o.supplier}/{o.item}" for o in p.offers])
    for r in p.requirements:
        if r.quantity <= 0 or r.need_week < 0:
            raise ValidationError(f"requirements[{r.key}]", "quantity must be > 0, need week >= 0")
        if r.pegs and sum(g.quantity for g in r.pegs) <= 0:
            raise ValidationError(
                f"requirements[{r.key}].pegs", "pegged quantities must add up > 0"
            )
    for s in p.suppliers:
        _check_supplier(s)
    for o in p.offers:
        _check_offer(p, o)
    c = p.costs
    if min(c.late_per_unit_week, c.early_per_unit_week, c.carbon_price) < 0:
        raise ValidationError("costs", "penalties and the carbon price must be >= 0")
    if min(c.max_late_weeks, c.max_early_weeks) < 0:
        raise ValidationError("costs", "max_late_weeks and max_early_weeks must be >= 0")
    for where, bands in (("costs.bands", c.bands), *(
        (f"costs.family_bands[{fam}]", b) for fam, b in c.family_bands
    )):  # fmt: skip
        if bands is not None and (
            not bands.shares or sum(bands.shares) != 1 or bands.tolerance < 0
        ):
            raise ValidationError(where, "shares must add up to 1 and tolerance be >= 0")


def _unique(name: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValidationError(name, f"{key} appears twice")
        seen.add(key)


def _check_supplier(s: Supplier) -> None:
    where = f"suppliers[{s.key}]"
    if s.tier not in TIERS:
        raise ValidationError(f"{where}.tier", f"tier must be one of S, A, B, not {s.tier}")
    if min(s.capacity, s.reserved, *(c for _, c in s.week_capacity), 0) < 0:
        raise ValidationError(f"{where}.capacity", "capacities must be >= 0")
    if not Decimal(0) < s.yield_rate <= 1:
        raise ValidationError(f"{where}.yield_rate", "first-pass yield must be in (0, 1]")
    if not Decimal(0) < s.weight <= 1:
        raise ValidationError(f"{where}.weight", "an allocation weight must be in (0, 1]")
    if s.rate <= 0 or s.fixed_order_cost < 0 or s.carbon_per_unit < 0:
        raise ValidationError(where, "rate must be > 0, fixed cost and carbon >= 0")
    if any(h.quantity < 0 for h in s.holds):
        raise ValidationError(f"{where}.holds", "a hold's quantity must be >= 0")


def _check_offer(p: SourcingProblem, o: Offer) -> None:
    where = f"offers[{o.supplier}/{o.item}]"
    if o.supplier not in p.supplier:
        raise ValidationError(where, f"supplier {o.supplier} is not in the problem")
    if not o.breaks or o.breaks[0].min_quantity > max(o.moq, 1):
        raise ValidationError(f"{where}.breaks", "the first break must start at or below the MOQ")
    for a, b in zip(o.breaks, o.breaks[1:], strict=False):
        if b.min_quantity <= a.min_quantity or b.unit_price > a.unit_price:
            raise ValidationError(
                f"{where}.breaks", "breaks must rise in quantity and not rise in price"
            )
    if o.breaks[-1].unit_price < 0 or o.moq < 0 or o.multiple < 1 or o.lead_weeks < 0:
        raise ValidationError(where, "prices and MOQ must be >= 0, multiple >= 1, lead time >= 0")


def _check_feasible(p: SourcingProblem) -> None:
    for r in p.requirements:
        if not p.windows[r.key]:
            offered = [s for s in p.suppliers if (s.key, r.item) in p.offer]
            why = "; ".join(str(p.refusal(r, s)) for s in offered) or "no supplier offers it"
            raise SourcingInfeasible(
                f"requirements[{r.key}]",
                f"no supplier may deliver {r.item} for {r.key}: {why}",
            )
    by_item: dict[str, list[Requirement]] = {}
    for r in p.requirements:
        by_item.setdefault(r.item, []).append(r)
    for item, reqs in by_item.items():
        need = sum(r.quantity for r in reqs)
        reach = {(s, w) for r in reqs for s, a, b in p.windows[r.key] for w in range(a, b + 1)}
        most = sum(math.floor(p.max_units(s, w) * p.supplier[s].yield_rate) for s, w in reach)
        if most < need:
            names = ", ".join(sorted({s for s, _ in reach}))
            raise SourcingInfeasible(
                f"items[{item}]",
                f"capacity: {item} needs {need} good units but its eligible suppliers "
                f"({names}) can make at most {most} in its delivery weeks",
            )
