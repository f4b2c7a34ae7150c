"""plan_orders_by_number_and_item: indexes on a run's planned orders by number and by item

Releasing planned orders (and drafting RFQs of them) finds a run's planned orders by number;
plan explain and the item page read a run's planned orders of one item, the plan diff those of
a chunk of items. At 20,000 items a run holds about 30,000 planned orders, and the index on
(run, kind, release day) of 0028 serves none of these reads.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 21:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_plan_orders_run_number", "plan_orders", ["run_id", "number"], unique=False)
    op.create_index("ix_plan_orders_run_item", "plan_orders", ["run_id", "item_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_plan_orders_run_item", table_name="plan_orders")
    op.drop_index("ix_plan_orders_run_number", table_name="plan_orders")
