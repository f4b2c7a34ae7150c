"""The WooCommerce REST client against a mock transport: URLs, auth, pages, failures."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from flexchain.adapters.storefronts.transport import (
    PermanentFailure,
    RateLimited,
    TemporaryFailure,
)
from flexchain.adapters.storefronts.woocommerce import WooCommerceClient
from tests.unit.storefronts.samples import fixture_bytes

BASE = "https://shop.example.com"
KEY = "ck_4f1c0e5bd7a0d13b1c2e"
SECRET = "cs_9b8a7c6d5e4f3a2b1c0d"
SINCE = datetime(2024, 3, 5, 12, 0, 30, 250000, tzinfo=UTC)
ORDER = fixture_bytes("woocommerce_order.json").decode()
BASIC = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()

Handler = Callable[[httpx.Request], httpx.Response]


def client_with(handler: Handler) -> WooCommerceClient:
    return WooCommerceClient(
        BASE + "/", KEY, SECRET, httpx.Client(transport=httpx.MockTransport(handler))
    )


def respond(status: int, **kwargs: Any) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, **kwargs)

    return handler


def orders_page(*ids: int) -> bytes:
    return ("[" + ",".join(ORDER.replace('"id":727', f'"id":{i}', 1) for i in ids) + "]").encode()


def test_orders_are_listed_page_by_page_up_to_the_total() -> None:
    # given 3 pages (the last one short)
    requests: list[httpx.Request] = []
    pages = {1: list(range(1, 101)), 2: list(range(101, 201)), 3: [201, 202]}

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        page = int(request.url.params["page"])
        headers = {"X-WP-Total": "202", "X-WP-TotalPages": "3"}
        return httpx.Response(200, content=orders_page(*pages[page]), headers=headers)

    # when
    orders = client_with(handler).orders_modified_since(SINCE)

    # then
    assert [order.external_id for order in orders] == [str(i) for i in range(1, 203)]
    assert {order.shop_domain for order in orders} == {"shop.example.com"}
    assert [request.url.params["page"] for request in requests] == ["1", "2", "3"]
    first = requests[0]
    assert first.method == "GET"
    assert f"{first.url.scheme}://{first.url.host}{first.url.path}" == (
        f"{BASE}/wp-json/wc/v3/orders"
    )
    assert dict(first.url.params) == {
        "modified_after": "2024-03-05T12:00:30",
        "dates_are_gmt": "true",
        "orderby": "id",
        "order": "asc",
        "per_page": "100",
        "page": "1",
    }
    assert all(request.headers["Authorization"] == BASIC for request in requests)


def test_without_a_total_pages_header_a_short_page_is_the_last() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        page = int(request.url.params["page"])
        ids = range((page - 1) * 100 + 1, page * 100 + 1) if page == 1 else [101]
        return httpx.Response(200, content=orders_page(*ids))

    orders = client_with(handler).orders_modified_since(SINCE)

    assert len(orders) == 101
    assert len(requests) == 2


def test_orders_can_carry_the_registered_shop_domain() -> None:
    http = httpx.Client(transport=httpx.MockTransport(respond(200, content=orders_page(727))))
    client = WooCommerceClient(
        "http://127.0.0.1:8082/woo", KEY, SECRET, http, domain="Shop.Example.com"
    )

    (order,) = client.orders_modified_since(SINCE)

    assert order.shop_domain == "shop.example.com"


def test_no_orders_is_one_call() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=[], headers={"X-WP-TotalPages": "0"})

    assert client_with(handler).orders_modified_since(SINCE) == []
    assert len(calls) == 1


def test_a_response_that_is_not_a_list_is_a_permanent_failure() -> None:
    handler = respond(200, text="<html>Maintenance</html>")

    with pytest.raises(PermanentFailure, match="page 1: body is not valid JSON"):
        client_with(handler).orders_modified_since(SINCE)


def test_stock_is_set_with_manage_stock_and_basic_auth() -> None:
    captured: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200, json={"id": 93, "stock_quantity": 12, "manage_stock": True})

    client_with(handler).set_stock("93", 12)

    (request,) = captured
    assert request.method == "PUT"
    assert str(request.url) == f"{BASE}/wp-json/wc/v3/products/93"
    assert request.headers["Authorization"] == BASIC
    assert json.loads(request.content) == {"manage_stock": True, "stock_quantity": 12}


def test_a_variation_is_set_under_its_product() -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, json={"id": 23})

    client_with(handler).set_stock(23, 0, parent_id="22")

    assert urls == [f"{BASE}/wp-json/wc/v3/products/22/variations/23"]


def test_a_429_is_rate_limited_with_its_retry_after() -> None:
    handler = respond(429, headers={"Retry-After": "30"})

    with pytest.raises(RateLimited) as caught:
        client_with(handler).set_stock(93, 1)

    assert caught.value.retry_after_seconds == 30.0


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (500, TemporaryFailure),
        (503, TemporaryFailure),
        (400, PermanentFailure),
        (401, PermanentFailure),
        (404, PermanentFailure),
    ],
)
def test_failures_are_classified_for_the_outbox(status: int, expected: type[Exception]) -> None:
    body = {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID."}
    handler = respond(status, json=body)

    with pytest.raises(expected) as caught:
        client_with(handler).set_stock(93, 1)

    assert caught.type is expected
    assert str(caught.value).startswith(f"set stock of product 93: HTTP {status}")
    assert "Invalid ID." in str(caught.value)


def test_a_timeout_is_temporary() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(TemporaryFailure, match="timed out"):
        client_with(handler).orders_modified_since(SINCE)


@pytest.mark.parametrize("bad_id", ["93/../../users", "0", "abc"])
def test_a_product_id_that_is_not_a_number_is_refused(bad_id: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(PermanentFailure, match="product_id must be a positive whole number"):
        client_with(handler).set_stock(bad_id, 1)
