"""Production jobs at the suppliers: list, show, and move them along their lifecycle.

Each use case loads the job through :class:`flexchain.adapters.db.jobs.SqlJobStore` (its row
locked), decides with :mod:`flexchain.domain.jobs` (which refuses illegal transitions and bad
quantities), and writes the job, an event and its stock moves in the caller's unit of work:

* ``release``: the job's materials (its item's bill of materials plus the chosen option's own)
  move from the warehouse it works for to the supplier's site, so the work in progress is
  visible there. Refused, nothing written, if the warehouse does not hold them.
* ``start``: the supplier started; its order goes ``in_production`` if it was not yet.
* ``progress``: a step done (good units, scrap); ``delay``: its dates move, with a reason.
* ``finish``: what was issued for the job is consumed (site -> production), the good units are
  made (production -> site) and come back to the warehouse, reserved for the order line with a
  pick, so shipping the order takes them. Material used above the bill of materials for the
  good units by more than the tolerance (default 20 %) raises an ``alert`` event on the job.
  When every job of the order is finished (cancelled ones aside), the order becomes ``ready``.
* ``cancel``: a job not yet started; materials already issued come back to the warehouse.

Services take ``now`` from their caller; nothing here commits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from flexchain.adapters.db.jobs import JobEventRecord, JobRecord, SqlJobStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import choice, code, day
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.jobs import (
    DEFAULT_OVER_CONSUMPTION,
    JobAction,
    check_delay,
    check_finish,
    check_step,
    materials,
    next_status,
    order_ready,
    over_consumption,
)
from flexchain.domain.orders import OPEN_STATUSES, JobStatus, OrderStatus, can_transition
from flexchain.domain.stock import MoveKind, StockMove
from flexchain.domain.values import quantity as as_quantity
from flexchain.domain.values import utc
from flexchain.services import audit, fulfilment, inventory, orders

__all__ = [
    "ALERT",
    "JobDetail",
    "JobEventView",
    "JobView",
    "cancel_job",
    "delay_job",
    "finish_job",
    "list_jobs",
    "plan_job",
    "progress_job",
    "release_job",
    "show_job",
    "start_job",
]

ALERT = "alert"
"""The kind of a job event that warns a person (over-consumption)."""


_ZERO = Decimal(0)


@dataclass(frozen=True)
class JobView:
    """One job as ``jobs list`` shows it."""

    id: int
    order: str | None
    sku: str
    option: str | None
    value: str
    supplier: str | None
    process: str | None
    quantity: Decimal
    reason: str
    status: JobStatus
    planned_start: date | None
    planned_finish: date | None
    released_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    finished_quantity: Decimal | None
    scrapped: Decimal
    alerts: int


@dataclass(frozen=True)
class JobEventView:
    kind: str
    status: str
    step: str | None
    quantity: Decimal | None
    scrap: Decimal | None
    days: int | None
    note: str
    at: datetime
    actor: str


@dataclass(frozen=True)
class JobDetail:
    """One job with its steps, its events (oldest first) and its alerts."""

    job: JobView
    site: str | None
    steps: dict[str, Decimal]
    events: tuple[JobEventView, ...]
    alerts: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``jobs show --json`` and ``GET /jobs/{id}``: the job's fields,
        then ``site``, ``steps`` (good units per step), ``events`` and ``alerts``."""
        return {
            **asdict(self.job),
            "site": self.site,
            "steps": dict(self.steps),
            "events": [asdict(event) for event in self.events],
            "alerts": list(self.alerts),
        }


def _view(job: JobRecord, events: list[JobEventRecord]) -> JobView:
    return JobView(
        id=job.id,
        order=job.order,
        sku=job.sku,
        option=job.option,
        value=job.value,
        supplier=job.supplier,
        process=job.process,
        quantity=job.quantity,
        reason=job.reason,
        status=job.status,
        planned_start=job.planned_start,
        planned_finish=job.planned_finish,
        released_at=job.released_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        finished_quantity=job.finished_quantity,
        scrapped=sum((e.scrap or Decimal(0) for e in events), Decimal(0)),
        alerts=sum(1 for e in events if e.kind == ALERT),
    )


def _steps(events: list[JobEventRecord]) -> dict[str, Decimal]:
    done: dict[str, Decimal] = {}
    for event in events:
        if event.kind == JobAction.PROGRESS and event.step:
            done[event.step] = done.get(event.step, Decimal(0)) + (event.quantity or 0)
    return done


