"""Portal pages: QC results with photos and clips, spot checks, certificates, carbon data.

* ``GET|POST /portal/qc``: the supplier's QC chain head and recent records, the spot checks the
  brand requested, and the form that records a result with photos (and a clip when a spot check
  asks for video) through :func:`flexchain.services.qc.record_qc_result`.
* ``GET|POST /portal/certificates``: certificates with days to expiry; add or renew one with
  its expiry and file (:mod:`flexchain.services.certificates`).
* ``GET|POST /portal/carbon``: kg CO2e per unit, per item or the supplier's default
  (:mod:`flexchain.services.carbon`).

A form post that is refused shows the page again (422) with the message next to the field and
what was typed (files must be chosen again: browsers never re-fill a file input); done, the
browser is sent back to the page (303) with a notice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, ValidationError
from flexchain.domain.identity import Principal
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.portal.common import (
    SupplierUser,
    form_errors,
    form_fields,
    page,
    pages,
)
from flexchain.services import carbon, certificates, files, jobs, qc, spot_checks

__all__ = ["router"]

router = pages()

DONE = {
    "qc": "QC result recorded and linked to your chain.",
    "certificate": "Certificate saved.",
    "carbon": "Carbon figure saved.",
}
RESULT_FIELDS = ("kind", "subject", "result", "accepted", "rejected", "reason", "spot_check")
"""The QC form's inputs besides the files."""
KINDS = (("qc_result", "QC result"), ("first_article", "First article"),
         ("spot_check", "Spot check"))  # fmt: skip
"""What a supplier records (``inspection`` is the brand's, at receipt)."""


async def read_uploads(request: Request, name: str, app: App) -> list[files.Upload]:
    """The files posted under ``name`` (empty file inputs left out), each read to one byte
    over the upload limit at most: the service refuses it naming the size."""
    limit = app.settings.upload_max_mb * 1024 * 1024
    form = await request.form()
    uploads = []
    for value in form.getlist(name):
        if isinstance(value, UploadFile) and value.filename:
            data = await value.read(limit + 1)
            if data:
                uploads.append(files.Upload(value.filename, data))
    return uploads


def _now() -> datetime:
    return datetime.now(UTC)


def _notice(request: Request) -> str:
    return DONE.get(request.query_params.get("done", ""), "")


async def _submit(
    request: Request,
    app: App,
    who: Principal,
    action: Callable[..., Any],
    show: Callable[..., HTMLResponse],
    done: str,
    fields: Sequence[str],
    file_input: str = "files",
) -> Response:
    """Post the form to ``action(uow, fields...)``; refused: ``show`` with the errors (422)."""
    values: dict[str, str] = {}
    try:
        values = await form_fields(request)

        def write() -> None:
            with uow_for(app, who) as uow:
                action(uow, values)
                uow.commit()

        await run_in_threadpool(write)
    except DomainError as error:
        errors = form_errors(error)
        if "files" in errors:  # the file checks name "files": the form's input may differ
            errors[file_input] = errors.pop("files")
        if not set(errors) <= {*fields, file_input}:
            errors = {"": str(error)}
        return await run_in_threadpool(show, request, app, who, 422, errors, values)
    return RedirectResponse(f"{request.url.path}?done={done}", status_code=303)


# -- QC -----------------------------------------------------------------------------------------


