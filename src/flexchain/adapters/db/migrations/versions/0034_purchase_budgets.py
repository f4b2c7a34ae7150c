"""purchase_budgets: a month's purchasing budget in the brand's currency

One amount per month, brand-wide (``scope`` ``""``) or for one supplier (``scope`` its code);
``flexchain budget`` and ``/budgets`` set, remove and report them against what was committed
(purchase orders issued) and invoiced. The scope is a non-null string so that the unique
constraint on (month, scope) holds on PostgreSQL, where NULLs never collide.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

UTC = flexchain.adapters.db.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "purchase_budgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("amount", flexchain.adapters.db.types.Dec(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_purchase_budgets_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_budgets")),
        sa.UniqueConstraint("month", "scope", name=op.f("uq_purchase_budgets_month")),
    )


def downgrade() -> None:
    op.drop_table("purchase_budgets")
