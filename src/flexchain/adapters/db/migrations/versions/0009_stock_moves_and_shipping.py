"""stock moves by command, shipments reported to the store, outbox kinds, shops disabled

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 23:00:00

The outbox already has its ``kind`` column (``availability``; ``fulfilment`` is new data, not
new schema). Shipping adds the shipment to the order, WooCommerce variations get their parent
product on the SKU mapping, and a removed shop is kept with the time it was removed. A stock
move gets the reason a person gave for it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # --- shipping (H3): the shipment on the order, shops removed, variations' parent product
    with op.batch_alter_table("sales_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carrier", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("tracking_number", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("tracking_url", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column(
                "shipped_at",
                flexchain.adapters.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "removed_at",
                flexchain.adapters.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    with op.batch_alter_table("sku_mappings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_parent_id", sa.String(length=32), nullable=True))
    # --- stock (H2): why a person moved stock (stock receive|transfer|adjust|count --reason)
    with op.batch_alter_table("stock_moves", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade() -> None:
    # --- stock (H2)
    with op.batch_alter_table("stock_moves", schema=None) as batch_op:
        batch_op.drop_column("reason")
    # --- shipping (H3)
    with op.batch_alter_table("sku_mappings", schema=None) as batch_op:
        batch_op.drop_column("external_parent_id")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
    with op.batch_alter_table("sales_orders", schema=None) as batch_op:
        batch_op.drop_column("shipped_at")
        batch_op.drop_column("tracking_url")
        batch_op.drop_column("tracking_number")
        batch_op.drop_column("carrier")
