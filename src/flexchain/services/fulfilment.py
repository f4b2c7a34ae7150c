"""Split a sales order into work: reservations and picks from stock, production jobs at suppliers.

The rule, per order line (docs/orders.md explains it with examples):

- A product without custom modules ships from finished stock. Its quantity is reserved in the
  shop's warehouse first, then in the other warehouses (by code); what no warehouse has is
  *backordered* and becomes a ``shortage`` production job for the product.
- A product with custom modules is made to order: each standard module is reserved from stock
  (quantity per product x line quantity) and a shortage becomes a ``shortage`` job for the module;
  each custom module becomes a ``custom`` job carrying the customer's option.
- Every job goes to a supplier by :func:`flexchain.domain.assignment.assign`: capable of the
  module's process, ranked by tier and capacity left, or, for the fast and premium tiers, the
  earliest finish.

Reservations are keyed on (shop, order id, line id), so planning the same line again never
reserves twice. Balances are always locked in (item, location) order, so orders competing for
the same stock queue instead of deadlocking.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update

from flexchain.adapters.db.tables import (
    BomLineRow,
    CapabilityRow,
    ItemRow,
    LocationRow,
    OrderEventRow,
    PickRow,
    ProductionJobRow,
    ReservationRow,
    SalesOrderLineRow,
    SalesOrderRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.assignment import Candidate, assign
from flexchain.domain.orders import JobStatus, OrderStatus
from flexchain.domain.quotes import DEFAULT_LADDER
from flexchain.domain.suppliers import Process, Tier
from flexchain.services import inventory

__all__ = ["OPEN_JOB_STATUSES", "PACKING_DAYS", "Context", "Split", "release_order", "split_order"]

PACKING_DAYS = 1
"""Days from everything being in the warehouse to the parcel leaving it."""
DELIVERY_DAYS = 3
"""Days the carrier takes, for the customer's planned delivery date."""
OPEN_JOB_STATUSES = (JobStatus.PLANNED.value, JobStatus.STARTED.value)
ZERO = Decimal(0)


def owner_ref(order: SalesOrderRow, line: SalesOrderLineRow) -> str:
    """The reservation owner of one order line: ``so:SHOP:ORDER:LINE``."""
    return f"so:{order.shop_id or 0}:{order.external_id}:{line.external_line_id}"


@dataclass
class Split:
    """What :func:`split_order` did, for the caller's status, promise and availability push."""

    reserved: Decimal = ZERO
    backordered: Decimal = ZERO
    jobs: int = 0
    finish: date | None = None
    touched_items: set[int] = field(default_factory=set)

    @property
    def status(self) -> OrderStatus:
        return OrderStatus.IN_PRODUCTION if self.jobs else OrderStatus.RESERVED


@dataclass(frozen=True)
class _Module:
    item_id: int
    sku: str
    per_unit: Decimal
    custom: bool
    process: str | None


def _warehouses(uow: UnitOfWork, first: int | None) -> list[tuple[int, str]]:
    rows = uow.session.execute(
        select(LocationRow.id, LocationRow.code)
        .where(LocationRow.kind == "warehouse")
        .order_by(LocationRow.code)
    ).all()
    result = list(rows)
    return sorted(result, key=lambda row: row[0] != first)


def _processes(uow: UnitOfWork, items: Iterable[ItemRow]) -> dict[int, str | None]:
    """Each item's process: its ``process`` attribute, else its default supplier's first one."""
    wanted = {item.default_supplier_id for item in items if item.default_supplier_id}
    first: dict[int, str] = {}
    if wanted:
        rows = uow.session.execute(
            select(CapabilityRow.supplier_id, CapabilityRow.process)
            .where(CapabilityRow.supplier_id.in_(wanted))
            .order_by(CapabilityRow.id)
        ).all()
        for supplier_id, process in rows:
            first.setdefault(supplier_id, process)
    return {
        item.id: (item.attributes or {}).get("process")
        or (first.get(item.default_supplier_id) if item.default_supplier_id else None)
        for item in items
    }


