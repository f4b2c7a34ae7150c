"""Half a year of the demo brand's buying, as it happened: purchase orders issued, confirmed (some
re-dated), shipped, received (early, on time or late), inspected (some rejects), invoiced and
paid; RFQs answered after some hours (or never) and awarded. Pure and seeded: the events only;
:mod:`flexchain.services.demo_history` replays them through the same services a buyer and a
supplier use, so every scorecard figure of the demo comes from real records.

Each supplier behaves by a profile drawn from its tier and the seed — an S-tier workshop confirms
within hours and is late one delivery in twenty; the B-tier backup abroad is late one in three,
by up to two weeks, and rejects more — so the scorecards and the rules have something to tell.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

__all__ = [
    "History",
    "HistoryChange",
    "HistoryPo",
    "HistoryRfq",
    "HistorySample",
    "HistorySuggestion",
    "Profile",
    "history",
    "partner_events",
    "profile_for",
]

WEEKS = 26
"""How far back the history goes."""


@dataclass(frozen=True)
class Profile:
    """How a supplier behaves in the demo's history."""

    on_time: float
    """The chance a delivery arrives by the promised date."""
    late_days: tuple[int, int]
    """The range of days a late delivery is late by."""
    reject_rate: float
    """The expected share of units rejected at inspection."""
    confirm_hours: tuple[int, int]
    redate: float
    """The chance a confirmation moves the date."""
    quote_hours: tuple[int, int]
    no_quote: float
    """The chance an RFQ is never answered."""


_PROFILES = {
    "S": Profile(0.95, (1, 3), 0.01, (2, 10), 0.05, (3, 20), 0.0),
    "A": Profile(0.88, (1, 5), 0.025, (4, 30), 0.12, (8, 40), 0.1),
    "B": Profile(0.68, (3, 14), 0.06, (20, 70), 0.3, (30, 110), 0.3),
}


def profile_for(tier: str, rng: random.Random) -> Profile:
    """The tier's profile, nudged per supplier so two suppliers of a tier differ."""
    base = _PROFILES.get(tier, _PROFILES["B"])
    return Profile(
        on_time=min(0.99, max(0.3, base.on_time + rng.uniform(-0.08, 0.04))),
        late_days=base.late_days,
        reject_rate=max(0.0, base.reject_rate * rng.uniform(0.5, 1.6)),
        confirm_hours=base.confirm_hours,
        redate=base.redate,
        quote_hours=base.quote_hours,
        no_quote=base.no_quote,
    )


@dataclass(frozen=True)
class HistoryPo:
    """One purchase order of one line and what happened to it."""

    supplier: str
    item: str
    quantity: Decimal
    issued_at: datetime
    due: date
    confirmed_at: datetime
    confirmed_date: date
    received_at: datetime | None
    """None: still open today (not yet due)."""
    rejected: Decimal
    reject_reason: str


@dataclass(frozen=True)
class HistoryRfq:
    """An RFQ for one item to the suppliers that offer it, and their answers."""

    item: str
    quantity: Decimal
    sent_at: datetime
    need: date
    answers: tuple[tuple[str, datetime, Decimal, int], ...]
    """(supplier, answered at, unit price, lead time days) of each supplier that answered."""
    invited: tuple[str, ...]
    award: HistoryPo | None
    """The order placed with the cheapest answer, and what happened to it."""


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _quantity(terms: dict[str, Any], rng: random.Random) -> Decimal:
    moq = max(Decimal(terms["moq"]), Decimal(1))
    multiple = max(Decimal(terms["order_multiple"]), Decimal(1))
    wanted = moq * Decimal(rng.choice((1, 1, 2, 3)))
    return (wanted / multiple).to_integral_value(ROUND_CEILING) * multiple


def _po(
    terms: dict[str, Any], profile: Profile, issued: datetime, today: date, rng: random.Random
) -> HistoryPo:
    lead = max(int(terms["lead_time_days"]), 1)
    due = issued.date() + timedelta(days=lead)
    confirmed_at = issued + timedelta(hours=rng.randint(*profile.confirm_hours))
    confirmed = due + timedelta(days=rng.randint(2, 7)) if rng.random() < profile.redate else due
    if rng.random() < profile.on_time:
        arrives = confirmed - timedelta(days=rng.choice((0, 0, 0, 1, 2)))
    else:
        arrives = confirmed + timedelta(days=rng.randint(*profile.late_days))
    arrives = max(arrives, confirmed_at.date() + timedelta(days=1))
    quantity = _quantity(terms, rng)
    received_at = None
    rejected = Decimal(0)
    reason = ""
    if arrives < today:
        received_at = datetime.combine(arrives, time(rng.randint(8, 16)), issued.tzinfo)
        share = rng.uniform(0, 2 * profile.reject_rate)
        rejected = (quantity * Decimal(str(round(share, 4)))).to_integral_value()
        reason = rng.choice(
            ("stitching defects", "colour off shade", "dimensions out of tolerance")
        )
    return HistoryPo(
        terms["supplier_code"], terms["item_sku"], quantity, issued, due, confirmed_at,
        confirmed, received_at, rejected if received_at else Decimal(0), reason if rejected else "",
    )  # fmt: skip


