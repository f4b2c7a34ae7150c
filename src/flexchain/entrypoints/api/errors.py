"""Domain errors become 4xx responses carrying the same message the CLI would print."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from flexchain.bootstrap import DatabaseUnavailable
from flexchain.domain.errors import DomainError, NotFound


def install(api: FastAPI) -> None:
    @api.exception_handler(DomainError)
    async def domain_error(_request: Request, error: Exception) -> JSONResponse:
        status = 404 if isinstance(error, NotFound) else 422
        return JSONResponse({"detail": str(error)}, status_code=status)

    @api.exception_handler(DatabaseUnavailable)
    async def database_unavailable(_request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503)
