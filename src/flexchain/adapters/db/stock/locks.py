"""The stock lock and the statements that change a balance row: the only way stock changes.

* :func:`lock_balances` creates missing (item, location) balance rows, then locks them in
  primary-key order (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the writing unit of work
  already holds the database write lock), so two writers can never deadlock.
* :func:`sweep_expired` / :func:`sweep_expired_many` stop counting reservations past their expiry,
  under the row lock, the next time that balance is written.
* :func:`add` is an atomic ``column = column + :delta`` update; :func:`reserve` carries its
  availability check in the ``UPDATE ... WHERE on_hand - reserved >= :q`` itself, so it holds
  under concurrency.

None of these commit: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, literal, or_, select, tuple_, update
from sqlalchemy.orm import Session

from flexchain.adapters.db.dialect import insert_for
from flexchain.adapters.db.tables import ReservationRow, StockBalanceRow
from flexchain.adapters.db.types import Qty
from flexchain.domain.stock import ReservationStatus

__all__ = [
    "ACTIVE",
    "LOCK_CHUNK",
    "BalanceKey",
    "add",
    "lock_balances",
    "q",
    "reserve",
    "sweep_expired",
    "sweep_expired_many",
]

ACTIVE = ReservationStatus.ACTIVE.value
BalanceKey = tuple[int, int]
"""(item id, location id) of a balance row."""

LOCK_CHUNK = 5_000
"""Balances per statement when many are locked at once (SQLite caps bound variables)."""


def q(value: Decimal) -> Any:
    """A bound quantity with the Qty type, so it is scaled like the columns it is compared to."""
    return literal(value, Qty())


def lock_balances(
    session: Session, keys: Iterable[BalanceKey], *, lock: bool = True
) -> dict[BalanceKey, StockBalanceRow]:
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


def _create_balances(session: Session, keys: list[BalanceKey]) -> None:
    session.execute(
        insert_for(session, StockBalanceRow).on_conflict_do_nothing(
            index_elements=["item_id", "location_id"]
        ),
        [{"item_id": item_id, "location_id": location_id} for item_id, location_id in keys],
    )


def _lock_many(session: Session, wanted: list[BalanceKey]) -> dict[BalanceKey, StockBalanceRow]:
    """:func:`lock_balances` for more keys than one statement takes: ids first, missing rows
    created, then locked chunk by chunk in ascending id order (still one global order)."""
    ids: dict[BalanceKey, int] = {}

    def read_ids(keys: list[BalanceKey]) -> None:
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
    result: dict[BalanceKey, StockBalanceRow] = {}
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


def sweep_expired(session: Session, balance: StockBalanceRow, now: datetime) -> Decimal:
    """Stop counting reservations past their expiry (called with the balance row locked);
    returns the quantity that stopped counting. One UPDATE ... RETURNING, no rows loaded."""
    return sweep_expired_many(session, [balance], now).get(
        (balance.item_id, balance.location_id), Decimal(0)
    )


def sweep_expired_many(
    session: Session, balances: Sequence[StockBalanceRow], now: datetime
) -> dict[BalanceKey, Decimal]:
    """:func:`sweep_expired` for several balances in one statement; the quantity that stopped
    counting by (item, location), only where some did."""
    if not balances:
        return {}
    expired: dict[BalanceKey, Decimal] = {}
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
            add(session, balance, reserved=-total)
    return expired


def add(session: Session, balance: StockBalanceRow, **deltas: Decimal) -> None:
    """Atomic ``column = column + :delta`` updates of one balance row."""
    values = {
        name: getattr(StockBalanceRow, name) + q(delta) for name, delta in deltas.items() if delta
    }
    if values:
        session.execute(
            update(StockBalanceRow).where(StockBalanceRow.id == balance.id).values(**values)
        )


def reserve(session: Session, balance: StockBalanceRow, amount: Decimal) -> bool:
    """``reserved += amount`` if it fits in what is available: the guard is in the UPDATE."""
    result = session.execute(
        update(StockBalanceRow)
        .where(
            StockBalanceRow.id == balance.id,
            StockBalanceRow.on_hand - StockBalanceRow.reserved >= q(amount),
        )
        .values(reserved=StockBalanceRow.reserved + q(amount))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
