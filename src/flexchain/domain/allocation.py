"""Allocation of an order: picks from stock, production jobs at suppliers, and the promise date.

One pure rule, used by order intake (:mod:`flexchain.services.fulfilment`) and by quoting
(:mod:`flexchain.domain.quotes`), so an order and its quote agree by construction. Per line of
``quantity`` units of a product, with the options chosen for its custom modules:

**What is made.** A line is *made to order* when a custom module has a chosen option other than
:data:`NO_WORK` ("No print" leaves the module out). Otherwise finished units in stock are picked
first (locations in the order given: the shop's warehouse, then the others) and only the rest is
built. For the units built:

* a product with modules: each custom module with work is a ``custom`` job for all of them; each
  standard module is picked from stock and its shortfall is a ``shortage`` job, raised to the
  module's MOQ and order multiple (the surplus goes to stock);
* a product without modules but with a process (see :func:`process_of`) is one ``shortage`` job;
* a product without a BOM and without a process is bought finished: it waits for its supplier.

**When.** Materials below the jobs (and the product's other components) are taken from stock; a
shortfall waits for its lead time. A job starts when its own materials are ready and is placed by
:func:`flexchain.domain.assignment.assign` (the option's lead-time delta and the tier's lead-time
factor scale the supplier's lead time; rush tiers take the fastest supplier), custom modules
first, then shortages, in BOM order; each job counts as booked load for the ones after it (in the
whole order). A product with modules is then assembled: its production cycle x the tier's
lead-time factor, rounded up (:func:`assembly_days`), after the last job and material. Packing
takes :data:`PACKING_DAYS`; the line ships then, and the order when its last line does.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, NamedTuple, cast

from flexchain.domain.assignment import (
    HORIZON_DAYS,
    Assignment,
    Candidate,
    NoCapableSupplier,
    assign,
)
from flexchain.domain.catalog import Item, Option
from flexchain.domain.orders import ChosenOption
from flexchain.domain.picking import Pick, StockLeft
from flexchain.domain.speed import SpeedTerms
from flexchain.domain.suppliers import Process
from flexchain.domain.values import quantity as as_quantity
from flexchain.domain.values import round_order_quantity

__all__ = [
    "CUSTOM",
    "NO_WORK",
    "PACKING_DAYS",
    "SHORTAGE",
    "Allocation",
    "Job",
    "LinePlan",
    "LineRequest",
    "Materials",
    "Module",
    "Pick",
    "Place",
    "Product",
    "allocate",
    "assembly_days",
]

NO_WORK: Final = "NONE"
"""The option code that leaves a custom module out ("No print"): no job, no fee."""
PACKING_DAYS: Final = 1
"""Days from everything being ready to the parcel leaving the warehouse."""
CUSTOM: Final = "custom"
SHORTAGE: Final = "shortage"
"""The reasons of a job (the words of ``production_jobs.reason``)."""

_ZERO = Decimal(0)
_ONE = Decimal(1)


# --- what is allocated --------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    """A module of a product: ``per_product`` units in each; ``materials`` per module unit (all
    levels, scrap included); ``process`` that makes it (``None``: unknown, the job is not
    placed)."""

    item: Item
    per_product: Decimal
    process: Process | None = None
    materials: Mapping[str, Decimal] = field(default_factory=dict)
    options: Mapping[str, Option] = field(default_factory=dict)


@dataclass(frozen=True)
class Product:
    """A finished product as allocation sees it.

    ``materials``: its components other than modules (packaging), per product unit, all levels;
    ``process``: what makes it when it has no modules; ``has_bom``: without one (and without a
    process) it is bought finished.
    """

    item: Item
    modules: tuple[Module, ...] = ()
    process: Process | None = None
    materials: Mapping[str, Decimal] = field(default_factory=dict)
    has_bom: bool = False

    @functools.cached_property
    def custom(self) -> tuple[Module, ...]:
        """The custom modules."""
        return tuple(module for module in self.modules if module.item.is_custom_module)

    @functools.cached_property
    def standard(self) -> tuple[Module, ...]:
        """The other modules (picked from stock, a shortage made)."""
        return tuple(module for module in self.modules if not module.item.is_custom_module)

    @property
    def bought(self) -> bool:
        return not self.has_bom and self.process is None


@dataclass(frozen=True)
class LineRequest:
    """One order line (or the quoted configuration): ``chosen`` option per custom module SKU;
    ``extra_lead_days`` per custom module SKU, the chosen option's lead-time delta."""

    ref: Hashable
    product: Product
    quantity: Decimal
    chosen: Mapping[str, ChosenOption] = field(default_factory=dict)
    extra_lead_days: Mapping[str, int] = field(default_factory=dict)

    def made_to_order(self) -> bool:
        """Whether a custom module has work (a chosen option other than :data:`NO_WORK`)."""
        return any(self._works(module) for module in self.product.custom)

    def _works(self, module: Module) -> bool:
        pick = self.chosen.get(module.item.sku)
        return pick is None or pick.option_code != NO_WORK


