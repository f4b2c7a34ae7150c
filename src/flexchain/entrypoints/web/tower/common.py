"""What the control tower's pages share: the signed-in brand user, rendering, forms, charts.

A page module builds its router with :func:`pages` and declares its caller as
:data:`BrandUser` (reading) or :data:`ActingUser` (a form post that changes something)::

    router = pages()

    @router.get("/orders")
    def orders(request: Request, app: AppDep, who: BrandUser) -> HTMLResponse:
        with uow_for(app, who, write=False) as uow:
            found = services.orders.list_orders(uow)
        return page(request, "tower/orders.html", title="Orders", orders=found)

    @router.post("/orders/{ref}/cancel")
    async def cancel(request: Request, app: AppDep, who: ActingUser, ref: str) -> Response:
        fields = await form_fields(request)
        ...

* Not logged in: a browser is sent to ``/login?next=<the page>`` (the app's 401 handler).
* A supplier's user: the 403 page, pointing to the supplier portal. A ``viewer`` reads every
  page; its POSTs are refused with the 403 page, and templates hide the action buttons with
  ``{% if can_act %}`` (:func:`page` passes ``can_act``: :func:`can_act` of the caller).
* Missing records (:class:`~flexchain.domain.errors.NotFound`, HTTP 404) answer the 404 page.
* A form post reads its fields with :func:`form_fields` (NUL refused, as the API does), calls
  the service, and on a :class:`~flexchain.domain.errors.DomainError` shows the page again
  with :func:`form_errors` and what was typed (``{{ m.form_alert(errors) }}``, ``m.field``).
* Figures are formatted, never computed, in templates: filters ``money``, ``quantity``,
  ``number``, ``percent``, ``day``, ``when``, ``days``.
* A chart: :func:`chart` returns the markup (a canvas with its accessible name, the data as
  JSON in a ``<script type="application/json">`` block carrying the CSP nonce, and the same
  data as a table for screen readers and no-script); the vendored Chart.js draws it through
  ``/app/static/tower.js``. Pass it to the template and write ``{{ chart_markup }}``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Coroutine, Sequence
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from flexchain.domain.errors import NotFound
from flexchain.domain.identity import EVERYONE, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.web.portal.common import (
    ROLE_REFUSED,
    STATIC,
    WEB,
    day,
    form_errors,
    form_fields,
    money,
    parse_date,
    parse_decimal,
    parse_int,
    placed,
    quantity,
    when,
)

__all__ = [
    "ACTORS",
    "BRAND",
    "NAV",
    "ActingUser",
    "BrandUser",
    "Series",
    "can_act",
    "chart",
    "day",
    "days",
    "done",
    "form_errors",
    "form_fields",
    "money",
    "number",
    "page",
    "pages",
    "parse_date",
    "parse_decimal",
    "parse_int",
    "percent",
    "placed",
    "quantity",
    "static_router",
    "when",
]

BRAND: tuple[Role, ...] = tuple(r for r in Role if r is not Role.SUPPLIER)
"""The brand's roles: every page reads for them."""
ACTORS: tuple[Role, ...] = tuple(r for r in BRAND if r is not Role.VIEWER)
"""The brand's roles that may act from a page (a ``viewer`` only reads)."""
BrandUser = Annotated[Principal, allow(*BRAND)]
"""The signed-in brand user reading a page (a supplier's user gets the 403 page)."""
ActingUser = Annotated[Principal, allow(*ACTORS)]
"""The signed-in brand user posting a form (a viewer or a supplier gets the 403 page)."""

NAV: tuple[tuple[str, str], ...] = (
    ("/app/today", "Today"),
    ("/app/overview", "Overview"),
    ("/app/orders", "Orders"),
    ("/app/inventory", "Inventory"),
    ("/app/plan", "Plan"),
    ("/app/suppliers", "Suppliers"),
    ("/app/procurement", "Procurement"),
    ("/app/quote", "Quote"),
    ("/app/report", "Weekly report"),
)
"""Every control tower page, in the menu's order: (path, label)."""


