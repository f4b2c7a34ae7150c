"""What a shipment must hold before the store is told (domain/shipping.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flexchain.domain.errors import ValidationError
from flexchain.domain.shipping import MAX_TRACKING, shipment

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_shipment_is_trimmed_and_its_note_names_carrier_tracking_and_link() -> None:
    sent = shipment(" DHL ", " 0034 ", AT, tracking_url="https://dhl.example/0034")
    assert (sent.carrier, sent.tracking_number) == ("DHL", "0034")
    assert sent.note() == "Shipped with DHL, tracking number 0034 (https://dhl.example/0034)"
    assert shipment(None, None, AT, required=False).note() == "Shipped"


@pytest.mark.parametrize(
    ("carrier", "tracking", "url", "message"),
    [
        pytest.param("", "1", None, "carrier: must not be empty", id="no-carrier"),
        pytest.param("DHL", " ", None, "tracking: must not be empty", id="no-tracking"),
        pytest.param("DHL", "1" * (MAX_TRACKING + 1), None, "tracking: must be at most", id="long"),
        pytest.param("DHL", "1\n2", None, "tracking: '1\\n2' holds control", id="control"),
        pytest.param("DHL", "1", "ftp://x", "tracking_url: 'ftp://x' is not", id="bad-url"),
    ],
)
def test_a_bad_shipment_is_refused_naming_the_field(
    carrier: str, tracking: str, url: str | None, message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        shipment(carrier, tracking, AT, tracking_url=url)
    assert str(raised.value).startswith(message)
