"""paying: receipts, inspections, invoices, payments, quality fund, exchange rates

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 09:19:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UTC = flexchain.adapters.db.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("rate", flexchain.adapters.db.types.Dec(18, 8), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint("base", "currency", "rate_date", name=op.f("uq_exchange_rates_base")),
    )

    op.create_table(
        "capacity_fee_accruals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("amount", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("accrued_at", UTC(timezone=True), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_capacity_fee_accruals_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_capacity_fee_accruals_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_fee_accruals")),
        sa.UniqueConstraint(
            "contract_id", "month", name=op.f("uq_capacity_fee_accruals_contract_id")
        ),
    )
    with op.batch_alter_table("capacity_fee_accruals") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_capacity_fee_accruals_contract_id"), ["contract_id"], unique=False
        )

    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("received_at", UTC(timezone=True), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_receipts_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_receipts_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint("number", name=op.f("uq_receipts_number")),
    )
    with op.batch_alter_table("receipts") as batch_op:
        batch_op.create_index(batch_op.f("ix_receipts_po_number"), ["po_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipts_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "receipt_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("po_line_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", flexchain.adapters.db.types.Qty(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_receipt_lines_positive")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_receipt_lines_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["po_line_id"],
            ["purchase_order_lines.id"],
            name=op.f("fk_receipt_lines_po_line_id_purchase_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["receipts.id"], name=op.f("fk_receipt_lines_receipt_id_receipts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_lines")),
        sa.UniqueConstraint("receipt_id", "line_no", name=op.f("uq_receipt_lines_receipt_id")),
    )
    with op.batch_alter_table("receipt_lines") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_receipt_lines_po_line_id"), ["po_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_receipt_lines_receipt_id"), ["receipt_id"], unique=False
        )

    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_line_id", sa.Integer(), nullable=False),
        sa.Column("accepted", flexchain.adapters.db.types.Qty(), nullable=False),
        sa.Column("rejected", flexchain.adapters.db.types.Qty(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("inspected_at", UTC(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "accepted >= 0 AND rejected >= 0", name=op.f("ck_inspections_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_line_id"],
            ["receipt_lines.id"],
            name=op.f("fk_inspections_receipt_line_id_receipt_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    with op.batch_alter_table("inspections") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspections_receipt_line_id"), ["receipt_line_id"], unique=False
        )

    # ### end Alembic commands ###

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("supplier_invoice_number", sa.String(length=64), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("total", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("base_total", flexchain.adapters.db.types.Dec(), nullable=True),
        sa.Column("approved_at", UTC(timezone=True), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('received', 'matched', 'held', 'approved', 'scheduled', 'paid', "
            "'rejected')",
            name=op.f("ck_invoices_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_invoices_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
    )
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_po_number"), ["po_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_supplier_id"), ["supplier_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_invoices_supplier_invoice_number"),
            ["supplier_invoice_number"],
            unique=False,
        )

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("quantity", flexchain.adapters.db.types.Qty(), nullable=False),
        sa.Column("unit_price", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("amount", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_lines_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
        sa.UniqueConstraint("invoice_id", "line_no", name=op.f("uq_invoice_lines_invoice_id")),
    )
    with op.batch_alter_table("invoice_lines") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_lines_invoice_id"), ["invoice_id"], unique=False
        )

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gross", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("retained", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("discount", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("amount", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid_at", UTC(timezone=True), nullable=True),
        sa.Column("early_requested_at", UTC(timezone=True), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('invoice', 'fund_release')", name=op.f("ck_payments_known_kind")
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'paid')", name=op.f("ck_payments_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_payments_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_payments_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_payments_invoice_id")),
    )
    with op.batch_alter_table("payments") as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_payments_supplier_id"), ["supplier_id"], unique=False)

    op.create_table(
        "quality_fund_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('retained', 'released', 'forfeited')",
            name=op.f("ck_quality_fund_entries_known_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_quality_fund_entries_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_quality_fund_entries_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_fund_entries")),
    )
    with op.batch_alter_table("quality_fund_entries") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quality_fund_entries_quarter"), ["quarter"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_quality_fund_entries_supplier_id"), ["supplier_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("quality_fund_entries")
    op.drop_table("payments")
    op.drop_table("invoice_lines")
    op.drop_table("invoices")
    op.drop_table("inspections")
    op.drop_table("receipt_lines")
    op.drop_table("receipts")
    op.drop_table("capacity_fee_accruals")
    op.drop_table("exchange_rates")
