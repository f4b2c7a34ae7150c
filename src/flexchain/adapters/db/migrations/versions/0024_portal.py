"""portal: supplier portal: capacity-hold requests a supplier accepts or declines

A hold may now be ``requested`` by the brand and ``declined`` by the supplier (with its reason,
``decline_reason``), besides ``held``, ``firmed`` and ``released``.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

STATUSES = "('requested', 'held', 'firmed', 'released', 'declined')"
BEFORE = "('held', 'firmed', 'released')"


def upgrade() -> None:
    with op.batch_alter_table("capacity_holds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("decline_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.drop_constraint(batch_op.f("ck_capacity_holds_known_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_capacity_holds_known_status"), f"status IN {STATUSES}"
        )


def downgrade() -> None:
    # requests and declines have no place in the older schema: a request nobody answered and a
    # declined one were never capacity, so they go as released holds
    op.execute(
        "UPDATE capacity_holds SET status = 'released' WHERE status IN ('requested', 'declined')"
    )
    with op.batch_alter_table("capacity_holds", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_capacity_holds_known_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_capacity_holds_known_status"), f"status IN {BEFORE}"
        )
        batch_op.drop_column("decline_reason")