def _rfq(
    item: str, offers: list[dict[str, Any]], profiles: dict[str, Profile], sent: datetime,
    today: date, rng: random.Random,
) -> HistoryRfq:  # fmt: skip
    answers = []
    for terms in offers:
        profile = profiles[terms["supplier_code"]]
        if rng.random() < profile.no_quote:
            continue
        price = Decimal(terms["price_breaks"][0]["unit_price"]) * Decimal(
            str(round(rng.uniform(0.94, 1.06), 3))
        )
        answered = sent + timedelta(hours=rng.randint(*profile.quote_hours))
        answers.append((terms["supplier_code"], answered, price.quantize(Decimal("0.01")),
                        int(terms["lead_time_days"])))  # fmt: skip
    quantity = _quantity(offers[0], rng)
    need = sent.date() + timedelta(days=max(int(o["lead_time_days"]) for o in offers) + 7)
    invited = tuple(o["supplier_code"] for o in offers)
    award = None
    if answers:
        winner, _, price, lead = min(answers, key=lambda a: (a[2], a[0]))
        terms = next(o for o in offers if o["supplier_code"] == winner)
        awarded = sent + timedelta(days=6)
        placed = _po({**terms, "lead_time_days": lead}, profiles[winner], awarded, today, rng)
        due = max(need, awarded.date() + timedelta(days=lead))
        # the rejects were drawn as a share of the placed draw's quantity: the same share of
        # the RFQ's (more units rejected than arrived broke seeds 8 and 9)
        rejected = (quantity * placed.rejected / placed.quantity).to_integral_value()
        award = HistoryPo(
            winner, item, quantity, awarded, due, placed.confirmed_at,
            max(placed.confirmed_date, due), placed.received_at, min(rejected, quantity),
            placed.reject_reason,
        )  # fmt: skip
        if award.received_at is not None and award.received_at.date() <= award.due - timedelta(
            days=3
        ):
            # held to its due date; a due date not yet come: the order is still on its way
            if award.due >= today:
                award = replace(award, received_at=None, rejected=Decimal(0), reject_reason="")
            else:
                award = replace(
                    award, received_at=datetime.combine(award.due, time(11), sent.tzinfo)
                )
    return HistoryRfq(item, quantity, sent, need, tuple(answers), invited, award)


