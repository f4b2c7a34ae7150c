"""Which capable supplier makes a production job, and when it finishes: one documented rule.

Quotes use it to promise a ship date; order splitting uses it to place the production jobs of
custom modules and shortages. The rule, for a job of ``quantity`` units of one process started
(materials ready) on ``start``:

1. **Capable suppliers only**: the candidates that run the process; if there is none,
   :class:`NoCapableSupplier` names the process.
2. **Finish date** of each candidate, in calendar days::

       queue  = booked_units / capacity_per_day            (days of work already booked)
       lead   = max(0, (lead_time_mean_days + extra_lead_days) * lead_time_factor)
       finish = start + ceil(queue + lead + ceil(quantity / capacity_per_day))

   ``extra_lead_days`` is the chosen option's lead-time delta, ``lead_time_factor`` the speed
   tier's (1 by default): both only stretch or shrink the supplier's lead time, never the work
   already booked nor the run time.
3. **A normal order** goes to the best tier (S, then A, then B) among the suppliers with capacity
   left (``booked_units + quantity <= capacity_per_day * horizon_days``), then the earliest
   finish, then the supplier code. If every capable supplier is full for the horizon, the earliest
   finish wins.
4. **A rush order** (speed tier fast or premium) goes to the earliest finish; the tier breaks ties,
   then the code.

Everything is exact: quantities and days are :class:`~decimal.Decimal`, dates are calendar days.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Final

from flexchain.domain.checks import choice, code, day, whole_number
from flexchain.domain.errors import DomainError
from flexchain.domain.suppliers import Process, Tier
from flexchain.domain.values import number
from flexchain.domain.values import quantity as as_quantity

__all__ = [
    "HORIZON_DAYS",
    "TIER_RANK",
    "Assignment",
    "Candidate",
    "NoCapableSupplier",
    "assign",
]

HORIZON_DAYS: Final = 28
"""Days ahead in which booked work counts against a supplier's capacity (four weeks)."""

TIER_RANK: Final = {Tier.S: 0, Tier.A: 1, Tier.B: 2}
"""Normal orders prefer strategic partners, then agile workshops, then the backups."""

_ONE = Decimal(1)
_ZERO = Decimal(0)


class NoCapableSupplier(DomainError):
    """No supplier in the network runs the process a job needs."""

    def __init__(self, process: str) -> None:
        super().__init__(process)
        self.process = process

    def __str__(self) -> str:
        return (
            f"no capable supplier for {self.process}: add the {self.process} capability to an "
            "active supplier"
        )


@dataclass(frozen=True)
class Candidate:
    """A supplier able to run ``process``, with its capacity and the work already booked on it.

    ``booked_units`` are the units of open jobs (planned or started) for this supplier and process
    in the horizon; ``moq`` is the supplier's minimum for the process (quotes charge a small-batch
    surcharge below it, the rule itself ignores it).
    """

    supplier_code: str
    process: Process
    tier: Tier
    capacity_per_day: Decimal
    lead_time_mean_days: Decimal
    moq: Decimal = _ZERO
    booked_units: Decimal = _ZERO

    def __post_init__(self) -> None:
        object.__setattr__(self, "supplier_code", code(self.supplier_code, "supplier_code"))
        object.__setattr__(self, "process", choice(Process, self.process, "process"))
        object.__setattr__(self, "tier", choice(Tier, self.tier, "tier"))
        capacity = as_quantity(self.capacity_per_day, "capacity_per_day", allow_zero=False)
        object.__setattr__(self, "capacity_per_day", capacity)
        lead = as_quantity(self.lead_time_mean_days, "lead_time_mean_days")
        object.__setattr__(self, "lead_time_mean_days", lead)
        object.__setattr__(self, "moq", as_quantity(self.moq, "moq"))
        booked = as_quantity(self.booked_units, "booked_units")
        object.__setattr__(self, "booked_units", booked)

    @cached_property
    def queue_days(self) -> Decimal:
        """Days of work already booked: ``booked_units / capacity_per_day``."""
        return self.booked_units / self.capacity_per_day

    def lead_days(self, extra_lead_days: Decimal = _ZERO, factor: Decimal = _ONE) -> Decimal:
        """The lead time this job sees: ``(mean + extra) * factor``, never below zero."""
        return max(_ZERO, (self.lead_time_mean_days + extra_lead_days) * factor)

    def finish(
        self,
        quantity: Decimal,
        start: date,
        *,
        extra_lead_days: Decimal = _ZERO,
        lead_time_factor: Decimal = _ONE,
    ) -> date:
        """``start + ceil(queue + lead + ceil(quantity / capacity))`` (see the module docstring)."""
        lead = (self.lead_time_mean_days + extra_lead_days) * lead_time_factor
        run = math.ceil(quantity / self.capacity_per_day)
        days = self.queue_days + (lead if lead > 0 else _ZERO) + run
        return start + timedelta(days=math.ceil(days))

    def plus_booked(self, units: Decimal) -> Candidate:
        """This candidate with ``units`` more booked (a job just placed on it).

        A copy without validating again: ``units`` comes from a job already placed.
        """
        twin = copy.copy(self)
        object.__setattr__(twin, "booked_units", self.booked_units + units)
        twin.__dict__.pop("queue_days", None)  # the cached queue is the old one's
        return twin

    def has_capacity_for(self, quantity: Decimal, horizon_days: int = HORIZON_DAYS) -> bool:
        """Whether ``quantity`` more units fit in the capacity of the next ``horizon_days``."""
        return self.booked_units + quantity <= self.capacity_per_day * horizon_days


