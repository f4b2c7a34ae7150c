"""``GET /health``: the server is up, the database answers, and at which schema revision."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from flexchain.bootstrap import DatabaseUnavailable
from flexchain.domain.identity import Principal
from flexchain.entrypoints.api.access import public
from flexchain.entrypoints.api.deps import AppDep

router = APIRouter(tags=["health"])


class HealthPublic(BaseModel):
    status: Literal["ok", "error"]
    database: str
    """``"ok"``, or what went wrong."""
    revision: str | None
    """The database's schema revision (Alembic)."""


@router.get(
    "/health",
    response_model=HealthPublic,
    responses={503: {"model": HealthPublic, "description": "The database does not answer"}},
)
def health(app: AppDep, _: Annotated[Principal, public()]) -> HealthPublic | JSONResponse:
    """Liveness and database check, for load balancers and ``flexchain serve`` users."""
    try:
        with app.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = app.revision()
    except (SQLAlchemyError, DatabaseUnavailable) as error:
        body = HealthPublic(status="error", database=str(error).splitlines()[0], revision=None)
        return JSONResponse(body.model_dump(), status_code=503)
    return HealthPublic(status="ok", database="ok", revision=revision)
