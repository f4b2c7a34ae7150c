"""Portal pages: today's list, RFQs to answer, POs to confirm or re-date, shipment notices."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from flexchain.entrypoints.web.portal.common import PortalRoute, SupplierUser, page, pages

__all__ = ["home", "router"]

router = pages()
home = APIRouter(prefix="/portal", route_class=PortalRoute)
"""``/portal`` itself (a router without a prefix cannot hold the empty path)."""


@home.get("")
def today(request: Request, who: SupplierUser) -> HTMLResponse:
    """What needs the supplier today."""
    return page(request, "portal/home.html", title="Today")
