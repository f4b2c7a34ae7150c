"""options with their own materials; sales and custom jobs as planning demand

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 23:00:00

Only the options' components need a table: sales-order lines and custom jobs are read as they
are by the planning snapshot (adapters/db/demand.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "option_components",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("quantity", flexchain.adapters.db.types.Qty(), nullable=False),
        sa.Column("scrap_pct", flexchain.adapters.db.types.Qty(), nullable=False),
        sa.Column(
            "created_at", flexchain.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", flexchain.adapters.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_option_components_positive")),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["items.id"],
            name=op.f("fk_option_components_component_id_items"),
        ),
        sa.ForeignKeyConstraint(
            ["option_id"], ["options.id"], name=op.f("fk_option_components_option_id_options")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_option_components")),
        sa.UniqueConstraint(
            "option_id", "component_id", name=op.f("uq_option_components_option_id")
        ),
    )
    with op.batch_alter_table("option_components", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_option_components_component_id"), ["component_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_option_components_option_id"), ["option_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("option_components", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_option_components_option_id"))
        batch_op.drop_index(batch_op.f("ix_option_components_component_id"))
    op.drop_table("option_components")
