"""Split a sales order into work: reservations and picks from stock, production jobs at suppliers,
and its promise date.

:func:`split_order` loads what the order's lines need through the fulfilment store
(:mod:`flexchain.adapters.db.fulfilment`) and the batch's reservations, decides with the pure
:func:`flexchain.domain.allocation.allocate` (the rule quotes use too, so an order is promised
what its quote said; docs/quotes.md explains it), then counts the
reservations and queues the picks and jobs, written by :meth:`Context.write`.

Reservations are keyed on (shop, order id, line id), so planning the same line again never
reserves twice. Balances are locked in (item, location) order, so orders competing for the
same stock queue instead of deadlocking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from flexchain.adapters.db.fulfilment import (
    OPEN_JOB_STATUSES,
    FulfilmentStore,
    ProductRecord,
    Row,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.allocation import (
    PACKING_DAYS,
    Allocation,
    Job,
    LineRequest,
    Materials,
    Product,
    allocate,
)
from flexchain.domain.assignment import Candidate
from flexchain.domain.catalog import Item
from flexchain.domain.orders import (
    OPEN_STATUSES,
    ChosenOption,
    JobStatus,
    OrderStatus,
    plan_cancellation,
    unplaced_job_message,
    unsourced_message,
)
from flexchain.domain.product_build import material_lead
from flexchain.domain.speed import DEFAULT_LADDER, SpeedLadder
from flexchain.domain.suppliers import ItemSupplier, Process
from flexchain.services import inventory

__all__ = [
    "OPEN_JOB_STATUSES",
    "PACKING_DAYS",
    "Context",
    "Split",
    "release_order",
    "split_order",
]

DELIVERY_DAYS = 3
"""Days the carrier takes, for the customer's planned delivery date."""
ZERO = Decimal(0)
BALANCE_HINT = 64
"""Most balances a batch reads up front because the previous batch needed them."""


def owner_ref(order: Any, line: Any) -> str:
    """The reservation owner of one order line: ``so:SHOP:ORDER:LINE``."""
    return f"so:{order.shop_id or 0}:{order.external_id}:{line.external_line_id}"


@dataclass
class Split:
    """What :func:`split_order` did, for the caller's status, promise and availability push."""

    reserved: Decimal = ZERO
    backordered: Decimal = ZERO
    jobs: int = 0
    finish: date | None = None
    """When the last job (or the assembly after it) finishes."""
    touched_items: set[int] = field(default_factory=set)
    promise: date | None = None
    """The ship date :func:`flexchain.domain.allocation.allocate` promised."""
    exceptions: tuple[str, ...] = ()
    """Why a job has no supplier (:func:`~flexchain.domain.orders.unplaced_job_message`): the
    order then has no promise date until it is split again."""

    @property
    def status(self) -> OrderStatus:
        return OrderStatus.IN_PRODUCTION if self.jobs else OrderStatus.RESERVED


