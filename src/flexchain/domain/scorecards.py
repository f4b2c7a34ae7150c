"""Supplier scorecards from events: periods, the events each figure reads, the figures and the
weighted total. Pure: the service loads the events, these functions decide.

Every figure is a :class:`Figure`: its value (``None``: no data in the period), a score 0-100,
how many events it was computed from and its formula in plain words. The total is the
weighted mean of the scored figures; figures without data are left out and the remaining
weights renormalised (``total_of``). docs/suppliers.md defines each figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from flexchain.domain.errors import ValidationError
from flexchain.domain.scorecard_events import (
    ChangeRequest,
    Delivery,
    FirstPiece,
    Health,
    Inspection,
    JobLog,
    Period,
    PricePoint,
    RfqInvitation,
    Sample,
    Suggestion,
    SupplierEvents,
    parse_period,
    period_history,
)
from flexchain.domain.values import to_decimal

__all__ = [
    "DEFAULT_TARGETS",
    "DEFAULT_WEIGHTS",
    "FIGURES",
    "ChangeRequest",
    "Delivery",
    "Figure",
    "FirstPiece",
    "Health",
    "Inspection",
    "JobLog",
    "Period",
    "PricePoint",
    "RfqInvitation",
    "Sample",
    "Scorecard",
    "Suggestion",
    "SupplierEvents",
    "falling",
    "job_on_time",
    "parse_period",
    "period_history",
    "score_supplier",
    "targets_of",
    "total_of",
    "weights_of",
]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def _r(value: Decimal) -> Decimal:
    """Rounded to two places (half up), as figures and scores are shown."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _hours(start: datetime, end: datetime) -> Decimal:
    return Decimal(int((end - start).total_seconds())) / 3600


# --- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure of a scorecard (``value`` and ``score`` None: no data in the period)."""

    key: str
    label: str
    value: Decimal | None
    unit: str
    score: Decimal | None
    weight: Decimal
    events: int
    formula: str
    target: str | None
    detail: str = ""


@dataclass(frozen=True)
class _Spec:
    label: str
    unit: str
    weight: Decimal
    formula: str


_TIMED = (
    "each scores 100 up to the target, 0 from 3x the target, linear between; score = their mean"
)
FIGURES: Final[dict[str, _Spec]] = {
    "otif": _Spec("On time in full", "%", Decimal(25),
        "PO lines completed in the period (or past due and still open, or closed short): share "
        "received in full (within the under-delivery tolerance) on or before the confirmed "
        "date; score = that share"),
    "first_pass_yield": _Spec("First-pass yield", "%", Decimal(20),
        "first inspection of each receipt line, inspected in the period: accepted / (accepted "
        "+ rejected) units; score = that share"),
    "agility": _Spec("First piece (agility)", "h", Decimal(10),
        "hours from a PO sent (or a job released) to its first receipt (or first progress with "
        f"units), first pieces delivered in the period; {_TIMED}"),
    "sample_lead_time": _Spec("Sample lead time", "days", Decimal(5),
        f"days from a sample's request to its delivery, samples delivered in the period; {_TIMED}"),
    "rfq_response": _Spec("RFQ response", "h", Decimal(5),
        "hours from an RFQ sent in the period to the supplier's first quote (value: mean of "
        f"the answered); one unanswered past its reply date (or awarded) scores 0; {_TIMED}"),
    "volume_changes": _Spec("Volume changes", "points", Decimal(5),
        "PO change requests (within +/-30 %) made in the period: accepted 100, re-dated 50, "
        "refused 0, open beyond the answer days 0 (withdrawn and pending ones left out); "
        "value = score = their mean"),
    "cycle_time": _Spec("Order-to-receipt days", "days", Decimal(0),
        f"days from the PO sent to the line completed, lines completed in the period; {_TIMED}"),
    "information_sharing": _Spec("Information sharing", "%", Decimal(10),
        "jobs in progress during the period: share whose progress was posted on time (no gap "
        "over the interval days between postings, no delay posted after the finish date it "
        "moves, not running past the planned finish); score = that share"),
    "new_product": _Spec("New-product support", "%", Decimal(5),
        "samples whose first article was inspected in the period: share that passed; score = "
        "that share (samples delivered in the period shown beside)"),
    "innovation": _Spec("Innovation", "money", Decimal(5),
        "improvement suggestions: 20 points per one submitted in the period, 40 more per one "
        "adopted in it, at most 100; value = recorded value of those adopted in the period"),
    "cost_trend": _Spec("Cost vs price index", "pp", Decimal(5),
        "per item, its PO unit price change (latest PO before the period -> latest in it) "
        "minus its material index change between the same days x the material share, in "
        "percentage points; value = mean over items; score 100 at or below 0, 0 from +10 pp"),
    "financial_health": _Spec("Financial health", "points", Decimal(5),
        "the imported financial score (0-100) latest as of the period's end; score = it"),
    "staff_turnover": _Spec("Staff turnover", "%", Decimal(0),
        "the imported staff turnover latest as of the period's end; score 100 at or below the "
        "target, 0 from 4x the target, linear between"),
}  # fmt: skip
"""Every figure: label, unit, default weight, formula (the order scorecards show them in)."""