def list_jobs(
    uow: UnitOfWork,
    *,
    order: str | None = None,
    supplier: str | None = None,
    status: str | None = None,
) -> list[JobView]:
    """Jobs by planned start, of one order (id, store id or number), supplier or status."""
    store = SqlJobStore(uow)
    try:
        order_id = orders.find_order(uow, order).id if order else None
    except NotFound:
        if uow.supplier_scope is None:
            raise
        return []  # a supplier's user cannot tell other orders from none
    wanted = choice(JobStatus, status, "status") if status else None
    if supplier is not None:
        supplier = code(supplier, "supplier")
        if not store.supplier_exists(supplier):
            raise NotFound(f"unknown supplier {supplier!r}")
    jobs = store.jobs(order_id=order_id, supplier=supplier, status=wanted)
    events = store.events(job.id for job in jobs)
    by_job: dict[int, list[JobEventRecord]] = {job.id: [] for job in jobs}
    for event in events:
        by_job[event.job_id].append(event)
    return [_view(job, by_job[job.id]) for job in jobs]


def show_job(uow: UnitOfWork, job_id: int) -> JobDetail:
    """One job with its steps, events and alerts."""
    store = SqlJobStore(uow)
    job = store.job(job_id)
    return _detail(store, job)


def _detail(store: SqlJobStore, job: JobRecord) -> JobDetail:
    events = store.events([job.id])
    return JobDetail(
        job=_view(job, events),
        site=store.find_site(job.supplier_id) if job.supplier_id else None,
        steps=_steps(events),
        events=tuple(JobEventView(**_event_fields(e)) for e in events),
        alerts=tuple(e.note for e in events if e.kind == ALERT),
    )


def _event_fields(event: JobEventRecord) -> dict[str, Any]:
    fields = asdict(event)
    del fields["job_id"]
    return fields


def _reference(job: JobRecord) -> str:
    return f"job {job.id}"


def _move(
    job: JobRecord,
    sku: str,
    source: str,
    target: str,
    quantity: Decimal,
    kind: MoveKind,
    at: datetime,
) -> StockMove:
    return StockMove(sku, source, target, quantity, kind, _reference(job), at)


_AUDITED = ("status", "planned_start", "planned_finish", "finished_quantity")
"""The job's fields its audit entries compare before and after."""


def _audited(
    uow: UnitOfWork,
    store: SqlJobStore,
    action: str,
    before: JobRecord,
    now: datetime,
    steps: tuple[dict[str, Decimal], dict[str, Decimal]] = ({}, {}),
    **context: Any,
) -> JobDetail:
    """Record ``action`` on the job (its fields, and the ``steps`` reported, before and after)
    and return it as it is now."""
    after = store.job(before.id)
    audit.record_change(
        uow,
        action,
        "job",
        str(before.id),
        before={**{name: getattr(before, name) for name in _AUDITED}, **steps[0]},
        after={**{name: getattr(after, name) for name in _AUDITED}, **steps[1]},
        at=now,
        **context,
    )
    return _detail(store, after)


def plan_job(
    uow: UnitOfWork,
    *,
    sku: str,
    quantity: Decimal | int | str,
    supplier: str,
    process: str | None,
    start: date,
    finish: date,
    reason: str = "plan",
    note: str = "",
    deliver_to: str | None = None,
    now: datetime,
) -> JobDetail:
    """A planned job for stock, of no order: ``quantity`` of ``sku`` made at ``supplier``
    (``process``) from ``start`` to ``finish``; finished, its good units go into the warehouse
    ``deliver_to`` (a warehouse's code; None: the first warehouse) as free stock. ``note``
    (e.g. the planned order it comes from) is its first event's. Audited ``planned``.

    Raises
    ------
    NotFound
        ``sku``, ``supplier`` or the warehouse ``deliver_to`` is unknown.
    """
    now = utc(now, "now")
    amount = as_quantity(quantity, "quantity", allow_zero=False)
    start, finish = day(start, "start"), day(finish, "finish")
    if finish < start:
        raise ValidationError("finish", f"{finish} is before the start {start}")
    store = SqlJobStore(uow)
    job_id = store.add_job(
        sku=sku, supplier=code(supplier, "supplier"), process=process, quantity=amount,
        reason=reason, start=start, finish=finish, deliver_to=deliver_to or None,
    )  # fmt: skip
    store.add_event(job_id, "planned", JobStatus.PLANNED, at=now, quantity=amount, note=note)
    job = store.job(job_id)
    audit.record_change(
        uow, "planned", "job", str(job_id), before=None,
        after={**{name: getattr(job, name) for name in _AUDITED}, "supplier": job.supplier,
               "sku": job.sku, "quantity": amount, "reason": reason,
               "deliver_to": store.home(job)},
        at=now,
    )  # fmt: skip
    return _detail(store, job)


