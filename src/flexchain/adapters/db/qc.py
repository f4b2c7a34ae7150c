"""The QC store: every statement of the QC hash chains, stored files and their attachments,
certificates and carbon data.

A supplier's user (``uow.supplier_scope``) sees only its own: its chain, the files it uploaded
or that hang on its records, its certificates and carbon data; anything else answers
:class:`NotFound`, as if it did not exist. Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, or_, select, type_coerce

from flexchain.adapters.db.tables import (
    CertificationRow,
    ItemRow,
    ProductionJobRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    SupplierRow,
)
from flexchain.adapters.db.tables.qc import (
    AttachmentRow,
    QcChainHeadRow,
    QcRecordRow,
    StoredFileRow,
    SupplierCarbonRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound
from flexchain.domain.qc_chain import ChainLink, ChainRecord

__all__ = ["AttachmentRecord", "CarbonRecord", "FileRecord", "SqlQcStore", "SupplierRef"]


@dataclass(frozen=True)
class SupplierRef:
    id: int
    code: str


@dataclass(frozen=True)
class FileRecord:
    id: int
    sha256: str
    size: int
    content_type: str
    original_name: str
    uploaded_at: datetime
    uploaded_by: str
    supplier: str | None


@dataclass(frozen=True)
class AttachmentRecord:
    id: int
    owner_kind: str
    owner_ref: str
    supplier: str | None
    kind: str
    name: str
    note: str
    created_at: datetime
    created_by: str
    file: FileRecord


@dataclass(frozen=True)
class CarbonRecord:
    supplier: str
    sku: str | None
    kg_co2e_per_unit: Decimal
    as_of: date
    evidence_file_id: int | None
    actor: str


def _stored_json(value: Any, kind: type, *, text: bool) -> Any:
    """A record's JSON column as stored; content edited by hand into something that is not
    JSON, or not of its ``kind``, comes back as a value that cannot match the record's hash
    (so verify names the record edited instead of failing to read it)."""
    if text and isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            pass
        else:
            text = False
    if text or not isinstance(value, kind):
        return kind({"unreadable": str(value)}) if kind is dict else [f"unreadable: {value}"]
    return value


def _chain_record(row: Any, *, text: bool = False) -> ChainRecord:
    return ChainRecord(
        supplier_id=row.supplier_id,
        seq=row.seq,
        kind=row.kind,
        subject=row.subject,
        result=row.result,
        accepted=row.accepted,
        rejected=row.rejected,
        reason=row.reason,
        payload=dict(_stored_json(row.payload, dict, text=text)),
        file_hashes=list(_stored_json(row.file_hashes, list, text=text)),
        recorded_at=row.recorded_at,
        actor=row.actor,
        prev_hash=row.prev_hash,
        hash=row.hash,
        id=row.id,
    )


class SqlQcStore:
    """QC chains, files, certificates and carbon data of one unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.actor = uow.actor[:200]  # the columns' width
        self.session = uow.session
        self.scope = uow.supplier_scope
        self.postgres = uow.engine.dialect.name == "postgresql"

    # -- suppliers, and whose a PO or job is -------------------------------------------------

    def supplier(self, code: str) -> SupplierRef:
        """The supplier ``code`` (another supplier's, for a supplier's user: not found)."""
        query = select(SupplierRow.id, SupplierRow.code).where(SupplierRow.code == code)
        if self.scope is not None:
            query = query.where(SupplierRow.id == self.scope)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"no supplier {code}")
        return SupplierRef(row.id, row.code)

    def lock_supplier(self, supplier_id: int) -> None:
        """Hold supplier ``supplier_id``'s row until the transaction ends (PostgreSQL; SQLite
        serialises writers already): appends to its chain queue behind each other."""
        if self.postgres:
            query = select(SupplierRow.id).where(SupplierRow.id == supplier_id).with_for_update()
            self.session.execute(query)

    def supplier_codes(self) -> dict[int, str]:
        query = select(SupplierRow.id, SupplierRow.code)
        if self.scope is not None:
            query = query.where(SupplierRow.id == self.scope)
        return {row.id: row.code for row in self.session.execute(query)}

    def po_supplier(self, number: str) -> SupplierRef:
        """The supplier of purchase order ``number`` (its header, else its lines)."""
        for table in (PurchaseOrderRow, PurchaseOrderLineRow):
            query = (
                select(SupplierRow.id, SupplierRow.code)
                .join(table, table.supplier_id == SupplierRow.id)
                .where(table.po_number == number)
                .limit(1)
            )
            if self.scope is not None:
                query = query.where(SupplierRow.id == self.scope)
            row = self.session.execute(query).first()
            if row is not None:
                return SupplierRef(row.id, row.code)
        raise NotFound(f"no purchase order {number}")

    def job_supplier(self, job_id: int) -> SupplierRef | None:
        """The supplier of job ``job_id`` (``None``: not yet given to one)."""
        query = (
            select(ProductionJobRow.id, SupplierRow.id.label("sid"), SupplierRow.code)
            .outerjoin(SupplierRow, SupplierRow.id == ProductionJobRow.supplier_id)
            .where(ProductionJobRow.id == job_id)
        )
        if self.scope is not None:
            query = query.where(ProductionJobRow.supplier_id == self.scope)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"no job {job_id}")
        return SupplierRef(row.sid, row.code) if row.sid is not None else None

    def item_id(self, sku: str) -> int:
        found = self.session.scalar(select(ItemRow.id).where(ItemRow.sku == sku))
        if found is None:
            raise NotFound(f"no item {sku}")
        return found

    # -- the chains ---------------------------------------------------------------------------

    def head(self, supplier_id: int, *, lock: bool = False) -> QcChainHeadRow | None:
        query = select(QcChainHeadRow).where(QcChainHeadRow.supplier_id == supplier_id)
        if lock and self.postgres:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def heads(self) -> dict[int, ChainLink]:
        query = select(QcChainHeadRow)
        if self.scope is not None:
            query = query.where(QcChainHeadRow.supplier_id == self.scope)
        return {
            row.supplier_id: ChainLink(row.seq, row.hash) for row in self.session.scalars(query)
        }

    def append(self, record: ChainRecord) -> int:
        """Add ``record`` (already linked) and move its chain's head to it; the caller holds
        the supplier's lock (:meth:`supplier` with ``lock``)."""
        row = QcRecordRow(**{k: v for k, v in record.content().items()}, hash=record.hash)
        self.session.add(row)
        head = self.head(record.supplier_id)
        if head is None:
            head = QcChainHeadRow(supplier_id=record.supplier_id)
            self.session.add(head)
        head.seq, head.hash, head.recorded_at = record.seq, record.hash, record.recorded_at
        self.session.flush()
        return row.id

    def records(
        self,
        *,
        supplier_id: int | None = None,
        subject: str | None = None,
        record_id: int | None = None,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[ChainRecord]:
        # SQLite hands JSON columns back as text: read them as such, so that a record edited
        # into invalid JSON is still read (and named by verify) rather than failing the query
        text = self.session.get_bind().dialect.name == "sqlite"
        query = select(*(
            type_coerce(column, Text).label(column.name)
            if text and column.name in ("payload", "file_hashes") else column
            for column in QcRecordRow.__table__.columns
        ))  # fmt: skip
        if self.scope is not None:
            query = query.where(QcRecordRow.supplier_id == self.scope)
        if supplier_id is not None:
            query = query.where(QcRecordRow.supplier_id == supplier_id)
        if subject is not None:
            query = query.where(QcRecordRow.subject == subject)
        if record_id is not None:
            query = query.where(QcRecordRow.id == record_id)
        if newest_first:
            query = query.order_by(QcRecordRow.recorded_at.desc(), QcRecordRow.id.desc())
        else:
            query = query.order_by(QcRecordRow.supplier_id, QcRecordRow.seq, QcRecordRow.id)
        if limit is not None:
            query = query.limit(limit)
        return [_chain_record(row, text=text) for row in self.session.execute(query)]

    # -- files and attachments ----------------------------------------------------------------

    def add_file(
        self,
        *,
        sha256: str,
        size: int,
        content_type: str,
        name: str,
        at: datetime,
        supplier_id: int | None,
    ) -> int:
        """The stored file of this content, added if new (the first upload names it)."""
        found = self.session.scalar(select(StoredFileRow.id).where(StoredFileRow.sha256 == sha256))
        if found is not None:
            return found
        row = StoredFileRow(
            sha256=sha256,
            size=size,
            content_type=content_type,
            original_name=name,
            uploaded_at=at,
            uploaded_by=self.actor,
            supplier_id=supplier_id,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def _file_query(self) -> Any:
        query = select(StoredFileRow, SupplierRow.code).outerjoin(
            SupplierRow, SupplierRow.id == StoredFileRow.supplier_id
        )
        if self.scope is not None:
            shared = select(AttachmentRow.file_id).where(AttachmentRow.supplier_id == self.scope)
            query = query.where(
                or_(StoredFileRow.supplier_id == self.scope, StoredFileRow.id.in_(shared))
            )
        return query

    def file(self, file_id: int) -> FileRecord:
        row = self.session.execute(self._file_query().where(StoredFileRow.id == file_id)).first()
        if row is None:
            raise NotFound(f"no file {file_id}")
        return _file(row[0], row[1])

    def attach(
        self,
        *,
        file_id: int,
        owner_kind: str,
        owner_ref: str,
        supplier_id: int | None,
        kind: str,
        name: str,
        note: str,
    ) -> int:
        """Hang file ``file_id`` on the owner (once: attaching it again keeps the first)."""
        query = select(AttachmentRow.id).where(
            AttachmentRow.owner_kind == owner_kind,
            AttachmentRow.owner_ref == owner_ref,
            AttachmentRow.file_id == file_id,
        )
        found = self.session.scalar(query)
        if found is not None:
            return found
        row = AttachmentRow(
            file_id=file_id,
            owner_kind=owner_kind,
            owner_ref=owner_ref,
            supplier_id=supplier_id,
            kind=kind,
            name=name,
            note=note,
            created_by=self.actor,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def attachments(
        self,
        *,
        owner_kind: str | None = None,
        owner_refs: list[str] | None = None,
        attachment_id: int | None = None,
    ) -> list[AttachmentRecord]:
        owner = SupplierRow.__table__.alias("owner")
        query = (
            select(AttachmentRow, StoredFileRow, SupplierRow.code, owner.c.code.label("owner"))
            .join(StoredFileRow, StoredFileRow.id == AttachmentRow.file_id)
            .outerjoin(SupplierRow, SupplierRow.id == StoredFileRow.supplier_id)
            .outerjoin(owner, owner.c.id == AttachmentRow.supplier_id)
            .order_by(AttachmentRow.created_at, AttachmentRow.id)
        )
        if self.scope is not None:
            query = query.where(AttachmentRow.supplier_id == self.scope)
        if owner_kind is not None:
            query = query.where(AttachmentRow.owner_kind == owner_kind)
        if owner_refs is not None:
            query = query.where(AttachmentRow.owner_ref.in_(owner_refs))
        if attachment_id is not None:
            query = query.where(AttachmentRow.id == attachment_id)
        return [
            AttachmentRecord(
                a.id,
                a.owner_kind,
                a.owner_ref,
                owner_code,
                a.kind,
                a.name,
                a.note,
                a.created_at,
                a.created_by,
                _file(f, uploader),
            )
            for a, f, uploader, owner_code in self.session.execute(query)
        ]

    # -- certificates and carbon --------------------------------------------------------------

    def upsert_certificate(
        self, supplier_id: int, name: str, valid_until: date
    ) -> tuple[int, date | None]:
        """Set the certificate's expiry; returns its id and the expiry it had (``None``: new)."""
        query = select(CertificationRow).where(
            CertificationRow.supplier_id == supplier_id, CertificationRow.name == name
        )
        row = self.session.scalars(query).first()
        before = None
        if row is None:
            row = CertificationRow(supplier_id=supplier_id, name=name, valid_until=valid_until)
            self.session.add(row)
        else:
            before = row.valid_until
            row.valid_until = valid_until
        self.session.flush()
        return row.id, before

    def certificates(self, *, supplier_id: int | None = None) -> list[tuple[int, str, str, date]]:
        """(id, supplier code, name, valid until), by supplier then name."""
        query = (
            select(
                CertificationRow.id,
                SupplierRow.code,
                CertificationRow.name,
                CertificationRow.valid_until,
            )
            .join(SupplierRow, SupplierRow.id == CertificationRow.supplier_id)
            .order_by(SupplierRow.code, CertificationRow.name)
        )
        if self.scope is not None:
            query = query.where(CertificationRow.supplier_id == self.scope)
        if supplier_id is not None:
            query = query.where(CertificationRow.supplier_id == supplier_id)
        return [
            (row.id, row.code, row.name, row.valid_until) for row in self.session.execute(query)
        ]

    def put_carbon(
        self,
        supplier_id: int,
        item_id: int | None,
        value: Decimal,
        as_of: date,
        evidence_file_id: int | None,
    ) -> Decimal | None:
        """Set the figure of (supplier, item, day); returns the one it replaced."""
        query = select(SupplierCarbonRow).where(
            SupplierCarbonRow.supplier_id == supplier_id,
            SupplierCarbonRow.as_of == as_of,
            SupplierCarbonRow.item_id.is_(None)
            if item_id is None
            else SupplierCarbonRow.item_id == item_id,
        )
        row = self.session.scalars(query).first()
        before = None
        if row is None:
            row = SupplierCarbonRow(supplier_id=supplier_id, item_id=item_id, as_of=as_of)
            self.session.add(row)
        else:
            before = row.kg_co2e_per_unit
        row.kg_co2e_per_unit = value
        row.evidence_file_id = evidence_file_id or row.evidence_file_id
        row.actor = self.actor
        self.session.flush()
        return before

    def carbon(self, *, supplier_id: int | None = None) -> list[CarbonRecord]:
        """Every figure, by supplier, item (default first) and day."""
        query = (
            select(SupplierCarbonRow, SupplierRow.code, ItemRow.sku)
            .join(SupplierRow, SupplierRow.id == SupplierCarbonRow.supplier_id)
            .outerjoin(ItemRow, ItemRow.id == SupplierCarbonRow.item_id)
            .order_by(SupplierRow.code, ItemRow.sku.nulls_first(), SupplierCarbonRow.as_of)
        )
        if self.scope is not None:
            query = query.where(SupplierCarbonRow.supplier_id == self.scope)
        if supplier_id is not None:
            query = query.where(SupplierCarbonRow.supplier_id == supplier_id)
        return [
            CarbonRecord(
                code, sku, row.kg_co2e_per_unit, row.as_of, row.evidence_file_id, row.actor
            )
            for row, code, sku in self.session.execute(query)
        ]


def _file(row: StoredFileRow, supplier: str | None) -> FileRecord:
    return FileRecord(
        row.id,
        row.sha256,
        row.size,
        row.content_type,
        row.original_name,
        row.uploaded_at,
        row.uploaded_by,
        supplier,
    )
