"""``flexchain serve`` runs uvicorn on a loopback port and answers /health."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.migrate import head_revision
from tests.auth import make_user, token_for
from tests.pgserver import free_port


def _get(url: str) -> tuple[int, dict[str, object]]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


@pytest.fixture(params=[1, 2], ids=["1-worker", "2-workers"])
def server(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """``flexchain serve`` in a subprocess, on a free port (in one process, and in two worker
    processes that each open the database); yields its base URL."""
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "flexchain.entrypoints.cli.main", "--db", database_url,
         "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(request.param)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a busy 2-core machine starts slowly
        while True:
            try:
                _get(f"{base}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail(f"server did not start:\n{(tmp_path / 'serve.log').read_text()}")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def test_serve_answers_health_with_the_schema_revision(server: str) -> None:
    status, body = _get(f"{server}/health")
    assert status == 200
    assert body == {"status": "ok", "database": "ok", "revision": head_revision()}


def test_serve_publishes_openapi_to_logged_in_callers_only(server: str, database_url: str) -> None:
    # given a viewer's token
    engine = make_engine(database_url)
    token = token_for(engine, make_user(engine, "viewer"))
    engine.dispose()
    # when the OpenAPI description is asked for without and with it
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(f"{server}/openapi.json")
    request = urllib.request.Request(
        f"{server}/openapi.json", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        spec = json.loads(response.read())
    # then only the token gets it, with each operation's roles
    assert refused.value.code == 401
    assert spec["paths"]["/health"]["get"]["x-roles"] == ["public"]
    assert "viewer" in spec["paths"]["/orders"]["get"]["x-roles"]
