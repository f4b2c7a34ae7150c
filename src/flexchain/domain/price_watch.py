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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from typing import Any, Final

from flexchain.domain.checks import choice, text
from flexchain.domain.errors import (
    IllegalTransition,
    ValidationError,
    format_amount,
    format_decimal,
)
from flexchain.domain.values import number, percent, to_decimal

__all__ = [
    "DEFAULT_THRESHOLD_PCT",
    "ClauseTerms",
    "Component",
    "CostModel",
    "Decision",
    "IndexPoint",
    "OnOrder",
    "ParsedValues",
    "PriceProposal",
    "PriceTier",
    "Quarter",
    "ReviewTerm",
    "TaskStatus",
    "beyond_threshold",
    "contract_impacts",
    "decide",
    "implausible",
    "index_code",
    "index_date",
    "index_value",
    "move",
    "parse_values",
    "propose_price",
    "review_tier",
    "share",
    "signed_pct",
    "threshold",
    "unit_impact",
    "value_on",
]

DEFAULT_THRESHOLD_PCT: Final = Decimal(8)
"""A clause without its own threshold raises a task beyond +/-8 % from its base."""
MOVE_PLACES: Final = 6  # a move is a fraction to 6 places (0.0001 %)
SHARE_PLACES: Final = 4
MAX_INDEX_VALUE: Final = Decimal(10) ** 12
MAX_MOVE: Final = Decimal(10)
"""Beyond +/-1000 % a move is not believed (a unit mixed up): the watch and review say so."""
_WIDE = Context(prec=60)  # exact for any product of stored prices, shares, moves, quantities
_CENT = Decimal("0.01")
_INDEX_CODE = re.compile(r"[A-Z0-9._-]{1,64}")
_QUARTER = re.compile(r"([1-9]\d{3})-?Q([1-4])")


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


def index_code(value: object, field: str = "index") -> str:
    """An index code, upper case: ``"cotton"`` -> ``"COTTON"`` (1-64 of A-Z 0-9 . _ -)."""
    raw = value.strip().upper() if isinstance(value, str) else ""
    if not _INDEX_CODE.fullmatch(raw):
        raise ValidationError(
            field, f"{value!r} is not an index code: use 1-64 characters of A-Z, 0-9, '.', '_', '-'"
        )
    return raw


def index_value(value: object, field: str = "value") -> Decimal:
    """An index value: a positive number below 10^12 with at most 6 decimal places."""
    result = number(value, field, allow_zero=False)
    if result >= MAX_INDEX_VALUE:
        raise ValidationError(field, f"must be below 10^12, got {format_decimal(result)}")
    return result


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
    """The newest point on or before ``day`` (``None``: the index has no value that early)."""
    found = [point for point in points if point.day <= day]
    return max(found, key=lambda point: point.day) if found else None


def move(base: Decimal, value: Decimal) -> Decimal:
    """How far ``value`` is from ``base``, as a fraction (``0.1`` is +10 %), to 6 places."""
    base = index_value(base, "base")
    change = (index_value(value) - base) / base
    return change.quantize(Decimal(1).scaleb(-MOVE_PLACES), ROUND_HALF_EVEN).normalize() + 0


def implausible(change: Decimal) -> str | None:
    """Why a move is not believed (beyond +/-1000 %), or None."""
    if abs(change) <= MAX_MOVE:
        return None
    return f"a move of {signed_pct(change)} from the base is not plausible: check its unit"


def beyond_threshold(change: Decimal, threshold_pct: Decimal) -> bool:
    """Whether a move is strictly beyond +/-``threshold_pct`` percent (8 % moves are within)."""
    return abs(change) * 100 > threshold_pct


def threshold(value: object, field: str = "threshold") -> Decimal:
    """A clause's threshold: a percentage above 0 and at most 100."""
    result = percent(value, field)
    if result == 0:
        raise ValidationError(field, "must be above 0 (a percentage such as 8)")
    return result


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
    with localcontext(_WIDE):
        exact = to_decimal(price, "price") * to_decimal(part, "share") * to_decimal(change, "move")
        return exact.quantize(_CENT, ROUND_HALF_UP)


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
    """One index's part in a proposal: its move from the base, the share of cost following it."""

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


def signed_pct(fraction: Decimal) -> str:
    """A move as a signed percentage: ``0.1`` -> ``+10 %``."""
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
    with localcontext(_WIDE):
        factor = Decimal(1) + sum((t.move * t.share for t in terms), Decimal(0))
        new = (base * factor).quantize(_CENT, ROUND_HALF_UP)
    words = []
    for t in terms:
        part = "+".join(t.components) or "no"
        words.append(
            f"{t.index} moved {signed_pct(t.move)} ({format_amount(t.base_value)} on {t.base_date}"
            f" -> {format_amount(t.value)} on {t.value_date}); {part} share"
            f" {format_decimal(t.share)} follows it"
        )
    sums = " + ".join(f"{format_decimal(t.move)} x {format_decimal(t.share)}" for t in terms)
    arithmetic = f"{format_amount(base)} x (1 + {sums or '0'}) = {new:f}"
    return PriceProposal(base, new, new - base, "; ".join([*words, arithmetic]))


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


@dataclass(frozen=True)
class PriceTier:
    """One tier of a contract's price list."""

    contract_id: int
    item_id: int
    sku: str
    min_quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class OnOrder:
    """What is still to come of an open purchase order line under a contract (``unit_price``
    None: the line has none; the item's first contract tier prices it)."""

    contract_id: int
    item_id: int
    open_quantity: Decimal
    unit_price: Decimal | None


