"""The order issues store: every statement of ``order_issues`` (what went wrong with an order
that reached the customer) and the order lines a report is checked against.

Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import ItemRow, SalesOrderLineRow, SalesOrderRow
from flexchain.adapters.db.tables.loop import OrderIssueRow

__all__ = ["IssueRecord", "LineRecord", "SqlOrderIssueStore"]


@dataclass(frozen=True)
class IssueRecord:
    """A stored issue with the names a person knows its order and line by."""

    id: int
    order_id: int
    order: str
    line_id: int | None
    sku: str | None
    kind: str
    quantity: Decimal | None
    note: str
    reported_at: datetime
    reported_by: str


@dataclass(frozen=True)
class LineRecord:
    line_id: int
    sku: str
    quantity: Decimal


def _order_name() -> Any:
    """The order's number, or the store's order id when it has none."""
    return func.coalesce(func.nullif(SalesOrderRow.number, ""), SalesOrderRow.external_id)


def _query() -> Select[Any]:
    return (
        select(OrderIssueRow, _order_name(), ItemRow.sku)
        .join(SalesOrderRow, SalesOrderRow.id == OrderIssueRow.order_id)
        .outerjoin(SalesOrderLineRow, SalesOrderLineRow.id == OrderIssueRow.line_id)
        .outerjoin(ItemRow, ItemRow.id == SalesOrderLineRow.item_id)
    )


def _record(row: OrderIssueRow, order: str, sku: str | None) -> IssueRecord:
    return IssueRecord(
        id=row.id,
        order_id=row.order_id,
        order=order,
        line_id=row.line_id,
        sku=sku,
        kind=row.kind,
        quantity=row.quantity,
        note=row.note or "",
        reported_at=row.reported_at,
        reported_by=row.reported_by,
    )


class SqlOrderIssueStore:
    """Reads and writes of order issues within a unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_order(self, order_id: int) -> None:
        """Lock the order's row until the unit of work ends, so two reports on the same line
        at once are checked one after the other (PostgreSQL; SQLite has one writer anyway)."""
        self.session.execute(
            select(SalesOrderRow.id).where(SalesOrderRow.id == order_id).with_for_update()
        )

    def lines(self, order_id: int) -> list[LineRecord]:
        """The order's lines that hold units (a line taken off the order has none), by id."""
        rows = self.session.execute(
            select(SalesOrderLineRow.id, ItemRow.sku, SalesOrderLineRow.quantity)
            .join(ItemRow, ItemRow.id == SalesOrderLineRow.item_id)
            .where(SalesOrderLineRow.order_id == order_id, SalesOrderLineRow.quantity > 0)
            .order_by(SalesOrderLineRow.id)
        )
        return [LineRecord(line_id, sku, quantity) for line_id, sku, quantity in rows]

    def of_order(self, order_id: int) -> list[IssueRecord]:
        """The order's issues, oldest first."""
        query = _query().where(OrderIssueRow.order_id == order_id)
        rows = self.session.execute(query.order_by(OrderIssueRow.reported_at, OrderIssueRow.id))
        return [_record(*row) for row in rows]

    def get(self, issue_id: int) -> IssueRecord | None:
        row = self.session.execute(_query().where(OrderIssueRow.id == issue_id)).one_or_none()
        return None if row is None else _record(*row)

    def add(
        self,
        *,
        order_id: int,
        line_id: int | None,
        kind: str,
        quantity: Decimal | None,
        note: str,
        reported_at: datetime,
        reported_by: str,
    ) -> int:
        row = OrderIssueRow(
            order_id=order_id,
            line_id=line_id,
            kind=kind,
            quantity=quantity,
            note=note,
            reported_at=reported_at,
            reported_by=reported_by,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def remove(self, issue_id: int) -> None:
        self.session.execute(delete(OrderIssueRow).where(OrderIssueRow.id == issue_id))

    def page(
        self,
        *,
        since: datetime | None,
        before: datetime | None,
        kind: str | None,
        offset: int,
        limit: int | None,
    ) -> tuple[int, list[IssueRecord]]:
        """How many issues match, and the page of them (newest first): reported at or after
        ``since`` and before ``before``, of ``kind``."""
        conditions = []
        if since is not None:
            conditions.append(OrderIssueRow.reported_at >= since)
        if before is not None:
            conditions.append(OrderIssueRow.reported_at < before)
        if kind is not None:
            conditions.append(OrderIssueRow.kind == kind)
        total = self.session.scalar(
            select(func.count()).select_from(OrderIssueRow).where(*conditions)
        )
        query = _query().where(*conditions)
        query = query.order_by(OrderIssueRow.reported_at.desc(), OrderIssueRow.id.desc())
        rows = self.session.execute(query.offset(offset).limit(limit))
        return int(total or 0), [_record(*row) for row in rows]

    def counts(self, order_ids: Iterable[int]) -> dict[int, int]:
        """How many issues each of ``order_ids`` has (orders without any are left out)."""
        ids = sorted(set(order_ids))
        if not ids:
            return {}
        rows = self.session.execute(
            select(OrderIssueRow.order_id, func.count())
            .where(OrderIssueRow.order_id.in_(ids))
            .group_by(OrderIssueRow.order_id)
        )
        return {order_id: int(count) for order_id, count in rows}
