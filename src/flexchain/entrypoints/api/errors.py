"""Domain errors become 4xx responses carrying the same message the CLI would print."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from flexchain.bootstrap import DatabaseUnavailable
from flexchain.domain.errors import DomainError, NotFound
from flexchain.services.secrets import SecretKeyError

log = logging.getLogger("flexchain.api")


def install(api: FastAPI) -> None:
    @api.exception_handler(DomainError)
    async def domain_error(_request: Request, error: Exception) -> JSONResponse:
        status = 404 if isinstance(error, NotFound) else 422
        return JSONResponse({"detail": str(error)}, status_code=status)

    @api.exception_handler(SecretKeyError)
    async def secrets_unavailable(_request: Request, error: Exception) -> JSONResponse:
        # the message names the key file: for the server's log, not for anonymous callers
        log.error("%s", error)
        return JSONResponse({"detail": "shop secrets are unavailable"}, status_code=503)

    @api.exception_handler(DatabaseUnavailable)
    async def database_unavailable(_request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503)
