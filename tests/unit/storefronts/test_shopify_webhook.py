"""Shopify order webhooks: signature first, then envelope and an exact, normalised order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from flexchain.adapters.storefronts import shopify
from flexchain.adapters.storefronts.common import (
    NormalisedLine,
    NormalisedOrder,
    PayloadError,
    SignatureError,
    WebhookEnvelope,
)
from flexchain.domain.orders import SpeedTier
from tests.unit.storefronts.samples import (
    FIXTURE_SECRET,
    as_body,
    fixture_bytes,
    fixture_signature,
    hmac_base64,
)

BODY = fixture_bytes("shopify_order.json")
SHOP = "flexchain-demo.myshopify.com"


def headers_for(
    body: bytes, *, topic: str = "orders/create", signature: str | None = None
) -> dict[str, str]:
    return {
        "X-Shopify-Hmac-Sha256": signature or hmac_base64(FIXTURE_SECRET, body),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        "X-Shopify-Event-Id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
        "X-Shopify-Triggered-At": "2024-03-05T15:20:00.877041743Z",
        "X-Shopify-API-Version": "2025-01",
        "Content-Type": "application/json",
    }


def parse(payload: dict[str, Any], topic: str = "orders/create") -> NormalisedOrder:
    body = as_body(payload)
    return shopify.parse_webhook(headers_for(body, topic=topic), body, FIXTURE_SECRET)[1]


def test_the_sample_order_is_normalised() -> None:
    # given the committed body and the signature OpenSSL computed for it
    headers = headers_for(BODY, signature=fixture_signature("shopify_order.json"))

    # when
    envelope, order = shopify.parse_webhook(headers, BODY, FIXTURE_SECRET)

    # then
    assert envelope == WebhookEnvelope(
        platform="shopify",
        shop_domain=SHOP,
        topic="orders/create",
        webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        event_id="98880550-7158-44d4-b7cd-2c97c8a091b5",
        triggered_at=datetime(2024, 3, 5, 15, 20, 0, 877041, tzinfo=UTC),
        dedupe_key="98880550-7158-44d4-b7cd-2c97c8a091b5",
        resource_id="820982911946154508",
    )
    assert (order.platform, order.shop_domain, order.external_id, order.number) == (
        "shopify",
        SHOP,
        "820982911946154508",
        "#1001",
    )
    assert (order.status, order.platform_status, order.currency) == ("open", "paid", "EUR")
    assert order.created_at == datetime(2024, 3, 5, 15, 15, 30, tzinfo=UTC)
    assert order.updated_at == datetime(2024, 3, 5, 15, 20, 0, tzinfo=UTC)
    assert (order.customer_email, order.customer_name) == (
        "anna.schmidt@example.com",
        "Anna Schmidt",
    )
    assert order.shipping_address == {
        "name": "Anna Schmidt",
        "company": "",
        "address1": "Torstraße 112",
        "address2": "Hinterhaus, 3. OG",
        "city": "Berlin",
        "zip": "10119",
        "province": "BE",
        "country_code": "DE",
        "phone": "+49 30 1234567",
    }
    assert (order.subtotal, order.total_tax, order.total_discounts) == (
        Decimal("243.00"),
        Decimal("41.82"),
        Decimal("10.00"),
    )
    assert (order.shipping, order.total) == (Decimal("7.90"), Decimal("250.90"))
    assert order.speed_tier is SpeedTier.PREMIUM  # from the private _speed_tier line property


def test_the_sample_lines_keep_ids_nulls_and_properties() -> None:
    _envelope, order = shopify.parse_webhook(headers_for(BODY), BODY, FIXTURE_SECRET)

    assert order.lines == (
        NormalisedLine(
            external_line_id="466157049",
            sku="TOTE-CANVAS",
            variant_id="39072856",
            product_id="632910392",
            title="Canvas tote",
            quantity=1,
            unit_price=Decimal("199.00"),
            properties={"Engraving": "ANNA", "Colour": "Indigo"},
        ),
        NormalisedLine(
            external_line_id="9007199254740993",
            sku=None,
            variant_id=None,
            product_id=None,
            title="Gift wrapping",
            quantity=1,
            unit_price=Decimal("4.50"),
            properties={},
        ),
        NormalisedLine(
            external_line_id="518995019",
            sku="STRAP-LEATHER-BRN",
            variant_id="49148385",
            product_id="788032119674292922",
            title="Leather strap",
            quantity=2,
            unit_price=Decimal("24.75"),
            properties={},
        ),
    )


def test_a_line_key_names_platform_shop_order_and_line() -> None:
    _envelope, order = shopify.parse_webhook(headers_for(BODY), BODY, FIXTURE_SECRET)

    assert order.line_key(order.lines[1]) == (
        "shopify:flexchain-demo.myshopify.com:820982911946154508:9007199254740993"
    )


def test_an_id_above_two_to_the_53_stays_exact(shopify_payload: dict[str, Any]) -> None:
    # given an id a float would round to 9007199254740992
    shopify_payload["id"] = 9007199254740993
    shopify_payload["line_items"][0]["variant_id"] = 18446744073709551615

    order = parse(shopify_payload)

    assert order.external_id == "9007199254740993"
    assert order.lines[0].variant_id == "18446744073709551615"


def test_money_sent_as_json_numbers_stays_decimal(shopify_payload: dict[str, Any]) -> None:
    body = (
        as_body(shopify_payload)
        .replace(b'"total_price": "250.90"', b'"total_price": 250.9')
        .replace(b'"price": "4.50"', b'"price": 0.1')
    )

    order = shopify.parse_webhook(headers_for(body), body, FIXTURE_SECRET)[1]

    assert order.total == Decimal("250.9")
    assert order.lines[1].unit_price == Decimal("0.1")
    assert all(isinstance(line.unit_price, Decimal) for line in order.lines)


@pytest.mark.parametrize(
    "name", ["X-SHOPIFY-HMAC-SHA256", "x-shopify-hmac-sha256", "X-Shopify-Hmac-SHA256"]
)
def test_headers_match_in_any_case(name: str) -> None:
    headers = {key.lower(): value for key, value in headers_for(BODY).items()}
    headers[name] = headers.pop("x-shopify-hmac-sha256")

    envelope, order = shopify.parse_webhook(headers, BODY, FIXTURE_SECRET)

    assert (envelope.topic, envelope.shop_domain) == ("orders/create", SHOP)
    assert order.external_id == "820982911946154508"


def test_a_wrong_signature_is_refused_before_anything_else() -> None:
    headers = headers_for(BODY, topic="products/create", signature=hmac_base64("other", BODY))

    with pytest.raises(SignatureError, match="X-Shopify-Hmac-Sha256 does not match"):
        shopify.parse_webhook(headers, BODY, FIXTURE_SECRET)


def test_a_missing_signature_is_refused() -> None:
    headers = headers_for(BODY)
    del headers["X-Shopify-Hmac-Sha256"]

    with pytest.raises(SignatureError, match="missing X-Shopify-Hmac-Sha256 header"):
        shopify.parse_webhook(headers, BODY, FIXTURE_SECRET)


def test_a_signature_of_reserialised_json_is_refused(shopify_payload: dict[str, Any]) -> None:
    # the signature covers the raw bytes, not the JSON they mean
    headers = headers_for(as_body(shopify_payload))

    with pytest.raises(SignatureError):
        shopify.parse_webhook(headers, BODY, FIXTURE_SECRET)


@pytest.mark.parametrize("topic", ["orders/delete", "products/update", "app/uninstalled"])
def test_an_unsupported_topic_is_a_payload_error(topic: str) -> None:
    with pytest.raises(PayloadError, match=f"unsupported topic '{topic}'"):
        shopify.parse_webhook(headers_for(BODY, topic=topic), BODY, FIXTURE_SECRET)


def test_a_missing_shop_domain_is_a_payload_error() -> None:
    headers = headers_for(BODY)
    del headers["X-Shopify-Shop-Domain"]

    with pytest.raises(PayloadError, match="missing X-Shopify-Shop-Domain header"):
        shopify.parse_webhook(headers, BODY, FIXTURE_SECRET)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b'{"id": 1, ', "body is not valid JSON", id="truncated"),
        pytest.param(b"[1, 2]", "body: expected an object, got list", id="array"),
        pytest.param(b'{"id": 1.5}', "id: expected an integer id, got Decimal", id="fraction-id"),
    ],
)
def test_a_signed_body_that_is_not_an_order_is_a_payload_error(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as caught:
        shopify.parse_webhook(headers_for(body), body, FIXTURE_SECRET)

    assert caught.value.reason.startswith(reason)


def _negative_quantity(payload: dict[str, Any]) -> None:
    payload["line_items"][0]["current_quantity"] = -1


def _price_with_a_comma(payload: dict[str, Any]) -> None:
    payload["line_items"][2]["price"] = "12,50"


def _currency_name(payload: dict[str, Any]) -> None:
    payload["currency"] = "Euro"


def _time_without_offset(payload: dict[str, Any]) -> None:
    payload["created_at"] = "2024-03-05T10:15:30"


def _line_that_is_a_string(payload: dict[str, Any]) -> None:
    payload["line_items"][1] = "Gift wrapping"


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        pytest.param(
            _negative_quantity,
            "line_items[0].current_quantity: must be at least 0, got -1",
            id="negative-quantity",
        ),
        pytest.param(
            _price_with_a_comma,
            "line_items[2].price: '12,50' is not a number",
            id="price-with-a-comma",
        ),
        pytest.param(
            _currency_name,
            "currency: must be a 3-letter currency code like EUR, got 'Euro'",
            id="currency-name",
        ),
        pytest.param(
            _time_without_offset,
            "created_at: '2024-03-05T10:15:30' has no UTC offset",
            id="time-without-offset",
        ),
        pytest.param(
            _line_that_is_a_string,
            "line_items[1]: expected an object, got str",
            id="line-that-is-a-string",
        ),
    ],
)
def test_a_bad_field_is_named(
    shopify_payload: dict[str, Any], spoil: Callable[[dict[str, Any]], None], reason: str
) -> None:
    spoil(shopify_payload)

    with pytest.raises(PayloadError) as caught:
        parse(shopify_payload)

    assert caught.value.reason == reason


def test_the_cancelled_topic_cancels() -> None:
    order = shopify.parse_webhook(headers_for(BODY, topic="orders/cancelled"), BODY, FIXTURE_SECRET)

    assert order[1].status == "cancelled"


def test_a_cancelled_at_time_cancels(shopify_payload: dict[str, Any]) -> None:
    shopify_payload["cancelled_at"] = "2024-03-06T09:00:00-05:00"

    assert parse(shopify_payload, topic="orders/updated").status == "cancelled"


def test_an_edited_line_counts_its_current_quantity(shopify_payload: dict[str, Any]) -> None:
    shopify_payload["line_items"][2]["current_quantity"] = 1

    assert parse(shopify_payload).lines[2].quantity == 1


def test_without_current_quantity_the_quantity_counts(shopify_payload: dict[str, Any]) -> None:
    del shopify_payload["line_items"][2]["current_quantity"]

    assert parse(shopify_payload).lines[2].quantity == 2


def test_the_webhook_id_dedupes_when_there_is_no_event_id() -> None:
    headers = headers_for(BODY)
    del headers["X-Shopify-Event-Id"]

    envelope, _order = shopify.parse_webhook(headers, BODY, FIXTURE_SECRET)

    assert envelope.dedupe_key == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"


def test_without_delivery_ids_the_order_version_dedupes() -> None:
    headers = headers_for(BODY, topic="orders/updated")
    del headers["X-Shopify-Event-Id"], headers["X-Shopify-Webhook-Id"]

    envelope, _order = shopify.parse_webhook(headers, BODY, FIXTURE_SECRET)

    assert envelope.dedupe_key == "orders/updated:820982911946154508:2024-03-05T15:20:00+00:00"


def test_an_unreadable_triggered_at_is_none() -> None:
    headers = headers_for(BODY)
    headers["X-Shopify-Triggered-At"] = "yesterday"

    assert shopify.parse_webhook(headers, BODY, FIXTURE_SECRET)[0].triggered_at is None


def _without_private_tier(payload: dict[str, Any]) -> None:
    payload["line_items"][0]["properties"].pop()


@pytest.mark.parametrize(
    ("note_attributes", "line_property", "shipping_title", "expected"),
    [
        pytest.param([], None, "Standard", SpeedTier.BASIC, id="default-basic"),
        pytest.param([["Speed tier", "Fast"]], None, "Standard", SpeedTier.FAST, id="note"),
        pytest.param([], ["speed", "custom"], "Standard", SpeedTier.CUSTOM, id="line-property"),
        pytest.param([], None, "Premium courier (next day)", SpeedTier.PREMIUM, id="shipping"),
        pytest.param(
            [["speed", "basic"]], ["speed", "premium"], "Fast", SpeedTier.BASIC, id="note-first"
        ),
    ],
)
def test_the_speed_tier_comes_from_notes_lines_or_shipping(
    shopify_payload: dict[str, Any],
    note_attributes: list[list[str]],
    line_property: list[str] | None,
    shipping_title: str,
    expected: SpeedTier,
) -> None:
    _without_private_tier(shopify_payload)
    shopify_payload["note_attributes"] = [{"name": n, "value": v} for n, v in note_attributes]
    if line_property:
        name, value = line_property
        shopify_payload["line_items"][2]["properties"] = [{"name": name, "value": value}]
    shopify_payload["shipping_lines"][0].update(code=shipping_title, title=shipping_title)

    assert parse(shopify_payload).speed_tier is expected


def test_shipping_is_summed_from_lines_without_a_price_set(
    shopify_payload: dict[str, Any],
) -> None:
    del shopify_payload["total_shipping_price_set"]
    extra = dict(shopify_payload["shipping_lines"][0], id=369256397, price="2.10")
    shopify_payload["shipping_lines"].append(extra)

    assert parse(shopify_payload).shipping == Decimal("10.00")


def test_an_order_without_address_or_customer_is_accepted(shopify_payload: dict[str, Any]) -> None:
    for key in ("shipping_address", "billing_address", "customer", "email", "contact_email"):
        shopify_payload[key] = None

    order = parse(shopify_payload)

    assert (order.shipping_address, order.customer_name, order.customer_email) == ({}, "", "")
