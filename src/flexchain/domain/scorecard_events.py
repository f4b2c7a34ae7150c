"""The events a supplier scorecard reads, and its periods (a month ``2026-11``, a quarter
``2026-Q4``). Pure dataclasses: the scorecards store fills them, :mod:`flexchain.domain.scorecards`
computes the figures from them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flexchain.domain.errors import ValidationError

__all__ = [
    "RFQ_WAIT_DAYS",
    "ChangeRequest",
    "Delivery",
    "FirstPiece",
    "Health",
    "Inspection",
    "JobLog",
    "Period",
    "PricePoint",
    "RfqInvitation",
    "Sample",
    "Suggestion",
    "SupplierEvents",
    "delivery_of",
    "parse_period",
    "period_history",
    "rfq_overdue",
]

_PERIOD = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")

# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month (``2026-11``) or a quarter (``2026-Q4``): ``start`` to ``end``, both included."""

    label: str
    start: date
    end: date

    @property
    def quarterly(self) -> bool:
        return "Q" in self.label

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        before = self.start - timedelta(days=1)
        if self.quarterly:
            return parse_period(f"{before.year}-Q{(before.month - 1) // 3 + 1}")
        return parse_period(f"{before.year}-{before.month:02d}")


def parse_period(text: object, field: str = "period") -> Period:
    """A period from its label: a month ``YYYY-MM`` or a quarter ``YYYY-Qn``.

    >>> parse_period("2026-Q4").start, parse_period("2026-Q4").end
    (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    """
    label = str(text).strip().upper() if isinstance(text, str) else ""
    found = _PERIOD.match(label)
    if found is None:
        raise ValidationError(
            field, f"'{text}' is not a period: give a month (2026-11) or a quarter (2026-Q4)"
        )
    year = int(found.group(1))
    if not 1900 < year < 9999:
        raise ValidationError(field, f"'{text}': the year must be 1901 to 9998, not {year}")
    first = int(found.group(2)) if found.group(2) else 3 * int(found.group(3)) - 2
    last = first if found.group(2) else first + 2
    after = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
    return Period(label, date(year, first, 1), after - timedelta(days=1))


def period_history(until: Period, periods: int) -> list[Period]:
    """``periods`` periods ending with ``until``, oldest first."""
    if not 1 <= periods <= 60:
        raise ValidationError("history", f"give 1 to 60 periods, not {periods}")
    found = [until]
    while len(found) < periods:
        found.append(found[-1].previous())
    return found[::-1]


