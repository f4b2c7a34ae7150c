"""The supplier-event rules: a suggestion is decided once; samples are delivered before they are
inspected; health figures in range; a PO change within the trade's +/-30 % band, never below
what arrived, answered once (re-dated with a date)."""

from __future__ import annotations

import doctest
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain import supplier_events
from flexchain.domain.errors import DomainError, IllegalTransition, ValidationError
from flexchain.domain.supplier_events import (
    ChangeLine,
    ChangeRequest,
    ChangeStatus,
    FirstArticle,
    Sample,
    SampleStatus,
    Suggestion,
    SuggestionStatus,
    answer_change,
    brand_only,
    cancel_sample,
    change_pct,
    check_change,
    check_health,
    check_sample_request,
    check_suggestion,
    decide_suggestion,
    deliver_sample,
    inspect_sample,
    withdraw_change,
)

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
SUGGESTION = Suggestion(
    "SUG-000001", "FAB", None, "Cut on a wider roll", "Less waste", Decimal(1200), "EUR", -3,
    "trial", SuggestionStatus.SUBMITTED, NOW, "user:s@fab", None, None, "", None,
)  # fmt: skip
SAMPLE = Sample(
    "SMP-000001", "FAB", "TEE", "a tee in organic jersey", NOW, "user:b@brand", None, None, None,
    None, SampleStatus.REQUESTED, "",
)  # fmt: skip
LINE = ChangeLine("PO-000001", "confirmed", 1, "FAB", Decimal(100), Decimal(0), date(2026, 4, 1),
                  "open")  # fmt: skip
REQUEST = ChangeRequest(
    "CHG-000001", "PO-000001", 1, "FAB", Decimal(100), Decimal(120), Decimal("0.2"), NOW,
    "user:b@brand", ChangeStatus.OPEN, None, None, None, "",
)  # fmt: skip


def test_the_docstring_examples_run() -> None:
    result = doctest.testmod(supplier_events)
    assert result.attempted > 0
    assert result.failed == 0


# -- suggestions ------------------------------------------------------------------------------


def test_a_suggestion_needs_a_title_and_a_description() -> None:
    with pytest.raises(ValidationError, match="title: required"):
        check_suggestion(" ", "x")
    with pytest.raises(ValidationError, match="description: required"):
        check_suggestion("x", "")


def test_a_suggestion_checks_its_saving_and_lead_time_change() -> None:
    fields = check_suggestion("t", "d", expected_saving="1200.50", lead_time_change_days="-3")
    assert (fields.expected_saving, fields.expected_lead_time_change_days) == (
        Decimal("1200.50"),
        -3,
    )
    with pytest.raises(ValidationError, match="expected_saving: must not be negative"):
        check_suggestion("t", "d", expected_saving="-1")
    with pytest.raises(ValidationError, match="expected_saving: 1000000000000 is too large"):
        check_suggestion("t", "d", expected_saving="1e12")
    with pytest.raises(ValidationError, match="expected_lead_time_change_days: must be at least"):
        check_suggestion("t", "d", lead_time_change_days=-366)


def test_accepting_records_the_value_given_or_the_expected_saving() -> None:
    assert decide_suggestion(SUGGESTION, "accept", recorded_value="900") == (
        SuggestionStatus.ACCEPTED, Decimal(900), "",
    )  # fmt: skip
    assert decide_suggestion(SUGGESTION, "ACCEPT")[1] == Decimal(1200)
    no_saving = replace(SUGGESTION, expected_saving=None)
    with pytest.raises(ValidationError, match=r"recorded_value: .*names no expected saving"):
        decide_suggestion(no_saving, "accept")


def test_rejecting_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="note: say why suggestion SUG-000001"):
        decide_suggestion(SUGGESTION, "reject")
    assert decide_suggestion(SUGGESTION, "reject", note="not now")[::2] == (
        SuggestionStatus.REJECTED, "not now",
    )  # fmt: skip


@pytest.mark.parametrize("status", [SuggestionStatus.ACCEPTED, SuggestionStatus.REJECTED])
def test_a_suggestion_is_decided_once(status: SuggestionStatus) -> None:
    decided = replace(SUGGESTION, status=status, decided_by="user:b@brand")
    with pytest.raises(IllegalTransition, match=f"already {status} by user:b@brand"):
        decide_suggestion(decided, "accept", recorded_value=1)


