"""Property: whatever sequence of moves and reservations happens (refused ones skipped), every
balance equals the sum of the accepted moves, and no internal location shows negative available
stock.

A hypothesis state machine drives the ledger, so moves that consume a reservation are drawn from
reservations actually made, not left to chance.
"""

import contextlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from flexchain.domain.errors import InsufficientStock
from flexchain.domain.ledger import Ledger, Location, LocationKind, MoveKind, StockMove

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LOCATIONS = [
    Location("SUP", "Supplier", LocationKind.SUPPLIER),
    Location("WH", "Main warehouse", LocationKind.WAREHOUSE),
    Location("WH2", "Second warehouse", LocationKind.WAREHOUSE),
    Location("FAC", "Factory WIP", LocationKind.FACTORY, supplier_code="ATL"),
    Location("TR-WH", "In transit to WH", LocationKind.TRANSIT, transit_for="WH"),
    Location("CUST", "Customers", LocationKind.CUSTOMER),
    Location("SCRAP", "Scrap", LocationKind.SCRAP),
]
CODES = [location.code for location in LOCATIONS]
INTERNAL = [location.code for location in LOCATIONS if location.holds_stock]
ITEMS = ["TEE", "CAP"]

items = st.sampled_from(ITEMS)
codes = st.sampled_from(CODES)
internal = st.sampled_from(INTERNAL)
# small whole numbers make exact matches (reserve all that is left) likely; decimals cover the rest
quantities = st.integers(min_value=1, max_value=8).map(Decimal) | st.decimals(
    min_value="0.001", max_value=20, places=3
)
owners = st.sampled_from(["o1", "o2", "o3"])


class LedgerMachine(RuleBasedStateMachine):
    stocked = Bundle("stocked")  # (item, location) that received stock
    reservations = Bundle("reservations")  # (owner, item, location) that were reserved

    @initialize()
    def start(self) -> None:
        self.ledger = Ledger(LOCATIONS)
        self.now = START
        self.accepted: list[StockMove] = []

    def _apply(self, move: StockMove) -> None:
        with contextlib.suppress(InsufficientStock):
            self.ledger.apply(move, self.now)
            self.accepted.append(move)

    # ``target`` is hypothesis's keyword for bundles, hence ``to``
    @rule(sku=items, source=codes, to=codes, qty=quantities, owner=st.none() | owners)
    def move(self, sku: str, source: str, to: str, qty: Decimal, owner: str | None) -> None:
        if source != to:
            self._apply(StockMove(sku, source, to, qty, MoveKind.TRANSFER, "", self.now, owner))

    @rule(target=stocked, sku=items, to=internal, qty=quantities)
    def receive(self, sku: str, to: str, qty: Decimal) -> tuple[str, str]:
        self._apply(StockMove(sku, "SUP", to, qty, MoveKind.RECEIPT, "", self.now))
        return sku, to

    @rule(
        target=reservations,
        place=stocked | st.tuples(items, internal),
        qty=quantities,
        owner=owners,
        minutes=st.none() | st.integers(min_value=1, max_value=30),
    )
    def reserve(
        self, place: tuple[str, str], qty: Decimal, owner: str, minutes: int | None
    ) -> tuple[str, str, str]:
        sku, location = place
        expiry = None if minutes is None else self.now + timedelta(minutes=minutes)
        with contextlib.suppress(InsufficientStock):
            self.ledger.reserve(sku, location, qty, owner, self.now, expires_at=expiry)
        return owner, sku, location

    @rule(target=reservations, place=stocked, owner=owners)
    def reserve_the_rest(self, place: tuple[str, str], owner: str) -> tuple[str, str, str]:
        # the edge that matters most: an order takes the last units
        sku, location = place
        available = self.ledger.balance(sku, location, self.now).available
        if available > 0:
            self.ledger.reserve(sku, location, available, owner, self.now)
        return owner, sku, location

    @rule(reservation=reservations, to=codes, qty=quantities)
    def ship_reserved(self, reservation: tuple[str, str, str], to: str, qty: Decimal) -> None:
        owner, sku, source = reservation
        if source != to:
            self._apply(StockMove(sku, source, to, qty, MoveKind.SHIPMENT, "", self.now, owner))

    @rule(owner=owners, sku=st.none() | items)
    def release(self, owner: str, sku: str | None) -> None:
        self.ledger.release(owner, self.now, item_sku=sku)

    @rule(minutes=st.integers(min_value=1, max_value=30))
    def wait(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @invariant()
    def on_hand_is_the_sum_of_accepted_moves(self) -> None:
        for sku in ITEMS:
            for code in CODES:
                net = sum(
                    (
                        move.quantity if move.to_location == code else -move.quantity
                        for move in self.accepted
                        if move.item_sku == sku and code in (move.from_location, move.to_location)
                    ),
                    Decimal(0),
                )
                assert self.ledger.balance(sku, code, self.now).on_hand == net
        assert self.ledger.moves == self.accepted

    @invariant()
    def internal_locations_never_show_negative_available(self) -> None:
        for sku in ITEMS:
            for code in INTERNAL:
                balance = self.ledger.balance(sku, code, self.now)
                assert balance.reserved >= 0
                assert balance.available >= 0


LedgerMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
test_any_sequence_keeps_on_hand_equal_to_moves_and_available_non_negative = LedgerMachine.TestCase
