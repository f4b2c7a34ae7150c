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

    def unplaced_jobs(self, order_id: int) -> list[tuple[str, str | None]]:
        return []

    def unplaced_jobs_of(self, order_ids: Iterable[int]) -> dict[int, list[tuple[str, str | None]]]:
        return {}

    def unsourced_lines_of(self, order_ids: Iterable[int]) -> dict[int, list[str]]:
        return {}

    def order_refs(self, order_ids: Iterable[int]) -> dict[int, tuple[str, bool]]:
        return {i: (ref, True) for i in order_ids if (ref := self.order_ref(i)) is not None}


# --- stock: the store flexchain.services.inventory posts moves, reserves and releases through ---
# (engineer C) The same methods as flexchain.adapters.db.stock.SqlStockStore (the interface is
# flexchain.services.inventory.StockStore): balances and reservations in dicts keyed like the
# domain's (SKU, location code) and (owner, SKU, location code); ``writes`` counts the writes.

from collections.abc import Mapping  # noqa: E402
from decimal import Decimal  # noqa: E402

from flexchain.domain.stock import (  # noqa: E402
    INTERNAL_KINDS,
    Balance,
    BalanceView,
    HeldKey,
    Location,
    Reservation,
    ReservationStatus,
    StockKey,
    StockMove,
)


class FakeStockStore:
    """The stock ledger in memory: what :class:`flexchain.adapters.db.stock.SqlStockStore` keeps
    in the ``stock_balances``, ``reservations`` and ``stock_moves`` tables."""

    def __init__(self, locations: Iterable[Location], skus: Iterable[str] = ()) -> None:
        self.skus = set(skus)
        self.places = {location.code: location for location in locations}
        self.stock: dict[StockKey, Balance] = {}
        self.reservations: dict[HeldKey, Reservation] = {}
        self.moves: list[StockMove] = []
        self.writes = 0

    def _figure(self, key: StockKey) -> Balance:
        return self.stock.setdefault(key, Balance())

    def items(self, skus: Iterable[str]) -> set[str]:
        return {sku for sku in skus if sku in self.skus}

    def locations(self, codes: Iterable[str]) -> dict[str, Location]:
        return {code: self.places[code] for code in codes if code in self.places}

    def know(self, item: tuple[int, str], location: tuple[int, str]) -> None:
        pass

    def lock(self, keys: Iterable[StockKey]) -> dict[StockKey, Balance]:
        return {key: copy.copy(self._figure(key)) for key in keys}

    def sweep(self, key: StockKey, now: datetime) -> Decimal:
        expired = Decimal(0)
        for (_, sku, code), reservation in self.reservations.items():
            active = reservation.status is ReservationStatus.ACTIVE
            if (sku, code) == key and active and not reservation.is_active(now):
                reservation.status = ReservationStatus.EXPIRED
                expired += reservation.quantity
        self._figure(key).reserved -= expired
        return expired

    def held(self, keys: Iterable[HeldKey]) -> dict[HeldKey, Reservation]:
        found = {key: self.reservations.get(key) for key in keys}
        return {
            key: copy.copy(reservation)
            for key, reservation in found.items()
            if reservation is not None and reservation.status is ReservationStatus.ACTIVE
        }

    def reserved_by(self, owner_ref: str, item_sku: str | None = None) -> list[StockKey]:
        return [
            (sku, code)
            for (owner, sku, code), reservation in self.reservations.items()
            if owner == owner_ref
            and item_sku in (None, sku)
            and reservation.status is ReservationStatus.ACTIVE
        ]

    def moves_total(self, item_sku: str, location: str) -> Decimal:
        total = Decimal(0)
        for move in self.moves:
            if move.item_sku == item_sku:
                total += move.quantity * (
                    (move.to_location == location) - (move.from_location == location)
                )
        return total

    def balances(
        self,
        *,
        now: datetime,
        item: str | None = None,
        location: str | None = None,
        include_empty: bool = False,
    ) -> list[BalanceView]:
        views = []
        for (sku, code), figure in sorted(self.stock.items()):
            if self.places[code].kind not in INTERNAL_KINDS or item not in (None, sku):
                continue
            if location not in (None, code) or (not include_empty and figure == Balance()):
                continue
            stale = sum(
                (
                    r.quantity
                    for (_, s, c), r in self.reservations.items()
                    if (s, c) == (sku, code)
                    and r.status is ReservationStatus.ACTIVE
                    and not r.is_active(now)
                ),
                Decimal(0),
            )
            reserved = figure.reserved - stale
            in_and_on = (figure.in_transit, figure.on_order)
            on_hand = figure.on_hand
            views.append(
                BalanceView(
                    sku, sku, code, on_hand, reserved, on_hand - reserved, *in_and_on, "pcs"
                )
            )
        return views

    def write_moves(
        self,
        moves: Sequence[StockMove],
        changes: Mapping[StockKey, Balance],
        reservations: Iterable[Reservation] = (),
    ) -> None:
        self.writes += 1
        for key, change in changes.items():
            figure = self._figure(key)
            figure.on_hand += change.on_hand
            figure.reserved += change.reserved
            figure.in_transit += change.in_transit
        for reservation in reservations:
            key = (reservation.owner_ref, reservation.item_sku, reservation.location)
            self.reservations[key] = copy.copy(reservation)
        self.moves.extend(moves)

    def reserve(
        self,
        key: StockKey,
        quantity: Decimal,
        owner_ref: str,
        *,
        now: datetime,
        expires_at: datetime | None = None,
    ) -> bool:
        figure = self._figure(key)
        if figure.available < quantity:  # the guard of the database's UPDATE
            return False
        self.writes += 1
        figure.reserved += quantity
        held = self.reservations.get((owner_ref, *key))
        if held is not None and held.status is ReservationStatus.ACTIVE:
            held.quantity += quantity
            held.expires_at = expires_at
        else:
            self.reservations[(owner_ref, *key)] = Reservation(
                key[0], key[1], quantity, owner_ref, expires_at
            )
        return True

    def release(self, reservations: Iterable[Reservation]) -> None:
        self.writes += 1
        for reservation in reservations:
            key = (reservation.owner_ref, reservation.item_sku, reservation.location)
            self._figure((key[1], key[2])).reserved -= self.reservations[key].quantity
            self.reservations[key].status = reservation.status


