"""plan forecast factors: the fill-rate safety factor each stored forecast's decision solved

``plan_forecasts.solved_factor`` (before averaging; null for a cycle service level or no
decision) and ``plan_forecasts.service_level`` (what it was solved for). The next runs at the
same service level average it with their own, so a smooth or erratic item's factor does not move
with every re-measurement (:func:`flexchain.planning.safety_factors.steady_factors`).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_forecasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("solved_factor", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("service_level", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_forecasts", schema=None) as batch_op:
        batch_op.drop_column("service_level")
        batch_op.drop_column("solved_factor")