@dataclass(frozen=True)
class Materials:
    """Material stock: ``available`` per SKU and the days a shortfall waits (``lead_days``);
    ``source``, when given, says who sells a SKU (``None``: no supplier terms and no default
    supplier: a bought product nobody sells is then :attr:`LinePlan.unsourced`)."""

    available: Mapping[str, Decimal]
    lead_days: Callable[[str], int]
    source: Callable[[str], str | None] | None = None


class Job(NamedTuple):
    """A production job: ``assignment`` is ``None`` when the module's process is unknown."""

    line: Hashable
    sku: str
    reason: str
    quantity: Decimal
    process: Process | None
    option_code: str | None = None
    option_value: str = ""
    assignment: Assignment | None = None

    def placed(self, assignment: Assignment) -> Job:
        """This job placed by ``assignment`` (cheaper than ``_replace`` in a hot loop)."""
        return Job(*self[:7], assignment)


@dataclass(frozen=True)
class LinePlan:
    """What one line takes and when it ships, with the steps behind the date."""

    ref: Hashable
    build: Decimal
    """Units made (the rest is picked finished)."""
    taken: Decimal
    """Finished units picked from stock."""
    picks: tuple[Pick, ...]
    jobs: tuple[Job, ...]
    needs: Mapping[str, Decimal]
    """Materials the units made need."""
    short: Mapping[str, Decimal]
    """Materials (or the bought product) short in stock."""
    ready: Mapping[str, date]
    """When each short material arrives."""
    made: date
    """When the last job and material are ready."""
    assembles: bool
    """Whether the product is assembled from its modules (it has some, and units are made)."""
    assembly_days: int
    assembled: date
    ship_date: date
    unsourced: bool = False
    """A bought product is built (not all in stock) and no supplier sells it: its date is
    only its production cycle, so it promises nothing (:attr:`Allocation.unsourced`)."""


@dataclass(frozen=True)
class Allocation:
    lines: tuple[LinePlan, ...]
    promise: date
    """When the order ships: its last line."""

    @property
    def picks(self) -> tuple[Pick, ...]:
        return tuple(pick for line in self.lines for pick in line.picks)

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(job for line in self.lines for job in line.jobs)

    @property
    def unplaced(self) -> tuple[Job, ...]:
        """Jobs no capable supplier can take (no process known, or nobody runs it): the
        promise leaves them out, so an order with any has no promise until they are placed."""
        return tuple(job for job in self.jobs if job.assignment is None)

    @property
    def unsourced(self) -> tuple[LinePlan, ...]:
        """Lines of a bought product no supplier sells (:attr:`LinePlan.unsourced`)."""
        return tuple(line for line in self.lines if line.unsourced)


Place = Callable[[Process, Decimal, date, int, SpeedTerms, Mapping[str, Decimal]], Assignment]
"""``(process, quantity, start, extra lead days, terms, units booked per supplier) ->
Assignment``: how a job is placed (:func:`placer`; quotes pass a memoised one)."""


def placer(candidates: Mapping[Process, Sequence[Candidate]], horizon_days: int) -> Place:
    """:func:`assign` over ``candidates``, with the units this allocation booked added."""

    def place(
        process: Process,
        quantity: Decimal,
        start: date,
        extra: int,
        terms: SpeedTerms,
        booked: Mapping[str, Decimal],
    ) -> Assignment:
        found = candidates.get(process, ())
        if booked:
            found = [
                c.plus_booked(booked[c.supplier_code]) if c.supplier_code in booked else c
                for c in found
            ]
        return assign(
            process,
            quantity,
            found,
            rush=terms.rush,
            start=start,
            extra_lead_days=extra,
            lead_time_factor=terms.lead_time_factor,
            horizon_days=horizon_days,
        )

    return place


