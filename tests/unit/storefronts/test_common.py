"""Signature checks, header lookup, exact JSON and speed tiers shared by both platforms."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flexchain.adapters.storefronts import shopify, woocommerce
from flexchain.adapters.storefronts.common import (
    PayloadError,
    SignatureError,
    WebhookParser,
    header,
    sign_hmac_base64,
    speed_tier,
    verify_hmac_base64,
)
from flexchain.adapters.storefronts.payload import load_json, pairs, public
from flexchain.domain.orders import SpeedTier
from tests.unit.storefronts.samples import (
    FIXTURE_SECRET,
    fixture_bytes,
    fixture_signature,
    hmac_base64,
)

# RFC 4231, test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?") is
# 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843, base64-encoded here.
RFC4231_KEY = "Jefe"
RFC4231_DATA = b"what do ya want for nothing?"
RFC4231_BASE64 = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="


def test_the_rfc_4231_vector_verifies() -> None:
    verify_hmac_base64(RFC4231_KEY, RFC4231_DATA, RFC4231_BASE64)


def test_signing_gives_the_rfc_4231_vector() -> None:
    assert sign_hmac_base64(RFC4231_KEY, RFC4231_DATA) == RFC4231_BASE64


@pytest.mark.parametrize("name", ["shopify_order.json", "woocommerce_order.json"])
def test_a_fixture_verifies_with_its_openssl_signature(name: str) -> None:
    body = fixture_bytes(name)

    verify_hmac_base64(FIXTURE_SECRET, body, fixture_signature(name))

    assert hmac_base64(FIXTURE_SECRET, body) == fixture_signature(name)


def test_surrounding_whitespace_in_the_signature_is_ignored() -> None:
    verify_hmac_base64(RFC4231_KEY, RFC4231_DATA, f"  {RFC4231_BASE64}\n")


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        pytest.param(None, "missing X-Sig header", id="missing"),
        pytest.param("", "missing X-Sig header", id="empty"),
        pytest.param("not base64!", "X-Sig is not base64", id="not-base64"),
        pytest.param(
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "does not match",
            id="hex-instead-of-base64",
        ),
        pytest.param(
            hmac_base64("another-secret", RFC4231_DATA), "does not match", id="wrong-secret"
        ),
    ],
)
def test_a_bad_signature_is_refused(signature: str | None, message: str) -> None:
    with pytest.raises(SignatureError, match=message) as caught:
        verify_hmac_base64(RFC4231_KEY, RFC4231_DATA, signature, header_name="X-Sig")

    assert caught.value.status_code == 401


def test_a_changed_body_is_refused() -> None:
    with pytest.raises(SignatureError, match="does not match"):
        verify_hmac_base64(RFC4231_KEY, RFC4231_DATA + b" ", RFC4231_BASE64)


def test_an_empty_secret_accepts_nothing() -> None:
    with pytest.raises(SignatureError, match="no webhook secret"):
        verify_hmac_base64("", RFC4231_DATA, hmac_base64("", RFC4231_DATA))


@pytest.mark.parametrize("name", ["x-shopify-topic", "X-SHOPIFY-TOPIC", "X-Shopify-Topic"])
def test_a_header_is_found_in_any_case(name: str) -> None:
    headers = {name: " orders/create "}

    assert header(headers, "X-Shopify-Topic") == "orders/create"


def test_a_blank_or_absent_header_is_none() -> None:
    assert header({"X-Shopify-Topic": "  "}, "x-shopify-topic") is None
    assert header({}, "X-Shopify-Topic") is None


def test_payload_error_keeps_its_reason() -> None:
    error = PayloadError("line_items[0].quantity: must be at least 0, got -1")

    assert error.reason == str(error) == "line_items[0].quantity: must be at least 0, got -1"
    assert error.status_code == 400


def test_json_numbers_are_read_exactly() -> None:
    data = load_json(b'{"id": 9007199254740993, "price": 19.99, "big": 820982911946154508}')

    assert data == {
        "id": 9007199254740993,
        "price": Decimal("19.99"),
        "big": 820982911946154508,
    }
    assert isinstance(data["price"], Decimal)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b"{not json", "body is not valid JSON", id="syntax"),
        pytest.param(b'{"total": NaN}', "NaN is not a number", id="nan"),
        pytest.param(b"\xff\xfe{}", "body is not valid JSON", id="not-utf8"),
        pytest.param(b"", "body is not valid JSON", id="empty"),
    ],
)
def test_a_body_that_is_not_json_is_a_payload_error(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        load_json(body)


def test_private_and_structured_properties_are_left_out() -> None:
    raw = pairs(
        [
            {"name": "Engraving", "value": "ANNA"},
            {"name": "_speed_tier", "value": "fast"},
            {"name": "Size", "value": 42},
            {"name": "plugin", "value": {"nested": True}},
            {"name": "", "value": "nameless"},
        ],
        "properties",
        "name",
        "value",
    )

    assert raw == [("Engraving", "ANNA"), ("_speed_tier", "fast"), ("Size", "42")]
    assert public(raw) == {"Engraving": "ANNA", "Size": "42"}


@pytest.mark.parametrize(
    ("attributes", "methods", "expected"),
    [
        pytest.param([("speed", "fast")], (), SpeedTier.FAST, id="speed"),
        pytest.param([("Speed tier", "Premium")], (), SpeedTier.PREMIUM, id="speed-tier-title"),
        pytest.param([("_speed_tier", "custom")], (), SpeedTier.CUSTOM, id="private"),
        pytest.param([("Delivery-Speed", "basic")], (), SpeedTier.BASIC, id="delivery-speed"),
        pytest.param(
            [("Speed", "premium (2 days)")], (), SpeedTier.PREMIUM, id="value-with-detail"
        ),
        pytest.param(
            [("speed", "fast"), ("speed", "premium")], (), SpeedTier.FAST, id="first-wins"
        ),
        pytest.param([("speed", "Express")], (), None, id="not-a-tier-is-skipped"),
        pytest.param([("Engraving", "fast")], (), None, id="other-names-ignored"),
        pytest.param([], ("flexchain-fast", "Fast"), SpeedTier.FAST, id="shipping-code"),
        pytest.param([], ("", "Premium courier"), SpeedTier.PREMIUM, id="shipping-title"),
        pytest.param([], ("custom", "Custom rate"), None, id="custom-shipping-is-a-rate"),
        pytest.param([], ("Breakfast delivery",), None, id="whole-words-only"),
        pytest.param([("speed", "basic")], ("premium",), SpeedTier.BASIC, id="attribute-first"),
    ],
)
def test_speed_tier_is_read_from_attributes_then_shipping(
    attributes: list[tuple[str, str]], methods: tuple[str, ...], expected: SpeedTier | None
) -> None:
    assert speed_tier(attributes, methods) is expected


def test_both_platforms_parse_webhooks_the_same_way() -> None:
    # mypy checks the signatures against the protocol; the service keeps them in one table
    parsers: dict[str, WebhookParser] = {
        "shopify": shopify.parse_webhook,
        "woocommerce": woocommerce.parse_webhook,
    }

    assert all(callable(parser) for parser in parsers.values())
