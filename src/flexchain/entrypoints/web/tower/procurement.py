"""Control tower page: Procurement — RFQs and quotes compared, POs, receipts, invoices, payments."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
