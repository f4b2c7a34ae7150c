from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from flexchain.domain.contracts import (
    CapacityReservation,
    Contract,
    ElasticTopUp,
    QualityRetention,
    Settlement,
    TieredPrice,
)
from flexchain.domain.errors import DomainError, ValidationError
from flexchain.domain.suppliers import Process

TOPUP = ElasticTopUp(max_units=Decimal(100), max_premium_pct=Decimal(10))


def contract(**overrides: Any) -> Contract:
    fields: dict[str, Any] = {
        "code": "FA-2026-ATL",
        "supplier_code": "ATL-PT",
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2026, 12, 31),
        "tiered_prices": [
            TieredPrice("SHELL", Decimal(0), Decimal("20.00")),
            TieredPrice("SHELL", Decimal(100), Decimal("18.50")),
            TieredPrice("HOOD", Decimal(50), Decimal("6.00")),
        ],
    }
    fields.update(overrides)
    return Contract(**fields)


@pytest.mark.parametrize(
    ("sku", "qty", "price"),
    [
        pytest.param("SHELL", 10, Decimal("20.00"), id="first-tier"),
        pytest.param("SHELL", 100, Decimal("18.50"), id="second-tier"),
        pytest.param("HOOD", 10, None, id="below-the-first-tier"),
        pytest.param("BOX", 10, None, id="not-on-the-contract"),
    ],
)
def test_price_for_picks_the_highest_tier_not_above_quantity(
    sku: str, qty: int, price: Decimal | None
) -> None:
    assert contract().price_for(sku, qty) == price


def test_contract_is_active_on_both_end_days_only_inside_its_validity() -> None:
    agreement = contract()

    assert agreement.is_active(date(2026, 1, 1))
    assert agreement.is_active(date(2026, 12, 31))
    assert not agreement.is_active(date(2027, 1, 1))


def test_contract_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValidationError, match=r"^valid_to: 2025-12-31 is before valid_from"):
        contract(valid_to=date(2025, 12, 31))


def test_contract_refuses_two_prices_for_the_same_item_and_minimum() -> None:
    tiers = [
        TieredPrice("SHELL", Decimal(0), Decimal(1)),
        TieredPrice("SHELL", Decimal(0), Decimal(2)),
    ]

    with pytest.raises(ValidationError, match=r"tiered_prices\[1\]: SHELL already has a price"):
        contract(tiered_prices=tiers)


def test_contract_validate_checks_clause_types() -> None:
    expected = "elastic_topup: expected ElasticTopUp or None, got dict"
    with pytest.raises(ValidationError, match=expected):
        contract(elastic_topup={"max_units": 5})


def test_elastic_topup_allows_units_and_price_within_the_clause() -> None:
    assert TOPUP.allowed(Decimal(60), Decimal(40), Decimal("10.00"), Decimal("11.00"))


def test_elastic_topup_refuses_more_units_than_the_clause_leaves() -> None:
    with pytest.raises(DomainError, match="above the 100 units the contract allows"):
        TOPUP.check(Decimal(60), Decimal(41), Decimal(10), Decimal(10))
    assert not TOPUP.allowed(Decimal(60), Decimal(41), Decimal(10), Decimal(10))


def test_elastic_topup_refuses_a_premium_above_the_cap() -> None:
    expected = "quoted price 11.01 is above 11.00: the contract price 10.00 plus at most 10%"
    with pytest.raises(DomainError, match=expected):
        TOPUP.check(Decimal(0), Decimal(1), Decimal("10.00"), Decimal("11.01"))


@pytest.mark.parametrize(
    ("max_units", "premium", "field"),
    [
        pytest.param(0, 10, "max_units", id="no-units"),
        pytest.param(10, 101, "max_premium_pct", id="premium-above-100"),
    ],
)
def test_elastic_topup_validates_its_terms(max_units: int, premium: int, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ElasticTopUp(Decimal(max_units), Decimal(premium))

    assert caught.value.field == field


@pytest.mark.parametrize(
    ("invoice", "retained"),
    [
        pytest.param("1000", "50.00", id="round-figure"),
        pytest.param("0.10", "0.01", id="half-cent-rounds-up"),
        pytest.param("0.09", "0.00", id="below-half-cent"),
        pytest.param("-100", "-5.00", id="credit-note"),
    ],
)
def test_quality_retention_holds_back_a_share_rounded_half_up(invoice: str, retained: str) -> None:
    assert QualityRetention(Decimal(5)).retained(Decimal(invoice)) == Decimal(retained)


@pytest.mark.parametrize("pct", [0, "30.01"])
def test_quality_retention_is_above_zero_and_at_most_30_percent(pct: object) -> None:
    with pytest.raises(ValidationError, match="retention_pct: must be above 0 and at most 30"):
        QualityRetention(pct)  # type: ignore[arg-type]


def test_quality_retention_settlement_is_one_of_the_known_periods() -> None:
    assert QualityRetention(Decimal(3), "Monthly").settlement == Settlement.MONTHLY
    with pytest.raises(ValidationError, match="settlement: must be one of monthly, quarterly"):
        QualityRetention(Decimal(3), "weekly")


def test_capacity_reservation_validates_share_fee_and_process() -> None:
    clause = CapacityReservation(Decimal(25), Decimal(400), "sewing")  # type: ignore[arg-type]

    assert clause.process is Process.SEWING
    with pytest.raises(ValidationError, match="reserved_pct"):
        CapacityReservation(Decimal(0), Decimal(400))
    with pytest.raises(ValidationError, match="monthly_fee"):
        CapacityReservation(Decimal(10), Decimal(-1))
