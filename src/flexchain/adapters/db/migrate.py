"""Create or upgrade a database to the newest schema (``flexchain init``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from flexchain.adapters.secretbox import KeySource

MIGRATIONS = Path(__file__).parent / "migrations"
ENCRYPTED_SECRETS = "0015"
"""The revision that encrypted the shop secrets stored in plain text before it."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, *, secrets: KeySource | None = None) -> tuple[str | None, str]:
    """Bring the database to the head revision; returns (revision before, revision after).

    ``secrets``: the keys that encrypt the shop secrets a migration encrypts (default: the
    installed ones, see :func:`flexchain.adapters.secretbox.installed`).
    """
    before = current_revision(engine)
    config = alembic_config()
    if secrets is not None:
        config.attributes["secrets"] = secrets
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    if engine.dialect.name == "sqlite" and before is not None and before < ENCRYPTED_SECRETS:
        _truncate_wal(engine)
    return before, head_revision()


def _truncate_wal(engine: Engine) -> None:
    """Copy SQLite's write-ahead log into the database and empty it: the log's older frames
    still hold pages as they were (with the plain secrets the upgrade encrypted)."""
    connection = engine.raw_connection()  # outside a transaction, which would pin the log
    try:
        connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
