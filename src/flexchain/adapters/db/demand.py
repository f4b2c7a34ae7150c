"""Demand's store: demand history and presale signals for the import registry and the exports,
and the bulk path the demo loads millions of generated weeks through.

The bulk path writes quantities directly as the integer thousandths :class:`Qty` stores (no
per-row type conversion) with one batched ``INSERT ... ON CONFLICT DO UPDATE`` per batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray
from sqlalchemy import BigInteger, Date, Integer, column, func, select
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session, aliased

from flexchain.adapters.db.dialect import insert_for
from flexchain.adapters.db.tables import (
    BomLineRow,
    DemandHistoryRow,
    ItemRow,
    LocationRow,
    OptionComponentRow,
    OptionRow,
    PickRow,
    PresaleSignalRow,
    ProductionJobRow,
    SalesOrderLineRow,
    SalesOrderRow,
    ShopRow,
    utcnow,
)
from flexchain.adapters.db.types import QTY_SCALE, UTCDateTime
from flexchain.adapters.db.upserts import stored_rows
from flexchain.domain.orders import OPEN_STATUSES, OrderStatus
from flexchain.planning import order_demand
from flexchain.planning.order_demand import SALES_SCHEMA, Component, OpenJob, SiteFirm
from flexchain.planning.run import HISTORY_WEEKS

__all__ = [
    "QTY_SCALE",
    "DemandStore",
    "history_frame",
    "job_demand",
    "ordered_since",
    "with_sales",
]

Record = dict[str, Any]
STREAM_BATCH = 10_000
"""Rows fetched at a time for the long exports (demand history), so memory stays flat."""
_CHUNK = 10_000

# The raw columns: quantities as stored (integer thousandths), no per-row type conversion.
_DEMAND = sql_table(
    "demand_history",
    column("item_id", Integer),
    column("location_id", Integer),
    column("period_start", Date),
    column("quantity", BigInteger),
    column("created_at"),
    column("updated_at"),
)


class DemandStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def history_between(self, first: date, last: date) -> Iterator[Record]:
        """Stored demand rows (id, item, location, period, quantity) of periods in the range."""
        table = DemandHistoryRow
        query = select(
            table.id, table.item_id, table.location_id, table.period_start, table.quantity
        ).where(table.period_start.between(first, last))
        for row in self.session.execute(query):
            yield dict(row._mapping)

    def signals_between(self, first: datetime, last: datetime) -> Iterator[Record]:
        """Stored presale signals (all columns) that occurred in the range."""
        table = PresaleSignalRow
        return stored_rows(self.session, table, table.occurred_at.between(first, last))

    # --- the demo's bulk path --------------------------------------------------------------------

    def location_id(self, code: str) -> int | None:
        return self.session.scalar(select(LocationRow.id).where(LocationRow.code == code))

    def item_ids(self, skus: Sequence[str]) -> dict[str, int]:
        """Item id by SKU, for those of ``skus`` that exist."""
        ids: dict[str, int] = {}
        for start in range(0, len(skus), _CHUNK):
            chunk = skus[start : start + _CHUNK]
            query = select(ItemRow.sku, ItemRow.id).where(ItemRow.sku.in_(chunk))
            ids.update((sku, item_id) for sku, item_id in self.session.execute(query))
        return ids

    def stored_weeks(
        self, location: int, item_ids: Sequence[int], weeks: Sequence[date]
    ) -> NDArray[np.int64]:
        """The stored quantities (thousandths) as an items x weeks matrix; -1 where none is."""
        stored = np.full((len(item_ids), len(weeks)), -1, dtype=np.int64)
        row_of = {item_id: index for index, item_id in enumerate(item_ids)}
        column_of = {week: index for index, week in enumerate(weeks)}
        c = _DEMAND.c
        for start in range(0, len(item_ids), _CHUNK):
            query = select(c.item_id, c.period_start, c.quantity).where(
                c.location_id == location,
                c.item_id.in_(item_ids[start : start + _CHUNK]),
                c.period_start.between(weeks[0], weeks[-1]),
            )
            for item_id, period, quantity in self.session.execute(query):
                week = column_of.get(period)
                if week is not None:
                    stored[row_of[item_id], week] = quantity
        return stored

    def upsert_weeks(
        self,
        location: int,
        item_ids: Sequence[int],
        weeks: Sequence[date],
        quantities: NDArray[np.int64],
        write: NDArray[np.bool_],
        *,
        now: datetime | None = None,
        batch: int = 20_000,
    ) -> None:
        """Insert or update the weeks where ``write`` is set with ``quantities`` (thousandths),
        stamped ``now`` (default: the time of writing)."""
        dialect = self.session.get_bind().dialect
        statement = insert_for(self.session, _DEMAND)
        statement = statement.on_conflict_do_update(
            index_elements=["item_id", "location_id", "period_start"],
            set_={
                "quantity": statement.excluded.quantity,
                "updated_at": statement.excluded.updated_at,
            },
        )
        stamp = UTCDateTime().process_bind_param(now or utcnow(), dialect)
        rows, cols = np.nonzero(write)
        for start in range(0, len(rows), batch):
            end = start + batch
            chunk = zip(rows[start:end].tolist(), cols[start:end].tolist(), strict=True)
            self.session.execute(
                statement,
                [
                    {
                        "item_id": item_ids[i],
                        "location_id": location,
                        "period_start": weeks[w],
                        "quantity": int(quantities[i, w]),
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                    for i, w in chunk
                ],
            )

    # --- exports, in natural-key order -----------------------------------------------------------

    def export_history(self) -> Iterator[Record]:
        query = (
            select(
                ItemRow.sku,
                LocationRow.code,
                DemandHistoryRow.period_start,
                DemandHistoryRow.quantity,
            )
            .join(ItemRow, ItemRow.id == DemandHistoryRow.item_id)
            .join(LocationRow, LocationRow.id == DemandHistoryRow.location_id)
            .order_by(ItemRow.sku, LocationRow.code, DemandHistoryRow.period_start)
            .execution_options(yield_per=STREAM_BATCH)
        )
        for sku, location, period, quantity in self.session.execute(query):
            yield {"sku": sku, "location": location, "period_start": period, "quantity": quantity}

    def export_signals(self) -> Iterator[Record]:
        """Signals by SKU, time, kind, module (none first), option and source; ``module_sku`` is
        the SKU of the option's module."""
        module = aliased(ItemRow)
        signal = PresaleSignalRow
        query = (
            select(signal, ItemRow.sku, module.sku)
            .join(ItemRow, ItemRow.id == signal.item_id)
            .outerjoin(module, module.id == signal.module_id)
            .order_by(
                ItemRow.sku, signal.occurred_at, signal.kind, module.sku.nulls_first(),
                signal.option_code, signal.source,
            )
            .execution_options(yield_per=STREAM_BATCH)
        )  # fmt: skip
        for row, sku, module_sku in self.session.execute(query):
            yield {
                "sku": sku,
                "module_sku": module_sku,
                "option_code": row.option_code,
                "kind": row.kind,
                "quantity": row.quantity,
                "amount": row.amount,
                "currency": row.currency,
                "occurred_at": row.occurred_at,
                "source": row.source,
            }


