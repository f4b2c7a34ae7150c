"""``flexchain serve --workers N`` hands uvicorn a worker health check long enough for a worker
to start: a spawned worker answers only once it has imported the CLI (several seconds), and
uvicorn's 5 s default killed workers still importing, over and over (CI, session 34)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from flexchain.bootstrap import App
from flexchain.config import Settings
from flexchain.entrypoints.cli import serve


def test_workers_get_a_health_check_long_enough_to_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(serve.uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    # run_server hands the workers their settings through the environment: restored after
    monkeypatch.setenv("FLEXCHAIN_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("FLEXCHAIN_INTAKE_PROCESSES", "0")
    url = f"sqlite:///{tmp_path / 'x.db'}"
    app = App(Settings(database_url=url), create_engine(url))
    serve.run_server(app, "127.0.0.1", 8123, workers=2)
    ((target, options),) = calls
    assert target == "flexchain.entrypoints.api:create_app" and options["workers"] == 2
    assert options["timeout_worker_healthcheck"] == serve.WORKER_HEALTHCHECK_SECONDS >= 60
    # each worker opens the same database
    assert os.environ["FLEXCHAIN_DATABASE_URL"] == url