def contract_impacts(
    index: str,
    change: Decimal,
    tiers: list[PriceTier],
    models: Mapping[int, CostModel],
    on_order: list[OnOrder],
) -> tuple[list[dict[str, Any]], Decimal]:
    """What a move of ``index`` by ``change`` costs one contract: per price tier, the impact on
    one unit (:func:`unit_impact`, with the arithmetic as ``text``); and on what is on order,
    ``sum of price x share x move x open quantity``, rounded half-up to cents. Items without a
    cost model are listed as such and count for nothing.

    >>> tier = PriceTier(1, 7, "TEE", Decimal(0), Decimal("10.00"))
    >>> model = CostModel(Decimal("0.6"), Decimal("0.4"), Decimal(0), Decimal(0), "COTTON")
    >>> contract_impacts("COTTON", Decimal("0.1"), [tier], {7: model},
    ...                  [OnOrder(1, 7, Decimal(100), None)])[1]
    Decimal('60.00')
    """
    impacts: list[dict[str, Any]] = []
    for tier in tiers:
        model = models.get(tier.item_id)
        entry: dict[str, Any] = {
            "sku": tier.sku,
            "min_quantity": format_decimal(tier.min_quantity),
            "price": format_decimal(tier.unit_price),
            "share": None,
            "impact": None,
            "text": f"{tier.sku}: no cost model",
        }
        if model is not None:
            part = model.share_following(index)
            impact = unit_impact(tier.unit_price, part, change)
            entry["share"], entry["impact"] = format_decimal(part), format_amount(impact)
            entry["text"] = (
                f"{tier.sku} from {format_decimal(tier.min_quantity)}: "
                f"{format_amount(tier.unit_price)} x {format_decimal(part)} x "
                f"{format_decimal(change)} = {format_amount(impact)}"
            )
        impacts.append(entry)
    first_price = {tier.item_id: tier.unit_price for tier in reversed(tiers)}
    total = Decimal(0)
    with localcontext(_WIDE):
        for line in on_order:
            model = models.get(line.item_id)
            price = (
                line.unit_price if line.unit_price is not None else first_price.get(line.item_id)
            )
            if model is not None and price is not None:
                total += price * model.share_following(index) * change * line.open_quantity
        return impacts, total.quantize(_CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class ClauseTerms:
    """A contract's index clause as the review needs it: the index, its base and its values."""

    index: str
    base_value: Decimal
    base_date: date
    points: list[IndexPoint]


def review_tier(
    quarter: Quarter, tier: PriceTier, clauses: list[ClauseTerms], model: CostModel | None
) -> tuple[PriceProposal | None, str]:
    """The proposal for one price tier in ``quarter`` (None, and why, when there is none: the
    item has no cost model, or an index has no value before the quarter)."""
    if model is None:
        return None, f"{tier.sku} has no cost model: set one (prices cost-model) to review it"
    terms = []
    for clause in clauses:
        point = value_on(clause.points, quarter.reference_day)
        if point is None:
            return None, f"{clause.index} has no value on or before {quarter.reference_day}"
        change = move(clause.base_value, point.value)
        if implausible(change):
            return None, f"{clause.index}: {implausible(change)}"
        terms.append(
            ReviewTerm(
                clause.index,
                clause.base_value,
                clause.base_date,
                point.value,
                point.day,
                change,
                model.share_following(clause.index),
                model.components_following(clause.index),
            )
        )
    proposal = propose_price(tier.unit_price, terms)
    return proposal, proposal.explanation


@dataclass(frozen=True)
class ParsedValues:
    """Rows of index values, checked: ``values`` by (index, day), each index's ``name`` and
    ``unit`` (from its first row), the ``rows`` read, and ``errors`` as (line, field, message)."""

    values: dict[tuple[str, date], Decimal]
    meta: dict[str, tuple[str, str]]
    rows: int
    errors: list[tuple[int, str, str]]


_VALUE_FIELDS: Final = ("index", "date", "value")


def parse_values(rows: Iterable[tuple[int, Mapping[str, Any]]]) -> ParsedValues:
    """Check every ``(line, {"index", "date", "value", ["name", "unit"]})`` row; a day given
    twice for an index with two different values is an error on the second."""
    errors: list[tuple[int, str, str]] = []
    seen: dict[tuple[str, date], tuple[int, Decimal]] = {}
    meta: dict[str, tuple[str, str]] = {}
    count = 0
    checks: tuple[Callable[[object, str], object], ...] = (index_code, index_date, index_value)
    for line, row in rows:
        count += 1
        parsed: list[Any] = []
        for name, check in zip(_VALUE_FIELDS, checks, strict=True):
            try:
                parsed.append(check(row.get(name), name))
            except ValidationError as error:
                errors.append((line, name, error.message))
        if len(parsed) < 3:
            continue
        index, day_, value = parsed
        meta.setdefault(index, (str(row.get("name") or ""), str(row.get("unit") or "")))
        before = seen.setdefault((index, day_), (line, value))
        if before[1] != value:
            errors.append(
                (line, "value", f"{index} on {day_} is already {format_decimal(before[1])} "
                 f"(line {before[0]})")
            )  # fmt: skip
    values = {key: value for key, (_, value) in seen.items()}
    return ParsedValues(values, meta, count, errors)
