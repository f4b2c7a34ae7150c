from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from flexchain.domain.errors import InsufficientStock, NotFound, ValidationError
from flexchain.domain.stock import (
    Balance,
    Location,
    LocationKind,
    MoveKind,
    Reservation,
    ReservationStatus,
    StockMove,
    can_reserve,
    check_move,
    check_reservable,
    check_withdrawal,
    consume,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "holds_stock"),
    [
        pytest.param(LocationKind.WAREHOUSE, True, id="warehouse"),
        pytest.param(LocationKind.FACTORY, True, id="factory"),
        pytest.param(LocationKind.TRANSIT, True, id="transit"),
        pytest.param(LocationKind.SUPPLIER, False, id="supplier"),
        pytest.param(LocationKind.CUSTOMER, False, id="customer"),
        pytest.param(LocationKind.SCRAP, False, id="scrap"),
    ],
)
def test_only_internal_locations_hold_stock(kind: LocationKind, holds_stock: bool) -> None:
    assert Location("L1", "Somewhere", kind).holds_stock is holds_stock


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"kind": "warehouse", "transit_for": "WH2"}, "transit_for", id="not-transit"),
        pytest.param({"kind": "transit", "transit_for": "L1"}, "transit_for", id="to-itself"),
        pytest.param({"kind": "customer", "supplier_code": "ATL"}, "supplier_code", id="customer"),
        pytest.param({"kind": "depot"}, "kind", id="unknown-kind"),
    ],
)
def test_location_validation_names_the_bad_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Location(**{"code": "L1", "name": "Somewhere", **overrides})

    assert caught.value.field == field


def test_stock_move_takes_at_in_its_place_after_reference() -> None:
    move = StockMove("TEE", "SUP", "WH", 5, "receipt", "PO-1", NOW, "order-1")

    assert (move.kind, move.reference, move.at, move.reservation_owner) == (
        MoveKind.RECEIPT,
        "PO-1",
        NOW,
        "order-1",
    )
    assert move.quantity == Decimal(5)


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        pytest.param(("TEE", "WH", "WH", 1, "transfer"), {"at": NOW}, "to_location", id="same"),
        pytest.param(("TEE", "SUP", "WH", 0, "receipt"), {"at": NOW}, "quantity", id="zero"),
        pytest.param(("TEE", "SUP", "WH", 1, "receipt"), {}, "at", id="no-time"),
        pytest.param(
            ("TEE", "SUP", "WH", 1, "receipt"), {"at": datetime(2026, 1, 1)}, "at", id="naive"
        ),
        pytest.param(("TEE", "SUP", "WH", 1, "gift"), {"at": NOW}, "kind", id="unknown-kind"),
    ],
)
def test_stock_move_validation_names_the_bad_field(
    args: tuple[Any, ...], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        StockMove(*args, **kwargs)

    assert caught.value.field == field


def test_stock_move_is_immutable() -> None:
    move = StockMove("TEE", "SUP", "WH", 5, MoveKind.RECEIPT, at=NOW)

    with pytest.raises(AttributeError):
        move.quantity = Decimal(6)  # type: ignore[misc]


def test_balance_available_is_on_hand_minus_reserved() -> None:
    assert Balance(on_hand=Decimal(10), reserved=Decimal(4)).available == 6


def test_can_reserve_up_to_available_and_no_more() -> None:
    balance = Balance(on_hand=Decimal(10), reserved=Decimal(4))

    assert can_reserve(balance, Decimal(6))
    assert not can_reserve(balance, Decimal("6.001"))


def test_expired_reservation_is_not_active_from_its_expiry_on() -> None:
    reservation = Reservation("TEE", "WH", Decimal(2), "order-1", expires_at=NOW)

    assert reservation.is_active(NOW - timedelta(seconds=1))
    assert not reservation.is_active(NOW)


def test_released_reservation_is_not_active() -> None:
    reservation = Reservation("TEE", "WH", Decimal(2), "o", status=ReservationStatus.RELEASED)

    assert not reservation.is_active(NOW)


def test_check_move_raises_not_found_for_an_unknown_location() -> None:
    move = StockMove("TEE", "SUP", "WH", 1, MoveKind.RECEIPT, at=NOW)

    with pytest.raises(NotFound, match="unknown location 'SUP'"):
        check_move(move, {"WH": Location("WH", "Warehouse", LocationKind.WAREHOUSE)})


def test_check_reservable_refuses_a_location_that_holds_no_stock() -> None:
    with pytest.raises(ValidationError, match="location: CUST is a customer location"):
        check_reservable(Location("CUST", "Customers", LocationKind.CUSTOMER))


@pytest.mark.parametrize(
    ("quantity", "available", "owner_reserved", "consumed"),
    [
        pytest.param(3, 5, 0, 0, id="from-available"),
        pytest.param(3, 0, 5, 3, id="all-from-reservation"),
        pytest.param(7, 2, 5, 5, id="reservation-then-available"),
    ],
)
def test_check_withdrawal_takes_the_reserved_part_first(
    quantity: int, available: int, owner_reserved: int, consumed: int
) -> None:
    result = check_withdrawal(
        "TEE", "WH", Decimal(quantity), Decimal(available), Decimal(owner_reserved)
    )

    assert result == consumed


def test_check_withdrawal_reports_what_the_move_could_take() -> None:
    with pytest.raises(InsufficientStock, match="TEE at WH: requested 8, available 7"):
        check_withdrawal("TEE", "WH", Decimal(8), Decimal(2), Decimal(5))


def test_a_reservation_taken_down_to_zero_is_consumed() -> None:
    reservation = Reservation("TEE", "WH", Decimal(3), "order-1")
    consume(reservation, Decimal(2))
    assert (reservation.quantity, reservation.status) == (1, ReservationStatus.ACTIVE)
    consume(reservation, Decimal(1))
    assert (reservation.quantity, reservation.status) == (0, ReservationStatus.CONSUMED)
