"""Tamper-evident QC records: inspections and QC results (with the hashes of their photos and
clips) appended to each supplier's hash chain, listed, and verified (``flexchain qc``, ``/qc``).

* ``record_qc_result``: a supplier (or the brand's quality staff) records a result with photos
  and clips: the files are checked (type by their first bytes, size) before anything is
  written, stored by their hash, attached to the record, and the record is linked after its
  supplier's head (locked: two writers cannot fork a chain). A result answering a spot check
  must carry a clip when the check asked for video, and answers it.
* ``append_inspection``: a receipt's inspection (``services/receiving.py``) joins the chain.
* ``verify_chain``: every chain walked by ``seq`` (``domain/qc_chain.verify``): the first
  record that was edited, deleted or reordered is named.

``now`` comes from the caller; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.qc import SqlQcStore, SupplierRef
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.files import VIDEO_TYPES, FileRefused, FileStore, sniff
from flexchain.domain.checks import choice, code, text
from flexchain.domain.errors import NotFound, ValidationError, format_decimal
from flexchain.domain.qc_chain import (
    GENESIS,
    BadRecord,
    ChainLink,
    ChainRecord,
    QcKind,
    QcResult,
    link,
)
from flexchain.domain.qc_chain import verify as verify_records
from flexchain.domain.values import quantity, utc
from flexchain.services import audit
from flexchain.services import files as shared_files
from flexchain.services.files import AttachmentKind, FileView, OwnerKind, Upload

__all__ = [
    "BadRecordView",
    "ChainHead",
    "ChainReport",
    "QcRecordView",
    "Upload",
    "append_inspection",
    "chain_head",
    "list_qc_records",
    "record_qc_result",
    "show_qc_record",
    "verify_chain",
]

MAX_QUANTITY = Decimal(10) ** 9


@dataclass(frozen=True)
class QcRecordView:
    """One link of a supplier's chain, with the files it carries."""

    id: int
    supplier: str
    seq: int
    kind: str
    subject: str
    result: str
    accepted: Decimal
    rejected: Decimal
    reason: str
    spot_check: str | None
    file_hashes: tuple[str, ...]
    files: tuple[FileView, ...]
    recorded_at: datetime
    actor: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainHead:
    """The last link of a supplier's chain (``seq`` 0 and the genesis hash: no record yet)."""

    supplier: str
    seq: int
    hash: str
    recorded_at: datetime | None


@dataclass(frozen=True)
class BadRecordView:
    supplier: str
    seq: int
    id: int | None
    problem: str

    def __str__(self) -> str:
        record = f"record {self.id}" if self.id is not None else "the chain's head"
        return f"supplier {self.supplier}, seq {self.seq} ({record}): {self.problem}"


@dataclass(frozen=True)
class ChainReport:
    """What verifying found: ``ok`` when every chain holds (and, if files were checked, every
    photo and clip is on disk as hashed); ``bad`` names each broken chain's first bad record
    (``first_bad``: the first of them), ``bad_files`` each file missing or altered."""

    ok: bool
    chains: int
    records: int
    bad: tuple[BadRecordView, ...]
    heads: tuple[ChainHead, ...]
    files_checked: int = 0
    bad_files: tuple[BadRecordView, ...] = ()

    @property
    def first_bad(self) -> BadRecordView | None:
        return self.bad[0] if self.bad else None


def _quantity(value: object, field: str) -> Decimal:
    result = quantity(value, field)
    if result > MAX_QUANTITY:
        raise ValidationError(field, f"at most {format_decimal(MAX_QUANTITY)}, got {value}")
    return result


def _check_result(result: QcResult, accepted: Decimal, rejected: Decimal, reason: str) -> None:
    if (rejected > 0 or result is not QcResult.PASS) and not reason:
        raise ValidationError(
            "reason",
            f"say why: the result is {result.value}"
            + (f" with {format_decimal(rejected)} rejected" if rejected else ""),
        )
    if result is QcResult.PASS and rejected > 0:
        raise ValidationError(
            "result", f"pass with {format_decimal(rejected)} rejected: record it as partial"
        )
    if result is QcResult.PARTIAL and (accepted == 0 or rejected == 0):
        raise ValidationError("result", "partial needs both accepted and rejected units")


def _upload_kinds(uploads: Sequence[Upload]) -> list[AttachmentKind]:
    """A photo or a clip, by the upload's first bytes (the file check refuses anything else)."""
    return [
        AttachmentKind.CLIP if sniff(u.data[:256]) in VIDEO_TYPES else AttachmentKind.PHOTO
        for u in uploads
    ]


def _spot_check(uow: UnitOfWork, number: str, supplier: SupplierRef) -> bool:
    """Whether spot check ``number`` (of ``supplier``, still requested) asks for video."""
    from flexchain.services import spot_checks  # helper RU's service

    found = spot_checks.show_spot_check(uow, number)
    if found.supplier != supplier.code:
        raise NotFound(f"no spot check {number} for supplier {supplier.code}")
    if found.status != "requested":
        raise ValidationError(
            "spot_check", f"spot check {number} is {found.status}: only a requested one is answered"
        )
    return bool(found.video_requested)


