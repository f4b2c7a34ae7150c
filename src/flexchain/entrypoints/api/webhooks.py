"""``POST /webhooks/shopify`` and ``POST /webhooks/woocommerce``: orders in, exactly once.

The raw body is read before anything else, its signature checked against the shop's secret, and
stored in the inbox (committed) before it is applied. 401: bad or missing signature, nothing
stored. 400: signed but malformed, with the reason. 200: stored; the JSON says whether it was a
duplicate and how processing went (a body that cannot be applied is kept as ``failed``, visible in
``flexchain inbox list`` and retried with ``flexchain inbox retry ID``).
"""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from flexchain.bootstrap import App
from flexchain.domain.identity import Principal
from flexchain.entrypoints.api.access import public
from flexchain.entrypoints.api.background.intake import Batcher
from flexchain.entrypoints.api.deps import AppDep
from flexchain.entrypoints.api.responses import Problem, Responses
from flexchain.services import intake

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class WebhookPublic(BaseModel):
    inbox_id: int | None
    duplicate: bool
    status: str
    """``processed``, ``ignored`` (an older copy), ``failed`` (see ``error``) or ``ping``."""
    error: str | None = None
    order: str | None = None


RESPONSES: Responses = {
    401: {"model": Problem, "description": "Unknown shop, missing or wrong signature"},
    400: {"model": Problem, "description": "Signed, but not a valid order payload"},
}


def _described(*headers: str) -> dict[str, Any]:
    """The body and headers a webhook route reads from the raw request, which FastAPI cannot
    see: for the OpenAPI description (and the API fuzzer, which then sends them)."""
    return {
        "parameters": [
            {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
            for name in headers
        ],
        "requestBody": {
            "required": True,
            "description": "The platform's order, exactly as it signed it",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    }


async def _accept(
    request: Request, app: App, platform: str, headers: dict[str, str], body: bytes
) -> WebhookPublic:
    batcher: Batcher | None = getattr(request.app.state, "intake", None)
    if batcher is None:  # an app used without its lifespan: verify, store and apply it here
        verified = await run_in_threadpool(
            intake.verify_webhook, app.engine, platform, headers, body
        )
        handled = await run_in_threadpool(_store_and_apply, app, verified)
    else:  # the server's intake thread, batched with whatever else arrived
        # a known shop's signature is checked right here, without a database read
        known = batcher.keys.verify_cached(intake.Platform(platform), headers, body)
        if known is None:
            known = await run_in_threadpool(
                functools.partial(intake.verify_webhook, keys=batcher.keys),
                app.engine,
                platform,
                headers,
                body,
            )
        handled = await asyncio.wrap_future(batcher.submit(known))
    received, view = handled.received, handled.view
    if view is None:  # a duplicate already dealt with, or left pending for the worker
        return WebhookPublic(
            inbox_id=received.inbox_id, duplicate=received.duplicate, status=received.status
        )
    return WebhookPublic(
        inbox_id=view.id,
        duplicate=received.duplicate,
        status=view.status,
        error=view.error,
        order=view.order,
    )


def _store_and_apply(app: App, verified: intake.Verified) -> intake.Handled:
    now = datetime.now(UTC)
    received = intake.store_many(app.engine, [verified], now=now)[0]
    if received.answered:
        return intake.Handled(received, None)
    view = intake.apply_inbox_row(
        app.engine, received.inbox_id, now=now, terms=intake.IntakeTerms.of(app.settings)
    )
    return intake.Handled(received, view)


async def _handle(request: Request, app: App, platform: str) -> WebhookPublic | JSONResponse:
    body = await request.body()
    headers = dict(request.headers.items())
    if intake.is_ping(platform, headers, body):
        return WebhookPublic(inbox_id=None, duplicate=False, status="ping")
    try:
        return await _accept(request, app, platform, headers, body)
    except intake.SignatureError as error:
        return JSONResponse({"detail": str(error)}, status_code=401)
    except intake.PayloadError as error:
        return JSONResponse({"detail": str(error)}, status_code=400)


@router.post(
    "/shopify",
    response_model=WebhookPublic,
    responses=RESPONSES,
    openapi_extra=_described("X-Shopify-Hmac-Sha256", "X-Shopify-Shop-Domain", "X-Shopify-Topic"),
)
async def shopify_webhook(
    request: Request, app: AppDep, _: Annotated[Principal, public()]
) -> WebhookPublic | JSONResponse:
    """Shopify ``orders/create``, ``orders/updated``, ``orders/cancelled`` (HMAC in
    ``X-Shopify-Hmac-Sha256``, base64)."""
    return await _handle(request, app, "shopify")


@router.post(
    "/woocommerce",
    response_model=WebhookPublic,
    responses=RESPONSES,
    openapi_extra=_described("X-WC-Webhook-Signature", "X-WC-Webhook-Source", "X-WC-Webhook-Topic"),
)
async def woocommerce_webhook(
    request: Request, app: AppDep, _: Annotated[Principal, public()]
) -> WebhookPublic | JSONResponse:
    """WooCommerce ``order.created``, ``order.updated`` (HMAC in ``X-WC-Webhook-Signature``,
    base64); the unsigned ping sent when a webhook is created gets 200 and changes nothing."""
    return await _handle(request, app, "woocommerce")
