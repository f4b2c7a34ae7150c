"""MRP: netting, lot sizing, lead-time offset, multi-level explosion, postponement, pegging."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.domain.bom import BomLine
from flexchain.domain.errors import BomCycleError
from flexchain.planning.mrp import Demand, MrpItem, Receipt, mrp, pegged_total


def _plan(orders: list) -> list[tuple[str, int, int, Decimal]]:  # type: ignore[type-arg]
    return [(o.item, o.release_period, o.due_period, o.quantity) for o in orders]


def test_lot_for_lot_nets_on_hand_and_offsets_by_lead_time() -> None:
    # given 10 on hand, demand 5, 10, 0, 8 and one period of lead time
    result = mrp(
        [MrpItem("FAB", lead_time=1, on_hand=10)],
        [],
        [Demand("FAB", t, q) for t, q in enumerate([5, 10, 0, 8])],
        horizon=4,
    )
    # then the shortfalls of periods 1 and 3 are ordered one period earlier
    assert _plan(result.planned) == [("FAB", 0, 1, Decimal(5)), ("FAB", 2, 3, Decimal(8))]
    assert [o.pegs for o in result.planned] == [
        (("forecast", Decimal(5)),),
        (("forecast", Decimal(8)),),
    ]
    assert result.exceptions == []


def test_minimum_and_multiple_round_up_and_the_excess_is_pegged_to_the_lot_size() -> None:
    result = mrp([MrpItem("ZIP", moq=20, multiple=5)], [], [Demand("ZIP", 0, 7)], horizon=2)
    (order,) = result.planned
    assert order.quantity == 20
    assert order.pegs == (("forecast", Decimal(7)), ("lot_size", Decimal(13)))
    assert [(e.kind, e.period) for e in result.exceptions] == [("below_moq", 0)]


def test_lot_size_excess_covers_later_periods_before_ordering_again() -> None:
    result = mrp(
        [MrpItem("ZIP", multiple=10)], [], [Demand("ZIP", 0, 4), Demand("ZIP", 1, 5)], horizon=2
    )
    assert _plan(result.planned) == [("ZIP", 0, 0, Decimal(10))]


def test_an_order_needed_before_its_lead_time_is_late() -> None:
    result = mrp([MrpItem("DYE", lead_time=3)], [], [Demand("DYE", 1, 4, "order:#1001")], horizon=4)
    (order,) = result.planned
    assert (order.release_period, order.due_period) == (-2, 1)
    late, short = sorted(result.exceptions, key=lambda e: e.kind)
    assert late.kind == "late" and "arrives in period 3" in late.message
    assert short.kind == "short"  # nothing covers the 4 of period 1 before period 3


def test_safety_stock_is_rebuilt_and_pegged_as_such() -> None:
    result = mrp([MrpItem("BOX", on_hand=5, safety_stock=8)], [], [Demand("BOX", 0, 2)], horizon=1)
    (order,) = result.planned
    assert order.pegs == (("safety_stock", Decimal(3)), ("forecast", Decimal(2)))


def test_scheduled_receipts_are_netted() -> None:
    result = mrp(
        [MrpItem("FAB")],
        [],
        [Demand("FAB", 1, 30)],
        [Receipt("FAB", 1, 25, "po:PO-7")],
        horizon=2,
    )
    assert _plan(result.planned) == [("FAB", 1, 1, Decimal(5))]


def test_components_are_exploded_with_scrap_in_exact_thousandths() -> None:
    # given a jacket made of 1.85 m of fabric with 3 % scrap, 9 jackets due in period 2
    bom = [BomLine("JKT", "FAB", Decimal("1.85"), scrap_pct=Decimal(3))]
    items = [MrpItem("JKT", lead_time=1, make=True), MrpItem("FAB", lead_time=1, multiple="0.001")]
    result = mrp(items, bom, [Demand("JKT", 2, 9, "order:#7")], horizon=3)
    jacket, fabric = result.planned
    assert (jacket.kind, jacket.release_period, jacket.quantity) == ("production", 1, 9)
    # 9 x 1.85 / 0.97 = 17.164948... -> 17.165 m, due when the jacket order is released
    assert (fabric.kind, fabric.due_period, fabric.quantity) == ("purchase", 1, Decimal("17.165"))
    assert fabric.pegs == ((f"planned:{jacket.id}", Decimal("17.165")),)
    assert result.gross["FAB"] == [0, Decimal("17.165"), 0]


def test_postponement_custom_modules_only_follow_firm_demand() -> None:
    # given a bag of a standard body and a custom engraving; a forecast of 10 and an order of 3
    bom = [BomLine("BAG", "BODY", Decimal(1)), BomLine("BAG", "ENGRAVE", Decimal(1))]
    items = [MrpItem("BAG", make=True), MrpItem("BODY"), MrpItem("ENGRAVE", custom=True)]
    demand = [Demand("BAG", 0, 10), Demand("BAG", 0, 3, "order:#42"), Demand("ENGRAVE", 1, 5)]
    result = mrp(items, bom, demand, horizon=2)
    planned = {(o.item, o.due_period): o.quantity for o in result.planned}
    # then the body is planned for all 13, the engraving for the 3 ordered only (its own
    # forecast of 5 is ignored too)
    assert planned == {("BAG", 0): 13, ("BODY", 0): 13, ("ENGRAVE", 0): 3}


def test_multi_level_items_are_netted_after_all_their_parents() -> None:
    # FAB is used directly by JKT and through HOOD: both requirements land before FAB is netted
    bom = [
        BomLine("JKT", "HOOD", Decimal(1)),
        BomLine("JKT", "FAB", Decimal(2)),
        BomLine("HOOD", "FAB", Decimal("0.5")),
    ]
    items = [MrpItem("JKT", make=True), MrpItem("HOOD", make=True), MrpItem("FAB", moq=50)]
    result = mrp(items, bom, [Demand("JKT", 0, 10)], horizon=1)
    fab = [o for o in result.planned if o.item == "FAB"]
    assert len(fab) == 1 and fab[0].quantity == 50
    assert sum(q for s, q in fab[0].pegs if s.startswith("planned:")) == 25


def test_a_bom_cycle_is_refused_with_its_path() -> None:
    bom = [BomLine("A", "B", Decimal(1)), BomLine("B", "A", Decimal(1))]
    with pytest.raises(BomCycleError):
        mrp([], bom, [], horizon=1)


@settings(max_examples=150, deadline=None)
@given(
    demand=st.lists(st.integers(0, 40), min_size=1, max_size=8),
    on_hand=st.integers(0, 60),
    safety=st.integers(0, 20),
    moq=st.integers(0, 30),
    multiple=st.integers(1, 12),
    lead_time=st.integers(0, 3),
    receipt=st.tuples(st.integers(0, 7), st.integers(0, 30)),
)
def test_planned_orders_respect_lots_pegs_and_never_appear_without_need(
    demand: list[int],
    on_hand: int,
    safety: int,
    moq: int,
    multiple: int,
    lead_time: int,
    receipt: tuple[int, int],
) -> None:
    horizon = len(demand)
    item = MrpItem(
        "X", lead_time=lead_time, moq=moq, multiple=multiple, safety_stock=safety, on_hand=on_hand
    )
    receipts = [Receipt("X", receipt[0], receipt[1], "po:1")]
    result = mrp(
        [item], [], [Demand("X", t, q) for t, q in enumerate(demand)], receipts, horizon=horizon
    )
    stock = on_hand
    due = {o.due_period: o for o in result.planned}
    for period, quantity in enumerate(demand):
        order = due.get(period)
        if order is not None:
            # lot sizes respect MOQ and multiples; pegs add up exactly
            assert order.quantity >= moq and order.quantity % multiple == 0
            assert pegged_total(order) == order.quantity
            # no planned order without a net requirement in its period
            assert any(source != "lot_size" for source, _ in order.pegs)
            assert stock + (receipt[1] if receipt[0] == period else 0) - quantity < safety
            stock += int(order.quantity)
        stock += receipt[1] if receipt[0] == period else 0
        stock -= quantity
        # projected stock never ends a period below safety stock
        assert stock >= safety or period == -1


@settings(max_examples=60, deadline=None)
@given(
    weekly=st.dictionaries(
        st.sampled_from(["BAG", "BODY", "ENGRAVE"]),
        st.lists(st.integers(0, 20), min_size=1, max_size=6),
        max_size=3,
    ),
    orders=st.lists(
        st.tuples(st.sampled_from(["BAG", "BODY"]), st.integers(0, 3), st.integers(1, 9)),
        max_size=4,
    ),
)
def test_a_forecast_mapping_plans_exactly_like_forecast_demand(
    weekly: dict[str, list[int]], orders: list[tuple[str, int, int]]
) -> None:
    """``forecast=`` is a shortcut for one ``Demand(item, period, quantity)`` per period."""
    bom = [BomLine("BAG", "BODY", Decimal(1)), BomLine("BAG", "ENGRAVE", Decimal("0.5"))]
    items = [
        MrpItem("BAG", make=True, lead_time=1),
        MrpItem("BODY", moq=5),
        MrpItem("ENGRAVE", custom=True),
    ]
    firm = [Demand(item, p, q, f"order:{n}") for n, (item, p, q) in enumerate(orders)]
    spelled = firm + [Demand(i, p, q) for i, qs in weekly.items() for p, q in enumerate(qs)]
    expected = mrp(items, bom, spelled, horizon=4)
    actual = mrp(items, bom, firm, horizon=4, forecast=weekly)
    assert actual.planned == expected.planned
    assert actual.exceptions == expected.exceptions
    assert actual.gross == expected.gross


# --- issue 12: short, locations and transfers --------------------------------------------------


def test_demand_no_stock_covers_before_the_lead_time_is_short() -> None:
    # given 5 on hand, 4 a week and 3 weeks of lead time: weeks 0-2 need 12, stock covers 5
    result = mrp(
        [MrpItem("FAB", lead_time=3, on_hand=5)],
        [],
        [Demand("FAB", week, 4) for week in range(6)],
        horizon=6,
    )
    (short,) = [e for e in result.exceptions if e.kind == "short"]
    # then short from week 1 (5 - 8 < 0), by 7 at worst (5 - 12) before week 3
    assert (short.item, short.period) == ("FAB", 1)
    assert short.message.startswith("short 7:")


def test_safety_stock_alone_is_not_short() -> None:
    # below safety stock but never below zero: late, not short
    result = mrp(
        [MrpItem("FAB", lead_time=2, on_hand=5, safety_stock=4)],
        [],
        [Demand("FAB", 0, 3)],
        horizon=4,
    )
    assert {e.kind for e in result.exceptions} == {"late"}


def test_surplus_at_another_location_is_transferred_before_buying() -> None:
    # given 30 tees wanted in Porto, none there, and 100 in Lisbon (home) needing 20
    items = [
        MrpItem("TEE", lead_time=2, on_hand=100),
        MrpItem("TEE", lead_time=2, location="OPO"),
    ]
    demand = [
        Demand("TEE", 1, 30, "order:#7", location="OPO"),
        Demand("TEE", 2, 20, "order:#8"),
    ]
    result = mrp(items, [], demand, horizon=4)
    # then 30 move from Lisbon to Porto, pegged to the order, and nothing is bought
    (transfer,) = result.planned
    assert (transfer.kind, transfer.from_location, transfer.location) == ("transfer", "", "OPO")
    assert (transfer.due_period, transfer.quantity) == (1, Decimal(30))
    assert transfer.pegs == (("order:#7", Decimal(30)),)
    # and Lisbon's gross requirements show what it sends
    assert result.gross["TEE"][1] == Decimal(30) and result.gross["TEE@OPO"][1] == Decimal(30)
    assert not [e for e in result.exceptions if e.kind in ("short", "late")]


def test_only_what_other_locations_do_not_need_is_transferred() -> None:
    # given Lisbon holds 50 but needs 40 of it plus 5 safety stock: 5 surplus
    items = [
        MrpItem("TEE", lead_time=1, on_hand=50, safety_stock=5),
        MrpItem("TEE", lead_time=1, location="OPO"),
    ]
    demand = [Demand("TEE", 0, 40), Demand("TEE", 2, 12, "order:#9", location="OPO")]
    result = mrp(items, [], demand, horizon=4)
    kinds = {(o.kind, o.location, o.quantity) for o in result.planned}
    # then 5 are transferred and the other 7 bought for Porto; Lisbon orders nothing
    assert kinds == {("transfer", "OPO", Decimal(5)), ("purchase", "OPO", Decimal(7))}
    purchase = next(o for o in result.planned if o.kind == "purchase")
    assert purchase.pegs == (("order:#9", Decimal(7)),)


def test_components_are_needed_at_their_parents_location() -> None:
    bom = [BomLine("JKT", "FAB", Decimal(2))]
    items = [MrpItem("JKT", make=True, location="OPO"), MrpItem("FAB", on_hand=100)]
    result = mrp(items, bom, [Demand("JKT", 0, 3, "order:#1", location="OPO")], horizon=2)
    fab = [o for o in result.planned if o.item == "FAB"]
    # the fabric for Porto's jackets comes from Lisbon's surplus
    assert [(o.kind, o.from_location, o.location, o.quantity) for o in fab] == [
        ("transfer", "", "OPO", Decimal(6))
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=4, max_size=4),
    st.lists(st.integers(0, 40), min_size=4, max_size=4),
    st.integers(0, 120),
    st.integers(0, 120),
)
def test_transfers_never_take_a_location_below_its_own_needs(
    home: list[int], away: list[int], home_stock: int, away_stock: int
) -> None:
    items = [
        MrpItem("TEE", lead_time=1, on_hand=home_stock, safety_stock=3),
        MrpItem("TEE", lead_time=1, on_hand=away_stock, location="OPO"),
    ]
    demand = [Demand("TEE", w, q) for w, q in enumerate(home)]
    demand += [Demand("TEE", w, q, location="OPO") for w, q in enumerate(away)]
    result = mrp(items, [], demand, horizon=4)
    for order in result.planned:
        assert pegged_total(order) == order.quantity
    # a location that sends stock never needs an order of its own
    senders = {o.from_location for o in result.planned if o.kind == "transfer"}
    for location in senders:
        assert not [o for o in result.planned if o.kind != "transfer" and o.location == location]
    # every unit is accounted for at each location: projected stock never below zero at the end
    for location, stock, weekly in (("", home_stock, home), ("OPO", away_stock, away)):
        incoming = sum(o.quantity for o in result.planned if o.location == location)
        outgoing = sum(
            o.quantity
            for o in result.planned
            if o.kind == "transfer" and o.from_location == location
        )
        assert stock + incoming - outgoing - sum(weekly) >= 0


def test_nothing_to_plan_plans_nothing() -> None:
    # a company with no items yet (a first `flexchain plan`): no orders, no crash
    result = mrp([], [], [], [], horizon=4)
    assert result.planned == [] and result.exceptions == []
