"""Control tower page: Quote: the form a store would call.

``/app/quote``: a product's SKU, then its custom modules' options (a choice per module, or the
customer's text for a free-text option), a quantity and a speed tier; the price with its
breakdown, the ship date stage by stage and the alternatives that ship sooner or cost less.
The same read-only use case as ``POST /quote`` and ``flexchain quote``
(:func:`flexchain.services.quotes.quote`, with the installation's speed ladder); the form is a
GET, so a quote is a link to share and nothing is written. Any brand role may quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from flexchain.bootstrap import App
from flexchain.domain.errors import DomainError, ValidationError
from flexchain.domain.identity import Principal
from flexchain.domain.orders import SpeedTier, is_free_text
from flexchain.domain.quotes import DEFAULT_POLICY, Quote
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.web.tower.common import (
    BrandUser,
    form_errors,
    page,
    pages,
    parse_int,
)
from flexchain.services import quotes

__all__ = ["router"]

router = pages()

PREFIX = "option."
"""Form fields ``option.<module SKU>`` hold the choice for each custom module."""
MAX_FIELD = 200


@dataclass(frozen=True)
class ModuleChoice:
    """A custom module of the product as the form offers it."""

    sku: str
    name: str
    options: tuple[tuple[str, str], ...]
    """(code, name) of each option to pick from; empty when only free text is taken."""
    free_text: bool


def _today() -> date:
    return datetime.now(UTC).date()


def _modules(app: App, who: Principal, sku: str) -> list[ModuleChoice]:
    """The custom modules of ``sku`` with their options (NotFound: no such product)."""
    with uow_for(app, who, write=False) as uow:
        snapshot = quotes.load_snapshot(
            uow, sku, today=_today(), horizon_days=DEFAULT_POLICY.horizon_days
        )
    modules = []
    for module, options in sorted(snapshot.options.items()):
        item = snapshot.items.get(module)
        listed = tuple((o.code, o.name) for o in options if not is_free_text(o))
        modules.append(
            ModuleChoice(
                module, item.name if item else module, listed, any(map(is_free_text, options))
            )
        )
    return modules


def _quote(app: App, who: Principal, values: dict[str, str]) -> Quote:
    options = {
        key[len(PREFIX) :]: value
        for key, value in values.items()
        if key.startswith(PREFIX) and value
    }
    with uow_for(app, who, write=False) as uow:
        return quotes.quote(
            uow,
            values["sku"],
            options,
            parse_int(values.get("quantity") or "1", "quantity"),
            values.get("speed_tier") or SpeedTier.BASIC.value,
            today=_today(),
            ladder=app.settings.speed_ladder,
        )


def _values(request: Request) -> dict[str, str]:
    values = {}
    for key, value in request.query_params.items():
        if len(value) > MAX_FIELD or len(key) > MAX_FIELD:
            raise ValidationError(key[:64], f"at most {MAX_FIELD} characters")
        values[key] = value.strip()
    return values


@router.get("/quote")
def quote_page(request: Request, app: AppDep, who: BrandUser) -> HTMLResponse:
    """The quote form; with ``sku``, its options; with ``go``, the quote itself."""
    errors: dict[str, str] = {}
    modules: list[ModuleChoice] = []
    result: Quote | None = None
    values: dict[str, Any] = {}
    try:
        values = _values(request)
        if values.get("sku"):
            modules = _modules(app, who, values["sku"])
            if values.get("go"):
                result = _quote(app, who, values)
    except DomainError as error:
        errors = form_errors(error)
    return page(
        request,
        "tower/quote.html",
        422 if errors else 200,
        title="Quote",
        values=values,
        errors=errors,
        modules=modules,
        result=result,
        tiers=[tier.value for tier in SpeedTier],
        prefix=PREFIX,
    )
