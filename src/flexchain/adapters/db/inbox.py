"""The inbox store: every statement on stored webhooks (``inbox``) and the shop one came from.

A use case gets one per unit of work (``InboxStore(uow.session)``) and marks the rows it hands
out; they are written when the unit of work commits. ``tests/fakes.py`` holds an in-memory twin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from flexchain.adapters.db.dialect import insert_for
from flexchain.adapters.db.orders import views
from flexchain.adapters.db.tables import InboxRow, SalesOrderRow, ShopRow

Entry = InboxRow
"""A stored webhook as the store hands it out (``status``, ``error``, ``attempts``...)."""
Shop = ShopRow
"""A storefront as the store hands it out (``id``, ``platform``, ``domain``, ``secret``...)."""
Key = tuple[int, str]
"""An inbox row's natural key: (shop id, dedupe key)."""


class InboxStore:
    """Stored webhooks in the session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_new(self, rows: Sequence[dict[str, Any]]) -> dict[Key, int]:
        """Insert ``rows`` (``inbox`` columns) in one statement, skipping any whose (shop,
        dedupe key) is stored already; the ids of those inserted, by key."""
        return {
            (shop_id, dedupe_key): inbox_id
            for inbox_id, shop_id, dedupe_key in self.session.execute(
                insert_for(self.session, InboxRow)
                .on_conflict_do_nothing(index_elements=["shop_id", "dedupe_key"])
                .returning(InboxRow.id, InboxRow.shop_id, InboxRow.dedupe_key),
                list(rows),  # sent as multi-row INSERTs, compiled once
            )
        }

    def statuses(self, keys: Iterable[Key]) -> dict[Key, tuple[int, str]]:
        """(id, status) of the stored rows of ``keys``."""
        return {
            (shop_id, dedupe_key): (inbox_id, status)
            for inbox_id, shop_id, dedupe_key, status in self.session.execute(
                select(InboxRow.id, InboxRow.shop_id, InboxRow.dedupe_key, InboxRow.status).where(
                    tuple_(InboxRow.shop_id, InboxRow.dedupe_key).in_(list(keys))
                )
            )
        }

    def get(self, inbox_id: int) -> Entry | None:
        return self.session.get(InboxRow, inbox_id)

    def claim(self, inbox_id: int) -> Entry | None:
        """The row, locked for this transaction."""
        return self.session.get(InboxRow, inbox_id, with_for_update=True)

    def claim_many(self, inbox_ids: Iterable[int]) -> dict[int, Entry]:
        """The rows that exist, locked for this transaction in id order."""
        return {
            row.id: row
            for row in self.session.scalars(
                select(InboxRow)
                .where(InboxRow.id.in_(set(inbox_ids)))
                .order_by(InboxRow.id)
                .with_for_update()
            )
        }

    def pending(self, *, received_before: datetime, limit: int) -> list[int]:
        """Ids of pending rows received at or before ``received_before``, oldest first."""
        return list(
            self.session.scalars(
                select(InboxRow.id)
                .where(InboxRow.status == "pending", InboxRow.received_at <= received_before)
                .order_by(InboxRow.id)
                .limit(limit)
            )
        )

    def latest(self, *, status: str | None, limit: int) -> list[Entry]:
        """The newest rows first, of ``status`` if given."""
        query = select(InboxRow).order_by(InboxRow.id.desc()).limit(limit)
        if status:
            query = query.where(InboxRow.status == status)
        return list(self.session.scalars(query))

    @staticmethod
    def mark(
        entry: Entry,
        status: str,
        *,
        error: str | None,
        at: datetime | None = None,
        order_id: int | None = None,
    ) -> None:
        """Record an attempt at applying ``entry``: its outcome, and when it was applied."""
        if order_id is not None:
            entry.order_id = order_id
        entry.status = status
        entry.error = error
        entry.attempts += 1
        if at is not None:
            entry.processed_at = at

    def shop(self, shop_id: int) -> Shop | None:
        return self.session.get(ShopRow, shop_id)

    def shop_at(self, platform: str, domain: str) -> Shop | None:
        """The shop of ``platform`` at ``domain`` (normalised), active or not."""
        return self.session.scalars(
            select(ShopRow).where(ShopRow.domain == domain, ShopRow.platform == platform)
        ).one_or_none()

    def order_ref(self, order_id: int) -> str | None:
        """How a view names the order: its number, else its external id."""
        order = self.session.get(SalesOrderRow, order_id)
        return order.number or order.external_id if order else None

    def order_refs(self, order_ids: Iterable[int]) -> dict[int, tuple[str, bool]]:
        """:meth:`order_ref` of several orders in one query, with whether each has a promise."""
        wanted = list(set(order_ids))
        if not wanted:
            return {}
        order = SalesOrderRow
        rows = self.session.execute(
            select(order.id, order.number, order.external_id, order.promise_date).where(
                order.id.in_(wanted)
            )
        )
        return {
            i: (number or external, promise is not None) for i, number, external, promise in rows
        }

    def unplaced_jobs(self, order_id: int) -> list[tuple[str, str | None]]:
        """(SKU, process) of the order's open jobs without a supplier
        (:func:`flexchain.adapters.db.orders.views.unplaced_jobs`)."""
        return views.unplaced_jobs(self.session, order_id)

    def unsourced_lines_of(self, order_ids: Iterable[int]) -> dict[int, list[str]]:
        """:func:`flexchain.adapters.db.orders.views.unsourced_lines_of`."""
        return views.unsourced_lines_of(self.session, order_ids)

    def unplaced_jobs_of(self, order_ids: Iterable[int]) -> dict[int, list[tuple[str, str | None]]]:
        """:meth:`unplaced_jobs` of several orders in one query."""
        return views.unplaced_jobs_of(self.session, order_ids)
