"""control_tower: control tower: snoozed decisions of the Today inbox

Placeholder (filled by the part of issue 17 that owns it).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 12:05:00
"""

from __future__ import annotations

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
