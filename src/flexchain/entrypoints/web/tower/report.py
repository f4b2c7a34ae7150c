"""Control tower page: Weekly report: the page and its PDF."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