DEFAULT_WEIGHTS: Final[dict[str, Decimal]] = {key: spec.weight for key, spec in FIGURES.items()}
DEFAULT_TARGETS: Final[dict[str, Decimal]] = {
    "on_time": Decimal("0.85"),
    "agility_hours": Decimal(72),
    "sample_days": Decimal(2),
    "rfq_response_hours": Decimal(48),
    "cycle_days": Decimal(28),
    "progress_interval_days": Decimal(7),
    "change_answer_days": Decimal(3),
    "staff_turnover_pct": Decimal(10),
}
"""The trade's targets (agility under 72 h; on time 85 %; A-tier sampling in 48 h)."""


def weights_of(overrides: Mapping[str, object] | None) -> dict[str, Decimal]:
    """The default weights with ``overrides`` applied (each a known figure, 0 or more)."""
    result = dict(DEFAULT_WEIGHTS)
    for key, raw in (overrides or {}).items():
        if key not in FIGURES:
            raise ValidationError("weights", f"unknown figure '{key}'; known: {', '.join(FIGURES)}")
        weight = to_decimal(raw, f"weights.{key}")
        if weight < 0 or weight > 1000:
            raise ValidationError(f"weights.{key}", f"must be 0 to 1000, got {weight}")
        result[key] = weight
    return result


def targets_of(overrides: Mapping[str, object] | None) -> dict[str, Decimal]:
    """The default targets with ``overrides`` applied (each a known target, above 0)."""
    result = dict(DEFAULT_TARGETS)
    for key, raw in (overrides or {}).items():
        if key not in DEFAULT_TARGETS:
            raise ValidationError(
                "targets", f"unknown target '{key}'; known: {', '.join(DEFAULT_TARGETS)}"
            )
        value = to_decimal(raw, f"targets.{key}")
        if value <= 0 or (key == "on_time" and value > 1):
            raise ValidationError(f"targets.{key}", f"must be above 0 (a share up to 1 for "
                                  f"on_time), got {value}")  # fmt: skip
        result[key] = value
    return result


def falling(value: Decimal, good: Decimal, bad: Decimal) -> Decimal:
    """A lower-is-better score: 100 at or below ``good``, 0 at or above ``bad``, linear between.

    >>> falling(Decimal(108), Decimal(72), Decimal(216))
    Decimal('75')
    """
    if value <= good:
        return _HUNDRED
    if value >= bad:
        return _ZERO
    return _HUNDRED * (bad - value) / (bad - good)


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    return sum(values, _ZERO) / len(values) if values else None


def _figure(
    key: str, value: Decimal | None, score: Decimal | None, events: int, target: str | None,
    detail: str = "",
) -> Figure:  # fmt: skip
    spec = FIGURES[key]
    shown = None if value is None else _r(value)
    scored = None if score is None else _r(score)
    return Figure(key, spec.label, shown, spec.unit, scored, spec.weight, events,
                  spec.formula, target, detail if events else "no data")  # fmt: skip


