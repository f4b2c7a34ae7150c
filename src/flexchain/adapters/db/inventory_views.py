"""The control tower's reads of inventory: one page of balances filtered and searched in SQL
(a demo of 20,000 items must not load them all), the current plan's ABC-XYZ classes with the
stock behind them, and what one item's chart draws (its weekly demand, its plan record).

A balance line follows :func:`flexchain.adapters.db.stock.reads.balances` (the ``GET /stock``
listing): internal locations only, reservations past their expiry not counted, ``on_order``
what open purchase order lines still bring (at the line's location, or the receiving warehouse
for a line that names none), and a line for stock only on order.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Engine,
    Select,
    String,
    and_,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from flexchain.adapters.db.stock.locks import ACTIVE
from flexchain.adapters.db.tables import (
    DemandHistoryRow,
    ItemRow,
    LocationRow,
    PlanItemRow,
    PlanRunRow,
    PurchaseOrderLineRow,
    ReservationRow,
    SalesOrderLineRow,
    SalesOrderRow,
    ShopRow,
    StockBalanceRow,
)
from flexchain.adapters.db.types import QTY_SCALE
from flexchain.domain.orders import OrderStatus
from flexchain.domain.purchasing import POStatus
from flexchain.domain.stock import INTERNAL_KINDS, LocationKind

__all__ = [
    "BalanceFilter",
    "BalanceLine",
    "InventoryViewsStore",
    "ItemFacts",
    "StockHeld",
]

_INTERNAL = sorted(kind.value for kind in INTERNAL_KINDS)
_STOCKING = ("warehouse", "factory")
_ZERO = Decimal(0)
_CLASSES: OrderedDict[tuple[str, int, datetime], dict[int, tuple[str, str]]] = OrderedDict()
_CLASSES_KEPT = 4
_IN_LIMIT = 30_000
"""The most item ids a class filter lists in SQL (beyond: the classes are read in SQL)."""


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
class StockHeld:
    """An item's units on hand at internal locations, and its standard cost."""

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
        """(item, location) of every balance with stock, reserved, in transit or still to come
        on an open purchase order line, and of every line still to come where there is no
        balance row: one ``UNION ALL`` of disjoint parts (a ``UNION`` would sort all of them
        to drop duplicates, ten times slower at 20,000 items)."""
        balance, line = StockBalanceRow, PurchaseOrderLineRow
        where, still_to_come = self._open_lines(receiving)
        coming_here = (
            select(line.id)
            .where(*still_to_come, line.item_id == balance.item_id, where == balance.location_id)
            .exists()
        )
        held = select(balance.item_id, balance.location_id).where(
            or_(balance.on_hand != 0, balance.reserved != 0, balance.in_transit != 0, coming_here)
        )
        no_balance = ~(
            select(balance.id)
            .where(balance.item_id == line.item_id, balance.location_id == where)
            .exists()
        )
        only_coming = (
            select(line.item_id, where)
            .where(*still_to_come, no_balance)
            .group_by(line.item_id, where)
        )
        return union_all(held, only_coming).subquery("keys")

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
            conditions.append(ItemRow.id.in_(self._of_class(wanted)))

        def joined(query: Select[Any]) -> Select[Any]:
            return (
                query.select_from(keys)
                .join(ItemRow, ItemRow.id == keys.c.item_id)
                .join(LocationRow, LocationRow.id == keys.c.location_id)
                .where(*conditions)
            )

        total = session.scalar(joined(select(func.count()))) or 0
        # the page's keys first (sorting ids and codes only), then what it shows of them
        page = session.execute(
            joined(select(keys.c.item_id, keys.c.location_id))
            .order_by(ItemRow.sku, LocationRow.code)
            .offset(wanted.offset)
            .limit(wanted.limit)
        ).all()
        wanted_keys = [(item_id, location_id) for item_id, location_id in page]
        items = {item_id for item_id, _ in wanted_keys}
        shown = self._shown(items, {location_id for _, location_id in wanted_keys})
        expired = self._expired(items, now)
        ordered = self._on_order(items, receiving)
        return total, [self._line(shown[key], expired, ordered) for key in wanted_keys]

    def _shown(self, items: set[int], locations: set[int]) -> dict[tuple[int, int], Any]:
        """What a balance line shows of each (item, location) of ``items`` x ``locations``
        (the balance's figures ``None`` where there is no balance row)."""
        item, location, balance = ItemRow, LocationRow, StockBalanceRow
        rows = self.session.execute(
            select(
                item.id.label("item_id"),
                location.id.label("location_id"),
                item.sku,
                item.name,
                item.uom,
                item.standard_cost,
                item.currency,
                location.code,
                balance.on_hand,
                balance.reserved,
                balance.in_transit,
            )
            .select_from(item)
            .join(location, location.id.in_(locations))
            .outerjoin(
                balance, and_(balance.item_id == item.id, balance.location_id == location.id)
            )
            .where(item.id.in_(items))
        )
        return {(row.item_id, row.location_id): row for row in rows}

    def _of_class(self, wanted: BalanceFilter) -> Any:
        """The ids of the items of the wanted classes in plan ``wanted.run_id`` (a list, or a
        subquery when there are very many)."""
        run_id = wanted.run_id
        started = self.session.scalar(select(PlanRunRow.started_at).where(PlanRunRow.id == run_id))
        if started is not None:
            ids = [
                item_id
                for item_id, (abc, xyz) in self.run_classes(cast(int, run_id), started).items()
                if (not wanted.abc or abc == wanted.abc) and (not wanted.xyz or xyz == wanted.xyz)
            ]
            if len(ids) <= _IN_LIMIT:
                return ids
        record = select(PlanItemRow.item_id).where(
            PlanItemRow.run_id == run_id, PlanItemRow.location == ""
        )
        if wanted.abc:
            record = record.where(_class_of("abc") == wanted.abc)
        if wanted.xyz:
            record = record.where(_class_of("xyz") == wanted.xyz)
        return record

    def _expired(self, items: set[int], now: datetime) -> dict[tuple[int, int], Decimal]:
        """Reserved units of ``items`` whose reservation expired by ``now`` but still count in
        the balance's ``reserved`` (swept the next time that balance is written)."""
        if not items:
            return {}
        reservation = ReservationRow
        return {
            (item_id, location_id): quantity
            for item_id, location_id, quantity in self.session.execute(
                select(reservation.item_id, reservation.location_id, func.sum(reservation.quantity))
                .where(
                    reservation.item_id.in_(items),
                    reservation.status == ACTIVE,
                    reservation.expires_at.is_not(None),
                    reservation.expires_at <= now,
                )
                .group_by(reservation.item_id, reservation.location_id)
            )
        }

    @staticmethod
    def _line(
        row: Any,
        expired: dict[tuple[int, int], Decimal],
        ordered: dict[tuple[int, int], Decimal],
    ) -> BalanceLine:
        key = (row.item_id, row.location_id)
        on_hand = row.on_hand if row.on_hand is not None else _ZERO
        reserved = (row.reserved if row.reserved is not None else _ZERO) - expired.get(key, _ZERO)
        return BalanceLine(
            sku=row.sku,
            item_name=row.name,
            location=row.code,
            on_hand=on_hand,
            reserved=reserved,
            available=on_hand - reserved,
            in_transit=row.in_transit if row.in_transit is not None else _ZERO,
            on_order=ordered.get(key, _ZERO),
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

    def run_classes(self, run_id: int, started_at: datetime) -> dict[int, tuple[str, str]]:
        """Item id -> (ABC, XYZ) of the home records of plan ``run_id`` that have a class.

        A complete run's records never change, so they are read once per database and run
        (``started_at`` tells a run from an older one of the same id in a database made again)
        and the last few are kept: reading the classes out of 20,000 stored explanations takes
        most of a second on SQLite."""
        bind = self.session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        key = (engine.url.render_as_string(), run_id, started_at)
        found = _CLASSES.get(key)
        if found is None:
            found = {
                item_id: (abc, xyz)
                for item_id, abc, xyz in self.session.execute(
                    select(PlanItemRow.item_id, _class_of("abc"), _class_of("xyz")).where(
                        PlanItemRow.run_id == run_id, PlanItemRow.location == ""
                    )
                )
                if abc and xyz
            }
            _CLASSES[key] = found
            while len(_CLASSES) > _CLASSES_KEPT:
                _CLASSES.popitem(last=False)
        return found

    def planned_items(self, run_id: int) -> int:
        """How many items plan ``run_id`` has a home record of."""
        return (
            self.session.scalar(
                select(func.count(PlanItemRow.id)).where(
                    PlanItemRow.run_id == run_id, PlanItemRow.location == ""
                )
            )
            or 0
        )

    def stock_by_item(self, items: set[int] | None = None) -> dict[int, StockHeld]:
        """Units on hand at internal locations per item (of ``items``, or every item), with
        the item's standard cost and currency."""
        balance = StockBalanceRow
        # raw thousandths and cost text (no per-row type processing: 20,000 items' rows cost
        # three times the query through the column types)
        query = (
            select(
                balance.item_id,
                type_coerce(func.sum(balance.on_hand), BigInteger),
                type_coerce(ItemRow.standard_cost, String),
                ItemRow.currency,
            )
            .join(LocationRow, LocationRow.id == balance.location_id)
            .join(ItemRow, ItemRow.id == balance.item_id)
            .where(LocationRow.kind.in_(_INTERNAL), balance.on_hand != 0)
            .group_by(balance.item_id, ItemRow.standard_cost, ItemRow.currency)
        )
        if items is not None:
            query = query.where(balance.item_id.in_(items))
        return {
            item_id: StockHeld(
                Decimal(int(thousandths)) / QTY_SCALE,
                None if cost is None else Decimal(cost),
                currency,
            )
            for item_id, thousandths, cost, currency in self.session.execute(query)
        }

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
