"""qc_records: the hash chain, stored files, attachments, certificates' files, carbon data

One hash chain of QC records per supplier and its head, files stored by content hash and their
attachments to POs, jobs, QC records, certificates and spot checks, and suppliers' carbon data
per unit (tables/qc.py).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import flexchain.adapters.db.types

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UTC = flexchain.adapters.db.types.UTCDateTime
Dec = flexchain.adapters.db.types.Dec
Qty = flexchain.adapters.db.types.Qty


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table: str, column: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def _qc_tables() -> None:
    op.create_table(
        "qc_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("accepted", Qty(), nullable=False),
        sa.Column("rejected", Qty(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("file_hashes", sa.JSON(), nullable=False),
        sa.Column("recorded_at", UTC(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "kind IN ('inspection', 'qc_result', 'spot_check', 'first_article')",
            name=op.f("ck_qc_records_known_kind"),
        ),
        sa.CheckConstraint(
            "result IN ('pass', 'fail', 'partial')", name=op.f("ck_qc_records_known_result")
        ),
        _fk("qc_records", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qc_records")),
        sa.UniqueConstraint("supplier_id", "seq", name=op.f("uq_qc_records_supplier_id")),
    )
    _index("qc_records", "subject")
    op.create_table(
        "qc_chain_heads",
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", UTC(timezone=True), nullable=False),
        *_stamps(),
        _fk("qc_chain_heads", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("supplier_id", name=op.f("pk_qc_chain_heads")),
    )


def _file_tables() -> None:
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", UTC(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        _fk("stored_files", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_stored_files_sha256")),
    )
    _index("stored_files", "supplier_id")
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("owner_kind", sa.String(length=16), nullable=False),
        sa.Column("owner_ref", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        *_stamps(),
        sa.CheckConstraint(
            "owner_kind IN ('po', 'job', 'qc_record', 'certificate', 'spot_check', 'carbon')",
            name=op.f("ck_attachments_known_owner_kind"),
        ),
        sa.CheckConstraint(
            "kind IN ('design', 'process', 'photo', 'clip', 'certificate', 'evidence')",
            name=op.f("ck_attachments_known_kind"),
        ),
        _fk("attachments", "file_id", "stored_files"),
        _fk("attachments", "supplier_id", "suppliers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        sa.UniqueConstraint(
            "owner_kind", "owner_ref", "file_id", name=op.f("uq_attachments_owner_kind")
        ),
    )
    _index("attachments", "file_id")
    _index("attachments", "supplier_id")


def upgrade() -> None:
    _qc_tables()
    _file_tables()
    op.create_table(
        "supplier_carbon",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("kg_co2e_per_unit", Dec(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("evidence_file_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        *_stamps(),
        _fk("supplier_carbon", "supplier_id", "suppliers"),
        _fk("supplier_carbon", "item_id", "items"),
        _fk("supplier_carbon", "evidence_file_id", "stored_files"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_carbon")),
        sa.UniqueConstraint(
            "supplier_id", "item_id", "as_of", name=op.f("uq_supplier_carbon_supplier_id")
        ),
    )
    _index("supplier_carbon", "item_id")


def downgrade() -> None:
    for table, column in (("supplier_carbon", "item_id"),):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
    op.drop_table("supplier_carbon")
    for column in ("supplier_id", "file_id"):
        with op.batch_alter_table("attachments") as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_attachments_{column}"))
    op.drop_table("attachments")
    with op.batch_alter_table("stored_files") as batch_op:
        batch_op.drop_index(batch_op.f("ix_stored_files_supplier_id"))
    op.drop_table("stored_files")
    op.drop_table("qc_chain_heads")
    with op.batch_alter_table("qc_records") as batch_op:
        batch_op.drop_index(batch_op.f("ix_qc_records_subject"))
    op.drop_table("qc_records")
