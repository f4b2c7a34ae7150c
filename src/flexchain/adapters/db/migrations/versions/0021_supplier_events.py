"""supplier_events: improvement suggestions, samples, health data, PO change requests

Placeholder (filled by the part of issue 16 that owns it).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 11:30:00
"""

from __future__ import annotations

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
