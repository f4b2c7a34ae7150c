"""Locations, stock moves, balances and reservations, and the pure rules every ledger obeys.

The in-memory :class:`~flexchain.domain.ledger.Ledger` and the database use cases of
:mod:`flexchain.services.inventory` (with the batched reservations of
:class:`flexchain.adapters.db.stock.Reservations`) both call the rule functions here
(:func:`check_move`, :func:`check_reservable`, :func:`can_reserve`, :func:`check_withdrawal`,
:func:`consume`), so they accept and refuse the same things.

Internal locations (warehouse, factory, transit) hold stock whose *available* quantity
(``on_hand - reserved``) never goes below zero. External ones (supplier, customer, scrap) are
sources and sinks: their balance is a running count and may be negative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final

from flexchain.domain.catalog import validate_sku
from flexchain.domain.checks import choice, code, optional_code, text
from flexchain.domain.errors import InsufficientStock, NotFound, ValidationError
from flexchain.domain.values import quantity as as_quantity
from flexchain.domain.values import utc

__all__ = [
    "INTERNAL_KINDS",
    "Balance",
    "BalanceView",
    "HeldKey",
    "Location",
    "LocationKind",
    "MoveKind",
    "Reservation",
    "ReservationStatus",
    "StockKey",
    "StockMove",
    "can_reserve",
    "check_move",
    "check_reservable",
    "check_withdrawal",
    "consume",
]

StockKey = tuple[str, str]
"""(SKU, location code): one balance."""
HeldKey = tuple[str, str, str]
"""(owner, SKU, location code): one reservation (an owner holds one per item and location)."""


class LocationKind(StrEnum):
    WAREHOUSE = "warehouse"
    FACTORY = "factory"
    """Work in progress at a supplier's factory."""
    SUPPLIER = "supplier"
    TRANSIT = "transit"
    """On its way to the location named by ``transit_for``."""
    CUSTOMER = "customer"
    SCRAP = "scrap"
    PRODUCTION = "production"
    """Where a job's materials are consumed and its products come from (external)."""


INTERNAL_KINDS: Final = frozenset(
    {LocationKind.WAREHOUSE, LocationKind.FACTORY, LocationKind.TRANSIT}
)
_SUPPLIER_SITES: Final = frozenset({LocationKind.SUPPLIER, LocationKind.FACTORY})


@dataclass
class Location:
    """A place stock can be: one of ours, a supplier's, a customer, a truck, the scrap bin."""

    code: str
    name: str
    kind: LocationKind
    supplier_code: str | None = None
    transit_for: str | None = None

    def __post_init__(self) -> None:
        self.code = code(self.code, "code")
        self.name = text(self.name, "name")
        self.kind = choice(LocationKind, self.kind, "kind")
        self.supplier_code = optional_code(self.supplier_code, "supplier_code")
        if self.supplier_code is not None and self.kind not in _SUPPLIER_SITES:
            raise ValidationError(
                "supplier_code",
                f"only supplier and factory locations belong to a supplier, not {self.kind}",
            )
        self.transit_for = optional_code(self.transit_for, "transit_for")
        if self.transit_for is not None and self.kind is not LocationKind.TRANSIT:
            raise ValidationError(
                "transit_for", f"only transit locations have a destination, not {self.kind}"
            )
        if self.transit_for == self.code:
            raise ValidationError("transit_for", "a transit location cannot lead to itself")

    @property
    def holds_stock(self) -> bool:
        """Internal locations hold stock that can never go below zero available."""
        return self.kind in INTERNAL_KINDS


class MoveKind(StrEnum):
    OPENING = "opening"
    RECEIPT = "receipt"
    TRANSFER = "transfer"
    SHIPMENT = "shipment"
    ADJUSTMENT = "adjustment"
    SCRAP = "scrap"
    PRODUCTION_ISSUE = "production_issue"
    PRODUCTION_OUTPUT = "production_output"


