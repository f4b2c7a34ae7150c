"""report_subscriptions: weekly report: who asked for it, and what was sent

Placeholder (filled by the part of issue 17 that owns it).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 12:05:00
"""

from __future__ import annotations

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
