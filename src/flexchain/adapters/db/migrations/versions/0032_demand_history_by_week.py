"""demand_history_by_week: an index on demand_history(period_start)

The forecast accuracy KPIs measure live the weeks after the latest plan run (on a Sunday, the
week ending that day): a read of one or two weeks of history, which without this index scans
the whole table (0.19 s at 20,000 items x two years).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 23:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_demand_history_period_start", "demand_history", ["period_start"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_demand_history_period_start", table_name="demand_history")
