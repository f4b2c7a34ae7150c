"""The weekly report's store: who asked for it, what was sent (one row per week and user), and
the week's audit entries the report summarises (what fired, what was decided)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flexchain.adapters.db.audit import AuditRecord
from flexchain.adapters.db.tables import AuditRow, UserRow
from flexchain.adapters.db.tables.reports import ReportSendRow, ReportSubscriptionRow
from flexchain.adapters.db.uow import UnitOfWork

__all__ = ["SendRecord", "SqlReportStore", "SubscriberRecord"]


@dataclass(frozen=True)
class SubscriberRecord:
    """An active user with an active subscription."""

    user_id: int
    email: str
    role: str
    since: datetime


@dataclass(frozen=True)
class SendRecord:
    week_end: date
    user_id: int
    recipient: str
    message_id: str
    sent_at: datetime


class SqlReportStore:
    """Subscriptions, sends and the audit reads of the weekly report, in one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session: Session = uow.session

    # -- subscriptions ------------------------------------------------------------------------

    def subscription(self, user_id: int, *, lock: bool = False) -> ReportSubscriptionRow | None:
        query = select(ReportSubscriptionRow).where(ReportSubscriptionRow.user_id == user_id)
        if lock:
            query = query.with_for_update()
        return self.session.scalar(query)

    def set_subscription(self, user_id: int, active: bool, now: datetime) -> None:
        """Subscribe (``active``) or unsubscribe ``user_id``; the row is kept either way."""
        row = self.subscription(user_id, lock=True)
        if row is None:
            row = ReportSubscriptionRow(user_id=user_id, created_at=now)
            self.session.add(row)
        row.active = active
        row.updated_at = now
        self.session.flush()

    def subscribers(self) -> list[SubscriberRecord]:
        """Active users subscribed, by e-mail."""
        query = (
            select(UserRow.id, UserRow.email, UserRow.role, ReportSubscriptionRow.updated_at)
            .join(ReportSubscriptionRow, ReportSubscriptionRow.user_id == UserRow.id)
            .where(ReportSubscriptionRow.active.is_(True), UserRow.active.is_(True))
            .order_by(UserRow.email)
        )
        return [SubscriberRecord(*row) for row in self.session.execute(query)]

    # -- sends --------------------------------------------------------------------------------

    def sends(self, week_end: date) -> list[SendRecord]:
        query = (
            select(ReportSendRow)
            .where(ReportSendRow.week_end == week_end)
            .order_by(ReportSendRow.id)
        )
        return [
            SendRecord(r.week_end, r.user_id, r.recipient, r.message_id, r.sent_at)
            for r in self.session.scalars(query)
        ]

    def claim_send(self, week_end: date, user_id: int, recipient: str, now: datetime) -> bool:
        """Write the send of ``week_end`` to ``user_id`` (message id filled by
        :meth:`sent`); False if it is already there (sent before, or by a concurrent run:
        the unique key decides)."""
        row = ReportSendRow(
            week_end=week_end, user_id=user_id, recipient=recipient, message_id="", sent_at=now
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def sent(self, week_end: date, user_id: int, message_id: str) -> None:
        row = self.session.scalar(
            select(ReportSendRow).where(
                ReportSendRow.week_end == week_end, ReportSendRow.user_id == user_id
            )
        )
        assert row is not None
        row.message_id = message_id[:254]
        self.session.flush()

    # -- the week's audit entries -------------------------------------------------------------

    def audit_entries(
        self, start: datetime, end: datetime, entities: Iterable[str]
    ) -> list[AuditRecord]:
        """Audit rows of ``entities`` at or after ``start`` and before ``end``, oldest first."""
        query = (
            select(AuditRow)
            .where(
                AuditRow.at >= start,
                AuditRow.at < end,
                AuditRow.entity.in_(sorted(set(entities))),
            )
            .order_by(AuditRow.at, AuditRow.id)
        )
        return [
            AuditRecord(r.id, r.at, r.actor, r.action, r.entity, r.entity_key, r.details)
            for r in self.session.scalars(query)
        ]