# --- what the planning snapshot reads of orders (docs/planning.md, *Orders as demand*) ----------

_NOT_STARTED = ("planned",)
"""Job statuses whose materials are not yet issued (releasing a job moves them to the supplier's
site: docs/jobs.md; from then on they are stock there, no longer demand)."""


def job_demand(
    session: Session, period_of: Callable[[date | None], int], open_statuses: Sequence[str]
) -> list[SiteFirm]:
    """The firm demand of the open jobs (``open_statuses``) of made-to-order lines (lines of
    open orders with nothing backordered): their items, and the components of what has not
    been released, by :func:`flexchain.planning.order_demand.job_demand`."""
    jobs = _open_jobs(session, open_statuses)
    if not jobs:
        return []
    items = {j.item for j in jobs if not j.started}
    options = {j.option for j in jobs if not j.started and j.option is not None}
    bom: dict[int, list[Component]] = defaultdict(list)
    for parent, child, quantity, scrap in session.execute(
        select(BomLineRow.parent_id, BomLineRow.child_id, BomLineRow.quantity, BomLineRow.scrap_pct)
        .where(BomLineRow.parent_id.in_(items))
        .order_by(BomLineRow.id)
    ):
        bom[parent].append(Component(child, quantity, scrap))
    option_bom: dict[int, list[Component]] = defaultdict(list)
    row = OptionComponentRow
    for option, child, quantity, scrap in session.execute(
        select(row.option_id, row.component_id, row.quantity, row.scrap_pct)
        .where(row.option_id.in_(options))
        .order_by(row.id)
    ):
        option_bom[option].append(Component(child, quantity, scrap))
    return order_demand.job_demand(jobs, bom, option_bom, period_of)


