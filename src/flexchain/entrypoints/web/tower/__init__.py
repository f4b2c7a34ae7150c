"""The control tower: server-rendered pages (Jinja2 + HTMX) under ``/app`` for the brand's people,
one module per page; ``common`` holds what they share."""

from __future__ import annotations

from fastapi import APIRouter

from flexchain.entrypoints.web.tower import (
    inventory,
    orders,
    overview,
    plan,
    procurement,
    quote,
    report,
    suppliers,
    today,
)

__all__ = ["router"]

router = APIRouter(prefix="/app", include_in_schema=False)
for _page in (today, overview, orders, inventory, plan, suppliers, procurement, quote, report):
    router.include_router(_page.router)
