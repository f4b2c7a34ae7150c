"""The KPI store: every read the control tower's KPIs are computed from (orders with their
promise, shipping and delivery dates and lines' standard cost; first production jobs of
products; stock balances and the ledger's moves across the brand's locations; supplier
invoices paid).

Read-only, for the brand's people (no supplier scope: the routes refuse supplier users).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from flexchain.adapters.db.tables import (
    InvoiceRow,
    ItemRow,
    LocationRow,
    OrderEventRow,
    PaymentRow,
    ProductionJobRow,
    SalesOrderLineRow,
    SalesOrderRow,
    StockBalanceRow,
    StockMoveRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.kpis import BoundaryMove, LaunchFact, OrderFact, PaymentFact
from flexchain.domain.stock import INTERNAL_KINDS, LocationKind

__all__ = ["SqlKpiStore", "StockLedger"]

_INTERNAL = sorted(str(kind) for kind in INTERNAL_KINDS)
_OUTFLOW = (str(LocationKind.CUSTOMER), str(LocationKind.PRODUCTION))
_CHUNK = 900


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for at in range(0, len(ids), _CHUNK):
        yield ids[at : at + _CHUNK]


@dataclass(frozen=True)
class StockLedger:
    """Items by id (sku, standard cost), on hand now at the brand's locations, and the moves
    across their boundary since a day."""

    skus: dict[int, str]
    costs: dict[int, Decimal | None]
    on_hand: dict[int, Decimal]
    moves: list[BoundaryMove]


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
                )
            )
        return facts

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
        """Products whose first production job started between the days."""
        first = func.min(ProductionJobRow.started_at)
        rows = self.session.execute(
            select(ItemRow.sku, ItemRow.created_at, first)
            .join(ProductionJobRow, ProductionJobRow.item_id == ItemRow.id)
            .where(ProductionJobRow.started_at.is_not(None))
            .group_by(ItemRow.id, ItemRow.sku, ItemRow.created_at)
            .having(and_(first >= _start(since), first < _start(until + timedelta(days=1))))
            .order_by(ItemRow.sku)
        ).all()
        return [
            LaunchFact(sku, created.date(), started.date())
            for sku, created, started in rows
            if started is not None  # the query keeps started jobs only
        ]

    def stock(self, since: date) -> StockLedger:
        """On hand now at the brand's locations (warehouses, factories' WIP, transit) per item,
        and every move across their boundary from ``since`` on."""
        internal = select(LocationRow.id).where(LocationRow.kind.in_(_INTERNAL))
        on_hand = {
            item_id: quantity
            for item_id, quantity in self.session.execute(
                select(StockBalanceRow.item_id, func.sum(StockBalanceRow.on_hand))
                .where(StockBalanceRow.location_id.in_(internal))
                .group_by(StockBalanceRow.item_id)
            )
        }
        source, target = aliased(LocationRow), aliased(LocationRow)
        moves = []
        for item_id, at, quantity, from_kind, to_kind in self.session.execute(
            select(
                StockMoveRow.item_id, StockMoveRow.at, StockMoveRow.quantity, source.kind,
                target.kind,
            )
            .join(source, source.id == StockMoveRow.from_location_id)
            .join(target, target.id == StockMoveRow.to_location_id)
            .where(StockMoveRow.at >= _start(since))
            .order_by(StockMoveRow.id)
        ):  # fmt: skip
            inside, outside = from_kind in _INTERNAL, to_kind in _INTERNAL
            if inside == outside:
                continue
            delta = quantity if outside else -quantity
            moves.append(BoundaryMove(item_id, at.date(), delta, to_kind in _OUTFLOW, not inside))
        ids = sorted(set(on_hand) | {move.item_id for move in moves})
        skus: dict[int, str] = {}
        costs: dict[int, Decimal | None] = {}
        for chunk in _chunks(ids):
            for item_id, sku, cost in self.session.execute(
                select(ItemRow.id, ItemRow.sku, ItemRow.standard_cost).where(ItemRow.id.in_(chunk))
            ):
                skus[item_id], costs[item_id] = sku, cost
        return StockLedger(skus, costs, on_hand, moves)

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
