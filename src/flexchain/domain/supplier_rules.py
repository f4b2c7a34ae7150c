"""Rules that act on what suppliers did: each rule a pure function over facts that returns
firings, each saying why it fired, what flexchain does and what a person must decide.

The rules (thresholds in :class:`RuleSettings`; docs/suppliers.md, "Rules that act"):

* ``delivery_delays``: ``delay_consecutive`` deliveries in a row of one supplier each later than
  the standard (``delay_days > delay_standard_days``) -> its allocation weight in sourcing is
  multiplied by ``weight_cut`` and a review task is raised. A run fires once (its key names the
  run's first delivery); another run fires again.
* ``on_time_rate``: among a supplier's deliveries of the last ``on_time_period_days`` (at least
  ``on_time_min_deliveries`` of them), the share on time (``delay_days <= 0``) is below
  ``on_time_floor`` -> closer monitoring: progress check-ins every ``checkin_interval_days``,
  ``spot_checks_per_week`` QC spot checks. After a person decides, only later deliveries count.
* ``certificate_expiring``: a supplier's certificate ends within ``certificate_warning_days``
  (0 = its last valid day is today) -> an alert naming the items that require it.
* ``certificate_expired``: the last valid day has passed and items the supplier supplies require
  the certificate -> it is out of sourcing for those items (sourcing only counts valid
  certificates) until renewed.
* ``checkin_overdue``: a supplier under closer monitoring has an open job without a report
  (progress, delay, ...) for longer than its ``checkin_interval_days`` -> a check-in task.
* ``single_source``: all of an item's spend over ``spend_period_days`` went to one supplier and
  it is above ``single_source_spend_threshold`` -> flagged with the nearest qualified
  alternatives (at most once a quarter).

Decisions on firings: :mod:`flexchain.domain.rule_decisions`. Deliveries are any objects with
the fields of :class:`DeliveryFact` (the scorecards' ``Delivery``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from flexchain.domain.errors import ValidationError, format_decimal
from flexchain.domain.supplier_alternatives import Alternative

__all__ = [
    "CertificateFact",
    "DeliveryFact",
    "Firing",
    "FiringStatus",
    "JobReport",
    "KeyState",
    "Policy",
    "Rule",
    "RuleSettings",
    "SpendFact",
    "certificate_firings",
    "checkin_firings",
    "cut_weight",
    "delivery_delay_firings",
    "on_time_firings",
    "policy_after_firing",
    "single_source_firings",
]

_ONE = Decimal(1)
WEIGHT_PLACES = Decimal("0.000001")


class Rule(StrEnum):
    DELIVERY_DELAYS = "delivery_delays"
    ON_TIME_RATE = "on_time_rate"
    CERTIFICATE_EXPIRING = "certificate_expiring"
    CERTIFICATE_EXPIRED = "certificate_expired"
    SINGLE_SOURCE = "single_source"
    CHECKIN_OVERDUE = "checkin_overdue"


class FiringStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"
    DISMISSED = "dismissed"


def _positive(value: int, name: str, *, zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if zero else 1):
        raise ValidationError(name, f"must be a whole number {'>= 0' if zero else '>= 1'}")


def _share(value: Decimal, name: str, *, low_open: bool) -> Decimal:
    share = Decimal(value)
    if not (share > 0 if low_open else share >= 0) or share > 1:
        raise ValidationError(name, f"must be {'above' if low_open else 'at least'} 0 and <= 1")
    return share


@dataclass(frozen=True)
class RuleSettings:
    """The rules' thresholds (settings of the same names prefixed ``supplier_``/none; see
    :func:`flexchain.services.supplier_rules.rule_settings`)."""

    delay_standard_days: int = 0
    delay_consecutive: int = 3
    weight_cut: Decimal = Decimal("0.5")
    on_time_floor: Decimal = Decimal("0.85")
    on_time_period_days: int = 90
    on_time_min_deliveries: int = 5
    certificate_warning_days: int = 30
    single_source_spend_threshold: Decimal = Decimal(10000)
    spend_period_days: int = 365
    checkin_interval_days: int = 2
    spot_checks_per_week: int = 2
    delay_lookback_days: int = 180

    def __post_init__(self) -> None:
        for name in ("delay_standard_days", "certificate_warning_days"):
            _positive(getattr(self, name), name, zero=True)
        for name in ("delay_consecutive", "on_time_period_days", "on_time_min_deliveries",
                     "spend_period_days", "checkin_interval_days", "spot_checks_per_week",
                     "delay_lookback_days"):  # fmt: skip
            _positive(getattr(self, name), name)
        object.__setattr__(self, "weight_cut", _share(self.weight_cut, "weight_cut", low_open=True))
        floor = _share(self.on_time_floor, "on_time_floor", low_open=False)
        object.__setattr__(self, "on_time_floor", floor)
        spend = Decimal(self.single_source_spend_threshold)
        if spend < 0:
            raise ValidationError("single_source_spend_threshold", "must be >= 0")
        object.__setattr__(self, "single_source_spend_threshold", spend)


class DeliveryFact(Protocol):
    """What the rules read of a delivery (a PO line), as the scorecards compute it."""

    @property
    def supplier(self) -> str: ...
    @property
    def po_number(self) -> str: ...
    @property
    def line_no(self) -> int: ...
    @property
    def promised(self) -> date: ...
    @property
    def completed_on(self) -> date | None: ...
    @property
    def delay_days(self) -> int | None: ...
    @property
    def day(self) -> date | None:
        """The day it counts on (completed, closed short, or past due)."""


@dataclass(frozen=True)
class KeyState:
    """What was fired before under one key: whether it is open, when it was last decided."""

    open: bool = False
    last_decided_at: datetime | None = None


@dataclass(frozen=True)
class Policy:
    """What the rules set for one supplier."""

    allocation_weight: Decimal = _ONE
    monitoring: bool = False
    monitoring_since: datetime | None = None
    checkin_interval_days: int | None = None
    spot_checks_per_week: int = 0
    reason: str = ""


@dataclass(frozen=True)
class Firing:
    """A rule fired: ``key`` names the condition (open once); ``figures`` hold JSON values."""

    rule: Rule
    key: str
    supplier: str | None
    item: str | None
    why: str
    action: str
    decision: str
    figures: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CertificateFact:
    supplier: str
    name: str
    valid_until: date


@dataclass(frozen=True)
class JobReport:
    """An open job (released or started) at a supplier and its last report (its last event,
    else its release or start)."""

    supplier: str
    job_id: int
    last_report: datetime


@dataclass(frozen=True)
class SpendFact:
    """What the brand spent on ``item`` at ``supplier`` (brand currency) in the period."""

    item: str
    supplier: str
    amount: Decimal


def _when(delivery: DeliveryFact) -> date:
    return delivery.day or delivery.promised


def _judged(deliveries: Iterable[DeliveryFact]) -> dict[str, list[DeliveryFact]]:
    """Each supplier's deliveries with a known delay, in the order they came due/complete."""
    found: dict[str, list[DeliveryFact]] = defaultdict(list)
    for d in deliveries:
        if d.delay_days is not None:
            found[d.supplier].append(d)
    for mine in found.values():
        mine.sort(key=lambda d: (_when(d), d.po_number, d.line_no))
    return found


