"""Control tower page: Plan: planned orders, release, runs watched live, diff."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
