"""The outbox store: queue a push (one pending row per shop, kind and key), list rows, and the
dispatcher's claim -> load -> settle, each in its own short transaction.

Only rows of active shops are claimed: a disabled shop's pending rows wait, untouched, until it
is enabled again; a removed shop's are settled as failed (:meth:`OutboxRows.abandon`).

Rows are claimed with a lease (``next_attempt_at`` moved ahead, ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL) so a crashed sender never loses one and two senders never send the same row at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import OutboxRow, ShopRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.outbox import Delivery, OutboxStatus

__all__ = ["OutboxDispatchStore", "OutboxEntry", "OutboxMessage", "OutboxRows", "ShopEndpoint"]

T = TypeVar("T")


@dataclass(frozen=True)
class OutboxEntry:
    """One row as ``outbox list`` shows it."""

    id: int
    shop: str
    kind: str
    key: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    payload: dict[str, object]
    sent_at: datetime | None


@dataclass(frozen=True)
class ShopEndpoint:
    """Where and how to reach a shop's API (with its secrets: never shown)."""

    id: int
    domain: str
    platform: str
    push_url: str | None
    api_url: str | None
    api_token: str | None
    external_location_id: str | None


@dataclass(frozen=True)
class OutboxMessage:
    """A claimed row to send, read in a transaction of its own."""

    id: int
    kind: str
    payload: dict[str, Any]
    status: OutboxStatus
    idempotency_key: str


class OutboxRows:
    """The outbox within a use case's unit of work: queue and list."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(
        self, shop_id: int, kind: str, key: str, payload: dict[str, object], now: datetime
    ) -> None:
        """Queue ``payload``, or update the pending row of ``(shop_id, kind, key)`` (a new body
        gets a new idempotency key)."""
        session = self.session
        row = session.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.shop_id == shop_id,
                OutboxRow.kind == kind,
                OutboxRow.key == key,
                OutboxRow.status == OutboxStatus.PENDING.value,
            )
            .with_for_update()
        ).first()
        if row is None:
            session.add(
                OutboxRow(
                    shop_id=shop_id,
                    kind=kind,
                    key=key,
                    payload=payload,
                    idempotency_key=uuid.uuid4().hex,
                    status=OutboxStatus.PENDING.value,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        elif row.payload != payload:
            row.payload = payload
            row.idempotency_key = uuid.uuid4().hex  # a new body needs a new key

    def flush(self) -> None:
        self.session.flush()

    def abandon(self, shop_id: int, reason: str, now: datetime) -> int:
        """Settle the shop's pending rows as failed with ``reason``; returns how many."""
        rows = list(
            self.session.scalars(
                select(OutboxRow)
                .where(
                    OutboxRow.shop_id == shop_id,
                    OutboxRow.status == OutboxStatus.PENDING.value,
                )
                .with_for_update()
            )
        )
        for row in rows:
            row.status = OutboxStatus.FAILED.value
            row.last_error = reason
            row.next_attempt_at = now
        self.session.flush()
        return len(rows)

    def entries(self, statuses: tuple[str, ...], limit: int) -> list[OutboxEntry]:
        """Rows in ``statuses`` (any text: an unknown one matches nothing), oldest first, with
        their shop's domain."""
        query = (
            select(OutboxRow, ShopRow.domain)
            .join(ShopRow, ShopRow.id == OutboxRow.shop_id)
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        values = [str(status) for status in statuses]
        query = query.where(
            OutboxRow.status == values[0] if len(values) == 1 else OutboxRow.status.in_(values)
        )
        return [
            OutboxEntry(
                row.id,
                domain,
                row.kind,
                row.key,
                OutboxStatus(row.status),
                row.attempts,
                row.next_attempt_at,
                row.last_error,
                row.payload,
                row.sent_at,
            )
            for row, domain in self.session.execute(query).all()
        ]


class OutboxDispatchStore:
    """The dispatcher's side: every call is a transaction of its own on ``engine``, so each
    outcome is committed as soon as it is known."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[int]:
        """Lease up to ``limit`` due pending rows of active shops (``next_attempt_at`` ->
        ``now + lease``)."""
        active = select(ShopRow.id).where(ShopRow.active.is_(True))
        with UnitOfWork(self.engine, actor="outbox") as uow:
            rows = list(
                uow.session.scalars(
                    select(OutboxRow)
                    .where(
                        OutboxRow.status == OutboxStatus.PENDING.value,
                        OutboxRow.next_attempt_at <= now,
                        OutboxRow.shop_id.in_(active),
                    )
                    .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            for row in rows:
                row.next_attempt_at = now + lease
            uow.commit()
            return [row.id for row in rows]

    def load(self, outbox_id: int) -> tuple[OutboxMessage, ShopEndpoint] | None:
        """The row and its shop, as plain values (``None`` if either is gone)."""
        with UnitOfWork(self.engine, write=False) as reader:
            row = reader.session.get(OutboxRow, outbox_id)
            shop = reader.session.get(ShopRow, row.shop_id) if row else None
            if row is None or shop is None:
                return None
            message = OutboxMessage(
                row.id, row.kind, row.payload, OutboxStatus(row.status), row.idempotency_key
            )
            endpoint = ShopEndpoint(
                shop.id,
                shop.domain,
                shop.platform,
                shop.push_url,
                shop.api_url,
                shop.api_token,
                shop.external_location_id,
            )
            return message, endpoint

    def settle(self, outbox_id: int, decide: Callable[[Delivery], tuple[Delivery, T]]) -> T:
        """Lock the row, write the state ``decide`` makes of it, commit; returns what ``decide``
        returned beside the state."""
        with UnitOfWork(self.engine, actor="outbox") as uow:
            stored = uow.session.get(OutboxRow, outbox_id, with_for_update=True)
            assert stored is not None
            before = Delivery(
                OutboxStatus(stored.status),
                stored.attempts,
                stored.next_attempt_at,
                stored.last_error,
                stored.sent_at,
                stored.idempotency_key,
            )
            after, result = decide(before)
            if after.status != before.status:
                stored.status = after.status.value
            if after.attempts != before.attempts:
                stored.attempts = after.attempts
            if after.next_attempt_at != before.next_attempt_at:
                stored.next_attempt_at = after.next_attempt_at
            if after.last_error != before.last_error:
                stored.last_error = after.last_error
            if after.sent_at != before.sent_at:
                stored.sent_at = after.sent_at
            uow.commit()
            return result
