"""Checkout quotes: the price and ship date of a product configuration, with their breakdowns.

A quote is computed from a :class:`QuoteSnapshot` (everything about one product, loaded once) and
changes nothing: no stock is reserved, no job is booked. The rules, in order:

**What is made, and the ship date**, follow :mod:`flexchain.domain.allocation`, the rule an order
of the same configuration is promised by (so the two agree): a configuration is *made to order*
when a custom module has a chosen option other than ``NONE`` ("No print" leaves the module out).
Otherwise finished goods in (warehouse) stock ship first and only the rest is built. For the
units built, each custom module with work is a job for the whole quantity; a standard module
short in stock is a job for the shortfall, raised to the module's MOQ and order multiple (the
surplus goes to stock); a product without modules but with a process is one job itself.

**Ship date** (calendar days from ``today``), as stages:

* *materials*: every material below the jobs (and the product's packaging) is taken from stock;
  a shortfall waits for the supplier's lead time (the item's default supplier's terms if valid
  today, else the shortest valid terms, else the item's production cycle). A job starts when its
  own materials are ready.
* *production*: one stage per job, placed by :func:`flexchain.domain.assignment.assign` (its rule:
  capable suppliers, booked queue, lead time, run time; rush tiers take the fastest supplier).
  The option's lead-time delta and the speed tier's lead-time factor adjust the supplier's lead
  time. Jobs are placed custom modules first, then shortages, in BOM order, and each counts as
  booked load for the ones after it. A product without a BOM (and no process) is bought
  finished: its shortfall is a material waiting for its supplier.
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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from flexchain.domain.allocation import (
    NO_WORK,
    Allocation,
    Job,
    LinePlan,
    LineRequest,
    Materials,
    Place,
    allocate,
    placer,
)
from flexchain.domain.assignment import Assignment, Candidate, NoCapableSupplier
from flexchain.domain.bom import product_modules
from flexchain.domain.catalog import Item, ItemKind
from flexchain.domain.checks import whole_number
from flexchain.domain.errors import DomainError, ValidationError, format_amount, format_decimal
from flexchain.domain.orders import (
    ChosenOption,
    SpeedTier,
    is_free_text,
    match_options,
    option_key,
    unsourced_message,
)
from flexchain.domain.product_build import (
    material_lead,
    process_of,
    product_of,
    supplier_processes,
)
from flexchain.domain.quote_model import (
    DEFAULT_POLICY,
    Alternative,
    AlternativeKind,
    PlannedJob,
    PriceKind,
    PriceLine,
    Quote,
    QuotePolicy,
    QuoteSnapshot,
    Stage,
    StageKind,
)
from flexchain.domain.quote_pricing import Pricer
from flexchain.domain.speed import (
    DEFAULT_LADDER,
    SpeedLadder,
    SpeedTerms,
    speed_tier_of,
)
from flexchain.domain.suppliers import Process
from flexchain.domain.values import Money

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

_ZERO = Decimal(0)


def module_process(module: Item, candidates: Mapping[Process, Sequence[Candidate]]) -> Process:
    """The process that makes ``module`` (:func:`flexchain.domain.allocation.process_of`).

    The module's attribute ``process`` if it has one; else the first process (in the order of
    :class:`~flexchain.domain.suppliers.Process`: cutting, sewing, trims, printing, ...) its
    default supplier runs; else :class:`DomainError`.

    >>> from flexchain.domain.catalog import Item
    >>> dye = Item("M-DYE", "Dye", "module", module_type="custom", attributes={"process": "dyeing"})
    >>> module_process(dye, {})
    <Process.DYEING: 'dyeing'>
    """
    found = process_of(module, supplier_processes(candidates))
    if found is None:
        raise DomainError(
            f"no process known for module {module.sku}: give it the attribute process=... "
            "or a default supplier with a capability"
        )
    return found


# --- choosing options ---------------------------------------------------------------------------


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
    labels = {option_key(label) for item, _ in custom for label in (item.sku, item.name)}
    unknown = [name for name in options if option_key(name) not in labels]
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
class _Outcome:
    total: Decimal
    ship_date: date
    lines: tuple[PriceLine, ...] = ()
    stages: tuple[Stage, ...] = ()
    jobs: tuple[PlannedJob, ...] = ()


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
        processes = supplier_processes(snapshot.candidates)
        self.spec = product_of(
            snapshot.product, snapshot.bom, snapshot.items, snapshot.options, processes
        )
        self.custom = self.spec.custom
        self.stock = {sku: [(None, amount)] for sku, amount in snapshot.stock.items()}
        self.materials = Materials(
            snapshot.available, lambda sku: self._material_lead(sku)[0], self._source
        )
        self.pricer = Pricer(snapshot, self.spec, quantity, today, policy)
        self._placer = placer(snapshot.candidates, policy.horizon_days)
        self._assigned: dict[tuple[object, ...], Assignment] = {}
        self._leads: dict[str, tuple[int, str | None]] = {}
        self._memo: dict[object, object] = {}

    # -- what is made, and when --

    def _material_lead(self, sku: str) -> tuple[int, str | None]:
        """Days until a material short in stock arrives, and from whom (memoised)."""
        if sku not in self._leads:
            snapshot = self.snapshot
            self._leads[sku] = material_lead(sku, snapshot.items, snapshot.terms, self.today)
        return self._leads[sku]

    def _source(self, sku: str) -> str | None:
        """Who sells ``sku``: its supplier terms, else its default supplier (``None``: nobody)."""
        item = self.snapshot.items.get(sku)
        return self._material_lead(sku)[1] or (item.default_supplier if item else None)

    def _place(
        self,
        process: Process,
        quantity: Decimal,
        start: date,
        extra: int,
        terms: SpeedTerms,
        booked: Mapping[str, Decimal],
    ) -> Assignment:
        """:func:`assign`, memoised: the alternatives mostly repeat the same placements."""
        load = tuple(sorted(booked.items()))
        key = (process, quantity, start, extra, terms.lead_time_factor, terms.rush, load)
        if key not in self._assigned:
            self._assigned[key] = self._placer(process, quantity, start, extra, terms, booked)
        return self._assigned[key]

    def allocate(self, chosen: Mapping[str, ChosenOption], terms: SpeedTerms) -> LinePlan:
        """The quoted configuration as a one-line order (:func:`allocate`)."""
        extra = {
            module.item.sku: module.options[pick.option_code].lead_time_delta_days
            for module in self.custom
            if (pick := chosen.get(module.item.sku)) is not None
            and pick.option_code in module.options
        }
        line = LineRequest("quote", self.spec, Decimal(self.quantity), chosen, extra)
        place: Place = self._place
        found: Allocation = allocate(
            [line],
            self.stock,
            self.snapshot.candidates,
            terms,
            today=self.today,
            materials=self.materials,
            packing_days=self.policy.packing_days,
            horizon_days=self.policy.horizon_days,
            place=place,
            memo=self._memo,
        )
        plan = found.lines[0]
        if plan.unsourced:  # a bought product nobody sells: no date to give
            raise DomainError(unsourced_message(self.product.sku))
        for job in plan.jobs:
            if job.assignment is None:  # a quote refuses what an order holds as an exception
                if job.process is not None:
                    raise NoCapableSupplier(job.process.value)
                module_process(self.snapshot.items[job.sku], self.snapshot.candidates)
        return plan

    def evaluate(
        self, chosen: Mapping[str, ChosenOption], terms: SpeedTerms, *, describe: bool = False
    ) -> _Outcome:
        """Ship date and total; with ``describe``, also the lines, stages and jobs behind them."""
        plan = self.allocate(chosen, terms)
        priced = self.pricer.price(chosen, plan.jobs, terms, describe)
        total = sum((amount for _, _, amount in priced), _ZERO)
        if not describe:
            return _Outcome(total, plan.ship_date)
        return _Outcome(
            total,
            plan.ship_date,
            lines=tuple(PriceLine(k, label, Money(a, self.currency)) for k, label, a in priced),
            stages=tuple(self._stages(plan, chosen)),
            jobs=tuple(
                PlannedJob(job.sku, job.reason, job.assignment, job.option_code, job.option_value)
                for job in plan.jobs
                if job.assignment is not None
            ),
        )

    def _stages(self, plan: LinePlan, chosen: Mapping[str, ChosenOption]) -> list[Stage]:
        stages = [self._materials_stage(plan)]
        stages += [self._production_stage(job, chosen) for job in plan.jobs]
        if plan.assembles:
            days = plan.assembly_days
            detail = f"{format_decimal(plan.build)} x {self.product.name}, {_days(days)}"
            supplier = self.product.default_supplier
            stages.append(
                Stage(StageKind.ASSEMBLY, "assembly", plan.made, plan.assembled, detail, supplier)
            )
        packing = _days(self.policy.packing_days)
        stages.append(Stage(StageKind.PACKING, "packing", plan.assembled, plan.ship_date, packing))
        return stages

    def _materials_stage(self, plan: LinePlan) -> Stage:
        parts = []
        short, ready = plan.short, plan.ready
        if plan.build < self.quantity:
            in_stock = max(self.snapshot.stock.get(self.product.sku, _ZERO), _ZERO)
            taken = format_decimal(Decimal(self.quantity) - plan.build)
            parts.append(f"{taken} of {format_decimal(in_stock)} finished in stock")
        for sku in sorted(short, key=lambda s: (-(ready[s] - self.today).days, s)):
            days, supplier = self._material_lead(sku)
            item = self.snapshot.items.get(sku)
            uom = f" {item.uom}" if item else ""
            source = f"from {supplier}" if supplier else "(no supplier terms)"
            parts.append(f"{sku}: {format_decimal(short[sku])}{uom} short, {_days(days)} {source}")
        if plan.needs and not short:
            parts.append(f"all {len(plan.needs)} materials in stock")
        finish = max(ready.values(), default=self.today)
        detail = "; ".join(parts) or "nothing to make"
        return Stage(StageKind.MATERIALS, "materials", self.today, finish, detail)

    def _production_stage(self, job: Job, chosen: Mapping[str, ChosenOption]) -> Stage:
        item = self.snapshot.items[job.sku]
        placed = job.assignment
        assert placed is not None  # allocate() refused jobs that could not be placed
        option = next(
            (m.options.get(job.option_code or "") for m in self.custom if m.item.sku == job.sku),
            None,
        )
        if option is not None:
            value = chosen[item.sku].value
            what = f"{item.name} ({option.name}{f': {value}' if value else ''})"
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
                if option.code == now.code or is_free_text(option):
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


def _days(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


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
