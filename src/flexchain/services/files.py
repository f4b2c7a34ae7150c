"""Files the brand and its suppliers share: QC photos and clips, certificates, design files and
process documents attached to a PO or a job.

The bytes live in the :class:`~flexchain.adapters.files.FileStore` (on disk, named by SHA-256;
:func:`store_for` builds it from the settings); the database names each content once
(``stored_files``) and hangs it on its owners (``attachments``). A supplier's user reaches only
the files it uploaded or that hang on its own records: any other file id answers ``NotFound``.

Services take ``now`` from their caller; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from flexchain.adapters.db.qc import AttachmentRecord, FileRecord, SqlQcStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.files import (
    CAD_TYPES,
    DOCUMENT_TYPES,
    IMAGE_TYPES,
    VIDEO_TYPES,
    Blob,
    FileRefused,
    FileStore,
    safe_name,
)
from flexchain.config import Settings
from flexchain.domain.checks import choice, text
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import utc
from flexchain.services import audit

__all__ = [
    "AttachmentKind",
    "AttachmentView",
    "FileStore",
    "FileView",
    "OwnerKind",
    "Upload",
    "attach",
    "attach_to_job",
    "attach_to_po",
    "check_uploads",
    "list_attachments",
    "list_shared_files",
    "open_file",
    "store_for",
    "store_upload",
]

MAX_UPLOADS = 12
"""Files one request may carry."""


class OwnerKind(StrEnum):
    PO = "po"
    JOB = "job"
    QC_RECORD = "qc_record"
    CERTIFICATE = "certificate"
    SPOT_CHECK = "spot_check"
    CARBON = "carbon"


class AttachmentKind(StrEnum):
    DESIGN = "design"
    PROCESS = "process"
    PHOTO = "photo"
    CLIP = "clip"
    CERTIFICATE = "certificate"
    EVIDENCE = "evidence"


ALLOWED: dict[AttachmentKind, frozenset[str]] = {
    AttachmentKind.DESIGN: IMAGE_TYPES | DOCUMENT_TYPES | CAD_TYPES,
    AttachmentKind.PROCESS: IMAGE_TYPES | DOCUMENT_TYPES | CAD_TYPES | VIDEO_TYPES,
    AttachmentKind.PHOTO: IMAGE_TYPES,
    AttachmentKind.CLIP: VIDEO_TYPES,
    AttachmentKind.CERTIFICATE: DOCUMENT_TYPES | IMAGE_TYPES,
    AttachmentKind.EVIDENCE: DOCUMENT_TYPES | IMAGE_TYPES,
}
"""What each kind of attachment may be (by its first bytes)."""


@dataclass(frozen=True)
class Upload:
    """A file as a person sent it: its name and bytes (the type is read from the bytes)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class FileView:
    id: int
    sha256: str
    size: int
    content_type: str
    name: str
    uploaded_at: datetime
    uploaded_by: str
    supplier: str | None


@dataclass(frozen=True)
class AttachmentView:
    id: int
    owner_kind: str
    owner_ref: str
    supplier: str | None
    kind: str
    note: str
    attached_at: datetime
    attached_by: str
    file: FileView


def store_for(settings: Settings) -> FileStore:
    """The file store the settings name (``file_store_dir``, ``upload_max_mb``)."""
    return FileStore(settings.file_store_dir, max_bytes=settings.upload_max_mb * 1024 * 1024)


def _file_view(record: FileRecord) -> FileView:
    return FileView(
        record.id,
        record.sha256,
        record.size,
        record.content_type,
        record.original_name,
        record.uploaded_at,
        record.uploaded_by,
        record.supplier,
    )


def _attachment_view(record: AttachmentRecord) -> AttachmentView:
    return AttachmentView(
        record.id,
        record.owner_kind,
        record.owner_ref,
        record.supplier,
        record.kind,
        record.note,
        record.created_at,
        record.created_by,
        replace(_file_view(record.file), name=record.name),
    )


def check_uploads(
    files: FileStore, uploads: Sequence[Upload], kinds: Sequence[AttachmentKind]
) -> list[Blob]:
    """Each upload checked against the types of its kind (size, type by its first bytes), all
    before anything is stored; refused with a :class:`ValidationError` naming the file."""
    if len(uploads) > MAX_UPLOADS:
        raise ValidationError("files", f"at most {MAX_UPLOADS} files at once, got {len(uploads)}")
    blobs = []
    for upload, kind in zip(uploads, kinds, strict=True):
        try:
            blobs.append(
                files.check(upload.data, name=safe_name(upload.name), allowed=ALLOWED[kind])
            )
        except FileRefused as error:
            raise ValidationError("files", str(error)) from error
    return blobs


def _put(files: FileStore, upload: Upload, kind: AttachmentKind) -> Blob:
    try:
        return files.put(upload.data, name=safe_name(upload.name), allowed=ALLOWED[kind])
    except FileRefused as error:
        raise ValidationError("files", str(error)) from error