def can_act(who: Principal | None, roles: Sequence[Role] = ACTORS) -> bool:
    """Whether ``who`` may act (its role among ``roles``; by default any brand role but
    ``viewer``): templates show action buttons only then."""
    return who is not None and who.role is not None and who.role in roles


# -- formatting (money, quantity, day and when as the portal writes them) ----------------------


def number(value: Decimal | int | float | None, places: int = 0) -> str:
    """``12,345`` (``places`` decimals, thousands separated); ``—`` for none."""
    if value is None:
        return "—"
    return f"{Decimal(str(value)):,.{places}f}"


def percent(value: Decimal | float | None, places: int = 1) -> str:
    """A ratio (0.873) as ``87.3 %``; ``—`` for none."""
    if value is None:
        return "—"
    return f"{Decimal(str(value)) * 100:.{places}f} %"


def days(value: Decimal | int | float | None) -> str:
    """``3 days``, ``1 day``, ``-2 days`` (overdue); ``—`` for none."""
    if value is None:
        return "—"
    shown = number(value, 0 if Decimal(str(value)) == int(value) else 1)
    return f"{shown} day{'' if abs(Decimal(str(value))) == 1 else 's'}"


_TEMPLATES = Environment(
    loader=FileSystemLoader(WEB / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATES.filters.update(
    money=money, quantity=quantity, day=day, when=when, number=number, percent=percent, days=days
)
_TEMPLATES.tests["contains"] = lambda values, value: value in values  # selectattr(.., "contains")


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The tower template ``name`` as a page, with the CSP ``nonce``, the signed-in ``who``,
    ``can_act`` (it may act: not a viewer), its session's ``csrf`` token (every form posts it
    as ``csrf_token``), the menu ``nav``, the current ``path`` and ``notice`` (the ``done``
    query parameter: what the last action did, see :func:`done`; ``notice_failed``: it did not
    work, shown as an error)."""
    who: Principal | None = getattr(request.state, "principal", None)
    notice, failed = _notice(request)
    context.setdefault("notice", notice)
    context.setdefault("notice_failed", failed)
    html = _TEMPLATES.get_template(name).render(
        nonce=request.state.csp_nonce,
        who=who,
        can_act=can_act(who),
        csrf=who.csrf if who is not None else None,
        nav=NAV,
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


_NOTICE_KEY = secrets.token_bytes(32)
"""Signs the ``done`` messages of this server process, so a link made elsewhere cannot put
its own words in a page's notice (a notice from another process is simply not shown)."""


def _signed(message: str, failed: bool = False) -> str:
    signed = f"{message}\x00failed" if failed else message
    return hmac.new(_NOTICE_KEY, signed.encode(), hashlib.sha256).hexdigest()[:32]


def _notice(request: Request) -> tuple[str, bool]:
    """The signed ``done`` message, and whether it says something failed."""
    message = request.query_params.get("done", "")[:500]
    signature = request.query_params.get("sig", "")
    failed = request.query_params.get("failed") == "1"
    if message and hmac.compare_digest(_signed(message, failed), signature):
        return message, failed
    return "", False


def done(path: str, message: str, *, failed: bool = False) -> RedirectResponse:
    """After a form post: 303 to ``path`` (a tower page), which shows ``message``
    (post/redirect/get: reloading the page does not post again), as an error when ``failed``
    (the action ran but did not work, e.g. a webhook retried failed again). The message
    travels in the URL signed by this process (with ``failed``): a forged or altered one is
    not shown."""
    sep = "&" if "?" in path else "?"
    fields = {"done": message[:500], "sig": _signed(message[:500], failed)}
    query = urlencode({**fields, "failed": "1"} if failed else fields)
    return RedirectResponse(f"{path}{sep}{query}", status_code=303)


# -- charts ------------------------------------------------------------------------------------

Series = tuple[str, Sequence[Decimal | int | float | None]]
"""One line or bar series: (label, one value per x label; None for a gap)."""


def _plain(value: Decimal | int | float | None) -> float | None:
    return None if value is None else float(value)  # drawing only; the table shows the text


def chart(
    request: Request,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    kind: str = "line",
    unit: str = "",
    lines: Sequence[tuple[str, Decimal | int | float]] = (),
) -> Markup:
    """A chart's markup: ``<figure>`` with a canvas named ``title`` (``role=img``), its data as
    JSON (``kind`` ``line`` or ``bar``; ``lines``: horizontal reference lines such as a target
    or a reorder point), and the same figures as a table (``<details>``) for screen readers,
    keyboard users and browsers without script. ``unit`` follows every value in the table."""
    if kind not in ("line", "bar"):
        raise ValueError(f"chart kind {kind!r}: line or bar")
    data = {
        "kind": kind,
        "title": title,
        "unit": unit,
        "labels": list(labels),
        "series": [
            {"label": name, "values": [_plain(v) for v in values]} for name, values in series
        ],
        "lines": [{"label": name, "value": _plain(value)} for name, value in lines],
    }
    payload = json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e")
    nonce = request.state.csp_nonce
    head = "".join(f'<th scope="col">{escape(name)}</th>' for name, _ in series)
    rows = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        + "".join(f'<td class="num">{_cell(values, i, unit)}</td>' for _, values in series)
        + "</tr>"
        for i, label in enumerate(labels)
    )
    refs = "".join(f"<li>{escape(name)}: {_cell([v], 0, unit)}</li>" for name, v in lines)
    return Markup(
        f'<figure class="chart" id="{escape(chart_id)}">'
        f"<figcaption>{escape(title)}</figcaption>"
        f'<div class="chart-box"><canvas role="img" aria-label="{escape(title)}: chart; '
        f'the figures are in the table below"></canvas></div>'
        f'<script type="application/json" class="chart-data" nonce="{nonce}">{payload}</script>'
        f"<details><summary>The figures</summary>"
        f'<div class="scroll"><table><thead><tr><th scope="col">'
        f"</th>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        f"{f'<ul>{refs}</ul>' if refs else ''}</details></figure>"
    )


