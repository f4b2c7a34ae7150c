"""Load the demo company into a database through the same imports users run on their files.

Every kind goes through :func:`flexchain.services.imports.import_rows` (all rows checked, nothing
written if any is bad), in dependency order and in one unit of work, so a failed load leaves the
database as it was. Loading again updates rows by their natural keys instead of duplicating them.

Demand history is the exception above :data:`BULK_DEMAND_ROWS` rows (100,000 items x 104 weeks is
10.4 million rows): those go through :func:`upsert_demand`, a batched ``INSERT ... ON CONFLICT DO
UPDATE`` with the same effect and one audit entry, since checking ten million generated rows one by
one would take many minutes and find nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import BigInteger, Date, Engine, Integer, column, select
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import ItemRow, LocationRow
from flexchain.adapters.db.types import QTY_SCALE, UTCDateTime
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.demo import LOAD_ORDER, DemandHistory, DemoData
from flexchain.domain.errors import NotFound
from flexchain.services import audit
from flexchain.services.imports import import_rows

BULK_DEMAND_ROWS = 200_000
"""Above this many demand rows, demand history is loaded in bulk (see the module docstring)."""


@dataclass(frozen=True)
class KindSummary:
    """``rows`` generated of one kind (suppliers, not their capability lines), and what the
    import did with them."""

    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`load_demo` wrote, per import kind, in load order."""

    kinds: tuple[KindSummary, ...]
    seconds: float
    bulk_demand: bool

    def rows(self, kind: str) -> int:
        return next(summary.rows for summary in self.kinds if summary.kind == kind)

    def records(self) -> list[dict[str, Any]]:
        return [vars(summary) for summary in self.kinds]


def load_demo(
    engine: Engine,
    data: DemoData,
    actor: str = "demo",
    *,
    on_kind: Callable[[str, int], object] | None = None,
    bulk_demand_rows: int = BULK_DEMAND_ROWS,
) -> DemoSummary:
    """Write ``data`` to the database behind ``engine`` in one transaction.

    Parameters
    ----------
    on_kind
        Called with each kind and its row count before it is loaded (for progress display).
    bulk_demand_rows
        Demand history longer than this takes the bulk path.

    Raises
    ------
    ImportFailed
        Some generated row was refused (a bug in the generator); nothing is written.
    """
    began = time.perf_counter()
    counts = data.counts()
    bulk = counts["demand"] > bulk_demand_rows
    summaries = []
    with UnitOfWork(engine, actor=actor) as uow:
        for kind in LOAD_ORDER:
            if on_kind is not None:
                on_kind(kind, counts[kind])
            if kind == "demand" and bulk:
                summaries.append(upsert_demand(uow, data.demand))
                continue
            report = import_rows(uow, kind, data.rows(kind), source=f"demo {kind}")
            summaries.append(
                KindSummary(kind, counts[kind], report.created, report.updated, report.unchanged)
            )
        uow.commit()
    return DemoSummary(tuple(summaries), time.perf_counter() - began, bulk)


def upsert_demand(uow: UnitOfWork, demand: DemandHistory, *, batch: int = 20_000) -> KindSummary:
    """Insert new and changed weeks of ``demand`` in the caller's unit of work (no commit).

    The stored history of these items is read once into a matrix and compared with the new one,
    so unchanged weeks are not written and the counts are exact on both databases. Quantities
    are whole units, written directly as the integer thousandths :class:`Qty` stores.
    """
    session = uow.session
    item_ids = _item_ids(session, demand.skus)
    location = session.scalar(select(LocationRow.id).where(LocationRow.code == demand.location))
    if location is None:
        raise NotFound(f"unknown location {demand.location!r}")
    weeks = demand.weeks
    new = demand.quantities * QTY_SCALE
    old = _stored(session, location, item_ids, weeks)
    write = old != new
    created = int((old < 0).sum())
    updated = int(write.sum()) - created

    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(_DEMAND)
    statement = statement.on_conflict_do_update(
        index_elements=["item_id", "location_id", "period_start"],
        set_={"quantity": statement.excluded.quantity, "updated_at": statement.excluded.updated_at},
    )
    stamp = UTCDateTime().process_bind_param(datetime.now(UTC), session.get_bind().dialect)
    rows, cols = np.nonzero(write)
    for start in range(0, len(rows), batch):
        end = start + batch
        chunk = zip(rows[start:end].tolist(), cols[start:end].tolist(), strict=True)
        session.execute(
            statement,
            [
                {
                    "item_id": item_ids[i],
                    "location_id": location,
                    "period_start": weeks[w],
                    "quantity": int(new[i, w]),
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                for i, w in chunk
            ],
        )
    total = len(demand)
    audit.record(
        uow, "imported", "demand", demand.location,
        {"rows": total, "created": created, "updated": updated, "bulk": True},
    )  # fmt: skip
    return KindSummary("demand", total, created, updated, total - created - updated)


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
_CHUNK = 10_000


def _item_ids(session: Session, skus: list[str]) -> list[int]:
    ids: dict[str, int] = {}
    for start in range(0, len(skus), _CHUNK):
        query = select(ItemRow.sku, ItemRow.id).where(ItemRow.sku.in_(skus[start : start + _CHUNK]))
        ids.update((sku, item_id) for sku, item_id in session.execute(query))
    missing = [sku for sku in skus if sku not in ids]
    if missing:
        raise NotFound(f"demand refers to {len(missing)} unknown item(s), first {missing[0]!r}")
    return [ids[sku] for sku in skus]


def _stored(
    session: Session, location: int, item_ids: list[int], weeks: list[date]
) -> NDArray[np.int64]:
    """The stored quantities (thousandths) as an items x weeks matrix; -1 where none is stored."""
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
        for item_id, period, quantity in session.execute(query):
            week = column_of.get(period)
            if week is not None:
                stored[row_of[item_id], week] = quantity
    return stored
