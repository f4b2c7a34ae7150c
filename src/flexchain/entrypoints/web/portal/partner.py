"""Portal pages: improvement suggestions; design files and process documents.

* ``GET|POST /portal/suggestions``: the supplier's suggestions and their status (submitted,
  accepted with the value the brand recorded, rejected with its note), and the form to submit
  one (:mod:`flexchain.services.suggestions`; the saving is money per year in the brand's
  currency).
* ``GET /portal/files``: every file the brand shared with the supplier (design files and process
  documents on its POs and jobs); ``GET /portal/files/{file_id}``: one file's bytes, checked
  against its hash (:func:`flexchain.services.files.open_file`: another supplier's file, like an
  unknown one, is a 404 page).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, NotFound
from flexchain.domain.identity import Principal
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.portal.common import (
    SupplierUser,
    form_errors,
    form_fields,
    page,
    pages,
)
from flexchain.services import files, suggestions

__all__ = ["router"]

router = pages()

SUGGESTION_FIELDS = (
    "title",
    "description",
    "expected_saving",
    "expected_lead_time_change_days",
    "evidence",
    "item",
)
MAX_ID = 2**31 - 1


def _suggestions_page(
    request: Request,
    app: App,
    who: Principal,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    with uow_for(app, who, write=False) as uow:
        found = suggestions.list_suggestions(uow)
    done = request.query_params.get("done") == "suggestion" and status_code == 200
    return page(
        request,
        "portal/suggestions.html",
        status_code,
        title="Suggestions",
        suggestions=found,
        currency=app.settings.default_currency,
        notice="Suggestion sent: the brand will accept or reject it." if done else "",
        errors=errors or {},
        values=values or {},
    )


@router.get("/suggestions")
def suggestions_page(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """The supplier's improvement suggestions and the form to submit one."""
    return _suggestions_page(request, app, who)


def _submit(app: App, who: Principal, fields: dict[str, str]) -> None:
    with uow_for(app, who) as uow:
        suggestions.submit_suggestion(
            uow,
            title=fields.get("title", ""),
            description=fields.get("description", ""),
            expected_saving=fields.get("expected_saving") or None,
            lead_time_change_days=fields.get("expected_lead_time_change_days") or None,
            evidence=fields.get("evidence", ""),
            item=fields.get("item") or None,
            currency=app.settings.default_currency,
            now=datetime.now(UTC),
        )
        uow.commit()


@router.post("/suggestions")
async def post_suggestion(request: Request, app: AppDep, who: SupplierUser) -> Response:
    """Submit an improvement suggestion."""
    fields: dict[str, str] = {}
    try:
        fields = await form_fields(request, max_length=5000)
        await run_in_threadpool(_submit, app, who, fields)
    except DomainError as error:
        errors = form_errors(error)
        if not set(errors) <= set(SUGGESTION_FIELDS):
            errors = {"": str(error)}
        return await run_in_threadpool(_suggestions_page, request, app, who, 422, errors, fields)
    return RedirectResponse("/portal/suggestions?done=suggestion", status_code=303)


@router.get("/files")
def files_page(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
    """Every design file and process document the brand shared with the supplier."""
    with uow_for(app, who, write=False) as uow:
        shared = files.list_shared_files(uow)
    return page(request, "portal/files.html", title="Files", shared=shared)


@router.get("/files/{file_id}")
def download(file_id: str, request: Request, app: AppDep, who: SupplierUser) -> Response:
    """One file shared with (or uploaded by) the supplier, as an attachment."""
    if not file_id.isdigit() or not 1 <= int(file_id) <= MAX_ID:
        raise NotFound(f"no file {file_id!r}")
    with uow_for(app, who, write=False) as uow:
        try:
            view, data = files.open_file(uow, files.store_for(app.settings), int(file_id))
        except NotFound:
            raise
        except DomainError as error:  # altered or missing on disk: say so, serve nothing
            return page(
                request,
                "portal/error.html",
                409,
                status=409,
                title="File unavailable",
                message=str(error),
                brand=False,
            )
    name = view.name.replace('"', "")
    return Response(
        data,
        media_type=view.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": view.sha256,
            "X-Content-Type-Options": "nosniff",
        },
    )
