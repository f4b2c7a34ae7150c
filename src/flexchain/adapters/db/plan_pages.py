"""Pages of a stored plan: its planned orders and exceptions filtered (kind, part of a SKU),
counted and paged in SQL, so a page of 50 reads 50 rows however large the plan is (the Plan
page, ``GET /plan/orders``, ``GET /plan/exceptions``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from flexchain.adapters.db.plan_reads import StoredException, StoredOrder
from flexchain.adapters.db.tables import ItemRow, PlanExceptionRow, PlanOrderRow
from flexchain.adapters.db.uow import UnitOfWork

__all__ = [
    "exception_count",
    "exception_page",
    "order_count",
    "order_kinds",
    "order_page",
]


def _matching_items(sku: str) -> Select[Any]:
    """The ids of the items whose SKU contains ``sku``, case-insensitive (``%`` and ``_``
    are plain characters)."""
    return select(ItemRow.id).where(func.upper(ItemRow.sku).contains(sku.upper(), autoescape=True))


def _where(table: Any, run_id: int, kind: str | None, sku: str | None) -> list[ColumnElement[bool]]:
    wanted: list[ColumnElement[bool]] = [table.run_id == run_id]
    if kind:
        wanted.append(table.kind == kind)
    if sku:
        wanted.append(table.item_id.in_(_matching_items(sku)))
    return wanted


def _skus(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        uow.session.execute(select(ItemRow.id, ItemRow.sku).where(ItemRow.id.in_(ids))).all()
    )


def order_page(
    uow: UnitOfWork,
    run_id: int,
    *,
    kind: str | None = None,
    sku: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[tuple[StoredOrder, str]]:
    """The planned orders of run ``run_id`` (of one kind, of the SKUs containing ``sku``) by
    number: ``limit`` of them from ``offset``, each with its item's SKU."""
    rows = list(
        uow.session.scalars(
            select(PlanOrderRow)
            .where(*_where(PlanOrderRow, run_id, kind, sku))
            .order_by(PlanOrderRow.number)
            .offset(offset)
            .limit(limit)
        )
    )
    skus = _skus(uow, {row.item_id for row in rows})
    return [
        (
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
            ),
            skus[row.item_id],
        )
        for row in rows
    ]


def order_count(
    uow: UnitOfWork, run_id: int, *, kind: str | None = None, sku: str | None = None
) -> int:
    """How many planned orders :func:`order_page` pages through."""
    query = select(func.count(PlanOrderRow.id)).where(*_where(PlanOrderRow, run_id, kind, sku))
    return int(uow.session.scalar(query) or 0)


def order_kinds(uow: UnitOfWork, run_id: int) -> dict[str, int]:
    """Kind -> how many planned orders of that kind run ``run_id`` has."""
    rows = uow.session.execute(
        select(PlanOrderRow.kind, func.count(PlanOrderRow.id))
        .where(PlanOrderRow.run_id == run_id)
        .group_by(PlanOrderRow.kind)
    ).all()
    return {kind: int(count) for kind, count in rows}


def exception_page(
    uow: UnitOfWork,
    run_id: int,
    *,
    kind: str | None = None,
    sku: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[tuple[StoredException, str]]:
    """The exceptions of run ``run_id`` (of one kind, of the SKUs containing ``sku``) in the
    order they were written: ``limit`` of them from ``offset``, each with its item's SKU."""
    rows = list(
        uow.session.scalars(
            select(PlanExceptionRow)
            .where(*_where(PlanExceptionRow, run_id, kind, sku))
            .order_by(PlanExceptionRow.id)
            .offset(offset)
            .limit(limit)
        )
    )
    skus = _skus(uow, {row.item_id for row in rows})
    return [
        (
            StoredException(row.item_id, row.kind, row.period_date, row.message, row.location),
            skus[row.item_id],
        )
        for row in rows
    ]


def exception_count(
    uow: UnitOfWork, run_id: int, *, kind: str | None = None, sku: str | None = None
) -> int:
    """How many exceptions :func:`exception_page` pages through."""
    query = select(func.count(PlanExceptionRow.id)).where(
        *_where(PlanExceptionRow, run_id, kind, sku)
    )
    return int(uow.session.scalar(query) or 0)
