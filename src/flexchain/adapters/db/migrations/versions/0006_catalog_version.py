"""catalog version: a counter bumped by triggers whenever the catalog changes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from flexchain.adapters.db import catalog_version

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_version")),
    )
    op.execute("INSERT INTO catalog_version (id, version) VALUES (1, 0)")
    catalog_version.create_triggers(op.get_bind())


def downgrade() -> None:
    connection = op.get_bind()
    catalog_version.drop_triggers(connection)
    if connection.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS flexchain_catalog_changed()")
    op.drop_table("catalog_version")
