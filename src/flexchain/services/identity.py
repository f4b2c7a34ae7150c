"""Users and API tokens: ``flexchain user add|list|disable|enable|passwd|unlock`` and
``flexchain token create|list|revoke`` (docs/security.md).

A user has one role; a ``supplier`` user is bound to one supplier. Passwords are argon2 hashes.
A token is shown once when created and stored as its SHA-256 only; it acts as its user, with the
user's role, until it expires or is revoked, and never once its user is disabled.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flexchain.adapters.db.identity import IdentityStore, TokenRecord, UserRecord
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.passwords import hash_password
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.identity import (
    Principal,
    Role,
    check_binding,
    check_password,
    normal_email,
    parse_role,
)
from flexchain.services import audit

__all__ = [
    "IssuedToken",
    "TokenUse",
    "TokenView",
    "UserView",
    "add_user",
    "create_token",
    "digest",
    "disable_user",
    "enable_user",
    "list_tokens",
    "list_users",
    "new_password",
    "revoke_token",
    "set_password",
    "token_principal",
    "unlock_user",
]

TOKEN_PREFIX = "fxc_"


@dataclass(frozen=True)
class UserView:
    email: str
    role: str
    supplier: str | None
    active: bool
    created_at: datetime
    password_changed_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True)
class TokenView:
    id: int
    user: str
    name: str
    hint: str
    """The token's first characters (``fxc_AbCd``), to tell tokens apart."""
    status: str
    """``active``, ``expired`` or ``revoked``."""
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class IssuedToken:
    token: str
    """The bearer token itself: shown this once, stored only as its digest."""
    view: TokenView


def digest(secret: str) -> str:
    """How tokens and session ids are stored: SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_password() -> str:
    """A generated password (16 URL-safe characters, 96 bits)."""
    return secrets.token_urlsafe(12)


def _user_view(user: UserRecord) -> UserView:
    return UserView(
        user.email,
        user.role,
        user.supplier,
        user.active,
        user.created_at,
        user.password_changed_at,
        user.disabled_at,
    )


def _token_view(token: TokenRecord, now: datetime) -> TokenView:
    if token.revoked_at is not None:
        status = "revoked"
    elif token.expires_at is not None and token.expires_at <= now:
        status = "expired"
    else:
        status = "active"
    return TokenView(
        token.id,
        token.email,
        token.name,
        token.hint,
        status,
        token.created_at,
        token.expires_at,
        token.revoked_at,
        token.last_used_at,
    )


def _find(store: IdentityStore, email: str) -> UserRecord:
    user = store.user(normal_email(email))
    if user is None:
        raise NotFound(f"no user {email.strip()!r}")
    return user


def add_user(
    uow: UnitOfWork,
    email: str,
    role: str,
    *,
    password: str,
    supplier: str | None = None,
    now: datetime,
) -> UserView:
    """A new user with ``role`` (``supplier`` users: bound to the supplier of code ``supplier``)."""
    store = IdentityStore(uow)
    address, kind = normal_email(email), parse_role(role)
    check_binding(kind, supplier)
    check_password(password)
    if store.user(address) is not None:
        raise ValidationError("email", f"a user {address} exists already")
    supplier_id = None
    if supplier:
        supplier_id = store.supplier_id(supplier.strip())
        if supplier_id is None:
            raise NotFound(f"unknown supplier {supplier.strip()!r}")
    user = store.add_user(address, kind.value, supplier_id, hash_password(password), now)
    after = {"role": kind.value, "supplier": user.supplier, "active": True}
    audit.record(uow, "created", "user", address, {"before": {}, "after": after})
    return _user_view(user)


def list_users(uow: UnitOfWork) -> list[UserView]:
    """Every user, by e-mail."""
    return [_user_view(user) for user in IdentityStore(uow).users()]


def _set_active(uow: UnitOfWork, email: str, active: bool, now: datetime) -> UserView:
    store = IdentityStore(uow)
    user = _find(store, email)
    if user.active != active:
        store.update_user(
            user.id, active=active, disabled_at=None if active else now, updated_at=now
        )
        if not active:
            store.end_sessions(at=now, user_id=user.id)
        action = "enabled" if active else "disabled"
        details = {"before": {"active": user.active}, "after": {"active": active}}
        audit.record(uow, action, "user", user.email, details)
    changed = store.user_by_id(user.id)
    assert changed is not None
    return _user_view(changed)


def disable_user(uow: UnitOfWork, email: str, *, now: datetime) -> UserView:
    """The user can do nothing any more: logins refused, sessions ended, tokens ignored."""
    return _set_active(uow, email, False, now)


def enable_user(uow: UnitOfWork, email: str, *, now: datetime) -> UserView:
    return _set_active(uow, email, True, now)


def set_password(uow: UnitOfWork, email: str, password: str, *, now: datetime) -> UserView:
    """A new password; the user's open browser sessions end."""
    store = IdentityStore(uow)
    user = _find(store, email)
    check_password(password)
    store.update_user(
        user.id, password_hash=hash_password(password), password_changed_at=now, updated_at=now
    )
    store.end_sessions(at=now, user_id=user.id)
    audit.record(uow, "password_changed", "user", user.email, {})
    changed = store.user_by_id(user.id)
    assert changed is not None
    return _user_view(changed)