def _open_jobs(session: Session, open_statuses: Sequence[str]) -> list[OpenJob]:
    """The open jobs of made-to-order lines, with what their lines take and their sites."""
    job, line, order, pick = ProductionJobRow, SalesOrderLineRow, SalesOrderRow, PickRow
    picked = (
        select(func.sum(pick.quantity))
        .where(pick.order_line_id == job.order_line_id, pick.item_id == job.item_id)
        .scalar_subquery()
    )
    site = (  # where the supplier's materials are issued (its factory location, if it has one)
        select(func.min(LocationRow.id))
        .where(LocationRow.supplier_id == job.supplier_id, LocationRow.kind == "factory")
        .scalar_subquery()
    )
    query = (
        select(
            job.item_id,
            order.number,
            job.quantity,
            job.planned_start,
            job.planned_finish,
            job.status,
            OptionRow.id,
            line.quantity,
            BomLineRow.quantity,
            picked,
            site,
        )
        .join(order, order.id == job.order_id)
        .join(line, line.id == job.order_line_id)
        .join(
            BomLineRow,
            (BomLineRow.parent_id == line.item_id) & (BomLineRow.child_id == job.item_id),
        )
        .outerjoin(
            OptionRow, (OptionRow.module_id == job.item_id) & (OptionRow.code == job.option_code)
        )
        .where(
            job.status.in_(open_statuses),
            order.status.in_([status.value for status in OPEN_STATUSES]),
            line.backordered == 0,
            job.item_id != line.item_id,
        )
        .order_by(job.id)
    )
    return [
        OpenJob(
            item,
            str(number),
            quantity,
            start,
            finish,
            status not in _NOT_STARTED,
            option,
            site=at,
            serves=ordered * per_unit - Decimal(taken or 0),
        )
        for (
            item,
            number,
            quantity,
            start,
            finish,
            status,
            option,
            ordered,
            per_unit,
            taken,
            at,
        ) in session.execute(query)
    ]


def with_sales(
    session: Session, history: pl.DataFrame, period_start: date, weeks: int = HISTORY_WEEKS
) -> pl.DataFrame:
    """``history`` (the snapshot's imported weeks before ``period_start``) with the sales-order
    lines of the weeks it does not cover added (:func:`~flexchain.planning.order_demand.
    history_with_sales`): lines of orders not cancelled, by order date (the storefront's, else
    when it was received), at the shop's warehouse (0 when it has none), in the ``weeks``
    weeks before ``period_start`` (the history window)."""
    since = period_start - timedelta(weeks=weeks)
    line, order = SalesOrderLineRow, SalesOrderRow
    ordered_at = func.coalesce(order.external_created_at, order.created_at)
    query = (
        select(line.item_id, ShopRow.warehouse_id, ordered_at, line.quantity)
        .join(order, order.id == line.order_id)
        .outerjoin(ShopRow, ShopRow.id == order.shop_id)
        .where(order.status != OrderStatus.CANCELLED.value)
    )
    rows = []
    for item, location, at, quantity in session.execute(query):
        day = (at if isinstance(at, datetime) else datetime.fromisoformat(str(at))).date()
        week = day - timedelta(days=day.weekday())
        if since <= week < period_start:
            rows.append((item, location or 0, week, float(quantity)))
    sales = pl.DataFrame(rows, schema=SALES_SCHEMA, orient="row")
    return order_demand.history_with_sales(history, sales)


