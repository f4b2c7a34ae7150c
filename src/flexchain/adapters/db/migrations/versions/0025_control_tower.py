"""control_tower: control tower: snoozed decisions of the Today inbox

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 12:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

UTC = flexchain.adapters.db.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "decision_snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("snoozed_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_snoozes")),
        sa.UniqueConstraint("key", name=op.f("uq_decision_snoozes_key")),
    )


def downgrade() -> None:
    op.drop_table("decision_snoozes")