def _append(
    uow: UnitOfWork, store: SqlQcStore, supplier: SupplierRef, record: ChainRecord
) -> ChainRecord:
    """Link ``record`` after its supplier's head (the supplier's row locked) and write it."""
    store.lock_supplier(supplier.id)
    head = store.head(supplier.id, lock=True)
    placed = link(ChainLink(head.seq, head.hash) if head is not None else None, record)
    record_id = store.append(placed)
    audit.record_change(
        uow,
        "recorded",
        "qc_record",
        f"{supplier.code}#{placed.seq}",
        after={"result": placed.result, "hash": placed.hash},
        at=placed.recorded_at,
        kind=placed.kind,
        subject=placed.subject,
    )
    return replace(placed, id=record_id)


def record_qc_result(
    uow: UnitOfWork,
    files: FileStore,
    *,
    supplier: str,
    kind: QcKind | str,
    subject: str,
    result: QcResult | str,
    accepted: object = 0,
    rejected: object = 0,
    reason: str = "",
    uploads: Sequence[Upload] = (),
    spot_check: str | None = None,
    now: datetime,
) -> QcRecordView:
    """Append a QC result of ``supplier`` about ``subject`` (``RCV-000001/1``, ``JOB-12``,
    ``PO-000004/2``, ``SPC-000003``) to its chain, with ``uploads`` (photos: JPEG, PNG, WebP;
    clips: MP4, WebM, QuickTime) stored and attached.

    Refused, nothing written, when a value is bad, a file is of another type or too large, a
    result other than pass (or with rejects) has no reason, or ``spot_check`` is not the
    supplier's open spot check, or asks for video and no clip came.
    """
    now = utc(now, "now")
    store = SqlQcStore(uow)
    ref = store.supplier(code(supplier, "supplier"))
    qc_kind = choice(QcKind, kind, "kind")
    outcome = choice(QcResult, result, "result")
    good, bad = _quantity(accepted, "accepted"), _quantity(rejected, "rejected")
    why = text(reason, "reason", max_length=2000, required=False)
    subject = text(subject, "subject", max_length=64)
    _check_result(outcome, good, bad, why)
    kinds = _upload_kinds(uploads)
    shared_files.check_uploads(files, uploads, kinds)
    if spot_check is not None:
        spot_check = text(spot_check, "spot_check", max_length=32)
        if _spot_check(uow, spot_check, ref) and AttachmentKind.CLIP not in kinds:
            raise ValidationError(
                "files", f"spot check {spot_check} asks for a video clip: add one (MP4, WebM, MOV)"
            )
    stored = [
        shared_files.store_upload(uow, files, u, kind=k, now=now, supplier_id=ref.id)
        for u, k in zip(uploads, kinds, strict=True)
    ]
    payload: dict[str, Any] = {
        "files": [
            {"sha256": f.sha256, "name": f.name, "content_type": f.content_type, "size": f.size}
            for f in stored
        ]
    }
    if spot_check is not None:
        payload["spot_check"] = spot_check
    draft = ChainRecord(
        ref.id, 0, qc_kind.value, subject, outcome.value, good, bad, why, payload,
        [f.sha256 for f in stored], now, uow.actor[:200], GENESIS,
    )  # fmt: skip
    placed = _append(uow, store, ref, draft)
    assert placed.id is not None
    _attach_files(store, OwnerKind.QC_RECORD, str(placed.id), ref.id, stored, kinds)
    if spot_check is not None:
        from flexchain.services import spot_checks  # helper RU's service

        spot_checks.answer_spot_check(uow, spot_check, qc_record_id=placed.id, now=now)
        _attach_files(store, OwnerKind.SPOT_CHECK, spot_check, ref.id, stored, kinds)
    return show_qc_record(uow, placed.id)


def _attach_files(
    store: SqlQcStore,
    owner_kind: OwnerKind,
    owner_ref: str,
    supplier_id: int,
    stored: Sequence[FileView],
    kinds: Sequence[AttachmentKind],
) -> None:
    for view, kind in zip(stored, kinds, strict=True):
        store.attach(
            file_id=view.id,
            owner_kind=owner_kind.value,
            owner_ref=owner_ref,
            supplier_id=supplier_id,
            kind=kind.value,
            name=view.name,
            note="",
        )


