"""Checkout quotes: the price and ship date of a product configuration, with their breakdowns.

A quote is computed from a :class:`QuoteSnapshot` (everything about one product, loaded once) and
changes nothing: no stock is reserved, no job is booked. The rules, in order:

**What is made.** A configuration is *made to order* when a custom module has a chosen option
other than ``NONE`` ("No print" leaves the module out). Otherwise finished goods in stock ship
first and only the rest is built. For the units built, each custom module with work is a job for
the whole quantity; a standard module short in stock is a job for the shortfall, raised to the
module's MOQ and order multiple (the surplus goes to stock).

**Ship date** (calendar days from ``today``), as stages:

* *materials*: every material below the jobs (and the product's packaging) is taken from stock;
  a shortfall waits for the supplier's lead time (the item's default supplier's terms if valid
  today, else the shortest valid terms, else the item's production cycle). A job starts when its
  own materials are ready.
* *production*: one stage per job, placed by :func:`flexchain.domain.assignment.assign` (its rule:
  capable suppliers, booked queue, lead time, run time; rush tiers take the fastest supplier).
  The option's lead-time delta and the speed tier's lead-time factor adjust the supplier's lead
  time. Jobs are placed custom modules first, then shortages, in BOM order, and each counts as
  booked load for the ones after it. A product without a BOM is bought finished: its shortfall
  is a material waiting for its supplier.
* *assembly*: when all jobs and the packaging are ready, the product's production cycle, scaled
  by the tier's lead-time factor (rounded up).
* *packing*: ``packing_days`` of the policy; its finish is the ship date.

**Price** (each line rounded half-up to cents; the total is their sum):

* *base*: the list price times the quantity; a product without a list price is priced at the
  cost of its modules at this quantity (price breaks of the default supplier, else the cheapest
  terms, else the standard cost) plus ``markup_pct``.
* *small batch*: a custom job below the minimum (the larger of the module's MOQ and the assigned
  supplier's MOQ for the process) pays ``small_batch_pct`` of the cost of the missing units.
* *customisation*: each chosen option's price delta times the quantity (a delta may be negative).
* *speed*: the tier's ``premium_pct`` of everything above.

**Alternatives**: each other option of a custom module, and each other speed tier, that ships
sooner or costs less, described as "Plant-dye finish: Indigo blue 19 days, Weld yellow 18 days
(10.00 EUR less)". Free-text options are not offered (they need the customer's text).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final

from flexchain.domain.assignment import HORIZON_DAYS, Assignment, Candidate, assign
from flexchain.domain.bom import BomLine, low_level_codes, product_modules
from flexchain.domain.catalog import Item, ItemKind, Option
from flexchain.domain.checks import choice, whole_number
from flexchain.domain.errors import DomainError, ValidationError, format_amount, format_decimal
from flexchain.domain.orders import ChosenOption, SpeedTier, match_options
from flexchain.domain.suppliers import ItemSupplier, Process
from flexchain.domain.values import Money, number

__all__ = [
    "DEFAULT_LADDER",
    "DEFAULT_POLICY",
    "NO_WORK",
    "Alternative",
    "AlternativeKind",
    "PlannedJob",
    "PriceKind",
    "PriceLine",
    "Quote",
    "QuotePolicy",
    "QuoteSnapshot",
    "SpeedLadder",
    "SpeedTerms",
    "Stage",
    "StageKind",
    "choose_options",
    "module_process",
    "quote",
    "speed_tier_of",
]

NO_WORK: Final = "NONE"
"""The option code that leaves a custom module out ("No print"): no job, no fee."""

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


# --- the speed-tier ladder and the policy ---------------------------------------------------------


@dataclass(frozen=True)
class SpeedTerms:
    """What one speed tier costs and how fast it goes.

    ``premium_pct`` is added on top of the rest of the price; ``lead_time_factor`` multiplies the
    production lead times (0.5 halves them); a ``rush`` tier takes the fastest capable supplier.
    """

    premium_pct: Decimal
    lead_time_factor: Decimal
    rush: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "premium_pct", number(self.premium_pct, "premium_pct", places=4))
        factor = number(self.lead_time_factor, "lead_time_factor", places=4, allow_zero=False)
        object.__setattr__(self, "lead_time_factor", factor)
        if not isinstance(self.rush, bool):
            raise ValidationError("rush", f"expected true or false, got {self.rush!r}")


@dataclass(frozen=True)
class SpeedLadder:
    """The terms of each speed tier: basic, custom, fast, premium."""

    basic: SpeedTerms
    custom: SpeedTerms
    fast: SpeedTerms
    premium: SpeedTerms

    def terms(self, tier: SpeedTier | str) -> SpeedTerms:
        """The terms of ``tier`` (a :class:`SpeedTier` or its name).

        >>> DEFAULT_LADDER.terms("fast")
        SpeedTerms(premium_pct=Decimal('15'), lead_time_factor=Decimal('0.7'), rush=True)
        """
        chosen: SpeedTerms = getattr(self, speed_tier_of(tier).value)
        return chosen


DEFAULT_LADDER: Final = SpeedLadder(
    basic=SpeedTerms(premium_pct=_ZERO, lead_time_factor=_ONE),
    custom=SpeedTerms(premium_pct=Decimal(5), lead_time_factor=Decimal("0.9")),
    fast=SpeedTerms(premium_pct=Decimal(15), lead_time_factor=Decimal("0.7"), rush=True),
    premium=SpeedTerms(premium_pct=Decimal(30), lead_time_factor=Decimal("0.5"), rush=True),
)
"""Basic at list price and normal speed; custom +5% with lead times x0.9; fast +15% x0.7 and
premium +30% x0.5, both rush (fastest capable supplier)."""


@dataclass(frozen=True)
class QuotePolicy:
    """The knobs of quoting; see the module docstring for where each one enters."""

    ladder: SpeedLadder = DEFAULT_LADDER
    small_batch_pct: Decimal = Decimal(20)
    """Share of the cost of the units a custom job falls short of its minimum."""
    markup_pct: Decimal = Decimal(100)
    """Added to the cost of a product without a list price (100 = keystone, twice the cost)."""
    packing_days: int = 1
    horizon_days: int = HORIZON_DAYS
    """Days ahead in which booked work counts against a supplier's capacity."""

    def __post_init__(self) -> None:
        pct = number(self.small_batch_pct, "small_batch_pct", places=4)
        object.__setattr__(self, "small_batch_pct", pct)
        object.__setattr__(self, "markup_pct", number(self.markup_pct, "markup_pct", places=4))
        object.__setattr__(self, "packing_days", whole_number(self.packing_days, "packing_days"))
        horizon = whole_number(self.horizon_days, "horizon_days", minimum=1)
        object.__setattr__(self, "horizon_days", horizon)


