"""The control tower's reads of inventory: one page of balances filtered and searched in SQL
(a demo of 20,000 items must not load them all), the current plan's ABC-XYZ classes with the
stock behind them, and what one item's chart draws (its weekly demand, its plan record).

A balance line follows :func:`flexchain.adapters.db.stock.reads.balances` (the ``GET /stock``
listing): internal locations only, reservations past their expiry not counted, ``on_order``
what open purchase order lines still bring (at the line's location, or the receiving warehouse
for a line that names none), and a line for stock only on order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select, union
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from flexchain.adapters.db.stock.locks import ACTIVE
from flexchain.adapters.db.tables import (
    DemandHistoryRow,
    ItemRow,
    LocationRow,
    PlanItemRow,
    PurchaseOrderLineRow,
    ReservationRow,
    SalesOrderLineRow,
    SalesOrderRow,
    ShopRow,
    StockBalanceRow,
)
from flexchain.domain.orders import OrderStatus
from flexchain.domain.purchasing import POStatus
from flexchain.domain.stock import INTERNAL_KINDS, LocationKind

__all__ = [
    "BalanceFilter",
    "BalanceLine",
    "ClassRow",
    "InventoryViewsStore",
    "ItemFacts",
]

_INTERNAL = sorted(kind.value for kind in INTERNAL_KINDS)
_STOCKING = ("warehouse", "factory")
_ZERO = Decimal(0)


@dataclass(frozen=True)
class BalanceFilter:
    text: str | None = None
    location: str | None = None
    kind: str | None = None
    abc: str | None = None
    xyz: str | None = None
    run_id: int | None = None
    """The plan whose classes ``abc`` and ``xyz`` filter by."""
    sku: str | None = None
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class BalanceLine:
    sku: str
    item_name: str
    location: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    in_transit: Decimal
    on_order: Decimal
    uom: str
    unit_cost: Decimal | None
    currency: str


@dataclass(frozen=True)
class ClassRow:
    """One buffer of a plan at its home location: its classes and the stock it holds."""

    abc: str | None
    xyz: str | None
    on_hand: Decimal
    unit_cost: Decimal | None
    currency: str


@dataclass(frozen=True)
class ItemFacts:
    id: int
    sku: str
    name: str
    uom: str
    kind: str


def _class_of(letter: str) -> ColumnElement[Any]:
    """The plan record's ``explanation.forecast.<letter>`` (``abc`` or ``xyz``) as text."""
    return PlanItemRow.explanation[("forecast", letter)].as_string()


