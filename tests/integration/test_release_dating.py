"""A planned purchase released late is due when its supplier can deliver, and a draft order —
never sent — counts for nothing in the supplier's delivery record (both databases)."""

from __future__ import annotations

from datetime import timedelta

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import plan_release, purchase_orders, scorecards
from tests.integration.test_plan_release import NOW, TODAY, UowFactory, build_release_world


def _release(make_uow: UowFactory, now_days: int, numbers: list[int]) -> str:
    with make_uow(actor="ana") as uow:
        done = plan_release.release_planned(
            uow, plan_numbers=numbers, to="po", suppliers=["SEW-PT"],
            now=NOW + timedelta(days=now_days),
        )  # fmt: skip
        uow.commit()
    return done.references[0]


def test_a_late_release_is_due_after_the_lead_time(make_uow: UowFactory) -> None:
    # given canvas planned due in 9 days, from SEW-PT whose lead time for it is 7 days
    build_release_world(make_uow)
    # when it is released 5 days late (the plan was not looked at)
    number = _release(make_uow, 5, [1])
    # then its line is due when SEW-PT can deliver: 5 + 7 = 12 days, not the plan's 9
    with make_uow(write=False) as uow:
        po = purchase_orders.show_po(uow, number)
    assert [line.due_date for line in po.lines] == [TODAY + timedelta(days=12)]


def test_a_draft_order_is_no_late_delivery_until_it_is_sent(make_uow: UowFactory) -> None:
    # given canvas released on time into a draft PO to SEW-PT, due in 9 days
    build_release_world(make_uow)
    number = _release(make_uow, 0, [1])
    later = TODAY + timedelta(days=20)  # eleven days after its due day

    def lines(uow: UnitOfWork) -> list[tuple[str, int | None]]:
        found = scorecards.deliveries(uow, since=TODAY, until=later, today=later)
        return [(d.po_number, d.delay_days) for d in found if d.po_number == number]

    # when the deliveries are read after its due day, it still a draft
    with make_uow(write=False) as uow:
        assert lines(uow) == []
    # then once sent it is a delivery, and late
    with make_uow() as uow:
        purchase_orders.issue_po(uow, number, now=NOW)
        uow.commit()
    with make_uow(write=False) as uow:
        assert lines(uow) == [(number, 11)]
