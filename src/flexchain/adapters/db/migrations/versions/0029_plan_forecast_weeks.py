"""plan_forecast_weeks: each run's measure of the stored forecasts of the weeks since the last run

The forecast accuracy and bias KPIs read these per-week sums instead of every item's demand
history at each page view (at 20,000 items that took over a second).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_forecast_weeks",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("forecasts", sa.Integer(), nullable=False),
        sa.Column("actual", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("error", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("over", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["plan_runs.id"]),
        sa.PrimaryKeyConstraint("run_id", "period"),
    )
    op.create_index(
        "ix_plan_forecast_weeks_period", "plan_forecast_weeks", ["period"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_plan_forecast_weeks_period", table_name="plan_forecast_weeks")
    op.drop_table("plan_forecast_weeks")
