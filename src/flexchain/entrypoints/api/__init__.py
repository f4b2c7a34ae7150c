"""The HTTP API (FastAPI): :func:`create_app` builds it, ``flexchain serve`` runs it (uvicorn).

``create_app`` is imported on first use, so the server's applier processes, which import
:mod:`.background.intake`, do not load FastAPI and every router.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flexchain.entrypoints.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":
        from flexchain.entrypoints.api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
