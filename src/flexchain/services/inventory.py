"""The inventory ledger on the database: moves, balances and reservations, one transaction each.

Rules (see ``domain/ledger.py`` for the same rules in memory, which the tests compare against):

* A move is appended, never changed; the balances of both locations change in the same transaction.
* Internal locations (warehouse, factory, transit) never go below zero *available*; the check is
  part of the ``UPDATE ... WHERE on_hand - reserved >= :q`` itself, so it holds under concurrency.
* Every stock lock goes through :func:`_lock_balances`, which creates missing balance rows and then
  locks them in primary-key order (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the writing
  unit of work already holds the database write lock), so two writers can never deadlock.
* A reservation may carry an expiry; "not expired" is part of every query. Expired reservations
  still counted in ``reserved`` are swept under the row lock the next time that balance is written.

None of these functions commit: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import (
    ItemRow,
    LocationRow,
    ReservationRow,
    StockBalanceRow,
    StockMoveRow,
)
from flexchain.adapters.db.types import Qty
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import InsufficientStock, NotFound, ValidationError
from flexchain.domain.stock import LocationKind, ReservationStatus, StockMove
from flexchain.domain.values import quantity as as_quantity
from flexchain.domain.values import utc

INTERNAL_KINDS = {
    LocationKind.WAREHOUSE.value,
    LocationKind.FACTORY.value,
    LocationKind.TRANSIT.value,
}
ACTIVE = ReservationStatus.ACTIVE.value
ZERO_Q = Decimal(0)


@dataclass(frozen=True)
class BalanceView:
    """One line of the stock table a user sees."""

    sku: str
    item_name: str
    location: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    in_transit: Decimal
    on_order: Decimal
    uom: str


def _q(value: Decimal) -> Any:
    """A bound quantity with the Qty type, so it is scaled like the columns it is compared to."""
    return literal(value, Qty())


def _item(session: Session, sku: str) -> ItemRow:
    row = session.scalars(select(ItemRow).where(ItemRow.sku == sku)).one_or_none()
    if row is None:
        raise NotFound(f"unknown item {sku!r}")
    return row


def _location(session: Session, code: str) -> LocationRow:
    row = session.scalars(select(LocationRow).where(LocationRow.code == code)).one_or_none()
    if row is None:
        raise NotFound(f"unknown location {code!r}")
    return row


LOCK_CHUNK = 5_000
"""Balances per statement when many are locked at once (SQLite caps bound variables)."""


def _lock_balances(
    session: Session, keys: Iterable[tuple[int, int]], *, lock: bool = True
) -> dict[tuple[int, int], StockBalanceRow]:
    """Create missing (item, location) balance rows, then lock them all in primary-key order
    (``lock=False``: only read them)."""
    wanted = sorted(set(keys))
    if len(wanted) > LOCK_CHUNK:
        return _lock_many(session, wanted)
    query = (
        select(StockBalanceRow)
        .where(tuple_(StockBalanceRow.item_id, StockBalanceRow.location_id).in_(wanted))
        .order_by(StockBalanceRow.id)
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update()
    rows = session.scalars(query).all()
    if len(rows) < len(wanted):  # first stock of an item somewhere: create its balance rows
        found = {(row.item_id, row.location_id) for row in rows}
        _create_balances(session, [key for key in wanted if key not in found])
        rows = session.scalars(query).all()
    return {(row.item_id, row.location_id): row for row in rows}


def _create_balances(session: Session, keys: list[tuple[int, int]]) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(StockBalanceRow).on_conflict_do_nothing(index_elements=["item_id", "location_id"]),
        [{"item_id": item_id, "location_id": location_id} for item_id, location_id in keys],
    )


def _lock_many(
    session: Session, wanted: list[tuple[int, int]]
) -> dict[tuple[int, int], StockBalanceRow]:
    """:func:`_lock_balances` for more keys than one statement takes: ids first, missing rows
    created, then locked chunk by chunk in ascending id order (still one global order)."""
    ids: dict[tuple[int, int], int] = {}

    def read_ids(keys: list[tuple[int, int]]) -> None:
        for start in range(0, len(keys), LOCK_CHUNK):
            chunk = keys[start : start + LOCK_CHUNK]
            for balance_id, item_id, location_id in session.execute(
                select(
                    StockBalanceRow.id, StockBalanceRow.item_id, StockBalanceRow.location_id
                ).where(tuple_(StockBalanceRow.item_id, StockBalanceRow.location_id).in_(chunk))
            ):
                ids[(item_id, location_id)] = balance_id

    read_ids(wanted)
    missing = [key for key in wanted if key not in ids]
    if missing:
        _create_balances(session, missing)
        read_ids(missing)
    ordered = sorted(ids.values())
    result: dict[tuple[int, int], StockBalanceRow] = {}
    for start in range(0, len(ordered), LOCK_CHUNK):
        for row in session.scalars(
            select(StockBalanceRow)
            .where(StockBalanceRow.id.in_(ordered[start : start + LOCK_CHUNK]))
            .order_by(StockBalanceRow.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ):
            result[(row.item_id, row.location_id)] = row
    return result


def _sweep_expired(session: Session, balance: StockBalanceRow, now: datetime) -> Decimal:
    """Stop counting reservations past their expiry (called with the balance row locked);
    returns the quantity that stopped counting. One UPDATE ... RETURNING, no rows loaded."""
    return _sweep_expired_many(session, [balance], now).get(
        (balance.item_id, balance.location_id), Decimal(0)
    )


def _sweep_expired_many(
    session: Session, balances: Sequence[StockBalanceRow], now: datetime
) -> dict[tuple[int, int], Decimal]:
    """:func:`_sweep_expired` for several balances in one statement; the quantity that stopped
    counting by (item, location), only where some did."""
    if not balances:
        return {}
    expired: dict[tuple[int, int], Decimal] = {}
    for item_id, location_id, quantity in session.execute(
        update(ReservationRow)
        .where(
            or_(
                *(
                    and_(
                        ReservationRow.item_id == balance.item_id,
                        ReservationRow.location_id == balance.location_id,
                    )
                    for balance in balances
                )
            ),
            ReservationRow.status == ACTIVE,
            ReservationRow.expires_at.is_not(None),
            ReservationRow.expires_at <= now,
        )
        .values(status=ReservationStatus.EXPIRED.value)
        .returning(ReservationRow.item_id, ReservationRow.location_id, ReservationRow.quantity)
        .execution_options(synchronize_session=False)
    ):
        key = (item_id, location_id)
        expired[key] = expired.get(key, Decimal(0)) + Decimal(quantity)
    for balance in balances:
        total = expired.get((balance.item_id, balance.location_id))
        if total:
            _add(session, balance, reserved=-total)
    return expired


def _add(session: Session, balance: StockBalanceRow, **deltas: Decimal) -> None:
    """Atomic ``column = column + :delta`` updates of one balance row."""
    values = {
        name: getattr(StockBalanceRow, name) + _q(delta) for name, delta in deltas.items() if delta
    }
    if values:
        session.execute(
            update(StockBalanceRow).where(StockBalanceRow.id == balance.id).values(**values)
        )


def _take(session: Session, balance: StockBalanceRow, amount: Decimal, consumed: Decimal) -> bool:
    """Take ``amount`` off on-hand, ``consumed`` of it from this balance's reservations.

    The availability check is in the UPDATE itself: it succeeds only if the unreserved part of the
    move fits in what is available.
    """
    result = session.execute(
        update(StockBalanceRow)
        .where(
            StockBalanceRow.id == balance.id,
            StockBalanceRow.on_hand - StockBalanceRow.reserved >= _q(amount - consumed),
            StockBalanceRow.reserved >= _q(consumed),
        )
        .values(
            on_hand=StockBalanceRow.on_hand - _q(amount),
            reserved=StockBalanceRow.reserved - _q(consumed),
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _available(session: Session, balance_id: int) -> Decimal:
    row = session.execute(
        select(StockBalanceRow.on_hand, StockBalanceRow.reserved).where(
            StockBalanceRow.id == balance_id
        )
    ).one()
    return Decimal(row.on_hand) - Decimal(row.reserved)


def post_move(uow: UnitOfWork, move: StockMove) -> None:
    """Append ``move`` to the ledger and update the balances it touches.

    Raises
    ------
    NotFound
        The item or a location does not exist.
    InsufficientStock
        The move would take an internal location's available stock below zero.
    """
    session = uow.session
    item = _item(session, move.item_sku)
    source = _location(session, move.from_location)
    target = _location(session, move.to_location)
    if source.id == target.id:
        raise ValidationError("to_location", "must differ from from_location")
    amount = as_quantity(move.quantity, allow_zero=False)
    at = utc(move.at, "at")
    keys = [(item.id, source.id), (item.id, target.id)]
    transit_out = source.transit_for_id if source.kind == LocationKind.TRANSIT.value else None
    transit_in = target.transit_for_id if target.kind == LocationKind.TRANSIT.value else None
    keys += [(item.id, loc) for loc in (transit_out, transit_in) if loc is not None]
    balances = _lock_balances(session, keys)
    from_balance = balances[(item.id, source.id)]
    _sweep_expired(session, from_balance, at)

    consumed = Decimal(0)
    if move.reservation_owner is not None:
        consumed = _consume_reservation(session, item.id, source.id, move.reservation_owner, amount)
    if source.kind in INTERNAL_KINDS:
        if not _take(session, from_balance, amount, consumed):
            raise InsufficientStock(
                item.sku, source.code, amount, _available(session, from_balance.id) + consumed
            )
    else:
        _add(session, from_balance, on_hand=-amount, reserved=-consumed)
    _add(session, balances[(item.id, target.id)], on_hand=amount)
    if transit_out is not None:
        _add(session, balances[(item.id, transit_out)], in_transit=-amount)
    if transit_in is not None:
        _add(session, balances[(item.id, transit_in)], in_transit=amount)
    session.add(
        StockMoveRow(
            item_id=item.id,
            from_location_id=source.id,
            to_location_id=target.id,
            quantity=amount,
            kind=str(move.kind),
            reference=move.reference,
            reservation_owner=move.reservation_owner,
            at=at,
            created_by=uow.actor,
        )
    )
    session.flush()


def post_moves(uow: UnitOfWork, moves: Sequence[StockMove]) -> None:
    """:func:`post_move` for many moves at once (a stock count, an opening balance import).

    The same rules and errors, in the order given: items and locations are read in one query
    each, every balance involved is locked once (in primary-key order) and swept of expired
    reservations once, each move is checked against the running figures, and then each balance is
    written once and the moves appended together. A move that consumes a reservation goes through
    :func:`post_move` (in its place in the order).

    Raises
    ------
    NotFound, ValidationError, InsufficientStock
        As :func:`post_move`, for the first move that breaks a rule; the caller's unit of work
        then rolls back, so nothing of the batch is written.
    """
    if any(move.reservation_owner is not None for move in moves):
        for move in moves:
            post_move(uow, move)
        return
    session = uow.session
    items = {
        row.sku: row
        for row in session.scalars(
            select(ItemRow).where(ItemRow.sku.in_({move.item_sku for move in moves}))
        )
    }
    codes = {move.from_location for move in moves} | {move.to_location for move in moves}
    found = session.scalars(select(LocationRow).where(LocationRow.code.in_(codes)))
    locations = {row.code: row for row in found}
    prepared = []
    keys: set[tuple[int, int]] = set()
    for move in moves:
        item = items.get(move.item_sku)
        if item is None:
            raise NotFound(f"unknown item {move.item_sku!r}")
        ends = []
        for code in (move.from_location, move.to_location):
            if code not in locations:
                raise NotFound(f"unknown location {code!r}")
            ends.append(locations[code])
        source, target = ends
        if source.id == target.id:
            raise ValidationError("to_location", "must differ from from_location")
        amount = as_quantity(move.quantity, allow_zero=False)
        at = utc(move.at, "at")
        transit_out = source.transit_for_id if source.kind == LocationKind.TRANSIT.value else None
        transit_in = target.transit_for_id if target.kind == LocationKind.TRANSIT.value else None
        keys |= {(item.id, source.id), (item.id, target.id)}
        keys |= {(item.id, loc) for loc in (transit_out, transit_in) if loc is not None}
        prepared.append((move, item, source, target, amount, at, transit_out, transit_in))
    balances = _lock_balances(session, keys)
    figures = {key: [row.on_hand, row.reserved, row.in_transit] for key, row in balances.items()}
    deltas: dict[tuple[int, int], list[Decimal]] = {}
    swept: set[tuple[int, int]] = set()

    def change(
        key: tuple[int, int], on_hand: Decimal = ZERO_Q, in_transit: Decimal = ZERO_Q
    ) -> None:
        figure = figures[key]
        figure[0] += on_hand
        figure[2] += in_transit
        delta = deltas.setdefault(key, [ZERO_Q, ZERO_Q])
        delta[0] += on_hand
        delta[1] += in_transit

    rows = []
    for move, item, source, target, amount, at, transit_out, transit_in in prepared:
        key = (item.id, source.id)
        if key not in swept:  # once per balance, as post_move does on every write
            figures[key][1] -= _sweep_expired(session, balances[key], at)
            swept.add(key)
        if source.kind in INTERNAL_KINDS and figures[key][0] - figures[key][1] < amount:
            raise InsufficientStock(
                item.sku, source.code, amount, figures[key][0] - figures[key][1]
            )
        change(key, on_hand=-amount)
        change((item.id, target.id), on_hand=amount)
        if transit_out is not None:
            change((item.id, transit_out), in_transit=-amount)
        if transit_in is not None:
            change((item.id, transit_in), in_transit=amount)
        rows.append(
            {
                "item_id": item.id,
                "from_location_id": source.id,
                "to_location_id": target.id,
                "quantity": amount,
                "kind": str(move.kind),
                "reference": move.reference,
                "reservation_owner": None,
                "at": at,
                "created_by": uow.actor,
            }
        )
    if deltas:
        # one executemany on the table (no ORM bookkeeping per row), in primary-key order
        table = cast(Table, StockBalanceRow.__table__)
        columns = table.c
        session.execute(
            update(table)
            .where(columns.id == bindparam("balance_id"))
            .values(
                on_hand=columns.on_hand + bindparam("on_hand_delta", type_=Qty()),
                in_transit=columns.in_transit + bindparam("in_transit_delta", type_=Qty()),
            ),
            [
                {
                    "balance_id": balances[key].id,
                    "on_hand_delta": deltas[key][0],
                    "in_transit_delta": deltas[key][1],
                }
                for key in sorted(deltas, key=lambda k: balances[k].id)
            ],
        )
        for key in deltas:
            session.expire(balances[key])  # the rows changed behind the ORM's back
    if rows:
        # RETURNING lets SQLAlchemy send them as multi-row INSERTs, compiled once
        session.execute(insert(StockMoveRow).returning(StockMoveRow.id), rows).all()
    session.flush()


def _consume_reservation(
    session: Session, item_id: int, location_id: int, owner: str, amount: Decimal
) -> Decimal:
    row = session.scalars(
        select(ReservationRow)
        .where(
            ReservationRow.owner_ref == owner,
            ReservationRow.item_id == item_id,
            ReservationRow.location_id == location_id,
            ReservationRow.status == ACTIVE,
        )
        .execution_options(populate_existing=True)  # reservations change through Core too
    ).one_or_none()
    if row is None:
        return Decimal(0)
    consumed = min(row.quantity, amount)
    row.quantity = row.quantity - consumed
    if row.quantity == 0:
        row.status = ReservationStatus.CONSUMED.value
    return consumed


def reserve(
    uow: UnitOfWork,
    item_sku: str,
    location: str,
    quantity: Decimal | int | str,
    owner_ref: str,
    *,
    now: datetime,
    expires_at: datetime | None = None,
    allow_partial: bool = False,
) -> Decimal:
    """Reserve stock for ``owner_ref``; returns the quantity reserved by this call.

    Reserving again for the same owner, item and location adds to that reservation. Without
    ``allow_partial`` a shortfall raises :class:`InsufficientStock` and reserves nothing; with it,
    whatever is available (possibly zero) is reserved and the caller backorders the rest.
    """
    session = uow.session
    wanted = as_quantity(quantity, allow_zero=False)
    now = utc(now, "now")
    if expires_at is not None:
        expires_at = utc(expires_at, "expires_at")
        if expires_at <= now:
            raise ValidationError("expires_at", "must be after now")
    if not owner_ref:
        raise ValidationError("owner_ref", "must not be empty")
    item = _item(session, item_sku)
    loc = _location(session, location)
    if loc.kind not in INTERNAL_KINDS:
        raise ValidationError("location", f"{loc.code} is a {loc.kind} location and holds no stock")
    return reserve_known(
        uow,
        (item.id, item.sku),
        (loc.id, loc.code),
        wanted,
        owner_ref,
        now=now,
        expires_at=expires_at,
        allow_partial=allow_partial,
    )


def reserve_known(
    uow: UnitOfWork,
    item: tuple[int, str],
    loc: tuple[int, str],
    wanted: Decimal,
    owner_ref: str,
    *,
    now: datetime,
    expires_at: datetime | None = None,
    allow_partial: bool = False,
) -> Decimal:
    """:func:`reserve` for callers that already hold the (id, SKU) of the item and the (id, code)
    of an internal location (order splitting: saves two lookups per line). Arguments are trusted:
    ``wanted`` positive, ``now`` and ``expires_at`` UTC, ``owner_ref`` not empty."""
    session = uow.session
    item_id, sku = item
    loc_id, code = loc
    balance = _lock_balances(session, [(item_id, loc_id)])[(item_id, loc_id)]
    swept = _sweep_expired(session, balance, now)
    available = balance.on_hand - balance.reserved + swept  # the row is locked: this holds
    amount = min(wanted, max(available, Decimal(0))) if allow_partial else wanted
    if amount <= 0:
        return Decimal(0)
    result = session.execute(
        update(StockBalanceRow)
        .where(
            StockBalanceRow.id == balance.id,
            StockBalanceRow.on_hand - StockBalanceRow.reserved >= _q(amount),
        )
        .values(reserved=StockBalanceRow.reserved + _q(amount))
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise InsufficientStock(sku, code, wanted, available)
    # one upsert: a new reservation, or more on the owner's reservation of this item here
    _upsert_reservations(
        session,
        [
            {
                "owner_ref": owner_ref,
                "item_id": item_id,
                "location_id": loc_id,
                "quantity": amount,
                "expires_at": expires_at,
                "status": ACTIVE,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    return amount


class Reservations:
    """Many reservations in one transaction (a batch of orders): each balance is locked and swept
    once, allocations are counted in memory against the locked figures, and :meth:`write` applies
    them with one guarded ``UPDATE`` per balance and one upsert for all reservation rows.

    The guard (``on_hand - reserved >= total``) is still part of each ``UPDATE``, so a write that
    would oversell raises :class:`InsufficientStock` and the caller's transaction rolls back.
    Call :meth:`write` before anything in the transaction reads balances or reservations.

    ``optimistic``: balances are read without locking them; the guarded ``UPDATE`` of
    :meth:`write` takes the locks (in key order) and re-checks against the committed figures,
    so nothing is oversold, and a batch that counted on stock another transaction took in the
    meantime fails with :class:`InsufficientStock` (the caller then applies its orders again
    with locks). Called last before commit, :meth:`write` holds the locks for milliseconds, so
    writers on several connections (the server's worker processes) overlap instead of queueing.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        now: datetime,
        optimistic: bool = False,
        hint: Iterable[tuple[int, int]] = (),
    ) -> None:
        self._uow = uow
        self._now = now
        self._optimistic = optimistic
        self._hint = set(hint) if optimistic else set()
        """(item id, location id) balances to read with the first one asked for (optimistic
        only: unlocked reads cost no contention), e.g. the ones the previous batch needed."""
        self._balances: dict[tuple[int, int], StockBalanceRow] = {}
        self._available: dict[tuple[int, int], Decimal] = {}
        self._taken: dict[tuple[int, int], Decimal] = {}
        self._rows: dict[tuple[str, int, int], Decimal] = {}
        self._names: dict[tuple[int, int], tuple[str, str]] = {}

    def reserve(
        self,
        item: tuple[int, str],
        loc: tuple[int, str],
        wanted: Decimal,
        owner_ref: str,
        *,
        allow_partial: bool = False,
    ) -> Decimal:
        """As :func:`reserve_known` (without expiry), applied by :meth:`write`."""
        key = (item[0], loc[0])
        if key not in self._balances:
            self._load({key} | (self._hint - self._balances.keys()))
            self._hint = set()
        self._names.setdefault(key, (item[1], loc[1]))
        available = self._available[key]
        amount = min(wanted, max(available, Decimal(0))) if allow_partial else wanted
        if amount <= 0:
            return Decimal(0)
        if amount > available:
            raise InsufficientStock(item[1], loc[1], wanted, available)
        self._available[key] = available - amount
        self._taken[key] = self._taken.get(key, Decimal(0)) + amount
        row_key = (owner_ref, *key)
        self._rows[row_key] = self._rows.get(row_key, Decimal(0)) + amount
        return amount

    @property
    def balances(self) -> list[tuple[int, int]]:
        """The (item id, location id) balances read so far."""
        return list(self._balances)

    def _refused(self, keys: list[tuple[int, int]]) -> tuple[int, int]:
        """The first balance of ``keys`` whose guard refused the amount taken from it (the
        rest were applied: their availability after it is still >= 0)."""
        ids = {self._balances[key].id: key for key in keys}
        now = dict(
            self._uow.session.execute(
                select(StockBalanceRow.id, StockBalanceRow.on_hand - StockBalanceRow.reserved)
                .where(StockBalanceRow.id.in_(ids))
                .execution_options(populate_existing=True)
            ).all()
        )
        for balance_id, key in ids.items():
            if now[balance_id] < self._taken[key]:
                return key
        return keys[0]

    def _load(self, keys: set[tuple[int, int]]) -> None:
        """Read (optimistic) or lock ``keys``' balances and sweep their expired reservations,
        in one statement each."""
        session = self._uow.session
        # balances and reservations change by statements, never as pending ORM rows: what the
        # caller has pending (an order's lines) is flushed once, later
        with session.no_autoflush:
            balances = _lock_balances(session, keys, lock=not self._optimistic)
            # without the lock too: the UPDATE of the expired reservations locks them, so a
            # concurrent sweep of the same ones waits and then finds nothing left to sweep
            swept = _sweep_expired_many(session, list(balances.values()), self._now)
        for key, balance in balances.items():
            self._balances[key] = balance
            self._available[key] = balance.on_hand - balance.reserved + swept.get(key, 0)

    def write(self) -> None:
        """Apply what was reserved since the last call."""
        if not self._taken:
            return
        session = self._uow.session
        keys = sorted(self._taken)
        table = cast(Table, StockBalanceRow.__table__)
        amount = bindparam("amount", type_=Qty())
        # one guarded UPDATE per balance, in key order, sent together (an executemany: one
        # round trip on PostgreSQL); the rows matched add up to one per balance unless a guard
        # refused, which rolls the whole transaction back
        matched = session.execute(
            update(table)
            .where(table.c.id == bindparam("balance"), table.c.on_hand - table.c.reserved >= amount)
            .values(reserved=table.c.reserved + amount),
            [{"balance": self._balances[key].id, "amount": self._taken[key]} for key in keys],
        ).rowcount  # type: ignore[attr-defined]
        if matched != len(keys):
            short = self._refused(keys)
            raise InsufficientStock(*self._names[short], self._taken[short], self._available[short])
        now = self._now
        _upsert_reservations(
            session,
            [
                {
                    "owner_ref": owner,
                    "item_id": item_id,
                    "location_id": location_id,
                    "quantity": quantity,
                    "expires_at": None,
                    "status": ACTIVE,
                    "created_at": now,
                    "updated_at": now,
                }
                for (owner, item_id, location_id), quantity in sorted(self._rows.items())
            ],
        )
        self._taken.clear()
        self._rows.clear()


