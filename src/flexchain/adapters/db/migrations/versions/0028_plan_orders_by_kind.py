"""plan_orders_by_kind: an index on a run's planned orders by kind and release day

The Plan page, Today's planned orders and the release read a run's planned orders of one kind
by release day; at 20,000 items a run holds about 30,000 of them.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 15:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_plan_orders_run_kind_release",
        "plan_orders",
        ["run_id", "kind", "release_date"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_plan_orders_run_kind_release", table_name="plan_orders")
