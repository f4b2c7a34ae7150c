"""The control tower: server-rendered pages (Jinja2 + HTMX) under ``/app`` for the brand's people,
one module per page; ``common`` holds what they share (read its docstring first), and
``GET /app/static/{name}`` serves the stylesheet, the tower's script and the vendored Chart.js
and htmx.

A new page: a module here with ``router = pages()`` (from ``common``), routes relative to
``/app`` (``@router.get("/orders")``), templates under ``templates/tower/`` extending
``tower/base.html``; add the module to the tuple below (and its link to ``common.NAV``)."""

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
from flexchain.entrypoints.web.tower.common import static_router

__all__ = ["router"]

router = APIRouter(prefix="/app", include_in_schema=False)
for _page in (today, overview, orders, inventory, plan, suppliers, procurement, quote, report):
    router.include_router(_page.router)
router.include_router(static_router())
