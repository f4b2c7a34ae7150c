"""The HTTP API (FastAPI): :func:`create_app` builds it, ``flexchain serve`` runs it (uvicorn)."""

from flexchain.entrypoints.api.app import create_app

__all__ = ["create_app"]