DEFAULT_POLICY: Final = QuotePolicy()


def speed_tier_of(value: object) -> SpeedTier:
    """A speed tier from its name, or :class:`ValidationError` listing the tiers."""
    return choice(SpeedTier, value, "speed_tier")


# --- the snapshot ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteSnapshot:
    """Everything a quote of one product reads, loaded once (read-only, no I/O afterwards).

    ``items`` holds the product and every item below it; ``bom`` the lines of that tree;
    ``options`` the options of each custom module; ``terms`` the supplier terms a quote may read
    (for materials and packaging, for modules without a standard cost in the product's currency,
    for a product without a BOM); ``available`` the stock available now per SKU (on hand minus
    reserved, warehouses and factories); ``candidates`` the capable active suppliers per process
    with their booked load.
    """

    product: Item
    items: Mapping[str, Item]
    bom: tuple[BomLine, ...]
    options: Mapping[str, tuple[Option, ...]] = field(default_factory=dict)
    terms: Mapping[str, tuple[ItemSupplier, ...]] = field(default_factory=dict)
    available: Mapping[str, Decimal] = field(default_factory=dict)
    candidates: Mapping[Process, tuple[Candidate, ...]] = field(default_factory=dict)


def module_process(module: Item, candidates: Mapping[Process, Sequence[Candidate]]) -> Process:
    """The process that makes ``module``.

    The module's attribute ``process`` if it has one; else the first process (in the order of
    :class:`~flexchain.domain.suppliers.Process`: cutting, sewing, trims, printing, ...) its
    default supplier runs.
    """
    named = module.attributes.get("process")
    if named:
        return choice(Process, named, f"{module.sku}: attributes.process")
    supplier = module.default_supplier
    for process in Process:
        if any(c.supplier_code == supplier for c in candidates.get(process, ())):
            return process
    raise DomainError(
        f"no process known for module {module.sku}: give it the attribute process=... "
        "or a default supplier with a capability"
    )


