"""The weekly report's layout (no database): KPI figures and their status in words, events
beyond a page counted, not listed; the PDF stays one page; each audited event the report knows
becomes its sentence, and one it does not know is left out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flexchain.adapters.db.audit import AuditRecord
from flexchain.services import report_mail
from flexchain.services.weekly_report import (
    DECIDED,
    FIRED,
    KpiLine,
    ReportEvent,
    WeeklyReport,
    _events,
    counted,
)

D = Decimal
AT = datetime(2026, 11, 3, 9, tzinfo=UTC)


def _kpi(key: str, value: str | None, last: str | None, target: str | None,
         meets: bool | None, unit: str = "%", direction: str = "at least") -> KpiLine:  # fmt: skip
    v, lw = (D(value) if value else None), (D(last) if last else None)
    return KpiLine(key, key.upper(), unit, v, lw, None if v is None or lw is None else v - lw,
                   D(target) if target else None, meets, "a formula",
                   direction=direction)  # fmt: skip


def _report(events: int) -> WeeklyReport:
    long = "allocation weight cut to 0.5 after three late deliveries in a row, see the scorecard"
    fired = tuple(
        ReportEvent(
            AT + timedelta(minutes=i),
            "watcher",
            "renegotiation",
            "renegotiation",
            str(i),
            f"renegotiation {i} raised: {long}",
        )
        for i in range(events)
    )
    decided = tuple(
        ReportEvent(AT, "user:anna@brand.example", "RFQ awarded", "rfq", str(i), f"RFQ {i} {long}")
        for i in range(events)
    )
    return WeeklyReport(
        brand="Atelier", week_start=date(2026, 11, 2), week_end=date(2026, 11, 8),
        generated_at=AT + timedelta(days=10),
        kpis=(
            _kpi("otif", "87.25", "90", "95", False),
            _kpi("lead", "12", "14", "14", True, unit="days", direction="at most"),
            _kpi("margin", None, "3", None, None, unit="EUR"),
            _kpi("flat", "5", "5", None, None),
            *(_kpi(f"k{i}", None, None, "50", None) for i in range(12)),
        ),
        kpi_note="", fired=fired, decided=decided,
    )  # fmt: skip


def test_kpis_show_this_week_last_week_the_change_and_the_status_in_words() -> None:
    layout = report_mail.layout_of(_report(0))
    kpis, fired, decided = layout.sections
    assert kpis.rows[:4] == (
        ("OTIF", "87.3 %", "90 %", "-2.8 points", "at least 95 %", "misses target"),
        ("LEAD", "12 days", "14 days", "-2 days", "at most 14 days", "meets target"),
        ("MARGIN", "-", "3 EUR", "-", "-", "no data"),
        ("FLAT", "5 %", "5 %", "0 points", "-", "no target"),
    )
    assert report_mail.signed_figure(D("1.04"), "%") == "+1 %"  # a relative change, if any
    assert fired.rows == () and fired.empty.startswith("Nothing fired this week")
    assert decided.empty.startswith("Nothing was decided this week")


def test_a_change_of_a_percent_kpi_is_in_points_and_targets_read_as_on_the_overview() -> None:
    # QA: "change -13.9 %" for a rate that fell from 100 % to 86.1 %; "10 %" for bias's target
    perfect = _kpi("perfect", "86.1", "100", "90", False)
    bias = _kpi("bias", "-4.2", "-3.2", "10", True, direction="within")
    health = _kpi("health", "71", "70", "70", True, unit="/100")
    rows = report_mail.layout_of(replace(_report(0), kpis=(perfect, bias, health))).sections[0]
    assert [row[3:5] for row in rows.rows] == [
        ("-13.9 points", "at least 90 %"),
        ("-1 point", "within ± 10 %"),
        ("+1 point", "at least 70 /100"),
    ]
    assert report_mail.change_figure(None, "%") == "-"
    assert report_mail.target_figure(_kpi("none", "1", "1", None, None), "none set") == "none set"


def test_a_busy_week_lists_a_page_of_events_and_counts_the_rest() -> None:
    report = _report(30)
    fired = report_mail.layout_of(report).sections[1]
    assert len(fired.rows) == report_mail.MAX_EVENTS
    assert fired.note == "In all: 30 renegotiations. 22 more not listed: see the report page."
    pdf = report_mail.report_pdf_bytes(report)
    assert b"/Count 1" in pdf  # still one page
    text = report_mail.report_text(report)
    assert "renegotiation 7 raised" in text and "renegotiation 8 raised" not in text


def _record(entity: str, action: str, key: str, details: dict[str, object]) -> AuditRecord:
    return AuditRecord(1, AT, "user:anna@brand.example", action, entity, key, details)


def test_each_audited_event_becomes_its_sentence() -> None:
    fired = _events(
        [
            _record("rule_firing", "fired", "7", {"before": {}, "after": {
                "rule": "delivery_delay", "key": "SEW-PT", "action": "weight cut to 0.5"}}),
            _record("plan_run", "completed", "3", {"after": {"exceptions": 4, "orders": 12}}),
            _record("plan_run", "completed", "4", {"after": {"exceptions": 0, "orders": 12}}),
            _record("invoice", "registered", "INV-1", {"after": {"status": "held"},
                    "po": "PO-000001", "reasons": ["price 5 % above the PO"]}),
            _record("invoice", "registered", "INV-2", {"after": {"status": "matched"}}),
            _record("user", "login", "anna@brand.example", {}),
        ],
        FIRED,
    )  # fmt: skip
    assert [e.what for e in fired] == [
        "supplier rule delivery_delay fired on SEW-PT: weight cut to 0.5",
        "planning run 3 ended with 4 exception(s) and 12 planned order(s)",
        "invoice INV-1 (PO PO-000001) held in matching: price 5 % above the PO",
    ]
    decided = _events(
        [
            _record("rule_firing", "restore", "7", {"after": {"status": "decided",
                    "note": "late by the port"}, "rule": "delivery_delay"}),
            _record("rfq", "awarded", "RFQ-000002", {"awarded": {"1": "SEW-PT", "2": "CUT-PT"}}),
            _record("invoice", "approved", "INV-1", {}),
            _record("purchase_order", "created", "PO-000009", {"source": "sourcing"}),
            _record("purchase_order", "created", "PO-000010", {"source": "manual"}),
            _record("job", "released", "12", {}),
        ],
        DECIDED,
    )  # fmt: skip
    assert [(e.kind, e.what) for e in decided] == [
        ("supplier rule", "firing 7 (delivery_delay) decided: restore — late by the port"),
        ("RFQ awarded", "RFQ RFQ-000002 awarded to CUT-PT, SEW-PT"),
        ("invoice", "invoice INV-1 approved"),
        ("planned order released", "planned purchase released as purchase order PO-000009"),
        ("job released", "production job 12 released"),
    ]


def test_events_are_counted_in_words() -> None:
    assert counted({"invoice": 3, "job released": 61}) == "3 invoices, 61 jobs released"
    assert counted({"RFQ awarded": 1, "supplier rule": 2}) == "1 RFQ awarded, 2 supplier rules"
    assert counted({}) == ""
