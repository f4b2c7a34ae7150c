"""The record of releases: which planned order of a run went into which document
(``plan_releases``: one row per planned order, its kind ``po``, ``rfq`` or ``job`` and the
reference), so a planned order is released once whoever releases it and wherever from.

Every use case that releases planned orders calls :func:`check_unreleased` before it writes and
:func:`record` after: :func:`flexchain.services.plan_release.release_planned` (jobs),
:func:`flexchain.services.purchase_orders.create_po_from_plan` and
:func:`flexchain.services.rfqs.create_rfq` (so ``POST /purchase-orders`` and ``POST /rfqs``
with ``plan_numbers`` are covered too), :func:`flexchain.services.sourcing_drafts.create_drafts`
(``flexchain source --create``; a purchase split across suppliers names all its documents).
:func:`released` tells the Plan page and the API what went where.

A release counts while its document is not cancelled (the store's reads): a planned order
whose PO, RFQ (or the PO its RFQ line was awarded into) or job was cancelled is releasable
again, for the same plan version (the Plan page, Today, the API show it so).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from flexchain.adapters.db.plan_releases import SqlPlanReleaseStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import whole_number
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.services import audit, plan_reports

__all__ = ["check_unreleased", "current_run_id", "plan_numbers", "record", "released"]


def current_run_id(uow: UnitOfWork) -> int:
    """The current plan's version; NotFound (saying what to do) when there is none."""
    try:
        return plan_reports.current_run(uow).id
    except NotFound:
        raise NotFound("no current plan: run `flexchain plan` first") from None


def plan_numbers(values: Sequence[object]) -> list[int]:
    """Planned order numbers, each a whole number >= 1, named once, at least one."""
    if not values:
        raise ValidationError("plan_numbers", "give at least one planned order number")
    numbers = [whole_number(value, "plan_numbers", minimum=1) for value in values]
    if len(set(numbers)) != len(numbers):
        raise ValidationError("plan_numbers", "a planned order is named twice")
    return numbers


def check_unreleased(uow: UnitOfWork, run_id: int, numbers: Iterable[int]) -> None:
    """Refuse (a :class:`DomainError` naming what it went into, when and by whom) if one of
    planned orders ``numbers`` of run ``run_id`` was released already. Locks their rows, so a
    release racing this one waits for it (PostgreSQL; the unique key catches the rest)."""
    wanted = sorted(set(numbers))
    store = SqlPlanReleaseStore(uow)
    store.planned(run_id, wanted, lock=True)
    done = store.releases(run_id, wanted)
    if done:
        first = done[min(done)]
        raise DomainError(
            f"planned order {first.number} was released into {first.reference} on "
            f"{first.released_at:%Y-%m-%d %H:%M} UTC by {first.released_by}: a planned order is "
            "released once (the next plan run nets what it went into)"
        )


def record(
    uow: UnitOfWork, run_id: int, references: dict[int, str], kind: str, *, now: datetime
) -> None:
    """Record that run ``run_id``'s planned orders went into ``references`` (by number) as
    ``kind`` (``po``, ``rfq``, ``job``), replacing a release whose document was cancelled;
    audited ``released`` per planned order (entity ``planned_order``, key ``RUN:NUMBER``; the
    cancelled document it went into before, if any)."""
    store = SqlPlanReleaseStore(uow)
    planned = {p.number: p for p in store.planned(run_id, list(references))}
    for number, reference in sorted(references.items()):
        dead = store.add(planned[number].id, number, kind, reference, now)
        before = None if dead is None else {"kind": dead.kind, "reference": dead.reference}
        audit.record_change(
            uow, "released", "planned_order", f"{run_id}:{number}", before=before,
            after={"kind": kind, "reference": reference}, at=now,
        )  # fmt: skip


def released(uow: UnitOfWork, run_id: int | None = None) -> dict[int, str]:
    """What each released planned order of run ``run_id`` (default: the current plan) went
    into, by number: ``{12: "PO-000031", 14: "job 45"}`` (documents not cancelled); NotFound
    for no such run."""
    run = current_run_id(uow) if run_id is None else plan_reports.current_run(uow, run_id).id
    return {n: r.reference for n, r in SqlPlanReleaseStore(uow).releases(run).items()}
