"""The supplier portal: server-rendered pages (Jinja2 + HTMX) under ``/portal``, each supplier
user seeing only its own records. One module per group of pages; ``common`` holds what they
share (the signed-in supplier, rendering, forms)."""

from __future__ import annotations

from fastapi import APIRouter

from flexchain.entrypoints.web.portal import buying, money, partner, quality, work

__all__ = ["router"]

router = APIRouter(prefix="/portal", include_in_schema=False)
for _pages in (buying, money, work, quality, partner):
    router.include_router(_pages.router)
