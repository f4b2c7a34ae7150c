"""Control tower page: Suppliers: scorecards, tiers, Kraljic, trends."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
