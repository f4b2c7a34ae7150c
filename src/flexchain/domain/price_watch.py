"""Cost and price watch: commodity price indices, what share of an item's cost follows each, and
the two things a buyer does with them.

* **Renegotiation**: when an index moves beyond a contract clause's threshold (default
  +/-8 %) from the clause's base value, the contract's prices are worth renegotiating. The cost
  impact of a move on one unit is ``price x share x move``, where ``share`` is the part of the
  item's cost that follows the index (its cost model; usually the material share).
* **Quarterly price review**: a contract with an index clause gets, each quarter, a proposed
  price per price line: ``base price x (1 + move x share)``, rounded half-up to cents, with the
  arithmetic in words. The move is the index's last value known when the quarter starts (on or
  before the day before its first day) against the clause's base value.

Everything here is pure: values in, values out, :class:`ValidationError` naming the field.

>>> move(Decimal("1.80"), Decimal("1.98"))
Decimal('0.1')
>>> unit_impact(Decimal("10.00"), Decimal("0.6"), Decimal("0.1"))
Decimal('0.60')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final

from flexchain.domain.checks import choice, text
from flexchain.domain.errors import IllegalTransition, ValidationError, format_decimal
from flexchain.domain.values import number, percent, to_decimal

__all__ = [
    "DEFAULT_THRESHOLD_PCT",
    "Component",
    "CostModel",
    "Decision",
    "IndexPoint",
    "PriceProposal",
    "Quarter",
    "ReviewTerm",
    "TaskStatus",
    "beyond_threshold",
    "decide",
    "index_code",
    "index_date",
    "index_value",
    "move",
    "propose_price",
    "share",
    "threshold",
    "unit_impact",
    "value_on",
]

DEFAULT_THRESHOLD_PCT: Final = Decimal(8)
"""A clause without its own threshold raises a task beyond +/-8 % from its base."""
MOVE_PLACES: Final = 6
"""A move is kept as a fraction to 6 places (0.0001 %)."""
SHARE_PLACES: Final = 4
_CENT = Decimal("0.01")
_INDEX_CODE = re.compile(r"[A-Z0-9._-]{1,64}")
_QUARTER = re.compile(r"(\d{4})-?Q([1-4])")


class Component(StrEnum):
    """The parts of an item's cost a cost model splits it into."""

    MATERIAL = "material"
    ENERGY = "energy"
    TOOLING = "tooling"
    LABOUR = "labour"


class TaskStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class Decision(StrEnum):
    """What a buyer decides on a renegotiation task."""

    ACCEPT = "accept"
    DISMISS = "dismiss"


# -- indices and their values ------------------------------------------------------------------


def index_code(value: object, field: str = "index") -> str:
    """An index code, upper case: ``"cotton"`` -> ``"COTTON"`` (1-64 of A-Z 0-9 . _ -)."""
    raw = value.strip().upper() if isinstance(value, str) else ""
    if not _INDEX_CODE.fullmatch(raw):
        raise ValidationError(
            field, f"{value!r} is not an index code: use 1-64 characters of A-Z, 0-9, '.', '_', '-'"
        )
    return raw


def index_value(value: object, field: str = "value") -> Decimal:
    """An index value: a positive number with at most 6 decimal places."""
    return number(value, field, allow_zero=False)


def index_date(value: object, field: str = "date") -> date:
    """A date as ``YYYY-MM-DD`` text or a :class:`date`."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(field, f"expected a date as YYYY-MM-DD, got {value!r}")


@dataclass(frozen=True)
class IndexPoint:
    """The value of an index on one day."""

    day: date
    value: Decimal


def value_on(points: list[IndexPoint], day: date) -> IndexPoint | None:
    """The newest point on or before ``day`` (``None``: the index has no value that early).

    >>> pts = [IndexPoint(date(2026, 1, 1), Decimal(1)), IndexPoint(date(2026, 2, 1), Decimal(2))]
    >>> value_on(pts, date(2026, 1, 31)).value
    Decimal('1')
    """
    found = [point for point in points if point.day <= day]
    return max(found, key=lambda point: point.day) if found else None


def move(base: Decimal, value: Decimal) -> Decimal:
    """How far ``value`` is from ``base``, as a fraction (``0.1`` is +10 %), to 6 places."""
    base = index_value(base, "base")
    change = (index_value(value) - base) / base
    return change.quantize(Decimal(1).scaleb(-MOVE_PLACES), ROUND_HALF_EVEN).normalize() + 0


def beyond_threshold(change: Decimal, threshold_pct: Decimal) -> bool:
    """Whether a move is strictly beyond +/-``threshold_pct`` percent (8 % moves are within)."""
    return abs(change) * 100 > threshold_pct


def threshold(value: object, field: str = "threshold") -> Decimal:
    """A clause's threshold: a percentage above 0 and at most 100."""
    result = percent(value, field)
    if result == 0:
        raise ValidationError(field, "must be above 0 (a percentage such as 8)")
    return result


# -- cost models ----------------------------------------------------------------------------


def share(value: object, field: str) -> Decimal:
    """A share of an item's cost: 0 to 1, at most 4 decimal places (``0.6`` is 60 %)."""
    result = number(value, field, places=SHARE_PLACES)
    if result > 1:
        raise ValidationError(
            field, f"must be a fraction between 0 and 1 (0.6 is 60 %), got {format_decimal(result)}"
        )
    return result


