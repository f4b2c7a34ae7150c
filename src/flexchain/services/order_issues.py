"""Issues reported on orders that reached the customer (damaged, wrong customisation,
incomplete, other): report one, list an order's, list them all, withdraw one reported in error.

Each use case loads through :class:`flexchain.adapters.db.order_issues.SqlOrderIssueStore`,
decides with :mod:`flexchain.domain.order_issues` (which refuses an order not yet shipped, a SKU
not on the order, a quantity out of bounds) and writes in the caller's unit of work, audited
(entity ``order_issue``). The perfect order rate counts an order with an issue as not perfect.

Services take ``now`` from their caller; nothing here commits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.order_issues import IssueRecord, SqlOrderIssueStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import page, text
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.order_issues import IssueKind, IssueLine, check_issue, issue_kind
from flexchain.domain.values import utc
from flexchain.services import audit
from flexchain.services.orders import find_order

__all__ = [
    "ENTITY",
    "IssueKind",
    "IssuePage",
    "OrderIssueView",
    "issue_counts",
    "issues_of",
    "list_issues",
    "report_issue",
    "withdraw_issue",
]

ENTITY = "order_issue"
"""The audit trail's entity of an issue (keyed by its id)."""
MAX_PAGE = 500
"""The most issues one page lists."""


@dataclass(frozen=True)
class OrderIssueView:
    """One issue as ``orders issues`` and ``GET /orders/{ref}/issues`` show it."""

    id: int
    order_id: int
    order: str
    kind: IssueKind
    sku: str | None
    quantity: Decimal | None
    note: str
    reported_at: datetime
    reported_by: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IssuePage:
    """A page of issues, newest first, and how many match in all."""

    total: int
    offset: int
    issues: tuple[OrderIssueView, ...]


def _view(record: IssueRecord) -> OrderIssueView:
    return OrderIssueView(
        id=record.id,
        order_id=record.order_id,
        order=record.order,
        kind=IssueKind(record.kind),
        sku=record.sku,
        quantity=record.quantity,
        note=record.note,
        reported_at=record.reported_at,
        reported_by=record.reported_by,
    )


def _name(order: Any) -> str:
    return str(order.number or order.external_id)


def _lines(store: SqlOrderIssueStore, order_id: int) -> list[IssueLine]:
    reported: dict[int, dict[IssueKind, Decimal]] = {}
    for issue in store.of_order(order_id):
        if issue.line_id is not None and issue.quantity is not None:
            kinds = reported.setdefault(issue.line_id, {})
            kind = IssueKind(issue.kind)
            kinds[kind] = kinds.get(kind, Decimal(0)) + issue.quantity
    return [
        IssueLine(line.line_id, line.sku, line.quantity, reported.get(line.line_id, {}))
        for line in store.lines(order_id)
    ]


def report_issue(
    uow: UnitOfWork,
    order_ref: str | int,
    *,
    kind: str | IssueKind,
    line_sku: str | None = None,
    quantity: Decimal | str | int | None = None,
    note: str = "",
    now: datetime,
) -> OrderIssueView:
    """Record that something arrived wrong on order ``order_ref`` (id, store id or number):
    ``kind`` (damaged, wrong_customisation, incomplete, other), on the line of ``line_sku`` or
    the whole order, ``quantity`` units, ``note``. Refused, nothing written, on an order not
    shipped or delivered, a SKU not on the order, a quantity not within 1 and the line's."""
    when = utc(now, "now")
    order = find_order(uow, order_ref)
    store = SqlOrderIssueStore(uow.session)
    store.lock_order(order.id)
    issue = check_issue(
        _name(order),
        order.status,
        _lines(store, order.id),
        kind=kind,
        sku=line_sku,
        quantity=quantity,
        note=note,
    )
    issue_id = store.add(
        order_id=order.id,
        line_id=issue.line_id,
        kind=issue.kind.value,
        quantity=issue.quantity,
        note=issue.note,
        reported_at=when,
        reported_by=uow.actor,
    )
    after = {"kind": issue.kind, "sku": issue.sku, "quantity": issue.quantity, "note": issue.note}
    audit.record_change(
        uow, "reported", ENTITY, str(issue_id), after=after, at=when, order=_name(order)
    )
    record = store.get(issue_id)
    assert record is not None  # just written, same transaction
    return _view(record)


def issues_of(uow: UnitOfWork, order_ref: str | int) -> tuple[OrderIssueView, ...]:
    """The issues of one order (id, store id or number), oldest first."""
    order = find_order(uow, order_ref)
    return tuple(_view(r) for r in SqlOrderIssueStore(uow.session).of_order(order.id))


def _start(value: date | datetime | None, field: str) -> datetime | None:
    """A bound as a time: a day counts from its start (UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc(value, field)
    return datetime.combine(value, time(), tzinfo=UTC)


def list_issues(
    uow: UnitOfWork,
    *,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    kind: str | IssueKind | None = None,
    offset: int = 0,
    limit: int | None = 100,
) -> IssuePage:
    """Issues newest first, reported from ``since`` to ``until`` (days: both included, UTC; a
    time: ``until`` excluded) and of ``kind``; ``limit`` of them after ``offset``."""
    wanted, skip = page(limit, offset)
    if wanted is not None and wanted > MAX_PAGE:
        raise ValidationError("limit", f"must be at most {MAX_PAGE}, got {wanted}")
    start = _start(since, "since")
    end = _start(until, "until")
    if until is not None and not isinstance(until, datetime):
        end = datetime.combine(until + timedelta(days=1), time(), tzinfo=UTC)
    if start is not None and end is not None and start >= end:
        raise ValidationError("since", "must be before until")
    chosen = issue_kind(kind).value if kind else None
    total, records = SqlOrderIssueStore(uow.session).page(
        since=start, before=end, kind=chosen, offset=skip, limit=wanted
    )
    return IssuePage(total=total, offset=skip, issues=tuple(_view(r) for r in records))


def issue_counts(uow: UnitOfWork, order_ids: list[int]) -> dict[int, int]:
    """How many issues each order of ``order_ids`` has (those with none are left out)."""
    return SqlOrderIssueStore(uow.session).counts(order_ids)


def withdraw_issue(uow: UnitOfWork, issue_id: int, *, reason: str, now: datetime) -> OrderIssueView:
    """Take back an issue reported in error (it no longer counts against the order); the audit
    trail keeps what it said, who withdrew it, when and why. Returns the issue as it was."""
    when = utc(now, "now")
    why = text(reason, "reason", max_length=200)
    store = SqlOrderIssueStore(uow.session)
    record = store.get(issue_id)
    if record is None:
        raise NotFound(f"no order issue {issue_id}")
    store.remove(issue_id)
    before = {
        "kind": record.kind,
        "sku": record.sku,
        "quantity": record.quantity,
        "note": record.note,
        "reported_by": record.reported_by,
    }
    audit.record_change(
        uow, "withdrawn", ENTITY, str(issue_id), before=before, at=when, order=record.order,
        reason=why,
    )  # fmt: skip
    return _view(record)
