"""The audit trail: who did what, when, and the before/after of the fields it changed, written
in the same transaction as the change itself; and ``flexchain audit list``.

An entry's ``details`` are ``{"before": {...}, "after": {...}}`` holding only the fields that
differ (a field new to the entity is only in ``after``, one it lost only in ``before``), plus
context keys such as ``reference``, ``reason`` or ``source``. Values are JSON: decimals as exact
strings (``"12.5"``), dates and times in ISO 8601, enums as their value. Secrets never enter it:
a field named like one (:data:`SECRET_FIELDS`) shows as :data:`REDACTED`.

Who acted is the unit of work's ``actor`` (``user:anna@example.com``, ``token:7 (erp) of
anna@example.com``, ``webhook:shopify:shop.example.com``, ``cli:root``, ``system``, ``demo``) unless
the use case names another (intake: the shop that sent the order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from flexchain.adapters.db import audit as store
from flexchain.adapters.db.audit import add_entry
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import ValidationError, format_decimal
from flexchain.domain.values import utc

__all__ = [
    "REDACTED",
    "SECRET_FIELDS",
    "AuditEntry",
    "change_details",
    "entry_row",
    "json_value",
    "list_entries",
    "order_change",
    "record",
    "record_change",
    "record_rows",
]

SECRET_FIELDS = frozenset(
    {"secret", "api_token", "password", "password_hash", "token", "token_hash", "key_hash"}
)
"""Fields whose value never enters the audit trail (it shows that they changed, not to what)."""
REDACTED = "[redacted]"


def record(
    uow: UnitOfWork,
    action: str,
    entity: str,
    key: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Add one audit row (``action`` such as created/updated/imported) for ``entity`` ``key``
    with ``details`` as given (bulk summaries; a change of fields: :func:`record_change`)."""
    add_entry(uow.session, uow.actor, action, entity, key, details or {})


def json_value(value: Any) -> Any:
    """``value`` as the audit trail stores it: Decimal -> exact string, date/time -> ISO 8601,
    enum -> its value, mappings and sequences element by element."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    return value


def _shown(name: str, value: Any) -> Any:
    return REDACTED if name in SECRET_FIELDS and value is not None else json_value(value)


def change_details(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, **context: Any
) -> dict[str, Any]:
    """``{"before": ..., "after": ..., **context}`` with only the fields that differ.

    >>> change_details({"status": "planned", "qty": Decimal("5")},
    ...                {"status": "released", "qty": Decimal("5.0")}, reason="ok")
    {'before': {'status': 'planned'}, 'after': {'status': 'released'}, 'reason': 'ok'}
    """
    old, new = dict(before or {}), dict(after or {})
    names = [n for n in {**old, **new} if n not in old or n not in new or old[n] != new[n]]
    details: dict[str, Any] = {
        "before": {n: _shown(n, old[n]) for n in names if n in old},
        "after": {n: _shown(n, new[n]) for n in names if n in new},
    }
    details.update({k: _shown(k, v) for k, v in context.items() if v is not None})
    return details


def record_change(
    uow: UnitOfWork,
    action: str,
    entity: str,
    key: str,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    actor: str | None = None,
    **context: Any,
) -> None:
    """Add one audit row for a change of ``entity`` ``key``: the fields of ``before`` and
    ``after`` that differ, and ``context``; by ``actor`` (default the unit of work's), at ``at``
    (the use case's ``now``; default the time of writing)."""
    details = change_details(before, after, **context)
    add_entry(uow.session, actor or uow.actor, action, entity, key, details, at)


def entry_row(
    actor: str,
    action: str,
    entity: str,
    key: str,
    *,
    at: datetime,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    **context: Any,
) -> dict[str, Any]:
    """One audit row to write later with :func:`record_rows` (many rows in one statement: the
    intake's batches)."""
    details = change_details(before, after, **context)
    return {
        "at": at,
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_key": key,
        "details": details,
    }


def record_rows(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Write rows made by :func:`entry_row` in one statement."""
    store.add_entries(uow.session, rows)


def order_change(
    uow: UnitOfWork,
    order: Any,
    before: str,
    now: datetime,
    shipment: Any = None,
    *,
    action: str | None = None,
) -> None:
    """A sales order's entry (``action``, default ``shipped`` with a ``shipment``, else
    ``status_changed``): its status ``before`` and now (and the carrier and tracking of
    ``shipment``), keyed by its id, with its number."""
    after = {"status": order.status}
    if shipment is not None:
        after.update(
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            tracking_url=shipment.tracking_url,
        )
    number = order.number or order.external_id
    action = action or ("shipped" if shipment is not None else "status_changed")
    record_change(
        uow, action, "order", str(order.id), before={"status": before}, after=after, at=now,
        number=number,
    )  # fmt: skip


@dataclass(frozen=True)
class AuditEntry:
    """One audit row as ``flexchain audit list`` shows it: ``context`` is every detail besides
    ``before`` and ``after``."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    key: str
    before: dict[str, Any]
    after: dict[str, Any]
    context: dict[str, Any]


def _entry(row: store.AuditRecord) -> AuditEntry:
    details = dict(row.details or {})
    before, after = details.pop("before", {}), details.pop("after", {})
    return AuditEntry(
        row.id, row.at, row.actor, row.action, row.entity, row.key, before, after, details
    )


def list_entries(
    uow: UnitOfWork,
    *,
    entity: str | None = None,
    user: str | None = None,
    since: date | datetime | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest entries first, at most ``limit``: of ``entity``; by ``user`` (an e-mail
    matches ``user:E`` and ``token:... of E``, any other text the actor exactly); at or after
    ``since`` (a date: from its start, UTC)."""
    if limit < 1:
        raise ValidationError("limit", "must be at least 1")
    if isinstance(since, datetime):
        since = utc(since, "since")
    elif isinstance(since, date):
        since = datetime.combine(since, time(), tzinfo=UTC)
    who = (user or "").strip()
    email = "@" in who and ":" not in who
    rows = store.entries(
        uow.session,
        entity=entity.strip() if entity else None,
        actors=[f"user:{who}" if email else who] if who else [],
        token_of=who if email else None,
        since=since,
        limit=limit,
    )
    return [_entry(row) for row in rows]
