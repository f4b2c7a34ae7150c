"""The weekly report: one page on the week that ended (docs/control-tower.md, "Weekly report").

A week runs Monday to Sunday (UTC): the week ending on the Sunday ``week_end``, from
``week_end - 6`` at 00:00 to ``week_end + 1`` at 00:00. Asked for any other day, the report is of
the week that contains it (:func:`week_of`); a week is reported once it has ended. The report
holds

- **KPIs** against last week and their target, from :mod:`flexchain.services.kpis` (the same
  figures as ``GET /kpis`` and the Overview page);
- **what fired**: what flexchain raised for a person that week — supplier rules that fired,
  price-index renegotiations raised, planning runs that ended with exceptions, invoices held in
  matching;
- **what was decided**: what people decided — firings restored, kept or dismissed, RFQs
  awarded, invoices approved or rejected, renegotiations accepted or dismissed, planned
  purchases released to purchase orders, production jobs released, supplier suggestions
  accepted or rejected.

Both lists are read from the audit trail (every state change is audited, with who and when), so
the report says exactly what was recorded and nothing is computed twice. Sending it by e-mail
lives in :mod:`flexchain.services.report_mail`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.audit import AuditRecord
from flexchain.adapters.db.report_subscriptions import SqlReportStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.checks import day
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import utc
from flexchain.services import kpis as kpi_service

__all__ = [
    "DECIDED",
    "FIRED",
    "KpiLine",
    "ReportEvent",
    "WeeklyReport",
    "last_week_end",
    "week_bounds",
    "week_of",
    "weekly_report",
]

Details = Mapping[str, Any]
Describe = Callable[[str, Details], str | None]
"""An audit entry's key and details -> one sentence (None: the entry does not count)."""


def _after(details: Details) -> Details:
    after = details.get("after")
    return after if isinstance(after, Mapping) else {}


def _firing(key: str, details: Details) -> str:
    after = _after(details)
    return f"supplier rule {after.get('rule', '?')} fired on {after.get('key', key)}: " + str(
        after.get("action", "")
    )


def _renegotiation(key: str, details: Details) -> str:
    after = _after(details)
    return (
        f"renegotiation {key} raised on {details.get('clause', '?')}: the index moved "
        f"{after.get('move_pct', '?')} %, cost impact {after.get('cost_impact', '?')}"
    )


def _plan_exceptions(key: str, details: Details) -> str | None:
    after = _after(details)
    exceptions = after.get("exceptions") or 0
    if not exceptions:
        return None
    return (
        f"planning run {key} ended with {exceptions} exception(s) and "
        f"{after.get('orders', 0)} planned order(s)"
    )


def _invoice_held(key: str, details: Details) -> str | None:
    if _after(details).get("status") != "held":
        return None
    reasons = details.get("reasons") or []
    why = "; ".join(str(r) for r in reasons) if isinstance(reasons, list) else str(reasons)
    return f"invoice {key} (PO {details.get('po', '?')}) held in matching" + (
        f": {why}" if why else ""
    )


def _decided_firing(action: str) -> Describe:
    def describe(key: str, details: Details) -> str:
        note = str(_after(details).get("note") or "")
        rule = details.get("rule", "?")
        return f"firing {key} ({rule}) decided: {action}" + (f" — {note}" if note else "")

    return describe


def _simple(template: str, *context: str) -> Describe:
    def describe(key: str, details: Details) -> str:
        values = {name: details.get(name) or "?" for name in context}
        return template.format(key=key, **values)

    return describe


def _awarded(key: str, details: Details) -> str:
    awarded = details.get("awarded") or {}
    to = sorted(set(awarded.values())) if isinstance(awarded, Mapping) else []
    return f"RFQ {key} awarded" + (f" to {', '.join(to)}" if to else "")


def _renegotiation_decided(action: str) -> Describe:
    def describe(key: str, details: Details) -> str:
        reason = str(_after(details).get("reason") or "")
        return f"renegotiation {key} ({details.get('contract', '?')}) {action}" + (
            f": {reason}" if reason else ""
        )

    return describe


def _released_po(key: str, details: Details) -> str | None:
    if details.get("source") != "sourcing":
        return None
    return f"planned purchase released as purchase order {key}"


