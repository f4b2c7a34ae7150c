"""Each KPI formula on hand-computed data (docs/control-tower.md, Overview)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain import kpis as f
from flexchain.domain.errors import ValidationError
from flexchain.domain.kpi_specs import DEFAULT_TARGETS, SPECS, meets, targets_of

D = Decimal
WEEK = f.Span(date(2026, 11, 2), date(2026, 11, 8))
TODAY = date(2026, 11, 8)


def order(number: str, promised: int | None, shipped: int | None, **more: object) -> f.OrderFact:
    """An order placed on 1 November; promise and ship days in November."""
    return f.OrderFact(
        number,
        date(2026, 11, 1),
        None if promised is None else date(2026, 11, promised),
        None if shipped is None else date(2026, 11, shipped),
        **more,  # type: ignore[arg-type]
    )


def test_weeks_ending_gives_seven_day_spans_oldest_first() -> None:
    weeks = f.weeks_ending(date(2026, 12, 6), 3)
    assert [(w.start, w.end) for w in weeks] == [
        (date(2026, 11, 16), date(2026, 11, 22)),
        (date(2026, 11, 23), date(2026, 11, 29)),
        (date(2026, 11, 30), date(2026, 12, 6)),
    ]
    with pytest.raises(ValidationError, match="weeks"):
        f.weeks_ending(date(2026, 12, 6), 0)


def test_otif_counts_orders_due_by_today_shipped_by_their_promise() -> None:
    orders = [
        order("on-time", 3, 3),
        order("early", 4, 2),
        order("late", 5, 6),
        order("not-shipped", 6, None),
        order("due-after-today", 9, None),  # outside the span
        order("no-promise", None, 4),
    ]
    measure = f.otif(orders, WEEK, today=TODAY)
    assert measure == f.Measure(D(50), 4)  # 2 of 4 due


def test_otif_ignores_promises_after_today() -> None:
    measure = f.otif([order("open", 7, None)], WEEK, today=date(2026, 11, 6))
    assert measure == f.Measure(None, 0)


def test_custom_fulfilment_is_otif_of_custom_orders_only() -> None:
    orders = [order("plain-late", 3, 5), order("custom-ok", 3, 3, custom=True)]
    assert f.custom_fulfilment(orders, WEEK, today=TODAY) == f.Measure(D(100), 1)


def test_lead_time_uses_delivery_else_shipping_day() -> None:
    delivered = order("a", None, 3, delivered=date(2026, 11, 7))  # 6 days
    shipped = order("b", None, 5)  # 4 days
    elsewhere = order("c", None, 20)
    assert f.order_lead_time([delivered, shipped, elsewhere], WEEK) == f.Measure(D(5), 2)


def test_gross_margin_per_order_counts_costed_orders_in_the_currency() -> None:
    orders = [
        order("a", None, 3, revenue=D("100"), cost=D("60")),
        order("b", None, 4, revenue=D("50"), cost=D("40")),
        order("no-cost", None, 4, revenue=D("80"), cost=None),
        order("usd", None, 4, revenue=D("80"), cost=D("1"), currency="USD"),
    ]
    assert f.gross_margin_per_order(orders, WEEK, "EUR") == f.Measure(D(25), 2)


def test_design_to_production_from_catalogue_to_first_job() -> None:
    launches = [
        f.LaunchFact("NEW-1", date(2026, 10, 4), date(2026, 11, 3)),  # 30 days
        f.LaunchFact("NEW-2", date(2026, 10, 25), date(2026, 11, 4)),  # 10 days
        f.LaunchFact("OLD", date(2026, 1, 1), date(2026, 3, 1)),
    ]
    assert f.design_to_production(launches, WEEK) == f.Measure(D(20), 2)


def test_design_to_production_counts_only_new_products() -> None:
    # given a product entered in the catalogue after its first job had started (a catalogue
    # imported once production had begun) and one designed before its first job
    launches = [
        f.LaunchFact("LATE", date(2026, 11, 20), date(2026, 11, 3)),
        f.LaunchFact("NEW", date(2026, 10, 4), date(2026, 11, 3)),
        f.LaunchFact("SAME-DAY", date(2026, 11, 4), date(2026, 11, 4)),
    ]
    # then only those entered by their first job's day count
    assert [x.sku for x in launches if x.new] == ["NEW", "SAME-DAY"]
    assert f.design_to_production(launches, WEEK) == f.Measure(D(15), 2)
    # and none new: no figure, never a negative one
    assert f.design_to_production(launches[:1], WEEK) == f.Measure(None, 0)


def steady(sku: str, on_hand: str, cost: str | None, per_week: str, arrived: str = "0"):
    out = (D(per_week),) * f.HEALTH_WEEKS
    return f.StockFact(sku, D(on_hand), None if cost is None else D(cost), out, D(arrived))


def test_turns_and_cover_from_thirteen_weeks_of_outflow_at_standard_cost() -> None:
    # 13 weeks x 10 units x 2 EUR = 260 EUR out; stock 100 x 2 = 200 EUR
    stock = [steady("A", "100", "2", "10", "100"), steady("UNCOSTED", "5", None, "9")]
    turns = f.inventory_turns(stock)
    assert turns.value == D(260) * 52 / 13 / 200  # 5.2 a year
    cover = f.days_of_cover(stock)
    assert cover.value == D(200) / (D(260) / 91)  # 70 days
    assert turns.count == cover.count == 1


def test_cover_without_outflow_is_no_data() -> None:
    assert f.days_of_cover([steady("A", "10", "2", "0")]).value is None
    assert f.inventory_turns([steady("A", "0", "2", "0")]).value is None


def test_health_parts_name_each_share() -> None:
    slow = f.health_parts(steady("S", "10", "1", "0", "10"))
    assert (slow.slow, slow.overstock, slow.volatile, slow.aged) == (True, True, False, D(0))
    aged = f.health_parts(steady("A", "10", "1", "5", "4"))
    assert (aged.slow, aged.aged, aged.overstock) == (False, D(6), False)
    lumpy = (D(0),) * 12 + (D(13),)
    volatile = f.health_parts(f.StockFact("V", D(1), D(1), lumpy, D(1)))
    assert volatile.volatile and not volatile.overstock


def test_inventory_health_index_weighs_shares_by_value() -> None:
    fresh = steady("FRESH", "10", "3", "5", "10")  # 30 EUR, healthy
    slow = steady("SLOW", "10", "1", "0", "10")  # 10 EUR: slow and overstock
    # penalty = 10 (slow) + 10 (overstock) over 40 EUR: 100 - 25 x 0.5
    assert f.inventory_health([fresh, slow]) == f.Measure(D("87.5"), 2)
    assert f.inventory_health([steady("X", "0", "1", "1")]).value is None


def test_stock_facts_rebuild_stock_at_a_past_day_from_the_ledger() -> None:
    end = date(2026, 11, 8)
    moves = [
        f.BoundaryMove(1, end - timedelta(days=3), D(-4), True, False),  # sold in the last week
        f.BoundaryMove(1, end - timedelta(days=100), D(20), False, True),  # arrived long ago
        f.BoundaryMove(1, end - timedelta(days=10), D(6), False, True),  # arrived recently
        f.BoundaryMove(1, end + timedelta(days=2), D(-5), True, False),  # after the day
    ]
    fact = f.stock_facts({1: D(17)}, moves, {1: "A"}, {1: D(2)}, end)[0]
    assert fact.on_hand == D(22)
    assert fact.weekly_out[-1] == D(4) and sum(fact.weekly_out) == D(4)
    assert fact.received_recent == D(6)


def test_forecast_accuracy_and_bias_from_the_weeks_errors() -> None:
    points = [
        f.ForecastPoint(date(2026, 11, 2), D(8), D(10)),
        f.ForecastPoint(date(2026, 11, 2), D(12), D(10)),
        f.ForecastPoint(date(2026, 11, 9), D(100), D(0)),  # another week
    ]
    assert f.forecast_accuracy(points, WEEK) == f.Measure(D(80), 2)
    assert f.forecast_bias(points, WEEK) == f.Measure(D(0), 2)
    over = [f.ForecastPoint(date(2026, 11, 3), D(10), D(12))]
    assert f.forecast_bias(over, WEEK).value == D(20)
    assert f.forecast_accuracy([f.ForecastPoint(date(2026, 11, 3), D(0), D(3))], WEEK).value is None


def test_cash_conversion_is_inventory_days_less_payable_days() -> None:
    paid = [
        f.PaymentFact("INV-1", "CUT", date(2026, 10, 4), date(2026, 11, 3)),  # 30
        f.PaymentFact("INV-2", "CUT", date(2026, 10, 25), date(2026, 11, 4)),  # 10
    ]
    payable = f.payables_days(paid, WEEK)
    assert payable == f.Measure(D(20), 2)
    assert f.cash_conversion_days(D(70), payable.value) == D(50)
    assert f.cash_conversion_days(None, D(20)) is None


@pytest.mark.parametrize(
    ("key", "value", "target", "expected"),
    [
        ("otif", D(96), D(95), True),
        ("otif", D(94), D(95), False),
        ("days_of_cover", D(61), D(60), False),
        ("forecast_bias", D(-9), D(10), True),
        ("forecast_bias", D(-11), D(10), False),
        ("otif", None, D(95), None),
        ("gross_margin_per_order", D(5), None, None),
    ],
    ids=["above", "below", "at-most", "within", "outside", "no-value", "no-target"],
)
def test_meets_follows_the_targets_direction(key, value, target, expected) -> None:
    assert meets(key, value, target) is expected


def test_targets_override_defaults_and_refuse_unknown_keys() -> None:
    targets = targets_of({"otif": "97"})
    assert (
        targets["otif"] == D(97)
        and targets["forecast_accuracy"] == DEFAULT_TARGETS["forecast_accuracy"]
    )
    with pytest.raises(ValidationError, match="unknown KPI 'otf'"):
        targets_of({"otf": 1})
    with pytest.raises(ValidationError, match="otif: 'lots' is not a number"):
        targets_of({"otif": "lots"})
    assert set(DEFAULT_TARGETS) <= set(SPECS)


@given(
    st.lists(st.tuples(st.integers(1, 8), st.one_of(st.none(), st.integers(1, 12))), max_size=30)
)
def test_otif_is_a_share_between_0_and_100(pairs: list[tuple[int, int | None]]) -> None:
    orders = [order(str(i), p, s) for i, (p, s) in enumerate(pairs)]
    measure = f.otif(orders, WEEK, today=TODAY)
    assert measure.value is None or D(0) <= measure.value <= D(100)
    assert measure.count == sum(1 for p, _ in pairs if 2 <= p <= 8)


def test_perfect_orders_are_on_time_in_full_with_no_issue_reported() -> None:
    on_time = order("1", 4, 3)
    damaged = order("2", 4, 3, issues=("damaged",))
    late = order("3", 4, 6)
    rate = f.perfect_order_rate([on_time, damaged, late], WEEK, today=TODAY)
    assert rate == f.Measure(D(100) / 3, 3)
    assert f.perfect(on_time) and not f.perfect(damaged) and not f.perfect(late)


@given(
    st.lists(
        st.tuples(st.integers(1, 8), st.one_of(st.none(), st.integers(1, 12)), st.booleans()),
        max_size=30,
    )
)
def test_the_perfect_order_rate_is_never_above_otif(
    cases: list[tuple[int, int | None, bool]],
) -> None:
    orders = [
        order(str(i), p, s, issues=("incomplete",) if issue else ())
        for i, (p, s, issue) in enumerate(cases)
    ]
    perfect = f.perfect_order_rate(orders, WEEK, today=TODAY)
    otif = f.otif(orders, WEEK, today=TODAY)
    assert perfect.count == otif.count
    assert perfect.value is None or (otif.value is not None and perfect.value <= otif.value)


def test_forecast_accuracy_from_weekly_sums_equals_the_one_from_points() -> None:
    # given stored forecasts of two weeks, one week without demand
    points = [
        f.ForecastPoint(date(2026, 11, 2), D(8), D(10)),
        f.ForecastPoint(date(2026, 11, 2), D(12), D("10.5")),
        f.ForecastPoint(date(2026, 11, 9), D(0), D(3)),
    ]
    weeks = [
        f.ForecastWeek(date(2026, 11, 2), 2, D(20), D("3.5"), D("0.5")),
        f.ForecastWeek(date(2026, 11, 9), 1, D(0), D(3), D(3)),
    ]
    # then the figures added up per week are the point-by-point ones, over any span
    both = f.Span(date(2026, 11, 2), date(2026, 11, 15))
    for span in (WEEK, both, f.Span(date(2026, 11, 9), date(2026, 11, 15))):
        assert f.weekly_forecast_accuracy(weeks, span) == f.forecast_accuracy(points, span)
        assert f.weekly_forecast_bias(weeks, span) == f.forecast_bias(points, span)
    assert f.weekly_forecast_accuracy(weeks, both).value == D("67.5")