@dataclass(frozen=True)
class Assignment:
    """A job placed at a supplier: ``quantity`` units of ``process`` from ``start`` to ``finish``.

    ``reason`` is a sentence for the people reading the plan, saying why this supplier.
    """

    supplier_code: str
    process: Process
    quantity: Decimal
    start: date
    finish: date
    reason: str

    @property
    def days(self) -> int:
        return (self.finish - self.start).days


def assign(
    process: Process | str,
    quantity: Decimal | int | str,
    candidates: Iterable[Candidate],
    *,
    rush: bool,
    start: date,
    extra_lead_days: Decimal | int = 0,
    lead_time_factor: Decimal | int | str = 1,
    horizon_days: int = HORIZON_DAYS,
) -> Assignment:
    """Place a job of ``quantity`` units of ``process`` starting ``start`` (rule: module docstring).

    Candidates of other processes are ignored, so the whole network may be passed in.

    >>> sewing = [
    ...     Candidate("SEW-PT", "sewing", "S", Decimal(400), Decimal(12), booked_units=800),
    ...     Candidate("SEW-LX", "sewing", "A", Decimal(100), Decimal(3)),
    ... ]
    >>> normal = assign("sewing", 50, sewing, rush=False, start=date(2026, 11, 23))
    >>> normal.supplier_code, normal.finish
    ('SEW-PT', datetime.date(2026, 12, 8))
    >>> print(assign("sewing", 50, sewing, rush=True, start=date(2026, 11, 23)).reason)
    rush: fastest capable sewing supplier (finish 2026-11-27)

    Raises
    ------
    NoCapableSupplier
        No candidate runs ``process``.
    """
    wanted = choice(Process, process, "process")
    amount = as_quantity(quantity, "quantity", allow_zero=False)
    start = day(start, "start")
    extra = number(extra_lead_days, "extra_lead_days", allow_negative=True)
    factor = number(lead_time_factor, "lead_time_factor")
    horizon = whole_number(horizon_days, "horizon_days", minimum=1)
    capable = [candidate for candidate in candidates if candidate.process is wanted]
    if not capable:
        raise NoCapableSupplier(wanted.value)
    finishes = {
        candidate.supplier_code: candidate.finish(
            amount, start, extra_lead_days=extra, lead_time_factor=factor
        )
        for candidate in capable
    }

    def rush_key(candidate: Candidate) -> tuple[date, int, str]:
        code_ = candidate.supplier_code
        return finishes[code_], TIER_RANK[candidate.tier], code_

    def normal_key(candidate: Candidate) -> tuple[bool, int, date, str]:
        code_ = candidate.supplier_code
        full = not candidate.has_capacity_for(amount, horizon)
        # A full supplier ranks after every supplier with capacity left, and then by finish only.
        rank = 0 if full else TIER_RANK[candidate.tier]
        return full, rank, finishes[code_], code_

    if rush:
        chosen = min(capable, key=rush_key)
        reason = f"rush: fastest capable {wanted} supplier"
    else:
        chosen = min(capable, key=normal_key)
        if chosen.has_capacity_for(amount, horizon):
            reason = f"tier {chosen.tier}: best-tier {wanted} supplier with capacity left"
        else:
            reason = (
                f"every {wanted} supplier is fully booked for the next {horizon} days: "
                "earliest finish"
            )
    finish = finishes[chosen.supplier_code]
    return Assignment(
        supplier_code=chosen.supplier_code,
        process=wanted,
        quantity=amount,
        start=start,
        finish=finish,
        reason=f"{reason} (finish {finish.isoformat()})",
    )