@dataclass(frozen=True, init=False)
class StockMove:
    """``quantity`` of ``item_sku`` went from one location to another at ``at`` (UTC).

    Moves are never changed; a correction is a new move. With ``reservation_owner`` the move takes
    stock that owner reserved at ``from_location`` (as far as the reservation goes) instead of
    available stock. ``reason`` says why a person moved it (``stock adjust --reason``); empty for
    moves the system makes.
    """

    item_sku: str
    from_location: str
    to_location: str
    quantity: Decimal
    kind: MoveKind
    reference: str
    at: datetime
    reservation_owner: str | None
    reason: str

    def __init__(
        self,
        item_sku: str,
        from_location: str,
        to_location: str,
        quantity: Decimal | int | str,
        kind: MoveKind | str,
        reference: str = "",
        at: datetime | None = None,
        reservation_owner: str | None = None,
        reason: str = "",
    ) -> None:
        # Hand-written so that ``at`` keeps its place after ``reference`` and is still required.
        if at is None:
            raise ValidationError("at", "required: when the move happened (timezone-aware UTC)")
        source = code(from_location, "from_location")
        target = code(to_location, "to_location")
        if source == target:
            raise ValidationError("to_location", "must differ from from_location")
        owner = text(reservation_owner, "reservation_owner") if reservation_owner else None
        values = {
            "item_sku": validate_sku(item_sku, "item_sku"),
            "from_location": source,
            "to_location": target,
            "quantity": as_quantity(quantity, allow_zero=False),
            "kind": choice(MoveKind, kind, "kind"),
            "reference": text(reference, "reference", required=False),
            "at": utc(at, "at"),
            "reservation_owner": owner,
            "reason": text(reason, "reason", required=False),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)


@dataclass
class Balance:
    """Stock of one item at one location.

    ``in_transit`` is what sits in transit locations heading here; ``on_order`` is what open
    purchase and production orders will bring (the in-memory ledger knows no orders: 0).
    """

    on_hand: Decimal = Decimal(0)
    reserved: Decimal = Decimal(0)
    in_transit: Decimal = Decimal(0)
    on_order: Decimal = Decimal(0)

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class BalanceView:
    """One line of the stock table a user sees (reservations past their expiry not counted)."""

    sku: str
    item_name: str
    location: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    in_transit: Decimal
    on_order: Decimal
    uom: str


class ReservationStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    CONSUMED = "consumed"
    EXPIRED = "expired"


@dataclass
class Reservation:
    """Stock at a location promised to ``owner_ref`` (an order line, say).

    ``quantity`` is what is still held: a move that consumes the reservation lowers it, and at
    zero the status becomes CONSUMED. Past ``expires_at`` it no longer counts, whatever its status
    says ("not expired" is part of every question, not a job that runs later).
    """

    item_sku: str
    location: str
    quantity: Decimal
    owner_ref: str
    expires_at: datetime | None = None
    status: ReservationStatus = ReservationStatus.ACTIVE

    def __post_init__(self) -> None:
        self.item_sku = validate_sku(self.item_sku, "item_sku")
        self.location = code(self.location, "location")
        self.owner_ref = text(self.owner_ref, "owner_ref")
        self.status = choice(ReservationStatus, self.status, "status")
        active = self.status is ReservationStatus.ACTIVE
        self.quantity = as_quantity(self.quantity, allow_zero=not active)
        if self.expires_at is not None:
            self.expires_at = utc(self.expires_at, "expires_at")

    def is_active(self, now: datetime) -> bool:
        """Still holding stock at ``now``: ACTIVE and not yet at its expiry."""
        return self.status is ReservationStatus.ACTIVE and (
            self.expires_at is None or utc(now, "now") < self.expires_at
        )


def check_move(move: StockMove, locations: Mapping[str, Location]) -> tuple[Location, Location]:
    """The move's source and target; :class:`NotFound` if either location is unknown."""
    found = []
    for location_code in (move.from_location, move.to_location):
        location = locations.get(location_code)
        if location is None:
            raise NotFound(f"unknown location {location_code!r}")
        found.append(location)
    return found[0], found[1]


def check_reservable(location: Location) -> None:
    """Only internal locations hold stock, so only there can stock be reserved."""
    if not location.holds_stock:
        raise ValidationError(
            "location", f"{location.code} is a {location.kind} location and holds no stock"
        )


def can_reserve(balance: Balance, quantity: Decimal) -> bool:
    """Whether reserving ``quantity`` more keeps available stock at or above zero."""
    return quantity <= balance.available


def check_withdrawal(
    item_sku: str,
    location_code: str,
    quantity: Decimal,
    available: Decimal,
    owner_reserved: Decimal = Decimal(0),
) -> Decimal:
    """How much of a move out of an internal location comes from the owner's reservation.

    The reserved part (up to ``owner_reserved``) is the owner's already; the rest must fit in what
    is ``available``, else :class:`InsufficientStock` (reporting what this move could take).

    Returns
    -------
    Decimal
        The quantity consumed from the reservation.
    """
    consumed = min(owner_reserved, quantity)
    if quantity - consumed > available:
        raise InsufficientStock(item_sku, location_code, quantity, available + consumed)
    return consumed


def consume(reservation: Reservation, quantity: Decimal) -> None:
    """Take ``quantity`` (at most what it holds) from ``reservation``; at zero it is CONSUMED."""
    reservation.quantity -= quantity
    if reservation.quantity == 0:
        reservation.status = ReservationStatus.CONSUMED
