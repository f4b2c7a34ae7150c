"""Outbound calls to a storefront's REST API and what their failures mean to the outbox.

A client never sleeps or retries by itself: it raises, and the outbox decides when to try again.

- :class:`RateLimited` (HTTP 429): try again after ``retry_after_seconds``.
- :class:`TemporaryFailure` (5xx, 408, network errors): try again later with backoff.
- :class:`PermanentFailure` (other 4xx, a response we cannot read): trying again will not help;
  a person has to fix the token, the id or the shop's settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final

import httpx

from flexchain.adapters.storefronts.common import PayloadError
from flexchain.adapters.storefronts.payload import load_json

__all__ = [
    "DEFAULT_RETRY_AFTER_SECONDS",
    "PermanentFailure",
    "RateLimited",
    "StorefrontApiError",
    "TemporaryFailure",
    "json_of",
    "numeric_id",
    "request",
    "retry_after_seconds",
]

DEFAULT_RETRY_AFTER_SECONDS: Final = 2.0
"""How long to wait after a 429 that does not say (Shopify's bucket leaks 2 calls a second)."""

_BODY_EXCERPT: Final = 300


class StorefrontApiError(Exception):
    """A call to a storefront's API failed; ``status_code`` is ``None`` for network errors."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message, status_code)
        self.message = message
        self.status_code = status_code

    def __str__(self) -> str:
        return self.message


class TemporaryFailure(StorefrontApiError):
    """The storefront is down, slow or unreachable: retry later."""


class RateLimited(TemporaryFailure):
    """The storefront said 429: retry after ``retry_after_seconds``, not before."""

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message, 429)
        self.args = (message, retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class PermanentFailure(StorefrontApiError):
    """The storefront refused the call (bad token, unknown id, invalid value): do not retry."""


def retry_after_seconds(headers: Mapping[str, str]) -> float:
    """Seconds to wait from a ``Retry-After`` header (seconds, ``"2.0"``, or an HTTP date).

    An HTTP date is measured against the response's ``Date`` header when there is one, so the
    answer does not depend on our clock being right. Missing or unreadable: the default.
    """
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return DEFAULT_RETRY_AFTER_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        try:
            until = parsedate_to_datetime(value)
            sent = headers.get("date")
            now = parsedate_to_datetime(sent) if sent else datetime.now(UTC)
            seconds = (until - now).total_seconds()
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER_SECONDS
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN, inf
        return DEFAULT_RETRY_AFTER_SECONDS
    return max(0.0, seconds)


def request(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    what: str,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str | int] | None = None,
    json_body: Any = None,
    auth: httpx.Auth | None = None,
) -> httpx.Response:
    """Send one request; return a 2xx response or raise one of the failures above.

    ``what`` says what the call was for (``"set inventory of item 808950810"``) and starts
    every error message.
    """
    try:
        response = http.request(
            method, url, headers=headers, params=params, json=json_body, auth=auth
        )
    except httpx.TimeoutException as error:
        raise TemporaryFailure(f"{what}: timed out ({type(error).__name__})") from error
    except httpx.TransportError as error:
        raise TemporaryFailure(f"{what}: {type(error).__name__}: {error}") from error
    status = response.status_code
    if 200 <= status < 300:
        return response
    detail = f"{what}: HTTP {status} {_excerpt(response)}".rstrip()
    if status == 429:
        raise RateLimited(detail, retry_after_seconds(response.headers))
    if status >= 500 or status == 408:
        raise TemporaryFailure(detail, status)
    raise PermanentFailure(detail, status)


def numeric_id(value: str | int, what: str) -> int:
    """A platform id for a URL or a JSON body: digits only, so it cannot rewrite the path."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    if number is not None and number > 0:
        return number
    raise PermanentFailure(f"{what} must be a positive whole number, got {value!r}")


def json_of(response: httpx.Response, what: str) -> Any:
    """A response body parsed exactly (ids stay whole, money stays ``Decimal``)."""
    try:
        return load_json(response.content)
    except PayloadError as error:
        raise PermanentFailure(f"{what}: {error}", response.status_code) from None


def _excerpt(response: httpx.Response) -> str:
    body = response.text.strip().replace("\n", " ")
    return body if len(body) <= _BODY_EXCERPT else body[:_BODY_EXCERPT] + "..."