def unlock_user(uow: UnitOfWork, email: str, *, now: datetime) -> UserView:
    """Forget the user's failed logins (a lock on their address stays until it lapses)."""
    store = IdentityStore(uow)
    user = _find(store, email)
    store.add_attempt(user.email, "", "reset", now)
    audit.record(uow, "unlocked", "user", user.email, {})
    return _user_view(user)


def _expiry(expires: date | None, now: datetime) -> datetime | None:
    """A token made to expire on ``expires`` works through that day (UTC)."""
    if expires is None:
        return None
    end = datetime.combine(expires + timedelta(days=1), time(0), tzinfo=UTC)
    if end <= now:
        raise ValidationError("expires", f"{expires.isoformat()} is in the past")
    return end


def create_token(
    uow: UnitOfWork,
    email: str,
    *,
    name: str | None = None,
    expires: date | None = None,
    now: datetime,
) -> IssuedToken:
    """A new API token acting as the user ``email``; the token itself is returned only here."""
    store = IdentityStore(uow)
    user = _find(store, email)
    if not user.active:
        raise ValidationError("user", f"{user.email} is disabled")
    label = (name or "").strip() or f"token {now:%Y-%m-%d}"
    if len(label) > 100:
        raise ValidationError("name", "at most 100 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = store.add_token(
        user.id, label, digest(token), token[:8], expires_at=_expiry(expires, now), now=now
    )
    record = store.token(token_id)
    assert record is not None
    expires_at = record.expires_at.isoformat() if record.expires_at else None
    after = {"user": user.email, "name": label, "expires_at": expires_at}
    audit.record(uow, "created", "token", str(token_id), {"before": {}, "after": after})
    return IssuedToken(token, _token_view(record, now))


def list_tokens(uow: UnitOfWork, *, user: str | None = None, now: datetime) -> list[TokenView]:
    """Every token (of ``user`` if given), oldest first; never the tokens themselves."""
    store = IdentityStore(uow)
    user_id = _find(store, user).id if user else None
    return [_token_view(token, now) for token in store.tokens(user_id)]


def revoke_token(uow: UnitOfWork, token_id: int, *, now: datetime) -> TokenView:
    """The token stops working at once."""
    store = IdentityStore(uow)
    token = store.token(token_id)
    if token is None:
        raise NotFound(f"no token {token_id}")
    if token.revoked_at is None:
        store.update_token(token.id, revoked_at=now)
        details = {"before": {"revoked_at": None}, "after": {"revoked_at": now.isoformat()}}
        audit.record(uow, "revoked", "token", str(token.id), details)
    changed = store.token(token.id)
    assert changed is not None
    return _token_view(changed, now)


TOUCH_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class TokenUse:
    principal: Principal
    touch: bool
    """Whether its last use is unrecorded or an hour old: :func:`touch_token` it."""


def token_principal(uow: UnitOfWork, token: str, *, now: datetime) -> TokenUse | None:
    """Who a bearer token acts as; ``None`` if it is unknown, expired, revoked or its user is
    disabled. Read-only (the caller records the use with :func:`touch_token` when asked to)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = IdentityStore(uow).token_by_digest(digest(token))
    if found is None:
        return None
    record, user = found
    if _token_view(record, now).status != "active" or not user.active:
        return None
    principal = Principal(
        via="token",
        role=Role(user.role),
        email=user.email,
        user_id=user.id,
        supplier_id=user.supplier_id,
        supplier=user.supplier,
        token_id=record.id,
        token_name=record.name,
    )
    touch = record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY
    return TokenUse(principal, touch)


def touch_token(uow: UnitOfWork, token_id: int, *, now: datetime) -> None:
    """Record that the token was used (``token list`` shows when)."""
    IdentityStore(uow).update_token(token_id, last_used_at=now)