def _qc_page(
    request: Request,
    app: App,
    who: Principal,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    code = who.supplier or ""
    with uow_for(app, who, write=False) as uow:
        head = qc.chain_head(uow, code)
        records = qc.list_qc_records(uow, limit=50)
        requested = spot_checks.list_spot_checks(uow, status="requested")
        open_jobs = [job for job in jobs.list_jobs(uow) if job.status.is_open]
    wanted = request.query_params.get("spot_check", "")
    subject = request.query_params.get("subject", "")[:64]
    if values is None and subject:  # from a job's page: "record a QC result for this job"
        values = {"subject": subject}
    if values is None and wanted:
        values = {"spot_check": wanted, "kind": "spot_check"}
        check = next((s for s in requested if s.number == wanted), None)
        if check is not None:
            values["subject"] = check.po_number or (f"JOB-{check.job_id}" if check.job_id else "")
    return page(
        request,
        "portal/qc.html",
        status_code,
        title="QC",
        head=head,
        records=records,
        requested=requested,
        open_jobs=open_jobs,
        kinds=KINDS,
        notice=_notice(request) if status_code == 200 else "",
        errors=errors or {},
        values=values or {},
        max_mb=app.settings.upload_max_mb,
    )


@router.get("/qc")
def qc_page(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """The supplier's chain head, its QC records, requested spot checks and the result form."""
    return _qc_page(request, app, who)


@router.post("/qc")
async def post_qc(request: Request, app: AppDep, who: SupplierUser) -> Response:
    """Record a QC result with photos (and clips) on the supplier's chain."""
    uploads = await read_uploads(request, "files", app)
    store = files.store_for(app.settings)

    def record(uow: Any, fields: dict[str, str]) -> None:
        qc.record_qc_result(
            uow,
            store,
            supplier=who.supplier or "",
            kind=fields.get("kind", ""),
            subject=fields.get("subject", ""),
            result=fields.get("result", ""),
            accepted=fields.get("accepted") or "0",
            rejected=fields.get("rejected") or "0",
            reason=fields.get("reason", ""),
            uploads=uploads,
            spot_check=fields.get("spot_check") or None,
            now=_now(),
        )

    return await _submit(request, app, who, record, _qc_page, "qc", RESULT_FIELDS)


# -- certificates -------------------------------------------------------------------------------


def _certificates_page(
    request: Request,
    app: App,
    who: Principal,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    with uow_for(app, who, write=False) as uow:
        found = certificates.list_certificates(uow, supplier=who.supplier, today=_now().date())
    return page(
        request,
        "portal/certificates.html",
        status_code,
        title="Certificates",
        certificates=sorted(found, key=lambda c: (c.days_to_expiry, c.name)),
        notice=_notice(request) if status_code == 200 else "",
        errors=errors or {},
        values=values or {},
        warn_days=app.settings.certificate_warning_days,
    )


@router.get("/certificates")
def certificates_page(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """The supplier's certificates with days to expiry, and the form to add or renew one."""
    return _certificates_page(request, app, who)


@router.post("/certificates")
async def post_certificate(request: Request, app: AppDep, who: SupplierUser) -> Response:
    """Add or renew a certificate: its name, last valid day and file."""
    uploads = await read_uploads(request, "file", app)
    store = files.store_for(app.settings)

    def add(uow: Any, fields: dict[str, str]) -> None:
        if not uploads:
            raise ValidationError("file", "attach the certificate (PDF or a photo of it)")
        certificates.add_certificate(
            uow,
            store,
            supplier=who.supplier or "",
            name=fields.get("name", ""),
            valid_until=fields.get("valid_until", ""),
            file=uploads[0],
            now=_now(),
        )

    fields = ("name", "valid_until")
    return await _submit(
        request, app, who, add, _certificates_page, "certificate", fields, file_input="file"
    )


# -- carbon -------------------------------------------------------------------------------------


def _carbon_page(
    request: Request,
    app: App,
    who: Principal,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    today = _now().date()
    with uow_for(app, who, write=False) as uow:
        found = carbon.list_carbon(uow, supplier=who.supplier, today=today)
    return page(
        request,
        "portal/carbon.html",
        status_code,
        title="Carbon",
        figures=found,
        today=today,
        notice=_notice(request) if status_code == 200 else "",
        errors=errors or {},
        values=values if values is not None else {"as_of": today.isoformat()},
    )


@router.get("/carbon")
def carbon_page(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """The supplier's carbon figures (kg CO2e per unit), and the form to post one."""
    return _carbon_page(request, app, who)


@router.post("/carbon")
async def post_carbon(request: Request, app: AppDep, who: SupplierUser) -> Response:
    """Post kg CO2e per unit for an item, or the supplier's default (no item)."""
    uploads = await read_uploads(request, "evidence", app)
    store = files.store_for(app.settings)

    def post(uow: Any, fields: dict[str, str]) -> None:
        carbon.post_carbon(
            uow,
            store,
            supplier=who.supplier or "",
            item=fields.get("item") or None,
            kg_co2e_per_unit=fields.get("kg_co2e_per_unit", ""),
            as_of=fields.get("as_of", ""),
            evidence=uploads[0] if uploads else None,
            now=_now(),
        )

    fields = ("item", "kg_co2e_per_unit", "as_of")
    return await _submit(
        request, app, who, post, _carbon_page, "carbon", fields, file_input="evidence"
    )
