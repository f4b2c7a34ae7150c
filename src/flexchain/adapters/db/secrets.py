"""The secrets store: every encrypted column (:class:`~flexchain.adapters.db.types.Encrypted`)
as stored, Fernet tokens that are never decrypted here, for re-encryption under a new key.

The columns are found in the models, so a table that gains an encrypted column is rotated with
the others without a change here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Column, Table, Text, select, type_coerce, update
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import Base
from flexchain.adapters.db.types import Encrypted

__all__ = ["SecretStore", "StoredSecret", "encrypted_columns"]


@dataclass(frozen=True)
class StoredSecret:
    """One encrypted value as stored: ``table.column`` of the row whose key is ``row_id``."""

    table: str
    column: str
    row_id: int
    token: str

    @property
    def where(self) -> str:
        return f"{self.table}.{self.column}"


def encrypted_columns() -> Iterator[tuple[Table, Column[int], list[Column[str]]]]:
    """(table, its primary key, its encrypted columns) of each table holding secrets."""
    for table in Base.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, Encrypted)]
        if columns:
            (key,) = table.primary_key.columns
            yield table, key, columns


class SecretStore:
    """The stored secrets within a unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def stored(self) -> list[StoredSecret]:
        """Every encrypted value there is, its rows locked for this transaction (key order)."""
        found: list[StoredSecret] = []
        for table, key, columns in encrypted_columns():
            rows = self.session.execute(
                select(key, *(type_coerce(column, Text) for column in columns))
                .order_by(key)
                .with_for_update()
            ).all()
            for row_id, *tokens in rows:
                found.extend(
                    StoredSecret(table.name, column.name, row_id, token)
                    for column, token in zip(columns, tokens, strict=True)
                    if token is not None
                )
        return found

    def replace(self, secrets: Iterable[StoredSecret]) -> None:
        """Store each of ``secrets``' tokens as it is (already encrypted)."""
        tables = {table.name: (table, key) for table, key, _ in encrypted_columns()}
        for secret in secrets:
            table, key = tables[secret.table]
            self.session.execute(
                update(table)
                .where(key == secret.row_id)
                .values({secret.column: type_coerce(secret.token, Text)})
            )
