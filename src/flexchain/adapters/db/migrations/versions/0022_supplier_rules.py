"""supplier_rules: rule firings, policies, spot-check requests, item certificates

What the supplier rules fired (why, what was done, what a person must decide), each supplier's
policy (allocation weight, monitoring), the QC spot checks the brand requested, and the
certificates items require.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

UTC = flexchain.adapters.db.types.UTCDateTime
Dec = flexchain.adapters.db.types.Dec


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _rule_firings() -> None:
    op.create_table(
        "rule_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("open_marker", sa.Integer(), nullable=True),
        sa.Column("fired_at", UTC(timezone=True), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", UTC(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "status IN ('open', 'decided', 'dismissed')", name=op.f("ck_rule_firings_known_status")
        ),
        sa.CheckConstraint("open_marker = 1", name=op.f("ck_rule_firings_open_marker_one")),
        _fk("rule_firings", "supplier_id", "suppliers"),
        _fk("rule_firings", "item_id", "items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_firings")),
        sa.UniqueConstraint("key", "open_marker", name=op.f("uq_rule_firings_key")),
    )
    _indexes("rule_firings", "rule", "supplier_id", "key", "status")


def upgrade() -> None:
    _rule_firings()
    op.create_table(
        "supplier_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("allocation_weight", Dec(9, 6), nullable=False),
        sa.Column("monitoring", sa.Boolean(), nullable=False),
        sa.Column("monitoring_since", UTC(timezone=True), nullable=True),
        sa.Column("checkin_interval_days", sa.Integer(), nullable=True),
        sa.Column("spot_checks_per_week", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        *_stamps(),
        _fk("supplier_policies", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_policies")),
        sa.UniqueConstraint("supplier_id", name=op.f("uq_supplier_policies_supplier_id")),
    )
    op.create_table(
        "spot_check_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("po_number", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", UTC(timezone=True), nullable=False),
        sa.Column("due_by", UTC(timezone=True), nullable=False),
        sa.Column("video_requested", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", UTC(timezone=True), nullable=True),
        sa.Column("qc_record_id", sa.Integer(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "status IN ('requested', 'answered', 'cancelled')",
            name=op.f("ck_spot_check_requests_known_status"),
        ),
        _fk("spot_check_requests", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check_requests")),
        sa.UniqueConstraint("number", name=op.f("uq_spot_check_requests_number")),
    )
    _indexes("spot_check_requests", "supplier_id", "status")
    op.create_table(
        "item_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("certificate", sa.String(length=100), nullable=False),
        sa.Column("market", sa.String(length=8), nullable=False),
        *_stamps(),
        _fk("item_certificates", "item_id", "items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_certificates")),
        sa.UniqueConstraint(
            "item_id", "certificate", "market", name=op.f("uq_item_certificates_item_id")
        ),
    )
    _indexes("item_certificates", "item_id")


def downgrade() -> None:
    for table, columns in (
        ("item_certificates", ("item_id",)),
        ("spot_check_requests", ("supplier_id", "status")),
        ("supplier_policies", ()),
        ("rule_firings", ("rule", "supplier_id", "key", "status")),
    ):
        if columns:
            with op.batch_alter_table(table) as batch_op:
                for column in columns:
                    batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
