"""plan forecast structures: the AutoETS structure each stored forecast was fitted with

``plan_forecasts.spec`` (e.g. ``MAMD/52``: error, trend, season, damping, and the season it was
chosen for) and ``selected`` (the origin of the run that searched for it), null for other
models. The next run fits the same structure again instead of searching, until a year after
the search (:mod:`flexchain.planning.model_specs`).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_forecasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spec", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("selected", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_forecasts", schema=None) as batch_op:
        batch_op.drop_column("selected")
        batch_op.drop_column("spec")
