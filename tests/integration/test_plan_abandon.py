"""A run left ``running`` by a process that died, on both databases: the next claim records it
failed once it is older than the stale limit, and a planner records it failed by hand before
that (``flexchain plan abandon RUN``, ``POST /plan/runs/{ticket}/abandon``), audited, so a new
run goes at once; a run that is not running is refused, naming its status."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from flexchain.adapters.db.tables import AuditRow, PlanRunRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import DomainError, NotFound
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.api.plan_runs import board_of
from flexchain.entrypoints.cli.main import app as cli
from flexchain.services import planning
from flexchain.services.plan_abandon import abandon_running
from tests.auth import bearer

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def _runs(engine: Engine) -> dict[int, tuple[str, str | None]]:
    with UnitOfWork(engine, write=False) as uow:
        rows = uow.session.execute(select(PlanRunRow.id, PlanRunRow.status, PlanRunRow.error))
        return {run_id: (status, error) for run_id, status, error in rows}


def _audited(engine: Engine, run_id: int) -> list[tuple[str, str]]:
    with UnitOfWork(engine, write=False) as uow:
        rows = uow.session.execute(
            select(AuditRow.actor, AuditRow.action)
            .where(AuditRow.entity == "plan_run", AuditRow.entity_key == str(run_id))
            .order_by(AuditRow.id)
        )
        return [(actor, action) for actor, action in rows]


def test_a_claim_records_a_run_older_than_the_stale_limit_failed(engine: Engine) -> None:
    # given a run recorded running three hours ago (its process was killed) and one started
    # an hour ago by another process, stopped too
    dead = planning.claim_run(engine, now=NOW - timedelta(hours=3), actor="cli:root")
    # when a run claims with a limit of four hours, the dead run still blocks and stays running
    with pytest.raises(DomainError, match=f"run {dead} started at 2026-12-04 06:30"):
        planning.claim_run(engine, now=NOW, actor="cli:root", stale_after=timedelta(hours=4))
    assert _runs(engine)[dead] == ("running", None)

    # when a run claims with the default limit (120 minutes)
    mine = planning.claim_run(engine, now=NOW, actor="user:ana@brand.test")

    # then it goes, and the dead run is recorded failed, saying why, audited by the claimer
    runs = _runs(engine)
    assert runs[mine] == ("running", None)
    assert runs[dead] == ("failed", "abandoned: running longer than 120 minutes")
    assert _audited(engine, dead)[-1] == ("user:ana@brand.test", "abandoned")
    with UnitOfWork(engine, write=False) as uow:
        row = uow.session.get(PlanRunRow, dead)
        assert row is not None and row.finished_at is not None
        assert row.finished_at.replace(tzinfo=UTC) == NOW


def test_a_run_younger_than_the_limit_is_left_running(engine: Engine) -> None:
    # given a run going for an hour
    going = planning.claim_run(engine, now=NOW - timedelta(hours=1), actor="cli:root")
    # when another claims, it is refused and the run going is not touched
    with pytest.raises(DomainError, match=f"run {going} started at"):
        planning.claim_run(engine, now=NOW, actor="cli:root")
    assert _runs(engine)[going] == ("running", None)


def test_abandoning_a_running_run_records_it_failed_and_a_new_run_goes(engine: Engine) -> None:
    # given a run left running ten minutes ago (a server stopped mid-run)
    dead = planning.claim_run(engine, now=NOW - timedelta(minutes=10), actor="api:x")
    with pytest.raises(DomainError, match=f"run {dead} started at"):
        planning.claim_run(engine, now=NOW, actor="cli:root")

    # when a planner abandons it with a reason
    with UnitOfWork(engine, actor="user:ana@brand.test") as uow:
        run = abandon_running(uow, dead, reason="server restarted", now=NOW)
        uow.commit()

    # then it is recorded failed, saying who and why, audited, and a new run goes at once
    error = "abandoned by user:ana@brand.test: server restarted"
    assert (run.id, run.status.value, run.error) == (dead, "failed", error)
    assert _runs(engine)[dead] == ("failed", error)
    assert _audited(engine, dead)[-1] == ("user:ana@brand.test", "abandoned")
    mine = planning.claim_run(engine, now=NOW + timedelta(seconds=1), actor="cli:root")
    assert _runs(engine)[mine] == ("running", None)


def test_only_a_running_run_is_abandoned(engine: Engine) -> None:
    # given a run that failed (refused: another was going) and one going
    going = planning.claim_run(engine, now=NOW, actor="cli:root")
    with pytest.raises(DomainError):
        planning.claim_run(engine, now=NOW, actor="cli:root")
    failed = going + 1
    before = _runs(engine)[failed]

    # then abandoning the failed one, or one never recorded, is refused and changes nothing
    with UnitOfWork(engine) as uow, pytest.raises(DomainError, match="is failed, not running"):
        abandon_running(uow, failed, reason="tidy up", now=NOW)
    with UnitOfWork(engine) as uow, pytest.raises(NotFound, match="no planning run 999"):
        abandon_running(uow, 999, now=NOW)
    # and a run this server process runs is alive: refused
    with UnitOfWork(engine) as uow, pytest.raises(DomainError, match="going on this server"):
        abandon_running(uow, going, now=NOW, going_here=True)
    assert _runs(engine)[failed] == before and _runs(engine)[going] == ("running", None)


def test_the_terminal_abandons_a_run_and_refuses_it_twice(
    engine: Engine, database_url: str
) -> None:
    dead = planning.claim_run(engine, now=NOW, actor="api:x")
    runner = CliRunner()
    done = runner.invoke(cli, ["--db", database_url, "plan", "abandon", str(dead), "--reason",
                               "killed by the OOM killer"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert f"plan run {dead} recorded failed: abandoned by cli:" in done.stdout
    assert "killed by the OOM killer" in done.stdout
    status, error = _runs(engine)[dead]
    assert status == "failed" and error is not None and error.endswith("killed by the OOM killer")
    again = runner.invoke(cli, ["--db", database_url, "plan", "abandon", str(dead)])
    assert again.exit_code == 1 and "is failed, not running" in again.output


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app) as answer:
        yield answer


def test_a_planner_abandons_a_run_through_http(engine: Engine, client: TestClient) -> None:
    # given a run left running by another process
    dead = planning.claim_run(engine, now=NOW, actor="cli:root")
    planner, viewer = bearer(engine, "planner"), bearer(engine, "viewer")

    # a viewer may not; a planner may, with a reason
    assert client.post(f"/plan/runs/{dead}/abandon", headers=viewer).status_code == 403
    answer = client.post(
        f"/plan/runs/{dead}/abandon", json={"reason": "worker 2 crashed"}, headers=planner
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["id"] == dead and body["status"] == "failed"
    assert body["error"].startswith("abandoned by token:") and "planner" in body["error"]
    assert body["error"].endswith(": worker 2 crashed")
    assert _runs(engine)[dead][0] == "failed"
    # then twice is refused, naming the status; a run never recorded answers 404
    again = client.post(f"/plan/runs/{dead}/abandon", headers=planner)
    assert again.status_code == 422 and "is failed, not running" in again.json()["detail"]
    assert client.post("/plan/runs/999/abandon", headers=planner).status_code == 404


def test_a_run_this_server_runs_is_not_abandoned_through_http(
    engine: Engine, client: TestClient
) -> None:
    # given a run this server process is running (on its board)
    going = planning.claim_run(engine, now=NOW, actor="user:a")
    board = board_of(client.app)
    board.claim(actor="user:a", now=NOW, horizon=4, ticket=going)
    # then abandoning it is refused: it is alive
    answer = client.post(f"/plan/runs/{going}/abandon", headers=bearer(engine, "admin"))
    assert answer.status_code == 422 and "going on this server" in answer.json()["detail"]
    assert _runs(engine)[going] == ("running", None)


def test_two_claims_racing_past_a_stale_run_record_it_failed_once(engine: Engine) -> None:
    # given a run left running three hours ago
    dead = planning.claim_run(engine, now=NOW - timedelta(hours=3), actor="cli:root")
    gate = threading.Barrier(2)
    won: list[int] = []
    lost: list[str] = []

    def claim(actor: str) -> None:
        gate.wait()
        try:
            won.append(planning.claim_run(engine, now=NOW, actor=actor))
        except DomainError as error:
            lost.append(str(error))

    # when two processes (threads) claim at once
    threads = [threading.Thread(target=claim, args=(f"worker:{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # then one goes, the other is refused naming it, and the dead run is failed once
    assert len(won) == 1 and len(lost) == 1 and f"run {won[0]} started at" in lost[0]
    assert _runs(engine)[dead] == ("failed", "abandoned: running longer than 120 minutes")
    assert [action for _, action in _audited(engine, dead)] == ["started", "abandoned"]
