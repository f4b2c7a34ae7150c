"""Server-rendered pages (Jinja2; HTMX to come): the login and the pages behind it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["render"]

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The template ``name`` as a page; ``nonce`` is the response's CSP nonce."""
    page = _TEMPLATES.get_template(name).render(nonce=request.state.csp_nonce, **context)
    return HTMLResponse(page, status_code=status_code)