class Context:
    """What splitting needs beyond the order itself, for a batch of orders.

    Catalog lookups and the booked load on suppliers (including the jobs placed earlier in the
    batch) come from the :class:`~flexchain.adapters.db.fulfilment.FulfilmentStore`;
    reservations are counted in :class:`flexchain.services.inventory.Reservations`; both are
    written by :meth:`write`. ``known``: catalog lookups by kind, shared with other batches
    while the catalog stays the same (see :class:`flexchain.services.intake.CatalogCache`); the
    booked load is never shared. ``ladder``: the speed terms orders are promised with (the
    installation's ``Settings.speed_ladder``; default :data:`DEFAULT_LADDER`).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        now: datetime,
        known: dict[str, dict[Any, Any]] | None = None,
        optimistic: bool = False,
        ladder: SpeedLadder | None = None,
    ) -> None:
        self.uow = uow
        self.ladder = ladder or DEFAULT_LADDER
        lookups: defaultdict[str, dict[Any, Any]] = defaultdict(dict)
        if known is not None:
            lookups = known if isinstance(known, defaultdict) else defaultdict(dict, known)
        self._balances: dict[tuple[int, int], None] = lookups["balances"]
        """The balances the previous batch read: read with this one's first (a hint)."""
        self.reservations = inventory.Reservations(
            uow, now=now, optimistic=optimistic, hint=self._balances
        )
        self.store = FulfilmentStore(uow, lookups)
        self._candidates: dict[Process, list[Candidate]] = {}
        self._material_stock: dict[str, Decimal] = {}
        self._terms: dict[str, tuple[ItemSupplier, ...]] = {}
        self._rows: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def add(self, kind: str, **values: Any) -> None:
        """A new row whose id nobody needs (a :class:`~flexchain.adapters.db.fulfilment.Row`:
        pick, job, order event), inserted by :meth:`write` together with its kind in one
        statement. ``order_line`` (a line row, perhaps not yet flushed) becomes
        ``order_line_id`` then."""
        self._rows[kind].append(values)

    def candidates(self, processes: set[Process], today: date) -> dict[Process, list[Candidate]]:
        """Capable suppliers per process with their booked load (read once per batch, then
        counted up as the batch places jobs)."""
        missing = processes - self._candidates.keys()
        if missing:
            self._candidates.update(self.store.candidates(missing, today))
        return self._candidates

    def materials(self, records: Iterable[ProductRecord], today: date) -> Materials | None:
        """Material stock and lead times for the products of ``records`` (read once per batch:
        orders do not reserve materials); ``None`` when they need none."""
        wanted: dict[str, int] = {}
        bought: set[str] = set()
        items: dict[str, Item] = {}
        for record in records:
            product = record.product
            skus = set(product.materials).union(*(m.materials for m in product.modules))
            if product.bought:
                bought.add(product.item.sku)
                skus.add(product.item.sku)
            wanted.update((sku, record.ids[sku]) for sku in skus)
            items.update(record.items)
        if not wanted:
            return None
        missing = {sku: item_id for sku, item_id in wanted.items() if sku not in self._terms}
        if missing:
            available, terms = self.store.materials(missing, bought & missing.keys(), today)
            for sku in missing:
                self._material_stock[sku] = available.get(sku, ZERO)
                self._terms[sku] = terms.get(sku, ())
        stock = {sku: self._material_stock[sku] for sku in wanted}
        leads = self._terms

        def source(sku: str) -> str | None:  # who sells it: its terms, else its default supplier
            item = items.get(sku)
            found = material_lead(sku, items, leads, today)[1]
            return found or (item.default_supplier if item is not None else None)

        return Materials(stock, lambda sku: material_lead(sku, items, leads, today)[0], source)

    def book(self, process: Process, supplier_code: str, quantity: Decimal) -> None:
        """Count a job just placed in the supplier's booked load for the rest of the batch."""
        found = self._candidates.get(process, [])
        for index, candidate in enumerate(found):
            if candidate.supplier_code == supplier_code:
                found[index] = candidate.plus_booked(quantity)

    def write(self) -> None:
        """Write the rows and reservations counted so far (before anything reads them); the
        reservations last, so that balances are locked as briefly as possible."""
        self.store.insert(self._rows)
        self._rows.clear()
        self.reservations.write()
        self._balances.clear()
        self._balances.update(dict.fromkeys(self.reservations.balances[:BALANCE_HINT]))


def split_order(
    uow: UnitOfWork,
    order: Any,
    lines: list[Any],
    *,
    now: datetime,
    warehouse_id: int | None,
    context: Context | None = None,
    ladder: SpeedLadder | None = None,
) -> Split:
    """Reserve, pick and place jobs for ``lines`` of ``order`` (which has none yet).

    Load (the products, the stock of their warehouses, the capable suppliers), decide
    (:func:`~flexchain.domain.allocation.allocate`), then count the reservations and queue the
    rows. With a shared ``context`` (a batch of orders), everything is written by the caller
    (:meth:`Context.write`); without one before this returns. ``ladder``: default the
    context's.
    """
    ctx = Context(uow, now=now, ladder=ladder) if context is None else context
    today = now.date()
    products = ctx.store.products({line.item_id for line in lines})
    requests = [_request(line, products[line.item_id].product) for line in lines]
    warehouses = ctx.store.warehouses(warehouse_id)
    stock = _stock(ctx, lines, requests, products, warehouses)
    processes = {
        process
        for request in requests
        for process in [request.product.process, *(m.process for m in request.product.modules)]
        if process is not None
    }
    candidates = ctx.candidates(processes, today)
    terms = (ladder or ctx.ladder).terms(order.speed_tier)
    materials = ctx.materials([products[line.item_id] for line in lines], today)
    decided = allocate(requests, stock, candidates, terms, today=today, materials=materials)
    split = _apply(ctx, order, list(zip(lines, requests, strict=True)), decided, products)
    if context is None:
        ctx.write()
        uow.session.flush()
    return split


