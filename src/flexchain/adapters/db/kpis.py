"""The KPI store: every read the control tower's KPIs are computed from (orders with their
promise, shipping and delivery dates, lines' standard cost and the kinds of issue reported on
them; first production jobs of products; stock balances and the ledger's moves across the
brand's locations, read as plain integers for the vectorised stock sums; supplier invoices
paid; whether a plan run could have stored a forecast to measure).

Read-only, for the brand's people (no supplier scope: the routes refuse supplier users).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import (
    BigInteger,
    Select,
    String,
    and_,
    func,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from flexchain.adapters.db import forecast_weeks
from flexchain.adapters.db.locations import buffer_locations
from flexchain.adapters.db.tables import (
    InvoiceRow,
    ItemRow,
    LocationRow,
    OrderEventRow,
    PaymentRow,
    PlanRunRow,
    ProductionJobRow,
    SalesOrderLineRow,
    SalesOrderRow,
    StockBalanceRow,
    StockMoveRow,
    SupplierRow,
)
from flexchain.adapters.db.tables.loop import OrderIssueRow
from flexchain.adapters.db.types import Dec, Qty
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.kpis import BoundaryMove, LaunchFact, OrderFact, PaymentFact
from flexchain.domain.stock import INTERNAL_KINDS, LocationKind
from flexchain.planning.accuracy_weeks import WeekSums
from flexchain.planning.run import PlanRunStatus
from flexchain.planning.stock_kpis import LedgerArrays

__all__ = ["SqlKpiStore", "StockLedger"]

_INTERNAL = sorted(str(kind) for kind in INTERNAL_KINDS)
_OUTFLOW = (str(LocationKind.CUSTOMER), str(LocationKind.PRODUCTION))
_CHUNK = 900
_QTY, _DEC, _SQLITE = Qty(), Dec(), sqlite.dialect()


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _aware(value: Any) -> datetime:
    """A time read through a union (SQLite: text; either: maybe naive) as aware UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@functools.cache
def _qty(thousandths: int | None) -> Decimal:
    """A quantity read as its stored integer thousandths, as ``types.Qty`` reads it (cached:
    a catalogue's quantities repeat)."""
    return _QTY.process_result_value(int(thousandths or 0), _SQLITE) or Decimal(0)


@functools.cache
def _money(raw: str | Decimal) -> Decimal:
    """A standard cost read without its column type, as ``types.Dec`` reads it (cached)."""
    value = _DEC.process_result_value(raw, _SQLITE)
    assert value is not None
    return value


def _day(at: datetime) -> date:
    """The UTC day of a time read without its column type (PostgreSQL: aware)."""
    return (at.astimezone(UTC) if at.tzinfo else at).date()


def _plain(session: Session, query: Select[*tuple[Any, ...]]) -> list[Any]:
    """The query's rows straight from the driver's cursor (no Row objects, no type
    processing): for reads of tens of thousands of rows whose columns are coerced to plain
    types."""
    result = session.connection().execute(query)
    try:
        assert result.cursor is not None
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for at in range(0, len(ids), _CHUNK):
        yield ids[at : at + _CHUNK]


class StockLedger:
    """Items' standard costs by id, on hand now at the brand's locations and the moves across
    their boundary since a day: as plain integers (:attr:`arrays`, for the vectorised sums)
    and, when first asked, as Decimals and records (:attr:`on_hand`, :attr:`moves`) with the
    items' SKUs (:attr:`skus`, read then)."""

    def __init__(
        self, session: Session, costs: dict[int, Decimal | None], arrays: LedgerArrays
    ) -> None:
        self._session = session
        self.costs = costs
        self.arrays = arrays

    @functools.cached_property
    def on_hand(self) -> dict[int, Decimal]:
        return {item: _qty(q) for item, q in self.arrays.on_hand.items()}

    @functools.cached_property
    def moves(self) -> list[BoundaryMove]:
        a = self.arrays
        return [
            BoundaryMove(item, date.fromordinal(day), _qty(delta), out, arrival)
            for item, day, delta, out, arrival in zip(
                a.item, a.day, a.delta, a.outflow, a.arrival, strict=True
            )
        ]

    def on_hand_of(self, items: set[int]) -> dict[int, Decimal]:
        """On hand now of the ``items`` only (those with a balance)."""
        now = self.arrays.on_hand
        return {item: _qty(now[item]) for item in items if item in now}

    def moves_of(self, items: set[int]) -> list[BoundaryMove]:
        """The moves of the ``items`` only."""
        a = self.arrays
        return [
            BoundaryMove(item, date.fromordinal(day), _qty(delta), out, arrival)
            for item, day, delta, out, arrival in zip(
                a.item, a.day, a.delta, a.outflow, a.arrival, strict=True
            )
            if item in items
        ]

    @functools.cached_property
    def skus(self) -> dict[int, str]:
        """The SKUs of the ledger's items (the catalogue read whole: at 20,000 items one
        scan costs less than chunks of ids)."""
        wanted = set(self.arrays.on_hand) | set(self.arrays.item)
        return {
            item_id: sku
            for item_id, sku in self._session.execute(select(ItemRow.id, ItemRow.sku))
            if item_id in wanted
        }


