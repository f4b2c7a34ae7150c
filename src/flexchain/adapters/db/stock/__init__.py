"""The stock store: every SQL statement of the inventory ledger (moves, balances, reservations).

The use cases in :mod:`flexchain.services.inventory` load through :class:`SqlStockStore`, decide
with the rules of :mod:`flexchain.domain.stock` and write back through it. The store speaks the
domain's names — an item by SKU, a location by code, a balance as
:class:`~flexchain.domain.stock.Balance` — and keeps the database ids to itself.

* :mod:`.locks`: the one stock lock (balance rows created and locked in primary-key order), the
  expiry sweeps and the guarded ``UPDATE ... WHERE on_hand - reserved >= :q``.
* :mod:`.reservations`: the batched :class:`Reservations` of an intake batch and the reservations
  upsert.
* :mod:`.reads`: the balances listing and the ledger's own sum of moves.

Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, tuple_
from sqlalchemy.orm import aliased

from flexchain.adapters.db.stock import locks, reads
from flexchain.adapters.db.stock.locks import ACTIVE
from flexchain.adapters.db.stock.reservations import Reservations, upsert_reservations
from flexchain.adapters.db.tables import (
    ItemRow,
    LocationRow,
    ReservationRow,
    StockBalanceRow,
    StockMoveRow,
)
from flexchain.adapters.db.types import Qty
from flexchain.adapters.db.uow import UnitOfWork
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
)

__all__ = ["BalanceView", "Reservations", "SqlStockStore"]


class SqlStockStore:
    """The inventory ledger of one unit of work (the interface the use cases rely on is
    :class:`flexchain.services.inventory.StockStore`).

    Items, locations, locked balances and loaded reservations are remembered for the life of the
    store (one use case), so the write that follows a load needs no lookups.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.actor = uow.actor
        self._session = uow.session
        self._item_ids: dict[str, int] = {}
        self._location_ids: dict[str, int] = {}
        self._balances: dict[StockKey, StockBalanceRow] = {}
        self._reservations: dict[HeldKey, ReservationRow] = {}

    # -- load ---------------------------------------------------------------------------------

    def items(self, skus: Iterable[str]) -> set[str]:
        """The SKUs of ``skus`` that name an item (one query)."""
        skus = list(skus)
        wanted = set(skus) - self._item_ids.keys()
        if wanted:
            found = self._session.execute(
                select(ItemRow.sku, ItemRow.id).where(ItemRow.sku.in_(wanted))
            )
            self._item_ids.update({sku: item_id for sku, item_id in found})
        return {sku for sku in skus if sku in self._item_ids}

    def locations(self, codes: Iterable[str]) -> dict[str, Location]:
        """The locations of ``codes`` that exist, by code (one query; unknown codes left out)."""
        target = aliased(LocationRow)
        found = self._session.execute(
            select(LocationRow, target.code)
            .outerjoin(target, target.id == LocationRow.transit_for_id)
            .where(LocationRow.code.in_(set(codes)))
        )
        result = {}
        for row, transit_for in found:
            self._location_ids[row.code] = row.id
            if row.transit_for_id is not None:
                self._location_ids[transit_for] = row.transit_for_id
            result[row.code] = Location(
                row.code, row.name, LocationKind(row.kind), transit_for=transit_for
            )
        return result

    def know(self, item: tuple[int, str], location: tuple[int, str]) -> None:
        """The (id, SKU) of an item and the (id, code) of a location the caller already holds."""
        self._item_ids[item[1]] = item[0]
        self._location_ids[location[1]] = location[0]

    def lock(self, keys: Iterable[StockKey]) -> dict[StockKey, Balance]:
        """Lock the balances of ``keys`` (created if missing) in primary-key order; their figures
        as locked (expired reservations not yet swept: see :meth:`sweep`)."""
        ids = {(self._item_ids[sku], self._location_ids[code]): (sku, code) for sku, code in keys}
        rows = locks.lock_balances(self._session, ids)
        figures = {}
        for key, row in rows.items():
            self._balances[ids[key]] = row
            figures[ids[key]] = Balance(row.on_hand, row.reserved, row.in_transit, row.on_order)
        return figures

    def sweep(self, key: StockKey, now: datetime) -> Decimal:
        """Mark a locked balance's reservations past their expiry at ``now`` expired; returns the
        quantity that stopped counting (already taken off the balance's ``reserved``)."""
        return locks.sweep_expired(self._session, self._balances[key], now)

    def held(self, keys: Iterable[HeldKey]) -> dict[HeldKey, Reservation]:
        """The active reservations of (owner, SKU, location code) ``keys`` (sweep first: an
        expired one still counts as active until swept)."""
        wanted = {
            (owner, self._item_ids[sku], self._location_ids[code]): (owner, sku, code)
            for owner, sku, code in keys
        }
        if not wanted:
            return {}
        rows = self._session.scalars(
            select(ReservationRow)
            .where(
                tuple_(
                    ReservationRow.owner_ref, ReservationRow.item_id, ReservationRow.location_id
                ).in_(list(wanted)),
                ReservationRow.status == ACTIVE,
            )
            .execution_options(populate_existing=True)  # reservations change through Core too
        )
        result = {}
        for row in rows:
            key = wanted[(row.owner_ref, row.item_id, row.location_id)]
            self._reservations[key] = row
            result[key] = Reservation(
                key[1],
                key[2],
                row.quantity,
                row.owner_ref,
                row.expires_at,
                ReservationStatus.ACTIVE,
            )
        return result

    def reserved_by(self, owner_ref: str, item_sku: str | None = None) -> list[StockKey]:
        """The (SKU, location code) of ``owner_ref``'s active reservations (of one item, or
        all); the items and locations become known to the store."""
        query = (
            select(ItemRow.sku, ItemRow.id, LocationRow.code, LocationRow.id)
            .select_from(ReservationRow)
            .join(ItemRow, ItemRow.id == ReservationRow.item_id)
            .join(LocationRow, LocationRow.id == ReservationRow.location_id)
            .where(ReservationRow.owner_ref == owner_ref, ReservationRow.status == ACTIVE)
        )
        if item_sku is not None:
            query = query.where(ItemRow.sku == item_sku)
        keys = []
        for sku, item_id, code, location_id in self._session.execute(query):
            self.know((item_id, sku), (location_id, code))
            keys.append((sku, code))
        return keys

    def moves_total(self, item_sku: str, location: str) -> Decimal:
        """On-hand at a known location recomputed from the ledger (sum in minus sum out)."""
        return reads.moves_total(
            self._session, self._item_ids[item_sku], self._location_ids[location]
        )

    def balances(
        self,
        *,
        now: datetime,
        item: str | None = None,
        location: str | None = None,
        include_empty: bool = False,
    ) -> list[BalanceView]:
        """Balances per item and internal location, reservations past ``now`` not counted."""
        return reads.balances(
            self._session, now=now, item=item, location=location, include_empty=include_empty
        )

    # -- write --------------------------------------------------------------------------------

    def write_moves(
        self,
        moves: Sequence[StockMove],
        changes: Mapping[StockKey, Balance],
        reservations: Iterable[Reservation] = (),
    ) -> None:
        """Append ``moves``, add ``changes`` (on hand, reserved, in transit) to the locked
        balances, and store the quantity and status of ``reservations`` (loaded by :meth:`held`)."""
        session = self._session
        if changes:
            # one executemany on the table (no ORM bookkeeping per row), in primary-key order
            table = cast(Table, StockBalanceRow.__table__)
            columns = table.c
            values = {
                "on_hand": columns.on_hand + bindparam("on_hand_delta", type_=Qty()),
                "in_transit": columns.in_transit + bindparam("in_transit_delta", type_=Qty()),
            }
            consumed = any(change.reserved for change in changes.values())
            if consumed:
                values["reserved"] = columns.reserved + bindparam("reserved_delta", type_=Qty())
            params: list[dict[str, Any]] = []
            for key in sorted(changes, key=lambda k: self._balances[k].id):
                change = changes[key]
                param = {
                    "balance_id": self._balances[key].id,
                    "on_hand_delta": change.on_hand,
                    "in_transit_delta": change.in_transit,
                }
                if consumed:
                    param["reserved_delta"] = change.reserved
                params.append(param)
            session.execute(
                table.update().where(columns.id == bindparam("balance_id")).values(**values),
                params,
            )
            for key in changes:
                session.expire(self._balances[key])  # the rows changed behind the ORM's back
        self._store_reservations(reservations)
        rows = [self._move_row(move) for move in moves]
        if rows:
            # RETURNING lets SQLAlchemy send them as multi-row INSERTs, compiled once
            session.execute(insert(StockMoveRow).returning(StockMoveRow.id), rows).all()
        session.flush()

    def _move_row(self, move: StockMove) -> dict[str, Any]:
        return {
            "item_id": self._item_ids[move.item_sku],
            "from_location_id": self._location_ids[move.from_location],
            "to_location_id": self._location_ids[move.to_location],
            "quantity": move.quantity,
            "kind": str(move.kind),
            "reference": move.reference,
            "reason": move.reason,
            "reservation_owner": move.reservation_owner,
            "at": move.at,
            "created_by": self.actor,
        }

    def _store_reservations(self, reservations: Iterable[Reservation]) -> None:
        for reservation in reservations:
            row = self._reservations[
                (reservation.owner_ref, reservation.item_sku, reservation.location)
            ]
            row.quantity = reservation.quantity
            row.status = reservation.status.value

    def reserve(
        self,
        key: StockKey,
        quantity: Decimal,
        owner_ref: str,
        *,
        now: datetime,
        expires_at: datetime | None = None,
    ) -> bool:
        """Reserve ``quantity`` of a locked balance for ``owner_ref``: the guarded ``UPDATE``
        (False, nothing written, if it refuses), then one upsert of the owner's reservation."""
        if not locks.reserve(self._session, self._balances[key], quantity):
            return False
        sku, code = key
        upsert_reservations(
            self._session,
            [
                {
                    "owner_ref": owner_ref,
                    "item_id": self._item_ids[sku],
                    "location_id": self._location_ids[code],
                    "quantity": quantity,
                    "expires_at": expires_at,
                    "status": ACTIVE,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        return True

    def release(self, reservations: Iterable[Reservation]) -> None:
        """Give back what ``reservations`` (loaded by :meth:`held`, now RELEASED) held: each
        one's quantity off its locked balance's ``reserved``, and its status stored."""
        for reservation in reservations:
            key = (reservation.item_sku, reservation.location)
            held = self._reservations[(reservation.owner_ref, *key)]
            locks.add(self._session, self._balances[key], reserved=-held.quantity)
        self._store_reservations(reservations)
        self._session.flush()