def history(
    suppliers: list[dict[str, Any]],
    offers: list[dict[str, Any]],
    *,
    now: datetime,
    seed: int = 7,
    weeks: int = WEEKS,
) -> tuple[list[HistoryPo], list[HistoryRfq]]:
    """Purchase orders every two to three weeks per supplier over the last ``weeks`` weeks,
    and an RFQ every four weeks for an item several suppliers offer, in time order."""
    rng = random.Random(seed)
    profiles = {s["code"]: profile_for(s["tier"], rng) for s in suppliers}
    by_supplier: dict[str, list[dict[str, Any]]] = {}
    for terms in offers:
        by_supplier.setdefault(terms["supplier_code"], []).append(terms)
    start = _monday(now.date()) - timedelta(weeks=weeks)
    orders = []
    for code in sorted(by_supplier):
        week = rng.randint(0, 2)
        while week < weeks:
            day = start + timedelta(weeks=week, days=rng.randint(0, 4))
            issued = datetime.combine(day, time(rng.randint(8, 17)), now.tzinfo)
            terms = rng.choice(by_supplier[code])
            orders.append(_po(terms, profiles[code], issued, now.date(), rng))
            week += rng.randint(2, 3)
    shared: dict[str, list[dict[str, Any]]] = {}
    for terms in offers:
        shared.setdefault(terms["item_sku"], []).append(terms)
    several = sorted(item for item, terms in shared.items() if len(terms) > 1)
    rfqs = []
    for week in range(1, max(weeks - 4, 2), 4):
        if not several:
            break
        item = several[(week // 4) % len(several)]
        day = start + timedelta(weeks=week, days=1)
        sent = datetime.combine(day, time(10), now.tzinfo)
        rfqs.append(_rfq(item, shared[item], profiles, sent, now.date(), rng))
    orders.sort(key=lambda po: po.issued_at)
    return orders, rfqs


@dataclass(frozen=True)
class HistoryChange:
    """The brand asks to change the quantity of the ``index``-th order; the supplier's answer."""

    index: int
    pct: Decimal
    asked_at: datetime
    answer: str
    """accepted, redated or refused."""
    answered_at: datetime


@dataclass(frozen=True)
class HistorySample:
    supplier: str
    item: str
    requested_at: datetime
    delivered_at: datetime | None
    passed: bool


@dataclass(frozen=True)
class HistorySuggestion:
    supplier: str
    title: str
    description: str
    saving: Decimal
    submitted_at: datetime
    accepted: bool | None
    """None: not decided yet."""


@dataclass(frozen=True)
class History:
    """The partner events around the orders: change requests, samples, suggestions, health."""

    changes: tuple[HistoryChange, ...]
    samples: tuple[HistorySample, ...]
    suggestions: tuple[HistorySuggestion, ...]
    health: tuple[tuple[str, date, Decimal, Decimal], ...]
    """(supplier, as of, financial score 0-100, staff turnover %)."""


_IDEAS = (
    ("Nest the pattern pieces", "Re-nest the cutting plan to use 6 % less fabric per jacket."),
    ("Bundle deliveries", "Ship twice a week instead of per order: fewer courier runs."),
    ("Pre-dyed thread stock", "Keep the five best-selling thread colours dyed ahead."),
    ("Recycled poly bags", "Switch polybags to 80 % recycled film at the same price."),
)


def _changes(
    orders: list[HistoryPo], tiers: dict[str, str], rng: random.Random
) -> list[HistoryChange]:
    changes = []
    for index, po in enumerate(orders):
        window = (po.received_at or po.issued_at + timedelta(days=30)) - po.confirmed_at
        if rng.random() > 0.15 or window < timedelta(days=4):
            continue
        asked = po.confirmed_at + timedelta(hours=rng.randint(4, 20))
        tier = tiers.get(po.supplier, "B")
        odds = {"S": (0.85, 0.1), "A": (0.6, 0.3), "B": (0.35, 0.3)}[tier if tier in "SA" else "B"]
        draw = rng.random()
        answer = "accepted" if draw < odds[0] else "redated" if draw < sum(odds) else "refused"
        pct = Decimal(rng.choice(("0.2", "0.1", "-0.1", "-0.2")))
        changes.append(
            HistoryChange(index, pct, asked, answer, asked + timedelta(hours=rng.randint(2, 30)))
        )
    return changes


def partner_events(
    suppliers: list[dict[str, Any]],
    offers: list[dict[str, Any]],
    orders: list[HistoryPo],
    *,
    now: datetime,
    seed: int = 7,
    weeks: int = WEEKS,
) -> History:
    """Change requests on about one order in seven, a sample and a first article from each
    maker, a few improvement suggestions from the S- and A-tier workshops, and health figures
    as of the last quarter's end."""
    rng = random.Random(seed + 1)
    tiers = {s["code"]: s["tier"] for s in suppliers}
    start = _monday(now.date()) - timedelta(weeks=weeks)
    items: dict[str, str] = {}
    for terms in offers:
        items.setdefault(terms["supplier_code"], terms["item_sku"])
    samples, suggestions = [], []
    for supplier in suppliers:
        code, tier = supplier["code"], supplier["tier"]
        if code not in items:
            continue
        lead = max((int(c["sample_lead_time_days"]) for c in supplier["capabilities"]), default=7)
        asked = datetime.combine(start + timedelta(days=rng.randint(7, 60)), time(9), now.tzinfo)
        delivered = asked + timedelta(days=lead + rng.randint(-1, 3), hours=rng.randint(0, 8))
        samples.append(HistorySample(
            code, items[code], asked, delivered if delivered < now else None,
            rng.random() < {"S": 0.95, "A": 0.85}.get(tier, 0.65),
        ))  # fmt: skip
        for _ in range({"S": 2, "A": 1}.get(tier, 0)):
            title, text = _IDEAS[rng.randrange(len(_IDEAS))]
            at = datetime.combine(start + timedelta(days=rng.randint(10, 7 * weeks - 10)),
                                  time(15), now.tzinfo)  # fmt: skip
            decided = None if at > now - timedelta(days=14) else rng.random() < 0.7
            saving = Decimal(rng.randrange(300, 3000, 50))
            suggestions.append(HistorySuggestion(code, title, text, saving, at, decided))
    quarter_end = date(now.year, 3 * ((now.month - 1) // 3) + 1, 1) - timedelta(days=1)
    health = tuple(
        (s["code"], quarter_end,
         Decimal({"S": 82, "A": 71}.get(s["tier"], 58) + rng.randint(-8, 8)),
         Decimal({"S": 6, "A": 11}.get(s["tier"], 19) + rng.randint(-3, 5)))
        for s in suppliers
    )  # fmt: skip
    return History(tuple(_changes(orders, tiers, rng)), tuple(samples), tuple(suggestions), health)
