"""The catalog version: a counter the database bumps whenever the catalog changes.

The catalog is what orders are read against and rarely changes: items, BOM lines, options, SKU
mappings, shops, locations, suppliers and their capabilities. A trigger on each of these tables
(migration 0006) adds one to ``catalog_version.version`` in the same transaction as the change,
whoever makes it (a CLI command, an import, another server process). A long-running reader such
as the API server's intake keeps its catalog lookups while :func:`version` returns the same
number, and drops them the moment it does not: one tiny query instead of a dozen per batch.

A batch migration on SQLite (``render_as_batch``) recreates a table without its triggers: a
migration that alters one of :data:`TABLES` there must call :func:`create_triggers` again
(``tests/integration/test_catalog_version.py`` fails if a table lost its trigger).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["TABLES", "create_triggers", "drop_triggers", "version"]

TABLES = (
    "items",
    "bom_lines",
    "options",
    "sku_mappings",
    "shops",
    "locations",
    "suppliers",
    "supplier_capabilities",
)
"""The tables whose every change bumps the catalog version."""

_FUNCTION = "flexchain_catalog_changed"
_BUMP = "UPDATE catalog_version SET version = version + 1 WHERE id = 1"


def version(session: Session) -> int:
    """The catalog's version as this transaction sees it."""
    return int(
        session.execute(text("SELECT version FROM catalog_version WHERE id = 1")).scalar_one()
    )


def create_triggers(connection: Any, tables: tuple[str, ...] = TABLES) -> None:
    """Create the triggers that bump the version on any change of ``tables`` (idempotent)."""
    drop_triggers(connection, tables)
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                f"CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
            )
        )
        for table in tables:  # once per statement, however many rows it changes
            connection.execute(
                text(
                    f"CREATE TRIGGER {table}_catalog_changed AFTER INSERT OR UPDATE OR DELETE "
                    f"OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
                )
            )
        return
    for table in tables:  # SQLite has row triggers only
        for event in ("insert", "update", "delete"):
            connection.execute(
                text(
                    f"CREATE TRIGGER {table}_catalog_{event} AFTER {event.upper()} ON {table} "
                    f"BEGIN {_BUMP}; END"
                )
            )


def drop_triggers(connection: Any, tables: tuple[str, ...] = TABLES) -> None:
    for table in tables:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_catalog_changed ON {table}"))
        else:
            for event in ("insert", "update", "delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_catalog_{event}"))