# --- the rule -----------------------------------------------------------------------------------


def assembly_days(product: Item, terms: SpeedTerms) -> int:
    """Days to assemble a product from its modules: its production cycle x the tier's lead-time
    factor, rounded up."""
    return math.ceil((product.production_cycle_days or 0) * terms.lead_time_factor)


def allocate(
    lines: Sequence[LineRequest],
    stock: Mapping[str, Sequence[tuple[Hashable, Decimal]]],
    candidates: Mapping[Process, Sequence[Candidate]],
    terms: SpeedTerms,
    *,
    today: date,
    materials: Materials | None = None,
    packing_days: int = PACKING_DAYS,
    horizon_days: int = HORIZON_DAYS,
    place: Place | None = None,
    memo: dict[object, object] | None = None,
) -> Allocation:
    """Picks, jobs and promise of ``lines`` (rule: module docstring).

    Parameters
    ----------
    stock
        Available units per SKU at each location, in the order to pick them.
    candidates
        Capable active suppliers per process with the units already booked on them.
    materials
        Material stock and lead times; ``None``: materials are not checked (never short), a
        bought product waits its production cycle.
    place
        How a job is placed (default :func:`placer` over ``candidates``).
    memo
        A dict the caller keeps between one-line allocations on the same ``stock`` (a quote's
        alternatives): the standard modules' picks and shortages are worked out once per
        quantity built. Ignored for several lines.
    """
    left = StockLeft(stock)
    booked: dict[Process, dict[str, Decimal]] = defaultdict(dict)
    place = place or placer(candidates, horizon_days)
    memo = memo if len(lines) == 1 else None
    plans = [
        _line(line, left, booked, place, terms, today, materials, packing_days, memo)
        for line in lines
    ]
    promise = max((plan.ship_date for plan in plans), default=today + timedelta(packing_days))
    return Allocation(tuple(plans), promise)


def _line(
    line: LineRequest,
    left: StockLeft,
    booked: dict[Process, dict[str, Decimal]],
    place: Place,
    terms: SpeedTerms,
    today: date,
    materials: Materials | None,
    packing_days: int,
    memo: dict[object, object] | None,
) -> LinePlan:
    product = line.product
    sku = product.item.sku
    taken, picks = _ZERO, list[Pick]()
    if not line.made_to_order():
        taken, picks = left.take(line.ref, sku, line.quantity)
    build = line.quantity - taken
    work: list[_Work] = []
    if build > 0:
        picks += _work(line, build, left, work, memo)
    needs, short, ready = _materials(line, build, work, today, materials, memo)
    made = max(ready.values(), default=today)
    jobs: list[Job] = []
    for job, per, extra in work:
        process = job.process
        if process is not None:
            start = today
            for material, when in ready.items():  # few are short: loop over them, not ``per``
                if when > start and material in per:
                    start = when
            load = booked[process]
            try:
                placed = place(process, job.quantity, start, extra, terms, load)
            except NoCapableSupplier:  # left unplaced: Allocation.unplaced
                jobs.append(job)
                continue
            code = placed.supplier_code
            load[code] = load.get(code, _ZERO) + job.quantity
            if placed.finish > made:
                made = placed.finish
            job = job.placed(placed)
        jobs.append(job)
    assembles = build > 0 and bool(product.modules)
    days = assembly_days(product.item, terms) if assembles else 0
    assembled = made + timedelta(days=days)
    shipped = assembled + timedelta(days=packing_days)
    unsourced = bool(
        build > 0
        and product.bought
        and materials is not None
        and materials.source is not None
        and materials.source(sku) is None
    )
    return LinePlan(
        line.ref, build, taken, tuple(picks), tuple(jobs), needs, short, ready, made,
        assembles, days, assembled, shipped, unsourced,
    )  # fmt: skip


