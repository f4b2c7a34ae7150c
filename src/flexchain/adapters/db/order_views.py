"""The control tower's read of the order book: one page of orders filtered (status, shop, order
dates, late, with issues reported) and searched (order reference, customer, SKU) in SQL, with
the total that match; each order with how many issues were reported on it (``order_issues``).

An order is **late** when it has a promise date and either is still open (received, reserved,
in production, ready) after that day, or was shipped on a later day (UTC). Cancelled orders are
never late. The rule is :func:`late_condition`, the one the filter and the flag both use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from flexchain.adapters.db.dialect import is_postgresql
from flexchain.adapters.db.tables import ItemRow, SalesOrderLineRow, SalesOrderRow, ShopRow
from flexchain.adapters.db.tables.loop import OrderIssueRow
from flexchain.domain.orders import OPEN_STATUSES

__all__ = ["OrderFilter", "OrderRow", "OrderViewsStore", "late_condition"]


@dataclass(frozen=True)
class OrderFilter:
    """What one page of the order book shows: every field optional but the paging."""

    status: str | None = None
    shop: str | None = None
    since: date | None = None
    until: date | None = None
    late: bool | None = None
    text: str | None = None
    offset: int = 0
    issues: bool | None = None
    """``True``: only orders with an issue reported; ``False``: only those without."""
    limit: int = 50


@dataclass(frozen=True)
class OrderRow:
    id: int
    number: str
    external_id: str
    shop: str | None
    status: str
    customer_email: str
    currency: str
    total: Decimal
    ordered_at: datetime
    promise_date: date | None
    shipped_at: datetime | None
    late: bool
    lines: int
    issues: int = 0
    """How many issues were reported on it (damaged, wrong customisation, ...)."""


def _shipped_day(session: Session) -> ColumnElement[Any]:
    """The UTC day an order was shipped (SQLite keeps UTC text; PostgreSQL converts)."""
    if is_postgresql(session):
        return cast(func.timezone("UTC", SalesOrderRow.shipped_at), Date)
    return func.date(SalesOrderRow.shipped_at)


def late_condition(session: Session, today: date) -> ColumnElement[bool]:
    """Open past its promise day, or shipped on a later day (module docstring)."""
    order = SalesOrderRow
    return and_(
        order.promise_date.is_not(None),
        or_(
            and_(order.status.in_(sorted(OPEN_STATUSES)), order.promise_date < today),
            and_(order.shipped_at.is_not(None), _shipped_day(session) > order.promise_date),
        ),
    )


def _ordered_at() -> ColumnElement[Any]:
    return func.coalesce(SalesOrderRow.external_created_at, SalesOrderRow.created_at)


class OrderViewsStore:
    """Reads of the order book within a unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def shops(self) -> list[str]:
        """The domains of the shops that have orders, sorted."""
        return list(
            self.session.scalars(
                select(ShopRow.domain)
                .where(exists().where(SalesOrderRow.shop_id == ShopRow.id))
                .order_by(ShopRow.domain)
            )
        )

    def _conditions(self, wanted: OrderFilter, today: date) -> list[ColumnElement[bool]]:
        order, ordered_at = SalesOrderRow, _ordered_at()
        found: list[ColumnElement[bool]] = []
        if wanted.status:
            found.append(order.status == wanted.status)
        if wanted.shop:
            domain = select(ShopRow.id).where(ShopRow.domain == wanted.shop).scalar_subquery()
            found.append(order.shop_id == domain)
        if wanted.since:
            found.append(ordered_at >= datetime.combine(wanted.since, time(), UTC))
        if wanted.until:  # the whole last day
            after = wanted.until + timedelta(days=1)
            found.append(ordered_at < datetime.combine(after, time(), UTC))
        if wanted.late is not None:
            late = late_condition(self.session, today)
            found.append(late if wanted.late else ~late)
        if wanted.text:
            found.append(self._matching(wanted.text))
        if wanted.issues is not None:
            reported = exists().where(OrderIssueRow.order_id == order.id)
            found.append(reported if wanted.issues else ~reported)
        return found

    def _matching(self, text: str) -> ColumnElement[bool]:
        """The order's number, store id or customer e-mail holds ``text``, or one of its lines'
        SKUs does (case-insensitive; ``%`` and ``_`` are plain characters)."""
        order, line = SalesOrderRow, SalesOrderLineRow
        by_sku = exists().where(
            line.order_id == order.id,
            line.item_id == ItemRow.id,
            ItemRow.sku.icontains(text, autoescape=True),
        )
        return or_(
            order.number.icontains(text, autoescape=True),
            order.external_id.icontains(text, autoescape=True),
            order.customer_email.icontains(text, autoescape=True),
            by_sku,
        )

    def page(self, wanted: OrderFilter, *, today: date) -> tuple[int, list[OrderRow]]:
        """How many orders match, and the page of them (newest first)."""
        session, order = self.session, SalesOrderRow
        conditions = self._conditions(wanted, today)
        total = session.scalar(select(func.count(order.id)).where(*conditions)) or 0
        late = case((late_condition(session, today), True), else_=False)
        query = (
            select(order, ShopRow.domain, late)
            .outerjoin(ShopRow, ShopRow.id == order.shop_id)
            .where(*conditions)
            .order_by(_ordered_at().desc(), order.id.desc())
            .offset(wanted.offset)
            .limit(wanted.limit)
        )
        found = session.execute(query).all()
        ids = [row[0].id for row in found]
        counts, issues = self._line_counts(ids), self._issue_counts(ids)
        return total, [
            OrderRow(
                row.id,
                row.number,
                row.external_id,
                domain,
                row.status,
                row.customer_email,
                row.currency,
                row.total,
                row.external_created_at or row.created_at,
                row.promise_date,
                row.shipped_at,
                bool(is_late),
                counts.get(row.id, 0),
                issues.get(row.id, 0),
            )
            for row, domain, is_late in found
        ]

    def _line_counts(self, ids: list[int]) -> dict[int, int]:
        if not ids:
            return {}
        line = SalesOrderLineRow
        return dict(
            self.session.execute(  # type: ignore[arg-type]
                select(line.order_id, func.count(line.id))
                .where(line.order_id.in_(ids), line.quantity > 0)
                .group_by(line.order_id)
            ).all()
        )

    def _issue_counts(self, ids: list[int]) -> dict[int, int]:
        if not ids:
            return {}
        issue = OrderIssueRow
        return dict(
            self.session.execute(  # type: ignore[arg-type]
                select(issue.order_id, func.count(issue.id))
                .where(issue.order_id.in_(ids))
                .group_by(issue.order_id)
            ).all()
        )

    def is_late(self, order_id: int, *, today: date) -> bool:
        """Whether one order is late by :func:`late_condition`."""
        return bool(
            self.session.scalar(
                select(func.count(SalesOrderRow.id)).where(
                    SalesOrderRow.id == order_id, late_condition(self.session, today)
                )
            )
        )
