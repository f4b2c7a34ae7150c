from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from flexchain.domain.errors import ValidationError
from flexchain.domain.suppliers import Capability, Certification, Process, Supplier, Tier


def make_supplier(**overrides: Any) -> Supplier:
    fields: dict[str, Any] = {"code": "ATL-PT", "name": "Atelier Porto", "tier": Tier.A}
    fields["country"] = "pt"
    fields.update(overrides)
    return Supplier(**fields)


def test_supplier_normalises_country_and_tier() -> None:
    supplier = make_supplier(tier="s")

    assert (supplier.country, supplier.tier) == ("PT", Tier.S)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"country": "PRT"}, "country", id="alpha-3-country"),
        pytest.param({"tier": "C"}, "tier", id="unknown-tier"),
        pytest.param({"latitude": Decimal(91), "longitude": Decimal(0)}, "latitude", id="lat"),
        pytest.param({"latitude": Decimal(0), "longitude": Decimal(-181)}, "longitude", id="lon"),
        pytest.param({"latitude": Decimal(41)}, "longitude", id="latitude-alone"),
        pytest.param({"payment_terms_days": -1}, "payment_terms_days", id="negative-terms"),
        pytest.param({"carbon_intensity": -1}, "carbon_intensity", id="negative-carbon"),
        pytest.param({"email": "orders at atelier"}, "email", id="bad-email"),
        pytest.param({"code": ""}, "code", id="empty-code"),
    ],
)
def test_supplier_validation_names_the_bad_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make_supplier(**overrides)

    assert caught.value.field == field


def test_supplier_refuses_the_same_process_twice() -> None:
    sewing = Capability(Process.SEWING, Decimal(100))

    with pytest.raises(ValidationError, match="capabilities: 'sewing' is listed twice"):
        make_supplier(capabilities=[sewing, Capability(Process.SEWING, Decimal(50))])


def test_supplier_capability_finds_a_process_by_member_or_value() -> None:
    sewing = Capability(Process.SEWING, Decimal(100))
    supplier = make_supplier(capabilities=[Capability(Process.CUTTING, Decimal(400)), sewing])

    assert supplier.capability(Process.SEWING) is sewing
    assert supplier.capability("Sewing") is sewing
    assert supplier.capability(Process.DYEING) is None


def test_capability_refuses_zero_capacity_and_zero_multiple() -> None:
    with pytest.raises(ValidationError, match="capacity_per_day: must be greater than zero"):
        Capability(Process.SEWING, Decimal(0))
    with pytest.raises(ValidationError, match="order_multiple: must be greater than zero"):
        Capability(Process.SEWING, Decimal(10), order_multiple=Decimal(0))


def test_capability_refuses_an_unknown_process_listing_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="process: must be one of cutting, sewing"):
        Capability("knitting", Decimal(10))  # type: ignore[arg-type]


def test_certification_is_valid_up_to_and_including_its_last_day() -> None:
    gots = Certification("GOTS", date(2026, 6, 30))

    assert gots.is_valid(date(2026, 6, 30))
    assert not gots.is_valid(date(2026, 7, 1))


def test_certification_refuses_a_datetime_for_its_date() -> None:
    with pytest.raises(ValidationError, match="valid_until: expected a date"):
        Certification("GOTS", datetime(2026, 6, 30))


def test_expired_certifications_lists_only_the_expired_ones() -> None:
    gots = Certification("GOTS", date(2026, 1, 31))
    oeko = Certification("OEKO-TEX", date(2025, 12, 31))
    bsci = Certification("BSCI", date(2027, 1, 1))
    supplier = make_supplier(certifications=[gots, oeko, bsci])

    assert supplier.expired_certifications(date(2026, 3, 1)) == [oeko, gots]