def _modules(uow: UnitOfWork, product_ids: set[int]) -> dict[int, list[_Module]]:
    """The modules (direct BOM children of kind module) of each product."""
    rows = uow.session.execute(
        select(BomLineRow.parent_id, BomLineRow.quantity, ItemRow)
        .join(ItemRow, ItemRow.id == BomLineRow.child_id)
        .where(BomLineRow.parent_id.in_(product_ids), ItemRow.kind == "module")
        .order_by(BomLineRow.parent_id, ItemRow.sku)
    ).all()
    found = list(rows)
    processes = _processes(uow, [item for _, _, item in found])
    result: dict[int, list[_Module]] = defaultdict(list)
    for parent, quantity, item in found:
        custom = item.module_type == "custom"
        result[parent].append(_Module(item.id, item.sku, quantity, custom, processes[item.id]))
    return result


def _capabilities(uow: UnitOfWork, processes: set[str]) -> dict[str, list[Candidate]]:
    """Capable active suppliers per process, with nothing booked yet."""
    rows = uow.session.execute(
        select(CapabilityRow, SupplierRow.code, SupplierRow.tier)
        .join(SupplierRow, SupplierRow.id == CapabilityRow.supplier_id)
        .where(CapabilityRow.process.in_(processes), SupplierRow.active.is_(True))
        .order_by(SupplierRow.code)
    ).all()
    result: dict[str, list[Candidate]] = {process: [] for process in processes}
    for capability, code, tier in rows:
        result[capability.process].append(
            Candidate(
                supplier_code=code,
                process=Process(capability.process),
                tier=Tier(tier),
                capacity_per_day=capability.capacity_per_day,
                lead_time_mean_days=capability.lead_time_mean_days,
                moq=capability.moq,
                booked_units=ZERO,
            )
        )
    return result


def _candidates(
    uow: UnitOfWork, capabilities: dict[str, list[Candidate]], suppliers: dict[str, int]
) -> dict[str, list[Candidate]]:
    """``capabilities`` with the units already booked in open jobs on each supplier."""
    session = uow.session
    booked = {
        (supplier_id, process): units
        for supplier_id, process, units in session.execute(
            select(
                ProductionJobRow.supplier_id,
                ProductionJobRow.process,
                func.sum(ProductionJobRow.quantity),
            )
            .where(ProductionJobRow.status.in_(OPEN_JOB_STATUSES))
            .where(ProductionJobRow.process.in_(list(capabilities)))
            .group_by(ProductionJobRow.supplier_id, ProductionJobRow.process)
        ).all()
    }
    return {
        process: [
            dataclasses.replace(
                candidate,
                booked_units=Decimal(
                    booked.get((suppliers.get(candidate.supplier_code), process)) or ZERO
                ),
            )
            for candidate in candidates
        ]
        for process, candidates in capabilities.items()
    }


BALANCE_HINT = 64
"""Most balances a batch reads up front because the previous batch needed them."""