def store_upload(
    uow: UnitOfWork,
    files: FileStore,
    upload: Upload,
    *,
    kind: AttachmentKind | str,
    now: datetime,
    supplier_id: int | None = None,
) -> FileView:
    """Store ``upload`` as a file of ``kind`` (its bytes must be of that kind's types), once
    per content; ``supplier_id``: the supplier that uploaded it (a supplier's user: always its
    own)."""
    now = utc(now, "now")
    kind = choice(AttachmentKind, kind, "kind")
    blob = _put(files, upload, kind)
    store = SqlQcStore(uow)
    owner = uow.supplier_scope if uow.supplier_scope is not None else supplier_id
    file_id = store.add_file(
        sha256=blob.sha256,
        size=blob.size,
        content_type=blob.content_type,
        name=safe_name(upload.name),
        at=now,
        supplier_id=owner,
    )
    found = store.file(file_id) if uow.supplier_scope is None else _own(store, file_id)
    return replace(_file_view(found), name=safe_name(upload.name))  # as uploaded this time


def _own(store: SqlQcStore, file_id: int) -> FileRecord:
    """A file just stored by a supplier's user: readable to it even if another supplier first
    uploaded the same content (that other supplier's name is not shown)."""
    scope, store.scope = store.scope, None
    try:
        record = store.file(file_id)
    finally:
        store.scope = scope
    return FileRecord(**{**record.__dict__, "supplier": None})


def attach(
    uow: UnitOfWork,
    files: FileStore,
    *,
    owner_kind: OwnerKind | str,
    owner_ref: str,
    upload: Upload,
    kind: AttachmentKind | str,
    note: str = "",
    now: datetime,
    supplier_id: int | None = None,
) -> AttachmentView:
    """Store ``upload`` and hang it on ``owner_kind`` ``owner_ref`` for ``supplier_id`` (whose
    record it is: the supplier sees it). Audited."""
    owner_kind = choice(OwnerKind, owner_kind, "owner_kind")
    kind = choice(AttachmentKind, kind, "kind")
    note = text(note, "note", max_length=2000, required=False)
    owner_ref = text(owner_ref, "owner_ref", max_length=64)
    stored = store_upload(uow, files, upload, kind=kind, now=now, supplier_id=None)
    store = SqlQcStore(uow)
    attachment_id = store.attach(
        file_id=stored.id,
        owner_kind=owner_kind.value,
        owner_ref=owner_ref,
        supplier_id=supplier_id,
        kind=kind.value,
        name=safe_name(upload.name),
        note=note,
    )
    audit.record_change(
        uow,
        "attached",
        owner_kind.value,
        owner_ref,
        after={"file": stored.name},
        at=utc(now, "now"),
        sha256=stored.sha256,
        kind=kind.value,
    )
    scope, store.scope = store.scope, None  # the uploader sees what it attached
    try:
        found = store.attachments(attachment_id=attachment_id)
    finally:
        store.scope = scope
    return _attachment_view(found[0])


def attach_to_po(
    uow: UnitOfWork,
    files: FileStore,
    number: str,
    upload: Upload,
    *,
    kind: AttachmentKind | str = AttachmentKind.DESIGN,
    note: str = "",
    now: datetime,
) -> AttachmentView:
    """A design file or process document the brand attaches to purchase order ``number``; its
    supplier can download it."""
    supplier = SqlQcStore(uow).po_supplier(text(number, "number", max_length=64))
    return attach(
        uow,
        files,
        owner_kind=OwnerKind.PO,
        owner_ref=number.strip(),
        upload=upload,
        kind=kind,
        note=note,
        now=now,
        supplier_id=supplier.id,
    )


def attach_to_job(
    uow: UnitOfWork,
    files: FileStore,
    job_id: int,
    upload: Upload,
    *,
    kind: AttachmentKind | str = AttachmentKind.DESIGN,
    note: str = "",
    now: datetime,
) -> AttachmentView:
    """A design file or process document the brand attaches to job ``job_id``; the job's
    supplier can download it."""
    supplier = SqlQcStore(uow).job_supplier(job_id)
    return attach(
        uow,
        files,
        owner_kind=OwnerKind.JOB,
        owner_ref=str(job_id),
        upload=upload,
        kind=kind,
        note=note,
        now=now,
        supplier_id=supplier.id if supplier is not None else None,
    )


def list_attachments(
    uow: UnitOfWork, owner_kind: OwnerKind | str, owner_ref: str | Sequence[str]
) -> list[AttachmentView]:
    """What hangs on ``owner_kind`` ``owner_ref`` (or any of several refs), oldest first; a
    supplier's user sees only its own."""
    kind = choice(OwnerKind, owner_kind, "owner_kind")
    refs = [owner_ref] if isinstance(owner_ref, str) else list(owner_ref)
    found = SqlQcStore(uow).attachments(owner_kind=kind.value, owner_refs=refs)
    return [_attachment_view(record) for record in found]


def list_shared_files(uow: UnitOfWork) -> list[AttachmentView]:
    """Every design file and process document the brand attached to POs and jobs (a supplier's
    user: to its own), newest first."""
    store = SqlQcStore(uow)
    found = [
        record
        for kind in (OwnerKind.PO, OwnerKind.JOB)
        for record in store.attachments(owner_kind=kind.value)
    ]
    found.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    return [_attachment_view(record) for record in found]


def open_file(uow: UnitOfWork, files: FileStore, file_id: int) -> tuple[FileView, bytes]:
    """The file ``file_id`` and its bytes (checked against its hash). A supplier's user gets
    only files it uploaded or that hang on its own records: another file answers ``NotFound``.
    A file altered or missing on disk is refused with a :class:`ValidationError`."""
    record = SqlQcStore(uow).file(file_id)
    try:
        data = files.read(record.sha256)
    except FileRefused as error:
        raise ValidationError("file", str(error)) from error
    return _file_view(record), data
