"""Credentials for tests that call the API: a user of a role and an API token acting as them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy import Engine

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import identity

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def make_user(
    engine: Engine, role: str = "admin", *, supplier: str | None = None, email: str | None = None
) -> str:
    """A new user of ``role``; returns the e-mail (password :data:`PASSWORD`)."""
    address = email or f"{role}{next(_numbers)}@test.example"
    with UnitOfWork(engine) as uow:
        identity.add_user(uow, address, role, password=PASSWORD, supplier=supplier, now=NOW)
        uow.commit()
    return address


def token_for(engine: Engine, email: str, **options: object) -> str:
    with UnitOfWork(engine) as uow:
        issued = identity.create_token(uow, email, now=NOW, **options)  # type: ignore[arg-type]
        uow.commit()
    return issued.token


def bearer(engine: Engine, role: str = "admin", *, supplier: str | None = None) -> dict[str, str]:
    """``Authorization`` header of a token of a new user of ``role``."""
    token = token_for(engine, make_user(engine, role, supplier=supplier))
    return {"Authorization": f"Bearer {token}"}
