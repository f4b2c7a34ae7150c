"""One planning run at a time across processes, on both databases: a run claims by being
recorded ``running`` (committed), then refuses itself when another run younger than the stale
limit, with a lower id, is going; of two claims racing exactly one goes; a run left
``running`` longer than the stale limit (a killed process) blocks nothing and is recorded
failed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from flexchain.adapters.db.plan_claims import blocking_run
from flexchain.adapters.db.tables import AuditRow, PlanRunRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import DomainError
from flexchain.services import planning
from tests.storefront_world import build_world

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def _runs(engine: Engine) -> dict[int, tuple[str, str | None]]:
    with UnitOfWork(engine, write=False) as uow:
        rows = uow.session.execute(select(PlanRunRow.id, PlanRunRow.status, PlanRunRow.error))
        return {run_id: (status, error) for run_id, status, error in rows}


def test_a_second_claim_is_recorded_failed_and_refused_naming_the_run_going(
    engine: Engine,
) -> None:
    # given a run going, started by a terminal's flexchain plan
    first = planning.claim_run(engine, now=NOW, actor="cli:root")

    # when the page (or the API) claims another one a minute later
    with pytest.raises(DomainError) as refused:
        planning.claim_run(engine, now=NOW + timedelta(minutes=1), actor="user:ana@brand.test")

    # then it is refused naming the run going, when and by whom; recorded failed, saying so
    reason = f"another run is going: run {first} started at 2026-12-04 09:30 UTC by cli:root"
    assert reason in str(refused.value) and "one run at a time" in str(refused.value)
    runs = _runs(engine)
    assert runs[first] == ("running", None)
    assert runs[first + 1] == ("failed", reason)
    # and the refusal is in the audit trail, by the one refused
    with UnitOfWork(engine, write=False) as uow:
        audited = uow.session.execute(
            select(AuditRow.actor, AuditRow.action).where(
                AuditRow.entity == "plan_run", AuditRow.entity_key == str(first + 1)
            )
        ).all()
    assert [tuple(row) for row in audited] == [
        ("user:ana@brand.test", "started"),
        ("user:ana@brand.test", "failed"),
    ]


def test_run_plan_refuses_to_start_while_another_run_goes_and_goes_once_it_ended(
    engine: Engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    build_world(make_uow)
    going = planning.claim_run(engine, now=NOW, actor="api:other")
    with pytest.raises(DomainError, match=f"run {going} started at"):
        planning.run_plan(engine, now=NOW, horizon=4)
    # once the run going ends (here: it could not start), the next one runs
    planning.abandon_run(engine, going, error="stopped", now=NOW, actor="api:other")
    summary = planning.run_plan(engine, now=NOW, horizon=4)
    assert _runs(engine)[summary.run_id] == ("complete", None)


def test_a_run_running_for_longer_than_the_stale_limit_is_taken_as_dead(engine: Engine) -> None:
    # given a run recorded running three hours ago (its process was killed)
    dead = planning.claim_run(engine, now=NOW - timedelta(hours=3), actor="cli:root")

    # when a run claims now: with the default limit (120 minutes) it goes
    mine = planning.claim_run(engine, now=NOW, actor="cli:root")
    assert _runs(engine)[mine] == ("running", None)
    # and the dead run is recorded failed (a longer limit: tests/integration/test_plan_abandon.py)
    assert _runs(engine)[dead] == ("failed", "abandoned: running longer than 120 minutes")


def test_of_two_claims_racing_exactly_one_goes_the_lower_id(engine: Engine) -> None:
    # given two processes (threads here) claiming at the same moment
    gate = threading.Barrier(2)
    won: list[int] = []
    lost: list[str] = []

    def claim(actor: str) -> Callable[[], None]:
        def go() -> None:
            gate.wait()
            try:
                won.append(planning.claim_run(engine, now=NOW, actor=actor))
            except DomainError as error:
                lost.append(str(error))

        return go

    threads = [threading.Thread(target=claim(f"worker:{n}")) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # then one goes (the lower id) and the other is recorded failed, naming it
    assert len(won) == 1 and len(lost) == 1
    runs = _runs(engine)
    assert runs[won[0]] == ("running", None) and won[0] == min(runs)
    (other,) = set(runs) - set(won)
    assert runs[other][0] == "failed" and f"run {won[0]} started at" in lost[0]


def test_a_check_waits_for_a_lower_id_still_being_recorded(engine: Engine) -> None:
    """PostgreSQL hands out ids outside transactions: a run with a lower id may commit after a
    higher one checks. The check waits for it (SQLite has one writer at a time: it cannot
    happen there)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite records one run at a time: a lower id is always committed first")
    # given run A recorded (lower id) but not yet committed
    first = UnitOfWork(engine)
    first.__enter__()
    a = PlanRunRow(status="running", started_at=NOW, period_start=NOW.date(), horizon=4)
    first.session.add(a)
    first.session.flush()
    # and run B recorded and committed after it
    with UnitOfWork(engine) as second:
        b = PlanRunRow(status="running", started_at=NOW, period_start=NOW.date(), horizon=4)
        second.session.add(b)
        second.session.flush()
        second.commit()
    assert a.id < b.id

    # when B checks while A is still being recorded
    found: list[object] = []

    def check() -> None:
        with UnitOfWork(engine) as uow:
            found.append(blocking_run(uow, b.id, since=NOW - timedelta(hours=1)))
            uow.commit()

    checker = threading.Thread(target=check)
    checker.start()
    checker.join(0.5)
    assert checker.is_alive()  # it waits for A's transaction
    first.commit()
    first.__exit__(None, None, None)
    checker.join(30)

    # then B sees A: the lower id wins
    (blocking,) = found
    assert getattr(blocking, "id", None) == a.id
