"""The weekly report on paper and by e-mail: its PDF and text (one layout, so both say the same),
who asked for it, and sending it to them once per week.

A brand user (any role but supplier) subscribes or unsubscribes (``flexchain report
subscribe``, ``POST /reports/weekly/subscription``, the report page). :func:`send_weekly_reports`
e-mails the report of a week to every active subscriber through the SMTP server of
``FLEXCHAIN_SMTP_*`` (the text in the body, the PDF attached), each in its own transaction:
the send is written (unique per week and user) before the mail is handed over and committed
after, so running it again the same week sends nothing twice, a refused address does not stop
the others, and a failed one is tried again by the next run.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email.utils import parseaddr
from typing import Literal

from flexchain.adapters import report_pdf
from flexchain.adapters.db.identity import IdentityStore
from flexchain.adapters.db.report_subscriptions import SqlReportStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.mail import Attachment, MailError, compose, deliver
from flexchain.config import Settings
from flexchain.domain.errors import DomainError, NotFound, format_decimal
from flexchain.domain.identity import normal_email
from flexchain.domain.values import utc
from flexchain.services import audit
from flexchain.services.documents import smtp_settings
from flexchain.services.weekly_report import (
    KpiLine,
    ReportEvent,
    WeeklyReport,
    counted,
    last_week_end,
    weekly_report,
)

__all__ = [
    "MAX_EVENTS",
    "Delivery",
    "SendRun",
    "Subscription",
    "change_figure",
    "due_week",
    "figure",
    "layout_of",
    "list_subscribers",
    "report_filename",
    "report_pdf_bytes",
    "report_text",
    "send_weekly_reports",
    "set_subscription",
    "signed_figure",
    "subscription",
    "target_figure",
]

MAX_EVENTS = 8
"""Events listed per section on paper (the rest are counted): the report stays one page."""
ENTITY = "report_subscription"
TENTH = Decimal("0.1")


def figure(value: Decimal | None, unit: str = "") -> str:
    """A KPI as shown: one decimal at most (``85.3 %``, ``12 days``); ``-`` when unknown."""
    if value is None:
        return "-"
    text = format_decimal(value.quantize(TENTH, rounding=ROUND_HALF_UP))
    if not unit:
        return text
    return f"{text} %" if unit == "%" else f"{text} {unit}"


def signed_figure(value: Decimal | None, unit: str = "") -> str:
    """A change as shown: ``+1.5 %``, ``-2 days``, ``0 %``; ``-`` when unknown."""
    if value is None:
        return "-"
    shown = figure(value, unit)
    return f"+{shown}" if value.quantize(TENTH, rounding=ROUND_HALF_UP) > 0 else shown


POINTS = frozenset({"%", "/100"})
"""Units whose change is a difference of points: 86.7 % after 100 % is 13.3 points down (a
relative change of -13.3 % would be another figure)."""
SIGNS = {"at least": "at least", "at most": "at most", "within": "within ±"}
"""A target's direction in words, as the Overview writes it (``within ± 10 %``)."""


def change_figure(value: Decimal | None, unit: str = "") -> str:
    """A KPI's change from last week: ``+1.5 points`` for a KPI in percent or out of 100 (a
    difference of percentage points), else in its unit (``-2 days``); ``-`` when unknown."""
    if unit not in POINTS:
        return signed_figure(value, unit)
    if value is None:
        return "-"
    shown = signed_figure(value)
    return f"{shown} {'point' if shown in ('+1', '-1') else 'points'}"


def target_figure(k: KpiLine, none: str = "-") -> str:
    """A KPI's target as the Overview words it: ``at least 90 %``, ``within ± 10 %``,
    ``at most 14 days``; ``none`` without a target."""
    if k.target is None:
        return none
    return f"{SIGNS.get(k.direction, k.direction)} {figure(k.target, k.unit)}"