def _request(line: Any, product: Product) -> LineRequest:
    chosen = {
        entry["module_sku"]: ChosenOption(
            entry["module_sku"], entry["option_code"], entry.get("value") or ""
        )
        for entry in line.options or ()
    }
    extra = {
        entry["module_sku"]: int(entry.get("lead_time_delta_days") or 0)
        for entry in line.options or ()
    }
    return LineRequest(id(line), product, Decimal(line.quantity), chosen, extra)


def _stock(
    ctx: Context,
    lines: list[Any],
    requests: list[LineRequest],
    products: dict[int, ProductRecord],
    warehouses: list[Any],
) -> dict[str, list[tuple[tuple[int, str], Decimal]]]:
    """Available units per SKU at each warehouse (in picking order) of everything the lines may
    pick: finished products and standard modules, read in one go."""
    ids: dict[str, int] = {}
    for line, request in zip(lines, requests, strict=True):
        record = products[line.item_id]
        for module in record.product.modules:
            if not module.item.is_custom_module:
                ids[module.item.sku] = record.ids[module.item.sku]
        if not request.made_to_order():
            ids[record.product.item.sku] = line.item_id
    keys = [(item_id, location) for item_id in ids.values() for location, _ in warehouses]
    available = ctx.reservations.available(keys)
    return {
        sku: [((loc, code), available[(item_id, loc)]) for loc, code in warehouses]
        for sku, item_id in ids.items()
    }


def _apply(
    ctx: Context,
    order: Any,
    lines: list[tuple[Any, LineRequest]],
    decided: Allocation,
    products: dict[int, ProductRecord],
) -> Split:
    """Count the reservations and queue the picks and jobs of ``decided``."""
    exceptions = tuple(
        unplaced_job_message(job.sku, job.process.value if job.process else None)
        for job in decided.unplaced
    ) + tuple(
        unsourced_message(products[line.item_id].product.item.sku)
        for plan, (line, _) in zip(decided.lines, lines, strict=True)
        if plan.unsourced
    )
    split = Split(jobs=len(decided.jobs), promise=decided.promise, exceptions=exceptions)
    for plan, (line, request) in zip(decided.lines, lines, strict=True):
        ids = products[line.item_id].ids
        if not request.made_to_order():
            line.reserved, line.backordered = plan.taken, plan.build
            split.reserved += plan.taken
            split.backordered += plan.build
            split.touched_items.add(line.item_id)
        if plan.build > 0:
            modules = request.product.modules
            split.touched_items.update(
                ids[m.item.sku] for m in modules if not m.item.is_custom_module
            )
        for pick in plan.picks:
            location_id, code = cast(tuple[int, str], pick.location)
            ctx.reservations.reserve(
                (ids[pick.sku], pick.sku),
                (location_id, code),
                pick.quantity,
                owner_ref(order, line),
            )
            ctx.add(
                Row.PICK,
                order_id=order.id,
                order_line=line,
                location_id=location_id,
                item_id=ids[pick.sku],
                quantity=pick.quantity,
            )
        for job in plan.jobs:
            _queue_job(ctx, order, line, ids[job.sku], job, split)
        if plan.assembles and plan.assembly_days:
            split.finish = max(split.finish or plan.assembled, plan.assembled)
    return split


