"""supplier_rules: rule firings, policies, spot-check requests, item certificates

Placeholder (filled by the part of issue 16 that owns it).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 11:30:00
"""

from __future__ import annotations

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
