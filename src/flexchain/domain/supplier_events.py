"""What a supplier does beyond the purchase documents: improvement suggestions, samples, health
data and requests to change a purchase order line's quantity. Plain rules, no I/O.

* **Suggestion** (``SUG-000001``): the supplier proposes an improvement (what, the expected
  saving per year in the brand's currency and/or the change in lead time, evidence). The brand
  decides it once: ``submitted -> accepted`` (with the value it records, the innovation score's
  "recorded value"; by default the expected saving) or ``submitted -> rejected`` (with a reason).
* **Sample** (``SMP-000001``): the brand asks for one, the supplier delivers it, the brand
  inspects the first article: ``requested -> delivered -> passed | failed``; a sample not yet
  delivered may be ``cancelled``. A sample is delivered before it is inspected.
* **Health** (:class:`HealthFigure`): a financial score (0-100) and staff turnover (% a year) of
  a supplier on a day, imported from the brand's sources.
* **Change request** (``CHG-000001``): the brand asks to change an open line of a sent or
  confirmed purchase order to a new quantity, within the trade's band of +/-30 %
  (:data:`DEFAULT_MAX_CHANGE_PCT`; a request beyond it is refused up front), never below what
  has arrived. The supplier (or the buyer for it) answers: ``accepted`` (the line takes the new
  quantity), ``redated`` (the new quantity, on a new date it names) or ``refused`` (the line
  stays); the brand may withdraw an open request. One open request per line at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal
from enum import StrEnum
from typing import Final

from flexchain.domain.checks import choice, day, text, whole_number
from flexchain.domain.errors import IllegalTransition, ValidationError
from flexchain.domain.errors import format_decimal as fmt
from flexchain.domain.purchase_orders import POHeaderStatus
from flexchain.domain.values import money, number, percent, quantity

__all__ = [
    "DEFAULT_MAX_CHANGE_PCT",
    "MAX_AMOUNT",
    "MAX_LEAD_TIME_CHANGE_DAYS",
    "ChangeAnswer",
    "ChangeLine",
    "ChangeRequest",
    "ChangeStatus",
    "FirstArticle",
    "HealthFigure",
    "NewSuggestion",
    "Sample",
    "SampleStatus",
    "Suggestion",
    "SuggestionDecision",
    "SuggestionStatus",
    "answer_change",
    "brand_only",
    "cancel_sample",
    "change_pct",
    "check_change",
    "check_health",
    "check_sample_request",
    "check_suggestion",
    "decide_suggestion",
    "deliver_sample",
    "inspect_sample",
    "withdraw_change",
]

DEFAULT_MAX_CHANGE_PCT: Final = Decimal(30)
"""The trade's band for volume changes on an order: +/-30 %."""
MAX_LEAD_TIME_CHANGE_DAYS: Final = 365
MAX_AMOUNT: Final = Decimal(10) ** 12
"""Savings and recorded values stay below a trillion (what their columns hold)."""
_PCT_PLACES = Decimal("0.0001")


class SuggestionStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class SuggestionDecision(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


class SampleStatus(StrEnum):
    REQUESTED = "requested"
    DELIVERED = "delivered"
    PASSED = "passed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class FirstArticle(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class ChangeStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REDATED = "redated"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class ChangeAnswer(StrEnum):
    """How the supplier answers a change request."""

    ACCEPTED = "accepted"
    REDATED = "redated"
    REFUSED = "refused"


def brand_only(supplier_scope: int | None, what: str) -> None:
    """Refuse ``what`` to a supplier's user (``supplier_scope`` set): it is the brand's."""
    if supplier_scope is not None:
        raise IllegalTransition(f"{what} is the brand's decision, not the supplier's")


def _amount(value: object, field: str) -> Decimal:
    result = money(value, field)
    if result >= MAX_AMOUNT:
        raise ValidationError(field, f"{fmt(result)} is too large (at most 12 digits)")
    return result


# -- suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSuggestion:
    """A checked suggestion before it is numbered and stored."""

    title: str
    description: str
    expected_saving: Decimal | None
    expected_lead_time_change_days: int | None
    evidence: str


@dataclass(frozen=True)
class Suggestion:
    """A stored improvement suggestion (``expected_saving``/``recorded_value`` in
    ``currency``, the brand's)."""

    number: str
    supplier: str
    item: str | None
    title: str
    description: str
    expected_saving: Decimal | None
    currency: str
    expected_lead_time_change_days: int | None
    evidence: str
    status: SuggestionStatus
    submitted_at: datetime
    submitted_by: str
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str
    recorded_value: Decimal | None


def check_suggestion(
    title: object,
    description: object,
    *,
    expected_saving: object = None,
    lead_time_change_days: object = None,
    evidence: object = "",
) -> NewSuggestion:
    """A suggestion's fields, checked: a title (<= 200 characters) and what it is; the saving
    (money, not negative) and the lead-time change in days (negative: faster) are optional."""
    saving = None
    if expected_saving not in (None, ""):
        saving = _amount(expected_saving, "expected_saving")
    days = None
    if lead_time_change_days not in (None, ""):
        limit = MAX_LEAD_TIME_CHANGE_DAYS
        days = whole_number(
            lead_time_change_days, "expected_lead_time_change_days", minimum=-limit, maximum=limit
        )
    return NewSuggestion(
        text(title, "title", max_length=200),
        text(description, "description", max_length=5000),
        saving,
        days,
        text(evidence if evidence is not None else "", "evidence", max_length=5000, required=False),
    )


def decide_suggestion(
    suggestion: Suggestion, decision: object, *, recorded_value: object = None, note: object = ""
) -> tuple[SuggestionStatus, Decimal | None, str]:
    """The status, recorded value and note of ``suggestion`` once decided. Decided once only;
    accepting records ``recorded_value`` (default: the expected saving; one of them is needed),
    rejecting needs a reason in ``note``."""
    chosen = choice(SuggestionDecision, decision, "decision")
    why = text(note if note is not None else "", "note", max_length=2000, required=False)
    if suggestion.status is not SuggestionStatus.SUBMITTED:
        raise IllegalTransition(
            f"suggestion {suggestion.number} was already {suggestion.status} "
            f"by {suggestion.decided_by or 'someone'}: a suggestion is decided once"
        )
    if chosen is SuggestionDecision.REJECT:
        if not why:
            raise ValidationError("note", f"say why suggestion {suggestion.number} is rejected")
        return SuggestionStatus.REJECTED, None, why
    if recorded_value in (None, ""):
        if suggestion.expected_saving is None:
            raise ValidationError(
                "recorded_value",
                f"suggestion {suggestion.number} names no expected saving: give the value "
                "the brand records for it (0 if none)",
            )
        return SuggestionStatus.ACCEPTED, suggestion.expected_saving, why
    return SuggestionStatus.ACCEPTED, _amount(recorded_value, "recorded_value"), why


# -- samples ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    number: str
    supplier: str
    item: str | None
    description: str
    requested_at: datetime
    requested_by: str
    due_by: date | None
    delivered_at: datetime | None
    first_article: FirstArticle | None
    inspected_at: datetime | None
    status: SampleStatus
    note: str


def check_sample_request(
    description: object, due_by: object, now: datetime, note: object = ""
) -> tuple[str, date | None, str]:
    """What is asked for, by when (not before today) and a note."""
    due = None if due_by in (None, "") else day(due_by, "due_by")
    if due is not None and due < now.date():
        raise ValidationError("due_by", f"{due} is in the past (today is {now.date()})")
    return (
        text(description, "description", max_length=5000),
        due,
        text(note if note is not None else "", "note", max_length=2000, required=False),
    )


def _sample_move(sample: Sample, wanted: str, allowed: SampleStatus) -> None:
    if sample.status is not allowed:
        raise IllegalTransition(
            f"sample {sample.number} is {sample.status}: only a {allowed} sample can be {wanted}"
        )


def deliver_sample(sample: Sample) -> SampleStatus:
    """The supplier delivered a requested sample."""
    _sample_move(sample, "delivered", SampleStatus.REQUESTED)
    return SampleStatus.DELIVERED


def inspect_sample(sample: Sample, result: object) -> tuple[SampleStatus, FirstArticle]:
    """The brand's first-article inspection of a delivered sample: pass or fail."""
    outcome = choice(FirstArticle, result, "result")
    if sample.status is SampleStatus.REQUESTED:
        raise IllegalTransition(
            f"sample {sample.number} has not been delivered: a sample is delivered before it "
            "is inspected"
        )
    _sample_move(sample, "inspected", SampleStatus.DELIVERED)
    status = SampleStatus.PASSED if outcome is FirstArticle.PASS else SampleStatus.FAILED
    return status, outcome


def cancel_sample(sample: Sample) -> SampleStatus:
    """The brand no longer needs a sample not yet delivered."""
    _sample_move(sample, "cancelled", SampleStatus.REQUESTED)
    return SampleStatus.CANCELLED


# -- health -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HealthFigure:
    """A supplier's health on a day: ``financial_score`` 0-100, ``staff_turnover_pct`` per
    year (either may be unknown), and where the figures came from."""

    supplier: str
    as_of: date
    financial_score: Decimal | None
    staff_turnover_pct: Decimal | None
    source: str


def check_health(
    supplier: str,
    as_of: object,
    financial_score: object,
    staff_turnover_pct: object,
    source: object,
) -> HealthFigure:
    """One health row, checked: a date, a score between 0 and 100 and a turnover not negative
    (at most 4 decimal places each), at least one of the two figures."""
    when = day(as_of, "as_of")
    score = None
    if financial_score not in (None, ""):
        score = percent(financial_score, "financial_score")
    turnover = None
    if staff_turnover_pct not in (None, ""):
        turnover = number(staff_turnover_pct, "staff_turnover_pct", places=4)
        if turnover > 1000:
            raise ValidationError("staff_turnover_pct", f"{fmt(turnover)} % is not a turnover")
    if score is None and turnover is None:
        raise ValidationError(
            "financial_score", "give a financial_score or a staff_turnover_pct (or both)"
        )
    origin = text(source if source is not None else "", "source", required=False)
    return HealthFigure(supplier, when, score, turnover, origin)


# -- PO change requests -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeLine:
    """What a change request needs to know of a purchase order line."""

    po_number: str
    po_status: str
    line_no: int
    item: str
    quantity: Decimal
    received: Decimal
    due_date: date
    status: str


@dataclass(frozen=True)
class ChangeRequest:
    number: str
    po_number: str
    line_no: int
    supplier: str
    old_quantity: Decimal
    new_quantity: Decimal
    change_pct: Decimal
    """Signed fraction: 0.2 is +20 %."""
    requested_at: datetime
    requested_by: str
    status: ChangeStatus
    answered_at: datetime | None
    answered_by: str | None
    new_date: date | None
    note: str


def change_pct(old: Decimal, new: Decimal) -> Decimal:
    """The signed change from ``old`` to ``new`` as a fraction, to 4 places.

    >>> change_pct(Decimal(100), Decimal(120))
    Decimal('0.2000')
    >>> change_pct(Decimal(3), Decimal(2))
    Decimal('-0.3333')
    """
    return ((new - old) / old).quantize(_PCT_PLACES, rounding=ROUND_HALF_UP)


def _changeable(line: ChangeLine) -> None:
    where = f"{line.po_number} line {line.line_no}"
    state = choice(POHeaderStatus, line.po_status, "status")
    if state not in (POHeaderStatus.SENT, POHeaderStatus.CONFIRMED):
        raise IllegalTransition(
            f"purchase order {line.po_number} is {state}: only a sent or confirmed order's "
            "quantities can change"
        )
    if line.status != "open":
        raise IllegalTransition(f"{where} is {line.status}: its quantity cannot change")


def check_change(
    line: ChangeLine,
    new_quantity: object,
    *,
    open_request: str | None = None,
    max_pct: Decimal = DEFAULT_MAX_CHANGE_PCT,
) -> tuple[Decimal, Decimal]:
    """The new quantity and the signed change of a request to change ``line``, or an error
    naming the rule: a sent or confirmed order, an open line, no other open request on it
    (``open_request``), a positive quantity other than the current one, not below what arrived,
    within +/-``max_pct`` % of the current quantity."""
    _changeable(line)
    where = f"{line.po_number} line {line.line_no}"
    if open_request is not None:
        raise IllegalTransition(
            f"{where} already has the open change request {open_request}: withdraw it or wait "
            "for its answer"
        )
    new = quantity(new_quantity, "new_quantity", allow_zero=False)
    if new == line.quantity:
        raise ValidationError("new_quantity", f"{where} is already {fmt(new)}: nothing to change")
    if new < line.received:
        raise ValidationError(
            "new_quantity",
            f"{fmt(new)} is less than the {fmt(line.received)} of {line.item} already received "
            f"on {where}",
        )
    if abs(new - line.quantity) * 100 > max_pct * line.quantity:  # exact, before rounding
        shown = ((new - line.quantity) * 100 / line.quantity).quantize(
            Decimal("0.001"), rounding=ROUND_UP
        )
        raise ValidationError(
            "new_quantity",
            f"{fmt(line.quantity)} -> {fmt(new)} on {where} is a change of "
            f"{'+' if shown > 0 else ''}{fmt(shown)} %: beyond the +/-{fmt(max_pct)} % band "
            "an order can change; place a new order or cancel instead",
        )
    return new, change_pct(line.quantity, new)


def answer_change(
    request: ChangeRequest, line: ChangeLine, answer: object, new_date: object = None
) -> tuple[ChangeStatus, date | None]:
    """The status (and date) of ``request`` as the supplier answers it. An open request only;
    ``redated`` needs the new date the supplier can deliver on (not before the request was
    made); accepting or re-dating needs the line still changeable and not
    received beyond the new quantity."""
    chosen = choice(ChangeAnswer, answer, "answer")
    if request.status is not ChangeStatus.OPEN:
        raise IllegalTransition(
            f"change request {request.number} is {request.status}: only an open request can be "
            "answered"
        )
    if chosen is ChangeAnswer.REFUSED:
        if new_date not in (None, ""):
            raise ValidationError("new_date", "a refused change takes no new date")
        return ChangeStatus.REFUSED, None
    when = None
    if chosen is ChangeAnswer.REDATED:
        if new_date in (None, ""):
            raise ValidationError(
                "new_date", f"re-dating change request {request.number} needs the new date"
            )
        when = day(new_date, "new_date")
        if when < request.requested_at.date():
            raise ValidationError(
                "new_date", f"{when} is before change request {request.number} was made"
            )
    elif new_date not in (None, ""):
        raise ValidationError(
            "new_date", "an accepted change keeps the line's date: answer redated to move it"
        )
    _changeable(line)
    if request.new_quantity < line.received:
        raise ValidationError(
            "answer",
            f"{line.po_number} line {line.line_no} has received {fmt(line.received)} since: "
            f"more than the {fmt(request.new_quantity)} requested",
        )
    status = ChangeStatus.REDATED if chosen is ChangeAnswer.REDATED else ChangeStatus.ACCEPTED
    return status, when


def withdraw_change(request: ChangeRequest) -> ChangeStatus:
    """The brand withdraws an open request."""
    if request.status is not ChangeStatus.OPEN:
        raise IllegalTransition(
            f"change request {request.number} is {request.status}: only an open request can be "
            "withdrawn"
        )
    return ChangeStatus.WITHDRAWN