# --- plans: the store flexchain.services.planning.run_plan records, loads and writes through -----
# (engineer D) The same methods as flexchain.adapters.db.plans.SqlPlanStore (the interface is
# flexchain.services.planning.PlanStore): runs, planned orders, exceptions and inputs in dicts.

from dataclasses import dataclass, field  # noqa: E402
from datetime import date  # noqa: E402

from flexchain.planning.mrp import MrpException, PlannedOrder  # noqa: E402
from flexchain.planning.run import PlanResult, PlanRunStatus, Snapshot  # noqa: E402


@dataclass
class FakePlanRun:
    id: int
    status: PlanRunStatus
    started_at: datetime
    period_start: date
    horizon: int
    actor: str
    finished_at: datetime | None = None
    error: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)


class FakePlanStore:
    """The plans store in memory: hands out ``snapshot`` and keeps what runs write.
    ``seen_at_load`` records every run's status at the moment its snapshot was loaded."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.runs: dict[int, FakePlanRun] = {}
        self.orders: dict[int, list[PlannedOrder]] = {}
        self.exceptions: dict[int, list[MrpException]] = {}
        self.inputs: dict[int, dict[int, dict[str, str]]] = {}
        self.seen_at_load: list[dict[int, PlanRunStatus]] = []

    def start_run(
        self, *, started_at: datetime, period_start: date, horizon: int, actor: str
    ) -> int:
        run_id = len(self.runs) + 1
        self.runs[run_id] = FakePlanRun(
            run_id, PlanRunStatus.RUNNING, started_at, period_start, horizon, actor
        )
        return run_id

    def load_snapshot(self, *, today: date, horizon: int, now: datetime) -> Snapshot:
        self.seen_at_load.append({run.id: run.status for run in self.runs.values()})
        return copy.deepcopy(self.snapshot)

    def write_plan(
        self,
        run_id: int,
        result: PlanResult,
        *,
        inputs: dict[int, dict[str, str]],
        stats: dict[str, Any],
        finished_at: datetime,
    ) -> None:
        self.orders[run_id] = list(result.mrp.planned)
        self.exceptions[run_id] = list(result.mrp.exceptions)
        self.inputs[run_id] = inputs
        run = self.runs[run_id]
        run.status, run.finished_at, run.stats = PlanRunStatus.COMPLETE, finished_at, stats

    def fail_run(self, run_id: int, *, error: str, finished_at: datetime, actor: str) -> None:
        run = self.runs[run_id]
        run.status, run.error, run.finished_at = PlanRunStatus.FAILED, error, finished_at

    def current_run(self) -> int | None:
        """The newest complete run's id, as ``plan show`` would find it."""
        done = [run.id for run in self.runs.values() if run.status is PlanRunStatus.COMPLETE]
        return max(done, default=None)


# --- orders (read side) and outbox: the stores flexchain.services.orders and .outbox use -------
# (engineer A2) FakeOrderViews: the methods of flexchain.adapters.db.orders.views.OrderViews (the
# interface is flexchain.services.orders.OrderReader); FakeOutboxDispatch: those of
# flexchain.adapters.db.outbox.OutboxDispatchStore (flexchain.services.outbox.DispatchStore).

from datetime import timedelta  # noqa: E402
from types import SimpleNamespace  # noqa: E402

