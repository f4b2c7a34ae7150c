"""The supplier portal: server-rendered pages (Jinja2 + HTMX) under ``/portal``, each supplier
user seeing only its own records. One module per group of pages; ``common`` holds what they
share (the signed-in supplier, rendering, forms, the static files)."""

from __future__ import annotations

from fastapi import APIRouter

from flexchain.entrypoints.web.portal import buying, money, partner, quality, work
from flexchain.entrypoints.web.portal.common import static_router

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(buying.home, include_in_schema=False)  # ``/portal`` itself
_sections = APIRouter(prefix="/portal")
for _pages in (buying, money, work, quality, partner):
    _sections.include_router(_pages.router)
_sections.include_router(static_router())
router.include_router(_sections, include_in_schema=False)