class Context:
    """What splitting needs beyond the order itself, loaded once for a batch of orders.

    Items, modules, processes, warehouses, suppliers and capable suppliers (with the load booked
    on them, including the jobs placed earlier in the batch) are cached; reservations are counted
    in :class:`flexchain.services.inventory.Reservations` and written by :meth:`write`.
    ``known``: catalog lookups by kind, shared with other batches while the catalog stays
    the same (see :class:`flexchain.services.intake.CatalogCache`); the booked load is never shared.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        now: datetime,
        known: dict[str, dict[Any, Any]] | None = None,
        optimistic: bool = False,
    ) -> None:
        self.uow = uow
        self._shared = known is not None
        known = defaultdict(dict) if known is None else known
        self._balances: dict[tuple[int, int], None] = known["balances"]
        """The balances the previous batch read: read with this one's first (a hint)."""
        self.reservations = inventory.Reservations(
            uow, now=now, optimistic=optimistic, hint=self._balances
        )
        self._items: dict[int, ItemRow] = known["items"]
        self._modules: dict[int, list[_Module]] = known["modules"]
        self._processes: dict[int, str | None] = known["processes"]
        self._warehouses: dict[int | None, list[tuple[int, str]]] = known["warehouses"]
        self._suppliers: dict[str, int] = known["suppliers"]
        self._capabilities: dict[str, list[Candidate]] = known["capabilities"]
        self._candidates: dict[str, list[Candidate]] = {}
        self._rows: dict[type[Any], list[dict[str, Any]]] = defaultdict(list)

    def add(self, table: type[Any], **values: Any) -> None:
        """A new row whose id nobody needs (pick, job, order event), inserted by :meth:`write`
        together with its kind in one statement. ``order_line`` (a line row, perhaps not yet
        flushed) becomes ``order_line_id`` then."""
        self._rows[table].append(values)

    def items(self, ids: set[int]) -> dict[int, ItemRow]:
        missing = ids - self._items.keys()
        if missing:
            session = self.uow.session
            for row in session.scalars(select(ItemRow).where(ItemRow.id.in_(missing))):
                self._items[row.id] = row
                if self._shared:  # kept for later batches: out of this session's expiry
                    session.expunge(row)
        return {i: self._items[i] for i in ids if i in self._items}

    def modules(self, product_ids: set[int]) -> dict[int, list[_Module]]:
        missing = product_ids - self._modules.keys()
        if missing:
            found = _modules(self.uow, missing)
            for product in missing:
                self._modules[product] = found.get(product, [])
        return {p: self._modules[p] for p in product_ids}

    def processes(self, items: Iterable[ItemRow]) -> dict[int, str | None]:
        rows = list(items)
        missing = [row for row in rows if row.id not in self._processes]
        if missing:
            self._processes.update(_processes(self.uow, missing))
        return {row.id: self._processes[row.id] for row in rows}

    def warehouses(self, first: int | None) -> list[tuple[int, str]]:
        if first not in self._warehouses:
            self._warehouses[first] = _warehouses(self.uow, first)
        return self._warehouses[first]

    def suppliers(self) -> dict[str, int]:
        if not self._suppliers:
            self._suppliers.update(
                self.uow.session.execute(select(SupplierRow.code, SupplierRow.id)).all()
            )
        return self._suppliers

    def candidates(self, processes: set[str]) -> dict[str, list[Candidate]]:
        """Capable suppliers per process with their booked load (read once per batch, then
        counted up as the batch places jobs)."""
        missing = processes - self._candidates.keys()
        if missing:
            unknown = missing - self._capabilities.keys()
            if unknown:
                self._capabilities.update(_capabilities(self.uow, unknown))
            wanted = {process: self._capabilities[process] for process in missing}
            with self.uow.session.no_autoflush:  # the batch's jobs are counted in memory
                self._candidates.update(_candidates(self.uow, wanted, self.suppliers()))
        return self._candidates

    def write(self) -> None:
        """Write the rows and reservations counted so far (before anything reads them); the
        reservations last, so that balances are locked as briefly as possible."""
        session = self.uow.session
        session.flush()  # the lines get their ids
        if any(self._rows.values()):
            for table, rows in self._rows.items():
                if rows:
                    # an executemany: psycopg sends the rows in one pipeline of a short,
                    # prepared statement (cheaper than one long multi-row INSERT, whose text
                    # psycopg parses every time); SQLite's executemany stays in-process
                    session.execute(insert(table.__table__), [_with_line_id(row) for row in rows])
        self._rows.clear()
        self.reservations.write()
        self._balances.clear()
        self._balances.update(dict.fromkeys(self.reservations.balances[:BALANCE_HINT]))


def _with_line_id(values: dict[str, Any]) -> dict[str, Any]:
    if "order_line" not in values:
        return values
    result = dict(values)
    result["order_line_id"] = result.pop("order_line").id
    return result


