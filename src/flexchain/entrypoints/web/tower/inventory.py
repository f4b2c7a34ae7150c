"""Control tower page: Inventory: balances, the ABC-XYZ matrix, item detail with its chart."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