def release_job(uow: UnitOfWork, job_id: int, *, now: datetime) -> JobDetail:
    """Release a planned job to its supplier: its materials are issued at the supplier's site,
    reserved there for the job — what the site already has free of them first, the rest moved
    there from the warehouse the job works for (refused, writing nothing, if that does not
    cover it)."""
    now = utc(now, "now")
    store = SqlJobStore(uow)
    job = store.job(job_id, lock=True)
    status = next_status(job.status, JobAction.RELEASE)
    if job.supplier_id is None:
        raise NotFound(f"job {job.id} has no supplier: no capable supplier makes {job.sku}")
    site = store.site(job.supplier_id)
    home = store.home(job)
    needed = materials(store.bom(job), job.quantity)
    held = {view.sku: view.available for view in inventory.balances(uow, now=now, location=site)}
    from_site = {sku: min(need, max(held.get(sku, _ZERO), _ZERO)) for sku, need in needed.items()}
    inventory.post_moves(
        uow,
        [
            _move(job, sku, home, site, need - from_site[sku], MoveKind.TRANSFER, now)
            for sku, need in sorted(needed.items())
            if need > from_site[sku]
        ],
    )
    for sku, need in sorted(needed.items()):  # all of it held at the site for the job
        if need > 0:
            inventory.reserve(uow, sku, site, need, _reference(job), now=now)
    store.update(job.id, status=status.value, released_at=now)
    store.add_event(job.id, JobAction.RELEASE, status, at=now)
    return _audited(uow, store, "released", job, now, issued=dict(sorted(needed.items())))


def start_job(uow: UnitOfWork, job_id: int, *, now: datetime) -> JobDetail:
    """The supplier started a released job; its order goes in production if it was not yet."""
    now = utc(now, "now")
    store = SqlJobStore(uow)
    job = store.job(job_id, lock=True)
    status = next_status(job.status, JobAction.START)
    store.update(job.id, status=status.value, started_at=now)
    store.add_event(job.id, JobAction.START, status, at=now)
    if job.order_id is not None:
        order = orders.find_order(uow, job.order_id)
        if order.status != OrderStatus.IN_PRODUCTION and can_transition(
            order.status, OrderStatus.IN_PRODUCTION
        ):
            orders.set_status(uow, job.order_id, OrderStatus.IN_PRODUCTION.value, now=now)
    return _audited(uow, store, "started", job, now)


def progress_job(
    uow: UnitOfWork,
    job_id: int,
    *,
    step: str,
    quantity: Decimal | int | str,
    scrap: Decimal | int | str = 0,
    now: datetime,
) -> JobDetail:
    """A step of a started job done: ``quantity`` good units, ``scrap`` lost."""
    now = utc(now, "now")
    store = SqlJobStore(uow)
    job = store.job(job_id, lock=True)
    before = _steps(store.events([job.id]))
    name = step.strip() if isinstance(step, str) else ""
    done = check_step(job.status, job.quantity, before.get(name, Decimal(0)), step, quantity, scrap)
    store.add_event(
        job.id,
        JobAction.PROGRESS,
        job.status,
        at=now,
        step=done.step,
        quantity=done.quantity,
        scrap=done.scrap,
    )
    done_before = {f"done@{done.step}": before.get(done.step, Decimal(0))}
    done_after = {f"done@{done.step}": done_before[f"done@{done.step}"] + done.quantity}
    return _audited(uow, store, "progressed", job, now, (done_before, done_after), scrap=done.scrap)


def delay_job(uow: UnitOfWork, job_id: int, *, days: int, reason: str, now: datetime) -> JobDetail:
    """An open job's dates move ``days`` later (its start too, unless it has started)."""
    now = utc(now, "now")
    store = SqlJobStore(uow)
    job = store.job(job_id, lock=True)
    delay = check_delay(job.status, days, reason, job.planned_start, job.planned_finish)
    store.update(job.id, planned_start=delay.planned_start, planned_finish=delay.planned_finish)
    if job.order_id is not None and delay.planned_finish is not None:
        fulfilment.redate_after_delay(uow, job.order_id, delay.planned_finish)
    store.add_event(job.id, JobAction.DELAY, job.status, at=now, days=delay.days, note=delay.reason)
    return _audited(uow, store, "delayed", job, now, days=delay.days, reason=delay.reason)