def _kpi_row(k: KpiLine) -> tuple[str, ...]:
    if k.value is None:
        status = "no data"
    else:
        status = {True: "meets target", False: "misses target", None: "no target"}[k.on_target]
    return (
        k.name, figure(k.value, k.unit), figure(k.last_week, k.unit),
        change_figure(k.change, k.unit), target_figure(k), status,
    )  # fmt: skip


def _event_section(
    heading: str, events: tuple[ReportEvent, ...], counts: dict[str, int], empty: str
) -> report_pdf.Section:
    rows = tuple(
        (e.at.strftime("%a %H:%M"), e.actor, textwrap.shorten(e.what, 160, placeholder=" …"))
        for e in events[:MAX_EVENTS]
    )
    total = counted(counts)
    more = len(events) - MAX_EVENTS
    note = f"In all: {total}." if total else ""
    if more > 0:
        note += f" {more} more not listed: see the report page."
    return report_pdf.Section(
        heading, ("When (UTC)", "Who", "What"), rows, empty=empty, widths=(1.0, 2.3, 5.7),
        note=note.strip(),
    )  # fmt: skip


def layout_of(report: WeeklyReport) -> report_pdf.ReportLayout:
    """The page the PDF and the e-mail show: KPIs, what fired, what was decided."""
    kpis = report_pdf.Section(
        "KPIs against last week and target",
        ("KPI", "This week", "Last week", "Change", "Target", "Status"),
        tuple(_kpi_row(k) for k in report.kpis),
        empty=report.kpi_note or "No KPIs.",
        widths=(3.0, 1.1, 1.1, 1.3, 1.5, 1.3),
        right=frozenset({1, 2, 3, 4}),
    )
    fired = _event_section(
        "What fired", report.fired, report.fired_counts,
        "Nothing fired this week: no supplier rule, renegotiation, plan exception or held "
        "invoice.",
    )  # fmt: skip
    decided = _event_section(
        "What was decided", report.decided, report.decided_counts,
        "Nothing was decided this week: see the Today page for what waits.",
    )  # fmt: skip
    generated = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return report_pdf.ReportLayout(
        title=f"Weekly report: {report.brand}",
        subtitle=f"The week {report.week_start.isoformat()} to {report.week_end.isoformat()} "
        f"(Monday to Sunday, UTC); made {generated} by flexchain.",
        sections=(kpis, fired, decided),
        author=report.brand,
    )


def report_pdf_bytes(report: WeeklyReport, *, font: str = "") -> bytes:
    return report_pdf.render_pdf(layout_of(report), font_path=font or None)


def report_text(report: WeeklyReport) -> str:
    return report_pdf.render_text(layout_of(report))


def report_filename(report: WeeklyReport) -> str:
    return f"weekly-report-{report.week_end.isoformat()}.pdf"


# --- subscriptions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    email: str
    subscribed: bool
    since: datetime | None
    """When it was last changed (None: never asked)."""


def _brand_user(uow: UnitOfWork, email: str) -> tuple[int, str]:
    user = IdentityStore(uow).user(normal_email(email))
    if user is None:
        raise NotFound(f"no user {email.strip()!r}")
    if user.role == "supplier":
        raise DomainError(
            f"{user.email} is a supplier's user: the weekly report is the brand's own"
        )
    return user.id, user.email


def subscription(uow: UnitOfWork, email: str) -> Subscription:
    """Whether ``email`` gets the weekly report."""
    user_id, address = _brand_user(uow, email)
    row = SqlReportStore(uow).subscription(user_id)
    if row is None:
        return Subscription(address, False, None)
    return Subscription(address, row.active, row.updated_at)


def set_subscription(
    uow: UnitOfWork, email: str, *, subscribed: bool, now: datetime
) -> Subscription:
    """Subscribe ``email`` (a brand user) to the weekly report, or unsubscribe; audited."""
    now = utc(now, "now")
    before = subscription(uow, email)
    user_id, address = _brand_user(uow, email)
    SqlReportStore(uow).set_subscription(user_id, subscribed, now)
    if before.subscribed != subscribed:
        audit.record_change(
            uow, "subscribed" if subscribed else "unsubscribed", ENTITY, address,
            before={"subscribed": before.subscribed}, after={"subscribed": subscribed}, at=now,
        )  # fmt: skip
    return subscription(uow, address)


