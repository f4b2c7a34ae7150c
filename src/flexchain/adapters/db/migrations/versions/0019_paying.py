"""paying: receipts, inspections, invoices, payments, quality fund, exchange rates

A placeholder, filled by its module.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 09:19:00
"""

from __future__ import annotations

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
