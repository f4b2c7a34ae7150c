"""API: KPIs against targets (issue 17, Overview); filled by its part of issue 17."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
