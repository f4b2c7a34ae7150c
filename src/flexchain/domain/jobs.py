"""Production jobs: the lifecycle at the supplier, the materials it takes, over-consumption.

A job moves ``planned -> released -> started -> finished``. While it is open it may be delayed
(the supplier moves its dates, with a reason); once started, each step of its routing reports
the quantity done and the quantity scrapped. A job that has not started can be cancelled.
Finished, cancelled (and the legacy ``done``) are final. :func:`next_status` refuses anything
else with :class:`~flexchain.domain.errors.IllegalTransition`.

What a job does to stock is decided here too, and posted by :mod:`flexchain.services.jobs`:
releasing a job issues its bill of materials to the supplier's site (:func:`materials`);
finishing it consumes what was issued and brings the good units back.
:func:`over_consumption` compares the material a job used with what its bill of materials
allows for the units it delivered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_UP, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from flexchain.domain.checks import choice, text
from flexchain.domain.errors import IllegalTransition, ValidationError
from flexchain.domain.orders import JobStatus
from flexchain.domain.values import quantity as as_quantity

__all__ = [
    "DEFAULT_OVER_CONSUMPTION",
    "MAX_DELAY_DAYS",
    "NEXT",
    "OPEN_JOB_STATUSES",
    "BomLine",
    "Delay",
    "JobAction",
    "OverConsumption",
    "StepDone",
    "check_delay",
    "check_finish",
    "check_step",
    "materials",
    "next_status",
    "order_ready",
    "over_consumption",
]

DEFAULT_OVER_CONSUMPTION: Final = Decimal("0.20")
"""Material used above the bill of materials by more than this share raises an alert."""
MAX_DELAY_DAYS: Final = 365
_PLACE: Final = Decimal("0.001")


class JobAction(StrEnum):
    """What can happen to a job (the ``kind`` of its events)."""

    RELEASE = "release"
    START = "start"
    PROGRESS = "progress"
    DELAY = "delay"
    FINISH = "finish"
    CANCEL = "cancel"


OPEN_JOB_STATUSES: Final = frozenset(status for status in JobStatus if status.is_open)
"""Planned, released, started: the jobs that book supplier load and bring supply."""

_J, _A = JobStatus, JobAction
NEXT: Final[Mapping[JobStatus, Mapping[JobAction, JobStatus]]] = MappingProxyType(
    {
        _J.PLANNED: {_A.RELEASE: _J.RELEASED, _A.DELAY: _J.PLANNED, _A.CANCEL: _J.CANCELLED},
        _J.RELEASED: {_A.START: _J.STARTED, _A.DELAY: _J.RELEASED, _A.CANCEL: _J.CANCELLED},
        _J.STARTED: {_A.PROGRESS: _J.STARTED, _A.DELAY: _J.STARTED, _A.FINISH: _J.FINISHED},
        _J.FINISHED: {},
        _J.DONE: {},
        _J.CANCELLED: {},
    }
)
"""Each status, the actions it allows and the status each leads to."""


def next_status(current: JobStatus | str, action: JobAction | str) -> JobStatus:
    """The status ``action`` takes a job in ``current`` to, else :class:`IllegalTransition`.

    >>> next_status("planned", "release")
    <JobStatus.RELEASED: 'released'>
    >>> try:
    ...     next_status("planned", "finish")
    ... except IllegalTransition as error:
    ...     print(error)
    cannot finish a planned job; allowed: release, delay, cancel
    """
    status = choice(JobStatus, current, "status")
    act = choice(JobAction, action, "action")
    allowed = NEXT[status]
    if act not in allowed:
        if not allowed:
            raise IllegalTransition(f"cannot {act} a {status} job: {status} is final")
        names = ", ".join(allowed)
        raise IllegalTransition(f"cannot {act} a {status} job; allowed: {names}")
    return allowed[act]


@dataclass(frozen=True)
class StepDone:
    """A step of the job's routing reported: good units and units scrapped."""

    step: str
    quantity: Decimal
    scrap: Decimal


def check_step(
    status: JobStatus | str,
    job_quantity: Decimal,
    done_before: Decimal,
    step: str,
    quantity: Decimal | int | str,
    scrap: Decimal | int | str = 0,
) -> StepDone:
    """A progress report on a started job, checked.

    ``done_before`` is the good quantity already reported for ``step``: the good units of a step
    never exceed the job's quantity (scrapped units were replaced, so scrap is not capped).
    """
    next_status(status, JobAction.PROGRESS)
    name = text(step, "step", max_length=64)
    good = as_quantity(quantity, "quantity")
    lost = as_quantity(scrap, "scrap")
    if good == 0 and lost == 0:
        raise ValidationError("quantity", "report a quantity done or scrapped")
    if done_before + good > job_quantity:
        raise ValidationError(
            "quantity",
            f"{name} would reach {done_before + good} of a job of {job_quantity}",
        )
    return StepDone(name, good, lost)


