"""purchase_orders: the header of a purchase order; its lines gain confirmation and top-up columns

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UTC = flexchain.adapters.db.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("rfq_number", sa.String(length=64), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTC(timezone=True), nullable=True),
        sa.Column("confirmed_at", UTC(timezone=True), nullable=True),
        sa.Column("closed_at", UTC(timezone=True), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'confirmed', 'closed', 'cancelled')",
            name=op.f("ck_purchase_orders_known_status"),
        ),
        sa.CheckConstraint(
            "source IN ('manual', 'rfq', 'calloff', 'sourcing', 'import')",
            name=op.f("ck_purchase_orders_known_source"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_purchase_orders_contract_id_contracts")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_purchase_orders_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
        sa.UniqueConstraint("po_number", name=op.f("uq_purchase_orders_po_number")),
    )
    with op.batch_alter_table("purchase_orders") as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_orders_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_purchase_orders_supplier_id"), ["supplier_id"], unique=False
        )
    with op.batch_alter_table("purchase_order_lines") as batch_op:
        batch_op.add_column(
            sa.Column("confirmed_quantity", flexchain.adapters.db.types.Qty(), nullable=True)
        )
        batch_op.add_column(sa.Column("confirmed_date", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("topup", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("purchase_order_lines") as batch_op:
        batch_op.drop_column("topup")
        batch_op.drop_column("confirmed_date")
        batch_op.drop_column("confirmed_quantity")
    with op.batch_alter_table("purchase_orders") as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_orders_supplier_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_orders_status"))
    op.drop_table("purchase_orders")