def _share(key: str, hits: int, count: int, target: str | None, what: str) -> Figure:
    value = None if count == 0 else _HUNDRED * hits / count
    return _figure(key, value, value, count, target, f"{hits} of {count} {what}")


def otif(deliveries: Iterable[Delivery], period: Period, on_time: Decimal) -> Figure:
    counted = [d for d in deliveries if period.contains(d.day)]
    hits = sum(1 for d in counted if d.on_time_in_full)
    return _share("otif", hits, len(counted), f">= {_r(on_time * 100)} %", "lines on time in full")


def first_pass_yield(inspections: Iterable[Inspection], period: Period) -> Figure:
    first: dict[int, Inspection] = {}
    for one in sorted(inspections, key=lambda i: i.at):
        first.setdefault(one.receipt_line, one)
    counted = [i for i in first.values() if period.contains(i.at.date())]
    good = sum((i.accepted for i in counted), _ZERO)
    seen = good + sum((i.rejected for i in counted), _ZERO)
    value = None if seen == 0 else _HUNDRED * good / seen
    detail = f"{good.normalize():f} of {seen.normalize():f} units accepted first time"
    return _figure("first_pass_yield", value, value, len(counted) if seen else 0, None, detail)


def _timed(
    key: str, spans: Sequence[Decimal], target: Decimal, unit: str, misses: int = 0
) -> Figure:
    scores = [falling(span, target, 3 * target) for span in spans] + [_ZERO] * misses
    detail = f"{len(spans)} measured" + (f", {misses} unanswered" if misses else "")
    return _figure(key, _mean(spans), _mean(scores), len(scores), f"<= {target.normalize():f} {unit}", detail)  # noqa: E501  # fmt: skip


def agility(pieces: Iterable[FirstPiece], period: Period, target_hours: Decimal) -> Figure:
    spans = [_hours(p.requested_at, p.delivered_at) for p in pieces
             if p.delivered_at is not None and period.contains(p.delivered_at.date())]  # fmt: skip
    return _timed("agility", spans, target_hours, "h")


def sample_lead_time(samples: Iterable[Sample], period: Period, target_days: Decimal) -> Figure:
    spans = [_hours(s.requested_at, s.delivered_at) / 24 for s in samples
             if s.delivered_at is not None and period.contains(s.delivered_at.date())]  # fmt: skip
    return _timed("sample_lead_time", spans, target_days, "days")


def rfq_response(rfqs: Iterable[RfqInvitation], period: Period, target_hours: Decimal) -> Figure:
    asked = [r for r in rfqs if period.contains(r.sent_at.date())]
    spans = [_hours(r.sent_at, r.answered_at) for r in asked if r.answered_at is not None]
    misses = sum(1 for r in asked if r.answered_at is None and r.overdue)
    return _timed("rfq_response", spans, target_hours, "h", misses)


def cycle_time(deliveries: Iterable[Delivery], period: Period, target_days: Decimal) -> Figure:
    spans = [Decimal((d.completed_on - d.issued_on).days) for d in deliveries
             if d.completed_on is not None and d.issued_on is not None
             and period.contains(d.completed_on)]  # fmt: skip
    return _timed("cycle_time", spans, target_days, "days")


_BAND: Final = Decimal("0.3")
_CHANGE_POINTS: Final = {"accepted": _HUNDRED, "redated": Decimal(50), "refused": _ZERO}


def volume_changes(
    changes: Iterable[ChangeRequest], period: Period, today: date, answer_days: Decimal
) -> Figure:
    points: list[Decimal] = []
    for change in changes:
        if not period.contains(change.requested_at.date()) or abs(change.change_pct) > _BAND:
            continue
        if change.status in _CHANGE_POINTS:
            points.append(_CHANGE_POINTS[change.status])
        elif change.status == "open" and (today - change.requested_at.date()).days > answer_days:
            points.append(_ZERO)
    answered = sum(1 for p in points if p > 0)
    value = _mean(points)
    return _figure("volume_changes", value, value, len(points), None,
                   f"{answered} of {len(points)} accepted or re-dated")  # fmt: skip


