"""WooCommerce order webhooks and the ping that comes before them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from flexchain.adapters.storefronts import woocommerce
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

BODY = fixture_bytes("woocommerce_order.json")
DELIVERY = "c2d3a3b9e8f0c6c1a6e1c9c0b5f7d1f3"


def headers_for(
    body: bytes, *, topic: str = "order.created", signature: str | None = None
) -> dict[str, str]:
    resource, _, event = topic.partition(".")
    return {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/8.6.1 Hookshot (WordPress/6.4.3)",
        "X-WC-Webhook-Source": "https://Shop.Example.com/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": signature or hmac_base64(FIXTURE_SECRET, body),
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": DELIVERY,
    }


def parse(payload: dict[str, Any], topic: str = "order.updated") -> NormalisedOrder:
    body = as_body(payload)
    order = woocommerce.parse_webhook(headers_for(body, topic=topic), body, FIXTURE_SECRET)[1]
    assert order is not None
    return order


def test_the_sample_order_is_normalised() -> None:
    headers = headers_for(BODY, signature=fixture_signature("woocommerce_order.json"))

    envelope, order = woocommerce.parse_webhook(headers, BODY, FIXTURE_SECRET)

    assert envelope == WebhookEnvelope(
        platform="woocommerce",
        shop_domain="shop.example.com",
        topic="order.created",
        webhook_id="12",
        event_id=DELIVERY,
        triggered_at=None,
        dedupe_key=DELIVERY,
        resource_id="727",
    )
    assert order is not None
    assert (order.platform, order.shop_domain, order.external_id, order.number) == (
        "woocommerce",
        "shop.example.com",
        "727",
        "727",
    )
    assert (order.status, order.platform_status, order.currency) == ("open", "processing", "EUR")
    assert order.created_at == datetime(2024, 3, 5, 15, 15, 30, tzinfo=UTC)
    assert order.updated_at == datetime(2024, 3, 5, 15, 20, 0, tzinfo=UTC)
    assert (order.customer_email, order.customer_name) == (
        "max.mustermann@example.com",
        "Max Mustermann",
    )
    assert order.shipping_address == {
        "name": "Max Mustermann",
        "company": "Muster GmbH",
        "address1": "Schanzenstraße 7",
        "address2": "",
        "city": "Hamburg",
        "zip": "20357",
        "province": "HH",
        "country_code": "DE",
        "phone": "",
    }
    assert (order.subtotal, order.total_tax, order.total_discounts) == (
        Decimal("73.00"),
        Decimal("15.75"),
        Decimal("5.00"),
    )
    assert (order.shipping, order.total) == (Decimal("9.90"), Decimal("98.65"))
    assert order.speed_tier is SpeedTier.CUSTOM  # order meta_data speed_tier


def test_the_sample_lines_keep_meta_data_and_unit_prices() -> None:
    _envelope, order = woocommerce.parse_webhook(headers_for(BODY), BODY, FIXTURE_SECRET)

    assert order is not None
    assert order.lines == (
        NormalisedLine(
            external_line_id="315",
            sku="TOTE-CANVAS",
            variant_id=None,
            product_id="93",
            title="Canvas tote",
            quantity=2,
            unit_price=Decimal("30"),
            properties={"Engraving": "MAX"},
        ),
        NormalisedLine(
            external_line_id="316",
            sku=None,
            variant_id="23",
            product_id="22",
            title="Leather strap - Indigo",
            quantity=3,
            unit_price=Decimal("6"),
            properties={"pa_colour": "indigo"},
        ),
    )


def test_a_unit_price_that_does_not_divide_is_rounded_to_money_places(
    woocommerce_payload: dict[str, Any],
) -> None:
    woocommerce_payload["line_items"][1]["subtotal"] = "20.00"

    assert str(parse(woocommerce_payload).lines[1].unit_price) == "6.666667"


def test_a_unit_price_that_divides_keeps_its_cents() -> None:
    _envelope, order = woocommerce.parse_webhook(headers_for(BODY), BODY, FIXTURE_SECRET)

    assert order is not None
    assert [str(line.unit_price) for line in order.lines] == ["30.00", "6.00"]


def test_an_id_above_two_to_the_53_stays_exact(woocommerce_payload: dict[str, Any]) -> None:
    woocommerce_payload["id"] = 9007199254740993
    woocommerce_payload["line_items"][0]["id"] = 820982911946154508

    order = parse(woocommerce_payload)

    assert order.external_id == "9007199254740993"
    assert order.lines[0].external_line_id == "820982911946154508"


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        ("processing", "open"),
        ("on-hold", "open"),
        ("pending", "open"),
        ("completed", "open"),
        ("cancelled", "cancelled"),
        ("refunded", "cancelled"),
        ("failed", "cancelled"),
        ("trash", "cancelled"),
    ],
)
def test_the_order_status_maps_to_a_hint(
    woocommerce_payload: dict[str, Any], status: str, hint: str
) -> None:
    woocommerce_payload["status"] = status

    order = parse(woocommerce_payload)

    assert (order.status, order.platform_status) == (hint, status)


@pytest.mark.parametrize("name", ["x-wc-webhook-signature", "X-WC-WEBHOOK-SIGNATURE"])
def test_headers_match_in_any_case(name: str) -> None:
    headers = {key.upper(): value for key, value in headers_for(BODY).items()}
    headers[name] = headers.pop("X-WC-WEBHOOK-SIGNATURE")

    envelope, order = woocommerce.parse_webhook(headers, BODY, FIXTURE_SECRET)

    assert (envelope.topic, envelope.dedupe_key) == ("order.created", DELIVERY)
    assert order is not None


def test_a_wrong_signature_is_refused() -> None:
    headers = headers_for(BODY, signature=hmac_base64("old-secret", BODY))

    with pytest.raises(SignatureError, match="X-WC-Webhook-Signature does not match"):
        woocommerce.parse_webhook(headers, BODY, FIXTURE_SECRET)


def test_a_missing_signature_is_refused() -> None:
    headers = headers_for(BODY)
    del headers["X-WC-Webhook-Signature"]

    with pytest.raises(SignatureError, match="missing X-WC-Webhook-Signature header"):
        woocommerce.parse_webhook(headers, BODY, FIXTURE_SECRET)


@pytest.mark.parametrize("topic", ["product.updated", "customer.created", "action.wc_foo"])
def test_an_unsupported_topic_is_a_payload_error(topic: str) -> None:
    with pytest.raises(PayloadError, match=f"unsupported topic '{topic}'"):
        woocommerce.parse_webhook(headers_for(BODY, topic=topic), BODY, FIXTURE_SECRET)


def test_bad_json_is_a_payload_error_with_its_reason() -> None:
    body = b'{"id": 727, "status": '

    with pytest.raises(PayloadError) as caught:
        woocommerce.parse_webhook(headers_for(body), body, FIXTURE_SECRET)

    assert caught.value.reason.startswith("body is not valid JSON: Expecting value: line 1")


def test_a_deleted_order_names_only_its_id() -> None:
    body = b'{"id":727}'

    envelope, order = woocommerce.parse_webhook(
        headers_for(body, topic="order.deleted"), body, FIXTURE_SECRET
    )

    assert order is None
    assert (envelope.topic, envelope.resource_id) == ("order.deleted", "727")


def test_a_restored_order_is_an_order(woocommerce_payload: dict[str, Any]) -> None:
    assert parse(woocommerce_payload, topic="order.restored").external_id == "727"


def test_without_a_delivery_id_topic_id_and_modification_dedupe() -> None:
    headers = headers_for(BODY, topic="order.updated")
    del headers["X-WC-Webhook-Delivery-ID"]

    envelope, _order = woocommerce.parse_webhook(headers, BODY, FIXTURE_SECRET)

    assert envelope.dedupe_key == "order.updated:727:2024-03-05T15:20:00+00:00"


def test_a_source_in_a_folder_keeps_the_folder() -> None:
    headers = {"x-wc-webhook-source": "https://example.com:8443/shop/"}

    assert woocommerce.source_domain(headers) == "example.com:8443/shop"


@pytest.mark.parametrize(
    ("order_meta", "line_meta", "shipping", "expected"),
    [
        pytest.param([], [], "Flat rate", SpeedTier.BASIC, id="default-basic"),
        pytest.param([("Speed tier", "fast")], [], "Flat rate", SpeedTier.FAST, id="order-meta"),
        pytest.param([], [("_speed", "premium")], "Flat rate", SpeedTier.PREMIUM, id="line-meta"),
        pytest.param([], [], "Premium next day", SpeedTier.PREMIUM, id="shipping-title"),
    ],
)
def test_the_speed_tier_comes_from_meta_data_or_shipping(
    woocommerce_payload: dict[str, Any],
    order_meta: list[tuple[str, str]],
    line_meta: list[tuple[str, str]],
    shipping: str,
    expected: SpeedTier,
) -> None:
    woocommerce_payload["meta_data"] = [{"id": 1, "key": k, "value": v} for k, v in order_meta]
    woocommerce_payload["line_items"][1]["meta_data"] = [
        {"id": 2, "key": k, "value": v} for k, v in line_meta
    ]
    woocommerce_payload["shipping_lines"][0].update(method_id="flat_rate", method_title=shipping)

    assert parse(woocommerce_payload).speed_tier is expected


def test_an_empty_shipping_address_is_empty(woocommerce_payload: dict[str, Any]) -> None:
    woocommerce_payload["shipping"] = {key: "" for key in woocommerce_payload["shipping"]}

    assert parse(woocommerce_payload).shipping_address == {}


# --- the ping -----------------------------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        pytest.param(FORM, b"webhook_id=12", True, id="ping"),
        pytest.param({"content-type": "application/x-www-form-urlencoded"}, b"webhook_id=7", True),
        pytest.param({}, b"webhook_id=12", True, id="no-content-type"),
        pytest.param({"Content-Type": "application/json"}, b"webhook_id=12", False, id="json"),
        pytest.param(FORM, b"webhook_id=12&x=1", False, id="more-fields"),
        pytest.param(FORM, b"webhook_id=", False, id="no-number"),
        pytest.param(headers_for(BODY), BODY, False, id="an-order"),
    ],
)
def test_the_ping_is_recognised(headers: dict[str, str], body: bytes, expected: bool) -> None:
    assert woocommerce.is_ping(headers, body) is expected


def test_the_ping_is_not_a_signed_webhook() -> None:
    with pytest.raises(SignatureError):
        woocommerce.parse_webhook(FORM, b"webhook_id=12", FIXTURE_SECRET)


def test_without_a_subtotal_the_price_is_rounded_to_money_places(
    woocommerce_payload: dict[str, Any],
) -> None:
    # given WooCommerce's own price: total / quantity written as a long float
    body = (
        as_body(woocommerce_payload)
        .replace(b'"subtotal": "18.00", ', b"")
        .replace(b'"price": 6,', b'"price": 16.6666666667,')
    )
    headers = headers_for(body)

    order = woocommerce.parse_webhook(headers, body, FIXTURE_SECRET)[1]

    assert order is not None
    assert str(order.lines[1].unit_price) == "16.666667"
