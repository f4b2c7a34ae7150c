"""The read side of the plans store: stored runs, their planned orders, exceptions, inputs and
item records, for ``plan show/export/diff/explain`` (in the caller's unit of work)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from flexchain.adapters.db.tables import (
    BomLineRow,
    ItemRow,
    PlanExceptionRow,
    PlanInputRow,
    PlanItemRow,
    PlanOrderRow,
    PlanRunRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.planning.plan_record import ItemRecord
from flexchain.planning.run import PlanRunStatus

__all__ = [
    "PlanRun",
    "StoredException",
    "StoredOrder",
    "bom_links",
    "current_run",
    "exceptions_of",
    "inputs_of",
    "items_of",
    "orders_of",
    "previous_run",
    "recent_runs",
    "run_of",
    "runs_count",
    "skus",
]


@dataclass(frozen=True)
class PlanRun:
    """A recorded planning run."""

    id: int
    status: PlanRunStatus
    started_at: datetime
    finished_at: datetime | None
    period_start: date
    horizon: int
    actor: str
    error: str | None
    stats: dict[str, Any]


@dataclass(frozen=True)
class StoredOrder:
    number: int
    item_id: int
    kind: str
    release_date: date
    due_date: date
    quantity: Decimal
    pegs: list[list[str]]
    location: str = ""
    from_location: str | None = None


@dataclass(frozen=True)
class StoredException:
    item_id: int
    kind: str
    period_date: date
    message: str
    location: str = ""


def run_of(row: PlanRunRow) -> PlanRun:
    """A stored run's row as :class:`PlanRun`."""
    return PlanRun(
        row.id,
        PlanRunStatus(row.status),
        row.started_at,
        row.finished_at,
        row.period_start,
        row.horizon,
        row.actor,
        row.error,
        dict(row.stats or {}),
    )


# --- stored runs, for the reports --------------------------------------------------------------


def current_run(uow: UnitOfWork, run_id: int | None = None) -> PlanRun | None:
    """The given complete run, or the newest complete one; None if there is none."""
    query = select(PlanRunRow).where(PlanRunRow.status == PlanRunStatus.COMPLETE.value)
    if run_id is not None:
        query = query.where(PlanRunRow.id == run_id)
    row = uow.session.scalars(query.order_by(PlanRunRow.id.desc()).limit(1)).first()
    return None if row is None else run_of(row)


def previous_run(uow: UnitOfWork, run_id: int) -> PlanRun | None:
    """The newest complete run before ``run_id``."""
    row = uow.session.scalars(
        select(PlanRunRow)
        .where(PlanRunRow.status == PlanRunStatus.COMPLETE.value, PlanRunRow.id < run_id)
        .order_by(PlanRunRow.id.desc())
        .limit(1)
    ).first()
    return None if row is None else run_of(row)


def recent_runs(uow: UnitOfWork, *, offset: int = 0, limit: int = 20) -> list[PlanRun]:
    """Recorded runs of every status, newest first: ``limit`` of them from ``offset``."""
    rows = uow.session.scalars(
        select(PlanRunRow).order_by(PlanRunRow.id.desc()).offset(offset).limit(limit)
    )
    return [run_of(row) for row in rows]


def recorded_run(uow: UnitOfWork, run_id: int) -> PlanRun | None:
    """Run ``run_id`` as recorded, whatever its status (None: no such run)."""
    row = uow.session.get(PlanRunRow, run_id)
    return None if row is None else run_of(row)


def runs_count(uow: UnitOfWork) -> int:
    """How many runs are recorded."""
    return int(uow.session.scalar(select(func.count()).select_from(PlanRunRow)) or 0)


def skus(uow: UnitOfWork) -> dict[int, str]:
    """Item id -> SKU of every item."""
    return dict(uow.session.execute(select(ItemRow.id, ItemRow.sku)).all())


def item_id_of(uow: UnitOfWork, sku: str) -> int | None:
    """The id of the item ``sku`` (None: no such item)."""
    return uow.session.scalar(select(ItemRow.id).where(ItemRow.sku == sku))


def orders_of(uow: UnitOfWork, run_id: int, item_id: int | None = None) -> list[StoredOrder]:
    """The planned orders of a run (of one item), by number."""
    wanted = select(PlanOrderRow).where(PlanOrderRow.run_id == run_id)
    if item_id is not None:
        wanted = wanted.where(PlanOrderRow.item_id == item_id)
    return [
        StoredOrder(
            row.number,
            row.item_id,
            row.kind,
            row.release_date,
            row.due_date,
            row.quantity,
            row.pegs,
            row.location,
            row.from_location,
        )
        for row in uow.session.scalars(wanted.order_by(PlanOrderRow.number))
    ]


def exceptions_of(uow: UnitOfWork, run_id: int) -> list[StoredException]:
    """The exceptions of a run, in the order they were written."""
    return [
        StoredException(row.item_id, row.kind, row.period_date, row.message, row.location)
        for row in uow.session.scalars(
            select(PlanExceptionRow)
            .where(PlanExceptionRow.run_id == run_id)
            .order_by(PlanExceptionRow.id)
        )
    ]


def inputs_of(uow: UnitOfWork, run_id: int) -> dict[int, dict[str, str]]:
    """Item id -> the inputs a run recorded for it."""
    return {
        row.item_id: row.values
        for row in uow.session.scalars(select(PlanInputRow).where(PlanInputRow.run_id == run_id))
    }


def bom_links(uow: UnitOfWork) -> list[tuple[int, int]]:
    """(parent id, child id) of every BOM line."""
    return [
        (parent, child)
        for parent, child in uow.session.execute(
            select(BomLineRow.parent_id, BomLineRow.child_id)
        ).all()
    ]


def items_of(uow: UnitOfWork, run_id: int, item_id: int) -> list[ItemRecord]:
    """What run ``run_id`` recorded of one item, per location (home first)."""
    rows = uow.session.scalars(
        select(PlanItemRow)
        .where(PlanItemRow.run_id == run_id, PlanItemRow.item_id == item_id)
        .order_by(PlanItemRow.location)
    )
    return [
        ItemRecord(
            row.item_id,
            row.location,
            row.model,
            row.default_model,
            row.mase,
            row.wape,
            row.bias,
            row.safety_stock,
            row.reorder_point,
            row.order_quantity,
            row.days_of_cover,
            dict(row.explanation or {}),
        )
        for row in rows
    ]