# --- what a quote returns -------------------------------------------------------------------------


class PriceKind(StrEnum):
    BASE = "base"
    SMALL_BATCH = "small_batch"
    CUSTOMISATION = "customisation"
    SPEED = "speed"


class StageKind(StrEnum):
    MATERIALS = "materials"
    PRODUCTION = "production"
    ASSEMBLY = "assembly"
    PACKING = "packing"


class AlternativeKind(StrEnum):
    OPTION = "option"
    SPEED = "speed"


@dataclass(frozen=True)
class PriceLine:
    kind: PriceKind
    label: str
    amount: Money


@dataclass(frozen=True)
class Stage:
    """One step on the way to the ship date, ``start`` to ``finish`` (calendar days)."""

    kind: StageKind
    label: str
    start: date
    finish: date
    detail: str
    supplier_code: str | None = None

    @property
    def days(self) -> int:
        return (self.finish - self.start).days


@dataclass(frozen=True)
class PlannedJob:
    """Work the quote assumes: a custom module to make, or a standard module short in stock."""

    module_sku: str
    reason: str
    """``custom`` or ``shortage`` (the words of ``production_jobs.reason``)."""
    assignment: Assignment
    option_code: str | None = None
    option_value: str = ""


@dataclass(frozen=True)
class Alternative:
    """Another configuration or speed tier that ships sooner or costs less."""

    kind: AlternativeKind
    description: str
    total: Money
    ship_date: date
    days_sooner: int
    saving: Money
    """Positive when cheaper than the quote, negative when dearer."""
    module_sku: str | None = None
    option_code: str | None = None
    speed_tier: SpeedTier | None = None


@dataclass(frozen=True)
class Quote:
    sku: str
    quantity: int
    speed_tier: SpeedTier
    quoted_on: date
    options: tuple[ChosenOption, ...]
    lines: tuple[PriceLine, ...]
    total: Money
    ship_date: date
    stages: tuple[Stage, ...]
    jobs: tuple[PlannedJob, ...]
    alternatives: tuple[Alternative, ...]

    @property
    def currency(self) -> str:
        return self.total.currency

    @property
    def unit_price(self) -> Money:
        """The total per unit, rounded half-up to cents."""
        return Money(self.total.amount / self.quantity, self.currency).rounded()

    @property
    def lead_days(self) -> int:
        return (self.ship_date - self.quoted_on).days


# --- choosing options ---------------------------------------------------------------------------

_NOT_ALNUM = re.compile(r"[\W_]+")


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", text).casefold()


def _custom_modules(snapshot: QuoteSnapshot) -> list[tuple[Item, Decimal]]:
    modules = product_modules(snapshot.bom, snapshot.items, snapshot.product.sku)
    return [(item, per) for item, per in modules if item.is_custom_module]


def choose_options(snapshot: QuoteSnapshot, options: Mapping[str, str]) -> tuple[ChosenOption, ...]:
    """The option of each custom module, from ``{module SKU or name: option code or name}``.

    Names compare ignoring case, spaces and punctuation; a free-text option (``TEXT``) keeps the
    value as typed. A module left out takes its only option. Unknown names, unknown values and
    missing choices raise :class:`ValidationError` on ``options``, listing what is allowed.
    """
    custom = _custom_modules(snapshot)
    labels = {_key(label) for item, _ in custom for label in (item.sku, item.name)}
    unknown = [name for name in options if _key(name) not in labels]
    if unknown:
        names = ", ".join(f"{item.name} ({item.sku})" for item, _ in custom)
        offer = f"its custom modules are {names}" if custom else "it has no custom modules"
        raise ValidationError(
            "options", f"{snapshot.product.sku} has no custom module {unknown[0]!r}; {offer}"
        )
    chosen, errors = match_options(
        options,
        [((item.name, item.sku), snapshot.options.get(item.sku, ())) for item, _ in custom],
    )
    if errors:
        raise ValidationError("options", "; ".join(errors))
    return tuple(chosen)


