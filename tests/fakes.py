"""In-memory stores behind the same small interfaces as the database stores in
``flexchain.adapters.db``, so a use case's decision can be tested in milliseconds
(tests/unit/services/). The integration tier runs the real stores on SQLite and PostgreSQL.

Each fake keeps plain dicts and lists and implements only what the use cases call; one section
per store.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

# --- import registry: the stores flexchain.services.imports reads and writes through ------------
# (engineer E) The same attributes and methods as flexchain.adapters.db.imports.ImportStores uses
# for the catalog kinds (items, options, bom): tables as lists of dicts, a write log, audit rows.


class FakeRowStore:
    """What :class:`flexchain.adapters.db.upserts.RowStore` does: whole rows by table name."""

    def __init__(self, tables: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {
            name: [dict(row) for row in rows] for name, rows in (tables or {}).items()
        }
        self.writes: list[tuple[str, str, int]] = []  # (insert|update, table, rows)

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        return iter([dict(row) for row in self.tables.get(table, [])])

    def insert(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        stored = self.tables.setdefault(table, [])
        next_id = max((row["id"] for row in stored), default=0) + 1
        for offset, row in enumerate(rows):
            stored.append({**row, "id": next_id + offset})
        self.writes.append(("insert", table, len(rows)))

    def update(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        by_id = {row["id"]: row for row in self.tables[table]}
        for row in rows:
            by_id[row["id"]].update(row)
        self.writes.append(("update", table, len(rows)))


class FakeCatalogStore:
    """What :class:`flexchain.adapters.db.catalog.CatalogStore` reads, from the fake tables."""

    def __init__(self, rows: FakeRowStore) -> None:
        self._rows = rows

    def item_refs(self) -> dict[str, Any]:
        from flexchain.adapters.db.catalog import ItemRef

        return {
            row["sku"]: ItemRef(row["id"], row["kind"], row.get("module_type"))
            for row in self._rows.tables.get("items", [])
        }

    def bom_edges(self) -> list[tuple[int, int]]:
        edges = [(r["parent_id"], r["child_id"]) for r in self._rows.tables.get("bom_lines", [])]
        return sorted(edges, key=lambda edge: edge[1])

    def option_codes(self) -> list[tuple[int, str]]:
        return [(r["module_id"], r["code"]) for r in self._rows.tables.get("options", [])]


class FakeSupplierStore:
    """The supplier reads the catalog kinds resolve references with."""

    def __init__(self, rows: FakeRowStore) -> None:
        self._rows = rows

    def names(self) -> list[tuple[str, int, str]]:
        return [(r["code"], r["id"], r["name"]) for r in self._rows.tables.get("suppliers", [])]

    def ids(self) -> dict[str, int]:
        return {r["code"]: r["id"] for r in self._rows.tables.get("suppliers", [])}

    def currencies(self) -> dict[str, str]:
        return {r["code"]: r["currency"] for r in self._rows.tables.get("suppliers", [])}


class FakeAuditLog:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str, dict[str, Any]]] = []

    def record(self, action: str, entity: str, key: str, details: dict[str, Any]) -> None:
        self.entries.append((action, entity, key, details))


class FakeImportStores:
    """Stands in for :class:`flexchain.adapters.db.imports.ImportStores` (catalog kinds only);
    a failed write inside :meth:`savepoint` leaves the tables and the audit as they were."""

    def __init__(self, tables: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.uow = None
        self.rows = FakeRowStore(tables)
        self.catalog = FakeCatalogStore(self.rows)
        self.suppliers = FakeSupplierStore(self.rows)
        self.audit = FakeAuditLog()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        tables = copy.deepcopy(self.rows.tables)
        entries, writes = list(self.audit.entries), list(self.rows.writes)
        try:
            yield
        except BaseException:
            self.rows.tables, self.audit.entries, self.rows.writes = tables, entries, writes
            raise

    def flush(self) -> None:
        pass

    def now(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC)


# --- inbox: the store flexchain.services.intake receives and applies webhooks through -----------
# (engineer A1) The same methods as flexchain.adapters.db.inbox.InboxStore; rows are plain
# objects with the inbox columns the use cases read and mark.


class FakeInboxEntry:
    """A stored webhook: the ``inbox`` columns as attributes."""

    def __init__(self, id: int, **columns: Any) -> None:
        self.id = id
        self.error: str | None = None
        self.processed_at: datetime | None = None
        self.order_id: int | None = None
        for name, value in columns.items():
            setattr(self, name, value)


class FakeShop:
    def __init__(self, id: int, platform: str, domain: str, secret: str, active: bool = True):
        self.id, self.platform, self.domain, self.secret = id, platform, domain, secret
        self.active = active
        self.warehouse_id: int | None = None


class FakeInboxStore:
    """What :class:`flexchain.adapters.db.inbox.InboxStore` does, in dicts: rows unique on
    (shop id, dedupe key), ids from 1; ``orders`` names an order id as a view shows it."""

    def __init__(self, shops: Sequence[FakeShop] = ()) -> None:
        self.rows: dict[int, FakeInboxEntry] = {}
        self.shops = {shop.id: shop for shop in shops}
        self.orders: dict[int, str] = {}
        self.claimed: list[int] = []

    def add_new(self, rows: Sequence[dict[str, Any]]) -> dict[tuple[int, str], int]:
        taken = {(row.shop_id, row.dedupe_key) for row in self.rows.values()}
        new = {}
        for row in rows:
            key = (row["shop_id"], row["dedupe_key"])
            if key in taken or key in new:
                continue
            new[key] = inbox_id = len(self.rows) + 1
            self.rows[inbox_id] = FakeInboxEntry(inbox_id, **row)
        return new

    def statuses(self, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str]]:
        wanted = set(keys)
        return {
            (row.shop_id, row.dedupe_key): (row.id, row.status)
            for row in self.rows.values()
            if (row.shop_id, row.dedupe_key) in wanted
        }

    def get(self, inbox_id: int) -> FakeInboxEntry | None:
        return self.rows.get(inbox_id)

    def claim(self, inbox_id: int) -> FakeInboxEntry | None:
        self.claimed.append(inbox_id)
        return self.rows.get(inbox_id)

    def claim_many(self, inbox_ids: Sequence[int]) -> dict[int, FakeInboxEntry]:
        return {i: self.rows[i] for i in sorted(set(inbox_ids)) if i in self.rows}

    def pending(self, *, received_before: datetime, limit: int) -> list[int]:
        due = [
            row.id
            for row in self.rows.values()
            if row.status == "pending" and row.received_at <= received_before
        ]
        return sorted(due)[:limit]

    def latest(self, *, status: str | None, limit: int) -> list[FakeInboxEntry]:
        rows = [row for row in self.rows.values() if not status or row.status == status]
        return sorted(rows, key=lambda row: -row.id)[:limit]

    @staticmethod
    def mark(
        entry: FakeInboxEntry,
        status: str,
        *,
        error: str | None,
        at: datetime | None = None,
        order_id: int | None = None,
    ) -> None:
        if order_id is not None:
            entry.order_id = order_id
        entry.status = str(status)
        entry.error = error
        entry.attempts += 1
        if at is not None:
            entry.processed_at = at

    def shop(self, shop_id: int) -> FakeShop | None:
        return self.shops.get(shop_id)

    def shop_at(self, platform: str, domain: str) -> FakeShop | None:
        return next(
            (s for s in self.shops.values() if (s.platform, s.domain) == (platform, domain)), None
        )

    def order_ref(self, order_id: int) -> str | None:
        return self.orders.get(order_id)
