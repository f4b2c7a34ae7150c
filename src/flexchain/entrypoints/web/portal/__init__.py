"""The supplier portal: server-rendered pages (Jinja2 + HTMX) under ``/portal``, each supplier
user seeing only its own records."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(prefix="/portal", include_in_schema=False)
