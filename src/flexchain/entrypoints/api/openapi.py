"""``GET /openapi.json`` for logged-in callers, describing who may call each operation.

Each operation gets the roles its declaration allows (``x-roles``), the bearer security scheme
unless it is public, and its 401/403 answers, so integrators and the API fuzzer know them.
FastAPI's own ``/docs`` and ``/redoc`` are off: they load scripts from a CDN, which the pages'
Content-Security-Policy forbids; load ``/openapi.json`` into any OpenAPI viewer instead.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from flexchain.domain.identity import EVERYONE, Principal
from flexchain.entrypoints.api.access import allow, declarations

__all__ = ["describe", "router"]

router = APIRouter(tags=["openapi"])

UNAUTHORISED = {"description": "No credentials, or they do not work (expired, revoked)"}
FORBIDDEN = {"description": "The caller's role may not do this"}


def describe(api: FastAPI) -> dict[str, Any]:
    """The OpenAPI document with each operation's access (built once per app)."""
    if api.openapi_schema is None:
        schema = get_openapi(
            title=api.title, version=api.version, summary=api.summary, routes=api.routes
        )
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "flexchain token create"}
        }
        for method, path, access in declarations(api):
            operation = schema.get("paths", {}).get(path, {}).get(method.lower())
            if operation is None:
                continue
            operation["x-roles"] = sorted(access.roles) if not access.public else ["public"]
            if access.public:
                operation["security"] = []
                continue
            operation["security"] = [{"bearer": []}] + ([{}] if access.gate else [])
            operation.setdefault("responses", {}).setdefault("401", UNAUTHORISED)
            operation["responses"].setdefault("403", FORBIDDEN)
        api.openapi_schema = schema
    return api.openapi_schema


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, _: Annotated[Principal, allow(*EVERYONE)]) -> JSONResponse:
    """The API's OpenAPI description."""
    return JSONResponse(describe(request.app))
