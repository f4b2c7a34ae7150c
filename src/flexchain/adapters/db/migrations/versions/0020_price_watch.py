"""price_watch: price indices, item cost models, renegotiation tasks

A placeholder, filled by its module.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 09:10:00
"""

from __future__ import annotations

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
