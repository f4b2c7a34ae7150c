"""Fetch a price index's values from an HTTP JSON feed.

The feed's shape (docs/procurement.md)::

    {"index": "COTTON", "name": "Cotton No. 2", "unit": "USD/kg",
     "values": [{"date": "2026-11-30", "value": "1.92"}, {"date": "2026-12-31", "value": 1.98}]}

``name`` and ``unit`` are optional. Values may be JSON strings or numbers; numbers are read
from their text straight to :class:`~decimal.Decimal` (never through a float), so ``1.98`` is
exactly ``Decimal("1.98")``. This module only fetches and checks the shape; each value is
checked, with its position, by the service that imports it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from flexchain.domain.errors import DomainError

__all__ = ["MAX_FEED_BYTES", "FeedError", "FeedValues", "fetch_feed", "parse_feed"]

MAX_FEED_BYTES: Final = 5 * 1024 * 1024
"""A feed larger than this is refused (5 MiB: decades of daily values)."""
DEFAULT_TIMEOUT: Final = 10.0


class FeedError(DomainError):
    """The feed cannot be fetched or is not of the documented shape."""


@dataclass(frozen=True)
class FeedValues:
    """A feed as read: the index, its name and unit, and its entries as given."""

    source: str
    index: object
    name: str
    unit: str
    values: list[dict[str, Any]]


def fetch_feed(
    url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = MAX_FEED_BYTES
) -> FeedValues:
    """GET ``url`` (http or https) and read it as a feed.

    Raises
    ------
    FeedError
        Another scheme, a network error or timeout, an HTTP error status, a body over
        ``max_bytes``, or a body that is not the documented JSON shape.
    """
    if not url.lower().startswith(("http://", "https://")):
        raise FeedError(f"feed {url!r}: only http:// and https:// URLs are fetched")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as error:
        raise FeedError(f"feed {url}: the server answered {error.code} {error.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise FeedError(f"feed {url}: cannot fetch it ({reason})") from None
    if len(body) > max_bytes:
        raise FeedError(f"feed {url}: larger than {max_bytes} bytes, refused")
    return parse_feed(body, url)


def parse_feed(body: bytes, source: str = "feed") -> FeedValues:
    """Read a feed's body (UTF-8 JSON of the documented shape)."""
    try:
        data = json.loads(body.decode("utf-8-sig"), parse_float=Decimal, parse_int=Decimal)
    except (UnicodeDecodeError, ValueError) as error:
        raise FeedError(f"feed {source}: not JSON ({error})") from None
    if not isinstance(data, dict):
        raise FeedError(f'feed {source}: expected an object {{"index": ..., "values": [...]}}')
    values = data.get("values")
    if not isinstance(values, list):
        raise FeedError(f'feed {source}: "values" must be a list of {{"date", "value"}} objects')
    for position, entry in enumerate(values, start=1):
        if not isinstance(entry, dict):
            raise FeedError(
                f'feed {source}: entry {position} of "values" is not a {{"date", "value"}} object'
            )
    name, unit = data.get("name", ""), data.get("unit", "")
    if not isinstance(name, str) or not isinstance(unit, str):
        raise FeedError(f'feed {source}: "name" and "unit" must be text')
    return FeedValues(source, data.get("index"), name, unit, values)