def finish_job(
    uow: UnitOfWork,
    job_id: int,
    *,
    quantity: Decimal | int | str | None = None,
    now: datetime,
    tolerance: Decimal = DEFAULT_OVER_CONSUMPTION,
) -> JobDetail:
    """A started job finished with ``quantity`` good units (default: all of it)."""
    now = utc(now, "now")
    store = SqlJobStore(uow)
    job = store.job(job_id, lock=True)
    made = check_finish(job.status, job.quantity, quantity)
    status = next_status(job.status, JobAction.FINISH)
    assert job.supplier_id is not None  # released jobs have one
    site, home = store.site(job.supplier_id), store.home(job)
    used = _issued(uow, job, site)
    production = store.production_location()
    moves = [
        *(
            StockMove(
                sku,
                site,
                production,
                amount,
                MoveKind.PRODUCTION_ISSUE,
                _reference(job),
                now,
                _reference(job),  # takes what the site's stock held for it first
            )
            for sku, amount in sorted(used.items())
        ),
        _move(job, job.sku, production, site, made, MoveKind.PRODUCTION_OUTPUT, now),
        _move(job, job.sku, site, home, made, MoveKind.TRANSFER, now),
    ]
    inventory.post_moves(uow, moves)
    store.update(job.id, status=status.value, finished_at=now, finished_quantity=made)
    store.add_event(job.id, JobAction.FINISH, status, at=now, quantity=made)
    for alert in over_consumption(used, store.bom(job), made, tolerance):
        store.add_event(job.id, ALERT, status, at=now, note=f"over-consumption: {alert.message}")
    for_order = min(made, store.line_need(job)) if job.order_line_id is not None else Decimal(0)
    if for_order > 0 and _order_open(uow, job):
        # the order line's share comes back reserved with a pick; the rest is free stock
        owner = store.line_owner(cast(int, job.order_line_id))
        ref = fulfilment.owner_ref(owner, owner)
        inventory.reserve(uow, job.sku, home, for_order, ref, now=now)
        store.add_pick(job, home, for_order)
    _maybe_ready(uow, store, job, now)
    return _audited(uow, store, "finished", job, now, used=dict(sorted(used.items())))


def cancel_job(uow: UnitOfWork, job_id: int, *, now: datetime) -> JobDetail:
    """Cancel a job not yet started; what was issued for it comes back to the warehouse."""
    now = utc(now, "now")
    store = SqlJobStore(uow)
    job = store.job(job_id, lock=True)
    status = next_status(job.status, JobAction.CANCEL)
    if job.supplier_id is not None and job.status is JobStatus.RELEASED:
        site, home = store.site(job.supplier_id), store.home(job)
        inventory.release(uow, _reference(job), now=now)  # what the site held for it is free
        issued = store.at_site(_reference(job), site)
        inventory.post_moves(
            uow,
            [
                _move(job, sku, site, home, amount, MoveKind.TRANSFER, now)
                for sku, amount in sorted(issued.items())
                if amount > 0
            ],
        )
    store.update(job.id, status=status.value)
    store.add_event(job.id, JobAction.CANCEL, status, at=now)
    _maybe_ready(uow, store, job, now)
    return _audited(uow, store, "cancelled", job, now)


def _issued(uow: UnitOfWork, job: JobRecord, site: str) -> dict[str, Decimal]:
    """What was issued for ``job``: what the supplier's ``site`` holds reserved for it."""
    return inventory.held_by(uow, _reference(job), site)


def _order_open(uow: UnitOfWork, job: JobRecord) -> bool:
    return job.order_id is not None and (
        orders.find_order(uow, job.order_id).status in OPEN_STATUSES
    )


def _maybe_ready(uow: UnitOfWork, store: SqlJobStore, job: JobRecord, now: datetime) -> None:
    """The job's order becomes ready when all its jobs are done (see ``order_ready``)."""
    if job.order_id is None:
        return
    order = orders.find_order(uow, job.order_id)
    if can_transition(order.status, OrderStatus.READY) and order_ready(
        store.order_jobs(job.order_id)
    ):
        orders.set_status(uow, job.order_id, OrderStatus.READY.value, now=now)