def test_an_unknown_decision_names_the_choices() -> None:
    with pytest.raises(ValidationError, match="decision: must be one of accept, reject"):
        decide_suggestion(SUGGESTION, "maybe")


def test_only_the_brand_decides() -> None:
    brand_only(None, "deciding")
    with pytest.raises(IllegalTransition, match="deciding is the brand's decision"):
        brand_only(7, "deciding")


# -- samples ----------------------------------------------------------------------------------


def test_a_sample_is_delivered_before_it_is_inspected() -> None:
    with pytest.raises(IllegalTransition, match="delivered before it is inspected"):
        inspect_sample(SAMPLE, "pass")
    delivered = replace(SAMPLE, status=deliver_sample(SAMPLE))
    assert inspect_sample(delivered, "pass") == (SampleStatus.PASSED, FirstArticle.PASS)
    assert inspect_sample(delivered, "fail") == (SampleStatus.FAILED, FirstArticle.FAIL)
    with pytest.raises(ValidationError, match="result: must be one of pass, fail"):
        inspect_sample(delivered, "ok")


def test_a_sample_is_delivered_and_inspected_once() -> None:
    passed = replace(SAMPLE, status=SampleStatus.PASSED)
    with pytest.raises(IllegalTransition, match="is passed: only a requested sample"):
        deliver_sample(passed)
    with pytest.raises(IllegalTransition, match="is passed: only a delivered sample"):
        inspect_sample(passed, "fail")


def test_only_a_sample_not_yet_delivered_can_be_cancelled() -> None:
    assert cancel_sample(SAMPLE) is SampleStatus.CANCELLED
    with pytest.raises(IllegalTransition, match="only a requested sample can be cancelled"):
        cancel_sample(replace(SAMPLE, status=SampleStatus.DELIVERED))


def test_a_sample_is_not_due_in_the_past() -> None:
    assert check_sample_request(" jersey ", date(2026, 3, 2), NOW) == (
        "jersey", date(2026, 3, 2), "",
    )  # fmt: skip
    with pytest.raises(ValidationError, match="due_by: 2026-03-01 is in the past"):
        check_sample_request("jersey", date(2026, 3, 1), NOW)


# -- health -----------------------------------------------------------------------------------


def test_health_figures_are_in_range_and_one_is_given() -> None:
    figure = check_health("FAB", date(2026, 1, 1), "72.5", None, "agency")
    assert (figure.financial_score, figure.staff_turnover_pct) == (Decimal("72.5"), None)
    with pytest.raises(ValidationError, match="financial_score: must be between 0 and 100"):
        check_health("FAB", date(2026, 1, 1), "100.1", None, "")
    with pytest.raises(ValidationError, match="staff_turnover_pct: must not be negative"):
        check_health("FAB", date(2026, 1, 1), None, "-1", "")
    with pytest.raises(ValidationError, match="give a financial_score or a staff_turnover_pct"):
        check_health("FAB", date(2026, 1, 1), "", None, "")


# -- change requests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "pct"),
    [("130", "0.3"), ("70", "-0.3"), ("101", "0.01"), ("99.5", "-0.005")],
    ids=["plus-30-exactly", "minus-30-exactly", "plus-1", "minus-half"],
)
def test_a_change_within_the_band_is_accepted_up_front(new: str, pct: str) -> None:
    assert check_change(LINE, new) == (Decimal(new), Decimal(pct))


@pytest.mark.parametrize(
    ("new", "shown"),
    [("130.001", "+30.001 %"), ("69.999", "-30.001 %"), ("200", "+100 %")],
    ids=["just-over-plus-30", "just-over-minus-30", "double"],
)
def test_a_change_beyond_the_band_is_refused_up_front(new: str, shown: str) -> None:
    expected = re.escape(f"change of {shown}: beyond the +/-30 % band")
    with pytest.raises(ValidationError, match=expected):
        check_change(LINE, new)


def test_the_band_is_configurable() -> None:
    assert check_change(LINE, "140", max_pct=Decimal(40))[1] == Decimal("0.4")
    with pytest.raises(ValidationError, match="beyond the \\+/-10 % band"):
        check_change(LINE, "111", max_pct=Decimal(10))


