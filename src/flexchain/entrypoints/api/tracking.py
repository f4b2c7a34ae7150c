"""``GET /track/{token}``: the customer's view of their order, as JSON or a small HTML page.

The token is 32 random URL-safe characters (192 bits), so links cannot be guessed; the page shows
what was bought, the stages with planned and actual dates and nothing internal (no suppliers,
costs or stock). A problem reported on the order (damaged, wrong customisation, ...) is shown by
its kind and day only, as being handled: what staff noted and who reported it stay inside.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from flexchain.domain.errors import format_decimal
from flexchain.domain.identity import Principal
from flexchain.domain.orders import OPEN_STATUSES
from flexchain.entrypoints.api.access import public
from flexchain.entrypoints.api.deps import AppDep
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import order_views, orders

router = APIRouter(tags=["tracking"], dependencies=[STORABLE_TEXT])

LABELS = {
    "received": "Order received",
    "in_production": "Being made for you",
    "ready": "Packed and ready",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}
PROBLEMS = {
    "damaged": "It arrived damaged",
    "wrong_customisation": "The personalisation is not what was ordered",
    "incomplete": "Something is missing",
    "other": "A problem with the order",
}
"""What the customer reads for each kind of issue reported on their order."""


def _wants_html(request: Request) -> bool:
    wanted = request.query_params.get("format")
    if wanted:
        return wanted == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


@router.get(
    "/track/{token}",
    responses={
        200: {"content": {"text/html": {}}, "description": "The order's stages"},
        **errors(missing="No order with this link"),
    },
)
def track(token: str, request: Request, app: AppDep, _: Annotated[Principal, public()]) -> Any:
    """The order behind a tracking link; HTML for browsers (or ``?format=html``), else JSON."""
    with app.uow(write=False) as uow:
        view = order_views.customer_view(uow, token)
    if _wants_html(request):
        return HTMLResponse(_page(view, request.state.csp_nonce, view.issues))
    return JSONResponse(plain(view.as_dict()))


def _day(value: Any) -> str:
    return value.strftime("%a %d %b %Y") if value is not None else "—"


def _problems(problems: tuple[order_views.ReportedProblem, ...]) -> str:
    if not problems:
        return ""
    listed = "".join(
        f"<li>{escape(PROBLEMS.get(p.kind, PROBLEMS['other']))}: "
        f"reported {_day(p.reported_on)}</li>"
        for p in problems
    )
    return (
        '<section id="problems" aria-labelledby="problems-heading">'
        '<h2 id="problems-heading">A problem was reported</h2>'
        f"<ul>{listed}</ul><p>We are handling it and will be in touch.</p></section>"
    )


def _page(
    view: orders.TrackingView, nonce: str, problems: tuple[order_views.ReportedProblem, ...] = ()
) -> str:
    rows = []
    for stage in view.stages:
        done = stage.actual is not None
        rows.append(
            f"<tr class={'done' if done else 'todo'}><td>{'✓' if done else '○'}</td>"
            f"<td>{escape(LABELS.get(stage.stage, stage.stage))}</td>"
            f"<td>{_day(stage.planned)}</td><td>{_day(stage.actual)}</td></tr>"
        )
    items = "".join(
        f"<li>{escape(format_decimal(item.quantity))} × {escape(item.name)}"
        + "".join(
            f"<br><small>{escape(k)}: {escape(str(v))}</small>" for k, v in item.choices.items()
        )
        + "</li>"
        for item in view.items
    )
    promise = f"<strong>{_day(view.promise_date)}</strong>"
    ships = next((stage.planned for stage in view.stages if stage.stage == "shipped"), None)
    late = view.promise_date is not None and ships is not None and ships > view.promise_date
    if late and view.status in OPEN_STATUSES:  # a job was delayed: the new estimate, said so
        promise = f"<strong>{_day(ships)}</strong> (delayed; promised {_day(view.promise_date)})"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Order {escape(view.order)}</title>
<style nonce="{nonce}">
body{{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222}}
table{{width:100%;border-collapse:collapse}}td{{padding:.4rem;border-bottom:1px solid #eee}}
tr.todo{{color:#888}}small{{color:#555}}
#problems{{border-left:4px solid #8a4b00;padding:0 1rem;margin:1rem 0}}h2{{font-size:1.1rem}}
</style></head><body>
<h1>Order {escape(view.order)}</h1>
<p id="promise">Ships by {promise} · status: {escape(view.status)}</p>
{_problems(problems)}
<ul>{items}</ul>
<table><thead><tr><th></th><th>Stage</th><th>Planned</th><th>Done</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
</body></html>"""
