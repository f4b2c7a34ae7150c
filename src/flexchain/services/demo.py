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
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flexchain.adapters.db.demand import QTY_SCALE, DemandStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.demo import DEFAULT_ITEMS, DEFAULT_SKU_RULE, LOAD_ORDER, DemandHistory, DemoData
from flexchain.demo import generate as _generate
from flexchain.domain.errors import NotFound
from flexchain.services import audit, orders
from flexchain.services.imports import import_rows

if TYPE_CHECKING:
    from flexchain.adapters.db.engine import Engine

__all__ = [
    "BULK_DEMAND_ROWS",
    "DEFAULT_ITEMS",
    "DemoData",
    "DemoSummary",
    "KindSummary",
    "generate_demo",
    "load_demo",
    "upsert_demand",
]

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
    stock_kept: bool = False
    """The stock counts were not imported: the database has the demo's replayed orders, whose
    reservations the counts would undercut (see :func:`load_demo`)."""

    def rows(self, kind: str) -> int:
        return next(summary.rows for summary in self.kinds if summary.kind == kind)

    def records(self) -> list[dict[str, Any]]:
        return [vars(summary) for summary in self.kinds]


def generate_demo(
    items: int = DEFAULT_ITEMS,
    seed: int = 7,
    weeks: int = 104,
    start: date | None = None,
    *,
    sku_rule: str = DEFAULT_SKU_RULE,
) -> DemoData:
    """The demo company (:func:`flexchain.demo.generate`: pure and seeded)."""
    return _generate(items=items, seed=seed, weeks=weeks, start=start, sku_rule=sku_rule)


def load_demo(
    engine: Engine,
    data: DemoData,
    actor: str = "demo",
    *,
    on_kind: Callable[[str, int], object] | None = None,
    bulk_demand_rows: int = BULK_DEMAND_ROWS,
    now: datetime | None = None,
) -> DemoSummary:
    """Write ``data`` to the database behind ``engine`` in one transaction.

    Parameters
    ----------
    now
        When the load happens (stock moves, bulk demand stamps); default: the time of writing.
    on_kind
        Called with each kind and its row count before it is loaded (for progress display).
    bulk_demand_rows
        Demand history longer than this takes the bulk path.

    Loaded again on a database with sales orders (the demo's replayed orders,
    :mod:`flexchain.services.demo_orders`), the stock counts are not imported: the stock stays
    as the orders and jobs left it (counting it back would undercut what they reserved).

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
        keep = bool(orders.list_orders(uow, limit=1))
        for kind in LOAD_ORDER:
            if on_kind is not None:
                on_kind(kind, counts[kind])
            if kind == "stock" and keep:
                summaries.append(KindSummary(kind, counts[kind], 0, 0, 0))
                continue
            if kind == "demand" and bulk:
                summaries.append(upsert_demand(uow, data.demand, now=now))
                continue
            report = import_rows(uow, kind, data.rows(kind), source=f"demo {kind}", now=now)
            summaries.append(
                KindSummary(kind, counts[kind], report.created, report.updated, report.unchanged)
            )
        uow.commit()
    return DemoSummary(tuple(summaries), time.perf_counter() - began, bulk, keep)


def upsert_demand(
    uow: UnitOfWork,
    demand: DemandHistory,
    *,
    batch: int = 20_000,
    now: datetime | None = None,
) -> KindSummary:
    """Insert new and changed weeks of ``demand`` in the caller's unit of work (no commit).

    The stored history of these items is read once into a matrix and compared with the new one,
    so unchanged weeks are not written and the counts are exact on both databases. Quantities
    are whole units, written directly as the integer thousandths :class:`Qty` stores.
    """
    store = DemandStore(uow.session)
    ids = store.item_ids(demand.skus)
    missing = [sku for sku in demand.skus if sku not in ids]
    if missing:
        raise NotFound(f"demand refers to {len(missing)} unknown item(s), first {missing[0]!r}")
    item_ids = [ids[sku] for sku in demand.skus]
    location = store.location_id(demand.location)
    if location is None:
        raise NotFound(f"unknown location {demand.location!r}")
    weeks = demand.weeks
    new = demand.quantities * QTY_SCALE
    old = store.stored_weeks(location, item_ids, weeks)
    write = old != new
    created = int((old < 0).sum())
    updated = int(write.sum()) - created
    store.upsert_weeks(location, item_ids, weeks, new, write, now=now, batch=batch)
    total = len(demand)
    audit.record(
        uow, "imported", "demand", demand.location,
        {"rows": total, "created": created, "updated": updated, "bulk": True},
    )  # fmt: skip
    return KindSummary("demand", total, created, updated, total - created - updated)
