"""The Shopify Admin REST client against a mock transport: URLs, headers, pages, failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from flexchain.adapters.storefronts.shopify import ShopifyClient
from flexchain.adapters.storefronts.transport import (
    PermanentFailure,
    RateLimited,
    TemporaryFailure,
)
from flexchain.domain.errors import ValidationError
from tests.unit.storefronts.samples import fixture_bytes

SHOP = "flexchain-demo.myshopify.com"
TOKEN = "shpat_0123456789abcdef"
SINCE = datetime(2024, 3, 5, 12, 0, tzinfo=timezone(timedelta(hours=2)))
ORDER = fixture_bytes("shopify_order.json").decode()

Handler = Callable[[httpx.Request], httpx.Response]


def client_with(handler: Handler) -> ShopifyClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return ShopifyClient(SHOP, TOKEN, http, api_version="2025-01")


def orders_body(*ids: int) -> bytes:
    """An ``orders.json`` page of copies of the sample order, written as Shopify writes it."""
    orders = [ORDER.replace("820982911946154508", str(order_id), 1) for order_id in ids]
    return ('{"orders": [' + ",".join(orders) + "]}").encode()


def test_orders_are_listed_across_link_pages() -> None:
    # given two pages linked by a page_info cursor
    requests: list[httpx.Request] = []
    next_page = (
        f"https://{SHOP}/admin/api/2025-01/orders.json?limit=250&page_info=eyJsYXN0X2lkIjo0NTA3"
    )

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if "page_info" not in request.url.params:
            link = f'<{next_page}>; rel="next"'
            return httpx.Response(200, content=orders_body(450789469), headers={"Link": link})
        previous = f"https://{SHOP}/admin/api/2025-01/orders.json?limit=250&page_info=cHJldg"
        link = f'<{previous}>; rel="previous"'
        return httpx.Response(200, content=orders_body(820982911946154508), headers={"Link": link})

    # when
    orders = client_with(handler).orders_updated_since(SINCE)

    # then both pages are read, the second exactly as linked
    assert [order.external_id for order in orders] == ["450789469", "820982911946154508"]
    assert {order.shop_domain for order in orders} == {SHOP}
    assert orders[0].total == Decimal("250.90")
    first, second = requests
    assert first.method == "GET"
    assert first.url.path == "/admin/api/2025-01/orders.json"
    assert dict(first.url.params) == {
        "status": "any",
        "updated_at_min": "2024-03-05T10:00:00+00:00",
        "limit": "250",
    }
    assert str(second.url) == next_page
    for request in requests:
        assert request.headers["X-Shopify-Access-Token"] == TOKEN
        assert request.url.host == SHOP and request.url.scheme == "https"


def test_an_empty_list_is_one_call() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={"orders": []})

    assert client_with(handler).orders_updated_since(SINCE) == []
    assert len(calls) == 1


def test_a_naive_since_is_refused() -> None:
    client = client_with(lambda request: httpx.Response(200, json={"orders": []}))

    with pytest.raises(ValidationError, match="since: naive datetime refused"):
        client.orders_updated_since(datetime(2024, 3, 5, 12, 0))


def test_a_next_link_to_another_host_is_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        link = '<https://evil.example.com/admin/api/2025-01/orders.json?page_info=x>; rel="next"'
        return httpx.Response(200, json={"orders": []}, headers={"Link": link})

    with pytest.raises(PermanentFailure, match="another host"):
        client_with(handler).orders_updated_since(SINCE)


def test_a_malformed_order_in_a_page_is_a_permanent_failure() -> None:
    body = orders_body(450789469).replace(b'"currency": "EUR"', b'"currency": "Euro"')

    with pytest.raises(PermanentFailure, match=r"orders\[0\]: currency: must be a 3-letter"):
        client_with(lambda request: httpx.Response(200, content=body)).orders_updated_since(SINCE)


def test_a_base_url_sends_elsewhere_but_keeps_the_shop_domain() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, content=orders_body(450789469))

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = ShopifyClient(SHOP, TOKEN, http, base_url="http://127.0.0.1:8081/")

    orders = client.orders_updated_since(SINCE)

    assert (seen[0].host, seen[0].port, seen[0].path) == (
        "127.0.0.1",
        8081,
        "/admin/api/2025-01/orders.json",
    )
    assert orders[0].shop_domain == SHOP


def test_inventory_is_set_with_token_idempotency_key_and_exact_ids() -> None:
    captured: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        level = {"inventory_item_id": 808950810, "location_id": 655441491, "available": 7}
        return httpx.Response(200, json={"inventory_level": level})

    client_with(handler).set_inventory("808950810", "820982911946154508", 7, "push-42-a1")

    (request,) = captured
    assert request.method == "POST"
    assert str(request.url) == f"https://{SHOP}/admin/api/2025-01/inventory_levels/set.json"
    assert request.headers["X-Shopify-Access-Token"] == TOKEN
    assert request.headers["Idempotency-Key"] == "push-42-a1"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "location_id": 820982911946154508,
        "inventory_item_id": 808950810,
        "available": 7,
    }
    assert b"820982911946154508" in request.content


def respond(status: int, headers: dict[str, str] | None = None, body: Any = None) -> Handler:
    return lambda request: httpx.Response(status, headers=headers, json=body or {"errors": "x"})


@pytest.mark.parametrize(
    ("handler", "expected", "status"),
    [
        pytest.param(respond(500), TemporaryFailure, 500, id="500"),
        pytest.param(respond(502), TemporaryFailure, 502, id="502"),
        pytest.param(respond(503), TemporaryFailure, 503, id="503"),
        pytest.param(respond(408), TemporaryFailure, 408, id="408"),
        pytest.param(respond(401), PermanentFailure, 401, id="401"),
        pytest.param(respond(403), PermanentFailure, 403, id="403"),
        pytest.param(respond(404), PermanentFailure, 404, id="404"),
        pytest.param(
            respond(422, body={"errors": ["Inventory item does not have inventory tracking"]}),
            PermanentFailure,
            422,
            id="422",
        ),
    ],
)
def test_failures_are_classified_for_the_outbox(
    handler: Handler, expected: type[Exception], status: int
) -> None:
    with pytest.raises(expected) as caught:
        client_with(handler).set_inventory(808950810, 655441491, 3, "push-1")

    assert caught.type is expected
    assert getattr(caught.value, "status_code", None) == status
    assert str(caught.value).startswith(
        f"set inventory of item 808950810 at location 655441491: HTTP {status}"
    )


def test_a_429_says_when_to_retry_and_does_not_sleep() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(429, headers={"Retry-After": "2.0"}, json={"errors": "Throttled"})

    start = datetime.now(UTC)
    with pytest.raises(RateLimited) as caught:
        client_with(handler).set_inventory(808950810, 655441491, 3, "push-1")

    assert caught.value.retry_after_seconds == 2.0
    assert isinstance(caught.value, TemporaryFailure)
    assert len(calls) == 1
    assert datetime.now(UTC) - start < timedelta(seconds=1)


def test_a_network_error_is_temporary() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(TemporaryFailure, match="ConnectError: connection refused") as caught:
        client_with(handler).set_inventory(808950810, 655441491, 3, "push-1")

    assert caught.value.status_code is None


@pytest.mark.parametrize("bad_id", ["80895/../../shop", "", "-1", "12a"])
def test_an_id_that_is_not_a_number_is_refused_without_a_call(bad_id: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(PermanentFailure, match="inventory_item_id must be a positive whole number"):
        client_with(handler).set_inventory(bad_id, 655441491, 3, "push-1")
