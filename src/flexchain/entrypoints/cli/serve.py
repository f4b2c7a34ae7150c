"""``flexchain serve``: the HTTP API under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from flexchain.bootstrap import App
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import status_console

HostOption = Annotated[
    str | None, typer.Option("--host", help="Interface to listen on \\[default: 127.0.0.1].")
]
PortOption = Annotated[int | None, typer.Option("--port", help="Port \\[default: 8000].")]
WorkersOption = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        help="Server processes. More than 1 pays on PostgreSQL; SQLite has one writer at a time.",
    ),
]

IntakeProcessesOption = Annotated[
    int | None,
    typer.Option(
        "--intake-processes",
        min=0,
        help="Child processes that apply webhook batches, per server process \\[default: 0: its "
        "intake thread; env FLEXCHAIN_INTAKE_PROCESSES]. On PostgreSQL, one per core with one "
        "server process: every core works, however the clients' connections fall.",
    ),
]

# How long uvicorn's supervisor waits for a worker process to answer its health check before
# killing and replacing it. A new worker answers only once it has imported the CLI and the app
# (several seconds; far more on a busy machine): uvicorn's default of 5 s killed workers that
# were still starting, over and over.
WORKER_HEALTHCHECK_SECONDS = 120

AccessLogOption = Annotated[
    bool,
    typer.Option(
        "--access-log/--no-access-log",
        help="Log a line per request (off behind a proxy that logs them: saves CPU under load).",
    ),
]


def run_server(
    app: App,
    host: str | None,
    port: int | None,
    workers: int = 1,
    access_log: bool = True,
    intake_processes: int | None = None,
) -> None:
    """Serve ``app`` (already open) until interrupted; with ``workers`` > 1, in that many
    processes, each opening the same database (the API keeps no state of its own); with
    ``intake_processes``, each applies its webhook batches in that many child processes."""
    if intake_processes is not None:
        app.settings = app.settings.model_copy(update={"intake_processes": intake_processes})
    host = host or app.settings.host
    port = port or app.settings.port
    status_console.print(
        f"Serving on http://{host}:{port}  (log in at /login, OpenAPI at /openapi.json; "
        "Ctrl+C to stop)",
        markup=False,
        soft_wrap=True,
    )
    if workers == 1:
        uvicorn.run(
            create_app(app.settings, app=app),
            host=host,
            port=port,
            log_level="info",
            access_log=access_log,
        )
        return
    # each worker process builds its app from the environment: hand it this database
    os.environ["FLEXCHAIN_DATABASE_URL"] = app.settings.database_url
    os.environ["FLEXCHAIN_INTAKE_PROCESSES"] = str(app.settings.intake_processes)
    uvicorn.run(
        "flexchain.entrypoints.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        log_level="info",
        access_log=access_log,
    )


def serve(
    ctx: typer.Context,
    host: HostOption = None,
    port: PortOption = None,
    workers: WorkersOption = 1,
    access_log: AccessLogOption = True,
    intake_processes: IntakeProcessesOption = None,
) -> None:
    """Serve the API (health at /health, OpenAPI at /docs)."""
    with reported_errors(), opened(state_of(ctx)) as app:
        run_server(app, host, port, workers, access_log, intake_processes)