# --- the computation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Module:
    item: Item
    per_product: Decimal
    materials: Mapping[str, Decimal]
    """Material units per module unit, all levels, scrap included."""
    options: Mapping[str, Option]


@dataclass(frozen=True)
class _Job:
    module: _Module
    quantity: Decimal
    reason: str
    option: Option | None


@dataclass(frozen=True)
class _Outcome:
    total: Decimal
    ship_date: date
    lines: tuple[PriceLine, ...] = ()
    stages: tuple[Stage, ...] = ()
    jobs: tuple[PlannedJob, ...] = ()


def _per_unit(lines: Sequence[BomLine]) -> dict[str, dict[str, Decimal]]:
    """Every item's components per unit, all levels, scrap compounded (:func:`explode` for all).

    Items are taken deepest first (by low-level code), so each child is complete before its
    parents use it; the walk is iterative and a cycle raises :class:`BomCycleError`.
    """
    children: dict[str, list[BomLine]] = defaultdict(list)
    for line in lines:
        children[line.parent_sku].append(line)
    codes = low_level_codes(lines)
    done: dict[str, dict[str, Decimal]] = {}
    for sku in sorted(children, key=lambda sku: -codes[sku]):
        total: dict[str, Decimal] = defaultdict(Decimal)
        for line in children[sku]:
            gross = line.gross(_ONE)
            total[line.child_sku] += gross
            for below, amount in done.get(line.child_sku, {}).items():
                total[below] += gross * amount
        done[sku] = dict(total)
    return done