@dataclass(frozen=True)
class Delay:
    """The job's dates moved ``days`` later, and why."""

    days: int
    reason: str
    planned_start: date | None
    planned_finish: date | None


def check_delay(
    status: JobStatus | str,
    days: int,
    reason: str,
    planned_start: date | None,
    planned_finish: date | None,
) -> Delay:
    """Delay an open job: its finish (and its start, unless it has started) move ``days`` later."""
    current = choice(JobStatus, status, "status")
    next_status(current, JobAction.DELAY)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DELAY_DAYS:
        raise ValidationError("days", f"a whole number of days from 1 to {MAX_DELAY_DAYS}")
    why = text(reason, "reason")
    shift = timedelta(days=days)
    start = planned_start
    if start is not None and current is not JobStatus.STARTED:
        start = start + shift
    finish = planned_finish + shift if planned_finish is not None else None
    return Delay(days, why, start, finish)


def check_finish(
    status: JobStatus | str, job_quantity: Decimal, quantity: Decimal | int | str | None
) -> Decimal:
    """The good quantity a finished job delivers: ``quantity`` (default: the job's), at most
    the job's quantity."""
    next_status(status, JobAction.FINISH)
    if quantity is None:
        return job_quantity
    good = as_quantity(quantity, "quantity", allow_zero=False)
    if good > job_quantity:
        raise ValidationError("quantity", f"at most the job's quantity, {job_quantity}")
    return good


@dataclass(frozen=True)
class BomLine:
    """One component of the job's item: ``quantity`` per unit, plus ``scrap_pct`` % planned
    loss."""

    sku: str
    quantity: Decimal
    scrap_pct: Decimal = Decimal(0)

    @property
    def per_unit(self) -> Decimal:
        return self.quantity * (1 + self.scrap_pct / 100)


def materials(bom: Iterable[BomLine], quantity: Decimal) -> dict[str, Decimal]:
    """What making ``quantity`` units takes of each component (the same SKU summed), rounded
    up to the ledger's three decimal places.

    >>> materials([BomLine("FAB", Decimal("0.2"), Decimal(5))], Decimal(3))
    {'FAB': Decimal('0.630')}
    """
    needed: dict[str, Decimal] = {}
    for line in bom:
        needed[line.sku] = needed.get(line.sku, Decimal(0)) + line.per_unit * quantity
    return {sku: amount.quantize(_PLACE, ROUND_UP) for sku, amount in needed.items() if amount > 0}


@dataclass(frozen=True)
class OverConsumption:
    """A component used more than its bill of materials allows for the good units made."""

    sku: str
    used: Decimal
    allowed: Decimal
    tolerance: Decimal

    @property
    def excess(self) -> Decimal:
        """How far above the bill of materials: 0.43 is 43 % more."""
        return self.used / self.allowed - 1 if self.allowed else Decimal(1)

    @property
    def message(self) -> str:
        pct = f"{self.excess * 100:.0f}"
        return (
            f"{self.sku}: used {self.used.normalize():f}, the bill of materials allows "
            f"{self.allowed.normalize():f} for the units made ({pct} % over, "
            f"tolerance {self.tolerance * 100:.0f} %)"
        )


def over_consumption(
    used: Mapping[str, Decimal],
    bom: Iterable[BomLine],
    made: Decimal,
    tolerance: Decimal = DEFAULT_OVER_CONSUMPTION,
) -> tuple[OverConsumption, ...]:
    """The components whose ``used`` quantity exceeds what ``bom`` allows for ``made`` good
    units by more than ``tolerance`` (0.20: 20 %), in SKU order.

    >>> bom = [BomLine("FAB", Decimal(2))]
    >>> over_consumption({"FAB": Decimal(24)}, bom, Decimal(10))
    ()
    >>> [o.sku for o in over_consumption({"FAB": Decimal(25)}, bom, Decimal(10))]
    ['FAB']
    """
    if tolerance < 0:
        raise ValidationError("tolerance", "must not be negative")
    allowed = materials(bom, made)
    found = []
    for sku in sorted(used):
        limit = allowed.get(sku, Decimal(0))
        if used[sku] > limit * (1 + tolerance):
            found.append(OverConsumption(sku, used[sku], limit, tolerance))
    return tuple(found)


def order_ready(jobs: Iterable[JobStatus | str]) -> bool:
    """Whether an order's jobs let it be ready: at least one finished, none still open.

    Cancelled jobs do not count (a replanned order's jobs are cancelled and replaced); picks
    are reserved stock from the moment they are made, so they never hold an order back.
    """
    statuses = [choice(JobStatus, status, "status") for status in jobs]
    finished = [s for s in statuses if s in (JobStatus.FINISHED, JobStatus.DONE)]
    return bool(finished) and not any(s.is_open for s in statuses)