def _upsert_reservations(session: Session, rows: list[dict[str, Any]]) -> None:
    """New reservations, or more on an owner's reservation of an item at a location (a released
    or expired one starts again from the new quantity)."""
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ReservationRow)
    table = ReservationRow.__table__
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["owner_ref", "item_id", "location_id"],
            set_={
                "quantity": case(
                    (table.c.status == ACTIVE, table.c.quantity + statement.excluded.quantity),
                    else_=statement.excluded.quantity,
                ),
                "status": ACTIVE,
                "expires_at": statement.excluded.expires_at,
                "updated_at": statement.excluded.updated_at,
            },
        ),
        # an executemany: one pipeline of a short prepared statement on psycopg (see
        # fulfilment.Context.write); owner keys are distinct in ``rows``
        rows,
    )


def release(
    uow: UnitOfWork, owner_ref: str, *, now: datetime, item_sku: str | None = None
) -> Decimal:
    """Release ``owner_ref``'s active reservations (of one item, or all); returns the total."""
    session = uow.session
    now = utc(now, "now")
    query = select(ReservationRow).where(
        ReservationRow.owner_ref == owner_ref, ReservationRow.status == ACTIVE
    )
    if item_sku is not None:
        query = query.where(ReservationRow.item_id == _item(session, item_sku).id)
    keys = [(row.item_id, row.location_id) for row in session.scalars(query).all()]
    balances = _lock_balances(session, keys)
    for balance in balances.values():
        _sweep_expired(session, balance, now)
    total = Decimal(0)
    for row in session.scalars(query.execution_options(populate_existing=True)).all():
        _add(session, balances[(row.item_id, row.location_id)], reserved=-row.quantity)
        total += row.quantity
        row.status = ReservationStatus.RELEASED.value
    session.flush()
    return total