class _Quoter:
    """One quote request: what does not depend on the option or the tier is prepared once."""

    def __init__(
        self, snapshot: QuoteSnapshot, quantity: int, today: date, policy: QuotePolicy
    ) -> None:
        self.snapshot = snapshot
        self.product = snapshot.product
        self.currency = snapshot.product.currency
        self.quantity = quantity
        self.today = today
        self.policy = policy
        self.available = snapshot.available
        per_unit = _per_unit(snapshot.bom)
        self.modules = [
            _Module(
                item,
                per,
                per_unit.get(item.sku, {}),
                {option.code: option for option in snapshot.options.get(item.sku, ())},
            )
            for item, per in product_modules(snapshot.bom, snapshot.items, self.product.sku)
        ]
        self.custom = [module for module in self.modules if module.item.is_custom_module]
        # The product's other direct components (packaging, say), and what they are made of.
        module_skus = {module.item.sku for module in self.modules}
        self.packaging: dict[str, Decimal] = defaultdict(Decimal)
        for line in snapshot.bom:
            if line.parent_sku != self.product.sku or line.child_sku in module_skus:
                continue
            gross = line.gross(_ONE)
            self.packaging[line.child_sku] += gross
            for below, amount in per_unit.get(line.child_sku, {}).items():
                self.packaging[below] += gross * amount
        self.bought = self.product.sku not in per_unit
        """A product without a BOM is bought finished: a shortfall waits for its supplier."""
        self.supplier_moq = {
            (c.process, c.supplier_code): c.moq
            for candidates in snapshot.candidates.values()
            for c in candidates
        }
        self._assigned: dict[tuple[object, ...], Assignment] = {}
        self._leads: dict[str, tuple[int, str | None]] = {}
        self._processes: dict[str, Process] = {}
        self._costs: dict[tuple[str, Decimal], Decimal | None] = {}
        self._short_jobs: dict[Decimal, list[_Job]] = {}
        self._base: Decimal | None = None

    # -- what is made, and when --

    def _work(self, chosen: Mapping[str, ChosenOption]) -> tuple[Decimal, list[_Job]]:
        """Units to build, and the jobs they need: custom modules first, then shortages."""
        wanted = Decimal(self.quantity)
        to_order = any(chosen[m.item.sku].option_code != NO_WORK for m in self.custom)
        in_stock = max(self.available.get(self.product.sku, _ZERO), _ZERO)
        build = wanted if to_order else max(_ZERO, wanted - in_stock)
        if build == 0:
            return build, []
        jobs = [
            _Job(module, build * module.per_product, "custom", module.options[code])
            for module in self.custom
            if (code := chosen[module.item.sku].option_code) != NO_WORK
        ]
        return build, jobs + self._shortages(build)

    def _shortages(self, build: Decimal) -> list[_Job]:
        """Standard modules short for ``build`` products, raised to their MOQ and multiple."""
        if build not in self._short_jobs:
            jobs = []
            for module in self.modules:
                if module.item.is_custom_module:
                    continue
                short = build * module.per_product - self.available.get(module.item.sku, _ZERO)
                if short > 0:
                    amount = module.item.round_quantity(short)
                    jobs.append(_Job(module, amount, "shortage", None))
            self._short_jobs[build] = jobs
        return self._short_jobs[build]

    def _material_lead(self, sku: str) -> tuple[int, str | None]:
        """Days until a material short in stock arrives, and from whom."""
        if sku not in self._leads:
            item = self.snapshot.items.get(sku)
            valid = [t for t in self.snapshot.terms.get(sku, ()) if t.is_valid_on(self.today)]
            default = item.default_supplier if item is not None else None
            preferred = [t for t in valid if t.supplier_code == default]
            pick = preferred or sorted(valid, key=lambda t: (t.lead_time_days, t.supplier_code))
            if pick:
                self._leads[sku] = (pick[0].lead_time_days, pick[0].supplier_code)
            else:
                self._leads[sku] = (item.production_cycle_days if item else 0, None)
        return self._leads[sku]

    def _process(self, module: Item) -> Process:
        if module.sku not in self._processes:
            self._processes[module.sku] = module_process(module, self.snapshot.candidates)
        return self._processes[module.sku]

    def _place(
        self,
        job: _Job,
        start: date,
        terms: SpeedTerms,
        booked: Mapping[tuple[str, Process], Decimal],
    ) -> Assignment:
        """:func:`assign`, memoised: the alternatives mostly repeat the same placements."""
        process = self._process(job.module.item)
        extra = job.option.lead_time_delta_days if job.option else 0
        load = tuple(sorted((c, q) for (c, p), q in booked.items() if p is process))
        key = (process, job.quantity, start, extra, terms.lead_time_factor, terms.rush, load)
        if key not in self._assigned:
            more = dict(load)
            candidates = [
                replace(c, booked_units=c.booked_units + more[c.supplier_code])
                if c.supplier_code in more
                else c
                for c in self.snapshot.candidates.get(process, ())
            ]
            self._assigned[key] = assign(
                process,
                job.quantity,
                candidates,
                rush=terms.rush,
                start=start,
                extra_lead_days=extra,
                lead_time_factor=terms.lead_time_factor,
                horizon_days=self.policy.horizon_days,
            )
        return self._assigned[key]

    def evaluate(
        self, chosen: Mapping[str, ChosenOption], terms: SpeedTerms, *, describe: bool = False
    ) -> _Outcome:
        """Ship date and total; with ``describe``, also the lines, stages and jobs behind them."""
        build, work = self._work(chosen)
        needs: dict[str, Decimal] = defaultdict(Decimal)
        for job in work:
            for sku, per in job.module.materials.items():
                needs[sku] += per * job.quantity
        if build > 0:
            for sku, per in self.packaging.items():
                needs[sku] += per * build
        short = {
            sku: need - self.available.get(sku, _ZERO)
            for sku, need in needs.items()
            if need > self.available.get(sku, _ZERO)
        }
        if build > 0 and self.bought:
            short[self.product.sku] = build
        ready = {sku: self.today + timedelta(days=self._material_lead(sku)[0]) for sku in short}
        finish = max(ready.values(), default=self.today)
        placed: list[Assignment] = []
        booked: dict[tuple[str, Process], Decimal] = defaultdict(Decimal)
        for job in work:
            materials = job.module.materials
            start = max((ready[sku] for sku in materials if sku in ready), default=self.today)
            assignment = self._place(job, start, terms, booked)
            booked[(assignment.supplier_code, assignment.process)] += job.quantity
            placed.append(assignment)
            finish = max(finish, assignment.finish)
        assemble = build > 0 and bool(self.modules)
        assembly_days = math.ceil(self.product.production_cycle_days * terms.lead_time_factor)
        assembled = finish + timedelta(days=assembly_days if assemble else 0)
        shipped = assembled + timedelta(days=self.policy.packing_days)
        priced = self._price(chosen, work, placed, terms, describe)
        total = sum((amount for _, _, amount in priced), _ZERO)
        if not describe:
            return _Outcome(total, shipped)
        stages = [self._materials_stage(build, needs, short, ready)]
        stages += [
            self._production_stage(job, a, chosen) for job, a in zip(work, placed, strict=True)
        ]
        if assemble:
            detail = f"{format_decimal(build)} x {self.product.name}, {_days(assembly_days)}"
            supplier = self.product.default_supplier
            stages.append(
                Stage(StageKind.ASSEMBLY, "assembly", finish, assembled, detail, supplier)
            )
        packing = _days(self.policy.packing_days)
        stages.append(Stage(StageKind.PACKING, "packing", assembled, shipped, packing))
        return _Outcome(
            total,
            shipped,
            lines=tuple(PriceLine(k, label, Money(a, self.currency)) for k, label, a in priced),
            stages=tuple(stages),
            jobs=tuple(
                PlannedJob(
                    job.module.item.sku,
                    job.reason,
                    assignment,
                    job.option.code if job.option else None,
                    chosen[job.module.item.sku].value if job.option else "",
                )
                for job, assignment in zip(work, placed, strict=True)
            ),
        )

    def _materials_stage(
        self,
        build: Decimal,
        needs: Mapping[str, Decimal],
        short: Mapping[str, Decimal],
        ready: Mapping[str, date],
    ) -> Stage:
        parts = []
        if build < self.quantity:
            in_stock = max(self.available.get(self.product.sku, _ZERO), _ZERO)
            taken = format_decimal(Decimal(self.quantity) - build)
            parts.append(f"{taken} of {format_decimal(in_stock)} finished in stock")
        for sku in sorted(short, key=lambda s: (-(ready[s] - self.today).days, s)):
            days, supplier = self._material_lead(sku)
            item = self.snapshot.items.get(sku)
            uom = f" {item.uom}" if item else ""
            source = f"from {supplier}" if supplier else "(no supplier terms)"
            parts.append(f"{sku}: {format_decimal(short[sku])}{uom} short, {_days(days)} {source}")
        if needs and not short:
            parts.append(f"all {len(needs)} materials in stock")
        finish = max(ready.values(), default=self.today)
        detail = "; ".join(parts) or "nothing to make"
        return Stage(StageKind.MATERIALS, "materials", self.today, finish, detail)

    @staticmethod
    def _production_stage(
        job: _Job, placed: Assignment, chosen: Mapping[str, ChosenOption]
    ) -> Stage:
        item = job.module.item
        if job.option is not None:
            value = chosen[item.sku].value
            what = f"{item.name} ({job.option.name}{f': {value}' if value else ''})"
        else:
            what = f"{item.name} ({job.reason}, {format_decimal(placed.quantity)} {item.uom})"
        return Stage(
            StageKind.PRODUCTION,
            f"{placed.process}: {what}",
            placed.start,
            placed.finish,
            placed.reason,
            placed.supplier_code,
        )

    # -- price --

    def _unit_cost(self, item: Item, amount: Decimal) -> Decimal | None:
        """What one unit of ``item`` costs us at ``amount`` units, in the product's currency."""
        key = (item.sku, amount)
        if key not in self._costs:
            cost = None
            if item.standard_cost is not None and item.currency == self.currency:
                cost = item.standard_cost
            else:
                terms = [
                    t
                    for t in self.snapshot.terms.get(item.sku, ())
                    if t.currency == self.currency and t.is_valid_on(self.today)
                ]
                preferred = [t for t in terms if t.supplier_code == item.default_supplier]
                prices = [t.unit_price(amount) for t in preferred or terms]
                cost = min(prices) if prices else None
            self._costs[key] = cost
        return self._costs[key]

    def _base_unit(self) -> Decimal:
        if self._base is None:
            self._base = self._list_or_cost_price()
        return self._base

    def _list_or_cost_price(self) -> Decimal:
        product = self.product
        if product.list_price is not None:
            return product.list_price
        if not self.modules:
            raise DomainError(f"{product.sku} has no list price: set one to quote it")
        cost = _ZERO
        for module in self.modules:
            unit = self._unit_cost(module.item, self.quantity * module.per_product)
            if unit is None:
                raise DomainError(
                    f"{product.sku} has no list price and module {module.item.sku} no cost in "
                    f"{self.currency}: set a list price"
                )
            cost += unit * module.per_product
        return cost * (1 + self.policy.markup_pct / _HUNDRED)

    def _price(
        self,
        chosen: Mapping[str, ChosenOption],
        work: Sequence[_Job],
        placed: Sequence[Assignment],
        terms: SpeedTerms,
        describe: bool,
    ) -> list[tuple[PriceKind, str, Decimal]]:
        """``(kind, label, amount)`` per price line, each amount rounded to cents.

        Labels are written only when ``describe`` (the alternatives need the total only).
        """
        qty = self.quantity
        unit = self._base_unit()
        label = f"{qty} x {format_amount(unit)}" if describe else ""
        lines = [(PriceKind.BASE, label, _cents(unit * qty))]
        for job, assignment in zip(work, placed, strict=True):
            if job.reason == "custom":
                lines.extend(self._small_batch(job.module.item, assignment, describe))
        for module in self.custom:
            pick = chosen[module.item.sku]
            option = module.options[pick.option_code]
            if option.price_delta == 0:
                continue
            if option.currency != self.currency:
                raise DomainError(
                    f"option {option.code} of {module.item.sku} is priced in {option.currency}, "
                    f"the product in {self.currency}: price them in one currency"
                )
            label = ""
            if describe:
                text = f": {pick.value}" if pick.value else ""
                each = format_amount(option.price_delta)
                label = f"{module.item.name}: {option.name}{text}, {qty} x {each}"
            lines.append((PriceKind.CUSTOMISATION, label, _cents(option.price_delta * qty)))
        if terms.premium_pct:
            subtotal = sum((amount for _, _, amount in lines), _ZERO)
            label = f"speed premium +{format_decimal(terms.premium_pct)}%" if describe else ""
            lines.append((PriceKind.SPEED, label, _cents(subtotal * terms.premium_pct / _HUNDRED)))
        return lines

    def _small_batch(
        self, item: Item, placed: Assignment, describe: bool
    ) -> list[tuple[PriceKind, str, Decimal]]:
        supplier_moq = self.supplier_moq.get((placed.process, placed.supplier_code), _ZERO)
        minimum = max(item.moq, supplier_moq)
        missing = minimum - placed.quantity
        if missing <= 0 or not self.policy.small_batch_pct:
            return []
        cost = self._unit_cost(item, minimum)
        if not cost:
            return []
        label = ""
        if describe:
            label = (
                f"small batch: {format_decimal(placed.quantity)} x {item.name}, minimum "
                f"{format_decimal(minimum)} at {placed.supplier_code}"
            )
        amount = missing * cost * self.policy.small_batch_pct / _HUNDRED
        return [(PriceKind.SMALL_BATCH, label, _cents(amount))]

    # -- alternatives --

    def alternatives(
        self, chosen: Mapping[str, ChosenOption], tier: SpeedTier, current: _Outcome
    ) -> list[Alternative]:
        found: list[Alternative] = []
        terms = self.policy.ladder.terms(tier)
        days_now = (current.ship_date - self.today).days
        for module in self.custom:
            now = module.options[chosen[module.item.sku].option_code]
            for option in module.options.values():
                if option.code == now.code or _is_free_text(option):
                    continue
                other = {**chosen, module.item.sku: ChosenOption(module.item.sku, option.code)}
                outcome = self.evaluate(other, terms)
                days = (outcome.ship_date - self.today).days
                what = f"{module.item.name}: {now.name} {days_now} days, {option.name} {days} days"
                better = self._better(current, outcome, what, AlternativeKind.OPTION)
                found.extend(
                    replace(a, module_sku=module.item.sku, option_code=option.code) for a in better
                )
        for other_tier in SpeedTier:
            if other_tier is tier:
                continue
            outcome = self.evaluate(chosen, self.policy.ladder.terms(other_tier))
            days = (outcome.ship_date - self.today).days
            what = f"speed: {tier} {days_now} days, {other_tier} {days} days"
            better = self._better(current, outcome, what, AlternativeKind.SPEED)
            found.extend(replace(a, speed_tier=other_tier) for a in better)
        return sorted(found, key=lambda a: (a.ship_date, -a.saving.amount, a.description))

    def _better(
        self, current: _Outcome, outcome: _Outcome, what: str, kind: AlternativeKind
    ) -> list[Alternative]:
        sooner = (current.ship_date - outcome.ship_date).days
        saving = current.total - outcome.total
        if sooner <= 0 and saving <= 0:
            return []
        if saving > 0:
            price = f"{format_amount(saving)} {self.currency} less"
        elif saving < 0:
            price = f"{format_amount(-saving)} {self.currency} more"
        else:
            price = "same price"
        return [
            Alternative(
                kind,
                f"{what} ({price})",
                Money(outcome.total, self.currency),
                outcome.ship_date,
                sooner,
                Money(saving, self.currency),
            )
        ]


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, ROUND_HALF_UP)


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


