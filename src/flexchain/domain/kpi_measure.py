"""What every KPI is measured over and gives: a :class:`Span` of days (a week of the trend, or
a whole window) and a :class:`Measure` (the value and how many facts counted). Re-exported by
:mod:`flexchain.domain.kpis`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flexchain.domain.errors import ValidationError

__all__ = ["Measure", "Span", "weeks_ending"]


@dataclass(frozen=True)
class Span:
    """Days ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return self.end.isoformat()

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def weeks_ending(end: date, weeks: int) -> list[Span]:
    """``weeks`` spans of seven days, oldest first, the last ending on ``end``.

    >>> [w.label for w in weeks_ending(date(2026, 12, 6), 2)]
    ['2026-11-29', '2026-12-06']
    """
    if weeks < 1:
        raise ValidationError("weeks", f"must be 1 or more, got {weeks}")
    return [
        Span(end - timedelta(days=7 * back + 6), end - timedelta(days=7 * back))
        for back in range(weeks - 1, -1, -1)
    ]


@dataclass(frozen=True)
class Measure:
    """A KPI's value over a span (None: no facts to measure) and how many facts counted."""

    value: Decimal | None
    count: int