def balances(
    uow: UnitOfWork,
    *,
    now: datetime,
    item: str | None = None,
    location: str | None = None,
    include_empty: bool = False,
) -> list[BalanceView]:
    """Balances per item and location; reservations past their expiry are not counted."""
    session = uow.session
    expired = (
        select(
            ReservationRow.item_id,
            ReservationRow.location_id,
            func.sum(ReservationRow.quantity).label("quantity"),
        )
        .where(
            ReservationRow.status == ACTIVE,
            ReservationRow.expires_at.is_not(None),
            ReservationRow.expires_at <= utc(now, "now"),
        )
        .group_by(ReservationRow.item_id, ReservationRow.location_id)
        .subquery()
    )
    query = (
        select(StockBalanceRow, ItemRow.sku, ItemRow.name, ItemRow.uom, LocationRow.code, expired)
        .join(ItemRow, ItemRow.id == StockBalanceRow.item_id)
        .join(LocationRow, LocationRow.id == StockBalanceRow.location_id)
        .outerjoin(
            expired,
            and_(
                expired.c.item_id == StockBalanceRow.item_id,
                expired.c.location_id == StockBalanceRow.location_id,
            ),
        )
        .where(LocationRow.kind.in_(INTERNAL_KINDS))
        .order_by(ItemRow.sku, LocationRow.code)
    )
    if item:
        query = query.where(ItemRow.sku == item)
    if location:
        query = query.where(LocationRow.code == location)
    if not include_empty:
        query = query.where(
            or_(
                StockBalanceRow.on_hand != 0,
                StockBalanceRow.reserved != 0,
                StockBalanceRow.in_transit != 0,
                StockBalanceRow.on_order != 0,
            )
        )
    views = []
    for row in session.execute(query):
        balance: StockBalanceRow = row[0]
        stale = row.quantity or Decimal(0)  # sum() keeps the Qty type: already a Decimal
        reserved = balance.reserved - stale
        views.append(
            BalanceView(
                sku=row.sku,
                item_name=row.name,
                location=row.code,
                on_hand=balance.on_hand,
                reserved=reserved,
                available=balance.on_hand - reserved,
                in_transit=balance.in_transit,
                on_order=balance.on_order,
                uom=row.uom,
            )
        )
    return views


def moves_total(uow: UnitOfWork, item_sku: str, location: str) -> Decimal:
    """On-hand recomputed from the ledger (sum in minus sum out): the balance must equal it."""
    session = uow.session
    item = _item(session, item_sku)
    loc = _location(session, location)

    def total(column: Any) -> Decimal:
        value = session.scalar(
            select(func.coalesce(func.sum(StockMoveRow.quantity), 0)).where(
                StockMoveRow.item_id == item.id, column == loc.id
            )
        )
        return Decimal(value or 0)  # sum() keeps the Qty type: already a Decimal

    return total(StockMoveRow.to_location_id) - total(StockMoveRow.from_location_id)
