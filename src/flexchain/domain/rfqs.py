"""Requests for quotation: what the brand asks suppliers to quote, their quotes, the side-by-side
comparison and the award.

An RFQ has lines (item, quantity, need date) and goes to one or more suppliers:
``draft -> sent -> awarded``; ``cancelled`` from draft or sent. While it is sent, each invited
supplier answers with a quote per line (unit price, MOQ, lead time, validity); a new quote for
the same line replaces the supplier's previous one.

**Comparison** ranks a line's quotes by landed cost, in the RFQ's currency:

* the order quantity is the line's quantity raised to the quote's MOQ (what would be bought);
* purchase cost = unit price x order quantity;
* arrival = the comparison date + lead time; days late = arrival - need date (0 if on time);
* lateness cost = purchase cost x ``late_rate_per_day`` x days late (default 0.5 % a day),
  rounded half-up to cents;
* landed cost = purchase cost + lateness cost. Ties go to the earlier arrival, then the supplier
  code. Quotes no longer valid on the comparison date are listed, unranked.

A supplier may quote in the RFQ's currency or in its own (the one it invoices in); the
comparison converts such a quote's unit price into the RFQ's currency at the rate of the
comparison date (:func:`in_currency`) before costing it.

**Award** picks a supplier per line (by default the best-ranked valid quote) and groups the
lines into one draft purchase order per supplier: the order quantity and unit price of the
quote, due the later of the need date and the award date + lead time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from flexchain.domain.catalog import validate_sku
from flexchain.domain.checks import choice, code, day, whole_number
from flexchain.domain.errors import (
    DomainError,
    IllegalTransition,
    NotFound,
    ValidationError,
)
from flexchain.domain.values import currency_code, money, number, quantity

__all__ = [
    "DEFAULT_LATE_RATE",
    "RFQ_ALLOWED",
    "AwardedLine",
    "AwardedOrder",
    "LineComparison",
    "Quote",
    "RFQLine",
    "RFQStatus",
    "RankedQuote",
    "award",
    "check_quote",
    "compare",
    "in_currency",
    "rfq_transition",
]

DEFAULT_LATE_RATE: Final = Decimal("0.005")
"""Lateness cost per day late, as a share of the quote's purchase cost (0.5 % a day)."""
MAX_LEAD_TIME_DAYS: Final = 3650
_CENT = Decimal("0.01")
_MICRO = Decimal("0.000001")


class RFQStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    AWARDED = "awarded"
    CANCELLED = "cancelled"


_S = RFQStatus
RFQ_ALLOWED: Final[Mapping[RFQStatus, frozenset[RFQStatus]]] = MappingProxyType(
    {
        _S.DRAFT: frozenset({_S.SENT, _S.CANCELLED}),
        _S.SENT: frozenset({_S.AWARDED, _S.CANCELLED}),
        _S.AWARDED: frozenset(),
        _S.CANCELLED: frozenset(),
    }
)


def rfq_transition(
    current: RFQStatus | str, target: RFQStatus | str, number: str = ""
) -> RFQStatus:
    """``target`` if an RFQ in ``current`` may move there, else :class:`IllegalTransition`
    (naming the RFQ ``number`` when given).

    >>> rfq_transition("draft", "sent")
    <RFQStatus.SENT: 'sent'>
    >>> try:
    ...     rfq_transition("awarded", "sent")
    ... except IllegalTransition as error:
    ...     print(error)
    RFQ is awarded, which is final: it cannot become sent
    """
    start = choice(RFQStatus, current, "status")
    end = choice(RFQStatus, target, "status")
    allowed = RFQ_ALLOWED[start]
    if end in allowed:
        return end
    rfq = f"RFQ {number}" if number else "RFQ"
    if not allowed:
        raise IllegalTransition(f"{rfq} is {start}, which is final: it cannot become {end}")
    names = ", ".join(status for status in RFQStatus if status in allowed)
    raise IllegalTransition(f"{rfq} is {start}: it cannot become {end} (allowed: {names})")


@dataclass(frozen=True)
class RFQLine:
    """Line ``line_no``: ``quantity`` of ``item_sku`` needed by ``need_date``; from planned
    purchase ``plan_number`` (pegged to ``pegs``) when it came from the plan."""

    line_no: int
    item_sku: str
    quantity: Decimal
    need_date: date
    plan_number: int | None = None
    pegs: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "line_no", whole_number(self.line_no, "line_no", minimum=1))
        object.__setattr__(self, "item_sku", validate_sku(self.item_sku, "item_sku"))
        object.__setattr__(
            self, "quantity", quantity(self.quantity, f"line {self.line_no}: quantity",
                                       allow_zero=False)
        )  # fmt: skip
        object.__setattr__(self, "need_date", day(self.need_date, "need_date"))


