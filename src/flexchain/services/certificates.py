"""Suppliers' certificates (``supplier_certifications``) with their expiry and their files.

``add_certificate`` adds or renews a certificate (the same name again moves its expiry) and
attaches its file (a PDF or a scan); ``list_certificates`` shows each with its days to expiry.
A supplier's user adds and sees only its own. ``now``/``today`` come from the caller; nothing
here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flexchain.adapters.db.qc import SqlQcStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.files import FileStore
from flexchain.domain.checks import code, day, text
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import utc
from flexchain.services import audit
from flexchain.services import files as shared_files
from flexchain.services.files import AttachmentKind, FileView, OwnerKind, Upload


def _day(value: object, field: str) -> date:
    """A date, or its ISO text (``2027-03-31``)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(field, f"expected a date (YYYY-MM-DD), got {value!r}") from None
    return day(value, field)


__all__ = ["CertificateView", "add_certificate", "list_certificates"]


@dataclass(frozen=True)
class CertificateView:
    supplier: str
    name: str
    valid_until: date
    days_to_expiry: int
    """Days from today to the last valid day (0: expires today; negative: expired)."""
    expired: bool
    files: tuple[FileView, ...]


def add_certificate(
    uow: UnitOfWork,
    files: FileStore,
    *,
    supplier: str,
    name: str,
    valid_until: object,
    file: Upload | None = None,
    now: datetime,
) -> CertificateView:
    """Add certificate ``name`` of ``supplier`` valid until ``valid_until`` (renewing it if it
    exists), with its ``file`` (PDF, JPEG, PNG or WebP). Refused, nothing written, when the
    name is blank or too long, the day is not a date, or the file is not of those types."""
    now = utc(now, "now")
    store = SqlQcStore(uow)
    ref = store.supplier(code(supplier, "supplier"))
    name = text(name, "name", max_length=100)
    until = _day(valid_until, "valid_until")
    if file is not None:
        shared_files.check_uploads(files, [file], [AttachmentKind.CERTIFICATE])
    certificate_id, before = store.upsert_certificate(ref.id, name, until)
    if file is not None:
        shared_files.attach(
            uow,
            files,
            owner_kind=OwnerKind.CERTIFICATE,
            owner_ref=str(certificate_id),
            upload=file,
            kind=AttachmentKind.CERTIFICATE,
            now=now,
            supplier_id=ref.id,
        )
    audit.record_change(
        uow,
        "certified" if before is None else "renewed",
        "certificate",
        f"{ref.code}/{name}",
        before={"valid_until": before} if before is not None else None,
        after={"valid_until": until},
        at=now,
    )
    found = list_certificates(uow, supplier=ref.code, today=now.date())
    return next(c for c in found if c.name == name)


def list_certificates(
    uow: UnitOfWork, *, supplier: str | None = None, today: date
) -> list[CertificateView]:
    """Certificates by supplier and name with days to expiry and their files (a supplier's
    user: its own)."""
    if not isinstance(today, date):
        raise ValidationError("today", f"expected a date, got {today!r}")
    store = SqlQcStore(uow)
    supplier_id = store.supplier(code(supplier, "supplier")).id if supplier else None
    found = store.certificates(supplier_id=supplier_id)
    refs = [str(i) for i, _, _, _ in found]
    by_ref: dict[str, list[FileView]] = {}
    for attached in shared_files.list_attachments(uow, OwnerKind.CERTIFICATE, refs):
        by_ref.setdefault(attached.owner_ref, []).append(attached.file)
    return [
        CertificateView(
            s,
            n,
            until,
            (until - today).days,
            until < today,
            tuple(by_ref.get(str(i), ())),
        )
        for i, s, n, until in found
    ]
