"""The demo's activity after its buying history: past planning runs, the last twelve weeks of
web-shop orders (:mod:`flexchain.services.demo_orders`), and a current plan.

Forecast accuracy measures the forecasts earlier runs stored against the demand that followed,
so the demo plans as a planner who plans every two weeks would have: :func:`run_plan` (the code
of ``flexchain plan``) at past days. A run at a past ``now`` reads the demand history and the
stored forecasts of the weeks before its own only (``load_demand`` and the snapshot take its
day), so the forecasts it stores are what it could have known then; its stock, open purchase
orders and jobs are the database's of today (nothing records them as of a past day). The past
runs therefore come before the orders are replayed (an order placed after a run's day is not
in its snapshot), the current one after them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flexchain.adapters.db.engine import Engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.demo import DemoData
from flexchain.domain.errors import NotFound
from flexchain.services import plan_reports
from flexchain.services.demo_orders import SalesSummary, replay_sales
from flexchain.services.planning import run_plan

__all__ = ["PAST_PLANS", "PLAN_EVERY", "Activity", "replay_activity"]

PAST_PLANS = 5
"""Past runs: every :data:`PLAN_EVERY` weeks before today (ten weeks back at most)."""
PLAN_EVERY = 2
LARGE = 5_000
"""Above this many products, two past runs only (a run of 20,000 items takes half a minute)."""
ACTOR = "demo"


@dataclass(frozen=True)
class Activity:
    """What :func:`replay_activity` did: the orders replayed, the plans run (ids, oldest
    first; the last is the current plan when ``plans`` was on)."""

    sales: SalesSummary
    plans: tuple[int, ...] = ()


def _has_plan(engine: Engine) -> bool:
    with UnitOfWork(engine, write=False) as uow:
        try:
            plan_reports.current_run(uow)
        except NotFound:
            return False
    return True


def replay_activity(
    engine: Engine,
    data: DemoData,
    *,
    now: datetime,
    seed: int = 7,
    plans: bool = True,
    sales: bool = True,
    orders: int | None = None,
    on_step: Callable[[str], object] | None = None,
) -> Activity:
    """Past plans, the orders (committed), then the current plan, into the database behind
    ``engine``; the same as ``flexchain demo`` after the buying history. Loaded again, it adds
    nothing: no orders on a database that has some, no plans on one that has a plan.
    ``plans``/``sales``: off, the plans or the orders are left out; ``orders``: how many to
    draw (default :func:`flexchain.demo.sales.sale_count`)."""
    say = on_step or (lambda _: None)
    planning = plans and not _has_plan(engine)
    runs = []
    if planning:
        past = PAST_PLANS if len(data.demand.skus) <= LARGE else 2
        for weeks in range(past * PLAN_EVERY, 0, -PLAN_EVERY):
            say(f"Planning as of {weeks} weeks ago...")
            runs.append(run_plan(engine, now=now - timedelta(weeks=weeks), actor=ACTOR).run_id)
    sold = SalesSummary(False)
    if sales:
        say("Replaying twelve weeks of web-shop orders...")
        with UnitOfWork(engine, actor=ACTOR) as uow:
            sold = replay_sales(uow, data, now=now, secret=secrets.token_urlsafe(24), seed=seed,
                                count=orders)  # fmt: skip
            uow.commit()
    if planning:
        say("Planning today...")
        runs.append(run_plan(engine, now=now, actor=ACTOR).run_id)
    return Activity(sold, tuple(runs))