def test_a_change_never_goes_below_what_arrived() -> None:
    received = replace(LINE, received=Decimal(90))
    with pytest.raises(ValidationError, match="85 is less than the 90 of FAB already received"):
        check_change(received, "85")


@pytest.mark.parametrize("status", ["draft", "closed", "cancelled"])
def test_only_a_sent_or_confirmed_order_changes(status: str) -> None:
    with pytest.raises(IllegalTransition, match=f"is {status}: only a sent or confirmed"):
        check_change(replace(LINE, po_status=status), "110")


def test_a_change_needs_an_open_line_a_new_quantity_and_no_other_open_request() -> None:
    with pytest.raises(IllegalTransition, match="line 1 is received: its quantity cannot"):
        check_change(replace(LINE, status="received"), "110")
    with pytest.raises(ValidationError, match="already 100: nothing to change"):
        check_change(LINE, "100")
    with pytest.raises(ValidationError, match="new_quantity: must be greater than zero"):
        check_change(LINE, "0")
    with pytest.raises(IllegalTransition, match="already has the open change request CHG-9"):
        check_change(LINE, "110", open_request="CHG-9")


@given(
    old=st.decimals(min_value=1, max_value=10**6, places=3),
    factor=st.decimals(min_value="0.01", max_value=3, places=2),
)
def test_the_band_is_exactly_what_is_refused(old: Decimal, factor: Decimal) -> None:
    # given any line and any positive new quantity, a change is refused exactly when it is
    # beyond 30 % of the line, exactly (or when it is no change at all)
    new = (old * factor).quantize(Decimal("0.001"))
    line = replace(LINE, quantity=old)
    if new == 0 or new == old:
        return
    try:
        _, pct = check_change(line, new)
    except DomainError:
        assert abs(new - old) / old > Decimal("0.3")
    else:
        assert abs(new - old) / old <= Decimal("0.3")
        assert pct == change_pct(old, new)


def test_answers_accept_redate_or_refuse_an_open_request() -> None:
    assert answer_change(REQUEST, LINE, "accepted") == (ChangeStatus.ACCEPTED, None)
    assert answer_change(REQUEST, LINE, "redated", date(2026, 4, 10)) == (
        ChangeStatus.REDATED, date(2026, 4, 10),
    )  # fmt: skip
    assert answer_change(REQUEST, LINE, "refused") == (ChangeStatus.REFUSED, None)


def test_redated_needs_a_date_and_only_redated_takes_one() -> None:
    with pytest.raises(ValidationError, match="new_date: re-dating change request CHG-000001"):
        answer_change(REQUEST, LINE, "redated")
    with pytest.raises(ValidationError, match="new_date: 2026-03-01 is before change request"):
        answer_change(REQUEST, LINE, "redated", date(2026, 3, 1))
    with pytest.raises(ValidationError, match="new_date: an accepted change keeps"):
        answer_change(REQUEST, LINE, "accepted", date(2026, 4, 10))
    with pytest.raises(ValidationError, match="new_date: a refused change takes no new date"):
        answer_change(REQUEST, LINE, "refused", date(2026, 4, 10))


def test_a_request_is_answered_once() -> None:
    answered = replace(REQUEST, status=ChangeStatus.ACCEPTED)
    with pytest.raises(IllegalTransition, match="is accepted: only an open request"):
        answer_change(answered, LINE, "refused")
    with pytest.raises(IllegalTransition, match="is accepted: only an open request"):
        withdraw_change(answered)
    assert withdraw_change(REQUEST) is ChangeStatus.WITHDRAWN


def test_accepting_rechecks_the_line_as_it_is_now() -> None:
    shrink = replace(REQUEST, new_quantity=Decimal(80))
    with pytest.raises(ValidationError, match="has received 90 since: more than the 80"):
        answer_change(shrink, replace(LINE, received=Decimal(90)), "accepted")
    with pytest.raises(IllegalTransition, match="is closed: only a sent or confirmed"):
        answer_change(REQUEST, replace(LINE, po_status="closed"), "accepted")
    # refusing needs nothing of the line
    assert answer_change(REQUEST, replace(LINE, po_status="closed"), "refused")[0] == "refused"