@dataclass(frozen=True)
class CostModel:
    """An item's cost split into material, energy, tooling wear and labour shares (each 0..1,
    summing to exactly 1), and the index each share follows (``None``: none)."""

    material: Decimal
    energy: Decimal
    tooling: Decimal
    labour: Decimal
    material_index: str | None = None
    energy_index: str | None = None
    tooling_index: str | None = None
    labour_index: str | None = None

    def __post_init__(self) -> None:
        for component in Component:
            name = component.value
            object.__setattr__(self, name, share(getattr(self, name), name))
            index = getattr(self, f"{name}_index")
            if index is not None:
                object.__setattr__(self, f"{name}_index", index_code(index, f"{name}_index"))
        total = self.material + self.energy + self.tooling + self.labour
        if total != 1:
            raise ValidationError(
                "shares",
                f"material {format_decimal(self.material)} + energy {format_decimal(self.energy)}"
                f" + tooling {format_decimal(self.tooling)} + labour {format_decimal(self.labour)}"
                f" = {format_decimal(total)}; the shares must sum to 1",
            )

    def share_following(self, index: str) -> Decimal:
        """The part of the cost that follows ``index``: the sum of the shares tied to it."""
        return sum(
            (
                getattr(self, c.value)
                for c in Component
                if getattr(self, f"{c.value}_index") == index
            ),
            Decimal(0),
        )

    def components_following(self, index: str) -> tuple[str, ...]:
        return tuple(c.value for c in Component if getattr(self, f"{c.value}_index") == index)


def unit_impact(price: Decimal, part: Decimal, change: Decimal) -> Decimal:
    """The cost impact of an index move on one unit bought at ``price``: ``price x part x
    change``, rounded half-up to cents (``10.00 x 0.6 x 0.1 = 0.60``)."""
    exact = to_decimal(price, "price") * to_decimal(part, "share") * to_decimal(change, "move")
    return exact.quantize(_CENT, ROUND_HALF_UP)


# -- quarterly price review -----------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter such as ``2027Q1``."""

    year: int
    number: int

    @classmethod
    def parse(cls, value: object, field: str = "quarter") -> Quarter:
        """``"2027Q1"`` or ``"2027-Q1"`` (case-insensitive)."""
        match = _QUARTER.fullmatch(value.strip().upper()) if isinstance(value, str) else None
        if match is None:
            raise ValidationError(field, f"expected a quarter such as 2027Q1, got {value!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        if self.number == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.number + 1, 1) - timedelta(days=1)

    @property
    def reference_day(self) -> date:
        """The day whose index value the review uses: the last day before the quarter."""
        return self.first_day - timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


@dataclass(frozen=True)
class ReviewTerm:
    """One index's part in a proposal: its move since the clause's base and the share of the
    item's cost that follows it."""

    index: str
    base_value: Decimal
    base_date: date
    value: Decimal
    value_date: date
    move: Decimal
    share: Decimal
    components: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriceProposal:
    base_price: Decimal
    new_price: Decimal
    change: Decimal
    explanation: str


def _pct(fraction: Decimal) -> str:
    sign = "+" if fraction > 0 else ""
    return f"{sign}{format_decimal(fraction * 100)} %"


def propose_price(base_price: Decimal, terms: list[ReviewTerm]) -> PriceProposal:
    """``base price x (1 + sum of move x share)``, rounded half-up to cents, with the arithmetic
    in words.

    >>> term = ReviewTerm("COTTON", Decimal("1.80"), date(2026, 1, 1), Decimal("1.98"),
    ...                   date(2026, 12, 31), Decimal("0.1"), Decimal("0.6"), ("material",))
    >>> propose_price(Decimal("10.00"), [term]).new_price
    Decimal('10.60')
    """
    base = number(base_price, "base_price")
    factor = Decimal(1) + sum((t.move * t.share for t in terms), Decimal(0))
    new = (base * factor).quantize(_CENT, ROUND_HALF_UP)
    words = []
    for t in terms:
        part = "+".join(t.components) or "no"
        words.append(
            f"{t.index} moved {_pct(t.move)} ({format_decimal(t.base_value)} on {t.base_date}"
            f" -> {format_decimal(t.value)} on {t.value_date}); {part} share"
            f" {format_decimal(t.share)} follows it"
        )
    sums = " + ".join(f"{format_decimal(t.move)} x {format_decimal(t.share)}" for t in terms)
    arithmetic = f"{format_decimal(base)} x (1 + {sums or '0'}) = {new:f}"
    return PriceProposal(base, new, new - base, "; ".join([*words, arithmetic]))


# -- renegotiation tasks ----------------------------------------------------------------------


def decide(
    status: TaskStatus | str, decision: Decision | str, reason: object
) -> tuple[TaskStatus, str]:
    """The status an open task goes to on ``decision``, and the reason (required)."""
    current = choice(TaskStatus, status, "status")
    wanted = choice(Decision, decision, "decision")
    why = text(reason, "reason", max_length=2000)
    if current is not TaskStatus.OPEN:
        raise IllegalTransition(
            f"the task is already {current.value}: only an open task can be decided"
        )
    target = TaskStatus.ACCEPTED if wanted is Decision.ACCEPT else TaskStatus.DISMISSED
    return target, why
