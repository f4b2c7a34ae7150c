"""The fulfilment store: what splitting an order reads (the products as allocation sees them,
warehouses, suppliers, capable suppliers with their booked load) and writes (picks, jobs and
order events as executemany inserts; releasing an order; its milestones).

Catalog lookups go to ``known`` (by kind), shared with later batches while the catalog version
holds (:class:`flexchain.services.intake.CatalogCache`); the booked load is read once per batch.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from flexchain.adapters.db.quotes import ITEMS_BY_ID, TREES, item_of, material_stock
from flexchain.adapters.db.tables import (
    CapabilityRow,
    LocationRow,
    OrderEventRow,
    PickRow,
    ProductionJobRow,
    ReservationRow,
    SalesOrderLineRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.allocation import Product
from flexchain.domain.assignment import HORIZON_DAYS, Candidate
from flexchain.domain.bom import BomLine
from flexchain.domain.catalog import Item
from flexchain.domain.orders import JobStatus, PickStatus
from flexchain.domain.product_build import product_of
from flexchain.domain.stock import LocationKind, ReservationStatus
from flexchain.domain.suppliers import ItemSupplier, Process, Tier

__all__ = ["OPEN_JOB_STATUSES", "FulfilmentStore", "ProductRecord", "Row"]

OPEN_JOB_STATUSES = tuple(status for status in JobStatus if status.is_open)
"""Jobs whose units still load a supplier's capacity (:attr:`JobStatus.is_open`: planned,
released, started), the same as :data:`flexchain.adapters.db.quotes.OPEN_JOBS`."""
ZERO = Decimal(0)


class Row:
    """The kinds of row :meth:`FulfilmentStore.insert` writes."""

    PICK = "pick"
    JOB = "job"
    EVENT = "event"


_TABLES: Mapping[str, Any] = {
    Row.PICK: PickRow,
    Row.JOB: ProductionJobRow,
    Row.EVENT: OrderEventRow,
}


@dataclass(frozen=True)
class ProductRecord:
    """A product as allocation sees it (:class:`~flexchain.domain.allocation.Product`), and the
    ids and catalog items of everything in its BOM tree, by SKU."""

    product: Product
    ids: Mapping[str, int]
    items: Mapping[str, Item]


class FulfilmentStore:
    """Reads and writes of splitting orders, in one unit of work (a batch)."""

    def __init__(self, uow: UnitOfWork, known: defaultdict[str, dict[Any, Any]]) -> None:
        self.uow = uow
        self._products: dict[int, ProductRecord | None] = known["products"]
        self._warehouses: dict[int | None, list[tuple[int, str]]] = known["warehouses"]
        self._suppliers: dict[str, int] = known["suppliers"]
        self._capabilities: dict[Process, list[Candidate]] = known["capabilities"]

    # -- reads --

    def products(self, ids: set[int]) -> dict[int, ProductRecord]:
        """The products of ``ids`` with their modules (in BOM order) and processes."""
        missing = ids - self._products.keys()
        if missing:
            self._products.update(dict.fromkeys(missing))
            self._products.update(_products(self.uow, missing))
        return {i: found for i in ids if (found := self._products[i]) is not None}

    def warehouses(self, first: int | None) -> list[tuple[int, str]]:
        """Warehouses as (id, code): ``first`` first, then by code."""
        if first not in self._warehouses:
            rows = self.uow.session.execute(
                select(LocationRow.id, LocationRow.code)
                .where(LocationRow.kind == LocationKind.WAREHOUSE.value)
                .order_by(LocationRow.code)
            ).all()
            self._warehouses[first] = sorted(
                [(row[0], row[1]) for row in rows], key=lambda row: row[0] != first
            )
        return self._warehouses[first]

    def suppliers(self) -> dict[str, int]:
        """Supplier ids by code."""
        if not self._suppliers:
            self._suppliers.update(
                self.uow.session.execute(select(SupplierRow.code, SupplierRow.id)).all()
            )
        return self._suppliers

    def candidates(self, processes: set[Process], today: date) -> dict[Process, list[Candidate]]:
        """Capable active suppliers per process with the units of open jobs booked on them that
        start within :data:`HORIZON_DAYS` of ``today`` (or have no start), as quotes count them."""
        unknown = processes - self._capabilities.keys()
        if unknown:
            self._capabilities.update(_capabilities(self.uow, unknown))
        if not processes:
            return {}
        session = self.uow.session
        with session.no_autoflush:  # the batch's jobs are counted in memory
            booked = {
                (supplier_id, process): units
                for supplier_id, process, units in session.execute(
                    select(
                        ProductionJobRow.supplier_id,
                        ProductionJobRow.process,
                        func.sum(ProductionJobRow.quantity),
                    )
                    .where(ProductionJobRow.status.in_([s.value for s in OPEN_JOB_STATUSES]))
                    .where(ProductionJobRow.process.in_([p.value for p in processes]))
                    .where(
                        or_(
                            ProductionJobRow.planned_start.is_(None),
                            ProductionJobRow.planned_start < today + timedelta(HORIZON_DAYS),
                        )
                    )
                    .group_by(ProductionJobRow.supplier_id, ProductionJobRow.process)
                ).all()
            }
        ids = self.suppliers()
        return {
            process: [
                dataclasses.replace(
                    c,
                    booked_units=Decimal(booked.get((ids.get(c.supplier_code), process)) or ZERO),
                )
                for c in self._capabilities[process]
            ]
            for process in processes
        }

    def materials(
        self, ids: Mapping[str, int], bought: Iterable[str], today: date
    ) -> tuple[dict[str, Decimal], dict[str, tuple[ItemSupplier, ...]]]:
        """Stock available of the materials ``ids`` (SKU -> item id), counted as quotes count
        it, and the supplier terms of them and of the ``bought`` products."""
        wanted = {item_id: sku for sku, item_id in ids.items()}
        terms_for = [*wanted, *(ids[sku] for sku in bought if sku in ids)]
        return material_stock(self.uow, wanted, terms_for, today=today)

    # -- writes --

    def insert(self, rows: Mapping[str, list[dict[str, Any]]]) -> None:
        """Insert the rows of each kind (:class:`Row`) in one statement per kind."""
        session = self.uow.session
        session.flush()  # the lines get their ids
        for kind, values in rows.items():
            if values:
                # an executemany: psycopg sends the rows in one pipeline of a short, prepared
                # statement (cheaper than one long multi-row INSERT, whose text psycopg parses
                # every time); SQLite's executemany stays in-process
                session.execute(
                    insert(_TABLES[kind].__table__), [_with_line_id(row) for row in values]
                )

    def active_owners(self, prefix: str) -> list[tuple[str, int]]:
        """(owner, item id) of the active reservations whose owner starts with ``prefix``."""
        return [
            (owner, item_id)
            for owner, item_id in self.uow.session.execute(
                select(ReservationRow.owner_ref, ReservationRow.item_id)
                .where(ReservationRow.owner_ref.startswith(prefix, autoescape=True))
                .where(ReservationRow.status == ReservationStatus.ACTIVE.value)
                .order_by(ReservationRow.item_id)
            ).all()
        ]

    def jobs_of(self, order_id: int) -> dict[str, JobStatus]:
        """The status of each job of the order, by job id (as text)."""
        rows = self.uow.session.execute(
            select(ProductionJobRow.id, ProductionJobRow.status).where(
                ProductionJobRow.order_id == order_id
            )
        ).all()
        return {str(job_id): JobStatus(status) for job_id, status in rows}

    def release(self, order_id: int, cancel_jobs: Iterable[str]) -> None:
        """Drop the order's open picks, cancel ``cancel_jobs`` (if still planned) and set its
        lines' reserved and backordered to zero."""
        session = self.uow.session
        session.execute(
            delete(PickRow).where(
                PickRow.order_id == order_id, PickRow.status == PickStatus.OPEN.value
            )
        )
        ids = [int(job) for job in cancel_jobs]
        if ids:
            session.execute(
                update(ProductionJobRow)
                .where(
                    ProductionJobRow.id.in_(ids),
                    ProductionJobRow.status == JobStatus.PLANNED.value,
                )
                .values(status=JobStatus.CANCELLED.value)
            )
        for line in session.scalars(
            select(SalesOrderLineRow).where(SalesOrderLineRow.order_id == order_id)
        ):
            line.reserved = ZERO
            line.backordered = ZERO
        session.flush()

    def push_milestones(self, order_id: int, earliest: Mapping[str, date]) -> None:
        """Move each stage of ``earliest`` not reached yet to at least its day there."""
        rows = self.uow.session.scalars(
            select(OrderEventRow).where(
                OrderEventRow.order_id == order_id, OrderEventRow.stage.in_(list(earliest))
            )
        )
        for row in rows:
            least = earliest[row.stage]
            if row.actual_at is None and (row.planned_at is None or row.planned_at < least):
                row.planned_at = least

    def save_milestones(
        self,
        order_id: int,
        planned: Mapping[str, date | None],
        done: set[str],
        *,
        now: datetime,
        new: bool,
    ) -> None:
        """Store each stage's planned date (skipping undated stages not reached) and mark the
        ``done`` ones reached at ``now`` (the first time counts); ``new``: it has none yet."""
        session = self.uow.session
        stored = (
            {}
            if new
            else {
                row.stage: row
                for row in session.scalars(
                    select(OrderEventRow).where(OrderEventRow.order_id == order_id)
                )
            }
        )
        for stage, day in planned.items():
            row = stored.get(stage)
            if row is None:
                if day is None and stage not in done:
                    continue
                row = OrderEventRow(order_id=order_id, stage=stage)
                session.add(row)
            row.planned_at = day
            if stage in done and row.actual_at is None:
                row.actual_at = now

    def mark_stage(self, order_id: int, stage: str, at: datetime) -> None:
        """Record that the order reached ``stage`` at ``at`` (once; the first time counts)."""
        session = self.uow.session
        row = session.scalars(
            select(OrderEventRow).where(
                OrderEventRow.order_id == order_id, OrderEventRow.stage == stage
            )
        ).one_or_none()
        if row is None:
            row = OrderEventRow(order_id=order_id, stage=stage)
            session.add(row)
        if row.actual_at is None:
            row.actual_at = at
        session.flush()


