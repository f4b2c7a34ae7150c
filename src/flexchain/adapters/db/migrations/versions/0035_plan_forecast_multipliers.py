"""plan forecast multipliers: what each stored forecast's decision divided its allowed shortage by

``plan_forecasts.multiplier``: the decision's measured ``lost_share x carried_share x
held_out_ratio`` (null where none was measured: a cycle service level, or no decision). The
next runs average it with their own, so the safety factor does not move with every
re-measurement (:data:`flexchain.planning.safety_factors.PAST_M`).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_forecasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("multiplier", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_forecasts", schema=None) as batch_op:
        batch_op.drop_column("multiplier")
