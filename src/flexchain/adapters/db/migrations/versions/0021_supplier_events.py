"""supplier_events: improvement suggestions, samples, health data, PO change requests

What a supplier does beyond the purchase documents, recorded for the scorecards: improvement
suggestions, samples with their first-article result, imported health data, requests to change
a PO line's quantity, and the counter that numbers them (SUG-, SMP-, CHG-).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0021"
down_revision = "0020"
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


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _drop_indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        for column in columns:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))


def _suggestions() -> None:
    op.create_table(
        "improvement_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("expected_saving", Dec(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expected_lead_time_change_days", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", UTC(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", UTC(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("recorded_value", Dec(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('submitted', 'accepted', 'rejected')",
            name=op.f("ck_improvement_suggestions_known_status"),
        ),
        _fk("improvement_suggestions", "supplier_id", "suppliers"),
        _fk("improvement_suggestions", "item_id", "items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_suggestions")),
        sa.UniqueConstraint("number", name=op.f("uq_improvement_suggestions_number")),
    )
    _indexes("improvement_suggestions", "status", "supplier_id")


def _samples() -> None:
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("requested_at", UTC(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("due_by", sa.Date(), nullable=True),
        sa.Column("delivered_at", UTC(timezone=True), nullable=True),
        sa.Column("first_article", sa.String(length=8), nullable=True),
        sa.Column("inspected_at", UTC(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('requested', 'delivered', 'passed', 'failed', 'cancelled')",
            name=op.f("ck_samples_known_status"),
        ),
        sa.CheckConstraint(
            "first_article IS NULL OR first_article IN ('pass', 'fail')",
            name=op.f("ck_samples_known_first_article"),
        ),
        _fk("samples", "supplier_id", "suppliers"),
        _fk("samples", "item_id", "items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_samples")),
        sa.UniqueConstraint("number", name=op.f("uq_samples_number")),
    )
    _indexes("samples", "status", "supplier_id")


def _health() -> None:
    op.create_table(
        "supplier_health",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("financial_score", Dec(9, 4), nullable=True),
        sa.Column("staff_turnover_pct", Dec(9, 4), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        *_timestamps(),
        _fk("supplier_health", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_health")),
        sa.UniqueConstraint("supplier_id", "as_of", name=op.f("uq_supplier_health_supplier_id")),
    )


def _changes_and_counters() -> None:
    op.create_table(
        "po_change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("old_quantity", Qty(), nullable=False),
        sa.Column("new_quantity", Qty(), nullable=False),
        sa.Column("change_pct", Dec(9, 4), nullable=False),
        sa.Column("requested_at", UTC(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", UTC(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("new_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'redated', 'refused', 'withdrawn')",
            name=op.f("ck_po_change_requests_known_status"),
        ),
        sa.CheckConstraint("new_quantity > 0", name=op.f("ck_po_change_requests_positive")),
        _fk("po_change_requests", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_po_change_requests")),
        sa.UniqueConstraint("number", name=op.f("uq_po_change_requests_number")),
    )
    _indexes("po_change_requests", "po_number", "status", "supplier_id")
    op.create_table(
        "supplier_event_counters",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_supplier_event_counters")),
    )


def upgrade() -> None:
    _suggestions()
    _samples()
    _health()
    _changes_and_counters()


def downgrade() -> None:
    op.drop_table("supplier_event_counters")
    _drop_indexes("po_change_requests", "po_number", "status", "supplier_id")
    op.drop_table("po_change_requests")
    op.drop_table("supplier_health")
    _drop_indexes("samples", "status", "supplier_id")
    op.drop_table("samples")
    _drop_indexes("improvement_suggestions", "status", "supplier_id")
    op.drop_table("improvement_suggestions")
