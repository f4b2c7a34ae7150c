"""buying: RFQs, quotes, awards, confirmations, shipment notices, capacity holds

A placeholder, filled by its module.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 09:18:00
"""

from __future__ import annotations

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