def ordered_since(session: Session, period_start: date) -> dict[tuple[int, int | None], Decimal]:
    """Units per item and location of the order lines ordered since ``period_start`` (by order
    date, the storefront's, else when it was received), orders not cancelled; the location is
    the shop's warehouse (``None`` when it has none), where sales count as history too."""
    line, order = SalesOrderLineRow, SalesOrderRow
    ordered_at = func.coalesce(order.external_created_at, order.created_at)
    since = datetime.combine(period_start, datetime.min.time(), tzinfo=UTC)
    query = (
        select(line.item_id, ShopRow.warehouse_id, func.sum(line.quantity))
        .join(order, order.id == line.order_id)
        .outerjoin(ShopRow, ShopRow.id == order.shop_id)
        .where(order.status != OrderStatus.CANCELLED.value, ordered_at >= since)
        .group_by(line.item_id, ShopRow.warehouse_id)
    )
    return {(item, at): Decimal(total) for item, at, total in session.execute(query)}


INDEXED_WEEKS = 13
"""A history read of at most this many weeks goes through the index on ``period_start``
(migration 0032: the forecast accuracy KPIs read the weeks since the last plan run); a longer
one reads the whole table."""


def history_frame(session: Session, period_start: date, weeks: int) -> pl.DataFrame:
    """The imported weekly demand history of the ``weeks`` weeks before ``period_start`` as a
    frame: ``item``, ``location`` (id, null without one), ``date``, ``quantity`` (float units)."""
    since = period_start - timedelta(weeks=weeks)
    # most of the table (a plan run's years): one pass over it, not a lookup per row through
    # the index on period_start, which SQLite (no statistics) would take: 2.5 s -> 5.7 s for two
    # years of 20,000 items; date() of the column hides the index (PostgreSQL plans by its
    # statistics either way). A few weeks (the KPIs' live weeks) go through the index.
    week: Any = DemandHistoryRow.period_start
    if weeks > INDEXED_WEEKS:
        week = func.date(week)
    # read straight from the cursor into a frame: at 100,000 items this is 10 million rows
    # (one row per item, location and date: the forecast step's bucketing adds locations up,
    # which costs far less than SQLite's GROUP BY sorting 10 million rows first)
    query = select(
        DemandHistoryRow.item_id.label("item"),
        DemandHistoryRow.location_id.label("location"),
        DemandHistoryRow.period_start.label("date"),
        DemandHistoryRow.quantity,
    ).where(week >= since, week < period_start)
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    cursor = session.connection().exec_driver_sql(str(compiled)).cursor
    rows = cursor.fetchall() if cursor is not None else []
    frame = pl.DataFrame(rows, schema=["item", "location", "date", "quantity"], orient="row")
    if frame.schema["date"] == pl.String:  # SQLite hands dates back as text
        frame = frame.with_columns(pl.col("date").str.slice(0, 10).str.to_date())
    return frame.with_columns(
        pl.col("item").cast(pl.Int64),
        pl.col("location").cast(pl.Int64),
        pl.col("date").cast(pl.Date),
        # Qty is stored in thousandths
        (pl.col("quantity").cast(pl.Float64) / QTY_SCALE).alias("quantity"),
    )
