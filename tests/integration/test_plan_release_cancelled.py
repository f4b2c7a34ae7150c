"""A release counts while its document is not cancelled, on both databases: a planned order
whose PO, RFQ (or the PO its RFQ line was awarded into) or job is cancelled is releasable
again for the same plan version (the release service, the Plan page, Today), and releasing it
again replaces the dead record, audited with what it went into before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from flexchain.adapters.db.tables import AuditRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import DomainError
from flexchain.entrypoints.api import create_app
from flexchain.services import jobs, plan_release, purchase_orders, rfqs, today
from tests.auth import bearer
from tests.integration.test_plan_release import NOW, build_release_world

UowFactory = Callable[..., UnitOfWork]
SETTINGS = Settings(database_url="sqlite://", outbox_worker=False)


@pytest.fixture
def world(make_uow: UowFactory) -> int:
    return build_release_world(make_uow)


def _release(make_uow: UowFactory, **kw: object) -> plan_release.Release:
    with make_uow(actor="ana") as uow:
        done = plan_release.release_planned(uow, now=NOW, **kw)  # type: ignore[arg-type]
        uow.commit()
    return done


def _do(make_uow: UowFactory, action: Callable[..., object], *args: object, **kw: object) -> None:
    with make_uow() as uow:
        action(uow, *args, now=NOW, **kw)
        uow.commit()


def _released(make_uow: UowFactory) -> dict[int, str]:
    with make_uow(write=False) as uow:
        return plan_release.released(uow)


def _inbox_refs(make_uow: UowFactory) -> set[str]:
    with make_uow(write=False) as uow:
        found = today.decision_inbox(uow, now=NOW, settings=SETTINGS, kind="planned_order")
    return {d.ref for d in found}


def test_a_cancelled_po_makes_its_planned_order_releasable_again(
    world: int, make_uow: UowFactory
) -> None:
    # given planned purchase 1 released into a draft PO: it has left Today
    (po,) = _release(make_uow, plan_numbers=[1], to="po", suppliers=["SEW-PT"]).references
    assert _released(make_uow) == {1: po} and "1" not in _inbox_refs(make_uow)

    # when the PO is cancelled
    _do(make_uow, purchase_orders.cancel_po, po, reason="wrong supplier")

    # then the planned order is not released any more, and shows on Today again
    assert _released(make_uow) == {}
    assert "1" in _inbox_refs(make_uow)
    # and it is released again, into a new PO; the audit says what it went into before
    (again,) = _release(make_uow, plan_numbers=[1], to="po", suppliers=["PACK-PT"]).references
    assert again != po and _released(make_uow) == {1: again}
    with make_uow(write=False) as uow:
        details = [
            a.details
            for a in uow.session.scalars(
                select(AuditRow)
                .where(AuditRow.entity == "planned_order", AuditRow.entity_key == f"{world}:1")
                .order_by(AuditRow.id)
            )
        ]
    assert details[-1]["before"] == {"reference": po}
    assert details[-1]["after"] == {"reference": again}
    # and once that one is live, a third release is refused, naming it
    with pytest.raises(DomainError, match=f"released into {again}"):
        _release(make_uow, plan_numbers=[1], to="rfq", suppliers=["SEW-PT"])


def test_a_cancelled_rfq_makes_its_planned_orders_releasable_again(
    world: int, make_uow: UowFactory
) -> None:
    (rfq,) = _release(
        make_uow, plan_numbers=[1, 2], to="rfq", suppliers=["SEW-PT", "PACK-PT"]
    ).references
    assert _released(make_uow) == {1: rfq, 2: rfq}
    _do(make_uow, rfqs.cancel_rfq, rfq)
    assert _released(make_uow) == {}
    done = _release(make_uow, plan_numbers=[2], to="po", suppliers=["SEW-PT"])
    assert _released(make_uow) == {2: done.references[0]}


def test_an_awarded_rfq_counts_until_the_po_its_line_went_into_is_cancelled(
    world: int, make_uow: UowFactory
) -> None:
    # given planned purchases 1 and 2 asked of SEW-PT and PACK-PT, awarded line by line:
    # line 1 to SEW-PT, line 2 to PACK-PT (two POs)
    (rfq,) = _release(
        make_uow, plan_numbers=[1, 2], to="rfq", suppliers=["SEW-PT", "PACK-PT"]
    ).references
    _do(make_uow, rfqs.send_rfq, rfq)
    for supplier, price in (("SEW-PT", "4.70"), ("PACK-PT", "5.10")):
        for line in (1, 2):
            _do(
                make_uow, rfqs.submit_quote, rfq, line=line, unit_price=price,
                lead_time_days=5, valid_until=NOW.date() + timedelta(days=60), supplier=supplier,
            )  # fmt: skip
    _do(make_uow, rfqs.award_rfq, rfq, choices={1: "SEW-PT", 2: "PACK-PT"})
    with make_uow(write=False) as uow:
        by_plan = {line["plan_number"]: line["po_number"] for line in rfqs.show_rfq(uow, rfq).lines}
    assert by_plan[1] != by_plan[2]
    assert _released(make_uow) == {1: rfq, 2: rfq}

    # when the PO planned purchase 2's line went into is cancelled
    _do(make_uow, purchase_orders.cancel_po, by_plan[2])

    # then 2 is releasable again; 1, whose PO stands, is still released into the RFQ
    assert _released(make_uow) == {1: rfq}


def test_a_cancelled_job_makes_its_planned_production_releasable_again(
    world: int, make_uow: UowFactory, engine: object, database_url: str
) -> None:
    # given planned production 3 released into a job: not on Today, marked on the Plan page
    (job,) = _release(make_uow, plan_numbers=[3], to="job").references
    assert "3" not in _inbox_refs(make_uow)
    client = TestClient(create_app(Settings(database_url=database_url, outbox_worker=False)))
    planner = {**bearer(engine, "planner"), "Accept": "text/html"}  # type: ignore[arg-type]
    with client:
        page = client.get("/app/plan?kind=production", headers=planner)
        assert page.status_code == 200 and f"released into {job}" in page.text

        # when the job is cancelled
        _do(make_uow, jobs.cancel_job, int(job.removeprefix("job ")))

        # then the planned order shows on Today and the Plan page as releasable again
        assert "3" in _inbox_refs(make_uow)
        page = client.get("/app/plan?kind=production", headers=planner)
        assert page.status_code == 200 and f"released into {job}" not in page.text
        assert 'id="pick-3"' in page.text
    (again,) = _release(make_uow, plan_numbers=[3], to="job").references
    assert again != job and _released(make_uow) == {3: again}