FIRED: Mapping[tuple[str, str], tuple[str, Describe]] = {
    ("rule_firing", "fired"): ("supplier rule", _firing),
    ("renegotiation", "raised"): ("renegotiation", _renegotiation),
    ("plan_run", "completed"): ("plan exceptions", _plan_exceptions),
    ("invoice", "registered"): ("invoice held", _invoice_held),
}
"""(audit entity, action) -> the kind of event and its sentence: what fired."""

DECIDED: Mapping[tuple[str, str], tuple[str, Describe]] = {
    **{
        ("rule_firing", action): ("supplier rule", _decided_firing(action.replace("_", " ")))
        for action in ("restore", "keep", "end_monitoring", "dismiss")
    },
    ("rfq", "awarded"): ("RFQ awarded", _awarded),
    ("invoice", "approved"): ("invoice", _simple("invoice {key} approved")),
    ("invoice", "rejected"): ("invoice", _simple("invoice {key} rejected")),
    ("renegotiation", "accepted"): ("renegotiation", _renegotiation_decided("accepted")),
    ("renegotiation", "dismissed"): ("renegotiation", _renegotiation_decided("dismissed")),
    ("purchase_order", "created"): ("planned order released", _released_po),
    ("job", "released"): ("job released", _simple("production job {key} released")),
    ("suggestion", "accepted"): ("suggestion", _simple("supplier suggestion {key} accepted")),
    ("suggestion", "rejected"): ("suggestion", _simple("supplier suggestion {key} rejected")),
}
"""(audit entity, action) -> the kind of decision and its sentence: what was decided."""


PLURALS = {
    "supplier rule": "supplier rules",
    "renegotiation": "renegotiations",
    "plan exceptions": "plan exceptions",
    "invoice held": "invoices held",
    "RFQ awarded": "RFQs awarded",
    "invoice": "invoices",
    "planned order released": "planned orders released",
    "job released": "jobs released",
    "suggestion": "suggestions",
}
"""Each kind of event (:data:`FIRED`, :data:`DECIDED`) counted more than once."""


def counted(counts: Mapping[str, int]) -> str:
    """``{"invoice": 3, "job released": 61}`` in words: ``3 invoices, 61 jobs released``."""
    return ", ".join(
        f"{n} {kind if n == 1 else PLURALS.get(kind, kind)}" for kind, n in counts.items()
    )


@dataclass(frozen=True)
class ReportEvent:
    """One thing that fired or was decided: when, by whom, what kind, and what (a sentence)."""

    at: datetime
    actor: str
    kind: str
    entity: str
    key: str
    what: str


@dataclass(frozen=True)
class KpiLine:
    """One KPI of the week: its value, last week's, the change and the target."""

    key: str
    name: str
    unit: str
    value: Decimal | None
    last_week: Decimal | None
    change: Decimal | None
    """``value - last_week`` (None when either is unknown)."""
    target: Decimal | None
    on_target: bool | None
    """Whether the value meets the target (None: no value or no target)."""
    how: str
    """How it is computed (the formula the Overview shows)."""
    note: str = ""
    """Why there is no value, or what it leaves out."""
    direction: str = "at least"
    """Which way the target points: ``at least``, ``at most``, ``within`` (plus or minus)."""


@dataclass(frozen=True)
class WeeklyReport:
    """The week's report: the same object behind the page, the PDF, the e-mail and the JSON."""

    brand: str
    week_start: date
    week_end: date
    generated_at: datetime
    kpis: tuple[KpiLine, ...]
    kpi_note: str
    """Why there are no KPIs, when there are none (empty otherwise)."""
    fired: tuple[ReportEvent, ...]
    decided: tuple[ReportEvent, ...]

    @property
    def fired_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(e.kind for e in self.fired).items()))

    @property
    def decided_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(e.kind for e in self.decided).items()))

    @property
    def fired_total(self) -> str:
        """The fired events counted by kind, in words: ``3 supplier rules, 1 invoice held``."""
        return counted(self.fired_counts)

    @property
    def decided_total(self) -> str:
        """The decisions counted by kind, in words: ``2 invoices, 61 jobs released``."""
        return counted(self.decided_counts)

    @property
    def title(self) -> str:
        return f"{self.brand}: week {self.week_start.isoformat()} to {self.week_end.isoformat()}"

    def as_dict(self) -> dict[str, Any]:
        """The report as ``GET /reports/weekly`` and ``report show --json`` give it."""
        return {
            **asdict(self),
            "fired_counts": self.fired_counts,
            "decided_counts": self.decided_counts,
        }


