"""Reservations on the database: the batched :class:`Reservations` of an intake batch and the one
upsert every reservation row goes through."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, select, update
from sqlalchemy.orm import Session

from flexchain.adapters.db.dialect import insert_for
from flexchain.adapters.db.stock.locks import ACTIVE, BalanceKey, lock_balances, sweep_expired_many
from flexchain.adapters.db.tables import ReservationRow, StockBalanceRow
from flexchain.adapters.db.types import Qty
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import InsufficientStock
from flexchain.domain.stock import Balance, can_reserve

__all__ = ["Reservations", "upsert_reservations"]


class Reservations:
    """Many reservations in one transaction (a batch of orders): each balance is locked and swept
    once, allocations are counted in memory against the locked figures (with
    :func:`~flexchain.domain.stock.can_reserve`, the rule every ledger uses), and :meth:`write`
    applies them with one guarded ``UPDATE`` per balance and one upsert for all reservation rows.

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
        hint: Iterable[BalanceKey] = (),
    ) -> None:
        self._uow = uow
        self._now = now
        self._optimistic = optimistic
        self._hint = set(hint) if optimistic else set()
        """(item id, location id) balances to read with the first one asked for (optimistic
        only: unlocked reads cost no contention), e.g. the ones the previous batch needed."""
        self._balances: dict[BalanceKey, StockBalanceRow] = {}
        self._figures: dict[BalanceKey, Balance] = {}
        """On hand and reserved as counted so far (expired reservations swept, this batch's
        reservations added)."""
        self._taken: dict[BalanceKey, Decimal] = {}
        self._rows: dict[tuple[str, int, int], Decimal] = {}
        self._names: dict[BalanceKey, tuple[str, str]] = {}

    def reserve(
        self,
        item: tuple[int, str],
        loc: tuple[int, str],
        wanted: Decimal,
        owner_ref: str,
        *,
        allow_partial: bool = False,
    ) -> Decimal:
        """As :func:`flexchain.services.inventory.reserve_known` (without expiry), applied by
        :meth:`write`."""
        key = (item[0], loc[0])
        if key not in self._balances:
            self._load({key} | (self._hint - self._balances.keys()))
            self._hint = set()
        self._names.setdefault(key, (item[1], loc[1]))
        figure = self._figures[key]
        available = figure.available
        amount = min(wanted, max(available, Decimal(0))) if allow_partial else wanted
        if amount <= 0:
            return Decimal(0)
        if not can_reserve(figure, amount):
            raise InsufficientStock(item[1], loc[1], wanted, available)
        figure.reserved += amount
        self._taken[key] = self._taken.get(key, Decimal(0)) + amount
        row_key = (owner_ref, *key)
        self._rows[row_key] = self._rows.get(row_key, Decimal(0)) + amount
        return amount

    @property
    def balances(self) -> list[BalanceKey]:
        """The (item id, location id) balances read so far."""
        return list(self._balances)

    # --- added for fulfilment's allocation (engineer B): the figures to decide on ---
    def available(self, keys: Iterable[BalanceKey]) -> dict[BalanceKey, Decimal]:
        """What each of ``keys`` has available now (this batch's reservations counted); the
        ones not read yet are read, as :meth:`reserve` reads them, in one statement."""
        wanted = set(keys)
        missing = wanted - self._balances.keys()
        if missing:
            self._load(missing | (self._hint - self._balances.keys()))
            self._hint = set()
        return {key: self._figures[key].available for key in wanted}

    def _refused(self, keys: list[BalanceKey]) -> BalanceKey:
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

    def _load(self, keys: set[BalanceKey]) -> None:
        """Read (optimistic) or lock ``keys``' balances and sweep their expired reservations,
        in one statement each."""
        session = self._uow.session
        # balances and reservations change by statements, never as pending ORM rows: what the
        # caller has pending (an order's lines) is flushed once, later
        with session.no_autoflush:
            balances = lock_balances(session, keys, lock=not self._optimistic)
            # without the lock too: the UPDATE of the expired reservations locks them, so a
            # concurrent sweep of the same ones waits and then finds nothing left to sweep
            swept = sweep_expired_many(session, list(balances.values()), self._now)
        for key, balance in balances.items():
            self._balances[key] = balance
            self._figures[key] = Balance(
                on_hand=balance.on_hand, reserved=balance.reserved - swept.get(key, 0)
            )

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
            raise InsufficientStock(
                *self._names[short], self._taken[short], self._figures[short].available
            )
        now = self._now
        upsert_reservations(
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


def upsert_reservations(session: Session, rows: list[dict[str, Any]]) -> None:
    """New reservations, or more on an owner's reservation of an item at a location (a released
    or expired one starts again from the new quantity)."""
    if not rows:
        return
    statement = insert_for(session, ReservationRow)
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
