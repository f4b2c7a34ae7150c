"""Portal pages: RFQs to answer, POs to confirm or re-date, shipment notices."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