EARLIEST = date(1970, 1, 4)
"""The first week end a report is made for (a Sunday)."""


def last_week_end(today: date) -> date:
    """The Sunday that ended the last complete week before ``today`` (a Monday: yesterday; a
    Sunday: a week ago, its own week not being over)."""
    return today - timedelta(days=today.isoweekday())


def week_of(any_day: date) -> date:
    """The Sunday ending the Monday-to-Sunday week that contains ``any_day`` (a Sunday: itself).

    >>> week_of(date(2026, 12, 3))  # a Thursday
    datetime.date(2026, 12, 6)
    """
    try:
        return any_day + timedelta(days=7 - any_day.isoweekday())
    except OverflowError:
        raise ValidationError("week_end", f"{any_day} is too far ahead: no such week") from None


def week_bounds(week_end: date) -> tuple[datetime, datetime]:
    """The Monday-to-Sunday week containing ``week_end`` (normally its Sunday):
    ``[Monday 00:00, the next Monday 00:00)`` in UTC."""
    start = datetime.combine(week_of(week_end) - timedelta(days=6), time(), tzinfo=UTC)
    return start, start + timedelta(days=7)


def _shown(value: date) -> str:
    """``Thu 3 Dec 2026``, as the pages write a day."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def _events(
    records: list[AuditRecord], catalog: Mapping[tuple[str, str], tuple[str, Describe]]
) -> tuple[ReportEvent, ...]:
    events = []
    for record in records:
        found = catalog.get((record.entity, record.action))
        if found is None:
            continue
        kind, describe = found
        what = describe(record.key, record.details or {})
        if what is not None:
            events.append(
                ReportEvent(record.at, record.actor, kind, record.entity, record.key, what)
            )
    return tuple(events)


def _kpis(uow: UnitOfWork, week_end: date, settings: Settings) -> tuple[tuple[KpiLine, ...], str]:
    """Each KPI over the week and over the week before: two one-week windows of
    :func:`flexchain.services.kpis.kpis` (the Overview's figures, measured the same way; the
    stock ledger read once for both, :func:`~flexchain.services.kpis.week_kpis`)."""
    this_week, before = kpi_service.week_kpis(
        uow, week_ends=[week_end, week_end - timedelta(days=7)], settings=settings
    )
    last = {k.key: k.value for k in before}
    lines = []
    for k in this_week:
        previous = last.get(k.key)
        change = None if k.value is None or previous is None else k.value - previous
        lines.append(
            KpiLine(
                key=k.key, name=k.label, unit=k.unit, value=k.value, last_week=previous,
                change=change, target=k.target, on_target=k.meets, how=k.formula, note=k.note,
                direction=k.direction,
            )
        )  # fmt: skip
    note = "" if lines else "no KPIs are defined"
    return tuple(lines), note


def weekly_report(
    uow: UnitOfWork, *, week_end: date, settings: Settings, now: datetime
) -> WeeklyReport:
    """The report on the Monday-to-Sunday week that contains ``week_end`` (its Sunday, or any
    other day of it), as of ``now``.

    Raises
    ------
    ValidationError
        The week has not ended at ``now`` (its Sunday is today or later), or is before 1970.
    """
    now = utc(now, "now")
    asked = day(week_end, "week_end")
    week_end = week_of(asked)
    start, end = week_bounds(week_end)
    if now < end:
        raise ValidationError(
            "week_end",
            f"the week of {_shown(asked)} ends {_shown(week_end)}: it has not ended yet",
        )
    if week_end < EARLIEST:
        raise ValidationError("week_end", f"{asked} is before {EARLIEST}: no such week here")
    store = SqlReportStore(uow)
    entities = {entity for entity, _ in (*FIRED, *DECIDED)}
    records = store.audit_entries(start, end, entities)
    kpis, note = _kpis(uow, week_end, settings)
    return WeeklyReport(
        brand=settings.brand_name,
        week_start=start.date(),
        week_end=week_end,
        generated_at=now,
        kpis=kpis,
        kpi_note=note,
        fired=_events(records, FIRED),
        decided=_events(records, DECIDED),
    )
