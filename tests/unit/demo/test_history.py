"""The demo's generated buying history happens before its ``now``: nothing received,
confirmed, answered or changed in the future."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flexchain.demo import DemoData
from flexchain.demo.history import history, partner_events


@pytest.mark.parametrize("days", range(0, 28, 3), ids=lambda d: f"now+{d}d")
def test_no_demo_history_event_lies_after_now(demo: DemoData, days: int) -> None:
    # given the demo company's suppliers and terms, replayed up to a day in December
    now = datetime(2025, 12, 4, 12, tzinfo=UTC) + timedelta(days=days)
    suppliers, offers = demo.rows("suppliers"), demo.rows("item-suppliers")
    # when its history is generated
    orders, rfqs = history(suppliers, offers, now=now)
    events = partner_events(suppliers, offers, orders, now=now)
    # then every order, award, answer and change happened by now
    awards = [r.award for r in rfqs if r.award is not None]
    for po in orders + awards:
        assert po.issued_at <= now and po.confirmed_at <= now, po
        assert po.received_at is None or po.received_at <= now, po
        assert po.received_at is not None or not po.rejected, po
    assert all(a[1] <= now for r in rfqs for a in r.answers)
    assert all(c.answered_at <= now for c in events.changes)
    # and an award not yet arrived is open, not received ahead of its day
    assert awards


@pytest.mark.parametrize("seed", range(7, 15))
def test_no_demo_order_rejects_more_than_arrived(demo: DemoData, seed: int) -> None:
    # given the demo's history drawn with another seed (seeds 8 and 9 once rejected more units
    # of an awarded RFQ than it ordered: the rejects were drawn on another quantity)
    now = datetime(2025, 12, 4, 12, tzinfo=UTC)
    orders, rfqs = history(demo.rows("suppliers"), demo.rows("item-suppliers"), now=now, seed=seed)
    # then no order or award rejects more than it ordered
    for po in orders + [r.award for r in rfqs if r.award is not None]:
        assert 0 <= po.rejected <= po.quantity, po
