"""price_watch: price indices, item cost models, renegotiation tasks

Price indices and their dated values, each item's cost model (shares and the index each
follows), index clauses on contracts, and the renegotiation tasks the watch raises.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UTC = flexchain.adapters.db.types.UTCDateTime
Dec = flexchain.adapters.db.types.Dec


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
    ]


def _index_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["price_indices.id"], name=op.f(f"fk_{table}_{column}_price_indices")
    )


def upgrade() -> None:
    op.create_table(
        "price_indices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_indices")),
        sa.UniqueConstraint("code", name=op.f("uq_price_indices_code")),
    )
    op.create_table(
        "price_index_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("index_id", sa.Integer(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("value", Dec(), nullable=False),
        *_stamps(),
        _index_fk("price_index_values", "index_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_index_values")),
        sa.UniqueConstraint("index_id", "value_date", name=op.f("uq_price_index_values_index_id")),
    )
    op.create_table(
        "item_cost_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("material_share", Dec(9, 4), nullable=False),
        sa.Column("energy_share", Dec(9, 4), nullable=False),
        sa.Column("tooling_share", Dec(9, 4), nullable=False),
        sa.Column("labour_share", Dec(9, 4), nullable=False),
        sa.Column("material_index_id", sa.Integer(), nullable=True),
        sa.Column("energy_index_id", sa.Integer(), nullable=True),
        sa.Column("tooling_index_id", sa.Integer(), nullable=True),
        sa.Column("labour_index_id", sa.Integer(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_item_cost_models_item_id_items")
        ),
        _index_fk("item_cost_models", "material_index_id"),
        _index_fk("item_cost_models", "energy_index_id"),
        _index_fk("item_cost_models", "tooling_index_id"),
        _index_fk("item_cost_models", "labour_index_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_cost_models")),
        sa.UniqueConstraint("item_id", name=op.f("uq_item_cost_models_item_id")),
    )
    op.create_table(
        "contract_index_clauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("index_id", sa.Integer(), nullable=False),
        sa.Column("base_value", Dec(), nullable=False),
        sa.Column("base_date", sa.Date(), nullable=False),
        sa.Column("threshold_pct", Dec(9, 4), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_index_clauses_contract_id_contracts"),
        ),
        _index_fk("contract_index_clauses", "index_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_index_clauses")),
        sa.UniqueConstraint(
            "contract_id", "index_id", name=op.f("uq_contract_index_clauses_contract_id")
        ),
    )
    with op.batch_alter_table("contract_index_clauses") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contract_index_clauses_index_id"), ["index_id"], unique=False
        )
    op.create_table(
        "renegotiation_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("index_id", sa.Integer(), nullable=False),
        sa.Column("base_value", Dec(), nullable=False),
        sa.Column("index_value", Dec(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("move_pct", Dec(12, 4), nullable=False),
        sa.Column("cost_impact", Dec(38, 6), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("impacts", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", UTC(timezone=True), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'dismissed')",
            name=op.f("ck_renegotiation_tasks_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_renegotiation_tasks_contract_id_contracts"),
        ),
        _index_fk("renegotiation_tasks", "index_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renegotiation_tasks")),
        sa.UniqueConstraint(
            "contract_id",
            "index_id",
            "value_date",
            name=op.f("uq_renegotiation_tasks_contract_id"),
        ),
    )
    with op.batch_alter_table("renegotiation_tasks") as batch_op:
        batch_op.create_index(batch_op.f("ix_renegotiation_tasks_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("renegotiation_tasks") as batch_op:
        batch_op.drop_index(batch_op.f("ix_renegotiation_tasks_status"))
    op.drop_table("renegotiation_tasks")
    with op.batch_alter_table("contract_index_clauses") as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_index_clauses_index_id"))
    op.drop_table("contract_index_clauses")
    op.drop_table("item_cost_models")
    op.drop_table("price_index_values")
    op.drop_table("price_indices")
