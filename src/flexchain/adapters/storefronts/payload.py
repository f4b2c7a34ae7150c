"""Exact JSON and field readers shared by the platform modules.

:func:`load_json` parses fractions as ``Decimal`` and whole numbers as ``int`` (exact at any size),
and :func:`external_id` turns ids into ``str`` straight away, so neither money nor a 64-bit id ever
passes through a float. Every reader takes ``where``, the field's path in the payload, so a
:class:`PayloadError` reads ``line_items[2].quantity: must be at least 0, got -1``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flexchain.adapters.storefronts.common import PayloadError
from flexchain.domain.checks import whole_number
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import MONEY_PLACES, currency_code, decimal_places, money

__all__ = [
    "amount",
    "count",
    "currency",
    "external_id",
    "items",
    "load_json",
    "mapping",
    "optional_id",
    "pairs",
    "public",
    "round_money",
    "text",
    "timestamp",
]


def _refuse_constant(name: str) -> Any:
    raise PayloadError(f"body is not valid JSON: {name} is not a number")


def load_json(body: bytes) -> Any:
    """Parse a body exactly: fractions become ``Decimal``, whole numbers ``int``.

    Raises :class:`PayloadError` for anything that is not JSON, ``NaN`` and ``Infinity`` included.
    """
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
    except PayloadError:
        raise
    except (ValueError, UnicodeDecodeError) as error:
        raise PayloadError(f"body is not valid JSON: {error}") from None


def mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"{where}: expected an object, got {_kind(value)}")
    return value


def items(value: object, where: str) -> list[Any]:
    """A JSON array; a missing (``null``) one is empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{where}: expected a list, got {_kind(value)}")
    return value


def external_id(value: object, where: str) -> str:
    """An id as text, exactly: a JSON integer or a non-blank string, never a fraction."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise PayloadError(f"{where}: expected an integer id, got {value!r}")


def optional_id(value: object, where: str, *, zero_is_none: bool = False) -> str | None:
    """An id, or ``None`` for ``null`` and ``""`` (and ``0`` where the platform means none)."""
    if value is None or value == "" or (zero_is_none and value in (0, "0")):
        return None
    return external_id(value, where)


def text(value: object) -> str:
    """Text as given, stripped; ``null`` is ``""`` and numbers are written out."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return value.strip() if isinstance(value, str) else str(value)


def amount(value: object, where: str, *, default: Decimal | None = None) -> Decimal:
    """A non-negative amount from a JSON string or number; ``default`` if absent."""
    if (value is None or value == "") and default is not None:
        return default
    try:
        return money(value, where)
    except ValidationError as error:
        raise PayloadError(str(error)) from None


def round_money(value: Decimal) -> Decimal:
    """``value`` rounded half-up to the places money keeps, if it has more (a price divided by
    a quantity): ``Decimal("60.00") / 2`` stays ``30.00``, ``20 / 3`` becomes ``6.666667``."""
    if decimal_places(value) <= MONEY_PLACES:
        return value
    return value.quantize(Decimal(1).scaleb(-MONEY_PLACES), ROUND_HALF_UP)


def count(value: object, where: str) -> int:
    """A whole, non-negative quantity."""
    try:
        return whole_number(value, where)
    except ValidationError as error:
        raise PayloadError(str(error)) from None


def currency(value: object, where: str = "currency") -> str:
    try:
        return currency_code(value, where)
    except ValidationError as error:
        raise PayloadError(str(error)) from None


def timestamp(value: object, where: str, *, naive_is_utc: bool = False) -> datetime:
    """An ISO 8601 time in UTC. Naive times are refused unless the platform documents them UTC."""
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{where}: expected an ISO 8601 date and time, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise PayloadError(f"{where}: {value!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        if not naive_is_utc:
            raise PayloadError(f"{where}: {value!r} has no UTC offset")
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def pairs(value: object, where: str, name_key: str, value_key: str) -> list[tuple[str, str]]:
    """``[{name_key: ..., value_key: ...}]`` lists as ``(name, value)`` text pairs, in order.

    Shopify's line ``properties`` and ``note_attributes`` use ``name``/``value``; WooCommerce's
    ``meta_data`` uses ``key``/``value``. Entries without a name, and entries whose value is an
    object or a list (plugin data, not a customer's choice), are left out.
    """
    result: list[tuple[str, str]] = []
    for index, entry in enumerate(items(value, where)):
        pair = mapping(entry, f"{where}[{index}]")
        name = text(pair.get(name_key))
        raw = pair.get(value_key)
        if name and not isinstance(raw, Mapping | list):
            result.append((name, text(raw)))
    return result


def public(properties: list[tuple[str, str]]) -> dict[str, str]:
    """The pairs a person chose, as a dict: names starting with ``_`` are private to the shop."""
    result: dict[str, str] = {}
    for name, value in properties:
        if not name.startswith("_"):
            result.setdefault(name, value)
    return result


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
