"""Control tower page: Today: the decision inbox."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from flexchain.entrypoints.web.tower.common import BrandUser, page, pages

__all__ = ["router"]

router = pages()


@router.get("/today")
def today(request: Request, who: BrandUser) -> HTMLResponse:
    """What waits for a person today, ranked by money and time at stake."""
    return page(request, "tower/today.html", title="Today", decisions=[])
