"""Who acts: roles, the principal a request or command acts as, and the login lockout rule.

Pure rules, no I/O: the services load users, tokens and attempts and ask these functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flexchain.domain.errors import ValidationError


class Role(StrEnum):
    """One role per user (docs/security.md lists what each may do)."""

    ADMIN = "admin"
    PLANNER = "planner"
    BUYER = "buyer"
    FINANCE = "finance"
    QUALITY = "quality"
    VIEWER = "viewer"
    SUPPLIER = "supplier"


STAFF = frozenset(Role) - {Role.SUPPLIER}
"""The brand's own people: every role but ``supplier``."""
EVERYONE = frozenset(Role)
"""Anyone logged in, suppliers included (they see only their own records)."""

MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise ValidationError("role", f"unknown role {value!r} (one of {known})") from None


def normal_email(value: str) -> str:
    """The e-mail as stored and matched: trimmed, lower case; refused unless it looks like one."""
    email = value.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise ValidationError("email", f"{value!r} is not an e-mail address")
    return email


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD} characters")
    return password


def check_binding(role: Role, supplier: str | None) -> None:
    """A ``supplier`` user is bound to exactly one supplier; nobody else is bound to one."""
    if role is Role.SUPPLIER and not supplier:
        raise ValidationError("supplier", "a supplier user needs --supplier CODE")
    if role is not Role.SUPPLIER and supplier:
        raise ValidationError("supplier", f"only supplier users have a supplier (not {role})")


@dataclass(frozen=True)
class Principal:
    """Who a request or command acts as.

    ``via`` is how they proved it: ``session`` (browser login), ``token`` (API token), ``shop``
    (a shop's publishable key, quotes only), ``public`` (nobody: a public route), ``cli`` or
    ``system``. ``role`` is ``None`` for anyone who is not a user.
    """

    via: str
    role: Role | None = None
    email: str | None = None
    user_id: int | None = None
    supplier_id: int | None = None
    supplier: str | None = None
    token_id: int | None = None
    token_name: str | None = None
    shop: str | None = None
    csrf: str | None = None
    """The session's CSRF token (``session`` only): every state-changing form carries it."""

    @property
    def actor(self) -> str:
        """The audit trail's "who"."""
        if self.via == "token":
            return f"token:{self.token_id} ({self.token_name}) of {self.email}"
        if self.via == "session":
            return f"user:{self.email}"
        if self.via == "shop":
            return f"shop:{self.shop}"
        return self.via

    @property
    def supplier_scope(self) -> int | None:
        """The supplier whose records alone this principal may see (``supplier`` users)."""
        return self.supplier_id if self.role is Role.SUPPLIER else None


ANONYMOUS = Principal(via="public")


@dataclass(frozen=True)
class LockoutRule:
    """Refuse logins after ``failures`` wrong passwords for one e-mail within ``window`` (and
    four times as many from one address), until the window has passed since the last of them.

    Each wrong password while locked counts too, so a stubborn guesser stays locked out.
    """

    failures: int = 5
    window: timedelta = timedelta(minutes=15)

    def locked_until(
        self, failures: list[datetime], now: datetime, *, per_address: bool = False
    ) -> datetime | None:
        """When the lock on an e-mail (or address) with these failure times ends; ``None`` if
        it is not locked at ``now``.

        >>> from datetime import UTC
        >>> t = datetime(2026, 12, 5, 9, tzinfo=UTC)
        >>> rule = LockoutRule(failures=3, window=timedelta(minutes=15))
        >>> rule.locked_until([t, t, t], t + timedelta(minutes=1)) == t + timedelta(minutes=15)
        True
        >>> rule.locked_until([t, t], t + timedelta(minutes=1)) is None
        True
        """
        limit = self.failures * (4 if per_address else 1)
        recent = sorted(at for at in failures if now - self.window < at <= now)
        if len(recent) < limit:
            return None
        return recent[-1] + self.window
