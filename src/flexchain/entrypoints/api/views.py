"""API: read models the control tower draws (orders, inventory, item charts); issue 17."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