def split_order(
    uow: UnitOfWork,
    order: SalesOrderRow,
    lines: list[SalesOrderLineRow],
    *,
    now: datetime,
    warehouse_id: int | None,
    context: Context | None = None,
) -> Split:
    """Reserve, pick and place jobs for ``lines`` of ``order`` (which has none yet).

    With a shared ``context`` (a batch of orders), its reservations are written by the caller
    (:meth:`Context.write`); without one they are written before this returns.
    """
    own = context is None
    ctx = Context(uow, now=now) if context is None else context
    session = uow.session
    today = now.date()
    split = Split()
    items = ctx.items({line.item_id for line in lines})
    modules = ctx.modules(set(items))
    warehouses = ctx.warehouses(warehouse_id)
    suppliers = ctx.suppliers()
    # Everything to reserve, in one global order: (item id, line) -> quantity
    wanted: list[tuple[int, str, SalesOrderLineRow, Decimal]] = []
    jobs: list[tuple[SalesOrderLineRow, int, str | None, Decimal, dict[str, Any] | None, str]] = []
    product_process = ctx.processes(items.values())
    assembled: dict[int, SalesOrderLineRow] = {}  # lines built from modules, by line id
    for line in lines:
        parts = modules.get(line.item_id, [])
        if not any(part.custom for part in parts):
            wanted.append((line.item_id, items[line.item_id].sku, line, line.quantity))
            continue
        assembled[id(line)] = line
        chosen = {entry["module_sku"]: entry for entry in line.options}
        for part in parts:
            quantity = part.per_unit * line.quantity
            if part.custom:
                option = chosen.get(part.sku)
                jobs.append((line, part.item_id, part.process, quantity, option, "custom"))
            else:
                wanted.append((part.item_id, part.sku, line, quantity))
    wanted.sort(key=lambda entry: (entry[0], entry[2].external_line_id))
    for item_id, sku, line, quantity in wanted:
        left = quantity
        for location_id, code in warehouses:
            if left <= 0:
                break
            got = ctx.reservations.reserve(
                (item_id, sku),
                (location_id, code),
                left,
                owner_ref(order, line),
                allow_partial=True,
            )
            if got > 0:
                left -= got
                ctx.add(
                    PickRow,
                    order_id=order.id,
                    order_line=line,
                    location_id=location_id,
                    item_id=item_id,
                    quantity=got,
                )
        split.touched_items.add(item_id)
        if item_id == line.item_id:
            line.reserved = quantity - left
            line.backordered = left
            split.reserved += quantity - left
            split.backordered += left
        if left > 0:
            process = product_process.get(item_id) if item_id == line.item_id else None
            if process is None and item_id != line.item_id:
                process = next(
                    (p.process for p in modules[line.item_id] if p.item_id == item_id), None
                )
            jobs.append((line, item_id, process, left, None, "shortage"))
    candidates = ctx.candidates({job[2] for job in jobs if job[2]})
    terms = DEFAULT_LADDER.terms(order.speed_tier)  # the same ladder quotes promise with
    rush = terms.rush
    modules_ready: dict[int, date] = {}  # per assembled line: when its last module job finishes
    for line, item_id, process, quantity, option, reason in jobs:
        supplier_id = None
        start = finish = None
        if process is not None:
            delta = int((option or {}).get("lead_time_delta_days") or 0)
            assignment = assign(
                process,
                quantity,
                candidates.get(process, []),
                rush=rush,
                start=today,
                extra_lead_days=delta,
                lead_time_factor=terms.lead_time_factor,
            )
            supplier_id = suppliers.get(assignment.supplier_code)
            start, finish = assignment.start, assignment.finish
            _book(candidates[process], assignment.supplier_code, quantity)
        ctx.add(
            ProductionJobRow,
            order_id=order.id,
            order_line=line,
            item_id=item_id,
            option_code=(option or {}).get("option_code"),
            option_value=(option or {}).get("value") or "",
            supplier_id=supplier_id,
            process=process,
            quantity=quantity,
            reason=reason,
            status=JobStatus.PLANNED.value,
            planned_start=start,
            planned_finish=finish,
        )
        split.jobs += 1
        if finish is not None:
            split.finish = max(split.finish or finish, finish)
            if id(line) in assembled:
                modules_ready[id(line)] = max(modules_ready.get(id(line), finish), finish)
    for key, line in assembled.items():
        # as quotes promise it: the product is assembled from its modules once the last one
        # is made, taking its production cycle (scaled by the speed tier), then packed
        cycle = items[line.item_id].production_cycle_days or 0
        days = math.ceil(cycle * terms.lead_time_factor)
        if days:
            ready = modules_ready.get(key, today) + timedelta(days=days)
            split.finish = max(split.finish or ready, ready)
    if own:
        ctx.write()
        session.flush()
    return split


