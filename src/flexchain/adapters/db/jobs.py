"""The jobs store: every statement of production jobs, their events, and the places and
materials a job's stock moves need (the supplier's site, the production location, the
warehouse the job works for, its bill of materials and what was issued for it).

Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import aliased

from flexchain.adapters.db.tables import (
    BomLineRow,
    ItemRow,
    JobEventRow,
    LocationRow,
    OptionComponentRow,
    OptionRow,
    PickRow,
    ProductionJobRow,
    SalesOrderLineRow,
    SalesOrderRow,
    ShopRow,
    StockMoveRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.domain.jobs import BomLine
from flexchain.domain.orders import JobStatus, PickStatus
from flexchain.domain.stock import LocationKind

__all__ = ["PRODUCTION_LOCATION", "JobEventRecord", "JobRecord", "LineOwner", "SqlJobStore"]

PRODUCTION_LOCATION = "PRODUCTION"
"""Code of the production location, created on first use if the database has none."""


@dataclass(frozen=True)
class JobRecord:
    """A stored job with the names a person knows it by."""

    id: int
    order_id: int | None
    order: str | None
    order_line_id: int | None
    item_id: int
    sku: str
    option: str | None
    value: str
    supplier_id: int | None
    supplier: str | None
    process: str | None
    quantity: Decimal
    reason: str
    status: JobStatus
    planned_start: date | None
    planned_finish: date | None
    released_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    finished_quantity: Decimal | None


@dataclass(frozen=True)
class JobEventRecord:
    job_id: int
    kind: str
    status: str
    step: str | None
    quantity: Decimal | None
    scrap: Decimal | None
    days: int | None
    note: str
    at: datetime
    actor: str


@dataclass(frozen=True)
class LineOwner:
    """What names an order line's reservations (see ``services.fulfilment.owner_ref``)."""

    shop_id: int | None
    external_id: str
    external_line_id: str


_JOB_COLUMNS = (
    ProductionJobRow,
    ItemRow.sku,
    SupplierRow.code,
    SalesOrderRow.number,
    SalesOrderRow.external_id,
)