def job_on_time(job: JobLog, period: Period, today: date, interval_days: int) -> bool | None:
    """Whether ``job``'s progress was posted on time during ``period`` (None: not in progress
    in it). A gap longer than ``interval_days`` between postings (or from the last posting to
    the job's finish, or to ``today`` while it runs) that ends in the period is late; so is a
    delay posted after the finish date it moved, and running past the planned finish."""
    as_of = min(today, period.end)
    end = job.finished_at.date() if job.finished_at is not None else as_of
    if job.started_at.date() > as_of or end < period.start:
        return None
    days = sorted({job.started_at.date(), *(p.date() for p in job.postings)})
    for before, after in zip(days, [*days[1:], end], strict=True):
        if after >= period.start and (after - before).days > interval_days:
            return False
    if job.planned_finish is not None:
        finish = job.planned_finish
        if end > finish:
            return False
        for at, moved in sorted(job.delays, reverse=True):
            finish -= timedelta(days=moved)  # the finish date in force before this delay
            if at.date() > finish:
                return False
    return True


def information_sharing(
    jobs: Iterable[JobLog], period: Period, today: date, interval_days: Decimal
) -> Figure:
    verdicts = [job_on_time(job, period, today, int(interval_days)) for job in jobs]
    counted = [v for v in verdicts if v is not None]
    return _share("information_sharing", sum(counted), len(counted), None,
                  "jobs posted progress on time")  # fmt: skip


def new_product(samples: Iterable[Sample], period: Period) -> Figure:
    listed = list(samples)
    judged = [s for s in listed if s.inspected_at is not None and s.first_article is not None
              and period.contains(s.inspected_at.date())]  # fmt: skip
    passed = sum(1 for s in judged if s.first_article == "pass")
    delivered = sum(1 for s in listed if s.delivered_at and period.contains(s.delivered_at.date()))
    figure = _share("new_product", passed, len(judged), None, "first articles passed")
    if judged:
        return replace(figure, detail=f"{figure.detail}; samples delivered: {delivered}")
    if delivered:  # no score yet, but what came is worth saying
        return replace(figure, detail=f"no first article inspected; samples delivered: {delivered}")
    return figure


def innovation(suggestions: Iterable[Suggestion], period: Period) -> Figure:
    listed = list(suggestions)
    submitted = sum(1 for s in listed if period.contains(s.submitted_at.date()))
    adopted = [s for s in listed if s.status == "accepted" and s.decided_at is not None
               and period.contains(s.decided_at.date())]  # fmt: skip
    if not submitted and not adopted:
        return _figure("innovation", None, None, 0, None)
    value = sum((s.recorded_value or _ZERO for s in adopted), _ZERO)
    score = min(_HUNDRED, Decimal(20 * submitted + 40 * len(adopted)))
    detail = f"{submitted} submitted, {len(adopted)} adopted"
    return _figure("innovation", value, score, submitted + len(adopted), None, detail)


def _index_on(index: Sequence[tuple[date, Decimal]], day: date) -> Decimal | None:
    known = [value for on, value in index if on <= day]
    return known[-1] if known else None


def cost_trend(prices: Iterable[PricePoint], period: Period) -> Figure:
    by_item: dict[str, list[PricePoint]] = {}
    for point in sorted(prices, key=lambda p: (p.item, p.on)):
        by_item.setdefault(point.item, []).append(point)
    gaps: list[Decimal] = []
    for points in by_item.values():
        inside = [p for p in points if period.contains(p.on)]
        before = [p for p in points if p.on < period.start] or inside[:1]
        if not inside or inside[-1] is before[-1] or before[-1].currency != inside[-1].currency:
            continue
        old, new = before[-1], inside[-1]
        base, now = _index_on(old.index, old.on), _index_on(new.index, new.on)
        if not base or now is None:
            continue
        price_pct = _HUNDRED * (new.unit_price / old.unit_price - 1)
        index_pct = _HUNDRED * (now / base - 1) * new.material_share
        gaps.append(price_pct - index_pct)
    value = _mean(gaps)
    score = None if value is None else falling(value, _ZERO, Decimal(10))
    return _figure("cost_trend", value, score, len(gaps), "<= 0 pp", f"{len(gaps)} items compared")


