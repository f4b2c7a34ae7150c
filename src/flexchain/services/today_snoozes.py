"""Today's snoozes listed and undone: which entries are hidden, until when, why, by whom and
since when (:func:`list_snoozes`), and showing one again before its day (:func:`unsnooze`,
audited as ``unsnoozed``, as a snooze is audited ``snoozed``: :func:`flexchain.services.today.
snooze`). A snooze whose day has come hides nothing and is not listed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flexchain.adapters.db.today import SqlTodayStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.domain.values import utc
from flexchain.services import audit

__all__ = ["Snoozed", "list_snoozes", "unsnooze"]


@dataclass(frozen=True)
class Snoozed:
    """An entry hidden from Today: its key, the day it shows again, why, who snoozed it, and
    when (the latest snooze of the key)."""

    key: str
    until: date
    reason: str
    by: str
    at: datetime


def list_snoozes(uow: UnitOfWork, *, now: datetime) -> list[Snoozed]:
    """The snoozes hiding an entry today, the soonest back first."""
    today = utc(now, "now").date()
    return [
        Snoozed(r.key, r.until, r.reason, r.by, r.at) for r in SqlTodayStore(uow).snoozed(today)
    ]


def unsnooze(uow: UnitOfWork, key: str, *, now: datetime) -> Snoozed:
    """Show entry ``key`` again today (its snooze deleted); the snooze undone. NotFound when no
    snooze of ``key`` hides it (never snoozed, or its day has come)."""
    now = utc(now, "now")
    active = {s.key: s for s in list_snoozes(uow, now=now)}
    if key not in active:
        raise NotFound(f"no snooze hides {key!r} today: see flexchain today snoozed")
    SqlTodayStore(uow).unsnooze(key)
    undone = active[key]
    audit.record_change(
        uow, "unsnoozed", "decision", key,
        before={"until": undone.until.isoformat(), "reason": undone.reason}, after=None, at=now,
    )  # fmt: skip
    return undone
