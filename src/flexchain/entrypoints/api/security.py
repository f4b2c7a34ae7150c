"""Security headers on every response, and no stack trace ever.

* ``Cache-Control: no-store``: answers carry personal data (orders, addresses, tracking) and
  must not stay in shared or browser caches.
* ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, and ``Referrer-Policy:
  same-origin``: tracking links carry their token in the path, so no other site learns a URL of
  ours; not ``no-referrer``, with which browsers send ``Origin: null`` on our own form posts and
  the login's same-origin check could not tell them from another site's.
* HTML pages: a strict ``Content-Security-Policy`` — nothing from elsewhere, no inline script,
  inline style only with the response's nonce (``request.state.csp_nonce``).
* ``Strict-Transport-Security`` when served over TLS.

A plain ASGI middleware (not ``BaseHTTPMiddleware``): it only adds headers to the response's
start message, so the webhook path pays next to nothing.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeaders", "csp", "install"]

log = logging.getLogger("flexchain.api")

COMMON = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


def csp(nonce: str) -> str:
    """The pages' Content-Security-Policy."""
    return (
        "default-src 'none'; "
        f"style-src 'self' 'nonce-{nonce}'; "
        "script-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in COMMON if item[0] not in present)
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", csp(nonce).encode()))
                if tls:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(api: FastAPI) -> None:
    api.add_middleware(SecurityHeaders)

    @api.exception_handler(HTTPException)
    async def to_login(request: Request, error: HTTPException) -> Any:
        # a browser asking for a page without a session is sent to log in first
        if (
            error.status_code == 401
            and request.method == "GET"
            and "text/html" in request.headers.get("accept", "")
        ):
            query = request.url.query  # the page's query is kept: /app/today?kind=purchase
            target = request.url.path + (f"?{query}" if query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
        return await http_exception_handler(request, error)

    @api.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Any:
        # the trace goes to the server's log, never to the caller
        log.exception("%s %s failed", request.method, request.url.path, exc_info=error)
        return JSONResponse({"detail": "internal error: the server log has the details"}, 500)
