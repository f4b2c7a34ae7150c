"""reservations: a partial index for the sweep of expired reservations

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_reservations_expiring",
        "reservations",
        ["item_id", "location_id", "status", "expires_at"],
        unique=False,
        postgresql_where=sa.text("expires_at IS NOT NULL"),
        sqlite_where=sa.text("expires_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_reservations_expiring", table_name="reservations")