def list_subscribers(uow: UnitOfWork) -> list[Subscription]:
    """Active users who get the report, by e-mail."""
    return [Subscription(s.email, True, s.since) for s in SqlReportStore(uow).subscribers()]


# --- sending -------------------------------------------------------------------------------

Outcome = Literal["sent", "already sent", "failed"]


@dataclass(frozen=True)
class Delivery:
    to: str
    outcome: Outcome
    message_id: str = ""
    error: str = ""


@dataclass(frozen=True)
class SendRun:
    week_end: date
    deliveries: tuple[Delivery, ...]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for d in self.deliveries if d.outcome == outcome)


def _sender(settings: Settings) -> str:
    sender = settings.mail_from.strip()
    address = parseaddr(sender)[1]
    if not sender or "@" not in address or "\n" in sender:
        raise MailError(
            "mail has no sender: set FLEXCHAIN_MAIL_FROM (e.g. buying@brand.example), the "
            "address the weekly report comes from"
        )
    return sender


def _deliver_one(
    uow: UnitOfWork, report: WeeklyReport, pdf: bytes, to: str, user_id: int,
    settings: Settings, now: datetime,
) -> Delivery:  # fmt: skip
    store = SqlReportStore(uow)
    if not store.claim_send(report.week_end, user_id, to, now):
        return Delivery(to, "already sent")
    message = compose(
        sender=_sender(settings), to=to, subject=f"{report.title} (weekly report)",
        text=report_text(report), attachments=[Attachment(report_filename(report), pdf)],
    )  # fmt: skip
    deliver(smtp_settings(settings), message)
    message_id = str(message["Message-ID"])
    store.sent(report.week_end, user_id, message_id)
    audit.record(uow, "mailed", "weekly_report", report.week_end.isoformat(), {
        "to": to, "message_id": message_id, "at": now.isoformat()})  # fmt: skip
    return Delivery(to, "sent", message_id)


def send_weekly_reports(
    new_uow: Callable[..., UnitOfWork], *, week_end: date, settings: Settings, now: datetime
) -> SendRun:
    """E-mail the report of the week ending ``week_end`` to each subscriber not yet sent it
    that week (module docstring). ``new_uow(write=...)`` opens a unit of work: one to read the
    report, then a writing one per recipient.
    Raises :class:`MailError` up front when mail is off or has no sender."""
    now = utc(now, "now")
    smtp_settings(settings)
    _sender(settings)
    with new_uow(write=False) as uow:
        report = weekly_report(uow, week_end=week_end, settings=settings, now=now)
        users = {s.email: s.user_id for s in SqlReportStore(uow).subscribers()}
    pdf = report_pdf_bytes(report, font=settings.document_font)
    done = []
    for to, user_id in users.items():
        with new_uow() as uow:
            try:
                delivery = _deliver_one(uow, report, pdf, to, user_id, settings, now)
            except MailError as error:
                done.append(Delivery(to, "failed", error=str(error)))
                continue  # not committed: the claim is undone, the next run tries again
            uow.commit()
        done.append(delivery)
    return SendRun(report.week_end, tuple(done))


def due_week(now: datetime, *, weekday: int, hour: int) -> date | None:
    """The week whose report is due at ``now`` when it is sent ``weekday`` days after the week
    ends (1: the Monday after .. 7: the Sunday after) from ``hour`` UTC: the last complete
    week once that moment has come, else None (``flexchain serve``'s sender asks each round)."""
    now = utc(now, "now")
    week_end = last_week_end(now.date())
    due = datetime.combine(week_end + timedelta(days=weekday), time(hour), tzinfo=UTC)
    return week_end if now >= due else None
