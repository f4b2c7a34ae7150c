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

from flexchain.adapters.db.migrate import head_revision
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
        deadline = time.monotonic() + 30
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


def test_serve_publishes_openapi_docs(server: str) -> None:
    status, spec = _get(f"{server}/openapi.json")
    assert status == 200
    assert "/health" in spec["paths"]  # type: ignore[operator]
    with urllib.request.urlopen(f"{server}/docs", timeout=5) as response:
        assert response.status == 200
