"""The identity store: users, API tokens, browser sessions and login attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import (
    ApiTokenRow,
    LoginAttemptRow,
    SessionRow,
    SupplierRow,
    UserRow,
)
from flexchain.adapters.db.uow import UnitOfWork

__all__ = ["IdentityStore", "SessionRecord", "TokenRecord", "UserRecord"]


@dataclass(frozen=True)
class UserRecord:
    id: int
    email: str
    role: str
    supplier_id: int | None
    supplier: str | None
    password_hash: str
    active: bool
    created_at: datetime
    password_changed_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True)
class TokenRecord:
    id: int
    user_id: int
    email: str
    name: str
    hint: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class SessionRecord:
    id: int
    user_id: int
    csrf: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None


def _users() -> Any:
    query: Any = select(UserRow, SupplierRow.code).outerjoin(
        SupplierRow, SupplierRow.id == UserRow.supplier_id
    )
    return query


def _user(row: UserRow, supplier: str | None) -> UserRecord:
    return UserRecord(
        row.id,
        row.email,
        row.role,
        row.supplier_id,
        supplier,
        row.password_hash,
        row.active,
        row.created_at,
        row.password_changed_at,
        row.disabled_at,
    )


def _token(row: ApiTokenRow, email: str) -> TokenRecord:
    return TokenRecord(
        row.id,
        row.user_id,
        email,
        row.name,
        row.hint,
        row.created_at,
        row.expires_at,
        row.revoked_at,
        row.last_used_at,
    )


class IdentityStore:
    """Users, tokens, sessions and attempts within one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session: Session = uow.session

    # -- users --------------------------------------------------------------------------------

    def supplier_id(self, code: str) -> int | None:
        return self.session.scalar(select(SupplierRow.id).where(SupplierRow.code == code))

    def user(self, email: str) -> UserRecord | None:
        found = self.session.execute(_users().where(UserRow.email == email)).first()
        return _user(*found) if found is not None else None

    def user_by_id(self, user_id: int) -> UserRecord | None:
        found = self.session.execute(_users().where(UserRow.id == user_id)).first()
        return _user(*found) if found is not None else None

    def users(self) -> list[UserRecord]:
        return [_user(*row) for row in self.session.execute(_users().order_by(UserRow.email))]

    def add_user(
        self, email: str, role: str, supplier_id: int | None, password_hash: str, now: datetime
    ) -> UserRecord:
        row = UserRow(
            email=email,
            role=role,
            supplier_id=supplier_id,
            password_hash=password_hash,
            active=True,
            password_changed_at=now,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        found = self.user_by_id(row.id)
        assert found is not None
        return found

    def update_user(self, user_id: int, **values: Any) -> None:
        self.session.execute(update(UserRow).where(UserRow.id == user_id).values(**values))

    # -- tokens -------------------------------------------------------------------------------

    def add_token(
        self,
        user_id: int,
        name: str,
        digest: str,
        hint: str,
        *,
        expires_at: datetime | None,
        now: datetime,
    ) -> int:
        row = ApiTokenRow(
            user_id=user_id,
            name=name,
            digest=digest,
            hint=hint,
            created_at=now,
            expires_at=expires_at,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def token_by_digest(self, digest: str) -> tuple[TokenRecord, UserRecord] | None:
        found = self.session.execute(
            select(ApiTokenRow, UserRow, SupplierRow.code)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .outerjoin(SupplierRow, SupplierRow.id == UserRow.supplier_id)
            .where(ApiTokenRow.digest == digest)
        ).first()
        if found is None:
            return None
        token, user, supplier = found
        return _token(token, user.email), _user(user, supplier)

    def tokens(self, user_id: int | None = None) -> list[TokenRecord]:
        query = select(ApiTokenRow, UserRow.email).join(UserRow, UserRow.id == ApiTokenRow.user_id)
        if user_id is not None:
            query = query.where(ApiTokenRow.user_id == user_id)
        return [
            _token(row, email)
            for row, email in self.session.execute(query.order_by(ApiTokenRow.id))
        ]

    def token(self, token_id: int) -> TokenRecord | None:
        found = self.session.execute(
            select(ApiTokenRow, UserRow.email)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .where(ApiTokenRow.id == token_id)
        ).first()
        return _token(*found) if found is not None else None

    def update_token(self, token_id: int, **values: Any) -> None:
        self.session.execute(update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(**values))

    # -- sessions -----------------------------------------------------------------------------

    def add_session(
        self,
        user_id: int,
        digest: str,
        csrf: str,
        *,
        address: str,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        self.session.add(
            SessionRow(
                user_id=user_id,
                digest=digest,
                csrf=csrf,
                address=address[:64],
                created_at=now,
                expires_at=expires_at,
            )
        )
        self.session.flush()

    def session_by_digest(self, digest: str) -> tuple[SessionRecord, UserRecord] | None:
        found = self.session.execute(
            select(SessionRow, UserRow, SupplierRow.code)
            .join(UserRow, UserRow.id == SessionRow.user_id)
            .outerjoin(SupplierRow, SupplierRow.id == UserRow.supplier_id)
            .where(SessionRow.digest == digest)
        ).first()
        if found is None:
            return None
        row, user, supplier = found
        record = SessionRecord(
            row.id, row.user_id, row.csrf, row.created_at, row.expires_at, row.ended_at
        )
        return record, _user(user, supplier)

    def end_sessions(
        self, *, at: datetime, digest: str | None = None, user_id: int | None = None
    ) -> None:
        """End one session (by its digest) or every open session of a user."""
        query = update(SessionRow).where(SessionRow.ended_at.is_(None))
        if digest is not None:
            query = query.where(SessionRow.digest == digest)
        if user_id is not None:
            query = query.where(SessionRow.user_id == user_id)
        self.session.execute(query.values(ended_at=at))

    # -- login attempts -----------------------------------------------------------------------

    def add_attempt(self, email: str, address: str, outcome: str, at: datetime) -> None:
        self.session.add(
            LoginAttemptRow(email=email[:254], address=address[:64], outcome=outcome, at=at)
        )
        self.session.flush()

    def last_cleared(self, email: str) -> datetime | None:
        """The last successful login or unlock of ``email``: failures before it no longer count."""
        return self.session.scalar(
            select(LoginAttemptRow.at)
            .where(LoginAttemptRow.email == email, LoginAttemptRow.outcome.in_(("ok", "reset")))
            .order_by(LoginAttemptRow.at.desc())
            .limit(1)
        )

    def failures(
        self, since: datetime, *, email: str | None = None, address: str | None = None
    ) -> list[datetime]:
        """When logins failed (wrong password, or tried while locked) since ``since``."""
        query = select(LoginAttemptRow.at).where(
            LoginAttemptRow.at > since, LoginAttemptRow.outcome.in_(("wrong", "locked"))
        )
        if email is not None:
            query = query.where(LoginAttemptRow.email == email)
        if address is not None:
            query = query.where(LoginAttemptRow.address == address)
        return list(self.session.scalars(query))


def supplier_codes(uow: UnitOfWork) -> list[str]:
    """Every active supplier's code, sorted (the demo makes one login per supplier)."""
    return list(
        uow.session.scalars(
            select(SupplierRow.code).where(SupplierRow.active.is_(True)).order_by(SupplierRow.code)
        )
    )