def health(records: Iterable[Health], period: Period, turnover_target: Decimal) -> list[Figure]:
    known = sorted((h for h in records if h.as_of <= period.end), key=lambda h: h.as_of)
    money = [h for h in known if h.financial_score is not None]
    staff = [h for h in known if h.staff_turnover_pct is not None]
    score = money[-1].financial_score if money else None
    turnover = staff[-1].staff_turnover_pct if staff else None
    return [
        _figure("financial_health", score, score, len(money[-1:]), None,
                f"as of {money[-1].as_of}" if money else ""),
        _figure("staff_turnover", turnover,
                None if turnover is None else falling(turnover, turnover_target, 4 * turnover_target),  # noqa: E501
                len(staff[-1:]), f"<= {turnover_target.normalize():f} %",
                f"as of {staff[-1].as_of}" if staff else ""),
    ]  # fmt: skip


# --- the scorecard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scorecard:
    period: Period
    total: Decimal | None
    figures: tuple[Figure, ...]
    explanation: str = ""
    notes: tuple[str, ...] = field(default=())


def total_of(
    figures: Sequence[Figure], weights: Mapping[str, Decimal]
) -> tuple[Decimal | None, str]:
    """The weighted mean of the scored figures and how it was formed; figures without data (or
    with weight 0) are left out and the remaining weights renormalised."""
    scored = [f for f in figures if f.score is not None and weights.get(f.key, _ZERO) > 0]
    missing = [f.key for f in figures if f.score is None and weights.get(f.key, _ZERO) > 0]
    weight = sum((weights[f.key] for f in scored), _ZERO)
    if not scored or weight == 0:
        return None, "no weighted figure has data in the period: no total"
    total = sum((weights[f.key] * (f.score or _ZERO) for f in scored), _ZERO) / weight
    text = (
        f"total = sum(weight x score) / sum(weight) over {len(scored)} figures with data "
        f"(weights {', '.join(f'{f.key} {weights[f.key].normalize():f}' for f in scored)})"
    )
    if missing:
        text += f"; left out without data, weights renormalised: {', '.join(missing)}"
    return _r(total), text


def score_supplier(
    events: SupplierEvents,
    period: Period,
    *,
    today: date,
    weights: Mapping[str, object] | None = None,
    targets: Mapping[str, object] | None = None,
) -> Scorecard:
    """One supplier's scorecard for ``period`` from its ``events``, as of ``today`` (open lines
    past due count late by today; use the period's end for a closed period's history)."""
    weight = weights_of(weights)
    aim = targets_of(targets)
    figures = [
        otif(events.deliveries, period, aim["on_time"]),
        first_pass_yield(events.inspections, period),
        agility(events.first_pieces, period, aim["agility_hours"]),
        sample_lead_time(events.samples, period, aim["sample_days"]),
        rfq_response(events.rfqs, period, aim["rfq_response_hours"]),
        volume_changes(events.changes, period, today, aim["change_answer_days"]),
        cycle_time(events.deliveries, period, aim["cycle_days"]),
        information_sharing(events.jobs, period, today, aim["progress_interval_days"]),
        new_product(events.samples, period),
        innovation(events.suggestions, period),
        cost_trend(events.prices, period),
        *health(events.health, period, aim["staff_turnover_pct"]),
    ]
    weighted = tuple(replace(f, weight=weight[f.key]) for f in figures)
    total, explanation = total_of(weighted, weight)
    return Scorecard(period, total, weighted, explanation)
