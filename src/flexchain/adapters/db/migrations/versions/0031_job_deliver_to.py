"""job_deliver_to: the warehouse a job for stock delivers to

A planned production order due at another warehouse than the first becomes a job for stock that
delivers there (before, such a release was refused: a job of no order worked for the first
warehouse).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("production_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deliver_to_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_production_jobs_deliver_to_id_locations"),
            "locations",
            ["deliver_to_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("production_jobs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_production_jobs_deliver_to_id_locations"), type_="foreignkey"
        )
        batch_op.drop_column("deliver_to_id")
