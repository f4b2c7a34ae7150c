"""A normalised order stored as JSON (``shop sync`` keeps fetched orders in the inbox) reads back
equal: ids, decimals, times, tier and line properties intact."""

from __future__ import annotations

import pytest

from flexchain.adapters.storefronts import shopify, woocommerce
from flexchain.adapters.storefronts.common import NormalisedOrder, PayloadError
from flexchain.adapters.storefronts.serialise import order_from_json, order_to_json
from tests.unit.storefronts.samples import load


def sample_orders() -> list[NormalisedOrder]:
    return [
        shopify.normalise_order(load("shopify_order.json"), "flexchain-demo.myshopify.com"),
        woocommerce.normalise_order(load("woocommerce_order.json"), "shop.example.com"),
    ]


@pytest.mark.parametrize("order", sample_orders(), ids=["shopify", "woocommerce"])
def test_an_order_reads_back_equal(order: NormalisedOrder) -> None:
    restored = order_from_json(order_to_json(order))

    assert restored == order
    assert [str(line.unit_price) for line in restored.lines] == [
        str(line.unit_price) for line in order.lines
    ]


def test_a_stored_body_that_is_not_an_order_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="stored order is not readable"):
        order_from_json(b'{"platform": "shopify"}')
