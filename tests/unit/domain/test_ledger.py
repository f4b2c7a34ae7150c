from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from flexchain.domain.errors import InsufficientStock, NotFound, ValidationError
from flexchain.domain.ledger import (
    Balance,
    Ledger,
    Location,
    LocationKind,
    MoveKind,
    ReservationStatus,
    StockMove,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


@pytest.fixture
def ledger() -> Ledger:
    return Ledger(
        [
            Location("SUP", "Supplier", LocationKind.SUPPLIER),
            Location("WH", "Main warehouse", LocationKind.WAREHOUSE),
            Location("TR-WH", "On its way to WH", LocationKind.TRANSIT, transit_for="WH"),
            Location("CUST", "Customers", LocationKind.CUSTOMER),
        ]
    )


def move(source: str, target: str, qty: int, owner: str | None = None) -> StockMove:
    return StockMove("TEE", source, target, qty, MoveKind.TRANSFER, "test", NOW, owner)


def receive(ledger: Ledger, qty: int, to: str = "WH") -> None:
    ledger.apply(move("SUP", to, qty), NOW)


def test_receipt_adds_on_hand_and_the_supplier_runs_negative(ledger: Ledger) -> None:
    receive(ledger, 10)

    assert ledger.balance("TEE", "WH", NOW) == Balance(on_hand=Decimal(10))
    assert ledger.balance("TEE", "SUP", NOW).on_hand == -10
    assert ledger.moves == [move("SUP", "WH", 10)]


def test_move_cannot_take_an_internal_location_below_zero(ledger: Ledger) -> None:
    receive(ledger, 3)

    with pytest.raises(InsufficientStock, match="TEE at WH: requested 5, available 3"):
        ledger.apply(move("WH", "CUST", 5), NOW)

    assert ledger.balance("TEE", "WH", NOW).on_hand == 3
    assert len(ledger.moves) == 1


def test_move_cannot_take_reserved_stock_of_someone_else(ledger: Ledger) -> None:
    receive(ledger, 10)
    ledger.reserve("TEE", "WH", 8, "order-1", NOW)

    with pytest.raises(InsufficientStock, match="requested 3, available 2"):
        ledger.apply(move("WH", "CUST", 3), NOW)


def test_move_with_reservation_owner_consumes_that_reservation(ledger: Ledger) -> None:
    receive(ledger, 10)
    reservation = ledger.reserve("TEE", "WH", 8, "order-1", NOW)

    ledger.apply(move("WH", "CUST", 5, owner="order-1"), NOW)

    assert ledger.balance("TEE", "WH", NOW) == Balance(on_hand=Decimal(5), reserved=Decimal(3))
    assert (reservation.quantity, reservation.status) == (3, ReservationStatus.ACTIVE)


def test_move_beyond_its_reservation_takes_the_rest_from_available(ledger: Ledger) -> None:
    receive(ledger, 10)
    reservation = ledger.reserve("TEE", "WH", 4, "order-1", NOW)

    ledger.apply(move("WH", "CUST", 6, owner="order-1"), NOW)

    assert ledger.balance("TEE", "WH", NOW) == Balance(on_hand=Decimal(4))
    assert (reservation.quantity, reservation.status) == (0, ReservationStatus.CONSUMED)


def test_stock_in_a_transit_location_counts_as_in_transit_for_its_destination(
    ledger: Ledger,
) -> None:
    receive(ledger, 7, to="TR-WH")

    assert ledger.balance("TEE", "WH", NOW) == Balance(in_transit=Decimal(7))
    ledger.apply(move("TR-WH", "WH", 7), NOW)
    assert ledger.balance("TEE", "WH", NOW) == Balance(on_hand=Decimal(7))


def test_reservation_never_takes_available_below_zero(ledger: Ledger) -> None:
    receive(ledger, 5)
    ledger.reserve("TEE", "WH", 4, "order-1", NOW)

    with pytest.raises(InsufficientStock, match="TEE at WH: requested 2, available 1"):
        ledger.reserve("TEE", "WH", 2, "order-2", NOW)

    assert ledger.balance("TEE", "WH", NOW).available == 1


def test_reserving_again_for_the_same_owner_adds_to_the_reservation(ledger: Ledger) -> None:
    receive(ledger, 10)
    first = ledger.reserve("TEE", "WH", 3, "order-1", NOW)

    second = ledger.reserve("TEE", "WH", 2, "order-1", NOW)

    assert second is first
    assert first.quantity == 5
    assert len(ledger.reservations) == 1


def test_expired_reservation_stops_counting(ledger: Ledger) -> None:
    receive(ledger, 10)
    ledger.reserve("TEE", "WH", 6, "cart-1", NOW, expires_at=NOW + timedelta(minutes=15))

    assert ledger.balance("TEE", "WH", NOW).available == 4
    assert ledger.balance("TEE", "WH", NOW + timedelta(minutes=15)).available == 10
    ledger.reserve("TEE", "WH", 10, "order-2", NOW + timedelta(minutes=15))


def test_reserving_again_sets_the_expiry_of_the_latest_call(ledger: Ledger) -> None:
    receive(ledger, 10)
    ledger.reserve("TEE", "WH", 2, "cart-1", NOW, expires_at=NOW + timedelta(minutes=5))

    ledger.reserve("TEE", "WH", 1, "cart-1", NOW)

    assert ledger.balance("TEE", "WH", LATER).reserved == 3


def test_reserving_after_expiry_starts_a_fresh_reservation(ledger: Ledger) -> None:
    receive(ledger, 10)
    ledger.reserve("TEE", "WH", 6, "cart-1", NOW, expires_at=NOW + timedelta(minutes=5))

    reservation = ledger.reserve("TEE", "WH", 2, "cart-1", LATER)

    assert reservation.quantity == 2
    assert ledger.balance("TEE", "WH", LATER).reserved == 2


def test_release_frees_the_owners_active_reservations(ledger: Ledger) -> None:
    receive(ledger, 10)
    ledger.reserve("TEE", "WH", 3, "order-1", NOW)
    ledger.reserve("TEE", "WH", 2, "order-2", NOW)

    freed = ledger.release("order-1", NOW)

    assert freed == 3
    assert ledger.balance("TEE", "WH", NOW).reserved == 2
    assert ledger.release("order-1", NOW) == 0  # a retried release does nothing


def test_release_can_be_limited_to_one_item(ledger: Ledger) -> None:
    receive(ledger, 10)
    ledger.apply(StockMove("CAP", "SUP", "WH", 10, MoveKind.RECEIPT, at=NOW), NOW)
    ledger.reserve("TEE", "WH", 3, "order-1", NOW)
    ledger.reserve("CAP", "WH", 4, "order-1", NOW)

    assert ledger.release("order-1", NOW, item_sku="CAP") == 4
    assert ledger.balance("TEE", "WH", NOW).reserved == 3


@pytest.mark.parametrize(
    ("location", "expires_at", "field"),
    [
        pytest.param("CUST", None, "location", id="customer-holds-no-stock"),
        pytest.param("WH", NOW, "expires_at", id="already-expired"),
    ],
)
def test_reserve_refuses_bad_requests(
    ledger: Ledger, location: str, expires_at: datetime | None, field: str
) -> None:
    receive(ledger, 10)

    with pytest.raises(ValidationError) as caught:
        ledger.reserve("TEE", location, 1, "order-1", NOW, expires_at=expires_at)

    assert caught.value.field == field


def test_unknown_location_is_not_found(ledger: Ledger) -> None:
    with pytest.raises(NotFound, match="unknown location 'WH9'"):
        ledger.apply(move("SUP", "WH9", 1), NOW)
    with pytest.raises(NotFound):
        ledger.balance("TEE", "WH9", NOW)


def test_ledger_refuses_a_transit_location_to_nowhere() -> None:
    with pytest.raises(ValidationError, match="transit_for: TR leads to unknown location 'WH'"):
        Ledger([Location("TR", "Truck", LocationKind.TRANSIT, transit_for="WH")])


def test_ledger_needs_aware_now(ledger: Ledger) -> None:
    with pytest.raises(ValidationError, match="now: naive datetime refused"):
        ledger.balance("TEE", "WH", datetime(2026, 1, 1))
