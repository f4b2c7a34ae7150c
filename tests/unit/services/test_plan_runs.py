"""Planning runs started in the background (services/plan_runs.py) against the in-memory plans
store: one at a time, the progress a page polls, how a run ends. ``spawn`` is a plain call
(the run happens at once) or a list that keeps the work for the test to run when it likes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from flexchain.config import Settings
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.planning.run import PlanRunStatus, Snapshot
from flexchain.services import plan_runs, planning
from flexchain.services.plan_reports import PlanRun
from flexchain.services.plan_runs import PlanRunBoard, RunProgress, start_plan_run
from tests.fakes import FakePlanStore
from tests.unit.services.test_planning import NOW, tiny_snapshot

SETTINGS = Settings()
LATER = NOW + timedelta(minutes=2)


def _start(
    board: PlanRunBoard,
    store: FakePlanStore,
    spawn: Callable[[Callable[[], None]], object],
    actor: str = "user:ana@brand.test",
) -> RunProgress:
    return start_plan_run(
        board,
        store,
        settings=SETTINGS,
        actor=actor,
        now=NOW,
        clock=lambda: LATER,
        spawn=spawn,
        horizon=4,
    )


def _run_now(work: Callable[[], None]) -> None:
    work()


class WatchedStore(FakePlanStore):
    """A plans store that notes what the board says while the snapshot loads and the plan is
    written, and may fail at loading."""

    def __init__(self, snapshot: Snapshot, board: PlanRunBoard, fail: bool = False) -> None:
        super().__init__(snapshot)
        self.board, self.fail = board, fail
        self.seen: list[RunProgress | None] = []

    def load_snapshot(self, *, today: date, horizon: int, now: datetime) -> Snapshot:
        self.seen.append(self.board.view())
        if self.fail:
            raise RuntimeError("the database went away")
        return super().load_snapshot(today=today, horizon=horizon, now=now)


def test_a_run_started_in_the_background_ends_complete_with_the_plan_it_wrote() -> None:
    # given a board and a plans store
    board, store = PlanRunBoard(), FakePlanStore(tiny_snapshot())

    # when a run starts and its spawn runs it at once
    started = _start(board, store, _run_now)

    # then the run wrote a complete plan version, which the board names with its counts
    done = board.view(started.ticket)
    assert done is not None and done.status == "complete" and not done.going
    assert store.runs[1].status is PlanRunStatus.COMPLETE and store.runs[1].horizon == 4
    assert (done.run_id, done.items, done.orders, done.exceptions) == (1, 1, 1, 0)
    assert done.percent == 100 and {step.state for step in done.steps} == {"done"}
    assert [step.name for step in done.steps] == list(planning.STEPS)
    assert done.finished_at == LATER and done.actor == "user:ana@brand.test"
    # and the store recorded who started it
    assert store.runs[1].actor == "user:ana@brand.test"


def test_only_one_run_goes_at_a_time_and_the_next_may_start_once_it_ended() -> None:
    # given a run whose work has not run yet
    board, store = PlanRunBoard(), FakePlanStore(tiny_snapshot())
    waiting: list[Callable[[], None]] = []
    first = _start(board, store, waiting.append)
    assert first.going and first.step is None and first.percent == 0

    # when someone else starts a run, it is refused naming the run going
    with pytest.raises(DomainError, match=r"planning run 1 started by user:ana@brand.test .*"):
        _start(board, store, waiting.append, actor="user:bo@brand.test")
    assert len(waiting) == 1 and board.view() == first

    # then once the first ended, a second starts
    waiting.pop()()
    second = _start(board, store, _run_now, actor="user:bo@brand.test")
    assert second.ticket == 2 and board.view(2) is not None  # the ticket is the run's id
    assert second.run_id == 2
    assert [r.status for r in store.runs.values()] == [PlanRunStatus.COMPLETE] * 2


def test_the_board_shows_the_step_going_and_the_share_done_by_step_weights() -> None:
    # given a store that looks at the board while the snapshot loads
    board = PlanRunBoard()
    store = WatchedStore(tiny_snapshot(), board)

    # when a run goes
    _start(board, store, _run_now)

    # then during the snapshot, that step was running and nothing was done yet
    (during,) = store.seen
    assert during is not None and during.going and during.step == "snapshot"
    assert [s.state for s in during.steps] == ["running"] + ["waiting"] * 5
    assert during.percent == 0


def test_progress_counts_the_weights_of_the_steps_done() -> None:
    board = PlanRunBoard()
    ticket = board.claim(actor="a", now=NOW, horizon=4)

    board.advance(ticket, "mrp")

    view = board.view(ticket)
    weights = planning.STEP_WEIGHTS
    done = sum(weights[s] for s in ("snapshot", "classify", "forecast", "policy"))
    assert view is not None and view.percent == round(100 * done / sum(weights.values()))
    assert [s.state for s in view.steps][-3:] == ["done", "running", "waiting"]


def test_a_failed_run_shows_its_error_and_step_and_frees_the_board() -> None:
    # given a store whose snapshot cannot be loaded
    board = PlanRunBoard()
    store = WatchedStore(tiny_snapshot(), board, fail=True)

    # when a run goes
    started = _start(board, store, _run_now)

    # then the board says where and why it failed; the store recorded the run failed
    failed = board.view(started.ticket)
    assert failed is not None and failed.status == "failed"
    assert failed.error == "the database went away" and failed.step == "snapshot"
    assert failed.steps[0].state == "failed" and failed.run_id == 1
    assert store.runs[1].status is PlanRunStatus.FAILED
    # and the next run may start
    store.fail = False
    assert _start(board, store, _run_now).ticket == 2


def test_a_run_that_cannot_be_spawned_frees_the_board() -> None:
    board, store = PlanRunBoard(), FakePlanStore(tiny_snapshot())

    def refuse(_work: Callable[[], None]) -> None:
        raise RuntimeError("can't start new thread")

    with pytest.raises(RuntimeError):
        _start(board, store, refuse)

    view = board.view(1)
    assert (
        view is not None
        and view.status == "failed"
        and "could not be started" in (view.error or "")
    )
    # and the run it had claimed is recorded failed: it blocks no later run
    assert store.runs[1].status is PlanRunStatus.FAILED
    assert _start(board, store, _run_now).status == "complete"


@pytest.mark.parametrize("horizon", [0, 105, "x"], ids=["zero", "too-long", "text"])
def test_a_horizon_outside_1_to_104_weeks_is_refused_before_any_run(horizon: object) -> None:
    board, store = PlanRunBoard(), FakePlanStore(tiny_snapshot())

    with pytest.raises(ValidationError, match="horizon"):
        start_plan_run(
            board, store, settings=SETTINGS, actor="a", now=NOW, clock=lambda: NOW,
            spawn=_run_now, horizon=horizon,  # type: ignore[arg-type]
        )  # fmt: skip

    assert board.view() is None and store.runs == {}


def test_an_unknown_ticket_is_not_found_and_only_the_newest_ended_runs_are_kept() -> None:
    board = PlanRunBoard()
    for _ in range(plan_runs.KEPT + 3):
        ticket = board.claim(actor="a", now=NOW, horizon=4)
        board.fail(ticket, "stopped", at=NOW)

    with pytest.raises(NotFound, match="no planning run 99 started on this server"):
        board.view(99)
    with pytest.raises(NotFound):
        board.view(1)
    newest = board.view()
    assert newest is not None and newest.ticket == plan_runs.KEPT + 3
    assert board.view(4) is not None


def test_now_must_be_aware() -> None:
    board, store = PlanRunBoard(), FakePlanStore(tiny_snapshot())
    with pytest.raises(ValidationError):
        start_plan_run(
            board, store, settings=SETTINGS, actor="a", now=datetime(2026, 11, 23),
            clock=lambda: NOW, spawn=_run_now,
        )  # fmt: skip
    assert NOW.tzinfo is UTC


class ClaimedElsewhere(FakePlanStore):
    """A plans store that knows another run is going (as the database's claim finds one)."""

    def __init__(self, snapshot: Snapshot, going: PlanRun | None) -> None:
        super().__init__(snapshot)
        self.going = going
        self.asked: list[tuple[int, datetime]] = []

    def blocking_run(self, run_id: int, *, since: datetime) -> PlanRun | None:
        self.asked.append((run_id, since))
        return self.going


def test_a_run_going_elsewhere_refuses_the_start_and_leaves_the_board_free() -> None:
    # given a run recorded running by a terminal's flexchain plan
    going = PlanRun(7, PlanRunStatus.RUNNING, NOW, None, NOW.date(), 8, "cli:root", None, {})
    board, store = PlanRunBoard(), ClaimedElsewhere(tiny_snapshot(), going)
    spawned: list[Callable[[], None]] = []

    # when the page starts a run (stale limit 30 minutes)
    with pytest.raises(DomainError, match=r"another run is going: run 7 started at .* by cli:root"):
        start_plan_run(
            board, store, settings=Settings(plan_run_stale_minutes=30), actor="user:a",
            now=NOW, clock=lambda: NOW, spawn=spawned.append, horizon=4,
        )  # fmt: skip

    # then nothing runs, the claim looked back 30 minutes, the refused run is recorded
    # failed, and the board holds no run
    assert spawned == [] and store.asked == [(1, NOW - timedelta(minutes=30))]
    assert store.runs[1].status is PlanRunStatus.FAILED
    assert "another run is going: run 7" in (store.runs[1].error or "")
    assert board.view() is None
    # and once the other run ended, the start goes
    store.going = None
    assert _start(board, store, _run_now).status == "complete"
