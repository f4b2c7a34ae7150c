"""The inventory ledger's use cases: post moves, reserve, release, list balances.

Each one loads through a :class:`StockStore` (on the database,
:class:`flexchain.adapters.db.stock.SqlStockStore`, which holds every statement: the key-order
lock, the expiry sweeps, the guarded ``UPDATE ... WHERE on_hand - reserved >= :q``), decides with
the rules of :mod:`flexchain.domain.stock` — the same functions the in-memory reference
:class:`~flexchain.domain.ledger.Ledger` calls, which the property tests compare against — and
writes back through the store:

* A move is appended, never changed; the balances of both locations change in the same
  transaction. A single move is posted as a batch of one (:func:`post_move` is
  :func:`post_moves` of ``[move]``).
* Internal locations (warehouse, factory, transit) never go below zero *available*: every
  balance a post touches is locked (in primary-key order) before it is read, so the check made
  on the locked figures (:func:`~flexchain.domain.stock.check_withdrawal`) holds under
  concurrency; a reservation's check is also part of its guarded ``UPDATE``.
* A reservation may carry an expiry; "not expired" is part of every query. Expired reservations
  still counted in ``reserved`` are swept under the row lock the next time that balance is written.

None of these functions commit: the caller's unit of work does. ``uow`` is the unit of work (its
database store is used) or any :class:`StockStore` (tests/fakes.py keeps one in memory). Time
comes from the caller: a move's ``at``, or ``now``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from flexchain.adapters.db.availability import AvailabilityReads
from flexchain.adapters.db.stock import Reservations, SqlStockStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import InsufficientStock, NotFound, ValidationError
from flexchain.domain.stock import (
    Balance,
    BalanceView,
    HeldKey,
    Location,
    LocationKind,
    Reservation,
    ReservationStatus,
    StockKey,
    StockMove,
    can_reserve,
    check_move,
    check_reservable,
    check_withdrawal,
    consume,
)
from flexchain.domain.values import quantity as as_quantity
from flexchain.domain.values import utc
from flexchain.services import availability

__all__ = [
    "BalanceView",
    "Reservations",
    "StockStore",
    "balances",
    "moves_total",
    "post_move",
    "post_moves",
    "release",
    "reserve",
    "reserve_known",
]

_ZERO = Decimal(0)


class StockStore(Protocol):
    """What the inventory use cases need from a store (keys are SKUs and location codes)."""

    def items(self, skus: Iterable[str]) -> set[str]:
        """The SKUs of ``skus`` that name an item."""
        ...

    def locations(self, codes: Iterable[str]) -> dict[str, Location]:
        """The locations of ``codes`` that exist, by code."""
        ...

    def know(self, item: tuple[int, str], location: tuple[int, str]) -> None:
        """The database (id, SKU) and (id, code) a caller already holds."""
        ...

    def lock(self, keys: Iterable[StockKey]) -> dict[StockKey, Balance]:
        """Lock (creating if missing) and read the balances of ``keys``."""
        ...

    def sweep(self, key: StockKey, now: datetime) -> Decimal:
        """Expire a locked balance's reservations past ``now``; the quantity that stopped
        counting (the store's ``reserved`` already lowered by it)."""
        ...

    def held(self, keys: Iterable[HeldKey]) -> dict[HeldKey, Reservation]:
        """The active reservations of ``keys`` (copies: write changes back through the store)."""
        ...

    def reserved_by(self, owner_ref: str, item_sku: str | None = None) -> list[StockKey]:
        """The balances ``owner_ref`` holds active reservations at (of one item, or all)."""
        ...

    def moves_total(self, item_sku: str, location: str) -> Decimal:
        """Sum of moves in minus moves out of a known item at a known location."""
        ...

    def balances(
        self,
        *,
        now: datetime,
        item: str | None = None,
        location: str | None = None,
        include_empty: bool = False,
    ) -> list[BalanceView]:
        """Balances per item and internal location, reservations past ``now`` not counted."""
        ...

    def write_moves(
        self,
        moves: Sequence[StockMove],
        changes: Mapping[StockKey, Balance],
        reservations: Iterable[Reservation] = (),
    ) -> None:
        """Append ``moves``, add ``changes`` to locked balances, store ``reservations``."""
        ...

    def reserve(
        self,
        key: StockKey,
        quantity: Decimal,
        owner_ref: str,
        *,
        now: datetime,
        expires_at: datetime | None = None,
    ) -> bool:
        """Add ``quantity`` to ``owner_ref``'s reservation at a locked balance (False, nothing
        written, if available stock no longer covers it)."""
        ...

    def release(self, reservations: Iterable[Reservation]) -> None:
        """Give back what ``reservations`` (now RELEASED) held and store their status."""
        ...


def _store(uow: UnitOfWork | StockStore) -> StockStore:
    return SqlStockStore(uow) if isinstance(uow, UnitOfWork) else uow


def post_move(uow: UnitOfWork | StockStore, move: StockMove) -> None:
    """Append ``move`` to the ledger and update the balances it touches: :func:`post_moves` of
    one move.

    Raises
    ------
    NotFound
        The item or a location does not exist.
    InsufficientStock
        The move would take an internal location's available stock below zero.
    """
    post_moves(uow, [move])


def post_moves(uow: UnitOfWork | StockStore, moves: Sequence[StockMove]) -> None:
    """Append ``moves`` (one, a stock count, an opening balance import) in the order given.

    Load: items and locations in one query each, every balance involved locked once (in
    primary-key order) and swept of expired reservations once, the reservations the moves
    consume. Decide: each move checked against the running figures with the domain's rules.
    Write: each balance once, the moves appended together; on the database, the availability
    push of every item whose warehouse stock changed is queued in the same unit of work.

    Raises
    ------
    NotFound, InsufficientStock
        As :func:`post_move`, for the first move that breaks a rule, before anything of the
        batch is written (expired reservations may have been swept); the caller's unit of work
        then rolls back.
    """
    if not moves:
        return
    store = _store(uow)
    ends = _check_moves(store, moves)
    balances = store.lock(_balance_keys(moves, ends))
    held = _load_held(store, moves, ends, balances)
    changes, consumed = _settle(moves, ends, balances, held)
    store.write_moves(moves, changes, consumed)
    if isinstance(uow, UnitOfWork):
        skus = {
            move.item_sku
            for move, (source, target) in zip(moves, ends, strict=True)
            if LocationKind.WAREHOUSE in (source.kind, target.kind)
        }
        _queue_sellable(uow, skus, max(move.at for move in moves))


def _queue_sellable(uow: UnitOfWork, skus: set[str], now: datetime) -> None:
    """Queue the availability push of ``skus``, whose warehouse stock changed (what a shop may
    sell is counted over warehouses), whatever changed it: a stock command, an import, a
    shipment, a job's material issue or output, a reservation. The pending row of a shop and
    product is updated, so the last change of a unit of work sets what is pushed."""
    if skus:
        item_ids = AvailabilityReads(uow.session).item_ids(skus)
        availability.queue_pushes(uow, item_ids, now=now)


def _check_moves(store: StockStore, moves: Sequence[StockMove]) -> list[tuple[Location, Location]]:
    """Each move's source and target; :class:`NotFound` for the first unknown item or location."""
    known = store.items({move.item_sku for move in moves})
    locations = store.locations(
        {move.from_location for move in moves} | {move.to_location for move in moves}
    )
    ends = []
    for move in moves:
        if move.item_sku not in known:
            raise NotFound(f"unknown item {move.item_sku!r}")
        ends.append(check_move(move, locations))
    return ends


def _destination(location: Location) -> str | None:
    """Where stock in ``location`` is heading (a transit location), whose in-transit it counts."""
    return location.transit_for if location.kind is LocationKind.TRANSIT else None


def _balance_keys(
    moves: Sequence[StockMove], ends: Sequence[tuple[Location, Location]]
) -> set[StockKey]:
    keys: set[StockKey] = set()
    for move, (source, target) in zip(moves, ends, strict=True):
        for location in (source, target):
            keys.add((move.item_sku, location.code))
            heading = _destination(location)
            if heading is not None:
                keys.add((move.item_sku, heading))
    return keys


def _load_held(
    store: StockStore,
    moves: Sequence[StockMove],
    ends: Sequence[tuple[Location, Location]],
    balances: Mapping[StockKey, Balance],
) -> dict[HeldKey, Reservation]:
    """Sweep each source balance once (at its first move's time), then load the reservations
    the moves take from."""
    swept: set[StockKey] = set()
    for move, (source, _) in zip(moves, ends, strict=True):
        key = (move.item_sku, source.code)
        if key not in swept:
            balances[key].reserved -= store.sweep(key, move.at)
            swept.add(key)
    return store.held(
        (move.reservation_owner, move.item_sku, move.from_location)
        for move in moves
        if move.reservation_owner is not None
    )


def _settle(
    moves: Sequence[StockMove],
    ends: Sequence[tuple[Location, Location]],
    balances: Mapping[StockKey, Balance],
    held: Mapping[HeldKey, Reservation],
) -> tuple[dict[StockKey, Balance], list[Reservation]]:
    """The decision: each move in turn against the running ``balances`` (changed in place), as
    :meth:`flexchain.domain.ledger.Ledger.apply` does. Returns the change of each balance and
    the reservations consumed."""
    changes: dict[StockKey, Balance] = {}

    def change(key: StockKey, on_hand: Decimal, reserved: Decimal, in_transit: Decimal) -> None:
        delta = changes.get(key)
        if delta is None:
            delta = changes[key] = Balance()
        for figure in (balances[key], delta):
            figure.on_hand += on_hand
            figure.reserved += reserved
            figure.in_transit += in_transit

    consumed: dict[HeldKey, Reservation] = {}
    for move, (source, target) in zip(moves, ends, strict=True):
        sku, amount = move.item_sku, move.quantity
        reservation = _reservation_taken(move, held)
        owner_reserved = reservation.quantity if reservation is not None else _ZERO
        if source.holds_stock:
            available = balances[(sku, source.code)].available
            taken = check_withdrawal(sku, source.code, amount, available, owner_reserved)
        else:
            taken = min(owner_reserved, amount)
        if reservation is not None and taken:
            consume(reservation, taken)
            consumed[(reservation.owner_ref, sku, source.code)] = reservation
        change((sku, source.code), -amount, -taken, _ZERO)
        change((sku, target.code), amount, _ZERO, _ZERO)
        for location, sign in ((source, -1), (target, 1)):
            heading = _destination(location)
            if heading is not None:
                change((sku, heading), _ZERO, _ZERO, sign * amount)
    return changes, list(consumed.values())


def _reservation_taken(move: StockMove, held: Mapping[HeldKey, Reservation]) -> Reservation | None:
    """The owner's reservation ``move`` takes from first, if it still holds stock at the move."""
    if move.reservation_owner is None:
        return None
    reservation = held.get((move.reservation_owner, move.item_sku, move.from_location))
    return reservation if reservation is not None and reservation.is_active(move.at) else None


def reserve(
    uow: UnitOfWork | StockStore,
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
    On the database, a reservation at a warehouse queues the item's availability push.
    """
    wanted = as_quantity(quantity, allow_zero=False)
    now = utc(now, "now")
    if expires_at is not None:
        expires_at = utc(expires_at, "expires_at")
        if expires_at <= now:
            raise ValidationError("expires_at", "must be after now")
    if not owner_ref:
        raise ValidationError("owner_ref", "must not be empty")
    store = _store(uow)
    if item_sku not in store.items([item_sku]):
        raise NotFound(f"unknown item {item_sku!r}")
    place = store.locations([location]).get(location)
    if place is None:
        raise NotFound(f"unknown location {location!r}")
    check_reservable(place)
    key = (item_sku, place.code)
    reserved = _reserve(store, key, wanted, owner_ref, now, expires_at, allow_partial)
    if reserved and isinstance(uow, UnitOfWork) and place.kind is LocationKind.WAREHOUSE:
        _queue_sellable(uow, {item_sku}, now)
    return reserved


def reserve_known(
    uow: UnitOfWork | StockStore,
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
    store = _store(uow)
    store.know(item, loc)
    return _reserve(store, (item[1], loc[1]), wanted, owner_ref, now, expires_at, allow_partial)


def _reserve(
    store: StockStore,
    key: StockKey,
    wanted: Decimal,
    owner_ref: str,
    now: datetime,
    expires_at: datetime | None,
    allow_partial: bool,
) -> Decimal:
    balance = store.lock([key])[key]
    balance.reserved -= store.sweep(key, now)  # the row is locked: these figures hold
    available = balance.available
    amount = min(wanted, max(available, _ZERO)) if allow_partial else wanted
    if amount <= 0:
        return _ZERO
    if not can_reserve(balance, amount) or not store.reserve(
        key, amount, owner_ref, now=now, expires_at=expires_at
    ):
        raise InsufficientStock(key[0], key[1], wanted, available)
    return amount


def release(
    uow: UnitOfWork | StockStore, owner_ref: str, *, now: datetime, item_sku: str | None = None
) -> Decimal:
    """Release ``owner_ref``'s active reservations (of one item, or all); returns the total.

    Releasing what is not held (already released, consumed or expired) does nothing, so a retried
    release is harmless. On the database, the items freed get their availability push queued.
    """
    store = _store(uow)
    now = utc(now, "now")
    if item_sku is not None and item_sku not in store.items([item_sku]):
        raise NotFound(f"unknown item {item_sku!r}")
    keys = store.reserved_by(owner_ref, item_sku)
    if not keys:
        return _ZERO
    store.lock(keys)
    for key in keys:
        store.sweep(key, now)
    freed = []
    for reservation in store.held((owner_ref, *key) for key in keys).values():
        if reservation.is_active(now):
            reservation.status = ReservationStatus.RELEASED
            freed.append(reservation)
    store.release(freed)
    if isinstance(uow, UnitOfWork):
        _queue_sellable(uow, {reservation.item_sku for reservation in freed}, now)
    return sum((reservation.quantity for reservation in freed), _ZERO)


def held_by(uow: UnitOfWork | StockStore, owner_ref: str, location: str) -> dict[str, Decimal]:
    """What ``owner_ref`` holds reserved at ``location``, per SKU (active reservations)."""
    store = _store(uow)
    keys = [(owner_ref, sku, at) for sku, at in store.reserved_by(owner_ref) if at == location]
    return {sku: r.quantity for (_, sku, _), r in store.held(keys).items() if r.quantity > 0}


def balances(
    uow: UnitOfWork | StockStore,
    *,
    now: datetime,
    item: str | None = None,
    location: str | None = None,
    include_empty: bool = False,
) -> list[BalanceView]:
    """Balances per item and location; reservations past their expiry are not counted."""
    return _store(uow).balances(
        now=utc(now, "now"), item=item, location=location, include_empty=include_empty
    )


def moves_total(uow: UnitOfWork | StockStore, item_sku: str, location: str) -> Decimal:
    """On-hand recomputed from the ledger (sum in minus sum out): the balance must equal it."""
    store = _store(uow)
    if item_sku not in store.items([item_sku]):
        raise NotFound(f"unknown item {item_sku!r}")
    if location not in store.locations([location]):
        raise NotFound(f"unknown location {location!r}")
    return store.moves_total(item_sku, location)