def _ref(d: DeliveryFact) -> str:
    return f"{d.po_number}/{d.line_no}"


def _days(n: int) -> str:
    return f"{n} day" + ("" if n == 1 else "s")


def _runs(late: list[bool], length: int) -> list[tuple[int, int]]:
    """(start, end) of each run of at least ``length`` consecutive True, end exclusive."""
    runs, start = [], None
    for i, flag in enumerate([*late, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                runs.append((start, i))
            start = None
    return runs


def delivery_delay_firings(
    deliveries: Iterable[DeliveryFact],
    settings: RuleSettings,
    *,
    policies: Mapping[str, Policy],
    history: Mapping[str, KeyState],
) -> list[Firing]:
    """The latest run (per supplier) of ``delay_consecutive`` or more deliveries in a row each
    later than the standard that has not fired yet."""
    firings = []
    standard, n = settings.delay_standard_days, settings.delay_consecutive
    for supplier, mine in sorted(_judged(deliveries).items()):
        late = [d.delay_days is not None and d.delay_days > standard for d in mine]
        runs = [r for r in _runs(late, n) if f"{Rule.DELIVERY_DELAYS}:{supplier}:"
                f"{_ref(mine[r[0]])}" not in history]  # fmt: skip
        if not runs:
            continue
        start, end = runs[-1]
        run = mine[start:end]
        before = policies.get(supplier, Policy()).allocation_weight
        after = cut_weight(before, settings.weight_cut)
        listed = ", ".join(f"{_ref(d)} {_days(d.delay_days or 0)} late" for d in run)
        firings.append(Firing(
            Rule.DELIVERY_DELAYS, f"{Rule.DELIVERY_DELAYS}:{supplier}:{_ref(run[0])}", supplier,
            None,
            why=f"{supplier}'s last {len(run)} deliveries in a row were each later than the "
            f"standard of {_days(standard)} (at least {n} in a row fire the rule): {listed}",
            action=f"allocation weight in sourcing cut from {format_decimal(before)} to "
            f"{format_decimal(after)} (x{format_decimal(settings.weight_cut)}); review task raised",
            decision=f"review {supplier}'s deliveries: restore its allocation weight (restore), "
            "keep it cut (keep), or dismiss the firing as unwarranted (dismiss: restores it)",
            figures={"standard_days": standard, "consecutive": n, "weight_before": str(before),
                     "weight_after": str(after), "weight_cut": str(settings.weight_cut),
                     "deliveries": [{"delivery": _ref(d), "delay_days": d.delay_days,
                                     "on": str(_when(d))} for d in run]},
        ))  # fmt: skip
    return firings


def cut_weight(weight: Decimal, cut: Decimal) -> Decimal:
    """``weight`` x ``cut`` to six places, never below one millionth (it stays in (0, 1])."""
    return max(WEIGHT_PLACES, (weight * cut).quantize(WEIGHT_PLACES))


def _pct(share: Decimal) -> str:
    return f"{format_decimal((share * 100).quantize(Decimal('0.1')))} %"


def on_time_firings(
    deliveries: Iterable[DeliveryFact],
    settings: RuleSettings,
    *,
    today: date,
    policies: Mapping[str, Policy],
    history: Mapping[str, KeyState],
) -> list[Firing]:
    """Suppliers, not yet monitored, whose on-time rate over the period is below the floor."""
    firings = []
    first = date.fromordinal(today.toordinal() - settings.on_time_period_days + 1)
    for supplier, mine in sorted(_judged(deliveries).items()):
        key = f"{Rule.ON_TIME_RATE}:{supplier}"
        state = history.get(key, KeyState())
        if state.open or policies.get(supplier, Policy()).monitoring:
            continue
        since = first
        if state.last_decided_at is not None:  # a decision covered the deliveries before it
            since = max(first, date.fromordinal(state.last_decided_at.date().toordinal() + 1))
        counted = [d for d in mine if since <= _when(d) <= today]
        if len(counted) < settings.on_time_min_deliveries:
            continue
        on_time = sum(1 for d in counted if (d.delay_days or 0) <= 0)
        rate = Decimal(on_time) / Decimal(len(counted))
        if rate >= settings.on_time_floor:
            continue
        checkins, spots = settings.checkin_interval_days, settings.spot_checks_per_week
        firings.append(Firing(
            Rule.ON_TIME_RATE, key, supplier, None,
            why=f"{supplier} delivered {on_time} of {len(counted)} deliveries on time from "
            f"{since} to {today}: {_pct(rate)}, below the floor of {_pct(settings.on_time_floor)}",
            action=f"closer monitoring: progress check-ins every {_days(checkins)}, {spots} QC "
            "spot checks a week (one requested now where it has open work)",
            decision=f"keep {supplier} under closer monitoring (keep) or end it (end_monitoring;"
            " dismiss: the firing was unwarranted)",
            figures={"deliveries": len(counted), "on_time": on_time, "rate": str(rate),
                     "floor": str(settings.on_time_floor), "since": str(since),
                     "until": str(today), "checkin_interval_days": checkins,
                     "spot_checks_per_week": spots},
        ))  # fmt: skip
    return firings


def certificate_firings(
    certificates: Iterable[CertificateFact],
    settings: RuleSettings,
    *,
    today: date,
    supplied: Mapping[str, frozenset[str]],
    required: Mapping[str, frozenset[str]],
    history: Mapping[str, KeyState],
) -> list[Firing]:
    """Certificates ending within the warning days, and expired ones items require.

    ``supplied``: the item SKUs each supplier supplies; ``required``: the certificates each
    item SKU requires (any market)."""
    firings = []
    for cert in sorted(certificates, key=lambda c: (c.supplier, c.name)):
        left = (cert.valid_until - today).days
        items = sorted(s for s in supplied.get(cert.supplier, ()) if cert.name in
                       required.get(s, ()))  # fmt: skip
        named = ", ".join(items)
        figures = {"certificate": cert.name, "valid_until": str(cert.valid_until),
                   "days_left": left, "warning_days": settings.certificate_warning_days,
                   "items": items}  # fmt: skip
        if 0 <= left <= settings.certificate_warning_days:
            rule = Rule.CERTIFICATE_EXPIRING
            why = (
                f"{cert.supplier}'s certificate {cert.name} is valid until {cert.valid_until}:"
                f" {_days(left)} left (alerts from {settings.certificate_warning_days} days)"
            )
            then = (f"{cert.supplier} leaves sourcing for {named}, which require it" if items
                    else "no item it supplies requires it: it stays in sourcing")  # fmt: skip
            action = f"alert raised; once it expires {then}"
            decision = (
                f"ask {cert.supplier} to renew {cert.name} and upload it before "
                f"{cert.valid_until} (keep: noted; dismiss: no action needed)"
            )
        elif left < 0 and items:
            rule = Rule.CERTIFICATE_EXPIRED
            why = (
                f"{cert.supplier}'s certificate {cert.name} expired after {cert.valid_until}"
                f" and {named} require it"
            )
            action = (
                f"{cert.supplier} is out of sourcing for {named} until a valid "
                f"{cert.name} is recorded"
            )
            decision = (
                f"get a renewed {cert.name} from {cert.supplier} or move {named} to "
                "another qualified supplier (keep: noted; dismiss: no action needed)"
            )
        else:
            continue
        key = f"{rule}:{cert.supplier}:{cert.name}:{cert.valid_until}"
        if key not in history:
            firings.append(Firing(rule, key, cert.supplier, None, why, action, decision, figures))
    return firings


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def single_source_firings(
    spend: Iterable[SpendFact],
    settings: RuleSettings,
    *,
    today: date,
    currency: str,
    alternatives: Mapping[str, Sequence[Alternative]],
    history: Mapping[str, KeyState],
) -> list[Firing]:
    """Items whose whole spend in the period went to one supplier, above the threshold."""
    by_item: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for fact in spend:
        if fact.amount > 0:
            by_item[fact.item][fact.supplier] += fact.amount
    firings = []
    limit = settings.single_source_spend_threshold
    for item, suppliers in sorted(by_item.items()):
        if len(suppliers) != 1:
            continue
        ((supplier, amount),) = suppliers.items()
        key = f"{Rule.SINGLE_SOURCE}:{item}:{supplier}:{quarter_of(today)}"
        if amount <= limit or key in history:
            continue
        found = list(alternatives.get(item, ()))
        action = ("flagged; nearest qualified alternatives: " + "; ".join(
            a.describe() for a in found) if found else
            "flagged; no qualified alternative found (none has terms or the process capability"
            " and the item's certificates)")  # fmt: skip
        firings.append(Firing(
            Rule.SINGLE_SOURCE, key, supplier, item,
            why=f"all of {item}'s spend in the last {settings.spend_period_days} days went to "
            f"{supplier}: {format_decimal(amount)} {currency}, above the single-source threshold"
            f" of {format_decimal(limit)} {currency}",
            action=action,
            decision=f"qualify a second source for {item} (keep: the flag stands) or accept "
            f"{supplier} as its only source this quarter (dismiss)",
            figures={"spend": str(amount), "currency": currency, "threshold": str(limit),
                     "period_days": settings.spend_period_days,
                     "alternatives": [a.as_json() for a in found]},
        ))  # fmt: skip
    return firings


def policy_after_firing(policy: Policy, firing: Firing, settings: RuleSettings,
                        now: datetime) -> Policy:  # fmt: skip
    """The supplier's policy once ``firing``'s action is applied."""
    if firing.rule is Rule.DELIVERY_DELAYS:
        weight = Decimal(firing.figures["weight_after"])
        return replace(policy, allocation_weight=weight, reason=firing.why)
    if firing.rule is Rule.ON_TIME_RATE:
        return replace(policy, monitoring=True, monitoring_since=now, reason=firing.why,
                       checkin_interval_days=settings.checkin_interval_days,
                       spot_checks_per_week=settings.spot_checks_per_week)  # fmt: skip
    return policy


def checkin_firings(
    jobs: Iterable[JobReport],
    *,
    now: datetime,
    policies: Mapping[str, Policy],
    history: Mapping[str, KeyState],
) -> list[Firing]:
    """Open jobs of monitored suppliers without a report for longer than the check-in interval
    (once per silence: a new report starts a new one)."""
    firings = []
    for job in sorted(jobs, key=lambda j: (j.supplier, j.job_id)):
        policy = policies.get(job.supplier, Policy())
        every = policy.checkin_interval_days
        if not policy.monitoring or every is None:
            continue
        silent = now - job.last_report
        key = f"{Rule.CHECKIN_OVERDUE}:{job.supplier}:{job.job_id}:{job.last_report.isoformat()}"
        if silent <= timedelta(days=every) or key in history:
            continue
        hours = int(silent.total_seconds() // 3600)
        firings.append(Firing(
            Rule.CHECKIN_OVERDUE, key, job.supplier, None,
            why=f"{job.supplier} is under closer monitoring (progress every {_days(every)}) and "
            f"job {job.job_id} has no report since {job.last_report:%Y-%m-%d %H:%M} UTC "
            f"({hours} hours)",
            action=f"check-in task raised: {job.supplier} is to post progress on job "
            f"{job.job_id} (portal or flexchain jobs progress)",
            decision=f"chase {job.supplier} for job {job.job_id}'s progress (keep) or dismiss",
            figures={"job_id": job.job_id, "last_report": job.last_report.isoformat(),
                     "hours_silent": hours, "checkin_interval_days": every},
        ))  # fmt: skip
    return firings
