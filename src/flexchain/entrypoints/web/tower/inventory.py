"""Control tower page: Inventory: balances by item and location (filtered, searched, paged in
SQL), the current plan's ABC-XYZ matrix, and one item with its chart and the plan's explanation.

The pages call :mod:`flexchain.services.inventory_views` (the views ``GET /inventory/balances``,
``GET /inventory/abc-xyz`` and ``GET /items/{sku}/chart`` answer) and
:func:`flexchain.services.plan_reports.explain_locations` (``flexchain plan explain``), and
format what they return.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from flexchain.domain.errors import DomainError, NotFound
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.tower.common import BrandUser, chart, form_errors, page, pages
from flexchain.services import inventory_views, plan_reports

__all__ = ["router"]

router = pages()

FILTERS = ("q", "location", "kind", "abc", "xyz")
"""The balances' query parameters besides ``page`` (kept in the paging links)."""


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) < 1_000_000 else 1


@router.get("/inventory")
def inventory(request: Request, app: AppDep, who: BrandUser) -> HTMLResponse:
    """Balances (50 a page) and the plan's ABC-XYZ matrix."""
    params = request.query_params
    values = {name: params.get(name, "").strip()[:200] for name in FILTERS}
    errors: dict[str, str] = {}
    found: inventory_views.BalancePage | None = None
    matrix: inventory_views.ClassMatrix | None = None
    with uow_for(app, who, write=False) as uow:
        try:
            found = inventory_views.balance_page(
                uow, now=datetime.now(UTC), text=values["q"], location=values["location"],
                kind=values["kind"], abc=values["abc"], xyz=values["xyz"],
                page=_page_number(params.get("page", "1")),
            )  # fmt: skip
        except DomainError as error:
            errors.update(form_errors(error))
        try:
            matrix = inventory_views.abc_xyz(uow)
        except NotFound:
            matrix = None  # no plan yet: the page says how to make one
    kept = {name: value for name, value in values.items() if value}
    return page(
        request,
        "tower/inventory.html",
        title="Inventory",
        found=found,
        matrix=matrix,
        abc=inventory_views.ABC,
        xyz=inventory_views.XYZ,
        values=values,
        errors=errors,
        filtered=bool(kept),
        link=lambda number: f"/app/inventory?{urlencode({**kept, 'page': number})}",
        cell_link=lambda a, x: f"/app/inventory?{urlencode({'abc': a, 'xyz': x})}#balances",
    )


@router.get("/inventory/items/{sku}")
def item(request: Request, app: AppDep, who: BrandUser, sku: str) -> HTMLResponse:
    """One item: its chart (demand, forecast and interval, safety stock, reorder point) at a
    location (``?location=``, default home) and the plan's explanation."""
    location = request.query_params.get("location", "").strip()[:64] or None
    with uow_for(app, who, write=False) as uow:
        drawn = inventory_views.item_chart(
            uow, sku, today=datetime.now(UTC).date(), location=location
        )
        try:
            explained = plan_reports.explain_locations(uow, sku, location=drawn.location)
        except NotFound:
            explained = []
        balances = inventory_views.balance_page(
            uow, now=datetime.now(UTC), sku=sku, per_page=inventory_views.MAX_PER_PAGE
        )
    weeks = [w.week for w in drawn.history] + [w.week for w in drawn.forecast]
    labels = [f"{week:%d %b %Y}" for week in weeks]
    gap = [None] * len(drawn.history)
    series = [
        ("Demand", [w.quantity for w in drawn.history] + [None] * len(drawn.forecast)),
        ("Forecast", gap + [w.mean for w in drawn.forecast]),
        (f"Low ({drawn.level} %)", gap + [w.low for w in drawn.forecast]),
        (f"High ({drawn.level} %)", gap + [w.high for w in drawn.forecast]),
    ]
    lines = [
        (name, value)
        for name, value in (
            ("Safety stock", drawn.safety_stock),
            ("Reorder point", drawn.reorder_point),
        )
        if value is not None
    ]
    markup = chart(
        request, "item-chart", f"{drawn.sku}: weekly demand and the plan's forecast", labels,
        series, unit=drawn.uom, lines=lines,
    )  # fmt: skip
    return page(
        request,
        "tower/item.html",
        title=f"{drawn.sku} · Inventory",
        drawn=drawn,
        exact=_rounded_up(drawn, explained[0] if explained else None),
        chart_markup=markup,
        explained=explained[0] if explained else None,
        balances=balances.lines,
    )


def _rounded_up(drawn: Any, explained: plan_reports.ItemExplanation | None) -> dict[str, Decimal]:
    """The policy's exact safety stock and reorder point (``safety_stock``, ``reorder_point``)
    where the plan stored them rounded up (less than one unit more), so the header can say both:
    ``30 pcs (29.2583 rounded up)``, the figure of the explanation's table."""
    if explained is None or explained.run != drawn.run:
        return {}
    exact: dict[str, Any] = {line.name: line.value for line in explained.policy}
    if explained.option_shift and "safety_stock" in explained.option_shift:
        exact["safety_stock"] = explained.option_shift["safety_stock"]  # the policy's + shift
    found = {}
    for name, shown in (
        ("safety_stock", drawn.safety_stock),
        ("reorder_point", drawn.reorder_point),
    ):
        try:
            value = Decimal(str(exact[name]))
        except (KeyError, ArithmeticError):
            continue
        if shown is not None and value < shown < value + 1:
            found[name] = value
    return found
