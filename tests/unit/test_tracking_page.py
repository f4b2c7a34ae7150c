"""The customer's HTML tracking page (entrypoints/api/tracking.py): quantities as written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flexchain.domain.orders import OrderStatus
from flexchain.entrypoints.api.tracking import _page
from flexchain.services.orders import TrackedItem, TrackingView


def _view(quantity: Decimal) -> TrackingView:
    item = TrackedItem(name="Ridgeline jacket", quantity=quantity, choices={"Colour": "Indigo"})
    return TrackingView(
        order="#1001",
        status=OrderStatus.IN_PRODUCTION,
        promise_date=date(2026, 12, 31),
        items=(item,),
        stages=(),
    )


@pytest.mark.parametrize(
    ("quantity", "shown"),
    [
        (Decimal(10), "10 ×"),
        (Decimal("10.000"), "10 ×"),
        (Decimal(100), "100 ×"),
        (Decimal("1E+1"), "10 ×"),
        (Decimal("2.500"), "2.5 ×"),
        (Decimal(1), "1 ×"),
    ],
    ids=["ten", "ten-with-places", "hundred", "ten-exponent", "fraction", "one"],
)
def test_the_tracking_page_shows_the_quantity_bought(quantity: Decimal, shown: str) -> None:
    # given an order of `quantity` jackets; when its page is rendered
    page = _page(_view(quantity), "n0nce")
    # then the line shows the quantity as a person writes it (10, not 1)
    assert f"<li>{shown} Ridgeline jacket" in page
