"""audit_log: append-only (triggers refuse UPDATE, DELETE and TRUNCATE), indexes for its filters

The audit trail must not be rewritten from inside the application's own connection: on SQLite
``BEFORE UPDATE``/``BEFORE DELETE`` triggers abort the statement; on PostgreSQL a plpgsql function
raises from row triggers (UPDATE, DELETE) and a statement trigger (TRUNCATE). Indexes on
(entity, at) and (actor, at) serve ``flexchain audit list --entity/--user``. The actor column
widens to 200 characters (a webhook's actor names the shop's domain; SQLite does not enforce
lengths, so only PostgreSQL's column changes).

A later migration that rebuilds ``audit_log`` on SQLite (``batch_alter_table``) drops its
triggers with the old table and must create them again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

MESSAGE = "audit_log is append-only"

SQLITE_UP = [
    f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
]
POSTGRESQL_UP = [
    f"""CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END;
    $$""",
    """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
]


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgresql():
        op.alter_column(
            "audit_log",
            "actor",
            existing_type=sa.String(length=100),
            type_=sa.String(length=200),
            existing_nullable=False,
        )
    op.create_index("ix_audit_log_entity_at", "audit_log", ["entity", "at"], unique=False)
    op.create_index("ix_audit_log_actor_at", "audit_log", ["actor", "at"], unique=False)
    for statement in POSTGRESQL_UP if _postgresql() else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRESQL_DOWN if _postgresql() else SQLITE_DOWN:
        op.execute(statement)
    op.drop_index("ix_audit_log_actor_at", table_name="audit_log")
    op.drop_index("ix_audit_log_entity_at", table_name="audit_log")
    if _postgresql():
        op.alter_column(
            "audit_log",
            "actor",
            existing_type=sa.String(length=200),
            type_=sa.String(length=100),
            existing_nullable=False,
        )
