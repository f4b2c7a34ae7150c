"""qc_records: the hash chain, stored files, attachments, certificates' files, carbon data

Placeholder (filled by the part of issue 16 that owns it).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 11:30:00
"""

from __future__ import annotations

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
