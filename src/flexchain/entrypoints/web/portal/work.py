"""Portal pages: production jobs and their progress, the shared forecast, stock held."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
