"""The inventory use cases' decisions without a database: the store is tests.fakes.FakeStockStore.

The same use cases run on the database store in tests/integration/inventory; here the decisions
alone, and a property that the use cases and the in-memory reference Ledger (domain/ledger.py)
accept, refuse and count alike.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.domain.errors import InsufficientStock, NotFound, ValidationError
from flexchain.domain.ledger import Ledger
from flexchain.domain.stock import (
    Balance,
    Location,
    LocationKind,
    MoveKind,
    ReservationStatus,
    StockMove,
)
from flexchain.services import inventory
from tests.fakes import FakeStockStore

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LOCATIONS = [
    Location("SUP", "Supplier", LocationKind.SUPPLIER),
    Location("WH", "Main warehouse", LocationKind.WAREHOUSE),
    Location("WH2", "Second warehouse", LocationKind.WAREHOUSE),
    Location("TR-WH", "In transit to WH", LocationKind.TRANSIT, transit_for="WH"),
    Location("CUST", "Customers", LocationKind.CUSTOMER),
]
D = Decimal


def _move(source: str, to: str, quantity: int | str, owner: str | None = None) -> StockMove:
    return StockMove("TEE", source, to, D(quantity), MoveKind.TRANSFER, "test", NOW, owner)


def _store(on_hand: int = 0) -> FakeStockStore:
    store = FakeStockStore(LOCATIONS, skus=["TEE", "CAP"])
    if on_hand:
        inventory.post_move(store, _move("SUP", "WH", on_hand))
        store.writes = 0
    return store


def _figures(store: FakeStockStore, code: str = "WH") -> tuple[Decimal, Decimal, Decimal]:
    balance = store.stock.get(("TEE", code), Balance())
    return balance.on_hand, balance.reserved, balance.available


def test_a_reservation_never_takes_stock_below_zero() -> None:
    # given 5 on hand, 3 of them reserved
    store = _store(on_hand=5)
    assert inventory.reserve(store, "TEE", "WH", 3, "order-1", now=NOW) == 3

    # when another owner wants 3 more, all or nothing
    with pytest.raises(InsufficientStock) as refused:
        inventory.reserve(store, "TEE", "WH", 3, "order-2", now=NOW)

    # then it is refused with what is available, nothing is written, available stays 2
    assert refused.value.available == 2
    assert _figures(store) == (5, 3, 2)
    assert ("order-2", "TEE", "WH") not in store.reservations
    # and with allow_partial it gets the 2 left, never more
    assert inventory.reserve(store, "TEE", "WH", 3, "order-2", now=NOW, allow_partial=True) == 2
    assert inventory.reserve(store, "TEE", "WH", 1, "order-3", now=NOW, allow_partial=True) == 0
    assert _figures(store) == (5, 5, 0)


def test_reserving_where_no_stock_is_held_is_refused() -> None:
    store = _store(on_hand=5)
    with pytest.raises(ValidationError, match="CUST is a customer location"):
        inventory.reserve(store, "TEE", "CUST", 1, "order-1", now=NOW)
    assert store.writes == 0


@pytest.mark.parametrize(
    ("move", "error"),
    [
        pytest.param(_move("SUP", "NOWHERE", 1), "unknown location 'NOWHERE'", id="unknown-target"),
        pytest.param(_move("GONE", "WH", 1), "unknown location 'GONE'", id="unknown-source"),
        pytest.param(
            StockMove("HAT", "SUP", "WH", D(1), MoveKind.RECEIPT, "", NOW),
            "unknown item 'HAT'",
            id="unknown-item",
        ),
    ],
)
def test_a_move_refused_by_check_move_raises_and_writes_nothing(
    move: StockMove, error: str
) -> None:
    # given a ledger with stock
    store = _store(on_hand=5)

    # when a batch holds a good move and then one check_move refuses
    with pytest.raises(NotFound, match=error):
        inventory.post_moves(store, [_move("WH", "CUST", 1), move])

    # then the domain error is raised and nothing of the batch is written
    assert store.writes == 0
    assert _figures(store) == (5, 0, 5)
    assert len(store.moves) == 1  # the opening receipt only


def test_a_batch_that_would_overdraw_is_refused_whole() -> None:
    # given 5 on hand
    store = _store(on_hand=5)

    # when a batch ships 3, then 3 more
    with pytest.raises(InsufficientStock) as refused:
        inventory.post_moves(store, [_move("WH", "CUST", 3), _move("WH", "CUST", 3)])

    # then the second move is refused against the running figure (2 left) and nothing is written
    assert (refused.value.location_code, refused.value.available) == ("WH", 2)
    assert store.writes == 0
    assert _figures(store) == (5, 0, 5)


def test_a_shipment_takes_its_owners_reservation_first() -> None:
    # given 5 on hand, 4 reserved for order-1
    store = _store(on_hand=5)
    inventory.reserve(store, "TEE", "WH", 4, "order-1", now=NOW)

    # when another owner ships 2 (only 1 is free), it is refused
    with pytest.raises(InsufficientStock):
        inventory.post_move(store, _move("WH", "CUST", 2, owner="order-2"))

    # and when order-1 ships 5: its 4 reserved plus the 1 free
    inventory.post_move(store, _move("WH", "CUST", 5, owner="order-1"))

    # then the reservation is consumed and nothing is left
    held = store.reservations[("order-1", "TEE", "WH")]
    assert (held.quantity, held.status) == (0, ReservationStatus.CONSUMED)
    assert _figures(store) == (0, 0, 0)


def test_post_move_is_post_moves_of_one_move() -> None:
    one, batch = _store(on_hand=5), _store(on_hand=5)
    move = _move("WH", "TR-WH", 2)
    inventory.post_move(one, move)
    inventory.post_moves(batch, [move])
    assert (one.stock, one.moves, one.writes) == (batch.stock, batch.moves, batch.writes)
    # stock in the transit location counts as in transit of its destination
    assert one.stock[("TEE", "WH")].in_transit == 2


def test_release_frees_the_owners_active_reservations_only() -> None:
    # given a cart that expired and an order that holds stock
    store = _store(on_hand=10)
    later = NOW + timedelta(minutes=5)
    inventory.reserve(store, "TEE", "WH", 3, "cart-1", now=NOW, expires_at=NOW + timedelta(1 / 24))
    inventory.reserve(store, "TEE", "WH", 2, "order-1", now=NOW)

    # when both are released after the cart's expiry
    freed_cart = inventory.release(store, "cart-1", now=NOW + timedelta(hours=2))
    freed_order = inventory.release(store, "order-1", now=later)

    # then the expired cart frees nothing (it had stopped counting), the order its 2
    assert (freed_cart, freed_order) == (0, 2)
    assert store.reservations[("cart-1", "TEE", "WH")].status is ReservationStatus.EXPIRED
    assert store.reservations[("order-1", "TEE", "WH")].status is ReservationStatus.RELEASED
    assert _figures(store) == (10, 0, 10)
    # and releasing again is harmless
    assert inventory.release(store, "order-1", now=later) == 0


CODES = [location.code for location in LOCATIONS]
quantities = st.integers(min_value=1, max_value=6).map(Decimal)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("move"), st.sampled_from(CODES), st.sampled_from(CODES), quantities)
        .filter(lambda op: op[1] != op[2])
        .flatmap(
            lambda op: st.tuples(*map(st.just, op), st.none() | st.sampled_from(["o1", "o2"]))
        ),
        st.tuples(
            st.just("reserve"),
            st.sampled_from(["WH", "WH2"]),
            quantities,
            st.sampled_from(["o1", "o2"]),
        ),
        st.tuples(st.just("release"), st.sampled_from(["o1", "o2"])),
    ),
    max_size=25,
)


Op = tuple[object, ...]


def _on_store(store: FakeStockStore, op: Op) -> None:
    kind, *args = op
    if kind == "move":
        source, to, quantity, owner = args
        inventory.post_move(store, _move(str(source), str(to), str(quantity), owner))
    elif kind == "reserve":
        location, quantity, owner = args
        inventory.reserve(store, "TEE", str(location), str(quantity), str(owner), now=NOW)
    else:
        inventory.release(store, str(args[0]), now=NOW)


def _on_model(model: Ledger, op: Op) -> None:
    kind, *args = op
    if kind == "move":
        source, to, quantity, owner = args
        model.apply(_move(str(source), str(to), str(quantity), owner), NOW)
    elif kind == "reserve":
        location, quantity, owner = args
        model.reserve("TEE", str(location), str(quantity), str(owner), NOW)
    else:
        model.release(str(args[0]), NOW)


def _outcome(apply: Callable[[], None]) -> str:
    try:
        apply()
    except InsufficientStock:
        return "short"
    return "ok"


@settings(max_examples=150, deadline=None)
@given(operations)
def test_the_use_cases_and_the_reference_ledger_agree(ops: list[Op]) -> None:
    # given the same empty ledger as a store behind the use cases and as the reference
    store, model = _store(), Ledger(LOCATIONS)
    for op in ops:
        # when each operation goes to both
        on_store = _outcome(lambda op=op: _on_store(store, op))
        on_model = _outcome(lambda op=op: _on_model(model, op))

        # then both accept or refuse it alike, and every balance matches
        assert on_store == on_model, op
        for code in CODES:
            expected = model.balance("TEE", code, NOW)
            figure = store.stock.get(("TEE", code), Balance())
            assert (figure.on_hand, figure.reserved) == (expected.on_hand, expected.reserved), code
            if code == "WH":
                assert figure.in_transit == expected.in_transit
