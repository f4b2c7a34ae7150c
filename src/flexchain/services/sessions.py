"""Browser sessions: ``POST /login`` with e-mail and password, the session behind the cookie,
``POST /logout`` — with lockout after repeated wrong passwords (per e-mail and per address).

The cookie holds a random 256-bit session id; the database only its SHA-256, the CSRF token the
session's forms must carry, and when it ends. Every attempt is kept in ``login_attempts``; a
lock is also written to the audit trail.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flexchain.adapters.db.identity import IdentityStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.passwords import verify_password
from flexchain.domain.errors import ValidationError
from flexchain.domain.identity import LockoutRule, Principal, Role, normal_email
from flexchain.services import audit
from flexchain.services.identity import digest

__all__ = ["Login", "login", "logout", "session_principal"]


@dataclass(frozen=True)
class Login:
    """A login's outcome: the new session (``cookie``, ``csrf``, ``expires_at``), or why not."""

    cookie: str | None = None
    csrf: str | None = None
    expires_at: datetime | None = None
    refused: str | None = None
    """``wrong`` (unknown e-mail or wrong password: one answer for both), ``locked``."""
    retry_after: int | None = None
    """Seconds until a locked login may be tried again."""


def _lock(
    store: IdentityStore, email: str, address: str, now: datetime, rule: LockoutRule
) -> datetime | None:
    since = now - rule.window
    cleared = store.last_cleared(email)
    by_email = store.failures(max(since, cleared) if cleared else since, email=email)
    by_address = store.failures(since, address=address) if address else []
    ends = [
        end
        for end in (
            rule.locked_until(by_email, now),
            rule.locked_until(by_address, now, per_address=True),
        )
        if end is not None
    ]
    return max(ends) if ends else None


def login(
    uow: UnitOfWork,
    email: str,
    password: str,
    *,
    address: str,
    now: datetime,
    rule: LockoutRule,
    hours: float,
) -> Login:
    """Check ``password`` for ``email`` (from ``address``) and open a session of ``hours``.

    A locked e-mail or address is refused without looking at the password; a wrong password
    that makes the lock is written to the audit trail. The caller commits either way: the
    attempt is kept.
    """
    store = IdentityStore(uow)
    try:
        key = normal_email(email)
    except ValidationError:
        key = email.strip().lower()[:254]
    locked = _lock(store, key, address, now, rule)
    if locked is not None:
        store.add_attempt(key, address, "locked", now)
        return Login(refused="locked", retry_after=max(1, int((locked - now).total_seconds())))
    user = store.user(key)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        store.add_attempt(key, address, "wrong", now)
        if _lock(store, key, address, now, rule) is not None:
            details = {"address": address, "failures": rule.failures, "window": str(rule.window)}
            audit.record(uow, "locked", "login", key, details)
        return Login(refused="wrong")
    if not user.active:
        store.add_attempt(key, address, "disabled", now)
        return Login(refused="wrong")
    store.add_attempt(key, address, "ok", now)
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=hours)
    store.add_session(
        user.id, digest(cookie), csrf, address=address, now=now, expires_at=expires_at
    )
    audit.record(uow, "login", "user", user.email, {"address": address})
    return Login(cookie=cookie, csrf=csrf, expires_at=expires_at)


def session_principal(uow: UnitOfWork, cookie: str, *, now: datetime) -> Principal | None:
    """Who the session behind ``cookie`` is; ``None`` if unknown, ended, expired, or its user is
    disabled."""
    found = IdentityStore(uow).session_by_digest(digest(cookie))
    if found is None:
        return None
    session, user = found
    if session.ended_at is not None or session.expires_at <= now or not user.active:
        return None
    return Principal(
        via="session",
        role=Role(user.role),
        email=user.email,
        user_id=user.id,
        supplier_id=user.supplier_id,
        supplier=user.supplier,
        csrf=session.csrf,
    )


def logout(uow: UnitOfWork, cookie: str, *, now: datetime) -> None:
    """End the session behind ``cookie`` (nothing if there is none)."""
    store = IdentityStore(uow)
    found = store.session_by_digest(digest(cookie))
    if found is not None and found[0].ended_at is None:
        store.end_sessions(at=now, digest=digest(cookie))
        audit.record(uow, "logout", "user", found[1].email, {})