# --- the events ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One PO line as delivery performance sees it (not cancelled).

    ``promised``: the date the supplier confirmed, else the due date; ``ordered``: the confirmed
    quantity if confirmed, else the ordered one. ``completed_on``: the day of the receipt that
    brought it in full (within the under-delivery tolerance). ``delay_days``: completed_on -
    promised; for an open line past its promised date, today - promised; for a line closed
    short, its last receipt - promised; None while open and not yet due.
    """

    supplier: str
    po_number: str
    line_no: int
    item: str
    promised: date
    ordered: Decimal
    received: Decimal
    completed_on: date | None
    first_received_on: date | None
    delay_days: int | None
    issued_on: date | None = None
    """The day its PO was sent (None: an imported line without a header)."""
    closed_short: bool = False
    """Closed by a short receipt before it was complete."""
    last_received_on: date | None = None

    @property
    def day(self) -> date | None:
        """The day it counts on: completed, closed short, or past due (None: not yet due)."""
        if self.completed_on is not None:
            return self.completed_on
        if self.closed_short:
            return self.last_received_on or self.promised
        return self.promised if self.delay_days is not None else None

    @property
    def on_time_in_full(self) -> bool:
        return self.completed_on is not None and self.completed_on <= self.promised


@dataclass(frozen=True)
class Inspection:
    """An inspection of a receipt line (only the first one of each line counts)."""

    receipt_line: int
    at: datetime
    accepted: Decimal
    rejected: Decimal


@dataclass(frozen=True)
class FirstPiece:
    """A request (a PO sent, a job released) and when its first piece came (None: not yet)."""

    ref: str
    requested_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class RfqInvitation:
    """The supplier was asked to quote ``rfq``; ``overdue``: unanswered, its answer is late."""

    rfq: str
    sent_at: datetime
    answered_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class ChangeRequest:
    number: str
    requested_at: datetime
    status: str
    change_pct: Decimal


@dataclass(frozen=True)
class JobLog:
    """A started job: its progress postings (start, progress, delay, finish) and delays."""

    job: int
    started_at: datetime
    finished_at: datetime | None
    planned_finish: date | None
    postings: tuple[datetime, ...]
    delays: tuple[tuple[datetime, int], ...] = ()


@dataclass(frozen=True)
class Sample:
    number: str
    requested_at: datetime
    delivered_at: datetime | None
    first_article: str | None
    inspected_at: datetime | None


@dataclass(frozen=True)
class Suggestion:
    number: str
    submitted_at: datetime
    status: str
    decided_at: datetime | None
    recorded_value: Decimal | None


@dataclass(frozen=True)
class PricePoint:
    """A PO line's unit price for ``item`` on the day its PO was sent, with the item's cost
    model (material share, material index values as (day, value), oldest first)."""

    item: str
    on: date
    unit_price: Decimal
    currency: str
    material_share: Decimal
    index: tuple[tuple[date, Decimal], ...]


@dataclass(frozen=True)
class Health:
    as_of: date
    financial_score: Decimal | None
    staff_turnover_pct: Decimal | None


@dataclass(frozen=True)
class SupplierEvents:
    """Everything one supplier's scorecard reads (any span; each figure picks its period)."""

    deliveries: tuple[Delivery, ...] = ()
    inspections: tuple[Inspection, ...] = ()
    first_pieces: tuple[FirstPiece, ...] = ()
    rfqs: tuple[RfqInvitation, ...] = ()
    changes: tuple[ChangeRequest, ...] = ()
    jobs: tuple[JobLog, ...] = ()
    samples: tuple[Sample, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    prices: tuple[PricePoint, ...] = ()
    health: tuple[Health, ...] = ()


def delivery_of(
    *,
    supplier: str,
    po_number: str,
    line_no: int,
    item: str,
    promised: date,
    ordered: Decimal,
    receipts: Sequence[tuple[date, Decimal]],
    closed: bool,
    today: date,
    under_pct: Decimal,
    issued_on: date | None = None,
) -> Delivery:
    """A PO line's :class:`Delivery` from what arrived of it, as (day, units).

    It is complete on the day its running total reaches ``ordered`` less the under-delivery
    tolerance (``under_pct`` percent, the receiving rule); a ``closed`` line never completed
    was closed short.

    >>> d = delivery_of(supplier="S", po_number="PO-1", line_no=1, item="A",
    ...     promised=date(2026, 11, 10), ordered=Decimal(100),
    ...     receipts=[(date(2026, 11, 9), Decimal(60)), (date(2026, 11, 12), Decimal(36))],
    ...     closed=True, today=date(2026, 12, 1), under_pct=Decimal(5))
    >>> d.completed_on, d.delay_days, d.on_time_in_full
    (datetime.date(2026, 11, 12), 2, False)
    """
    floor = ordered * (1 - under_pct / 100)
    total, completed = Decimal(0), None
    arrivals = sorted(receipts)
    for day, units in arrivals:
        total += units
        if completed is None and total >= floor:
            completed = day
    first = arrivals[0][0] if arrivals else None
    last = arrivals[-1][0] if arrivals else None
    short = closed and completed is None
    if completed is not None:
        delay: int | None = (completed - promised).days
    elif short:
        delay = None if last is None else (last - promised).days
    else:
        delay = (today - promised).days if promised < today else None
    return Delivery(supplier, po_number, line_no, item, promised, ordered, total, completed,
                    first, delay, issued_on, short, last)  # fmt: skip


RFQ_WAIT_DAYS = 7
"""An RFQ without a reply-by date awaits answers this many days after it was sent."""


def rfq_overdue(status: str, reply_by: date | None, sent_at: datetime, today: date) -> bool:
    """Whether an answer to an RFQ is overdue by ``today``: the RFQ was awarded, or is past its
    reply-by date (without one: :data:`RFQ_WAIT_DAYS` days after it was sent). A cancelled RFQ
    awaits nothing and holds nothing against a supplier that did not answer it."""
    if status == "cancelled":
        return False
    if status == "awarded":
        return True
    deadline = reply_by or sent_at.date() + timedelta(days=RFQ_WAIT_DAYS)
    return deadline < today
