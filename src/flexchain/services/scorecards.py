"""Supplier scorecards from events, per supplier and period (a month ``2026-11`` or a quarter
``2026-Q4``), with history.

Each use case loads the suppliers' events for the whole span once through
:class:`flexchain.adapters.db.scorecards.SqlScorecardStore` (a supplier's user sees only its
own scorecard), and :mod:`flexchain.domain.scorecards` computes every figure and the weighted
total per period. Read-only; ``today`` is passed in (default: the last day of the period), as
open PO lines past their promised date count late by it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.scorecards import SqlScorecardStore, SupplierRef
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.checks import code
from flexchain.domain.errors import NotFound
from flexchain.domain.fx import latest_rate
from flexchain.domain.receiving import DEFAULT_UNDER_PCT
from flexchain.domain.scorecard_events import delivery_of, rfq_overdue
from flexchain.domain.scorecards import (
    Delivery,
    Figure,
    Period,
    RfqInvitation,
    SupplierEvents,
    first_pass_yield,
    parse_period,
    period_history,
    score_supplier,
    weights_of,
)
from flexchain.domain.values import currency_code

__all__ = [
    "FigureView",
    "OpeningPeriod",
    "ScorecardView",
    "YieldRecord",
    "deliveries",
    "first_pass_yields",
    "opening_scorecards",
    "options_from",
    "scorecard_history",
    "scorecards",
]

FigureView = Figure
"""One figure of a scorecard: key, label, value (None: no data), unit, score 0-100, weight,
events (how many it was computed from), formula (plain words), target, detail."""

_ZERO = Decimal(0)


@dataclass(frozen=True)
class ScorecardView:
    """One supplier's scorecard for one period. ``total`` (0-100) is None without any scored
    figure; ``spend`` is what the POs sent in the period order, in ``currency`` (the brand's);
    ``notes`` say what the figures could not include."""

    supplier: str
    name: str
    period: str
    total: Decimal | None
    figures: tuple[FigureView, ...]
    spend: Decimal
    currency: str = "EUR"
    explanation: str = ""
    notes: tuple[str, ...] = ()

    def figure(self, key: str) -> FigureView:
        for one in self.figures:
            if one.key == key:
                return one
        raise KeyError(key)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Options:
    today: date
    under_pct: Decimal
    base: str


def _deliveries(
    store: SqlScorecardStore, refs: Sequence[SupplierRef], span: Period, options: _Options
) -> dict[int, list[Delivery]]:
    codes = {ref.id: ref.code for ref in refs}
    found: dict[int, list[Delivery]] = defaultdict(list)
    for line in store.lines(list(codes), span.start, span.end):
        delivery = delivery_of(
            supplier=codes[line.supplier_id],
            po_number=line.po_number,
            line_no=line.line_no,
            item=line.item,
            promised=line.confirmed_date or line.due_date,
            ordered=line.quantity,
            receipts=line.receipts,
            closed=line.status == "closed",
            today=options.today,
            under_pct=options.under_pct,
            issued_on=None if line.issued_at is None else line.issued_at.date(),
        )
        if span.contains(delivery.day):
            found[line.supplier_id].append(delivery)
    return found


def deliveries(
    uow: UnitOfWork,
    *,
    supplier: str | None = None,
    since: date,
    until: date,
    today: date,
    under_pct: Decimal = DEFAULT_UNDER_PCT,
) -> list[Delivery]:
    """Every PO line (not cancelled) that counts as a delivery between ``since`` and ``until``
    (both included): completed in full, closed short, or open and past its promised date by
    ``today``; of one supplier or all (a supplier's user: its own), ordered by supplier and
    the day it counts on (completed, else promised)."""
    store = SqlScorecardStore(uow)
    refs = store.suppliers(None if supplier is None else code(supplier, "supplier"))
    span = Period(f"{since}..{until}", since, until)
    found = _deliveries(store, refs, span, _Options(today, under_pct, "EUR"))
    listed = [d for ds in found.values() for d in ds]
    return sorted(listed, key=lambda d: (d.supplier, d.day, d.po_number, d.line_no))


@dataclass(frozen=True)
class YieldRecord:
    """A supplier's first-pass yield over a span: ``share`` accepted (0-1) at first
    inspection; ``detail`` says of how many units (``97 of 100 units accepted first time``)."""

    supplier: str
    share: Decimal
    detail: str


def first_pass_yields(uow: UnitOfWork, *, since: date, until: date) -> dict[str, YieldRecord]:
    """Every supplier's first-pass yield between ``since`` and ``until`` (both included), as
    the scorecard's ``first_pass_yield`` figure counts it, by supplier code (a supplier's
    user: its own); a supplier without inspected units in the span is left out."""
    store = SqlScorecardStore(uow)
    refs = store.suppliers()
    span = Period(f"{since}..{until}", since, until)
    found: dict[int, list[Any]] = defaultdict(list)
    for supplier, inspection in store.inspections([ref.id for ref in refs], since, until):
        found[supplier].append(inspection)
    result = {}
    for ref in refs:
        figure = first_pass_yield(found.get(ref.id, ()), span)
        if figure.value is not None:
            share = (figure.value / 100).normalize()
            result[ref.code] = YieldRecord(ref.code, share, figure.detail)
    return result


def _events(
    store: SqlScorecardStore, refs: Sequence[SupplierRef], span: Period, options: _Options
) -> dict[int, SupplierEvents]:
    ids = [ref.id for ref in refs]
    since, until = span.start, span.end
    by: dict[str, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for supplier, delivered in _deliveries(store, refs, span, options).items():
        by["deliveries"][supplier] = delivered
    for kind, rows in (
        ("inspections", store.inspections(ids, since, until)),
        ("first_pieces", store.first_pieces(ids, since, until)),
        ("changes", store.changes(ids, since, until)),
        ("jobs", store.jobs(ids, since, until)),
        ("samples", store.samples(ids, since, until)),
        ("suggestions", store.suggestions(ids, since, until)),
        ("prices", store.prices(ids, since, until)),
        ("health", store.health(ids, until)),
    ):
        for supplier, event in rows:
            by[kind][supplier].append(event)
    for asked in store.rfqs(ids, since, until):
        overdue = rfq_overdue(asked.status, asked.reply_by, asked.sent_at, options.today)
        by["rfqs"][asked.supplier_id].append(
            RfqInvitation(asked.rfq, asked.sent_at, asked.answered_at, overdue)
        )
    return {
        ref.id: SupplierEvents(**{kind: tuple(rows.get(ref.id, ())) for kind, rows in by.items()})
        for ref in refs
    }


def _spend(
    store: SqlScorecardStore, refs: Sequence[SupplierRef], span: Period, base: str
) -> tuple[dict[tuple[int, str], Decimal], dict[tuple[int, str], list[str]]]:
    """Spend per (supplier, period label) in ``base``, and what could not be converted."""
    lines = store.spend([ref.id for ref in refs], span.start, span.end)
    foreign = sorted({line.currency for line in lines if line.currency != base})
    rates = store.rates(base, foreign, span.end) if foreign else []
    spend: dict[tuple[int, str], Decimal] = defaultdict(lambda: _ZERO)
    missing: dict[tuple[int, str], list[str]] = defaultdict(list)
    for line in lines:
        key = (line.supplier_id, _month(line.issued_on))
        try:
            rate = (
                Decimal(1)
                if line.currency == base
                else latest_rate(rates, line.currency, base, line.issued_on).rate
            )
        except NotFound:
            missing[key].append(f"{line.currency} on {line.issued_on}")
            continue
        spend[key] += line.amount * rate
    return spend, missing


def _month(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _months(period: Period) -> list[str]:
    first = period.start.month
    return [f"{period.start.year}-{m:02d}" for m in range(first, period.end.month + 1)]


def _cards(
    uow: UnitOfWork,
    supplier: str | None,
    periods: Sequence[Period],
    weights: Mapping[str, object] | None,
    targets: Mapping[str, object] | None,
    options: _Options,
) -> list[ScorecardView]:
    store = SqlScorecardStore(uow)
    refs = store.suppliers(None if supplier is None else code(supplier, "supplier"))
    weight = weights_of(weights)
    span = Period("span", periods[0].start, periods[-1].end)
    events = _events(store, refs, span, options)
    spend, missing = _spend(store, refs, span, options.base)
    cards = []
    for ref in refs:
        for period in periods:
            card = score_supplier(
                events[ref.id], period, today=options.today, weights=weight, targets=targets
            )
            months = _months(period)
            unconverted = [m for month in months for m in missing.get((ref.id, month), [])]
            notes: tuple[str, ...] = ()
            if unconverted:
                notes = (
                    f"spend leaves out {len(unconverted)} PO line"
                    f"{'' if len(unconverted) == 1 else 's'} without an exchange rate "
                    f"({', '.join(sorted(set(unconverted)))})",
                )
            total_spend = sum((spend.get((ref.id, m), _ZERO) for m in months), _ZERO)
            cards.append(
                ScorecardView(
                    ref.code,
                    ref.name,
                    period.label,
                    card.total,
                    card.figures,
                    total_spend.quantize(Decimal("0.01")),
                    options.base,
                    card.explanation,
                    notes,
                )
            )
    return cards


def scorecards(
    uow: UnitOfWork,
    *,
    period: str,
    supplier: str | None = None,
    weights: Mapping[str, object] | None = None,
    targets: Mapping[str, object] | None = None,
    today: date | None = None,
    under_pct: Decimal = DEFAULT_UNDER_PCT,
    base_currency: str = "EUR",
) -> list[ScorecardView]:
    """The scorecard of every supplier (or one; a supplier's user: its own) for ``period``,
    by supplier code. ``weights`` override the default weights per figure; ``targets`` the
    default targets (``DEFAULT_TARGETS``); ``today`` defaults to the period's last day."""
    when = parse_period(period)
    options = _Options(today or when.end, under_pct, currency_code(base_currency))
    return _cards(uow, supplier, [when], weights, targets, options)


def options_from(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of :func:`scorecards` and :func:`scorecard_history` that the
    installation's settings give: weights, targets, the under-delivery tolerance, currency."""
    return {
        "weights": dict(settings.scorecard_weights),
        "targets": {
            **settings.scorecard_targets,
            "agility_hours": settings.agility_target_hours,
            "on_time": settings.on_time_target,
        },
        "under_pct": settings.receipt_under_delivery_pct,
        "base_currency": settings.default_currency,
    }


def scorecard_history(
    uow: UnitOfWork,
    *,
    supplier: str | None,
    periods: int,
    until_period: str,
    weights: Mapping[str, object] | None = None,
    targets: Mapping[str, object] | None = None,
    today: date | None = None,
    under_pct: Decimal = DEFAULT_UNDER_PCT,
    base_currency: str = "EUR",
) -> list[ScorecardView]:
    """A supplier's scorecards (``None``: every supplier's, by code) for ``periods`` periods of
    ``until_period``'s kind ending with it, oldest first (``today``: default its last day)."""
    last = parse_period(until_period)
    options = _Options(today or last.end, under_pct, currency_code(base_currency))
    return _cards(uow, supplier, period_history(last, periods), weights, targets, options)


AS_OF = frozenset({"financial_health", "staff_turnover"})
"""Figures read as of a day (the latest health data), not from events in the period."""
OPENING_MONTHS = 12
"""How many complete months back a scorecard view looks for one with events to open on."""


@dataclass(frozen=True)
class OpeningPeriod:
    """The month a scorecard view opens on when none is asked for, and why (``reason``, in
    words); ``current`` is this month's label (to offer it, so far)."""

    period: str
    reason: str
    current: str


def _month_of(day: date) -> Period:
    return parse_period(_month(day))


def _busy(cards: Sequence[ScorecardView]) -> set[str]:
    """The periods of ``cards`` in which some supplier has events (health data aside)."""
    return {
        card.period
        for card in cards
        if any(f.events > 0 for f in card.figures if f.key not in AS_OF)
    }


def opening_scorecards(
    uow: UnitOfWork,
    *,
    today: date,
    months: int = OPENING_MONTHS,
    weights: Mapping[str, object] | None = None,
    targets: Mapping[str, object] | None = None,
    under_pct: Decimal = DEFAULT_UNDER_PCT,
    base_currency: str = "EUR",
) -> tuple[OpeningPeriod, list[ScorecardView]]:
    """The month a scorecard view opens on when none is chosen, and its scorecards (as
    :func:`scorecards`, as of the month's last day or ``today``).

    It is the latest complete month (of the ``months`` before ``today``'s) in which some
    supplier has scorecard events (a delivery counted, an inspection, an RFQ asked, a job in
    progress, a sample, ...: any figure but the health data, which holds until replaced); this
    month, so far, when none of those has any but it does; else the last complete month.
    Early in a month this month's figures mostly say "no data", so a complete month with
    events comes first. The last complete month is read first; the others only without events
    in it.
    """

    def cards_of(period: Period) -> list[ScorecardView]:
        return scorecards(
            uow, period=period.label, weights=weights, targets=targets,
            today=min(today, period.end), under_pct=under_pct, base_currency=base_currency,
        )  # fmt: skip

    current = _month_of(today)
    last = current.previous()
    cards = cards_of(last)
    if _busy(cards):
        return OpeningPeriod(last.label, "the last complete month with supplier events",
                             current.label), cards  # fmt: skip
    periods = period_history(current, months + 1)
    seen = _cards(uow, None, periods, None, None, _Options(today, under_pct, "EUR"))
    busy = _busy(seen)
    earlier = [p for p in reversed(periods[:-2]) if p.label in busy]
    if earlier:
        opening = OpeningPeriod(earlier[0].label, "the latest month with supplier events",
                                current.label)  # fmt: skip
    elif current.label in busy:
        why = "this month so far: no earlier month has supplier events"
        opening = OpeningPeriod(current.label, why, current.label)
    else:
        why = "the last complete month (no supplier events yet)"
        return OpeningPeriod(last.label, why, current.label), cards
    return opening, cards_of(parse_period(opening.period))
