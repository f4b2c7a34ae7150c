"""A snoozed planned order stays hidden when the plan is run again, on both databases: Today
keys a planned order by what stays the same across runs (kind, item, place, due week), not by
the run's numbering, which a new run renews; it shows again on the snooze's day. Keys of the
old form (``planned_order:RUN:NUMBER``) are still taken for the current plan and refused for an
earlier one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

import pytest
from sqlalchemy import Engine, select

from flexchain.adapters.db.tables import AuditRow
from flexchain.adapters.db.tables.decisions import DecisionSnoozeRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import NotFound
from flexchain.domain.today import Decision
from flexchain.services import plan_reports, planning, today
from flexchain.services.demo import generate_demo, load_demo

SETTINGS = Settings(database_url="sqlite://", outbox_worker=False)


@dataclass(frozen=True)
class Demo:
    engine: Engine
    now: datetime


@pytest.fixture
def demo(engine: Engine) -> Iterator[Demo]:
    """The small demo company, planned over 8 weeks."""
    data = generate_demo(items=12, seed=3, weeks=26)
    now = datetime.combine(data.today, clock_time(8), tzinfo=UTC)
    load_demo(engine, data, now=now)
    planning.run_plan(engine, now=now, horizon=8)
    yield Demo(engine, now)


def _inbox(demo: Demo, at: datetime | None = None) -> list[Decision]:
    with UnitOfWork(demo.engine, write=False) as uow:
        return today.decision_inbox(
            uow, now=at or demo.now, settings=SETTINGS, kind="planned_order"
        )


def _purchases(demo: Demo) -> dict[str, Decision]:
    return {d.key: d for d in _inbox(demo) if d.title.startswith("Planned purchase")}


def _act(demo: Demo, key: str, action: str, **kw: object) -> str:
    with UnitOfWork(demo.engine, actor="user:ana") as uow:
        done = today.act(uow, key, action, now=demo.now, settings=SETTINGS, role="planner", **kw)  # type: ignore[arg-type]
        uow.commit()
    return done


def test_a_snoozed_planned_purchase_stays_hidden_after_the_plan_runs_again(demo: Demo) -> None:
    # given two planned purchases due for release, keyed by kind, item and due week
    before = _purchases(demo)
    first, second = sorted(before.values(), key=lambda d: d.key)[:2]
    assert first.key.startswith("planned_order:purchase:") and "-W" in first.key
    with UnitOfWork(demo.engine, write=False) as uow:
        old_run = plan_reports.current_run(uow).id
    until = demo.now.date() + timedelta(days=3)

    # when the planner snoozes one by its key, the other by its key of old (RUN:NUMBER)
    done = _act(demo, first.key, "snooze", until=until, reason="waiting for the new price")
    assert done.endswith(f"snoozed until {until}")
    _act(demo, f"planned_order:{old_run}:{second.ref}", "snooze", until=until, reason="later")
    # and the plan is run again over 12 weeks: its planned orders are numbered anew
    planning.run_plan(demo.engine, now=demo.now + timedelta(minutes=5), horizon=12)

    # then both stay hidden, though the same planned purchases are due under new numbers
    after = _purchases(demo)
    assert first.key not in after and second.key not in after
    on_the_day = {
        d.key: d for d in _inbox(demo, datetime.combine(until, clock_time(8), tzinfo=UTC))
    }
    assert {first.key, second.key} <= set(on_the_day)
    renumbered = {on_the_day[first.key].ref, on_the_day[second.key].ref}
    assert renumbered != {first.ref, second.ref}
    assert not renumbered & {d.ref for d in after.values()}  # hidden under their new numbers too
    # and the snoozes are stored (and audited) under the keys that hold across runs
    with UnitOfWork(demo.engine, write=False) as uow:
        stored = set(uow.session.scalars(select(DecisionSnoozeRow.key)))
        audited = set(
            uow.session.scalars(select(AuditRow.entity_key).where(AuditRow.entity == "decision"))
        )
    assert stored == audited == {first.key, second.key}


def test_a_key_of_old_acts_on_the_current_plan_and_is_refused_for_an_earlier_one(
    demo: Demo,
) -> None:
    # given the current plan's planned purchases, and the plan run again
    with UnitOfWork(demo.engine, write=False) as uow:
        old_run = plan_reports.current_run(uow).id
    entry = next(iter(_purchases(demo).values()))
    planning.run_plan(demo.engine, now=demo.now + timedelta(minutes=5), horizon=12)
    # then a key of old naming the earlier plan is refused, saying why
    with pytest.raises(NotFound, match=f"plan {old_run}, not of the current plan"):
        _act(demo, f"planned_order:{old_run}:{entry.ref}", "snooze", until=demo.now.date()
             + timedelta(days=2), reason="later")  # fmt: skip
    # and one naming the current plan acts on that planned order
    now = _purchases(demo)[entry.key]
    with UnitOfWork(demo.engine, write=False) as uow:
        run = plan_reports.current_run(uow).id
    done = _act(demo, f"planned_order:{run}:{now.ref}", "snooze",
                until=demo.now.date() + timedelta(days=2), reason="later")  # fmt: skip
    assert done.startswith(now.title) and entry.key not in _purchases(demo)
