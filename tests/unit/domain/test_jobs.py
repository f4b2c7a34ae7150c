"""The job lifecycle and its rules (domain/jobs.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import IllegalTransition, ValidationError
from flexchain.domain.jobs import (
    NEXT,
    OPEN_JOB_STATUSES,
    BomLine,
    JobAction,
    check_delay,
    check_finish,
    check_step,
    materials,
    next_status,
    order_ready,
    over_consumption,
)
from flexchain.domain.orders import JobStatus

_FINAL = {JobStatus.FINISHED, JobStatus.DONE, JobStatus.CANCELLED}
_RANK = {
    JobStatus.PLANNED: 0,
    JobStatus.RELEASED: 1,
    JobStatus.STARTED: 2,
    JobStatus.FINISHED: 3,
    JobStatus.CANCELLED: 3,
}


def test_a_job_runs_planned_released_started_finished() -> None:
    status = JobStatus.PLANNED
    for action in ("release", "start", "progress", "delay", "progress", "finish"):
        status = next_status(status, action)
    assert status is JobStatus.FINISHED


def test_illegal_transitions_say_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition, match="cannot start a planned job; allowed: release"):
        next_status("planned", "start")
    with pytest.raises(IllegalTransition, match="cannot cancel a started job"):
        next_status("started", "cancel")
    with pytest.raises(IllegalTransition, match="finished is final"):
        next_status("finished", "delay")
    with pytest.raises(IllegalTransition, match="done is final"):
        next_status("done", "start")


@given(st.lists(st.sampled_from(list(JobAction)), max_size=12))
def test_random_action_sequences_follow_the_lifecycle(actions: list[JobAction]) -> None:
    """Whatever is tried, a job only moves forward, final statuses stay, and a refused action
    changes nothing."""
    status = JobStatus.PLANNED
    for action in actions:
        try:
            after = next_status(status, action)
        except IllegalTransition:
            assert action not in NEXT[status]
            continue
        assert status not in _FINAL
        assert _RANK[after] >= _RANK[status]
        if action is JobAction.FINISH:
            assert status is JobStatus.STARTED and after is JobStatus.FINISHED
        if action is JobAction.CANCEL:
            assert status in (JobStatus.PLANNED, JobStatus.RELEASED)
        if action in (JobAction.PROGRESS, JobAction.DELAY):
            assert after is status
        status = after
    assert (status in OPEN_JOB_STATUSES) == (status not in _FINAL)


def test_open_statuses_are_planned_released_started() -> None:
    assert {JobStatus.PLANNED, JobStatus.RELEASED, JobStatus.STARTED} == OPEN_JOB_STATUSES
    assert not JobStatus.RELEASED.cancellable  # materials are at the supplier: keep with order


def test_progress_caps_good_units_per_step_and_names_the_field() -> None:
    step = check_step("started", Decimal(10), Decimal(6), "sew", "4", "1")
    assert (step.step, step.quantity, step.scrap) == ("sew", Decimal(4), Decimal(1))
    with pytest.raises(ValidationError, match="quantity: sew would reach 11 of a job of 10"):
        check_step("started", Decimal(10), Decimal(6), "sew", 5)
    with pytest.raises(ValidationError, match="scrap"):
        check_step("started", Decimal(10), Decimal(0), "sew", 1, "-1")
    with pytest.raises(ValidationError, match="step"):
        check_step("started", Decimal(10), Decimal(0), " ", 1)
    with pytest.raises(IllegalTransition):
        check_step("released", Decimal(10), Decimal(0), "sew", 1)


def test_a_delay_moves_the_dates_and_needs_a_reason() -> None:
    start, finish = date(2026, 1, 5), date(2026, 1, 10)
    delay = check_delay("released", 3, "dye lot late", start, finish)
    assert (delay.planned_start, delay.planned_finish) == (date(2026, 1, 8), date(2026, 1, 13))
    started = check_delay("started", 2, "machine down", start, finish)
    assert (started.planned_start, started.planned_finish) == (start, date(2026, 1, 12))
    with pytest.raises(ValidationError, match="reason"):
        check_delay("started", 2, "", start, finish)
    with pytest.raises(ValidationError, match="days"):
        check_delay("started", 0, "x", start, finish)
    with pytest.raises(IllegalTransition):
        check_delay("finished", 1, "x", start, finish)


def test_finish_defaults_to_the_job_quantity_and_refuses_more() -> None:
    assert check_finish("started", Decimal(10), None) == Decimal(10)
    assert check_finish("started", Decimal(10), "7") == Decimal(7)
    with pytest.raises(ValidationError, match="quantity: at most the job's quantity, 10"):
        check_finish("started", Decimal(10), 11)
    with pytest.raises(IllegalTransition):
        check_finish("released", Decimal(10), None)


def test_materials_include_planned_scrap_and_round_up() -> None:
    bom = [BomLine("FAB", Decimal("1.5")), BomLine("DYE", Decimal("0.2"), Decimal(10))]
    assert materials(bom, Decimal(3)) == {"FAB": Decimal("4.500"), "DYE": Decimal("0.660")}
    assert materials([BomLine("X", Decimal("0.001"))], Decimal("0.5")) == {"X": Decimal("0.001")}


def test_over_consumption_is_more_than_the_tolerance_above_the_bom() -> None:
    bom = [BomLine("FAB", Decimal(2))]
    assert over_consumption({"FAB": Decimal(24)}, bom, Decimal(10)) == ()  # exactly 20 %
    (alert,) = over_consumption({"FAB": Decimal(20)}, bom, Decimal(7))  # 3 of 10 scrapped
    assert alert.sku == "FAB" and "43 % over, tolerance 20 %" in alert.message
    assert over_consumption({"FAB": Decimal(20)}, bom, Decimal(7), Decimal("0.5")) == ()


@given(
    st.integers(1, 1000),
    st.integers(1, 1000),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal(50), places=3),
)
def test_issuing_the_bom_for_what_is_made_is_never_over_consumption(
    made: int, extra: int, per_unit: Decimal
) -> None:
    bom = [BomLine("FAB", per_unit)]
    used = materials(bom, Decimal(made))
    assert over_consumption(used, bom, Decimal(made), Decimal(0)) == ()
    assert over_consumption(
        materials(bom, Decimal(made + extra)), bom, Decimal(made), Decimal(0)
    )  # any unit more is over a zero tolerance


def test_an_order_is_ready_when_its_jobs_are_finished_cancelled_ones_aside() -> None:
    assert order_ready(["finished", "cancelled", "done"])
    assert not order_ready(["finished", "started"])
    assert not order_ready(["finished", "released"])
    assert not order_ready(["cancelled"])
    assert not order_ready([])
