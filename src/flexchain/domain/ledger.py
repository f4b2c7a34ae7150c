"""The inventory ledger in memory: the reference model the database ledger is tested against.

Stock is an append-only list of moves; balances and reservations are derived from it. The rules
(which moves and reservations are refused) are the pure functions of :mod:`flexchain.domain.stock`,
re-exported here; the database use cases (:mod:`flexchain.services.inventory`) call the same
functions, so the database ledger and this model cannot drift apart silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from flexchain.domain.catalog import validate_sku
from flexchain.domain.checks import text
from flexchain.domain.errors import InsufficientStock, NotFound, ValidationError
from flexchain.domain.stock import (
    INTERNAL_KINDS,
    Balance,
    Location,
    LocationKind,
    MoveKind,
    Reservation,
    ReservationStatus,
    StockMove,
    can_reserve,
    check_move,
    check_reservable,
    check_withdrawal,
    consume,
)
from flexchain.domain.values import quantity as as_quantity
from flexchain.domain.values import utc

__all__ = [
    "INTERNAL_KINDS",
    "Balance",
    "Ledger",
    "Location",
    "LocationKind",
    "MoveKind",
    "Reservation",
    "ReservationStatus",
    "StockMove",
    "can_reserve",
    "check_move",
    "check_reservable",
    "check_withdrawal",
    "consume",
]

_Key = tuple[str, str, str]  # owner, item, location: one reservation each, like the database


class Ledger:
    """Moves, balances and reservations of any number of items over a fixed set of locations.

    Time never comes from a clock: every call that depends on it takes ``now`` (UTC).
    """

    def __init__(self, locations: Iterable[Location]) -> None:
        self.locations: dict[str, Location] = {}
        for location in locations:
            if location.code in self.locations:
                raise ValidationError("code", f"location {location.code!r} is listed twice")
            self.locations[location.code] = location
        for location in self.locations.values():
            if location.transit_for is not None and location.transit_for not in self.locations:
                raise ValidationError(
                    "transit_for",
                    f"{location.code} leads to unknown location {location.transit_for!r}",
                )
        self.moves: list[StockMove] = []
        self._on_hand: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        self._reservations: dict[_Key, Reservation] = {}

    @property
    def reservations(self) -> list[Reservation]:
        """Every reservation made, whatever its status (one per owner, item and location)."""
        return list(self._reservations.values())

    def location(self, code: str) -> Location:
        location = self.locations.get(code)
        if location is None:
            raise NotFound(f"unknown location {code!r}")
        return location

    def balance(self, item_sku: str, location: str, now: datetime) -> Balance:
        """On-hand, reserved (unexpired at ``now``) and in-transit stock of an item somewhere."""
        self.location(location)
        now = utc(now, "now")
        reserved = sum(
            (
                reservation.quantity
                for (_, sku, code), reservation in self._reservations.items()
                if sku == item_sku and code == location and reservation.is_active(now)
            ),
            Decimal(0),
        )
        in_transit = sum(
            (
                self._on_hand[(item_sku, transit.code)]
                for transit in self.locations.values()
                if transit.kind is LocationKind.TRANSIT and transit.transit_for == location
            ),
            Decimal(0),
        )
        return Balance(self._on_hand[(item_sku, location)], reserved, in_transit)

    def apply(self, move: StockMove, now: datetime) -> None:
        """Append ``move`` and update the balances it touches.

        Raises
        ------
        NotFound
            A location of the move is unknown.
        InsufficientStock
            The move would take the source's available stock below zero (an internal source).
        """
        now = utc(now, "now")
        source, _ = check_move(move, self.locations)
        held = None
        if move.reservation_owner is not None:
            held = self._reservations.get(
                (move.reservation_owner, move.item_sku, move.from_location)
            )
            if held is not None and not held.is_active(now):
                held = None
        owner_reserved = held.quantity if held is not None else Decimal(0)
        if source.holds_stock:
            available = self.balance(move.item_sku, source.code, now).available
            consumed = check_withdrawal(
                move.item_sku, source.code, move.quantity, available, owner_reserved
            )
        else:
            consumed = min(owner_reserved, move.quantity)
        if held is not None and consumed:
            consume(held, consumed)
        self._on_hand[(move.item_sku, move.from_location)] -= move.quantity
        self._on_hand[(move.item_sku, move.to_location)] += move.quantity
        self.moves.append(move)

    def reserve(
        self,
        item_sku: str,
        location: str,
        quantity: Decimal | int | str,
        owner_ref: str,
        now: datetime,
        expires_at: datetime | None = None,
    ) -> Reservation:
        """Hold ``quantity`` of an item at a location for ``owner_ref``, all or nothing.

        Reserving again for the same owner, item and location adds to the same reservation, and
        the latest call sets its expiry (``None``: never expires).

        Raises
        ------
        InsufficientStock
            Available stock (on hand minus unexpired reservations) is below ``quantity``.
        ValidationError
            The location holds no stock, or ``expires_at`` is not after ``now``.
        """
        item_sku = validate_sku(item_sku, "item_sku")
        owner_ref = text(owner_ref, "owner_ref")
        wanted = as_quantity(quantity, allow_zero=False)
        now = utc(now, "now")
        if expires_at is not None:
            expires_at = utc(expires_at, "expires_at")
            if expires_at <= now:
                raise ValidationError("expires_at", f"must be after now ({now.isoformat()})")
        check_reservable(self.location(location))
        balance = self.balance(item_sku, location, now)
        if not can_reserve(balance, wanted):
            raise InsufficientStock(item_sku, location, wanted, balance.available)
        key = (owner_ref, item_sku, location)
        held = self._reservations.get(key)
        if held is not None and held.is_active(now):
            held.quantity += wanted
            held.expires_at = expires_at
            return held
        self._reservations[key] = Reservation(item_sku, location, wanted, owner_ref, expires_at)
        return self._reservations[key]

    def release(self, owner_ref: str, now: datetime, item_sku: str | None = None) -> Decimal:
        """Release the owner's reservations (of one item, or all); returns the quantity freed.

        Releasing what is not held (already released, consumed or expired) does nothing, so a
        retried release is harmless.
        """
        now = utc(now, "now")
        freed = Decimal(0)
        for (owner, sku, _), reservation in self._reservations.items():
            if owner != owner_ref or (item_sku is not None and sku != item_sku):
                continue
            if reservation.is_active(now):
                freed += reservation.quantity
                reservation.status = ReservationStatus.RELEASED
            elif reservation.status is ReservationStatus.ACTIVE:
                reservation.status = ReservationStatus.EXPIRED
        return freed
