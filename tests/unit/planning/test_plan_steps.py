"""The run's policy step over a snapshot: what reaches ``dynamic_policy`` (issue 12)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flexchain.planning.run import PlanItem, PlanParameters, Snapshot
from flexchain.planning.run_steps import ItemForecast, policy_of_items


def _snapshot(breaks: tuple[tuple[Decimal, Decimal], ...] = ()) -> Snapshot:
    snap = Snapshot(period_start=date(2026, 11, 23), horizon=8)
    snap.items = {1: PlanItem(1, "FAB", make=False, custom=False, unit_value=5.0)}
    snap.lead_days, snap.lot = {1: 14}, {1: (Decimal(0), Decimal(1))}
    if breaks:
        snap.price_breaks = {1: breaks}
    return snap


FORECAST = {1: ItemForecast([Decimal(10)] * 8, Decimal(2), "AutoETS", "smooth", "A", "X")}


def test_the_policy_step_prices_lots_by_the_suppliers_price_breaks() -> None:
    # given 10 a week at 5 each: the EOQ-based lot is about 173
    plain = policy_of_items(_snapshot(), FORECAST, PlanParameters())[1]
    assert plain.order_quantity < 200 and plain.row["unit_price"] == 5.0
    # when the supplier sells 500 and more at 3 each
    priced = policy_of_items(_snapshot(((Decimal(500), Decimal(3)),)), FORECAST, PlanParameters())
    # then the policy orders the break quantity at the break price (least cost per period)
    assert priced[1].order_quantity == Decimal(500)
    assert priced[1].row["unit_price"] == 3.0 and priced[1].row["price_break_quantity"] == 500
