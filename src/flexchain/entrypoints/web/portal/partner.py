"""Portal pages: Improvement suggestions; design files and process documents."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
