"""Supplier API (scorecards), filled by its part of issue 16."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter(tags=["suppliers"])
