"""The read side of orders: find one by any reference, list them, everything ``orders show``
and the tracking page show, and what shipping an order reads (its open picks) and writes (the
picks done, the customer location on first use).

The write side of intake is :mod:`flexchain.adapters.db.orders.upserts`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import (
    BomLineRow,
    ItemRow,
    ItemSupplierRow,
    LocationRow,
    OrderEventRow,
    PickRow,
    ProductionJobRow,
    ReservationRow,
    SalesOrderLineRow,
    SalesOrderRow,
    ShopRow,
    SupplierRow,
)
from flexchain.domain.orders import JobStatus, PickStatus

__all__ = [
    "OpenPick",
    "OrderContents",
    "OrderViews",
    "StageDates",
    "StoredOrder",
    "StoredOrderLine",
]

StoredOrder = SalesOrderRow
"""An order as stored (what the lifecycle changes and fulfilment releases)."""
StoredOrderLine = SalesOrderLineRow


@dataclass(frozen=True)
class StageDates:
    planned: date | None
    actual: datetime | None


@dataclass(frozen=True)
class OrderContents:
    """Everything stored about one order, with the codes its rows refer to by id."""

    shop: str | None
    lines: list[SalesOrderLineRow]
    reservations: list[ReservationRow]
    picks: list[PickRow]
    jobs: list[ProductionJobRow]
    skus: dict[int, str]
    locations: dict[int, str]
    suppliers: dict[int, str]
    unsourced: list[str] = field(default_factory=list)
    """SKUs of its backordered lines of a bought product no supplier sells
    (:func:`unsourced_lines_of`)."""


@dataclass(frozen=True)
class OpenPick:
    """A pick not yet shipped, with what the stock move needs."""

    pick: PickRow
    item_id: int
    sku: str
    location: str
    line: SalesOrderLineRow
    quantity: Decimal


def _reservation_prefix(order: SalesOrderRow) -> str:
    return f"so:{order.shop_id or 0}:{order.external_id}:"


class OrderViews:
    """Reads of orders within a unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def matching(self, text: str) -> list[SalesOrderRow]:
        """Orders whose store id or number is ``text`` (``#`` optional), or whose id it is."""
        conditions = [SalesOrderRow.external_id == text, SalesOrderRow.number == text]
        conditions.append(SalesOrderRow.number == f"#{text.lstrip('#')}")
        if text.isdigit() and len(text) < 10:
            conditions.append(SalesOrderRow.id == int(text))
        return list(self.session.scalars(select(SalesOrderRow).where(or_(*conditions))))

    def by_token(self, token: str) -> SalesOrderRow | None:
        return self.session.scalars(
            select(SalesOrderRow).where(SalesOrderRow.tracking_token == token)
        ).one_or_none()

    def version(self, shop_id: int, external_id: str) -> datetime | None:
        """The store's ``updated_at`` of the order as last applied (``None``: not stored)."""
        return self.session.scalar(
            select(SalesOrderRow.external_updated_at).where(
                SalesOrderRow.shop_id == shop_id, SalesOrderRow.external_id == external_id
            )
        )

    def newest(
        self, *, status: str | None, limit: int
    ) -> list[tuple[SalesOrderRow, str | None, int]]:
        """Orders newest first, with their shop's domain and how many lines (quantity > 0)."""
        session = self.session
        query = (
            select(SalesOrderRow, ShopRow.domain)
            .outerjoin(ShopRow, ShopRow.id == SalesOrderRow.shop_id)
            .order_by(SalesOrderRow.id.desc())
            .limit(limit)
        )
        if status:
            query = query.where(SalesOrderRow.status == status)
        found = session.execute(query).all()
        counts: dict[int, int] = {}
        ids = [row.id for row, _ in found]
        if ids:
            for order_id in session.scalars(
                select(SalesOrderLineRow.order_id).where(
                    SalesOrderLineRow.order_id.in_(ids), SalesOrderLineRow.quantity > 0
                )
            ):
                counts[order_id] = counts.get(order_id, 0) + 1
        return [(row, domain, counts.get(row.id, 0)) for row, domain in found]

    def contents(self, order: SalesOrderRow) -> OrderContents:
        """Lines, reservations, picks and jobs of ``order``, each in id order."""
        session = self.session
        skus = dict(session.execute(select(ItemRow.id, ItemRow.sku)).all())
        locations = dict(session.execute(select(LocationRow.id, LocationRow.code)).all())
        suppliers = dict(session.execute(select(SupplierRow.id, SupplierRow.code)).all())
        shop = session.get(ShopRow, order.shop_id) if order.shop_id else None
        lines = list(
            session.scalars(
                select(SalesOrderLineRow)
                .where(SalesOrderLineRow.order_id == order.id)
                .order_by(SalesOrderLineRow.id)
            )
        )
        reservations = session.scalars(
            select(ReservationRow)
            .where(ReservationRow.owner_ref.startswith(_reservation_prefix(order), autoescape=True))
            .order_by(ReservationRow.id)
        )
        picks = session.scalars(
            select(PickRow).where(PickRow.order_id == order.id).order_by(PickRow.id)
        )
        jobs = session.scalars(
            select(ProductionJobRow)
            .where(ProductionJobRow.order_id == order.id)
            .order_by(ProductionJobRow.id)
        )
        return OrderContents(
            shop.domain if shop else None,
            lines,
            list(reservations),
            list(picks),
            list(jobs),
            skus,
            locations,
            suppliers,
            unsourced_lines_of(session, [order.id]).get(order.id, []),
        )

    def stages(self, order_id: int) -> dict[str, StageDates]:
        """The stages ``order_id`` has an event of, with their planned and actual times."""
        return {
            row.stage: StageDates(row.planned_at, row.actual_at)
            for row in self.session.scalars(
                select(OrderEventRow).where(OrderEventRow.order_id == order_id)
            )
        }

    def item_names(self) -> dict[int, str]:
        return dict(self.session.execute(select(ItemRow.id, ItemRow.name)).all())

    def bought_lines(self, order_id: int) -> list[SalesOrderLineRow]:
        """The lines with a quantity (what the customer bought), in id order."""
        return list(
            self.session.scalars(
                select(SalesOrderLineRow)
                .where(SalesOrderLineRow.order_id == order_id, SalesOrderLineRow.quantity > 0)
                .order_by(SalesOrderLineRow.id)
            )
        )

    # --- shipping

    def customer_location(self, default_code: str) -> str:
        """The code of a customer location, ``default_code`` created if there is none."""
        session = self.session
        code = session.scalar(
            select(LocationRow.code).where(LocationRow.kind == "customer").limit(1)
        )
        if code is None:
            session.add(LocationRow(code=default_code, name="Customers", kind="customer"))
            session.flush()
            code = default_code
        return code

    def open_picks(self, order_id: int) -> list[OpenPick]:
        """The open picks of ``order_id`` in (item, location) order, with their lines."""
        session = self.session
        lines = {
            row.id: row
            for row in session.scalars(
                select(SalesOrderLineRow).where(SalesOrderLineRow.order_id == order_id)
            )
        }
        picks = session.execute(
            select(PickRow, ItemRow.sku, LocationRow.code)
            .join(ItemRow, ItemRow.id == PickRow.item_id)
            .join(LocationRow, LocationRow.id == PickRow.location_id)
            .where(PickRow.order_id == order_id, PickRow.status == PickStatus.OPEN.value)
            .order_by(PickRow.item_id, PickRow.location_id)
        ).all()
        return [
            OpenPick(pick, pick.item_id, sku, location, lines[pick.order_line_id], pick.quantity)
            for pick, sku, location in picks
        ]

    def mark_picked(self, picks: Iterable[OpenPick]) -> None:
        """The picks are shipped."""
        for open_pick in picks:
            open_pick.pick.status = PickStatus.DONE.value