class SqlKpiStore:
    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session

    def orders(self, since: date, until: date) -> list[OrderFact]:
        """Orders (not cancelled) promised, shipped or delivered between the days."""
        low, high = _start(since), _start(until + timedelta(days=1))
        delivered = (
            select(OrderEventRow.order_id, OrderEventRow.actual_at)
            .where(OrderEventRow.stage == "delivered", OrderEventRow.actual_at.is_not(None))
            .subquery()
        )
        rows = self.session.execute(
            select(SalesOrderRow, delivered.c.actual_at)
            .outerjoin(delivered, delivered.c.order_id == SalesOrderRow.id)
            .where(
                SalesOrderRow.status != "cancelled",
                or_(
                    SalesOrderRow.promise_date.between(since, until),
                    and_(SalesOrderRow.shipped_at >= low, SalesOrderRow.shipped_at < high),
                    and_(delivered.c.actual_at >= low, delivered.c.actual_at < high),
                ),
            )
            .order_by(SalesOrderRow.id)
        ).all()
        lines = self._lines([order.id for order, _ in rows])
        issues = self._issues([order.id for order, _ in rows])
        facts = []
        for order, delivered_at in rows:
            custom, cost = lines.get(order.id, (False, None))
            placed = order.external_created_at or order.created_at
            facts.append(
                OrderFact(
                    number=order.number or order.external_id,
                    placed=placed.date(),
                    promised=order.promise_date,
                    shipped=None if order.shipped_at is None else order.shipped_at.date(),
                    delivered=None if delivered_at is None else delivered_at.date(),
                    custom=custom,
                    revenue=order.subtotal,  # after discounts, before shipping and tax
                    cost=cost,
                    currency=order.currency,
                    issues=issues.get(order.id, ()),
                )
            )
        return facts

    def _issues(self, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        """Per order, the kinds of issue reported on it (each once, sorted)."""
        kinds: dict[int, set[str]] = defaultdict(set)
        for chunk in _chunks(ids):
            for order_id, kind in self.session.execute(
                select(OrderIssueRow.order_id, OrderIssueRow.kind).where(
                    OrderIssueRow.order_id.in_(chunk)
                )
            ):
                kinds[order_id].add(kind)
        return {order_id: tuple(sorted(found)) for order_id, found in kinds.items()}

    def _lines(self, ids: Sequence[int]) -> dict[int, tuple[bool, Decimal | None]]:
        """Per order: whether a line has chosen options, and its lines' standard cost (None:
        an item without one)."""
        custom: dict[int, bool] = defaultdict(bool)
        cost: dict[int, Decimal | None] = defaultdict(lambda: Decimal(0))
        for chunk in _chunks(ids):
            for order_id, options, quantity, unit_cost in self.session.execute(
                select(
                    SalesOrderLineRow.order_id,
                    SalesOrderLineRow.options,
                    SalesOrderLineRow.quantity,
                    ItemRow.standard_cost,
                )
                .join(ItemRow, ItemRow.id == SalesOrderLineRow.item_id)
                .where(SalesOrderLineRow.order_id.in_(chunk))
            ):
                custom[order_id] = custom[order_id] or bool(options)
                known = cost[order_id]
                cost[order_id] = (
                    None if known is None or unit_cost is None else known + quantity * unit_cost
                )
        return {order_id: (custom[order_id], cost[order_id]) for order_id in cost}

    def launches(self, since: date, until: date) -> list[LaunchFact]:
        """Products whose first production job started between the days: a job making the
        item, or a job for an order line of it (a module made for a product assembled from
        modules counts for that product too)."""
        job = ProductionJobRow
        started = job.started_at.is_not(None)
        made = union_all(
            select(job.item_id.label("item_id"), job.started_at.label("started_at")).where(started),
            select(SalesOrderLineRow.item_id, job.started_at)
            .join(SalesOrderLineRow, SalesOrderLineRow.id == job.order_line_id)
            .where(started, SalesOrderLineRow.item_id != job.item_id),
        ).subquery()
        first = func.min(made.c.started_at)
        rows = self.session.execute(
            select(ItemRow.sku, ItemRow.created_at, first)
            .join(made, made.c.item_id == ItemRow.id)
            .group_by(ItemRow.id, ItemRow.sku, ItemRow.created_at)
            .having(and_(first >= _start(since), first < _start(until + timedelta(days=1))))
            .order_by(ItemRow.sku)
        ).all()
        return [
            LaunchFact(sku, created.date(), _aware(started).date())
            for sku, created, started in rows
            if started is not None  # the query keeps started jobs only
        ]

    def stock(self, since: date) -> StockLedger:
        """On hand now at the brand's locations (warehouses, factories' WIP, transit) per item,
        and every move across their boundary from ``since`` on.

        Read as plain values (integer thousandths, the cost's text or number, the move's
        time) through the connection: at 20,000 items the ORM's and the column types'
        per-value work would cost more than the queries."""
        kinds = {i: k for i, k in _plain(self.session, select(LocationRow.id, LocationRow.kind))}
        internal = sorted(i for i, kind in kinds.items() if kind in _INTERNAL)
        on_hand: dict[int, int] = {
            item_id: int(quantity or 0)
            for item_id, quantity in _plain(
                self.session,
                select(
                    StockBalanceRow.item_id,
                    func.sum(type_coerce(StockBalanceRow.on_hand, BigInteger)),
                )
                .where(StockBalanceRow.location_id.in_(internal))
                .group_by(StockBalanceRow.item_id),
            )
        }
        arrays = self._boundary_moves(since, on_hand, kinds)
        wanted = set(on_hand) | set(arrays.item)
        costs: dict[int, Decimal | None] = dict.fromkeys(wanted)
        for item_id, cost in _plain(
            self.session,
            select(ItemRow.id, type_coerce(ItemRow.standard_cost, String)).where(
                ItemRow.standard_cost.is_not(None)
            ),
        ):
            if item_id in wanted:
                costs[item_id] = _money(cost)
        return StockLedger(self.session, costs, arrays)

    def _boundary_moves(
        self, since: date, on_hand: dict[int, int], kinds: dict[int, str]
    ) -> LedgerArrays:
        rows = _plain(
            self.session,
            select(
                StockMoveRow.item_id, type_coerce(StockMoveRow.at, String),
                type_coerce(StockMoveRow.quantity, BigInteger), StockMoveRow.from_location_id,
                StockMoveRow.to_location_id,
            )
            .where(StockMoveRow.at >= _start(since))
            .order_by(StockMoveRow.id),
        )  # fmt: skip
        if not rows:
            return LedgerArrays(on_hand, [], [], [], [], [])
        items, ats, quantities, sources, targets = (np.array(c) for c in zip(*rows, strict=True))
        inside = [i for i, kind in kinds.items() if kind in _INTERNAL]
        enters, leaves = np.isin(targets, inside), np.isin(sources, inside)
        crossing = enters != leaves  # not within the brand's locations, nor outside them
        keys = [
            a[:10] if isinstance(a, str) else _day(a).isoformat() for a in ats[crossing].tolist()
        ]
        ordinals = {key: date.fromisoformat(key).toordinal() for key in set(keys)}
        quantity = quantities[crossing].astype(np.int64)
        return LedgerArrays(
            on_hand,
            items[crossing].astype(np.int64).tolist(),
            [ordinals[key] for key in keys],
            np.where(enters[crossing], quantity, -quantity).tolist(),
            np.isin(targets[crossing], [i for i, k in kinds.items() if k in _OUTFLOW]).tolist(),
            enters[crossing].tolist(),
        )

    def measured_weeks(self, first: date, end: date) -> tuple[date, pl.DataFrame] | None:
        """The plan runs' measured weeks from ``first`` to before ``end`` and the week from
        which none is measured yet (:func:`flexchain.adapters.db.forecast_weeks.stored`)."""
        return forecast_weeks.stored(self.session, first, end)

    def measure(self, first: date, end: date, *, rows: bool = False) -> WeekSums:
        """The stored forecasts of the weeks from ``first`` to before ``end`` measured now
        (:func:`flexchain.adapters.db.forecast_weeks.measure`)."""
        return forecast_weeks.measure(self.session, first, end, rows=rows)

    def home(self) -> str:
        """The home location's code (buffers at home are named ``""``)."""
        return buffer_locations(self.session)[0]

    def forecasts_before(self, period_start: date) -> bool:
        """Whether a complete plan run started before the week of ``period_start``: without
        one no stored forecast can be measured against what happened."""
        found = self.session.execute(
            select(PlanRunRow.id)
            .where(
                PlanRunRow.status == PlanRunStatus.COMPLETE.value,
                PlanRunRow.period_start < period_start,
            )
            .limit(1)
        ).first()
        return found is not None

    def payments(self, since: date, until: date) -> list[PaymentFact]:
        """Supplier invoices paid between the days, by payment day."""
        rows = self.session.execute(
            select(InvoiceRow.number, SupplierRow.code, InvoiceRow.invoice_date, PaymentRow.paid_at)
            .join(InvoiceRow, InvoiceRow.id == PaymentRow.invoice_id)
            .join(SupplierRow, SupplierRow.id == PaymentRow.supplier_id)
            .where(
                PaymentRow.kind == "invoice",
                PaymentRow.status == "paid",
                PaymentRow.paid_at >= _start(since),
                PaymentRow.paid_at < _start(until + timedelta(days=1)),
            )
            .order_by(PaymentRow.paid_at, InvoiceRow.number)
        ).all()
        return [
            PaymentFact(number, code, day, paid.date())
            for number, code, day, paid in rows
            if paid is not None  # the query keeps paid ones only
        ]
