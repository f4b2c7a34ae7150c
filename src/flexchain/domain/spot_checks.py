"""QC spot checks: which suppliers the brand asks today, and the state of a request.

The brand requests a few random spot checks a day among suppliers with open work (an open PO or
a released or started job). Suppliers under closer monitoring come first, as long as they have
had fewer requests this week than their policy's ``spot_checks_per_week``; the others follow in
random order. A supplier gets at most one request a day. Each pick names one of the supplier's
open jobs or POs at random. Same seed, same picks.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flexchain.domain.errors import IllegalTransition, ValidationError

__all__ = [
    "DUE_HOURS",
    "MAX_PER_RUN",
    "Pick",
    "SpotCandidate",
    "SpotStatus",
    "Target",
    "answer",
    "cancel",
    "due_by",
    "pick_spot_checks",
]

DUE_HOURS = 48
"""A spot check is due this many hours after it was requested."""
MAX_PER_RUN = 50
"""The most spot checks one request asks for."""


class SpotStatus(StrEnum):
    REQUESTED = "requested"
    ANSWERED = "answered"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Target:
    """What the spot check looks at: a job (``job_id``) or a PO (``po_number``)."""

    job_id: int | None = None
    po_number: str | None = None

    def describe(self) -> str:
        return f"job {self.job_id}" if self.job_id is not None else str(self.po_number)


@dataclass(frozen=True)
class SpotCandidate:
    supplier: str
    targets: tuple[Target, ...]
    monitored: bool = False
    per_week: int = 0
    this_week: int = 0
    today: int = 0


@dataclass(frozen=True)
class Pick:
    supplier: str
    target: Target
    reason: str


def pick_spot_checks(
    candidates: Sequence[SpotCandidate], count: int, rng: random.Random
) -> list[Pick]:
    """Up to ``count`` spot checks: monitored suppliers under their weekly number first, then
    the others, each group in random order; none for a supplier asked today or without work."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_PER_RUN:
        raise ValidationError("count", f"must be a whole number from 1 to {MAX_PER_RUN}")
    open_ = sorted((c for c in candidates if c.targets and c.today == 0), key=lambda c: c.supplier)
    first = [c for c in open_ if c.monitored and c.this_week < c.per_week]
    rest = [c for c in open_ if c not in first]
    rng.shuffle(first)
    rng.shuffle(rest)
    picks = []
    for c in [*first, *rest][:count]:
        target = rng.choice(sorted(c.targets, key=lambda t: (t.job_id or 0, t.po_number or "")))
        reason = (
            f"closer monitoring: {c.per_week} spot checks a week ({c.this_week} so far)"
            if c in first
            else "random spot check"
        )
        picks.append(Pick(c.supplier, target, f"{reason} of {target.describe()}"))
    return picks


def due_by(requested_at: datetime) -> datetime:
    return requested_at + timedelta(hours=DUE_HOURS)


def answer(number: str, status: SpotStatus) -> SpotStatus:
    """The status a request takes when a QC record answers it (only a requested one)."""
    if status is not SpotStatus.REQUESTED:
        raise IllegalTransition(f"spot check {number} is {status.value}: it takes no answer")
    return SpotStatus.ANSWERED


def cancel(number: str, status: SpotStatus) -> SpotStatus:
    """The status a request takes when the brand withdraws it (only a requested one)."""
    if status is not SpotStatus.REQUESTED:
        raise IllegalTransition(f"spot check {number} is {status.value}: it cannot be cancelled")
    return SpotStatus.CANCELLED