from flexchain.adapters.db.orders.views import OrderContents, StageDates  # noqa: E402
from flexchain.adapters.db.outbox import OutboxMessage, ShopEndpoint  # noqa: E402
from flexchain.domain.outbox import Delivery, OutboxStatus  # noqa: E402


def fake_order(id: int, external_id: str, **columns: Any) -> SimpleNamespace:
    """A stored order: the ``sales_orders`` columns the order use cases read and change."""
    values: dict[str, Any] = {
        "shop_id": 1, "number": f"#{external_id}", "status": "received", "speed_tier": "basic",
        "currency": "EUR", "subtotal": Decimal("10"), "total_tax": Decimal("0"),
        "total_discounts": Decimal("0"), "shipping": Decimal("0"), "total": Decimal("10"),
        "customer_email": "", "shipping_address": {}, "promise_date": None,
        "tracking_token": None, "external_updated_at": None, "created_at": None,
    }  # fmt: skip
    values.update(columns)
    return SimpleNamespace(id=id, external_id=external_id, **values)


class FakeOrderViews:
    """Orders, their lines and stage events in lists and dicts."""

    def __init__(self, orders: Iterable[SimpleNamespace] = ()) -> None:
        self.orders = list(orders)
        self.lines: dict[int, list[SimpleNamespace]] = {}
        self.events: dict[int, dict[str, StageDates]] = {}
        self.names: dict[int, str] = {}
        self.shop = "brand.myshopify.com"

    def matching(self, text: str) -> list[SimpleNamespace]:
        numbers = {text, f"#{text.lstrip('#')}"}
        return [
            order
            for order in self.orders
            if order.external_id == text
            or order.number in numbers
            or (text.isdigit() and len(text) < 10 and order.id == int(text))
        ]

    def by_token(self, token: str) -> SimpleNamespace | None:
        return next((o for o in self.orders if o.tracking_token == token), None)

    def contents(self, order: SimpleNamespace) -> OrderContents:
        lines = self.lines.get(order.id, [])
        return OrderContents(self.shop, lines, [], [], [], {}, {}, {})

    def stages(self, order_id: int) -> dict[str, StageDates]:
        return dict(self.events.get(order_id, {}))

    def item_names(self) -> dict[int, str]:
        return dict(self.names)

    def bought_lines(self, order_id: int) -> list[SimpleNamespace]:
        return [line for line in self.lines.get(order_id, []) if line.quantity > 0]


@dataclass
class FakeOutboxRow:
    id: int
    shop: ShopEndpoint
    payload: dict[str, Any]
    delivery: Delivery
    kind: str = "availability"


class FakeOutboxDispatch:
    """The outbox rows in a dict; ``settled`` lists the ids in the order they were settled."""

    def __init__(self, rows: Iterable[FakeOutboxRow] = ()) -> None:
        self.rows = {row.id: row for row in rows}
        self.settled: list[int] = []

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[int]:
        due = sorted(
            (row.delivery.next_attempt_at, row.id)
            for row in self.rows.values()
            if row.delivery.status is OutboxStatus.PENDING and row.delivery.next_attempt_at <= now
        )[:limit]
        for _, outbox_id in due:
            row = self.rows[outbox_id]
            row.delivery = Delivery(**{**row.delivery.__dict__, "next_attempt_at": now + lease})
        return [outbox_id for _, outbox_id in due]

    def load(self, outbox_id: int) -> tuple[OutboxMessage, ShopEndpoint] | None:
        row = self.rows.get(outbox_id)
        if row is None:
            return None
        d = row.delivery
        return OutboxMessage(row.id, row.kind, row.payload, d.status, d.idempotency_key), row.shop

    def settle(self, outbox_id: int, decide: Any) -> Any:
        row = self.rows[outbox_id]
        row.delivery, result = decide(row.delivery)
        self.settled.append(outbox_id)
        return result


# --- quotes (engineer B): the quote snapshot store ------------------------------------------------

from datetime import date as Day  # noqa: E402

from flexchain.domain.errors import NotFound  # noqa: E402
from flexchain.domain.quote_model import QuoteSnapshot  # noqa: E402


class FakeQuoteStore:
    """Quote snapshots by SKU (:class:`flexchain.services.quotes.QuoteSource`); ``loads`` records
    each ``(sku, today, horizon_days)`` asked for."""

    def __init__(self, *snapshots: QuoteSnapshot) -> None:
        self.snapshots = {snapshot.product.sku: snapshot for snapshot in snapshots}
        self.loads: list[tuple[str, Day, int]] = []

    def load_snapshot(self, sku: str, *, today: Day, horizon_days: int) -> QuoteSnapshot:
        self.loads.append((sku, today, horizon_days))
        if sku not in self.snapshots:
            raise NotFound(f"unknown product {sku!r}")
        return self.snapshots[sku]
