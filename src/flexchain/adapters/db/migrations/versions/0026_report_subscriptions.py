"""report_subscriptions: weekly report: who asked for it, and what was sent

``report_subscriptions``: the users who asked for the weekly report by e-mail;
``report_sends``: one row per week and user the report was e-mailed to (unique: sending again
the same week sends nothing twice).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 12:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

UTC = flexchain.adapters.db.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "report_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_report_subscriptions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_subscriptions")),
        sa.UniqueConstraint("user_id", name=op.f("uq_report_subscriptions_user_id")),
    )
    op.create_table(
        "report_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_end", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("message_id", sa.String(length=254), nullable=False),
        sa.Column("sent_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_report_sends_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_sends")),
        sa.UniqueConstraint("week_end", "user_id", name=op.f("uq_report_sends_week_end")),
    )
    op.create_index(op.f("ix_report_sends_user_id"), "report_sends", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_report_sends_user_id"), table_name="report_sends")
    op.drop_table("report_sends")
    op.drop_table("report_subscriptions")
