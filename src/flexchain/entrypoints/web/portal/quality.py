"""Portal pages: QC results with photos and clips, spot checks, certificates, carbon data."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
