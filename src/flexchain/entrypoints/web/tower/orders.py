"""Control tower page: Orders: list, filters, search, detail."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
