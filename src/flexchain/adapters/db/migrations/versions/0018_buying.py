"""buying: RFQs, quotes, awards, confirmations, shipment notices, capacity holds

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 09:18:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UTC = flexchain.adapters.db.types.UTCDateTime
Qty = flexchain.adapters.db.types.Qty
Dec = flexchain.adapters.db.types.Dec


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table: str, column: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _rfqs() -> None:
    op.create_table(
        "rfqs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reply_by", sa.Date(), nullable=True),
        sa.Column("plan_run_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("sent_at", UTC(timezone=True), nullable=True),
        sa.Column("awarded_at", UTC(timezone=True), nullable=True),
        sa.Column("cancelled_at", UTC(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'awarded', 'cancelled')",
            name=op.f("ck_rfqs_known_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfqs")),
        sa.UniqueConstraint("number", name=op.f("uq_rfqs_number")),
    )
    _index("rfqs", "status")
    op.create_table(
        "rfq_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfq_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", Qty(), nullable=False),
        sa.Column("need_date", sa.Date(), nullable=False),
        sa.Column("plan_number", sa.Integer(), nullable=True),
        sa.Column("pegs", sa.JSON(), nullable=False),
        sa.Column("awarded_supplier_id", sa.Integer(), nullable=True),
        sa.Column("po_number", sa.String(length=64), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_rfq_lines_positive")),
        _fk("rfq_lines", "rfq_id", "rfqs"),
        _fk("rfq_lines", "item_id", "items"),
        _fk("rfq_lines", "awarded_supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfq_lines")),
        sa.UniqueConstraint("rfq_id", "line_no", name=op.f("uq_rfq_lines_rfq_id")),
    )
    op.create_table(
        "rfq_suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfq_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        *_timestamps(),
        _fk("rfq_suppliers", "rfq_id", "rfqs"),
        _fk("rfq_suppliers", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfq_suppliers")),
        sa.UniqueConstraint("rfq_id", "supplier_id", name=op.f("uq_rfq_suppliers_rfq_id")),
    )
    _index("rfq_suppliers", "supplier_id")
    op.create_table(
        "rfq_quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rfq_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("unit_price", Dec(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("moq", Qty(), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submitted_at", UTC(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("unit_price > 0", name=op.f("ck_rfq_quotes_positive_price")),
        _fk("rfq_quotes", "rfq_id", "rfqs"),
        _fk("rfq_quotes", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rfq_quotes")),
        sa.UniqueConstraint("rfq_id", "line_no", "supplier_id", name=op.f("uq_rfq_quotes_rfq_id")),
    )
    _index("rfq_quotes", "supplier_id")


def _orders() -> None:
    op.create_table(
        "po_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("ordered_quantity", Qty(), nullable=False),
        sa.Column("confirmed_quantity", Qty(), nullable=False),
        sa.Column("previous_due_date", sa.Date(), nullable=False),
        sa.Column("confirmed_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_po_confirmations")),
    )
    _index("po_confirmations", "po_number")
    op.create_table(
        "shipment_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("shipped_on", sa.Date(), nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=False),
        sa.Column("tracking", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        _fk("shipment_notices", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_notices")),
        sa.UniqueConstraint("number", name=op.f("uq_shipment_notices_number")),
    )
    _index("shipment_notices", "po_number")
    _index("shipment_notices", "supplier_id")
    op.create_table(
        "shipment_notice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("quantity", Qty(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_shipment_notice_lines_positive")),
        _fk("shipment_notice_lines", "notice_id", "shipment_notices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_notice_lines")),
        sa.UniqueConstraint(
            "notice_id", "line_no", name=op.f("uq_shipment_notice_lines_notice_id")
        ),
    )


def _holds_and_counters() -> None:
    op.create_table(
        "capacity_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("process", sa.String(length=32), nullable=True),
        sa.Column("quantity", Qty(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("held_from", sa.Date(), nullable=False),
        sa.Column("held_until", sa.Date(), nullable=False),
        sa.Column("firm_by", UTC(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('held', 'firmed', 'released')",
            name=op.f("ck_capacity_holds_known_status"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_capacity_holds_positive")),
        _fk("capacity_holds", "supplier_id", "suppliers"),
        _fk("capacity_holds", "item_id", "items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_holds")),
    )
    _index("capacity_holds", "supplier_id")
    op.create_table(
        "buying_counters",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_buying_counters")),
    )


def upgrade() -> None:
    _rfqs()
    _orders()
    _holds_and_counters()


def downgrade() -> None:
    for table in (
        "buying_counters",
        "capacity_holds",
        "shipment_notice_lines",
        "shipment_notices",
        "po_confirmations",
        "rfq_quotes",
        "rfq_suppliers",
        "rfq_lines",
        "rfqs",
    ):
        op.drop_table(table)
