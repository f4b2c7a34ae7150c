"""``flexchain serve``: the HTTP API under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from flexchain.bootstrap import App
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import status_console

HostOption = Annotated[
    str | None, typer.Option("--host", help="Interface to listen on [default: 127.0.0.1].")
]
PortOption = Annotated[int | None, typer.Option("--port", help="Port [default: 8000].")]


def run_server(app: App, host: str | None, port: int | None) -> None:
    """Serve ``app`` (already open) until interrupted."""
    host = host or app.settings.host
    port = port or app.settings.port
    status_console.print(
        f"Serving on http://{host}:{port}  (API docs at /docs, Ctrl+C to stop)",
        markup=False,
        soft_wrap=True,
    )
    uvicorn.run(create_app(app.settings, app=app), host=host, port=port, log_level="info")


def serve(ctx: typer.Context, host: HostOption = None, port: PortOption = None) -> None:
    """Serve the API (health at /health, OpenAPI at /docs)."""
    with reported_errors(), opened(state_of(ctx)) as app:
        run_server(app, host, port)
