"""``POST /signals`` and ``GET /signals``: presale and demand-sensing signals.

A storefront or landing page posts views, add-to-carts, preorders and deposits, of a product or
of one option of its custom modules; planning sizes first batches and watches option shares from
them. The rows and their checks are the ``signals`` import's (docs/imports.md), upserted by
(SKU, option, kind, occurred_at, source), so re-posting a count updates it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from flexchain.domain.errors import format_amount, format_decimal
from flexchain.domain.identity import STAFF, Principal, Role
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.services import signals
from flexchain.services.signals import Signal, SignalKind

__all__ = ["SignalCreate", "SignalPublic", "SignalsRecorded", "router"]

router = APIRouter(prefix="/signals", tags=["signals"], dependencies=[STORABLE_TEXT])

MAX_SIGNALS = 10_000


class SignalCreate(BaseModel):
    sku: str = Field(min_length=1, max_length=64, examples=["JKT-RNYL-NAVY-M"])
    option: str | None = Field(
        default=None,
        max_length=129,
        description=(
            "An option of one of the product's custom modules: its code, or MODULE/CODE when "
            "two of the product's modules have an option with that code. Null: the product."
        ),
        examples=["MADDER", "M-DYE/MADDER"],
    )
    kind: SignalKind
    quantity: Decimal = Field(ge=0, description="Views, add-to-carts or units (3 decimals).")
    amount: Decimal | None = Field(
        default=None, ge=0, description="Money paid or pledged; preorders and deposits only."
    )
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    occurred_at: AwareDatetime
    source: str = Field(default="", max_length=64, examples=["shopify"])


class SignalsRecorded(BaseModel):
    rows: int
    created: int
    updated: int
    unchanged: int


class SignalPublic(BaseModel):
    sku: str
    module_sku: str | None
    option_code: str | None
    kind: str
    quantity: str
    amount: str | None
    currency: str
    occurred_at: datetime
    source: str

    @classmethod
    def of(cls, signal: Signal) -> SignalPublic:
        return cls(
            sku=signal.sku,
            module_sku=signal.module_sku,
            option_code=signal.option_code,
            kind=signal.kind,
            quantity=format_decimal(signal.quantity),
            amount=None if signal.amount is None else format_amount(signal.amount),
            currency=signal.currency,
            occurred_at=signal.occurred_at,
            source=signal.source,
        )


@router.post(
    "",
    status_code=201,
    response_model=SignalsRecorded,
    responses=errors("An unknown SKU or option, or a value out of range", body=True),
)
def post_signals(
    body: SignalCreate | Annotated[list[SignalCreate], Field(max_length=MAX_SIGNALS)],
    app: AppDep,
    who: Annotated[Principal, allow(Role.ADMIN, Role.PLANNER)],
) -> SignalsRecorded:
    """Record one signal or a list of them, all or nothing: a bad one is named
    (``signals[2].sku: unknown item 'NOPE'``) and none is recorded."""
    posted = body if isinstance(body, list) else [body]
    with uow_for(app, who) as uow:
        report = signals.record_signals(uow, [signal.model_dump() for signal in posted])
        uow.commit()
    return SignalsRecorded(
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
    )


@router.get("", response_model=list[SignalPublic], responses=errors(missing="No such SKU"))
def get_signals(
    app: AppDep, who: Annotated[Principal, allow(*STAFF)], sku: str | None = None
) -> list[SignalPublic]:
    """Every signal, or those of ``sku``, by SKU and time; quantities and amounts as exact
    decimal strings."""
    with uow_for(app, who, write=False) as uow:
        found = signals.list_signals(uow, sku)
    return [SignalPublic.of(signal) for signal in found]
