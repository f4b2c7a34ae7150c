"""The order use cases' decisions, on the in-memory order views (tests/fakes.py): no database."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from flexchain.adapters.db.orders.views import StageDates
from flexchain.domain.errors import IllegalTransition, NotFound
from flexchain.entrypoints.cli.render import plain
from flexchain.services import orders
from tests.fakes import FakeOrderViews, fake_order

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TOKEN = "t" * 32


@pytest.mark.parametrize(
    ("current", "target"),
    [("delivered", "reserved"), ("shipped", "ready"), ("cancelled", "in_production")],
    ids=["delivered-back-to-reserved", "shipped-back-to-ready", "cancelled-is-final"],
)
def test_an_order_cannot_move_to_an_illegal_status(current: str, target: str) -> None:
    # given an order in ``current``
    views = FakeOrderViews([fake_order(1, "1001", status=current)])
    # when it is asked to move to ``target``, then it is refused and keeps its status
    with pytest.raises(IllegalTransition, match=f"cannot go from {current} to {target}"):
        orders.set_status(None, "1001", target, now=NOW, views=views)  # type: ignore[arg-type]
    assert views.orders[0].status == current


def test_a_shipped_order_cannot_be_cancelled() -> None:
    views = FakeOrderViews([fake_order(1, "1001", status="shipped")])
    with pytest.raises(IllegalTransition):
        orders.cancel(None, "1001", now=NOW, views=views)  # type: ignore[arg-type]
    assert views.orders[0].status == "shipped"


def test_an_ambiguous_reference_is_refused_unless_it_is_an_id() -> None:
    # given order 2 whose store id is "1", and order 1
    views = FakeOrderViews([fake_order(1, "500"), fake_order(2, "1", number="#1")])
    # then "1" means our id 1 (the exact id wins) and "#1" the store's number
    assert orders.find_order(None, "1", views=views).id == 1  # type: ignore[arg-type]
    assert orders.find_order(None, "#1", views=views).id == 2  # type: ignore[arg-type]
    # and a reference nothing matches says so
    with pytest.raises(NotFound, match="no order '9999'"):
        orders.find_order(None, "9999", views=views)  # type: ignore[arg-type]


def test_two_orders_with_the_same_number_are_refused_with_how_many() -> None:
    views = FakeOrderViews([fake_order(7, "A", number="#77"), fake_order(8, "B", number="#77")])
    with pytest.raises(NotFound, match="2 orders match '77'"):
        orders.find_order(None, "77", views=views)  # type: ignore[arg-type]


def _line(item_id: int, quantity: str, **properties: str) -> SimpleNamespace:
    return SimpleNamespace(
        external_line_id=f"L{item_id}", item_id=item_id, quantity=Decimal(quantity),
        unit_price=Decimal("5"), options=[{"code": "X", "lead_time_delta_days": 2}],
        properties=properties, reserved=Decimal(quantity), backordered=Decimal(0),
    )  # fmt: skip


def test_stages_show_production_only_when_reached_and_cancelled_when_it_was() -> None:
    # given a stock order received and cancelled, never in production
    order = fake_order(1, "1001", status="cancelled", tracking_token=TOKEN)
    views = FakeOrderViews([order])
    views.events[1] = {
        "received": StageDates(date(2026, 11, 23), NOW),
        "cancelled": StageDates(None, NOW),
    }
    # when it is shown
    shown = orders.show_order(None, "1001", views=views)  # type: ignore[arg-type]
    # then in_production is left out and cancelled comes last
    assert [stage.stage for stage in shown.stages] == [
        "received", "ready", "shipped", "delivered", "cancelled",
    ]  # fmt: skip
    assert shown.stages[0].actual == NOW and shown.stages[1].actual is None


def test_the_order_view_keeps_the_json_shape_and_hides_planning_fields() -> None:
    views = FakeOrderViews([fake_order(1, "1001")])
    views.lines[1] = [_line(3, "2", Colour="Indigo")]
    shown = orders.show_order(None, "1001", views=views)  # type: ignore[arg-type]
    as_json = json.loads(json.dumps(plain(shown.as_dict())))
    assert list(as_json) == [
        "id", "shop", "external_id", "number", "status", "speed_tier", "currency", "subtotal",
        "total_tax", "total_discounts", "shipping", "total", "customer_email",
        "shipping_address", "promise_date", "tracking_token", "updated_at", "lines",
        "reservations", "picks", "jobs", "stages", "shipment", "exceptions",
    ]  # fmt: skip
    assert as_json["status"] == "received" and as_json["subtotal"] == "10"
    assert as_json["lines"][0]["options"] == [{"code": "X"}]  # lead time is planning's
    assert as_json["jobs"] == [] and shown["lines"][0]["quantity"] == Decimal(2)


def test_tracking_shows_what_was_bought_without_internal_properties() -> None:
    order = fake_order(1, "1001", number="", tracking_token=TOKEN)
    views = FakeOrderViews([order])
    views.lines[1] = [_line(3, "2", Colour="Indigo", _planner_note="x"), _line(4, "0")]
    views.names = {3: "Canvas bag", 4: "Removed tee"}
    view = orders.track(None, TOKEN, views=views)  # type: ignore[arg-type]
    assert view.order == "1001"  # no number: the store's id
    assert [(i.name, i.quantity, i.choices) for i in view.items] == [
        ("Canvas bag", Decimal(2), {"Colour": "Indigo"})
    ]


def test_a_short_or_unknown_tracking_token_finds_nothing() -> None:
    views = FakeOrderViews([fake_order(1, "1001", tracking_token="short")])
    for token in ("short", "u" * 32):
        with pytest.raises(NotFound, match="no order with this tracking link"):
            orders.track(None, token, views=views)  # type: ignore[arg-type]
