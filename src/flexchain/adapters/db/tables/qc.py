"""Tamper-evident QC records (a hash chain), stored files, attachments, carbon data.

``qc_records`` is append-only: one chain per supplier (``seq`` 1.. per supplier), each record
holding the hash of the one before (``domain/qc_chain.py``); ``qc_chain_heads`` keeps each
chain's last ``seq`` and hash, so deleting records from the end shows too. Files live on disk,
content-addressed (``adapters/files.py``); ``stored_files`` names them once per content and
``attachments`` hangs them on a PO, a job, a QC record, a certificate or a spot check.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import ZERO, Base, Timestamps
from flexchain.adapters.db.types import Dec, Qty, UTCDateTime

QC_KINDS = ("inspection", "qc_result", "spot_check", "first_article")
QC_RESULTS = ("pass", "fail", "partial")
OWNER_KINDS = ("po", "job", "qc_record", "certificate", "spot_check", "carbon")
ATTACHMENT_KINDS = ("design", "process", "photo", "clip", "certificate", "evidence")


class QcRecordRow(Base):
    """One inspection or QC result, a link of its supplier's hash chain (never updated)."""

    __tablename__ = "qc_records"
    __table_args__ = (
        UniqueConstraint("supplier_id", "seq"),
        CheckConstraint(f"kind IN {QC_KINDS!r}", name="known_kind"),
        CheckConstraint(f"result IN {QC_RESULTS!r}", name="known_result"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64), index=True)
    result: Mapped[str] = mapped_column(String(8))
    accepted: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    rejected: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    reason: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    file_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class QcChainHeadRow(Timestamps, Base):
    """The last link of a supplier's chain; appending locks it."""

    __tablename__ = "qc_chain_heads"
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StoredFileRow(Base):
    """A file's content, once: named by its SHA-256, kept on disk by the file store."""

    __tablename__ = "stored_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[str] = mapped_column(String(200))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)


class AttachmentRow(Timestamps, Base):
    """A stored file hung on a record (``owner_kind`` + ``owner_ref``: ``po`` ``PO-000004``,
    ``job`` ``12``, ``qc_record`` ``7``); ``supplier_id`` is whose record it is."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("owner_kind", "owner_ref", "file_id"),
        CheckConstraint(f"owner_kind IN {OWNER_KINDS!r}", name="known_owner_kind"),
        CheckConstraint(f"kind IN {ATTACHMENT_KINDS!r}", name="known_kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    owner_kind: Mapped[str] = mapped_column(String(16))
    owner_ref: Mapped[str] = mapped_column(String(64))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    """The file's name as uploaded here (the same content may come under other names)."""
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))


class SupplierCarbonRow(Timestamps, Base):
    """kg CO2e per unit a supplier declares for an item (``item_id`` null: its default) as of a
    day; the latest on or before a day applies."""

    __tablename__ = "supplier_carbon"
    __table_args__ = (UniqueConstraint("supplier_id", "item_id", "as_of"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    kg_co2e_per_unit: Mapped[Decimal] = mapped_column(Dec())
    as_of: Mapped[date] = mapped_column(Date)
    evidence_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    actor: Mapped[str] = mapped_column(String(200))