def _queue_job(ctx: Context, order: Any, line: Any, item_id: int, job: Job, split: Split) -> None:
    placed = job.assignment
    if placed is not None:
        ctx.book(placed.process, placed.supplier_code, job.quantity)
        split.finish = max(split.finish or placed.finish, placed.finish)
    ctx.add(
        Row.JOB,
        order_id=order.id,
        order_line=line,
        item_id=item_id,
        option_code=job.option_code,
        option_value=job.option_value,
        supplier_id=ctx.store.suppliers().get(placed.supplier_code) if placed else None,
        process=job.process.value if job.process else None,
        quantity=job.quantity,
        reason=job.reason,
        status=JobStatus.PLANNED.value,
        planned_start=placed.start if placed else None,
        planned_finish=placed.finish if placed else None,
    )


def promise_date(split: Split, today: date) -> date | None:
    """Ship date: none while a job has no supplier (:attr:`Split.exceptions`); else the
    allocation's promise; else when the last job finishes (or today, all from stock), plus
    packing."""
    if split.exceptions:
        return None
    if split.promise is not None:
        return split.promise
    return max(split.finish or today, today) + timedelta(days=PACKING_DAYS)


def set_milestones(
    uow: UnitOfWork,
    order: Any,
    split: Split,
    *,
    now: datetime,
    reached: Iterable[str] = ("received",),
    new: bool = False,
    context: Context | None = None,
) -> None:
    """Store the planned date of each customer-facing stage and mark the ``reached`` ones done
    (the first time counts). ``new``: the order has no stages yet (saves a query); its stages
    are then inserted with the ``context``'s rows, if one is given."""
    today = now.date()
    promise = promise_date(split, today)
    planned = {
        "received": today,
        "in_production": today if split.jobs else None,
        "ready": promise - timedelta(days=PACKING_DAYS) if promise else None,
        "shipped": promise,
        "delivered": promise + timedelta(days=DELIVERY_DAYS) if promise else None,
    }
    done = set(reached)
    if new and context is not None:
        for stage, day in planned.items():
            if day is None and stage not in done:
                continue
            actual = now if stage in done else None
            context.add(Row.EVENT, order_id=order.id, stage=stage, planned_at=day, actual_at=actual)
    else:
        store = context.store if context is not None else FulfilmentStore(uow, defaultdict(dict))
        store.save_milestones(order.id, planned, done, now=now, new=new)
    order.promise_date = promise


def redate_after_delay(uow: UnitOfWork, order_id: int, finish: date) -> None:
    """A job of the order will finish on ``finish``: its stages not reached yet that follow
    (ready, shipped, delivered) move to at least what that day allows, so the customer's
    tracking page tells the new estimate. The promise stays: on-time figures measure it."""
    shipped = finish + timedelta(days=PACKING_DAYS)
    FulfilmentStore(uow, defaultdict(dict)).push_milestones(
        order_id,
        {"ready": finish, "shipped": shipped, "delivered": shipped + timedelta(days=DELIVERY_DAYS)},
    )


def mark_stage(uow: UnitOfWork, order: Any, stage: str, at: datetime) -> None:
    """Record that ``order`` reached ``stage`` at ``at`` (once; the first time counts)."""
    FulfilmentStore(uow, defaultdict(dict)).mark_stage(order.id, stage, at)


def release_order(
    uow: UnitOfWork, order: Any, *, now: datetime, cancel_jobs: bool = True
) -> set[int]:
    """Release every reservation of ``order``, drop its open picks and cancel its jobs that have
    not started (:func:`~flexchain.domain.orders.plan_cancellation` says which); returns the ids
    of the items whose availability changed."""
    store = FulfilmentStore(uow, defaultdict(dict))
    owners = store.active_owners(f"so:{order.shop_id or 0}:{order.external_id}:")
    touched = {item_id for _, item_id in owners}
    for owner in sorted({owner for owner, _ in owners}):
        inventory.release(uow, owner, now=now)
    cancel: tuple[str, ...] = ()
    if cancel_jobs:
        # the caller may have marked the order cancelled already, or be replanning an open one:
        # either way the jobs are cancelled as from an open order
        current = order.status if order.status in OPEN_STATUSES else OrderStatus.RECEIVED
        cancel = plan_cancellation(current, store.jobs_of(order.id)).cancel_jobs
    store.release(order.id, cancel)
    return touched