_Needs = tuple[dict[str, Decimal], dict[str, Decimal], dict[str, date]]


def _materials(
    line: LineRequest,
    build: Decimal,
    work: list[_Work],
    today: date,
    materials: Materials | None,
    memo: dict[object, object] | None,
) -> _Needs:
    """The materials ``work`` needs, those short in stock (or the bought product) and when each
    arrives. They depend on which modules are made and how many, not on the options chosen: a
    quote's alternatives look them up in ``memo``."""
    product = line.product
    sku = product.item.sku
    key = None
    if memo is not None:
        key = (
            "materials",
            line.ref,
            sku,
            build,
            tuple((job.sku, job.quantity) for job, _, _ in work),
        )
        if (found := memo.get(key)) is not None:
            return cast(_Needs, found)
    needs: dict[str, Decimal] = defaultdict(Decimal)
    for job, per, _ in work:
        units = job.quantity
        for material, amount in per.items():
            needs[material] += amount * units
    if build > 0 and not any(job.sku == sku for job, _, _ in work):  # else the job needs them
        for material, amount in product.materials.items():
            needs[material] += amount * build
    short: dict[str, Decimal] = {}
    if materials is not None:
        available = materials.available
        for material, need in needs.items():
            if need > available.get(material, _ZERO):
                short[material] = need - available.get(material, _ZERO)
    if build > 0 and product.bought:
        short[sku] = build
    ready = {m: today + timedelta(days=_lead(m, product.item, materials)) for m in short}
    result = (dict(needs), short, ready)
    if memo is not None:
        memo[key] = result
    return result


@functools.lru_cache(maxsize=4096)
def _rounded(short: Decimal, moq: Decimal, multiple: Decimal) -> Decimal:
    """A module's shortfall raised to its MOQ and order multiple (as ``Item.round_quantity``)."""
    return round_order_quantity(as_quantity(short), moq, multiple)


_Work = tuple[Job, Mapping[str, Decimal], int]
"""A job to place, the materials per unit it needs, and the extra lead days of its option."""


def _work(
    line: LineRequest,
    build: Decimal,
    left: StockLeft,
    work: list[_Work],
    memo: dict[object, object] | None,
) -> list[Pick]:
    """Append the jobs ``build`` units of the line need to ``work`` (custom modules first, then
    shortages, in BOM order); return the picks of standard modules."""
    product = line.product
    for module in product.custom:
        if line._works(module):
            pick = line.chosen.get(module.item.sku)
            job = Job(
                line.ref,
                module.item.sku,
                CUSTOM,
                build * module.per_product,
                module.process,
                pick.option_code if pick else None,
                pick.value if pick else "",
            )
            work.append((job, module.materials, line.extra_lead_days.get(module.item.sku, 0)))
    key = (line.ref, product.item.sku, build)
    found = memo.get(key) if memo is not None else None
    if found is None:
        found = _standard(line, build, left)
        if memo is not None:
            memo[key] = found
    picks, shortages = cast(tuple[list[Pick], list[tuple[Module, Decimal]]], found)
    for module, amount in shortages:
        job = Job(line.ref, module.item.sku, SHORTAGE, amount, module.process)
        work.append((job, module.materials, 0))
    if not product.modules and product.process is not None:
        job = Job(line.ref, product.item.sku, SHORTAGE, build, product.process)
        work.append((job, product.materials, 0))
    return picks


def _standard(
    line: LineRequest, build: Decimal, left: StockLeft
) -> tuple[list[Pick], list[tuple[Module, Decimal]]]:
    """The picks of the standard modules for ``build`` units, and each one's shortfall (raised
    to its MOQ and order multiple)."""
    picks: list[Pick] = []
    shortages: list[tuple[Module, Decimal]] = []
    for module in line.product.standard:
        need = build * module.per_product
        got, found = left.take(line.ref, module.item.sku, need)
        if found:
            picks += found
        if need > got:
            amount = _rounded(need - got, module.item.moq, module.item.order_multiple)
            shortages.append((module, amount))
    return picks, shortages


def _lead(sku: str, product: Item, materials: Materials | None) -> int:
    if materials is not None:
        return materials.lead_days(sku)
    return (product.production_cycle_days or 0) if sku == product.sku else 0