def _with_line_id(values: dict[str, Any]) -> dict[str, Any]:
    if "order_line" not in values:
        return values
    result = dict(values)
    result["order_line_id"] = result.pop("order_line").id
    return result


def _products(uow: UnitOfWork, ids: set[int]) -> dict[int, ProductRecord]:
    """The products of ``ids`` with the BOM trees below them (modules in line order, their
    materials, other components) and the processes their suppliers run, in three queries."""
    run = uow.session.connection().execute
    products = run(ITEMS_BY_ID, {"ids": list(ids)}).all()
    found = run(TREES, {"ids": list(ids)}).all()
    rows = {row.id: row for row in [*products, *found]}
    skus = {item_id: row.sku for item_id, row in rows.items()}
    lines = tuple(
        BomLine(skus[row.line_parent], row.sku, row.line_quantity, row.line_scrap) for row in found
    )
    items = {row.sku: item_of(row) for row in rows.values()}
    suppliers = {item.default_supplier for item in items.values() if item.default_supplier}
    runs: dict[str, set[Process]] = defaultdict(set)
    if suppliers:
        for code, process in uow.session.execute(
            select(SupplierRow.code, CapabilityRow.process)
            .join(CapabilityRow, CapabilityRow.supplier_id == SupplierRow.id)
            .where(SupplierRow.code.in_(suppliers), SupplierRow.active.is_(True))
        ).all():
            runs[code].add(Process(process))
    processes = {code: frozenset(found) for code, found in runs.items()}
    by_sku = {sku: item_id for item_id, sku in skus.items()}
    return {
        row.id: ProductRecord(
            product_of(items[row.sku], lines, items, {}, processes), by_sku, items
        )
        for row in products
    }


def _capabilities(uow: UnitOfWork, processes: set[Process]) -> dict[Process, list[Candidate]]:
    """Capable active suppliers per process, with nothing booked yet."""
    rows = uow.session.execute(
        select(CapabilityRow, SupplierRow.code, SupplierRow.tier)
        .join(SupplierRow, SupplierRow.id == CapabilityRow.supplier_id)
        .where(
            CapabilityRow.process.in_([p.value for p in processes]),
            SupplierRow.active.is_(True),
        )
        .order_by(SupplierRow.code)
    ).all()
    result: dict[Process, list[Candidate]] = {process: [] for process in processes}
    for capability, code, tier in rows:
        result[Process(capability.process)].append(
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
