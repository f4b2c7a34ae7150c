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


_FK = "fk_production_jobs_deliver_to_id_locations"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column that references another table in place (its default is NULL);
        # a batch copy of production_jobs would be refused: job_events references it
        op.execute(
            "ALTER TABLE production_jobs ADD COLUMN deliver_to_id INTEGER "
            f"CONSTRAINT {_FK} REFERENCES locations (id)"
        )
        return
    op.add_column("production_jobs", sa.Column("deliver_to_id", sa.Integer(), nullable=True))
    op.create_foreign_key(_FK, "production_jobs", "locations", ["deliver_to_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE production_jobs DROP COLUMN deliver_to_id")
        return
    op.drop_constraint(_FK, "production_jobs", type_="foreignkey")
    op.drop_column("production_jobs", "deliver_to_id")
