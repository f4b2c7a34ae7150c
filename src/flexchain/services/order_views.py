"""The order book as the control tower shows it: one page of orders filtered and searched, and
one order with its picks, jobs, promise against what happened, and the customer's tracking view.

The order itself comes from :func:`flexchain.services.orders.show_order` and the customer's view
from :func:`flexchain.services.orders.track` (the page behind the tracking link): nothing here
computes them a second time. What is new is the filtered page (:func:`order_page`, read in SQL
by :class:`flexchain.adapters.db.order_views.OrderViewsStore`) and the promise check
(:func:`promise_check`). ``GET /views/orders`` and ``GET /views/orders/{ref}`` answer the same
views as JSON.

:func:`order_with_issues` adds the issues reported on an order
(:func:`flexchain.services.order_issues.issues_of`) to it, for ``orders show`` and
``GET /orders/{ref}``; :func:`customer_view` adds to the tracking view the kind and day of each,
all its customer is told of them (the tracking link and the order's board show it).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.order_views import OrderFilter, OrderViewsStore
from flexchain.adapters.db.orders.views import OrderViews
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import ValidationError
from flexchain.domain.orders import OPEN_STATUSES, OrderStatus
from flexchain.services import order_issues, orders

__all__ = [
    "MAX_PER_PAGE",
    "CustomerView",
    "OrderBoard",
    "OrderLine",
    "OrderPage",
    "OrderWithIssues",
    "PromiseCheck",
    "ReportedProblem",
    "customer_view",
    "order_board",
    "order_page",
    "order_with_issues",
    "promise_check",
]

MAX_PER_PAGE = 200
"""The most orders one page lists."""


@dataclass(frozen=True)
class OrderLine:
    """One order of the list."""

    id: int
    number: str
    external_id: str
    shop: str | None
    status: str
    customer_email: str
    currency: str
    total: Decimal
    lines: int
    ordered_at: datetime
    promise_date: date | None
    shipped_at: datetime | None
    late: bool
    issues: int = 0
    """How many issues (damaged, wrong customisation, ...) were reported on it."""


@dataclass(frozen=True)
class OrderPage:
    """A page of the order book: ``total`` orders match, ``orders`` are those of page ``page``
    (``per_page`` a page, ``pages`` in all); ``shops`` the shops one may filter by."""

    total: int
    page: int
    per_page: int
    pages: int
    orders: tuple[OrderLine, ...]
    shops: tuple[str, ...]


@dataclass(frozen=True)
class PromiseCheck:
    """The promise against what happened: ``days`` past the promise day (negative: days still
    to go; ``None``: no promise or cancelled), ``late`` by the order book's rule, and ``state``
    in words."""

    promise_date: date | None
    shipped_on: date | None
    delivered_on: date | None
    days: int | None
    late: bool
    state: str


@dataclass(frozen=True)
class OrderBoard:
    """One order as the tower shows it: the order (as ``GET /orders/{ref}``), its promise
    check, and what its customer sees behind the tracking link (``tracking_path``)."""

    order: orders.OrderDetail
    promise: PromiseCheck
    tracking: orders.TrackingView | None
    tracking_path: str | None


def _check_filter(status: str | None, since: date | None, until: date | None) -> None:
    if status and status not in {s.value for s in OrderStatus}:
        allowed = ", ".join(s.value for s in OrderStatus)
        raise ValidationError("status", f"unknown status {status!r}; one of {allowed}")
    if since and until and since > until:
        raise ValidationError("since", f"{since} is after until ({until})")


def order_page(
    uow: UnitOfWork,
    *,
    today: date,
    status: str | None = None,
    shop: str | None = None,
    since: date | None = None,
    until: date | None = None,
    late: bool | None = None,
    text: str | None = None,
    page: int = 1,
    per_page: int = 50,
    issues: bool | None = None,
) -> OrderPage:
    """Orders newest first (by the store's order date), filtered by ``status``, ``shop`` (its
    domain), order day from ``since`` to ``until`` (both included), ``late`` (``True``: only
    late ones; ``False``: none of them) and ``text`` (in the order number, the store's order id,
    the customer's e-mail or a line's SKU) and ``issues`` (``True``: only orders with an issue
    reported, :mod:`flexchain.services.order_issues`; ``False``: none of them); page ``page``
    of ``per_page``. Each order says how many issues were reported on it.

    Raises :class:`ValidationError` naming the bad filter.
    """
    _check_filter(status, since, until)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError("per_page", f"must be from 1 to {MAX_PER_PAGE}, not {per_page}")
    if page < 1:
        raise ValidationError("page", f"must be 1 or more, not {page}")
    store = OrderViewsStore(uow.session)
    wanted = OrderFilter(
        status or None, shop or None, since, until, late, (text or "").strip() or None,
        offset=(page - 1) * per_page, limit=per_page, issues=issues,
    )  # fmt: skip
    total, rows = store.page(wanted, today=today)
    lines = tuple(OrderLine(**vars(row)) for row in rows)
    pages = max(1, -(-total // per_page))
    return OrderPage(total, page, per_page, pages, lines, tuple(store.shops()))


def promise_check(
    promise_date: date | None,
    status: str,
    *,
    shipped_on: date | None,
    delivered_on: date | None,
    today: date,
) -> PromiseCheck:
    """The promise against what happened (see :class:`PromiseCheck`); the same rule as the
    order book's ``late`` filter.

    >>> promise_check(date(2026, 3, 2), "shipped", shipped_on=date(2026, 3, 4),
    ...               delivered_on=None, today=date(2026, 3, 9)).state
    'shipped 2 days late'
    """

    def check(days: int | None, late: bool, state: str) -> PromiseCheck:
        return PromiseCheck(promise_date, shipped_on, delivered_on, days, late, state)

    if status == OrderStatus.CANCELLED:
        return check(None, False, "cancelled")
    if promise_date is None:
        return check(None, False, "no promise date")
    if shipped_on is not None:
        days = (shipped_on - promise_date).days
        if days > 0:
            return check(days, True, f"shipped {_days(days)} late")
        return check(days, False, "shipped on time")
    days = (today - promise_date).days
    if OrderStatus(status) not in OPEN_STATUSES:
        return check(None, False, status)
    if days > 0:
        return check(days, True, f"{_days(days)} past the promise, not shipped")
    if days == 0:
        return check(0, False, "due today")
    return check(days, False, f"due in {_days(-days)}")


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def order_board(uow: UnitOfWork, ref: str | int, *, today: date) -> OrderBoard:
    """One order (by id, store order id or number) with its promise check and its customer's
    tracking view. Raises :class:`~flexchain.domain.errors.NotFound` for no such order."""
    order = orders.show_order(uow, ref)
    events = {stage.stage: stage.actual for stage in order.stages}
    shipped = order.shipment.shipped_at if order.shipment is not None else None
    delivered = events.get(orders.OrderStage.DELIVERED)
    promise = promise_check(
        order.promise_date,
        order.status,
        shipped_on=shipped.date() if shipped else None,
        delivered_on=delivered.date() if delivered else None,
        today=today,
    )
    token = order.tracking_token
    tracking = customer_view(uow, token) if token and len(token) >= 16 else None
    return OrderBoard(order, promise, tracking, f"/track/{token}" if tracking else None)


@dataclass(frozen=True)
class OrderWithIssues:
    """An order as ``orders show`` and ``GET /orders/{ref}`` show it: the order and the issues
    reported on it, oldest first (as ``GET /orders/{ref}/issues``)."""

    order: orders.OrderDetail
    issues: tuple[order_issues.OrderIssueView, ...]

    def as_dict(self) -> dict[str, Any]:
        """The order's fields, then ``issues``."""
        return {**self.order.as_dict(), "issues": [issue.as_dict() for issue in self.issues]}


