"""Property: any sequence of moves and reservations keeps the database ledger consistent.

The same operations go to the database and to the in-memory reference ledger of the domain; both
must accept or refuse each one alike, balances must equal the sum of the moves, and available stock
at internal locations never goes below zero.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flexchain.adapters.db.tables import ItemRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import InsufficientStock
from flexchain.domain.ledger import Ledger, Location, LocationKind, MoveKind, StockMove
from flexchain.services import inventory
from tests.integration.inventory.conftest import LOCATIONS, NOW

INTERNAL = ["WH", "WH2", "TR-WH"]
_skus = itertools.count()

quantities = st.integers(min_value=1, max_value=20).map(Decimal)
owners = st.sampled_from(["o1", "o2", "o3"])
operations = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(INTERNAL), quantities),
    st.tuples(st.just("ship"), st.sampled_from(INTERNAL), quantities, st.none() | owners),
    st.tuples(
        st.just("transfer"), st.sampled_from(INTERNAL), st.sampled_from(INTERNAL), quantities
    ),
    st.tuples(st.just("reserve"), st.sampled_from(INTERNAL), quantities, owners, st.booleans()),
    st.tuples(st.just("release"), owners),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=30)),
)


def reference_ledger() -> Ledger:
    return Ledger(
        Location(code, name, LocationKind(kind), transit_for=transit_for)
        for code, name, kind, transit_for in LOCATIONS
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=12))
def test_any_sequence_keeps_balances_equal_to_moves_and_available_non_negative(
    ledger_uow: Callable[..., UnitOfWork], ops: list[tuple[object, ...]]
) -> None:
    sku = f"P-{next(_skus)}"
    with ledger_uow() as uow:
        uow.session.add(ItemRow(sku=sku, name=sku, kind="raw", uom="pcs"))
        uow.commit()
    model = reference_ledger()
    now = NOW
    for op in ops:
        name = op[0]
        if name == "wait":
            now += timedelta(minutes=int(op[1]))
            continue
        db_error = model_error = None
        with ledger_uow() as uow:
            try:
                apply_db(uow, sku, op, now)
                uow.commit()
            except InsufficientStock as error:
                db_error = error
        try:
            apply_model(model, sku, op, now)
        except InsufficientStock as error:
            model_error = error
        assert (db_error is None) == (model_error is None), (op, db_error, model_error)

    with ledger_uow(write=False) as uow:
        for location in INTERNAL:
            rows = inventory.balances(uow, now=now, item=sku, location=location, include_empty=True)
            expected = model.balance(sku, location, now)
            on_hand = rows[0].on_hand if rows else Decimal(0)
            available = rows[0].available if rows else Decimal(0)
            assert on_hand == inventory.moves_total(uow, sku, location)
            assert on_hand == expected.on_hand
            assert available == expected.available
            assert available >= 0


def _move(
    sku: str, source: str, target: str, qty: Decimal, now: object, owner: object
) -> StockMove:
    return StockMove(sku, source, target, qty, MoveKind.TRANSFER, "prop", now, owner)


def apply_db(uow: UnitOfWork, sku: str, op: tuple[object, ...], now: object) -> None:
    name = op[0]
    if name == "receive":
        inventory.post_move(uow, _move(sku, "SUP", str(op[1]), op[2], now, None))
    elif name == "ship":
        inventory.post_move(uow, _move(sku, str(op[1]), "CUST", op[2], now, op[3]))
    elif name == "transfer":
        if op[1] != op[2]:
            inventory.post_move(uow, _move(sku, str(op[1]), str(op[2]), op[3], now, None))
    elif name == "reserve":
        expiry = now + timedelta(minutes=10) if op[4] else None
        inventory.reserve(uow, sku, str(op[1]), op[2], str(op[3]), now=now, expires_at=expiry)
    elif name == "release":
        inventory.release(uow, str(op[1]), now=now)


def apply_model(model: Ledger, sku: str, op: tuple[object, ...], now: object) -> None:
    name = op[0]
    if name == "receive":
        model.apply(_move(sku, "SUP", str(op[1]), op[2], now, None), now)
    elif name == "ship":
        model.apply(_move(sku, str(op[1]), "CUST", op[2], now, op[3]), now)
    elif name == "transfer":
        if op[1] != op[2]:
            model.apply(_move(sku, str(op[1]), str(op[2]), op[3], now, None), now)
    elif name == "reserve":
        expiry = now + timedelta(minutes=10) if op[4] else None
        model.reserve(sku, str(op[1]), op[2], str(op[3]), now, expires_at=expiry)
    elif name == "release":
        model.release(str(op[1]), now)


moves_only = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(INTERNAL), quantities),
    st.tuples(st.just("ship"), st.sampled_from(INTERNAL), quantities, st.none()),
    st.tuples(
        st.just("transfer"), st.sampled_from(INTERNAL), st.sampled_from(INTERNAL), quantities
    ),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    opening=st.lists(st.tuples(st.sampled_from(INTERNAL), quantities), max_size=3),
    ops=st.lists(moves_only, min_size=1, max_size=15),
)
def test_a_batch_of_moves_equals_the_same_moves_one_by_one(
    ledger_uow: Callable[..., UnitOfWork],
    opening: list[tuple[str, Decimal]],
    ops: list[tuple[object, ...]],
) -> None:
    # given an item with some stock, posted move by move in the database and the reference
    sku = f"B-{next(_skus)}"
    model = reference_ledger()
    with ledger_uow() as uow:
        uow.session.add(ItemRow(sku=sku, name=sku, kind="raw", uom="pcs"))
        uow.session.flush()
        for location, quantity in opening:
            inventory.post_move(uow, _move(sku, "SUP", location, quantity, NOW, None))
            model.apply(_move(sku, "SUP", location, quantity, NOW, None), NOW)
        uow.commit()
    before = {loc: model.balance(sku, loc, NOW).on_hand for loc in INTERNAL}
    moves = []
    for op in ops:
        if op[0] == "receive":
            moves.append(_move(sku, "SUP", str(op[1]), op[2], NOW, None))  # type: ignore[arg-type]
        elif op[0] == "ship":
            moves.append(_move(sku, str(op[1]), "CUST", op[2], NOW, None))  # type: ignore[arg-type]
        elif op[1] != op[2]:
            moves.append(_move(sku, str(op[1]), str(op[2]), op[3], NOW, None))  # type: ignore[arg-type]

    # when they are posted as one batch (and applied one by one to the reference)
    db_error = model_error = None
    with ledger_uow() as uow:
        try:
            inventory.post_moves(uow, moves)
            uow.commit()
        except InsufficientStock as error:
            db_error = error
    try:
        for move in moves:
            model.apply(move, NOW)
    except InsufficientStock as error:
        model_error = error

    # then both refuse alike; a refused batch writes nothing, an accepted one matches the moves
    assert (db_error is None) == (model_error is None), (moves, db_error, model_error)
    with ledger_uow(write=False) as uow:
        for location in INTERNAL:
            rows = inventory.balances(uow, now=NOW, item=sku, location=location, include_empty=True)
            on_hand = rows[0].on_hand if rows else Decimal(0)
            expected = before[location] if db_error else model.balance(sku, location, NOW).on_hand
            assert on_hand == expected == inventory.moves_total(uow, sku, location)
