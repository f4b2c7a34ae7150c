"""Control tower page: Overview: KPIs against targets, trends, drill-down."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
