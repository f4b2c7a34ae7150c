"""plans as they were: stored models, backtest figures, policy numbers, transfers

``plan_items``: one row per run, item and location with the forecast model, its backtest MASE,
WAPE and bias, the policy's safety stock, reorder point, order quantity and days of cover, and
the numbers ``plan explain`` shows. ``plan_orders`` gain ``location`` (where the order is due,
``""`` for the home warehouse) and ``from_location`` (a transfer's source); ``plan_exceptions``
gain ``location``; ``purchase_order_lines`` gain ``location_id`` (where the line is received,
NULL: the home warehouse).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    types = flexchain.adapters.db.types
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=32), nullable=True),
        sa.Column("default_model", sa.String(length=32), nullable=True),
        sa.Column("mase", types.Dec(), nullable=True),
        sa.Column("wape", types.Dec(), nullable=True),
        sa.Column("bias", types.Dec(), nullable=True),
        sa.Column("safety_stock", types.Qty(), nullable=False),
        sa.Column("reorder_point", types.Qty(), nullable=False),
        sa.Column("order_quantity", types.Qty(), nullable=False),
        sa.Column("days_of_cover", types.Dec(), nullable=True),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_plan_items_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["plan_runs.id"], name=op.f("fk_plan_items_run_id_plan_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_items")),
        sa.UniqueConstraint("run_id", "item_id", "location", name=op.f("uq_plan_items_run_id")),
    )
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_items_run_id"), ["run_id"], unique=False)
    with op.batch_alter_table("plan_orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("location", sa.String(length=32), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("from_location", sa.String(length=32), nullable=True))
    with op.batch_alter_table("plan_exceptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("location", sa.String(length=32), server_default="", nullable=False)
        )
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_purchase_order_lines_location_id_locations"),
            "locations",
            ["location_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_purchase_order_lines_location_id_locations"), type_="foreignkey"
        )
        batch_op.drop_column("location_id")
    with op.batch_alter_table("plan_exceptions", schema=None) as batch_op:
        batch_op.drop_column("location")
    with op.batch_alter_table("plan_orders", schema=None) as batch_op:
        batch_op.drop_column("from_location")
        batch_op.drop_column("location")
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_items_run_id"))
    op.drop_table("plan_items")