class SqlJobStore:
    """Jobs of one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.actor = uow.actor
        self.session = uow.session
        self.scope = uow.supplier_scope

    # -- reads --------------------------------------------------------------------------------

    def _query(self) -> Any:
        query = (
            select(*_JOB_COLUMNS)
            .join(ItemRow, ItemRow.id == ProductionJobRow.item_id)
            .outerjoin(SupplierRow, SupplierRow.id == ProductionJobRow.supplier_id)
            .outerjoin(SalesOrderRow, SalesOrderRow.id == ProductionJobRow.order_id)
            .execution_options(populate_existing=True)  # jobs change through Core updates
        )
        if self.scope is not None:  # a supplier's user: the other suppliers' jobs do not exist
            query = query.where(ProductionJobRow.supplier_id == self.scope)
        return query

    def jobs(
        self,
        *,
        order_id: int | None = None,
        supplier: str | None = None,
        status: JobStatus | None = None,
        limit: int = 1000,
    ) -> list[JobRecord]:
        """Jobs by planned start (undated last), then id, filtered as given."""
        query = self._query()
        if order_id is not None:
            query = query.where(ProductionJobRow.order_id == order_id)
        if supplier is not None:
            query = query.where(SupplierRow.code == supplier)
        if status is not None:
            query = query.where(ProductionJobRow.status == status.value)
        query = query.order_by(
            case((ProductionJobRow.planned_start.is_(None), 1), else_=0),
            ProductionJobRow.planned_start,
            ProductionJobRow.id,
        ).limit(limit)
        return [_record(*row) for row in self.session.execute(query)]

    def supplier_exists(self, code: str) -> bool:
        query = select(SupplierRow.id).where(SupplierRow.code == code)
        if self.scope is not None:
            query = query.where(SupplierRow.id == self.scope)
        return self.session.scalar(query) is not None

    def job(self, job_id: int, *, lock: bool = False) -> JobRecord:
        """One job; ``lock``: its row locked until the unit of work ends (PostgreSQL)."""
        query = self._query().where(ProductionJobRow.id == job_id)
        if lock:
            query = query.with_for_update(of=ProductionJobRow)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"no job {job_id}")
        return _record(*row)

    def events(self, job_ids: Iterable[int]) -> list[JobEventRecord]:
        """The events of ``job_ids`` in the order they happened."""
        rows = self.session.scalars(
            select(JobEventRow)
            .where(JobEventRow.job_id.in_(list(job_ids)))
            .order_by(JobEventRow.job_id, JobEventRow.id)
        )
        return [
            JobEventRecord(
                row.job_id,
                row.kind,
                row.status,
                row.step,
                row.quantity,
                row.scrap,
                row.days,
                row.note,
                row.at,
                row.actor,
            )
            for row in rows
        ]

    def bom(self, job: JobRecord) -> list[BomLine]:
        """The job item's components, and those of the option chosen for it (if it has any)."""
        child = aliased(ItemRow)
        lines = [
            BomLine(sku, quantity, scrap)
            for sku, quantity, scrap in self.session.execute(
                select(child.sku, BomLineRow.quantity, BomLineRow.scrap_pct)
                .join(child, child.id == BomLineRow.child_id)
                .where(BomLineRow.parent_id == job.item_id)
                .order_by(child.sku)
            )
        ]
        if job.option:
            lines += [
                BomLine(sku, quantity, scrap)
                for sku, quantity, scrap in self.session.execute(
                    select(child.sku, OptionComponentRow.quantity, OptionComponentRow.scrap_pct)
                    .join(OptionRow, OptionRow.id == OptionComponentRow.option_id)
                    .join(child, child.id == OptionComponentRow.component_id)
                    .where(OptionRow.module_id == job.item_id, OptionRow.code == job.option)
                    .order_by(child.sku)
                )
            ]
        return lines

    def site(self, supplier_id: int) -> str:
        """The code of the supplier's site (:meth:`find_site`), ``FAC-<supplier code>`` created
        as a factory location if it has none."""
        found = self.find_site(supplier_id)
        return found if found is not None else self._add_site(supplier_id)

    def find_site(self, supplier_id: int) -> str | None:
        """The code of the supplier's factory location, else of any of its locations."""
        rows = self.session.execute(
            select(LocationRow.code, LocationRow.kind)
            .where(LocationRow.supplier_id == supplier_id)
            .order_by(LocationRow.id)
        ).all()
        for code, kind in rows:
            if kind == LocationKind.FACTORY.value:
                return str(code)
        return str(rows[0][0]) if rows else None

    def _add_site(self, supplier_id: int) -> str:
        supplier = self.session.get(SupplierRow, supplier_id)
        assert supplier is not None
        code = f"FAC-{supplier.code}"
        self.session.add(
            LocationRow(
                code=code,
                name=f"{supplier.name} (factory)",
                kind=LocationKind.FACTORY.value,
                supplier_id=supplier_id,
            )
        )
        self.session.flush()
        return code

    def production_location(self) -> str:
        """The code of a production location, :data:`PRODUCTION_LOCATION` created if none."""
        code = self.session.scalar(
            select(LocationRow.code)
            .where(LocationRow.kind == LocationKind.PRODUCTION.value)
            .order_by(LocationRow.id)
            .limit(1)
        )
        if code is None:
            self.session.add(
                LocationRow(
                    code=PRODUCTION_LOCATION,
                    name="Production (materials consumed, products made)",
                    kind=LocationKind.PRODUCTION.value,
                )
            )
            self.session.flush()
            code = PRODUCTION_LOCATION
        return str(code)

    def home(self, job: JobRecord) -> str:
        """The warehouse a job works for: the one a job for stock was planned for, else where
        its order's picks are, else its shop's warehouse, else the first warehouse."""
        session = self.session
        chosen = session.scalar(
            select(LocationRow.code)
            .join(ProductionJobRow, ProductionJobRow.deliver_to_id == LocationRow.id)
            .where(ProductionJobRow.id == job.id)
        )
        if chosen is not None:
            return str(chosen)
        if job.order_id is not None:
            code = session.scalar(
                select(LocationRow.code)
                .join(PickRow, PickRow.location_id == LocationRow.id)
                .where(PickRow.order_id == job.order_id)
                .order_by(PickRow.id)
                .limit(1)
            )
            if code is None:
                code = session.scalar(
                    select(LocationRow.code)
                    .join(ShopRow, ShopRow.warehouse_id == LocationRow.id)
                    .join(SalesOrderRow, SalesOrderRow.shop_id == ShopRow.id)
                    .where(SalesOrderRow.id == job.order_id)
                )
            if code is not None:
                return str(code)
        code = session.scalar(
            select(LocationRow.code)
            .where(LocationRow.kind == LocationKind.WAREHOUSE.value)
            .order_by(LocationRow.id)
            .limit(1)
        )
        if code is None:
            raise NotFound("no warehouse: add a location of kind warehouse")
        return str(code)

    def at_site(self, reference: str, site: str) -> dict[str, Decimal]:
        """Per SKU, what moves with ``reference`` brought to ``site`` minus what they took out."""
        here = select(LocationRow.id).where(LocationRow.code == site).scalar_subquery()
        signed = case(
            (StockMoveRow.to_location_id == here, StockMoveRow.quantity),
            else_=-StockMoveRow.quantity,
        )
        rows = self.session.execute(
            select(ItemRow.sku, func.sum(signed))
            .join(ItemRow, ItemRow.id == StockMoveRow.item_id)
            .where(
                StockMoveRow.reference == reference,
                (StockMoveRow.to_location_id == here) | (StockMoveRow.from_location_id == here),
            )
            .group_by(ItemRow.sku)
        )
        return {sku: Decimal(total) for sku, total in rows if total}

    def order_jobs(self, order_id: int) -> list[JobStatus]:
        rows = self.session.scalars(
            select(ProductionJobRow.status).where(ProductionJobRow.order_id == order_id)
        )
        return [JobStatus(status) for status in rows]

    def line_owner(self, line_id: int) -> LineOwner:
        row = self.session.execute(
            select(
                SalesOrderRow.shop_id, SalesOrderRow.external_id, SalesOrderLineRow.external_line_id
            )
            .join(SalesOrderLineRow, SalesOrderLineRow.order_id == SalesOrderRow.id)
            .where(SalesOrderLineRow.id == line_id)
        ).one()
        return LineOwner(row[0], row[1], row[2])

    def line_need(self, job: JobRecord) -> Decimal:
        """How much of the job's item its order line still needs: the line's quantity times the
        item's quantity per unit of the line's product (1 if it is the product), less what the
        line's picks already take of it."""
        session = self.session
        line = session.get(SalesOrderLineRow, job.order_line_id)
        assert line is not None
        per = Decimal(1)
        if line.item_id != job.item_id:
            per = session.scalar(
                select(BomLineRow.quantity).where(
                    BomLineRow.parent_id == line.item_id, BomLineRow.child_id == job.item_id
                )
            ) or Decimal(1)
        picked = session.scalar(
            select(func.coalesce(func.sum(PickRow.quantity), 0)).where(
                PickRow.order_line_id == line.id, PickRow.item_id == job.item_id
            )
        )
        return max(line.quantity * per - Decimal(picked or 0), Decimal(0))

    # -- writes -------------------------------------------------------------------------------

    def add_job(
        self,
        *,
        sku: str,
        supplier: str,
        process: str | None,
        quantity: Decimal,
        reason: str,
        start: date,
        finish: date,
        deliver_to: str | None = None,
    ) -> int:
        """A planned job for stock (no order) of ``sku`` at ``supplier``, delivering to the
        warehouse ``deliver_to`` (a code; None: the first warehouse); its id."""
        item_id = self.session.scalar(select(ItemRow.id).where(ItemRow.sku == sku))
        if item_id is None:
            raise NotFound(f"unknown item {sku!r}")
        supplier_id = self.session.scalar(
            select(SupplierRow.id).where(SupplierRow.code == supplier)
        )
        if supplier_id is None:
            raise NotFound(f"unknown supplier {supplier!r}")
        deliver_to_id = None
        if deliver_to is not None:
            deliver_to_id = self.session.scalar(
                select(LocationRow.id).where(
                    LocationRow.code == deliver_to,
                    LocationRow.kind == LocationKind.WAREHOUSE.value,
                )
            )
            if deliver_to_id is None:
                raise NotFound(f"unknown warehouse {deliver_to!r}")
        row = ProductionJobRow(
            deliver_to_id=deliver_to_id,
            item_id=item_id,
            supplier_id=supplier_id,
            process=process,
            quantity=quantity,
            reason=reason,
            status=JobStatus.PLANNED.value,
            planned_start=start,
            planned_finish=finish,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def update(self, job_id: int, **values: Any) -> None:
        """Store new values of a job's columns (status, dates, quantities)."""
        self.session.execute(
            update(ProductionJobRow).where(ProductionJobRow.id == job_id).values(**values)
        )

    def add_event(
        self,
        job_id: int,
        kind: str,
        status: JobStatus,
        *,
        at: datetime,
        step: str | None = None,
        quantity: Decimal | None = None,
        scrap: Decimal | None = None,
        days: int | None = None,
        note: str = "",
    ) -> None:
        self.session.add(
            JobEventRow(
                job_id=job_id,
                kind=kind,
                status=status.value,
                step=step,
                quantity=quantity,
                scrap=scrap,
                days=days,
                note=note,
                at=at,
                actor=self.actor,
            )
        )
        self.session.flush()

    def add_pick(self, job: JobRecord, location: str, quantity: Decimal) -> None:
        """An open pick of the job's output for its order line, at ``location``."""
        location_id = self.session.scalar(
            select(LocationRow.id).where(LocationRow.code == location)
        )
        self.session.add(
            PickRow(
                order_id=job.order_id,
                order_line_id=job.order_line_id,
                location_id=location_id,
                item_id=job.item_id,
                quantity=quantity,
                status=PickStatus.OPEN.value,
            )
        )
        self.session.flush()


def _record(
    row: ProductionJobRow, sku: str, supplier: str | None, number: str | None, external: str | None
) -> JobRecord:
    return JobRecord(
        id=row.id,
        order_id=row.order_id,
        order=(number or external) if row.order_id is not None else None,
        order_line_id=row.order_line_id,
        item_id=row.item_id,
        sku=sku,
        option=row.option_code,
        value=row.option_value,
        supplier_id=row.supplier_id,
        supplier=supplier,
        process=row.process,
        quantity=row.quantity,
        reason=row.reason,
        status=JobStatus(row.status),
        planned_start=row.planned_start,
        planned_finish=row.planned_finish,
        released_at=row.released_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        finished_quantity=row.finished_quantity,
    )
