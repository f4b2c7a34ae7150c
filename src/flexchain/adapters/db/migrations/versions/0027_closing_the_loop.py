"""closing_the_loop: issues reported on delivered orders, planned orders released once

``order_issues``: what went wrong with a delivered order (damaged, wrong customisation,
incomplete, other), for the perfect order rate; ``plan_releases``: which planned order of a run
was released into which PO, RFQ or job (unique per planned order).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

UTC = flexchain.adapters.db.types.UTCDateTime
QTY = flexchain.adapters.db.types.Qty


def upgrade() -> None:
    op.create_table(
        "order_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("quantity", QTY(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reported_at", UTC(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["sales_orders.id"], name=op.f("fk_order_issues_order_id_sales_orders")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["sales_order_lines.id"],
            name=op.f("fk_order_issues_line_id_sales_order_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_issues")),
    )
    op.create_index(op.f("ix_order_issues_order_id"), "order_issues", ["order_id"], unique=False)
    op.create_table(
        "plan_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("released_at", UTC(timezone=True), nullable=False),
        sa.Column("released_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_order_id"],
            ["plan_orders.id"],
            name=op.f("fk_plan_releases_plan_order_id_plan_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_releases")),
        sa.UniqueConstraint("plan_order_id", name=op.f("uq_plan_releases_plan_order_id")),
    )


def downgrade() -> None:
    op.drop_table("plan_releases")
    op.drop_index(op.f("ix_order_issues_order_id"), table_name="order_issues")
    op.drop_table("order_issues")