def _cell(values: Sequence[Decimal | int | float | None], i: int, unit: str) -> str:
    value = values[i] if i < len(values) else None
    if value is None:
        return "—"
    return escape(f"{number(value, 0 if Decimal(str(value)) == int(value) else 2)} {unit}".strip())


# -- error pages -------------------------------------------------------------------------------


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    # a refused caller is not on request.state: the access layer's message names its role
    supplier = message == f"the {Role.SUPPLIER.value} {ROLE_REFUSED}"
    titles = {403: "Not for this account", 404: "Not found"}
    return page(
        request,
        "tower/error.html",
        status,
        status=status,
        title=titles.get(status, "Refused"),
        message=message,
        supplier=supplier,
    )


class TowerRoute(APIRoute):
    """A page route: refusals (403) and missing records (404, :class:`NotFound`) answer as
    pages a person can read, not as JSON."""

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

        return answer


def pages() -> APIRouter:
    """A router for a control tower page (mounted under ``/app``); a NUL character in a path
    or query parameter answers 422, as the API's routers do."""
    return APIRouter(route_class=TowerRoute, dependencies=[STORABLE_TEXT])


# -- static files ------------------------------------------------------------------------------

_STATIC_FILES = {
    "tower.css": "text/css; charset=utf-8",
    "tower.js": "text/javascript; charset=utf-8",
    "chart.umd.min.js": "text/javascript; charset=utf-8",
    "htmx.min.js": "text/javascript; charset=utf-8",
}


def static_router() -> APIRouter:
    """``GET /app/static/{name}``: the stylesheet, the tower's script, the vendored Chart.js
    and htmx, for any logged-in user (the pages are behind the login, so are their assets)."""
    router = APIRouter()

    @router.get("/static/{name}")
    def static(name: str, _: Annotated[Principal, allow(*EVERYONE)]) -> Response:
        if name not in _STATIC_FILES:
            raise HTTPException(404, f"no static file {name!r}")
        return Response(
            (STATIC / name).read_bytes(),
            media_type=_STATIC_FILES[name],
            headers={"Cache-Control": "private, max-age=3600"},
        )

    return router