def unplaced_jobs(session: Session, order_id: int) -> list[tuple[str, str | None]]:
    """(SKU, process) of the order's open jobs without a supplier, in job order: what no
    capable supplier could take when it was split."""
    return unplaced_jobs_of(session, [order_id]).get(order_id, [])


def unplaced_jobs_of(
    session: Session, order_ids: Iterable[int]
) -> dict[int, list[tuple[str, str | None]]]:
    """:func:`unplaced_jobs` of several orders in one query (an intake batch's views)."""
    wanted = list(order_ids)
    found: dict[int, list[tuple[str, str | None]]] = {}
    if not wanted:
        return found
    for order_id, sku, process in session.execute(  # order_id is set: it is in ``wanted``
        select(ProductionJobRow.order_id, ItemRow.sku, ProductionJobRow.process)
        .join(ItemRow, ItemRow.id == ProductionJobRow.item_id)
        .where(
            ProductionJobRow.order_id.in_(wanted),
            ProductionJobRow.supplier_id.is_(None),
            ProductionJobRow.status.in_([s.value for s in JobStatus if s.is_open]),
        )
        .order_by(ProductionJobRow.id)
    ):
        found.setdefault(cast(int, order_id), []).append((sku, process))
    return found


def unsourced_lines_of(session: Session, order_ids: Iterable[int]) -> dict[int, list[str]]:
    """Per order, the SKUs of its backordered lines of a bought product nobody sells: an item
    without a bill of materials, a process attribute, a default supplier or supplier terms
    (fulfilment gives such an order no promise: ``unsourced_message``)."""
    wanted = list(order_ids)
    if not wanted:
        return {}
    line, item = SalesOrderLineRow, ItemRow
    has_bom = select(BomLineRow.id).where(BomLineRow.parent_id == item.id).exists()
    has_terms = select(ItemSupplierRow.id).where(ItemSupplierRow.item_id == item.id).exists()
    found: dict[int, list[str]] = {}
    for order_id, sku, attributes in session.execute(
        select(line.order_id, item.sku, item.attributes)
        .join(item, item.id == line.item_id)
        .where(
            line.order_id.in_(wanted),
            line.backordered > 0,
            item.default_supplier_id.is_(None),
            ~has_bom,
            ~has_terms,
        )
        .order_by(line.id)
    ):
        if not (attributes or {}).get("process"):  # a process makes it: its job says why
            found.setdefault(order_id, []).append(sku)
    return found
