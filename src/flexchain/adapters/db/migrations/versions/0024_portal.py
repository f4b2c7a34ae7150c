"""portal: supplier portal: capacity-hold requests a supplier accepts or declines

Placeholder (filled by the part of issue 16 that owns it).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 11:30:00
"""

from __future__ import annotations

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
