"""The demo's drawn web-shop orders: deterministic per seed, inside their twelve weeks, every
custom module of a product chosen in the shop's words, plausible shares of cancelled, delayed
and customised orders, and a Shopify body the storefront adapter reads back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from flexchain.adapters.storefronts import shopify
from flexchain.demo import DemoData
from flexchain.demo.sales import (
    AT_RISK,
    AT_RISK_ORDERS,
    FEW,
    MOST,
    WEEKS,
    products_of,
    sale_count,
    sales,
    shopify_json,
)

NOW = datetime(2025, 12, 29, 10, tzinfo=UTC)


def test_the_same_seed_draws_the_same_orders_and_another_seed_others(demo: DemoData) -> None:
    # given the demo company
    # when its orders are drawn twice with one seed and once with another
    first, again = sales(demo, now=NOW, seed=7), sales(demo, now=NOW, seed=7)
    other = sales(demo, now=NOW, seed=8)
    # then the same seed gives the same orders, another seed different ones
    assert first == again
    assert first != other


@pytest.mark.parametrize(
    ("items", "expected"),
    [(1, FEW), (4, FEW), (12, 30), (61, MOST), (20_000, MOST)],
    ids=["one", "four", "twelve", "default", "twenty-thousand"],
)
def test_order_count_grows_with_the_catalogue_up_to_a_cap(items: int, expected: int) -> None:
    assert sale_count(items) == expected


def test_orders_fall_in_the_last_twelve_weeks_in_time_order_in_the_day(demo: DemoData) -> None:
    drawn = sales(demo, now=NOW)
    assert len(drawn) == MOST
    assert [s.placed_at for s in drawn] == sorted(s.placed_at for s in drawn)
    assert all(NOW - timedelta(weeks=WEEKS) <= s.placed_at < NOW for s in drawn)
    assert all(time(7) <= s.placed_at.time() <= time(23) for s in drawn)
    assert len({s.number for s in drawn}) == len({s.external_id for s in drawn}) == len(drawn)


def test_every_custom_module_of_a_sold_product_is_chosen(demo: DemoData) -> None:
    # given the products and their custom modules
    modules = {p.sku: {name for name, _ in p.custom} for p in products_of(demo)}
    # when orders are drawn
    lines = [line for sale in sales(demo, now=NOW, count=400) for line in sale.lines]
    # then each line names every custom module of its product (else the intake refuses it)
    for line in lines:
        assert {name for name, _ in line.properties} == modules[line.sku], line
        assert 1 <= line.quantity <= 3
    # and some lines leave every module out (no work: picked from stock), most have work
    custom = sum(line.custom for line in lines) / len(lines)
    assert 0.5 < custom < 1


def test_shares_of_cancelled_delayed_and_reported_orders_are_plausible(demo: DemoData) -> None:
    drawn = sales(demo, now=NOW, count=2000)
    share = lambda hit: sum(1 for s in drawn if hit(s)) / len(drawn)  # noqa: E731
    assert share(lambda s: s.cancelled_at is not None) == pytest.approx(0.04, abs=0.001)
    assert 0.04 < share(lambda s: s.delay_days > 0) < 0.07
    assert 0.015 < share(lambda s: s.pack_days > 0) <= 0.02
    assert 0.035 < share(lambda s: s.issue is not None) < 0.045
    assert all(s.cancelled_at > s.placed_at for s in drawn if s.cancelled_at)
    assert all(s.issue != "wrong_customisation" or s.custom for s in drawn)
    assert not any(s.pack_days and s.delay_days for s in drawn)


def test_orders_promised_about_now_are_delayed_and_newer_ones_are_not(demo: DemoData) -> None:
    # given orders drawn up to NOW
    drawn = sales(demo, now=NOW)
    late, newest = AT_RISK
    # then a few of those placed some three weeks ago (promised about now) are delayed
    due_now = [s for s in drawn if NOW - late <= s.placed_at < NOW - newest]
    assert sum(1 for s in due_now if s.delay_days) == AT_RISK_ORDERS
    # and none newer is (they are still in production)
    assert not any(s.delay_days for s in drawn if s.placed_at >= NOW - newest)


def test_the_shopify_body_reads_back_as_the_drawn_order(demo: DemoData) -> None:
    # given a drawn order with two lines or more
    sale = next(s for s in sales(demo, now=NOW) if len(s.lines) > 1)
    # when its webhook body is read as the Shopify adapter reads it
    body = json.loads(json.dumps(shopify_json(sale, updated_at=sale.placed_at)))
    order = shopify.normalise_order(body, "shop.example")
    # then the lines, customisations, total and dates are the drawn ones
    assert [(line.sku, line.quantity) for line in order.lines] == [
        (line.sku, line.quantity) for line in sale.lines
    ]
    assert [dict(line.properties) for line in order.lines] == [
        dict(line.properties) for line in sale.lines
    ]
    assert order.subtotal == sale.subtotal
    assert order.total == sale.subtotal + order.shipping
    assert order.shipping == (Decimal(0) if sale.subtotal >= 100 else Decimal("5.90"))
    assert order.created_at == sale.placed_at and order.status == "open"
    # and its cancellation reads as cancelled
    cancelled = shopify_json(sale, updated_at=sale.placed_at + timedelta(hours=1), cancelled=True)
    assert shopify.normalise_order(cancelled, "shop.example").status == "cancelled"
