"""plan forecasts: each complete run's weekly forecast per buffer, for forecast accuracy

``plan_forecasts``: one row per run, item and location (``""`` home) with the run's first
forecast week (``origin``), the model and the weekly means as comma-separated decimals. Later
runs read the latest complete run of each earlier week back as ``past_forecasts``; rows older
than 60 weeks, and those of an earlier run of the same week, are deleted by the run that writes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_forecasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=32), nullable=False),
        sa.Column("weekly", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_plan_forecasts_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["plan_runs.id"], name=op.f("fk_plan_forecasts_run_id_plan_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_forecasts")),
    )
    with op.batch_alter_table("plan_forecasts", schema=None) as batch_op:
        batch_op.create_index("ix_plan_forecasts_origin_run_id", ["origin", "run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_forecasts", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_forecasts_origin_run_id")
    op.drop_table("plan_forecasts")