def _book(candidates: list[Candidate], code: str, quantity: Decimal) -> None:
    """Count a job just placed in the supplier's booked load for the rest of this order."""
    for index, candidate in enumerate(candidates):
        if candidate.supplier_code == code:
            candidates[index] = dataclasses.replace(
                candidate, booked_units=candidate.booked_units + quantity
            )


def promise_date(split: Split, today: date) -> date:
    """Ship date: when the last job finishes (or today, all from stock), plus packing."""
    return max(split.finish or today, today) + timedelta(days=PACKING_DAYS)


def set_milestones(
    uow: UnitOfWork,
    order: SalesOrderRow,
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
        "ready": promise - timedelta(days=PACKING_DAYS),
        "shipped": promise,
        "delivered": promise + timedelta(days=DELIVERY_DAYS),
    }
    done = set(reached)
    stored = (
        {}
        if new
        else {
            row.stage: row
            for row in uow.session.scalars(
                select(OrderEventRow).where(OrderEventRow.order_id == order.id)
            )
        }
    )
    for stage, day in planned.items():
        row = stored.get(stage)
        if row is None:
            if day is None and stage not in done:
                continue
            if new and context is not None:
                actual = now if stage in done else None
                context.add(
                    OrderEventRow, order_id=order.id, stage=stage, planned_at=day, actual_at=actual
                )
                continue
            row = OrderEventRow(order_id=order.id, stage=stage)
            uow.session.add(row)
        row.planned_at = day
        if stage in done and row.actual_at is None:
            row.actual_at = now
    order.promise_date = promise


def mark_stage(uow: UnitOfWork, order: SalesOrderRow, stage: str, at: datetime) -> None:
    """Record that ``order`` reached ``stage`` at ``at`` (once; the first time counts)."""
    session = uow.session
    row = session.scalars(
        select(OrderEventRow).where(
            OrderEventRow.order_id == order.id, OrderEventRow.stage == stage
        )
    ).one_or_none()
    if row is None:
        row = OrderEventRow(order_id=order.id, stage=stage)
        session.add(row)
    if row.actual_at is None:
        row.actual_at = at
    session.flush()


def release_order(
    uow: UnitOfWork, order: SalesOrderRow, *, now: datetime, cancel_jobs: bool = True
) -> set[int]:
    """Release every reservation of ``order``, drop its open picks and cancel its jobs that have
    not started; returns the ids of the items whose availability changed."""
    session = uow.session
    prefix = f"so:{order.shop_id or 0}:{order.external_id}:"
    owners = session.execute(
        select(ReservationRow.owner_ref, ReservationRow.item_id)
        .where(ReservationRow.owner_ref.startswith(prefix, autoescape=True))
        .where(ReservationRow.status == "active")
        .order_by(ReservationRow.item_id)
    ).all()
    touched = {item_id for _, item_id in owners}
    for owner in sorted({owner for owner, _ in owners}):
        inventory.release(uow, owner, now=now)
    session.execute(delete(PickRow).where(PickRow.order_id == order.id, PickRow.status == "open"))
    if cancel_jobs:
        session.execute(
            update(ProductionJobRow)
            .where(
                and_(
                    ProductionJobRow.order_id == order.id,
                    ProductionJobRow.status == JobStatus.PLANNED.value,
                )
            )
            .values(status=JobStatus.CANCELLED.value)
        )
    for line in session.scalars(
        select(SalesOrderLineRow).where(SalesOrderLineRow.order_id == order.id)
    ):
        line.reserved = ZERO
        line.backordered = ZERO
    session.flush()
    return touched
