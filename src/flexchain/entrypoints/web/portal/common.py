"""What the portal's pages share: the signed-in supplier, rendering, form validation.

A page module builds its router with :func:`pages` and declares its caller as
:data:`SupplierUser`::

    router = pages()

    @router.get("/rfqs")
    def rfqs(request: Request, app: AppDep, who: SupplierUser) -> HTMLResponse:
        with uow_for(app, who, write=False) as uow:
            found = services.rfqs.list_rfqs(uow)
        return page(request, "portal/rfqs.html", rfqs=found)

* Not logged in: a browser is sent to ``/login?next=<the page>`` (the app's 401 handler).
* Logged in with a brand role: a 403 page saying the portal is for suppliers' staff, with a
  link to the brand's pages; another supplier's record (or one that does not exist): a 404 page
  (:class:`PortalRoute` renders both, and a missing CSRF token, as pages, not JSON).
* A form post reads its fields with :func:`form_fields` (a NUL character is refused, as the API
  does), calls the service, and on a :class:`~flexchain.domain.errors.DomainError` shows the
  form again with :func:`form_errors` next to the fields and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from flexchain.domain.errors import DomainError, NotFound, ValidationError, format_amount
from flexchain.domain.identity import EVERYONE, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.inputs import STORABLE_TEXT

__all__ = [
    "NAV",
    "PortalRoute",
    "SupplierUser",
    "day",
    "form_errors",
    "form_fields",
    "money",
    "page",
    "pages",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "placed",
    "quantity",
    "rows_by_prefix",
    "static_router",
    "when",
]

WEB = Path(__file__).parent.parent
SupplierUser = Annotated[Principal, allow(Role.SUPPLIER)]
"""The signed-in supplier user (a page's caller): ``who.supplier`` is its supplier's code, and
a unit of work from ``uow_for(app, who)`` sees only that supplier's records."""

NAV: tuple[tuple[str, str], ...] = (
    ("/portal", "Today"),
    ("/portal/rfqs", "RFQs"),
    ("/portal/pos", "Purchase orders"),
    ("/portal/jobs", "Jobs"),
    ("/portal/holds", "Capacity holds"),
    ("/portal/forecast", "Forecast"),
    ("/portal/stock", "Stock held"),
    ("/portal/qc", "QC"),
    ("/portal/certificates", "Certificates"),
    ("/portal/carbon", "Carbon"),
    ("/portal/suggestions", "Suggestions"),
    ("/portal/files", "Files"),
    ("/portal/invoices", "Invoices"),
    ("/portal/payments", "Payments"),
)
"""Every portal page, in the menu's order: (path, label)."""

ROLE_REFUSED = "role may not do this"
"""The end of the access layer's 403 message for a role a route does not allow."""


# -- formatting --------------------------------------------------------------------------------


def money(value: Decimal | None, currency: str = "") -> str:
    """``1,234.50 EUR``: thousands separated, at least cents; ``—`` for no amount."""
    if value is None:
        return "—"
    whole, _, cents = format_amount(Decimal(value)).partition(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-') or 0):,}"
    return f"{sign}{grouped}.{cents} {currency}".strip()


def quantity(value: Decimal | int | None) -> str:
    """A quantity as a person writes it: ``5`` not ``5.000``; ``—`` for none."""
    if value is None:
        return "—"
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def day(value: date | datetime | None) -> str:
    """``Thu 5 Mar 2026``; ``—`` for no date."""
    if value is None:
        return "—"
    return f"{value:%a} {value.day} {value:%b %Y}"


def when(value: datetime | None) -> str:
    """``5 Mar 2026 14:05 UTC``; ``—`` for no time."""
    if value is None:
        return "—"
    return f"{value.day} {value:%b %Y %H:%M} UTC"


_TEMPLATES = Environment(
    loader=FileSystemLoader(WEB / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATES.filters.update(money=money, quantity=quantity, day=day, when=when)


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The portal template ``name`` as a page, with the CSP ``nonce``, the signed-in ``who``,
    its session's ``csrf`` token (every form posts it as ``csrf_token``), the menu and the
    current ``path``."""
    who: Principal | None = getattr(request.state, "principal", None)
    html = _TEMPLATES.get_template(name).render(
        nonce=request.state.csp_nonce,
        who=who,
        csrf=who.csrf if who is not None else None,
        nav=NAV,
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


# -- forms -------------------------------------------------------------------------------------


async def form_fields(request: Request, *, max_length: int = 2000) -> dict[str, str]:
    """The posted form's text fields (files left out), stripped; the CSRF token is not one.

    Raises :class:`ValidationError` naming the field that holds a NUL character or is longer
    than ``max_length``.
    """
    form = await request.form()
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str) or name == "csrf_token":
            continue
        if "\x00" in name + value:
            raise ValidationError(name, "text may not hold a NUL character")
        if len(value) > max_length:
            raise ValidationError(name, f"at most {max_length} characters")
        fields[name] = value.strip()
    return fields


def form_errors(error: DomainError, *, prefix: str = "") -> dict[str, str]:
    """Messages to show next to the form's fields: a :class:`ValidationError` under its field
    (``prefix`` + field: the input's name), anything else under ``""`` (the whole form)."""
    if isinstance(error, ValidationError):
        return {f"{prefix}{error.field}": error.message}
    return {"": str(error)}


def placed(errors: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """``errors`` with those not about a field of the form (``names``) moved to the whole
    form's message (``""``), naming what they are about, so none goes unseen."""
    known = set(names)
    result = {key: message for key, message in errors.items() if key in known}
    loose = [
        message if not key else f"{key}: {message}"
        for key, message in errors.items()
        if key not in known
    ]
    if loose:
        result[""] = " ".join(loose)
    return result


def parse_decimal(value: str, field: str) -> Decimal:
    """``value`` as a decimal number, or a :class:`ValidationError` naming ``field``."""
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ValidationError(field, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValidationError(field, f"{value!r} is not a number")
    return number


def parse_int(value: str, field: str) -> int:
    """``value`` as a whole number, or a :class:`ValidationError` naming ``field``."""
    try:
        return int(value)
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a whole number") from None


def parse_date(value: str, field: str) -> date:
    """``value`` (``YYYY-MM-DD``, what a date input posts) as a date."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


# -- error pages -------------------------------------------------------------------------------


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    brand = status == 403 and message.endswith(ROLE_REFUSED)
    titles = {403: "Not for this account", 404: "Not found"}
    return page(
        request,
        "portal/error.html",
        status,
        status=status,
        title=titles.get(status, "Refused"),
        message=message,
        brand=brand,
    )


class PortalRoute(APIRoute):
    """A page route: refusals (403), missing records (404), unknown records
    (:class:`NotFound`) and addresses whose parameters are not even well formed answer as pages
    a person can read, not as JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except HTTPException as error:
                if error.status_code not in (403, 404):
                    raise
                return _error_page(request, error.status_code, str(error.detail))
            except NotFound as error:
                return _error_page(request, 404, str(error))
            except RequestValidationError:  # an address edited by hand: /portal/holds/x/accept
                return _error_page(request, 404, f"no page {request.url.path}")

        return answer


def pages() -> APIRouter:
    """A router for a group of portal pages (mounted under ``/portal``); a NUL character in a
    path or query parameter answers 422, as the API's routers do."""
    return APIRouter(route_class=PortalRoute, dependencies=[STORABLE_TEXT])


# -- static files ------------------------------------------------------------------------------

STATIC = WEB / "static"
_STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def static_router() -> APIRouter:
    """``GET /portal/static/{name}``: the stylesheet and the vendored htmx, for anyone logged
    in (the portal's pages are behind the login, so their assets are too)."""
    router = APIRouter()

    @router.get("/static/{name}")
    def static(name: str, _: Annotated[Principal, allow(*EVERYONE)]) -> Response:
        path = STATIC / name
        if "/" in name or "\\" in name or path.suffix not in _STATIC_TYPES or not path.is_file():
            raise HTTPException(404, f"no static file {name!r}")
        return Response(
            path.read_bytes(),
            media_type=_STATIC_TYPES[path.suffix],
            headers={"Cache-Control": "private, max-age=3600"},
        )

    return router


def rows_by_prefix(fields: Mapping[str, str], prefix: str) -> dict[int, dict[str, str]]:
    """Fields named ``<prefix><n>.<name>`` grouped by ``n`` (a line of a many-line form)."""
    found: dict[int, dict[str, str]] = {}
    for key, value in fields.items():
        if not key.startswith(prefix):
            continue
        number, dot, name = key[len(prefix) :].partition(".")
        if dot and number.isdigit():
            found.setdefault(int(number), {})[name] = value
    return found