def order_with_issues(uow: UnitOfWork, ref: str | int) -> OrderWithIssues:
    """One order (by id, store order id or number) with the issues reported on it. Raises
    :class:`~flexchain.domain.errors.NotFound` for no such order."""
    order = orders.show_order(uow, ref)
    return OrderWithIssues(order, order_issues.issues_of(uow, order.id))


@dataclass(frozen=True)
class ReportedProblem:
    """A problem reported on an order, as its customer is told of it: its kind (``damaged``,
    ``wrong_customisation``, ``incomplete``, ``other``) and the day; no note, no reporter."""

    kind: str
    reported_on: date


@dataclass(frozen=True)
class CustomerView(orders.TrackingView):
    """What a tracking link shows: the order as its customer sees it
    (:class:`~flexchain.services.orders.TrackingView`) and, last, the problems reported on it
    (withdrawn ones are gone), oldest first."""

    issues: tuple[ReportedProblem, ...] = ()


def customer_view(uow: UnitOfWork, token: str) -> CustomerView:
    """The order behind a tracking link and the problems reported on it. Raises
    :class:`~flexchain.domain.errors.NotFound` for no order with this link."""
    tracking = orders.track(uow, token)
    found = OrderViews(uow.session).by_token(token)
    assert found is not None  # orders.track found it in this transaction
    problems = tuple(
        ReportedProblem(issue.kind.value, issue.reported_at.date())
        for issue in order_issues.issues_of(uow, found.id)
    )
    seen = {field.name: getattr(tracking, field.name) for field in fields(tracking)}
    return CustomerView(**seen, issues=problems)
