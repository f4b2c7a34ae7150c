"""A :class:`NormalisedOrder` as JSON and back, exactly (decimals and ids as strings).

``shop sync`` stores each order it fetches in the inbox like a webhook, so the fetched copy is kept,
deduplicated and retryable the same way; this is the body it stores.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from flexchain.adapters.storefronts.common import NormalisedLine, NormalisedOrder, PayloadError
from flexchain.domain.orders import SpeedTier

__all__ = ["order_from_json", "order_to_json"]

_MONEY = ("subtotal", "total_tax", "total_discounts", "shipping", "total")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def order_to_json(order: NormalisedOrder) -> bytes:
    data = {field.name: _plain(getattr(order, field.name)) for field in dataclasses.fields(order)}
    data["speed_tier"] = order.speed_tier.value
    data["lines"] = [
        {field.name: _plain(getattr(line, field.name)) for field in dataclasses.fields(line)}
        for line in order.lines
    ]
    return json.dumps(data, sort_keys=True, ensure_ascii=False).encode()


def order_from_json(body: bytes) -> NormalisedOrder:
    try:
        data = json.loads(body)
        lines = tuple(
            NormalisedLine(**{**line, "unit_price": Decimal(line["unit_price"])})
            for line in data.pop("lines")
        )
        for name in _MONEY:
            data[name] = Decimal(data[name])
        for name in ("created_at", "updated_at"):
            data[name] = datetime.fromisoformat(data[name])
        data["speed_tier"] = SpeedTier(data["speed_tier"])
        return NormalisedOrder(**data, lines=lines)
    except (ValueError, KeyError, TypeError) as error:
        raise PayloadError(f"stored order is not readable: {error}") from error