@dataclass(frozen=True)
class Quote:
    """``supplier_code``'s answer to line ``line_no``: ``unit_price`` in ``currency`` for at
    least ``moq`` units, delivered ``lead_time_days`` after the order, valid until
    ``valid_until`` (inclusive)."""

    supplier_code: str
    line_no: int
    unit_price: Decimal
    currency: str
    lead_time_days: int
    valid_until: date
    moq: Decimal = Decimal(0)
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "supplier_code", code(self.supplier_code, "supplier"))
        object.__setattr__(self, "line_no", whole_number(self.line_no, "line", minimum=1))
        object.__setattr__(
            self, "unit_price", money(self.unit_price, "unit_price", allow_zero=False)
        )
        object.__setattr__(self, "currency", currency_code(self.currency))
        object.__setattr__(
            self,
            "lead_time_days",
            whole_number(
                self.lead_time_days, "lead_time_days", minimum=0, maximum=MAX_LEAD_TIME_DAYS
            ),
        )
        object.__setattr__(self, "valid_until", day(self.valid_until, "valid_until"))
        object.__setattr__(self, "moq", quantity(self.moq, "moq"))

    def order_quantity(self, wanted: Decimal) -> Decimal:
        """What would be bought for ``wanted`` units: at least the MOQ."""
        return max(wanted, self.moq)


def check_quote(
    status: RFQStatus | str,
    rfq_number: str,
    rfq_currency: str,
    invited: Iterable[str],
    lines: Iterable[RFQLine],
    quote: Quote,
    today: date,
    own_currency: str | None = None,
) -> None:
    """Raise :class:`DomainError` if ``quote`` cannot be taken: the RFQ is not out for
    quotation, the supplier was not asked, the line does not exist, the currency is neither the
    RFQ's nor the supplier's ``own_currency``, or the quote is already expired."""
    if choice(RFQStatus, status, "status") is not RFQStatus.SENT:
        raise IllegalTransition(
            f"RFQ {rfq_number} is {status}: quotes are taken only while it is sent"
        )
    if quote.supplier_code not in set(invited):
        raise DomainError(
            f"supplier {quote.supplier_code} was not asked to quote on RFQ {rfq_number}"
        )
    if quote.line_no not in {line.line_no for line in lines}:
        raise NotFound(f"RFQ {rfq_number} has no line {quote.line_no}")
    if quote.currency not in (rfq_currency, own_currency):
        own = (
            f" or in {quote.supplier_code}'s own {own_currency}"
            if own_currency and own_currency != rfq_currency
            else ""
        )
        raise ValidationError(
            "currency",
            f"RFQ {rfq_number} is quoted in {rfq_currency}{own}, got a quote in {quote.currency}",
        )
    if quote.valid_until < today:
        raise ValidationError(
            "valid_until", f"{quote.valid_until} is in the past: the quote has already expired"
        )


def in_currency(quote: Quote, currency: str, rate: Decimal) -> Quote:
    """``quote`` with its unit price in ``currency``: times ``rate`` (what one unit of the
    quote's currency is worth in ``currency``), rounded half-up to 6 decimals.

    >>> usd = Quote("ZIP-CN", 1, Decimal("0.40"), "USD", 30, date(2026, 3, 31))
    >>> in_currency(usd, "EUR", Decimal("0.92")).unit_price
    Decimal('0.368000')
    """
    if quote.currency == currency:
        return quote
    price = (quote.unit_price * rate).quantize(_MICRO, ROUND_HALF_UP)
    return replace(quote, unit_price=max(price, _MICRO), currency=currency_code(currency))


@dataclass(frozen=True)
class RankedQuote:
    """A quote as the comparison costs it; ``rank`` 1 is the best, ``None`` if expired."""

    quote: Quote
    order_quantity: Decimal
    purchase_cost: Decimal
    arrival: date
    days_late: int
    lateness_cost: Decimal
    landed_cost: Decimal
    expired: bool
    rank: int | None = None


@dataclass(frozen=True)
class LineComparison:
    line: RFQLine
    quotes: tuple[RankedQuote, ...] = field(default_factory=tuple)

    @property
    def best(self) -> RankedQuote | None:
        return next((q for q in self.quotes if q.rank == 1), None)


