"""Supplier scorecard figures against hand-computed event sequences (domain/scorecards.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import ValidationError
from flexchain.domain.scorecard_events import delivery_of, rfq_overdue
from flexchain.domain.scorecards import (
    DEFAULT_WEIGHTS,
    FIGURES,
    ChangeRequest,
    Delivery,
    Figure,
    FirstPiece,
    Health,
    Inspection,
    JobLog,
    PricePoint,
    RfqInvitation,
    Sample,
    Suggestion,
    SupplierEvents,
    agility,
    cost_trend,
    cycle_time,
    falling,
    first_pass_yield,
    health,
    information_sharing,
    innovation,
    job_on_time,
    new_product,
    otif,
    parse_period,
    period_history,
    rfq_response,
    sample_lead_time,
    score_supplier,
    total_of,
    volume_changes,
    weights_of,
)

NOV = parse_period("2026-11")
TODAY = date(2026, 11, 30)


def at(day: int, hour: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def line(
    no: int, promised: int, receipts: list[tuple[int, int]], *, closed: bool = False,
    ordered: int = 100, issued: date | None = date(2026, 10, 20), today: date = TODAY,
) -> Delivery:  # fmt: skip
    return delivery_of(
        supplier="MILL",
        po_number="PO-1",
        line_no=no,
        item="CANVAS",
        promised=date(2026, 11, promised),
        ordered=Decimal(ordered),
        receipts=[(date(2026, 11, d), Decimal(q)) for d, q in receipts],
        closed=closed,
        today=today,
        under_pct=Decimal(5),
        issued_on=issued,
    )


# --- periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2026-q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ],
    ids=["month", "february", "lower-case-quarter", "quarter"],
)
def test_a_period_is_a_month_or_a_quarter(label: str, start: date, end: date) -> None:
    period = parse_period(label)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("label", ["2026-13", "2026-Q5", "2026/11", "", "11-2026"])
def test_a_period_that_is_neither_is_refused_with_an_example(label: str) -> None:
    with pytest.raises(ValidationError, match="2026-Q4"):
        parse_period(label)


@pytest.mark.parametrize("label", ["9999-Q4", "0001-01", "1900-12"])
def test_a_period_of_a_year_out_of_range_names_the_year(label: str) -> None:
    with pytest.raises(
        ValidationError, match=f"the year must be 1901 to 9998, not {int(label[:4])}"
    ):
        parse_period(label)


def test_history_runs_back_across_the_year_oldest_first() -> None:
    months = [p.label for p in period_history(parse_period("2026-02"), 4)]
    quarters = [p.label for p in period_history(parse_period("2026-Q1"), 2)]
    assert months == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert quarters == ["2025-Q4", "2026-Q1"]


# --- deliveries and OTIF ---------------------------------------------------------------------


def test_a_line_completes_on_the_receipt_that_brings_it_within_the_under_tolerance() -> None:
    # given 100 ordered, 5 % under-delivery tolerance: 60 on the 9th, 35 on the 12th (95 in all)
    delivery = line(1, 10, [(9, 60), (12, 35)], closed=True)
    # then it is complete on the 12th, 2 days late, first piece on the 9th
    assert (delivery.completed_on, delivery.delay_days) == (date(2026, 11, 12), 2)
    assert delivery.first_received_on == date(2026, 11, 9)
    assert not delivery.on_time_in_full and not delivery.closed_short


def test_an_open_line_is_late_by_today_once_past_its_promise_and_not_counted_before() -> None:
    assert line(1, 20, [(19, 50)]).delay_days == 10  # today is the 30th
    assert line(2, 30, []).delay_days is None  # due today: not late yet
    assert line(2, 30, []).day is None


def test_a_line_closed_short_counts_on_its_last_receipt_and_fails_in_full() -> None:
    delivery = line(1, 10, [(8, 50)], closed=True)
    assert delivery.closed_short and delivery.day == date(2026, 11, 8)
    assert delivery.delay_days == -2 and not delivery.on_time_in_full


def test_otif_counts_completed_late_open_and_short_lines_of_the_period() -> None:
    deliveries = [
        line(1, 10, [(10, 100)]),  # on time, in full
        line(2, 10, [(9, 96)]),  # 96 of 100 is within 5 %: in full, early
        line(3, 10, [(12, 100)]),  # late
        line(4, 15, [(14, 50)], closed=True),  # short
        line(5, 20, []),  # open, past due by the 30th
        line(6, 20, [(3, 100)], ordered=100),  # completed on the 3rd (counts in November)
        line(7, 30, []),  # due today: not yet counted
        Delivery("MILL", "PO-2", 1, "X", date(2026, 10, 5), Decimal(1), Decimal(1),
                 date(2026, 10, 5), date(2026, 10, 5), 0),  # completed in October
    ]  # fmt: skip
    figure = otif(deliveries, NOV, Decimal("0.85"))
    # 3 of 6 on time in full (lines 1, 2, 6)
    assert figure.events == 6
    assert figure.value == Decimal("50.00") and figure.score == Decimal("50.00")
    assert figure.detail == "3 of 6 lines on time in full" and figure.target == ">= 85.00 %"


def test_no_delivery_is_no_data_not_zero() -> None:
    figure = otif([], NOV, Decimal("0.85"))
    assert (figure.value, figure.score, figure.events, figure.detail) == (None, None, 0, "no data")


# --- first-pass yield ------------------------------------------------------------------------


def test_first_pass_yield_counts_only_the_first_inspection_of_each_receipt_line() -> None:
    inspections = [
        Inspection(1, at(3), Decimal(38), Decimal(2)),
        Inspection(1, at(5), Decimal(0), Decimal(0)),  # a second look at line 1: ignored
        Inspection(2, at(10), Decimal(45), Decimal(15)),
        Inspection(3, at(2, month=10), Decimal(10), Decimal(0)),  # October
        Inspection(3, at(4), Decimal(0), Decimal(5)),  # line 3's first was in October
    ]
    figure = first_pass_yield(inspections, NOV)
    # (38 + 45) / (40 + 60) = 83 %
    assert (figure.value, figure.score, figure.events) == (Decimal("83.00"), Decimal("83.00"), 2)


# --- agility, samples, RFQs, cycle time ------------------------------------------------------


def test_falling_score_is_100_to_the_target_and_0_from_the_limit() -> None:
    assert falling(Decimal(72), Decimal(72), Decimal(216)) == 100
    assert falling(Decimal(144), Decimal(72), Decimal(216)) == 50
    assert falling(Decimal(300), Decimal(72), Decimal(216)) == 0


def test_agility_is_hours_from_request_to_first_piece_scored_against_72_hours() -> None:
    pieces = [
        FirstPiece("PO-1", at(1, 8), at(3, 8)),  # 48 h: 100
        FirstPiece("job 7", at(2, 0), at(6, 12)),  # 108 h: 75
        FirstPiece("PO-2", at(20, 0), None),  # nothing yet: not counted
        FirstPiece("PO-3", at(28, 0, month=10), at(1, 0, month=12)),  # December
    ]
    figure = agility(pieces, NOV, Decimal(72))
    assert figure.events == 2
    assert figure.value == Decimal("78.00")  # (48 + 108) / 2
    assert figure.score == Decimal("87.50")  # (100 + 75) / 2
    assert figure.target == "<= 72 h"


def test_sample_lead_time_is_days_from_request_to_delivery() -> None:
    samples = [
        Sample("SMP-1", at(1), at(3), None, None),  # 2 days: 100
        Sample("SMP-2", at(1), at(5), None, None),  # 4 days: 50
        Sample("SMP-3", at(1), None, None, None),
    ]
    figure = sample_lead_time(samples, NOV, Decimal(2))
    assert (figure.value, figure.score, figure.events) == (Decimal("3.00"), Decimal("75.00"), 2)


def test_rfq_response_counts_unanswered_closed_invitations_as_zero() -> None:
    rfqs = [
        RfqInvitation("RFQ-1", at(2, 9), at(3, 9), overdue=False),  # 24 h: 100
        RfqInvitation("RFQ-2", at(4, 0), at(7, 0), overdue=False),  # 72 h: 100 - 24/96*100 = 75
        RfqInvitation("RFQ-3", at(10, 0), None, overdue=True),  # never answered: 0
        RfqInvitation("RFQ-4", at(29, 0), None, overdue=False),  # still awaited: left out
    ]
    figure = rfq_response(rfqs, NOV, Decimal(48))
    assert figure.value == Decimal("48.00")  # mean of the answered (24, 72)
    assert figure.score == Decimal("58.33")  # (100 + 75 + 0) / 3
    assert figure.events == 3 and figure.detail == "2 measured, 1 unanswered"


def test_rfqs_all_left_unanswered_score_0_without_a_value() -> None:
    rfqs = [RfqInvitation("RFQ-1", at(2, 9), None, overdue=True)]
    figure = rfq_response(rfqs, NOV, Decimal(48))
    assert (figure.value, figure.score, figure.events) == (None, Decimal(0), 1)


def test_an_answer_is_overdue_once_awarded_past_the_reply_date_or_a_week_old() -> None:
    sent = at(1)
    assert rfq_overdue("awarded", None, sent, date(2026, 11, 2))
    assert not rfq_overdue("cancelled", date(2026, 11, 5), sent, date(2026, 11, 30))
    assert not rfq_overdue("sent", date(2026, 11, 5), sent, date(2026, 11, 5))
    assert rfq_overdue("sent", date(2026, 11, 5), sent, date(2026, 11, 6))
    assert not rfq_overdue("sent", None, sent, date(2026, 11, 8))
    assert rfq_overdue("sent", None, sent, date(2026, 11, 9))


def test_cycle_time_is_days_from_the_po_sent_to_the_line_complete() -> None:
    deliveries = [
        line(1, 10, [(10, 100)], issued=date(2026, 10, 20)),  # 21 days: 100
        line(2, 10, [(19, 100)], issued=date(2026, 10, 20)),  # 30 days: 100 - 2/56*100
        line(3, 10, [(19, 100)], issued=None),  # imported: no send date
    ]
    figure = cycle_time(deliveries, NOV, Decimal(28))
    assert figure.value == Decimal("25.50")
    assert figure.score == Decimal("98.21")  # (100 + 96.428...) / 2


# --- volume changes, information sharing -----------------------------------------------------


def test_volume_changes_score_accepted_redated_refused_and_unanswered() -> None:
    changes = [
        ChangeRequest("CHG-1", at(2), "accepted", Decimal("0.2")),
        ChangeRequest("CHG-2", at(3), "redated", Decimal("-0.1")),
        ChangeRequest("CHG-3", at(4), "refused", Decimal("0.3")),
        ChangeRequest("CHG-4", at(5), "open", Decimal("0.1")),  # 25 days unanswered: 0
        ChangeRequest("CHG-5", at(28), "open", Decimal("0.1")),  # 2 days: still pending
        ChangeRequest("CHG-6", at(6), "withdrawn", Decimal("0.1")),
    ]
    figure = volume_changes(changes, NOV, TODAY, Decimal(3))
    assert (figure.value, figure.events) == (Decimal("37.50"), 4)  # (100 + 50 + 0 + 0) / 4


def test_a_job_that_posts_every_week_and_finishes_on_plan_is_on_time() -> None:
    job = JobLog(1, at(2), at(20), date(2026, 11, 20), (at(2), at(9), at(16), at(20)))
    assert job_on_time(job, NOV, TODAY, 7) is True


def test_a_gap_over_the_interval_is_late_only_when_it_ends_in_the_period() -> None:
    job = JobLog(1, at(1, month=10), None, date(2026, 12, 20), (at(1, month=10), at(20, month=10)))
    assert job_on_time(job, NOV, TODAY, 7) is False  # 20 Oct -> today (30 Nov) with no news
    quiet_in_october = JobLog(2, at(1, month=10), at(5), date(2026, 11, 5),
                              (at(1, month=10), at(20, month=10), at(1), at(5)))  # fmt: skip
    assert job_on_time(quiet_in_october, NOV, TODAY, 7) is False  # 20 Oct -> 1 Nov ends in Nov
    assert job_on_time(quiet_in_october, parse_period("2026-12"), date(2026, 12, 31), 7) is None


def test_a_delay_posted_after_the_finish_date_it_moves_is_late() -> None:
    # planned to finish on the 10th, delayed by 5 days on the 11th: the news came late
    late = JobLog(1, at(1), at(15), date(2026, 11, 15), (at(1), at(6), at(11), at(15)),
                  ((at(11), 5),))  # fmt: skip
    early = JobLog(2, at(1), at(15), date(2026, 11, 15), (at(1), at(6), at(9), at(15)),
                   ((at(9), 5),))  # fmt: skip
    overrun = JobLog(3, at(1), at(16), date(2026, 11, 15), (at(1), at(8), at(16)))
    assert job_on_time(late, NOV, TODAY, 7) is False
    assert job_on_time(early, NOV, TODAY, 7) is True
    assert job_on_time(overrun, NOV, TODAY, 7) is False


def test_information_sharing_is_the_share_of_active_jobs_posted_on_time() -> None:
    jobs = [
        JobLog(1, at(2), at(20), date(2026, 11, 20), (at(2), at(9), at(16), at(20))),  # on time
        JobLog(2, at(2), None, date(2026, 12, 20), (at(2),)),  # silent 28 days: late
        JobLog(3, at(2, month=12), None, None, ()),  # starts in December: not counted
    ]
    figure = information_sharing(jobs, NOV, TODAY, Decimal(7))
    assert (figure.value, figure.events) == (Decimal("50.00"), 2)


# --- new-product support, innovation, cost trend, health -------------------------------------


def test_new_product_support_is_the_first_article_pass_rate() -> None:
    samples = [
        Sample("SMP-1", at(1), at(3), "pass", at(4)),
        Sample("SMP-2", at(1), at(5), "fail", at(6)),
        Sample("SMP-3", at(1), at(8), "pass", at(9)),
        Sample("SMP-4", at(20), at(29), None, None),  # delivered, not inspected
    ]
    figure = new_product(samples, NOV)
    assert (figure.value, figure.events) == (Decimal("66.67"), 3)
    assert figure.detail == "2 of 3 first articles passed; samples delivered: 4"
    waiting = new_product(samples[3:], NOV)
    assert (waiting.value, waiting.score, waiting.events) == (None, None, 0)
    assert waiting.detail == "no first article inspected; samples delivered: 1"


def test_innovation_scores_submissions_and_adoptions_and_sums_the_recorded_value() -> None:
    suggestions = [
        Suggestion("SUG-1", at(2), "accepted", at(10), Decimal("1200.00")),
        Suggestion("SUG-2", at(3), "rejected", at(11), None),
        Suggestion("SUG-3", at(5, month=10), "accepted", at(12), Decimal("300")),  # adopted in Nov
    ]
    figure = innovation(suggestions, NOV)
    # 2 submitted x 20 + 2 adopted x 40 = 120, capped at 100
    assert (figure.value, figure.score, figure.events) == (Decimal("1500.00"), Decimal(100), 4)
    one = innovation(suggestions[1:2], NOV)
    assert (one.value, one.score) == (Decimal("0.00"), Decimal("20.00"))
    assert innovation([], NOV).value is None


def test_cost_trend_is_the_price_change_beyond_the_index_times_the_material_share() -> None:
    index = ((date(2026, 10, 1), Decimal(100)), (date(2026, 11, 1), Decimal(110)))
    prices = [
        # canvas: 10.00 in October -> 10.80 in November (+8 %); index +10 % x 0.5 = +5 %: gap 3 pp
        PricePoint("CANVAS", date(2026, 10, 5), Decimal(10), "EUR", Decimal("0.5"), index),
        PricePoint("CANVAS", date(2026, 11, 5), Decimal("10.80"), "EUR", Decimal("0.5"), index),
        # thread: 2.00 -> 2.00 while the index rose 10 % x 0.6 = 6 %: gap -6 pp
        PricePoint("THREAD", date(2026, 10, 5), Decimal(2), "EUR", Decimal("0.6"), index),
        PricePoint("THREAD", date(2026, 11, 20), Decimal(2), "EUR", Decimal("0.6"), index),
        # zipper: only one price: nothing to compare
        PricePoint("ZIP", date(2026, 11, 5), Decimal(1), "EUR", Decimal("0.5"), index),
    ]
    figure = cost_trend(prices, NOV)
    assert figure.events == 2
    assert figure.value == Decimal("-1.50")  # (3 - 6) / 2
    assert figure.score == Decimal(100)
    rising = cost_trend(prices[:2], NOV)
    assert (rising.value, rising.score) == (Decimal("3.00"), Decimal("70.00"))


def test_health_reads_the_latest_import_as_of_the_period_end() -> None:
    records = [
        Health(date(2026, 6, 30), Decimal(70), Decimal(12)),
        Health(date(2026, 11, 15), Decimal(82), None),
        Health(date(2026, 12, 15), Decimal(10), Decimal(50)),  # after November
    ]
    money, staff = health(records, NOV, Decimal(10))
    assert (money.value, money.score) == (Decimal("82.00"), Decimal("82.00"))
    # 12 % against a 10 % target, 0 from 40 %: 100 x (40 - 12) / 30
    assert (staff.value, staff.score) == (Decimal("12.00"), Decimal("93.33"))


# --- the total -------------------------------------------------------------------------------


def test_the_total_renormalises_the_weights_of_the_figures_with_data() -> None:
    events = SupplierEvents(
        deliveries=(line(1, 10, [(10, 100)]), line(2, 10, [(12, 100)])),  # OTIF 50
        inspections=(Inspection(1, at(3), Decimal(90), Decimal(10)),),  # FPY 90
    )
    card = score_supplier(events, NOV, today=TODAY)
    # (25 x 50 + 20 x 90) / 45 = 67.78; cycle time has data but weight 0
    assert card.total == Decimal("67.78")
    assert "left out without data, weights renormalised" in card.explanation
    assert "agility" in card.explanation and "cycle_time" not in card.explanation.split(";")[1]
    assert [f.key for f in card.figures] == list(FIGURES)


def test_weights_can_be_overridden_and_unknown_figures_are_refused() -> None:
    events = SupplierEvents(
        deliveries=(line(1, 10, [(10, 100)]), line(2, 10, [(12, 100)])),
        inspections=(Inspection(1, at(3), Decimal(90), Decimal(10)),),
    )
    card = score_supplier(events, NOV, today=TODAY, weights={"otif": 1, "first_pass_yield": 3})
    assert card.total == Decimal("80.00")  # (50 + 3 x 90) / 4
    with pytest.raises(ValidationError, match="unknown figure 'speed'"):
        weights_of({"speed": 1})
    with pytest.raises(ValidationError, match=r"weights\.otif"):
        weights_of({"otif": -1})


def test_no_data_at_all_gives_no_total() -> None:
    card = score_supplier(SupplierEvents(), NOV, today=TODAY)
    assert card.total is None and all(f.score is None for f in card.figures)


SCORES = st.decimals(min_value=0, max_value=100, places=2)


@given(st.lists(st.tuples(st.sampled_from(list(FIGURES)), SCORES), max_size=13))
def test_the_total_lies_between_the_lowest_and_highest_weighted_score(
    scored: list[tuple[str, Decimal]],
) -> None:
    figures = [
        Figure(key, "", score, "", score, Decimal(1), 1, "", None)
        for key, score in dict(scored).items()
    ]
    total, _ = total_of(figures, DEFAULT_WEIGHTS)
    weighted = [f.score for f in figures if DEFAULT_WEIGHTS[f.key] > 0 and f.score is not None]
    if not weighted:
        assert total is None
    else:
        assert total is not None and min(weighted) - Decimal("0.01") <= total
        assert total <= max(weighted) + Decimal("0.01")
