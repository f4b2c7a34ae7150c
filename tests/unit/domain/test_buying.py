"""The buying rules: call-off prices from the contract, the elastic clause with the trade's
figures (N=100 at 10.00, M=20, X=15 %), confirmations, shipment notices and capacity holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.buying import (
    CapacityHold,
    HoldStatus,
    LineState,
    check_notice,
    check_topup,
    confirm_line,
    contract_price,
    po_move,
)
from flexchain.domain.contracts import Contract, ElasticTopUp, TieredPrice
from flexchain.domain.errors import DomainError, IllegalTransition, ValidationError

ON = date(2026, 3, 1)
CONTRACT = Contract(
    "C1",
    "SUP",
    date(2026, 1, 1),
    date(2026, 12, 31),
    tiered_prices=[
        TieredPrice("FAB", Decimal(0), Decimal("10.00")),
        TieredPrice("FAB", Decimal(500), Decimal("9.50")),
        TieredPrice("LINING", Decimal(100), Decimal("3.00")),
    ],
    elastic_topup=ElasticTopUp(Decimal(20), Decimal(15)),
)


def _topup(requested: str, price: str, already: str = "0", on: date = ON) -> Decimal:
    return check_topup(
        CONTRACT, "FAB", on, base_quantity=Decimal(100), already_topped_up=Decimal(already),
        requested=Decimal(requested), quoted_price=Decimal(price),
    )  # fmt: skip


def test_a_topup_at_the_ceiling_11_50_is_accepted() -> None:
    assert _topup("20", "11.50") == Decimal("10.00")


def test_a_topup_at_11_51_is_refused_naming_the_ceiling() -> None:
    with pytest.raises(DomainError) as error:
        _topup("1", "11.51")
    assert str(error.value) == (
        "contract C1, FAB: quoted price 11.51 is above 11.50: the contract price 10.00 plus at "
        "most 15% for a top-up"
    )


def test_a_21st_topup_unit_is_refused() -> None:
    _topup("19", "10.00", already="1")
    with pytest.raises(DomainError, match="bring top-ups to 21, above the 20 units"):
        _topup("1", "10.00", already="20")


def test_no_topup_outside_the_validity_or_without_the_clause() -> None:
    with pytest.raises(DomainError, match="no top-up on 2027-01-01"):
        _topup("1", "10.00", on=date(2027, 1, 1))
    bare = Contract("C2", "SUP", date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(DomainError, match="C2 has no elastic top-up clause"):
        check_topup(bare, "FAB", ON, base_quantity=Decimal(1), already_topped_up=Decimal(0),
                    requested=Decimal(1), quoted_price=Decimal(1))  # fmt: skip


@given(st.integers(0, 20), st.integers(1, 25), st.integers(1000, 1300))
def test_a_topup_is_accepted_exactly_within_units_and_ceiling(
    already: int, requested: int, cents: int
) -> None:
    price = Decimal(cents) / 100
    fits = already + requested <= 20 and price <= Decimal("11.50")
    try:
        _topup(str(requested), str(price), already=str(already))
    except DomainError:
        assert not fits
    else:
        assert fits


def test_contract_price_takes_the_tier_and_says_why_it_cannot() -> None:
    assert contract_price(CONTRACT, "FAB", Decimal(499), ON) == Decimal("10.00")
    assert contract_price(CONTRACT, "FAB", Decimal(500), ON) == Decimal("9.50")
    with pytest.raises(DomainError, match="C1 prices LINING from 100 units, not 50"):
        contract_price(CONTRACT, "LINING", Decimal(50), ON)
    with pytest.raises(DomainError, match="C1 has no price for ZIP"):
        contract_price(CONTRACT, "ZIP", Decimal(50), ON)


LINE = LineState(1, "FAB", Decimal(100), Decimal(10), date(2026, 4, 1), "open")


def test_a_confirmation_may_be_partial_and_redated() -> None:
    done = confirm_line("PO-1", "sent", LINE, "60", date(2026, 4, 8))
    assert (done.quantity, done.due_date, done.status) == (Decimal(60), date(2026, 4, 8), "open")


@pytest.mark.parametrize(
    ("header", "qty", "error", "message"),
    [
        ("draft", 10, IllegalTransition, "PO-1 is draft: only a sent or confirmed"),
        ("sent", 101, ValidationError, "101 is more than the 100 ordered on PO-1 line 1"),
        ("sent", 9, ValidationError, "9 is less than the 10 already received"),
        ("sent", -1, ValidationError, "line 1: quantity"),
    ],
    ids=["not-sent", "more-than-ordered", "below-received", "negative"],
)
def test_a_confirmation_is_refused(header: str, qty: int, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        confirm_line("PO-1", header, LINE, qty, date(2026, 4, 8))


def test_confirming_zero_declines_a_line_nothing_of_which_arrived() -> None:
    fresh = LineState(2, "FAB", Decimal(5), Decimal(0), date(2026, 4, 1), "open")
    assert confirm_line("PO-1", "confirmed", fresh, 0, date(2026, 4, 1)).status == "cancelled"


def test_a_notice_cannot_announce_more_than_is_still_expected() -> None:
    lines = {1: LineState(1, "FAB", Decimal(100), Decimal(10), ON, "open", Decimal(30))}
    assert check_notice("PO-1", "confirmed", lines, {1: "60"}, ON, ON) == {1: Decimal(60)}
    with pytest.raises(ValidationError, match="61 is more than the 60 of FAB still expected"):
        check_notice("PO-1", "confirmed", lines, {1: 61}, ON, ON)
    with pytest.raises(IllegalTransition, match="needs a confirmed order"):
        check_notice("PO-1", "sent", lines, {1: 1}, ON, ON)
    with pytest.raises(ValidationError, match="expected_on"):
        check_notice("PO-1", "confirmed", lines, {1: 1}, ON, ON - timedelta(days=1))
    with pytest.raises(ValidationError, match="PO-1 has no line 2"):
        check_notice("PO-1", "confirmed", lines, {2: 1}, ON, ON)


def test_po_move_names_the_order() -> None:
    with pytest.raises(IllegalTransition, match="purchase order PO-7 is closed, which is final"):
        po_move("PO-7", "closed", "sent")  # type: ignore[arg-type]


NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
HOLD = CapacityHold("SUP", Decimal(300), "m", date(2026, 3, 2), date(2026, 3, 15),
                    NOW + timedelta(hours=48))  # fmt: skip


def test_a_hold_is_active_until_it_lapses_unfirmed() -> None:
    assert HOLD.active(NOW + timedelta(hours=48))
    assert not HOLD.active(NOW + timedelta(hours=48, seconds=1))
    assert HOLD.lapsed(NOW + timedelta(hours=49))


def test_a_firmed_or_released_hold_is_no_longer_capacity_to_call() -> None:
    for status in (HoldStatus.FIRMED, HoldStatus.RELEASED):
        hold = CapacityHold(HOLD.supplier_code, HOLD.quantity, HOLD.unit, HOLD.held_from,
                            HOLD.held_until, HOLD.firm_by, status=status)  # fmt: skip
        assert not hold.active(NOW)
        assert not hold.lapsed(NOW + timedelta(days=3))


def test_a_hold_refuses_an_end_before_its_start() -> None:
    with pytest.raises(ValidationError, match="held_until: 2026-03-01 is before held_from"):
        CapacityHold("SUP", Decimal(1), "m", date(2026, 3, 2), date(2026, 3, 1), NOW)