def append_inspection(
    uow: UnitOfWork,
    *,
    supplier: str,
    subject: str,
    accepted: Decimal,
    rejected: Decimal,
    reason: str,
    details: Mapping[str, Any],
    now: datetime,
) -> int:
    """Append an inspection already checked and written by ``services/receiving.py`` (about
    ``subject``, ``RCV-000001/1``) to ``supplier``'s chain; returns the record's id."""
    now = utc(now, "now")
    store = SqlQcStore(uow)
    scope, store.scope = store.scope, None  # the brand inspects; the supplier need not be in scope
    ref = store.supplier(supplier)
    store.scope = scope
    outcome = (
        QcResult.PASS if rejected == 0 else QcResult.FAIL if accepted == 0 else QcResult.PARTIAL
    )
    draft = ChainRecord(
        ref.id,
        0,
        QcKind.INSPECTION.value,
        subject,
        outcome.value,
        accepted,
        rejected,
        reason,
        dict(details),
        [],
        now,
        uow.actor[:200],
        GENESIS,
    )
    placed = _append(uow, store, ref, draft)
    assert placed.id is not None
    return placed.id


def _views(uow: UnitOfWork, store: SqlQcStore, records: list[ChainRecord]) -> list[QcRecordView]:
    codes = store.supplier_codes() if store.scope is None else None
    refs = [str(r.id) for r in records]
    by_owner: dict[str, list[FileView]] = {}
    for attached in shared_files.list_attachments(uow, OwnerKind.QC_RECORD, refs):
        by_owner.setdefault(attached.owner_ref, []).append(attached.file)
    views = []
    for r in records:
        name = codes.get(r.supplier_id, "?") if codes is not None else _own_code(store)
        spot = r.payload.get("spot_check") if isinstance(r.payload, Mapping) else None
        views.append(
            QcRecordView(
                r.id or 0,
                name,
                r.seq,
                r.kind,
                r.subject,
                r.result,
                r.accepted,
                r.rejected,
                r.reason,
                spot if isinstance(spot, str) else None,
                tuple(r.file_hashes),
                tuple(by_owner.get(str(r.id), ())),
                r.recorded_at,
                r.actor,
                r.prev_hash,
                r.hash,
            )
        )
    return views


def _own_code(store: SqlQcStore) -> str:
    return next(iter(store.supplier_codes().values()), "?")


def show_qc_record(uow: UnitOfWork, record_id: int) -> QcRecordView:
    """One QC record by id (a supplier's user: only its own)."""
    store = SqlQcStore(uow)
    found = store.records(record_id=record_id)
    if not found:
        raise NotFound(f"no QC record {record_id}")
    return _views(uow, store, found)[0]


def list_qc_records(
    uow: UnitOfWork,
    *,
    supplier: str | None = None,
    subject: str | None = None,
    limit: int = 100,
) -> list[QcRecordView]:
    """QC records newest first, of one supplier or subject (a supplier's user: its own)."""
    store = SqlQcStore(uow)
    supplier_id = store.supplier(code(supplier, "supplier")).id if supplier else None
    if not 1 <= limit <= 10_000:
        raise ValidationError("limit", f"between 1 and 10000, got {limit}")
    found = store.records(supplier_id=supplier_id, subject=subject or None, limit=limit)
    return _views(uow, store, found)


def chain_head(uow: UnitOfWork, supplier: str) -> ChainHead:
    """The last link of ``supplier``'s chain, as the portal shows it to the supplier."""
    store = SqlQcStore(uow)
    ref = store.supplier(code(supplier, "supplier"))
    head = store.head(ref.id)
    if head is None:
        return ChainHead(ref.code, 0, GENESIS, None)
    return ChainHead(ref.code, head.seq, head.hash, head.recorded_at)


def _check_files(
    files: FileStore, records: Sequence[ChainRecord], codes: Mapping[int, str]
) -> tuple[int, list[BadRecordView]]:
    checked, bad = 0, []
    for r in records:
        for sha256 in r.file_hashes:
            checked += 1
            try:
                files.read(sha256)
            except FileRefused as error:
                name = codes.get(r.supplier_id, str(r.supplier_id))
                bad.append(BadRecordView(name, r.seq, r.id, str(error)))
    return checked, bad


def verify_chain(uow: UnitOfWork, files: FileStore | None = None) -> ChainReport:
    """Walk every chain (a supplier's user: its own) and name each one's first bad record;
    with ``files``, also read every photo and clip the records name and report those missing
    or altered on disk."""
    store = SqlQcStore(uow)
    codes = store.supplier_codes()
    heads = store.heads()
    records = store.records(newest_first=False)
    found = verify_records(records, heads)
    checked, bad_files = _check_files(files, records, codes) if files is not None else (0, [])

    def named(bad: BadRecord) -> BadRecordView:
        return BadRecordView(
            codes.get(bad.supplier_id, str(bad.supplier_id)), bad.seq, bad.id, bad.problem
        )

    recorded = {(r.supplier_id, r.seq): r.recorded_at for r in records}
    head_views = tuple(
        ChainHead(codes.get(s, str(s)), h.seq, h.hash, recorded.get((s, h.seq)))
        for s, h in sorted(heads.items())
    )
    return ChainReport(
        found.ok and not bad_files,
        found.chains,
        found.records,
        tuple(named(b) for b in found.bad),
        head_views,
        checked,
        tuple(bad_files),
    )
