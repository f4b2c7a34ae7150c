"""Today, the decision inbox: what one entry is, the actions it takes, and the rank.

An entry (:class:`Decision`) is something waiting for a person: an order at risk of missing its
promise, a failed webhook, a planned order to release, an RFQ to award, an invoice held in
matching, a supplier rule that fired, a certificate expiring, an option-share alert, a
price-index renegotiation. Each says what happened (``title``), why it matters (``why``, with
the figures ``money`` and ``days``), what flexchain suggests, and the actions that settle it.

**Rank** (:func:`score`): money at stake times urgency, highest first::

    score   = (money + FLOOR) x urgency(days)
    urgency = 1 + 1 / (1 + days / 7)             when days > 0   (2 today, 1.5 in a week)
            = 2 + min(-days, 28) / 28             when days <= 0  (overdue: up to 3)
            = 1                                   when days is unknown

``money`` is the amount at stake in the brand's currency (an order's total, a held invoice,
the cost of a planned purchase, ...; 0 when none is known), ``days`` the days until the
consequence lands (negative: it is overdue by that many). ``FLOOR`` (100) keeps entries
without an amount in the ranking by time. Ties: fewer days first, then the key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from flexchain.domain.checks import text
from flexchain.domain.errors import DomainError, ValidationError

__all__ = [
    "FLOOR",
    "Action",
    "Decision",
    "Kind",
    "NotAllowed",
    "Snooze",
    "check_snooze",
    "rank",
    "score",
    "urgency",
]

FLOOR = Decimal(100)
"""Added to every entry's money so entries without an amount rank by time."""
MAX_SNOOZE_DAYS = 366


class NotAllowed(DomainError):
    """The user's role may not take this action on this entry (the API answers 403)."""


class Kind(StrEnum):
    ORDER_AT_RISK = "order_at_risk"
    FAILED_WEBHOOK = "failed_webhook"
    PLANNED_ORDER = "planned_order"
    RFQ_TO_AWARD = "rfq_to_award"
    INVOICE_HELD = "invoice_held"
    RULE_FIRED = "rule_fired"
    CERTIFICATE_EXPIRING = "certificate_expiring"
    OPTION_ALERT = "option_alert"
    RENEGOTIATION = "renegotiation"


@dataclass(frozen=True)
class Action:
    """One button of an entry: ``name`` (posted to ``/app/today/act`` and
    ``POST /decisions/act``), its label, the roles that may take it, and whether a reason
    must be typed (``reason``)."""

    name: str
    label: str
    roles: tuple[str, ...]
    reason: bool = False
    """A reason is required (releasing a held invoice, deciding a renegotiation)."""


@dataclass(frozen=True)
class Decision:
    """One entry of the inbox."""

    key: str
    """``<kind>:<reference>``: stable across days, what snoozes and actions name."""
    kind: Kind
    title: str
    """What happened."""
    why: str
    """Why it matters, with its figures."""
    suggestion: str
    """What flexchain suggests."""
    money: Decimal
    """The amount at stake, brand currency (0: none known)."""
    currency: str
    days: int | None
    """Days until the consequence lands; negative: overdue."""
    ref: str
    """The record it is about (an order, RFQ, invoice number; an id)."""
    link: str = ""
    """The page showing the record."""
    actions: tuple[Action, ...] = ()
    score: Decimal = Decimal(0)
    details: tuple[tuple[str, str], ...] = field(default=())
    """More facts to show (label, text)."""


def urgency(days: int | None) -> Decimal:
    """How pressing ``days`` to the consequence are (see the module docstring)."""
    if days is None:
        return Decimal(1)
    if days <= 0:
        return Decimal(2) + Decimal(min(-days, 28)) / Decimal(28)
    return Decimal(1) + Decimal(1) / (Decimal(1) + Decimal(days) / Decimal(7))


def score(money: Decimal, days: int | None) -> Decimal:
    """``(money + FLOOR) x urgency(days)``, to 2 places; negative money counts as 0."""
    return ((max(money, Decimal(0)) + FLOOR) * urgency(days)).quantize(Decimal("0.01"))


def rank(decisions: Iterable[Decision]) -> list[Decision]:
    """``decisions`` with their score, highest first (ties: fewer days, then the key)."""
    scored = [
        Decision(**{**vars(d), "score": score(d.money, d.days)})  # type: ignore[arg-type]
        for d in decisions
    ]
    far = 10**6
    return sorted(scored, key=lambda d: (-d.score, d.days if d.days is not None else far, d.key))


@dataclass(frozen=True)
class Snooze:
    key: str
    until: date
    reason: str
    by: str


def check_snooze(
    key: object, until: object, reason: object, *, today: date
) -> tuple[str, date, str]:
    """A snooze's key, date and reason, checked: a date after today and at most a year away,
    a reason of a few words."""
    name = text(key, "key", max_length=200)
    if ":" not in name:
        raise ValidationError("key", f"{name!r} is not an inbox entry's key (kind:reference)")
    if not isinstance(until, date):
        raise ValidationError("until", "give the day the entry should show again")
    if until <= today:
        raise ValidationError("until", f"{until} is not after today ({today})")
    if (until - today).days > MAX_SNOOZE_DAYS:
        raise ValidationError("until", f"{until} is more than a year away: decide it instead")
    why = text(reason, "reason", max_length=500)
    if len(why) < 3:
        raise ValidationError("reason", "say why in a few words")
    return name, until, why