class InventoryViewsStore:
    """Reads of inventory within a unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- balances ----------------------------------------------------------------------------

    def _receiving_id(self) -> int | None:
        """The receiving warehouse (the first by code) of lines that name no location."""
        return self.session.scalar(
            select(LocationRow.id)
            .where(LocationRow.kind == LocationKind.WAREHOUSE.value)
            .order_by(LocationRow.code)
            .limit(1)
        )

    @staticmethod
    def _open_lines(receiving: int | None) -> tuple[ColumnElement[Any], list[ColumnElement[bool]]]:
        """Where an open line's goods are expected (its location, else the receiving
        warehouse), and the conditions of a line still to come."""
        line = PurchaseOrderLineRow
        where = func.coalesce(line.location_id, literal(receiving))
        return where, [
            line.status == POStatus.OPEN.value,
            line.received_quantity < line.quantity,
            where.is_not(None),
        ]

    def _keys(self, receiving: int | None) -> Any:
        """(item, location) of every balance with stock, reserved or in transit, and of every
        open purchase order line still to come."""
        balance = StockBalanceRow
        held = select(balance.item_id, balance.location_id).where(
            or_(balance.on_hand != 0, balance.reserved != 0, balance.in_transit != 0)
        )
        where, still_to_come = self._open_lines(receiving)
        coming = select(PurchaseOrderLineRow.item_id, where).where(*still_to_come)
        return union(held, coming).subquery("keys")

    def balance_page(
        self, wanted: BalanceFilter, *, now: datetime
    ) -> tuple[int, list[BalanceLine]]:
        """How many balance lines match, and the page of them (by SKU, then location)."""
        session = self.session
        receiving = self._receiving_id()
        keys = self._keys(receiving)
        conditions: list[ColumnElement[bool]] = [LocationRow.kind.in_(_INTERNAL)]
        if wanted.text:
            conditions.append(
                or_(
                    ItemRow.sku.icontains(wanted.text, autoescape=True),
                    ItemRow.name.icontains(wanted.text, autoescape=True),
                )
            )
        if wanted.sku:
            conditions.append(ItemRow.sku == wanted.sku)
        if wanted.location:
            conditions.append(LocationRow.code == wanted.location)
        if wanted.kind:
            conditions.append(ItemRow.kind == wanted.kind)
        if (wanted.abc or wanted.xyz) and wanted.run_id is not None:
            record = select(PlanItemRow.item_id).where(
                PlanItemRow.run_id == wanted.run_id, PlanItemRow.location == ""
            )
            if wanted.abc:
                record = record.where(_class_of("abc") == wanted.abc)
            if wanted.xyz:
                record = record.where(_class_of("xyz") == wanted.xyz)
            conditions.append(ItemRow.id.in_(record))

        def joined(query: Select[Any]) -> Select[Any]:
            return (
                query.select_from(keys)
                .join(ItemRow, ItemRow.id == keys.c.item_id)
                .join(LocationRow, LocationRow.id == keys.c.location_id)
                .where(*conditions)
            )

        total = session.scalar(joined(select(func.count()))) or 0
        expired = self._expired(now)
        query = (
            joined(
                select(
                    keys.c.item_id,
                    keys.c.location_id,
                    ItemRow.sku,
                    ItemRow.name,
                    ItemRow.uom,
                    ItemRow.standard_cost,
                    ItemRow.currency,
                    LocationRow.code,
                    StockBalanceRow.on_hand,
                    StockBalanceRow.reserved,
                    StockBalanceRow.in_transit,
                    expired.c.quantity,
                )
            )
            .outerjoin(
                StockBalanceRow,
                and_(
                    StockBalanceRow.item_id == keys.c.item_id,
                    StockBalanceRow.location_id == keys.c.location_id,
                ),
            )
            .outerjoin(
                expired,
                and_(
                    expired.c.item_id == keys.c.item_id,
                    expired.c.location_id == keys.c.location_id,
                ),
            )
            .order_by(ItemRow.sku, LocationRow.code)
            .offset(wanted.offset)
            .limit(wanted.limit)
        )
        rows = session.execute(query).all()
        ordered = self._on_order({row.item_id for row in rows}, receiving)
        return total, [self._line(row, ordered) for row in rows]

    def _expired(self, now: datetime) -> Any:
        reservation = ReservationRow
        return (
            select(
                reservation.item_id,
                reservation.location_id,
                func.sum(reservation.quantity).label("quantity"),
            )
            .where(
                reservation.status == ACTIVE,
                reservation.expires_at.is_not(None),
                reservation.expires_at <= now,
            )
            .group_by(reservation.item_id, reservation.location_id)
            .subquery("expired")
        )

    @staticmethod
    def _line(row: Any, ordered: dict[tuple[int, int], Decimal]) -> BalanceLine:
        on_hand = row.on_hand if row.on_hand is not None else _ZERO
        reserved = (row.reserved if row.reserved is not None else _ZERO) - (row.quantity or _ZERO)
        return BalanceLine(
            sku=row.sku,
            item_name=row.name,
            location=row.code,
            on_hand=on_hand,
            reserved=reserved,
            available=on_hand - reserved,
            in_transit=row.in_transit if row.in_transit is not None else _ZERO,
            on_order=ordered.get((row.item_id, row.location_id), _ZERO),
            uom=row.uom,
            unit_cost=row.standard_cost,
            currency=row.currency,
        )

    def _on_order(self, items: set[int], receiving: int | None) -> dict[tuple[int, int], Decimal]:
        """What open lines of ``items`` still bring, by (item id, location id)."""
        if not items:
            return {}
        line = PurchaseOrderLineRow
        where, still_to_come = self._open_lines(receiving)
        found: dict[tuple[int, int], Decimal] = {}
        for item_id, location_id, quantity, received in self.session.execute(
            select(line.item_id, where, line.quantity, line.received_quantity).where(
                *still_to_come, line.item_id.in_(items)
            )
        ):
            key = (item_id, location_id)
            found[key] = found.get(key, _ZERO) + quantity - received
        return found

    def locations(self) -> list[str]:
        """The codes of the internal locations, sorted."""
        return list(
            self.session.scalars(
                select(LocationRow.code)
                .where(LocationRow.kind.in_(_INTERNAL))
                .order_by(LocationRow.code)
            )
        )

    def item_kinds(self) -> list[str]:
        return list(self.session.scalars(select(ItemRow.kind).distinct().order_by(ItemRow.kind)))

    # -- classes -----------------------------------------------------------------------------

    def classes(self, run_id: int) -> list[ClassRow]:
        """Every home buffer of plan ``run_id`` with its ABC and XYZ class, the units on hand
        at internal locations and the item's standard cost."""
        balance = StockBalanceRow
        stock = (
            select(balance.item_id, func.sum(balance.on_hand).label("on_hand"))
            .join(LocationRow, LocationRow.id == balance.location_id)
            .where(LocationRow.kind.in_(_INTERNAL))
            .group_by(balance.item_id)
            .subquery("stock")
        )
        query = (
            select(
                _class_of("abc"),
                _class_of("xyz"),
                stock.c.on_hand,
                ItemRow.standard_cost,
                ItemRow.currency,
            )
            .select_from(PlanItemRow)
            .join(ItemRow, ItemRow.id == PlanItemRow.item_id)
            .outerjoin(stock, stock.c.item_id == PlanItemRow.item_id)
            .where(PlanItemRow.run_id == run_id, PlanItemRow.location == "")
        )
        return [
            ClassRow(abc, xyz, units if units is not None else _ZERO, cost, currency)
            for abc, xyz, units, cost, currency in self.session.execute(query)
        ]

    # -- one item ----------------------------------------------------------------------------

    def item(self, sku: str) -> ItemFacts | None:
        row = self.session.execute(
            select(ItemRow.id, ItemRow.sku, ItemRow.name, ItemRow.uom, ItemRow.kind).where(
                ItemRow.sku == sku
            )
        ).one_or_none()
        return None if row is None else ItemFacts(*row)

    def buffer_codes(self) -> tuple[str, dict[int, str]]:
        """The home location's code and each stocking location's buffer code (``""`` for home),
        as the planning snapshot names them (:func:`flexchain.adapters.db.plans._locations`)."""
        rows = self.session.execute(
            select(LocationRow.id, LocationRow.code, LocationRow.kind)
            .where(LocationRow.kind.in_(_STOCKING))
            .order_by(LocationRow.code)
        ).all()
        homes = [code for _, code, kind in rows if kind == "warehouse"] or [c for _, c, _ in rows]
        home = homes[0] if homes else ""
        return home, {id_: "" if code == home else code for id_, code, _ in rows}

    def imported_demand(
        self, item_id: int, since: date, before: date
    ) -> list[tuple[int, date, Decimal]]:
        """(location id, week, quantity) of the item's imported demand history in the window."""
        row = DemandHistoryRow
        return [
            (location, week, quantity)
            for location, week, quantity in self.session.execute(
                select(row.location_id, row.period_start, row.quantity).where(
                    row.item_id == item_id, row.period_start >= since, row.period_start < before
                )
            )
        ]

    def sales(self, item_id: int) -> list[tuple[int | None, datetime, Decimal]]:
        """(shop's warehouse, order time, units) of the item's order lines, orders not
        cancelled (the order time the store's, else when it was received)."""
        line, order = SalesOrderLineRow, SalesOrderRow
        return [
            (location, order_time or created, quantity)
            for location, order_time, created, quantity in self.session.execute(
                select(
                    ShopRow.warehouse_id, order.external_created_at, order.created_at, line.quantity
                )
                .join(order, order.id == line.order_id)
                .outerjoin(ShopRow, ShopRow.id == order.shop_id)
                .where(
                    line.item_id == item_id,
                    order.status != OrderStatus.CANCELLED.value,
                    line.quantity > 0,
                )
            )
        ]
