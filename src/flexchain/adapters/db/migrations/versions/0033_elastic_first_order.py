"""elastic_first_order: the elastic clause's first order of up to N units

The elastic clause reads: the first order of up to N units at the contract price, then top-ups
of up to M units within the validity at most X % above it. M and X were stored
(``topup_max_units``, ``topup_max_premium_pct``); N was not, so a first call-off of any size was
accepted. ``topup_first_max_units`` holds it (null: no limit on the first order).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.add_column(
            sa.Column("topup_first_max_units", flexchain.adapters.db.types.Qty(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("contracts") as batch:
        batch.drop_column("topup_first_max_units")
