"""Pages of a stored plan, for the Plan page and the API: its planned orders and exceptions
filtered, counted and paged by the store (SQL), and the recorded runs.

The rows are those of :func:`flexchain.services.plan_reports.plan_rows` (``flexchain plan
show``): the same lines, filtered the same way (kind; a SKU containing the search,
case-insensitive), in the same order (orders by number, exceptions as written), but only the
page asked for is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flexchain.adapters.db import plan_pages
from flexchain.adapters.db import plan_reads as store
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import whole_number
from flexchain.domain.errors import ValidationError
from flexchain.services.plan_reports import PlanExceptionLine, PlanOrderLine, PlanRun, current_run

__all__ = [
    "MAX_LIMIT",
    "ORDER_KINDS",
    "ExceptionPage",
    "OrderPage",
    "RunRecord",
    "plan_exceptions",
    "planned_orders",
    "recorded_runs",
]

ORDER_KINDS = ("purchase", "production", "transfer")
"""The kinds of planned order."""
MAX_LIMIT = 1000
"""The most rows one page holds."""
MAX_SEARCH = 64
"""The longest SKU search (the longest SKU is shorter)."""


@dataclass(frozen=True)
class OrderPage:
    """A page of a plan's planned orders: ``total`` match the filter, ``by_kind`` counts the
    whole plan's orders per kind (every kind named, 0 when it has none)."""

    run: PlanRun
    orders: list[PlanOrderLine]
    total: int
    by_kind: dict[str, int]
    offset: int
    limit: int


@dataclass(frozen=True)
class ExceptionPage:
    """A page of a plan's exceptions: ``total`` match the filter."""

    run: PlanRun
    exceptions: list[PlanExceptionLine]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class RunRecord:
    """A recorded planning run, whatever its status, with its counts once complete."""

    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    actor: str
    horizon: int
    period_start: date
    items: int | None
    orders: int | None
    exceptions: int | None
    error: str | None
    step: str | None = None
    """The step a run that has not completed reached (recorded as it goes; None: not known)."""


def _paging(offset: int, limit: int) -> tuple[int, int]:
    return (
        whole_number(offset, "offset", minimum=0),
        whole_number(limit, "limit", minimum=1, maximum=MAX_LIMIT),
    )


def _search(sku: str | None) -> str | None:
    sku = (sku or "").strip()
    if len(sku) > MAX_SEARCH:
        raise ValidationError("sku", f"search at most {MAX_SEARCH} characters of a SKU")
    return sku or None


def planned_orders(
    uow: UnitOfWork,
    run_id: int | None = None,
    *,
    kind: str | None = None,
    sku: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> OrderPage:
    """The planned orders of the current plan (or complete run ``run_id``) by number, of one
    ``kind``, of the SKUs containing ``sku`` (case-insensitive): ``limit`` from ``offset``.

    Raises
    ------
    NotFound
        No plan yet, or no complete run ``run_id``.
    ValidationError
        ``kind`` is not a kind of planned order; ``offset``/``limit`` out of range.
    """
    if kind and kind not in ORDER_KINDS:
        raise ValidationError("kind", f"{kind!r} is not one of {', '.join(ORDER_KINDS)}")
    offset, limit = _paging(offset, limit)
    sku, run = _search(sku), current_run(uow, run_id)
    home = str(run.stats.get("home") or "")
    page = plan_pages.order_page(uow, run.id, kind=kind, sku=sku, offset=offset, limit=limit)
    orders = [
        PlanOrderLine(
            run=run.id,
            number=row.number,
            sku=item_sku,
            kind=row.kind,
            release_date=row.release_date,
            due_date=row.due_date,
            quantity=row.quantity,
            pegging="; ".join(f"{source}={quantity}" for source, quantity in row.pegs),
            location=row.location or home,
            from_location=(row.from_location or home) if row.from_location is not None else "",
        )
        for row, item_sku in page
    ]
    kinds = plan_pages.order_kinds(uow, run.id)
    total = (
        sum(kinds.values())
        if not kind and not sku
        else plan_pages.order_count(uow, run.id, kind=kind, sku=sku)
    )
    by_kind = {name: kinds.get(name, 0) for name in ORDER_KINDS}
    by_kind |= {name: count for name, count in kinds.items() if name not in by_kind}
    return OrderPage(run, orders, total, by_kind, offset, limit)


def plan_exceptions(
    uow: UnitOfWork,
    run_id: int | None = None,
    *,
    kind: str | None = None,
    sku: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> ExceptionPage:
    """The exceptions of the current plan (or complete run ``run_id``) as the run wrote them,
    of one ``kind`` (late, short, excess, ...), of the SKUs containing ``sku``: ``limit``
    from ``offset``. Raises as :func:`planned_orders`."""
    offset, limit = _paging(offset, limit)
    sku, run = _search(sku), current_run(uow, run_id)
    home = str(run.stats.get("home") or "")
    page = plan_pages.exception_page(
        uow, run.id, kind=kind or None, sku=sku, offset=offset, limit=limit
    )
    lines = [
        PlanExceptionLine(
            run=run.id,
            sku=item_sku,
            kind=row.kind,
            date=row.period_date,
            message=row.message,
            location=row.location or home,
        )
        for row, item_sku in page
    ]
    total = plan_pages.exception_count(uow, run.id, kind=kind or None, sku=sku)
    return ExceptionPage(run, lines, total, offset, limit)


def recorded_runs(
    uow: UnitOfWork, *, offset: int = 0, limit: int = 20
) -> tuple[list[RunRecord], int]:
    """The planning runs recorded (wherever they started: the page, the API, ``flexchain
    plan``), newest first, ``limit`` from ``offset``, and how many there are."""
    offset, limit = _paging(offset, limit)
    runs = store.recent_runs(uow, offset=offset, limit=limit)
    return [_record(run) for run in runs], store.runs_count(uow)


def _record(run: PlanRun) -> RunRecord:
    return RunRecord(
        id=run.id,
        status=run.status.value,
        started_at=run.started_at,
        finished_at=run.finished_at,
        actor=run.actor,
        horizon=run.horizon,
        period_start=run.period_start,
        items=_count(run.stats.get("items")),
        orders=_count(run.stats.get("orders")),
        exceptions=_count(run.stats.get("exceptions")),
        error=run.error,
        step=None if run.status.value == "complete" else _step(run.stats.get("step")),
    )


def _step(value: object) -> str | None:
    return value if isinstance(value, str) else None


def recorded_run(uow: UnitOfWork, run_id: int) -> RunRecord | None:
    """Planning run ``run_id`` as recorded (None: no such run)."""
    run = store.recorded_run(uow, run_id)
    return None if run is None else _record(run)


def _count(value: object) -> int | None:
    return value if isinstance(value, int) else None