_TEXT_WORD = re.compile(r"\btext\b", re.IGNORECASE)


def _is_free_text(option: Option) -> bool:
    """Same test as :func:`~flexchain.domain.orders.match_options`: it needs the customer's text."""
    return _key(option.code) in {"text", "freetext", "customtext"} or bool(
        _TEXT_WORD.search(option.name)
    )


def quote(
    snapshot: QuoteSnapshot,
    options: Mapping[str, str],
    quantity: int,
    speed_tier: SpeedTier | str,
    *,
    today: date,
    policy: QuotePolicy = DEFAULT_POLICY,
    alternatives: bool = True,
) -> Quote:
    """Price and ship date of ``quantity`` units of the snapshot's product as configured.

    Parameters
    ----------
    options
        ``{custom module SKU or name: option code or name}`` (see :func:`choose_options`).
    speed_tier
        ``basic``, ``custom``, ``fast`` or ``premium``: its terms come from ``policy.ladder``.
    alternatives
        Also look for options and tiers that ship sooner or cost less.

    Raises
    ------
    ValidationError
        Bad quantity, unknown speed tier, unknown or missing option.
    DomainError
        The product cannot be priced or made (no list price or cost, no capable supplier).
    """
    amount = whole_number(quantity, "quantity", minimum=1)
    tier = speed_tier_of(speed_tier)
    if snapshot.product.kind is not ItemKind.FINISHED:
        raise ValidationError(
            "sku", f"{snapshot.product.sku} is a {snapshot.product.kind}, not a finished product"
        )
    if not snapshot.product.active:
        raise ValidationError("sku", f"{snapshot.product.sku} is no longer sold (inactive)")
    chosen = choose_options(snapshot, options)
    by_module = {pick.module_sku: pick for pick in chosen}
    quoter = _Quoter(snapshot, amount, today, policy)
    outcome = quoter.evaluate(by_module, policy.ladder.terms(tier), describe=True)
    found = quoter.alternatives(by_module, tier, outcome) if alternatives else []
    return Quote(
        sku=snapshot.product.sku,
        quantity=amount,
        speed_tier=tier,
        quoted_on=today,
        options=chosen,
        lines=outcome.lines,
        total=Money(outcome.total, snapshot.product.currency),
        ship_date=outcome.ship_date,
        stages=outcome.stages,
        jobs=outcome.jobs,
        alternatives=tuple(found),
    )
