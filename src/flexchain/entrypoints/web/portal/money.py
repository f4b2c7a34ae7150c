"""Portal pages: invoices and their matching, payments, quality fund, early payment, holds."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
