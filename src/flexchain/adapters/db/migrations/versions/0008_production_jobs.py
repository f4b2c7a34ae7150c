"""production jobs: lifecycle (released, started, progress, finished), job events, supplier sites

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 23:00:00

Jobs gain ``released_at`` and ``finished_quantity``; every action on a job is a row of
``job_events``. Jobs stored as ``done`` (the former word) become ``finished``; the downgrade
turns ``finished`` back into ``done`` and ``released`` back into ``planned``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("production_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "released_at",
                flexchain.adapters.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("finished_quantity", flexchain.adapters.db.types.Qty(), nullable=True)
        )
    op.execute("UPDATE production_jobs SET status = 'finished' WHERE status = 'done'")
    op.create_table(
        "job_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("quantity", flexchain.adapters.db.types.Qty(), nullable=True),
        sa.Column("scrap", flexchain.adapters.db.types.Qty(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", flexchain.adapters.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["production_jobs.id"],
            name=op.f("fk_job_events_job_id_production_jobs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_events")),
    )
    with op.batch_alter_table("job_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_events_job_id"), ["job_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("job_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_events_job_id"))
    op.drop_table("job_events")
    op.execute("UPDATE production_jobs SET status = 'done' WHERE status = 'finished'")
    op.execute("UPDATE production_jobs SET status = 'planned' WHERE status = 'released'")
    with op.batch_alter_table("production_jobs", schema=None) as batch_op:
        batch_op.drop_column("finished_quantity")
        batch_op.drop_column("released_at")
