"""The demo company's logins: one user per role, one per supplier, and an admin API token.

Run again (every ``flexchain demo``), the users stay and get new passwords, printed again:
the demo's credentials are never fixed strings anyone could guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flexchain.adapters.db.identity import IdentityStore, supplier_codes
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.identity import Role
from flexchain.services import identity

__all__ = ["DemoLogin", "DemoLogins", "demo_logins"]

DOMAIN = "demo.example"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    supplier: str | None
    password: str


@dataclass(frozen=True)
class DemoLogins:
    users: tuple[DemoLogin, ...]
    token: str
    """An API token of the demo's admin (``Authorization: Bearer ...``)."""


def _wanted(uow: UnitOfWork) -> list[tuple[str, Role, str | None]]:
    staff: list[tuple[str, Role, str | None]] = [
        (f"{role}@{DOMAIN}", role, None) for role in Role if role is not Role.SUPPLIER
    ]
    suppliers: list[tuple[str, Role, str | None]] = [
        (f"{code.lower()}@{DOMAIN}", Role.SUPPLIER, code) for code in supplier_codes(uow)
    ]
    return staff + suppliers


def demo_logins(uow: UnitOfWork, *, now: datetime) -> DemoLogins:
    """Create (or give new passwords to) the demo's users; a new admin token each time."""
    store = IdentityStore(uow)
    made = []
    for email, role, supplier in _wanted(uow):
        password = identity.new_password()
        found = store.user(email)
        if found is None:
            identity.add_user(uow, email, role, password=password, supplier=supplier, now=now)
        else:
            identity.set_password(uow, email, password, now=now)
            if not found.active:
                identity.enable_user(uow, email, now=now)
        made.append(DemoLogin(email, role.value, supplier, password))
    token = identity.create_token(uow, f"admin@{DOMAIN}", name="demo", now=now).token
    return DemoLogins(tuple(made), token)
