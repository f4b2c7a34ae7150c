"""QC records, files, certificates and carbon data: the same use cases as ``flexchain qc`` and
the supplier portal's QC pages.

``POST /qc/results`` (multipart: the fields and ``files``, photos and clips), ``GET
/qc/records``, ``GET /qc/verify`` (``ok`` false and the first bad record named when history
was edited), ``GET /qc/head``; ``GET /files/{file_id}`` downloads a file (a supplier's user:
only its own or those attached to its records); ``POST /purchase-orders/{number}/attachments``
and ``POST /jobs/{job_id}/attachments`` (the brand attaches design files and process
documents); ``GET|POST /suppliers/{code}/certificates`` and ``GET|POST /suppliers/{code}/carbon``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from flexchain.domain.identity import EVERYONE, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import carbon, certificates, qc
from flexchain.services import files as shared_files

__all__ = ["router"]

router = APIRouter(tags=["qc"])
"""Reading routes take ``STORABLE_TEXT``; the multipart ones cannot (it reads the body the form
parser already consumed) and refuse NUL characters in their fields and path with :func:`_text`."""

BRAND = (Role.ADMIN, Role.PLANNER, Role.BUYER)
"""Attach design files and process documents to POs and jobs."""
CHECKERS = (Role.ADMIN, Role.BUYER, Role.QUALITY, Role.SUPPLIER)
"""Record QC results, certificates and carbon data (a supplier's user: its own)."""
FileId = Annotated[int, Path(ge=1, le=2**31 - 1)]
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Code = Annotated[str, Path(max_length=64)]
RECORD = errors("A value, a file or the spot check is refused", missing="No such supplier")
UPLOAD = errors("The file or a value is refused", missing="No such record")
READ = errors("A value is refused", missing="No such supplier")


def _now() -> datetime:
    return datetime.now(UTC)


def _text(**fields: str | None) -> None:
    """Refuse (422) form text holding a NUL character (it cannot be stored)."""
    found = [name for name, value in fields.items() if value is not None and "\x00" in value]
    if found:
        raise HTTPException(422, f"{', '.join(found)}: text may not hold a NUL character")


def _read(app: Any, uploads: list[UploadFile]) -> list[shared_files.Upload]:
    """The uploads' bytes, each read to one byte over the limit at most (the service refuses
    it with the size)."""
    limit = app.settings.upload_max_mb * 1024 * 1024
    return [shared_files.Upload(u.filename or "file", u.file.read(limit + 1)) for u in uploads]


def _supplier(who: Principal, supplier: str | None) -> str:
    """The supplier named, or a supplier's user's own."""
    name = supplier or who.supplier
    if not name:
        raise HTTPException(422, "supplier: required (a supplier code)")
    return name


@router.post("/qc/results", status_code=201, responses=RECORD)
def post_qc_result(
    app: AppDep,
    who: Annotated[Principal, allow(*CHECKERS)],
    subject: Annotated[str, Form(max_length=64)],
    result: Annotated[str, Form(max_length=16)],
    supplier: Annotated[str | None, Form(max_length=64)] = None,
    kind: Annotated[str, Form(max_length=16)] = "qc_result",
    accepted: Annotated[str, Form(max_length=32)] = "0",
    rejected: Annotated[str, Form(max_length=32)] = "0",
    reason: Annotated[str, Form(max_length=2000)] = "",
    spot_check: Annotated[str | None, Form(max_length=32)] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> Any:
    """Append a QC result (photos and clips in ``files``) to the supplier's hash chain."""
    _text(subject=subject, result=result, supplier=supplier, kind=kind, accepted=accepted,
          rejected=rejected, reason=reason, spot_check=spot_check)  # fmt: skip
    uploads = _read(app, files or [])
    with uow_for(app, who) as uow:
        view = qc.record_qc_result(
            uow,
            shared_files.store_for(app.settings),
            supplier=_supplier(who, supplier),
            kind=kind,
            subject=subject,
            result=result,
            accepted=accepted,
            rejected=rejected,
            reason=reason,
            uploads=uploads,
            spot_check=spot_check or None,
            now=_now(),
        )
        uow.commit()
    return JSONResponse(plain(view), status_code=201)


@router.get("/qc/records", responses=READ, dependencies=[STORABLE_TEXT])
def list_qc_records(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    supplier: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> Any:
    """QC records newest first, of one supplier or subject (a supplier's user: its own)."""
    with uow_for(app, who, write=False) as uow:
        found = qc.list_qc_records(uow, supplier=supplier, subject=subject, limit=limit)
    return JSONResponse(plain(found))


@router.get("/qc/verify", responses=READ, dependencies=[STORABLE_TEXT])
def verify_qc_chain(
    app: AppDep, who: Annotated[Principal, allow(*EVERYONE)], files: bool = False
) -> Any:
    """Walk every chain (a supplier's user: its own): ``ok``, and each broken chain's first bad
    record (``first_bad``: supplier, seq, id, problem); ``files``: also read every photo and
    clip and list those missing or altered on disk (``bad_files``)."""
    store = shared_files.store_for(app.settings) if files else None
    with uow_for(app, who, write=False) as uow:
        report = qc.verify_chain(uow, store)
    return JSONResponse({**plain(report), "first_bad": plain(report.first_bad)})


@router.get("/qc/head", responses=READ, dependencies=[STORABLE_TEXT])
def qc_chain_head(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    supplier: Annotated[str | None, Query(max_length=64)] = None,
) -> Any:
    """A supplier's chain head (a supplier's user: its own, ``supplier`` may be left out)."""
    with uow_for(app, who, write=False) as uow:
        head = qc.chain_head(uow, _supplier(who, supplier))
    return JSONResponse(plain(head))


@router.get(
    "/files/{file_id}",
    dependencies=[STORABLE_TEXT],
    responses={
        **errors(missing="No such file"),
        200: {"content": {"application/octet-stream": {}}},
    },
)
def download_file(file_id: FileId, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """A stored file's bytes (a supplier's user: only files it uploaded or attached to its
    records); 422 if the file was altered on disk."""
    with uow_for(app, who, write=False) as uow:
        view, data = shared_files.open_file(uow, shared_files.store_for(app.settings), file_id)
    headers = {
        "Content-Disposition": f'attachment; filename="{view.name}"',
        "X-Content-SHA256": view.sha256,
        "X-Content-Type-Options": "nosniff",
    }
    return Response(data, media_type=view.content_type, headers=headers)


def _attach(app: Any, who: Principal, action: Any, key: Any, file: UploadFile, **kw: Any) -> Any:
    (upload,) = _read(app, [file])
    with uow_for(app, who) as uow:
        view = action(uow, shared_files.store_for(app.settings), key, upload, now=_now(), **kw)
        uow.commit()
    return JSONResponse(plain(view), status_code=201)


@router.post("/purchase-orders/{number}/attachments", status_code=201, responses=UPLOAD)
def attach_to_po(
    number: Code,
    app: AppDep,
    who: Annotated[Principal, allow(*BRAND)],
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form(max_length=16)] = "design",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Any:
    """Attach a design file or process document to a purchase order (its supplier sees it)."""
    _text(number=number, kind=kind, note=note)
    return _attach(app, who, shared_files.attach_to_po, number, file, kind=kind, note=note)


@router.post("/jobs/{job_id}/attachments", status_code=201, responses=UPLOAD)
def attach_to_job(
    job_id: JobId,
    app: AppDep,
    who: Annotated[Principal, allow(*BRAND)],
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form(max_length=16)] = "design",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Any:
    """Attach a design file or process document to a job (its supplier sees it)."""
    _text(kind=kind, note=note)
    return _attach(app, who, shared_files.attach_to_job, job_id, file, kind=kind, note=note)


@router.get("/suppliers/{code}/certificates", responses=READ, dependencies=[STORABLE_TEXT])
def list_certificates(code: Code, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """A supplier's certificates with days to expiry and their files."""
    with uow_for(app, who, write=False) as uow:
        found = certificates.list_certificates(uow, supplier=code, today=_now().date())
    return JSONResponse(plain(found))


@router.post("/suppliers/{code}/certificates", status_code=201, responses=READ)
def add_certificate(
    code: Code,
    app: AppDep,
    who: Annotated[Principal, allow(*CHECKERS)],
    name: Annotated[str, Form(max_length=100)],
    valid_until: Annotated[str, Form(max_length=10)],
    file: Annotated[UploadFile | None, File()] = None,
) -> Any:
    """Add or renew a certificate with its expiry date and file (PDF or image)."""
    _text(code=code, name=name, valid_until=valid_until)
    uploads = _read(app, [file] if file is not None else [])
    with uow_for(app, who) as uow:
        view = certificates.add_certificate(
            uow, shared_files.store_for(app.settings), supplier=code, name=name,
            valid_until=valid_until, file=uploads[0] if uploads else None, now=_now(),
        )  # fmt: skip
        uow.commit()
    return JSONResponse(plain(view), status_code=201)


@router.get("/suppliers/{code}/carbon", responses=READ, dependencies=[STORABLE_TEXT])
def list_carbon(code: Code, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """A supplier's carbon figures (kg CO2e per unit), ``current`` where they apply today."""
    with uow_for(app, who, write=False) as uow:
        found = carbon.list_carbon(uow, supplier=code, today=_now().date())
    return JSONResponse(plain(found))


@router.post("/suppliers/{code}/carbon", status_code=201, responses=READ)
def post_carbon(
    code: Code,
    app: AppDep,
    who: Annotated[Principal, allow(*CHECKERS)],
    kg_co2e_per_unit: Annotated[str, Form(max_length=32)],
    as_of: Annotated[str, Form(max_length=10)],
    item: Annotated[str | None, Form(max_length=64)] = None,
    evidence: Annotated[UploadFile | None, File()] = None,
) -> Any:
    """Post kg CO2e per unit of an item (no item: the supplier's default) as of a day."""
    _text(code=code, kg_co2e_per_unit=kg_co2e_per_unit, as_of=as_of, item=item)
    uploads = _read(app, [evidence] if evidence is not None else [])
    with uow_for(app, who) as uow:
        view = carbon.post_carbon(
            uow, shared_files.store_for(app.settings), supplier=code, item=item or None,
            kg_co2e_per_unit=kg_co2e_per_unit, as_of=as_of,
            evidence=uploads[0] if uploads else None, now=_now(),
        )  # fmt: skip
        uow.commit()
    return JSONResponse(plain(view), status_code=201)
