"""``POST /quote``: price and ship date of a product configuration at checkout (read-only).

The same answer as ``flexchain quote --json``; money as exact decimal strings, dates as ISO 8601.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from flexchain.bootstrap import App
from flexchain.domain.errors import format_amount
from flexchain.domain.identity import STAFF, Principal
from flexchain.domain.orders import SpeedTier
from flexchain.domain.quotes import Alternative, PriceLine, Quote, Stage
from flexchain.entrypoints.api.access import gated
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.services import quotes, shops

__all__ = ["QuotePublic", "QuoteRequest", "router"]

router = APIRouter(tags=["quotes"], dependencies=[STORABLE_TEXT])


class QuoteRequest(BaseModel):
    sku: str = Field(min_length=1, max_length=64, examples=["JKT-RNYL-NAVY-M"])
    options: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Custom module (SKU or name) -> option (code or name, or the text of a free-text "
            "option). Case, spaces and punctuation are ignored."
        ),
        examples=[{"M-DYE": "Indigo", "Embroidery": "Anna", "M-JKT-FIT": "slim"}],
    )
    quantity: int = Field(default=1, ge=1, le=1_000_000)
    speed_tier: SpeedTier = SpeedTier.BASIC


class ChosenOptionPublic(BaseModel):
    module_sku: str
    option_code: str
    value: str


class PriceLinePublic(BaseModel):
    kind: str
    """``base``, ``small_batch``, ``customisation`` or ``speed``."""
    label: str
    amount: str

    @classmethod
    def of(cls, line: PriceLine) -> PriceLinePublic:
        return cls(kind=line.kind, label=line.label, amount=format_amount(line.amount.amount))


class StagePublic(BaseModel):
    kind: str
    """``materials``, ``production``, ``assembly`` or ``packing``."""
    label: str
    start: date
    finish: date
    days: int
    supplier: str | None
    detail: str

    @classmethod
    def of(cls, stage: Stage) -> StagePublic:
        return cls(
            kind=stage.kind,
            label=stage.label,
            start=stage.start,
            finish=stage.finish,
            days=stage.days,
            supplier=stage.supplier_code,
            detail=stage.detail,
        )


class AlternativePublic(BaseModel):
    kind: str
    """``option`` (another option of a custom module) or ``speed`` (another speed tier)."""
    description: str
    total: str
    ship_date: date
    days_sooner: int
    saving: str
    """Negative when the alternative costs more."""
    module_sku: str | None
    option_code: str | None
    speed_tier: str | None

    @classmethod
    def of(cls, alternative: Alternative) -> AlternativePublic:
        return cls(
            kind=alternative.kind,
            description=alternative.description,
            total=format_amount(alternative.total.amount),
            ship_date=alternative.ship_date,
            days_sooner=alternative.days_sooner,
            saving=format_amount(alternative.saving.amount),
            module_sku=alternative.module_sku,
            option_code=alternative.option_code,
            speed_tier=alternative.speed_tier,
        )


class QuotePublic(BaseModel):
    sku: str
    quantity: int
    speed_tier: str
    currency: str
    total: str
    unit_price: str
    ship_date: date
    lead_days: int
    quoted_on: date
    options: list[ChosenOptionPublic]
    price: list[PriceLinePublic]
    stages: list[StagePublic]
    alternatives: list[AlternativePublic]

    @classmethod
    def of(cls, quote: Quote) -> QuotePublic:
        return cls(
            sku=quote.sku,
            quantity=quote.quantity,
            speed_tier=quote.speed_tier,
            currency=quote.currency,
            total=format_amount(quote.total.amount),
            unit_price=format_amount(quote.unit_price.amount),
            ship_date=quote.ship_date,
            lead_days=quote.lead_days,
            quoted_on=quote.quoted_on,
            options=[
                ChosenOptionPublic(
                    module_sku=pick.module_sku, option_code=pick.option_code, value=pick.value
                )
                for pick in quote.options
            ],
            price=[PriceLinePublic.of(line) for line in quote.lines],
            stages=[StagePublic.of(stage) for stage in quote.stages],
            alternatives=[AlternativePublic.of(a) for a in quote.alternatives],
        )


def shop_quotes(app: App, request: Request) -> Principal | None:
    """Who asks for a quote without credentials: the shop whose publishable key came with it,
    anyone when an active shop makes quotes public, else nobody (401)."""
    key = request.headers.get("x-flexchain-key") or request.query_params.get("key")
    with app.uow(write=False) as uow:
        allowed = shops.quote_access(uow, key or None)
    if allowed is None:
        return None
    return Principal(via="public") if key is None else Principal(via="shop", shop=allowed)


@router.post(
    "/quote",
    response_model=QuotePublic,
    responses={
        401: {"description": "No credentials, and quotes are not public"},
        **errors(
            "Unknown option or speed tier, or the product cannot be made",
            missing="No such product",
            body=True,
        ),
    },
)
def create_quote(
    body: QuoteRequest,
    app: AppDep,
    who: Annotated[Principal, gated(*STAFF, gate=shop_quotes)],
) -> QuotePublic:
    """Price (with its breakdown) and ship date (per stage) of ``quantity`` units of ``sku``
    configured with ``options`` at ``speed_tier``, and alternatives that ship sooner or cost
    less. Nothing is reserved or booked.

    Staff may always ask; a store's pages send the shop's publishable key (header
    ``X-Flexchain-Key``, or ``?key=``); without credentials it answers only when a shop's
    settings make quotes public (``flexchain shop set DOMAIN --public-quotes``)."""
    with uow_for(app, who, write=False) as uow:
        result = quotes.quote(
            uow,
            body.sku,
            body.options,
            body.quantity,
            body.speed_tier,
            today=datetime.now(UTC).date(),
            ladder=app.settings.speed_ladder,
        )
    return QuotePublic.of(result)