def _costed(line: RFQLine, quote: Quote, on: date, late_rate: Decimal) -> RankedQuote:
    ordered = quote.order_quantity(line.quantity)
    purchase = quote.unit_price * ordered
    arrival = on + timedelta(days=quote.lead_time_days)
    late = max((arrival - line.need_date).days, 0)
    lateness = (purchase * late_rate * late).quantize(_CENT, ROUND_HALF_UP)
    return RankedQuote(
        quote, ordered, purchase, arrival, late, lateness, purchase + lateness,
        expired=quote.valid_until < on,
    )  # fmt: skip


def compare(
    lines: Sequence[RFQLine],
    quotes: Iterable[Quote],
    on: date,
    *,
    late_rate_per_day: Decimal | str = DEFAULT_LATE_RATE,
) -> list[LineComparison]:
    """Each line with its quotes costed as of ``on`` and ranked by landed cost (see module).

    >>> line = RFQLine(1, "FABRIC", Decimal(100), date(2026, 3, 10))
    >>> cheap_late = Quote("A", 1, Decimal("9.00"), "EUR", 20, date(2026, 3, 31))
    >>> dear_on_time = Quote("B", 1, Decimal("9.20"), "EUR", 5, date(2026, 3, 31))
    >>> (result,) = compare([line], [cheap_late, dear_on_time], date(2026, 3, 1))
    >>> [(q.quote.supplier_code, q.rank, str(q.landed_cost)) for q in result.quotes]
    [('B', 1, '920.00'), ('A', 2, '949.50')]
    """
    rate = number(late_rate_per_day, "late_rate_per_day", places=6)
    by_line: dict[int, list[Quote]] = {line.line_no: [] for line in lines}
    for quote in quotes:
        if quote.line_no in by_line:
            by_line[quote.line_no].append(quote)
    result = []
    for line in lines:
        costed = [_costed(line, quote, on, rate) for quote in by_line[line.line_no]]
        valid = sorted(
            (q for q in costed if not q.expired),
            key=lambda q: (q.landed_cost, q.arrival, q.quote.supplier_code),
        )
        ranked = [RankedQuote(**{**q.__dict__, "rank": index}) for index, q in enumerate(valid, 1)]
        expired = sorted((q for q in costed if q.expired), key=lambda q: q.quote.supplier_code)
        result.append(LineComparison(line, tuple(ranked + expired)))
    return result


@dataclass(frozen=True)
class AwardedLine:
    line: RFQLine
    quote: Quote
    quantity: Decimal
    due_date: date


@dataclass(frozen=True)
class AwardedOrder:
    """One draft purchase order the award produces: the lines won by ``supplier_code``."""

    supplier_code: str
    currency: str
    lines: tuple[AwardedLine, ...]


def _chosen(comparison: LineComparison, rfq_number: str, choices: Mapping[int, str]) -> RankedQuote:
    line = comparison.line
    wanted = choices.get(line.line_no)
    if wanted is None:
        best = comparison.best
        if best is None:
            raise DomainError(
                f"RFQ {rfq_number} line {line.line_no} ({line.item_sku}) has no valid quote: "
                "nothing to award it to"
            )
        return best
    for ranked in comparison.quotes:
        if ranked.quote.supplier_code == wanted:
            if ranked.expired:
                raise DomainError(
                    f"the quote of {wanted} for RFQ {rfq_number} line {line.line_no} expired "
                    f"on {ranked.quote.valid_until}"
                )
            return ranked
    raise DomainError(
        f"supplier {wanted} did not quote RFQ {rfq_number} line {line.line_no} ({line.item_sku})"
    )


def award(
    rfq_number: str,
    comparison: Sequence[LineComparison],
    on: date,
    choices: Mapping[int, str] | None = None,
) -> list[AwardedOrder]:
    """The draft orders of awarding every line: to ``choices[line_no]`` (a supplier code) where
    given, else to the line's best-ranked quote. One order per supplier, lines in RFQ order."""
    choices = dict(choices or {})
    known = {c.line.line_no for c in comparison}
    unknown = sorted(set(choices) - known)
    if unknown:
        raise NotFound(f"RFQ {rfq_number} has no line {unknown[0]}")
    orders: dict[str, list[AwardedLine]] = {}
    currency: dict[str, str] = {}
    for item in comparison:
        ranked = _chosen(item, rfq_number, choices)
        quote = ranked.quote
        due = max(item.line.need_date, on + timedelta(days=quote.lead_time_days))
        orders.setdefault(quote.supplier_code, []).append(
            AwardedLine(item.line, quote, ranked.order_quantity, due)
        )
        currency[quote.supplier_code] = quote.currency
    return [
        AwardedOrder(supplier, currency[supplier], tuple(lines))
        for supplier, lines in sorted(orders.items())
    ]
