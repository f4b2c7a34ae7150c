"""Release the current plan's planned orders, once each: planned purchases into a draft RFQ
(:func:`flexchain.services.rfqs.create_rfq`) or a draft PO
(:func:`flexchain.services.purchase_orders.create_po_from_plan`), planned production into a
production job for stock (:func:`flexchain.services.jobs.plan_job`) at the supplier that makes
it.

Every release is recorded in ``plan_releases`` (one row per planned order, its kind ``po``,
``rfq`` or ``job`` and the reference), so a planned order released twice is refused (while the
document it went into is not cancelled: :mod:`flexchain.services.plan_releases`), naming
what it went into, whoever releases it and wherever from (the Plan page, Today, ``flexchain plan
release``, ``POST /plan/release``, ``POST /rfqs`` and ``POST /purchase-orders`` with
``plan_numbers``): :func:`check_unreleased` before writing, :func:`record` after (the RFQ and PO
services call both themselves). The next planning run nets the documents; its planned orders
are new and unreleased.

**The maker** of a planned production order (:func:`makers`) is chosen as order splitting
places a job (:func:`flexchain.domain.assignment.assign`, normal speed): the process that makes
the item (its ``process`` attribute, else the first its default supplier runs:
:func:`flexchain.domain.product_build.process_of`), the capable active suppliers of that process
with the work already booked on them, the best tier with capacity left, then the earliest
finish. ``suppliers=[code]`` overrides the choice (the supplier must run the process when the
item has one). The job starts on the planned release day (today if that has passed) and is due
on the planned due day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flexchain.adapters.db.fulfilment import FulfilmentStore
from flexchain.adapters.db.plan_releases import PlannedRecord, SqlPlanReleaseStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.assignment import Candidate, NoCapableSupplier, assign
from flexchain.domain.catalog import Item
from flexchain.domain.checks import code
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.product_build import process_of, supplier_processes
from flexchain.domain.suppliers import Process
from flexchain.domain.values import utc
from flexchain.services import jobs, plan_reports, purchase_orders, rfqs
from flexchain.services.plan_releases import check_unreleased, current_run_id, record, released
from flexchain.services.plan_releases import plan_numbers as _numbers

__all__ = [
    "TARGETS",
    "Maker",
    "Release",
    "check_unreleased",
    "makers",
    "record",
    "release_planned",
    "released",
]

TARGETS = ("po", "rfq", "job")
"""What a planned order is released into: a draft PO, a draft RFQ (purchases), a job
(production)."""
_FOR = {"po": "purchase", "rfq": "purchase", "job": "production"}


@dataclass(frozen=True)
class Release:
    """What a release made: ``to`` (po, rfq, job), the document(s) (``PO-000031``,
    ``RFQ-000003``, ``job 45``), the planned orders released and a sentence saying so."""

    to: str
    references: tuple[str, ...]
    numbers: tuple[int, ...]
    suppliers: tuple[str, ...]
    message: str
    added: bool = False
    """The planned orders were added to a draft PO an earlier release made (``into_draft``)."""


@dataclass(frozen=True)
class Maker:
    """Who would make a planned production order, and why (the assignment's reason)."""

    supplier: str
    process: str | None
    finish: date | None
    reason: str


def _planned(uow: UnitOfWork, run_id: int, numbers: list[int], to: str) -> list[PlannedRecord]:
    found = SqlPlanReleaseStore(uow).planned(run_id, numbers)
    missing = sorted(set(numbers) - {p.number for p in found})
    if missing:
        raise NotFound(f"the current plan (version {run_id}) has no planned order {missing[0]}")
    for p in found:
        if p.kind == "transfer":
            raise DomainError(
                f"planned order {p.number} is a transfer: a transfer is not released (move "
                "the stock between locations)"
            )
        if p.kind != _FOR[to]:
            what, into = (
                ("planned production", "a job") if p.kind == "production"
                else ("a planned purchase", "a PO or an RFQ")
            )  # fmt: skip
            raise DomainError(
                f"planned order {p.number} is {what}: release it into {into}, not a {to}"
            )
    return found


def release_planned(
    uow: UnitOfWork,
    *,
    plan_numbers: Sequence[int],
    to: str,
    suppliers: Sequence[str] = (),
    reply_by: date | None = None,
    release: bool = False,
    into_draft: bool = False,
    now: datetime,
) -> Release:
    """Release planned orders ``plan_numbers`` of the current plan into ``to``: ``rfq`` (one
    draft RFQ to ``suppliers``, answer by ``reply_by``), ``po`` (one draft PO to the one
    supplier named; ``into_draft``: added to the newest draft PO to that supplier, in the same
    currency and contract, that an earlier release of this plan made, if there is one) or
    ``job`` (one planned job per planned production order at its maker, or at the one supplier
    named; ``release``: released at once, its materials issued,
    :func:`flexchain.services.jobs.release_job`). Refused, writing nothing, if one was released
    already or is of the wrong kind."""
    now = utc(now, "now")
    if to not in TARGETS:
        raise ValidationError("to", f"release into one of {', '.join(TARGETS)}, not {to!r}")
    numbers = _numbers(plan_numbers)
    codes = [code(s, "suppliers") for s in suppliers]
    run_id = current_run_id(uow)
    _planned(uow, run_id, numbers, to)
    if to == "job":
        return _into_jobs(uow, run_id, numbers, codes, release=release, now=now)
    if to == "rfq":
        rfq = rfqs.create_rfq(
            uow, suppliers=codes, plan_numbers=numbers, reply_by=reply_by, now=now
        )
        lines = len(rfq.lines)
        return Release(
            "rfq", (rfq.number,), tuple(numbers), tuple(rfq.suppliers),
            f"RFQ {rfq.number} drafted for {lines} planned purchase{'' if lines == 1 else 's'}"
            f" to {', '.join(rfq.suppliers)}: send it from Procurement",
        )  # fmt: skip
    if len(codes) != 1:
        raise ValidationError("suppliers", "a purchase order goes to one supplier: name one")
    added = _into_draft(uow, run_id, numbers, codes[0], now) if into_draft else None
    if added is not None:
        return added
    po = purchase_orders.create_po_from_plan(uow, supplier=codes[0], plan_numbers=numbers, now=now)
    lines = len(po.lines)
    return Release(
        "po", (po.number,), tuple(numbers), (po.supplier,),
        f"Purchase order {po.number} drafted to {po.supplier} for {lines} "
        f"line{'' if lines == 1 else 's'}: issue it from Procurement",
    )  # fmt: skip


def _into_draft(
    uow: UnitOfWork, run_id: int, numbers: list[int], supplier: str, now: datetime
) -> Release | None:
    """``numbers`` added to the newest draft PO to ``supplier`` an earlier release of run
    ``run_id`` made that takes them (same currency and contract); None if none does."""
    for number in SqlPlanReleaseStore(uow).draft_pos(run_id, supplier):
        po = purchase_orders.add_plan_lines(uow, number, plan_numbers=numbers, now=now)
        if po is None:
            continue
        lines = len(po.lines)
        what = f"Planned order{'' if len(numbers) == 1 else 's'} {', '.join(map(str, numbers))}"
        return Release(
            "po", (po.number,), tuple(numbers), (po.supplier,),
            f"{what} released: added to draft {po.number} to {po.supplier} (now {lines} "
            f"line{'' if lines == 1 else 's'}): issue it from Procurement", added=True,
        )  # fmt: skip
    return None


def _into_jobs(
    uow: UnitOfWork, run_id: int, numbers: list[int], codes: list[str], *, release: bool,
    now: datetime,
) -> Release:  # fmt: skip
    if len(codes) > 1:
        raise ValidationError("suppliers", "a job is made by one supplier: name one, or none")
    check_unreleased(uow, run_id, numbers)
    planned = SqlPlanReleaseStore(uow).planned(run_id, numbers)
    home = str(plan_reports.current_run(uow, run_id).stats.get("home") or "")
    chosen = makers(uow, planned, today=now.date(), supplier=codes[0] if codes else None)
    references: dict[int, str] = {}
    for p in planned:
        maker = chosen[p.number]
        detail = jobs.plan_job(
            uow, sku=p.sku, quantity=p.quantity, supplier=maker.supplier, process=maker.process,
            start=max(p.release_date, now.date()),
            finish=max(p.due_date, now.date(), maker.finish or now.date()),  # as it was promised
            note=f"planned order {p.number} of plan {run_id}: {maker.reason}",
            deliver_to=p.location or home or None, now=now,
        )  # fmt: skip
        if release:
            jobs.release_job(uow, detail.job.id, now=now)
        references[p.number] = f"job {detail.job.id}"
    record(uow, run_id, references, "job", now=now)
    made = ", ".join(f"{references[p.number]} at {chosen[p.number].supplier}" for p in planned)
    state = "released: materials issued" if release else "planned: releasing it issues materials"
    return Release(
        "job", tuple(references[n] for n in numbers), tuple(numbers),
        tuple(sorted({m.supplier for m in chosen.values()})),
        f"Planned production {', '.join(map(str, numbers))} released into {made} ({state})",
    )  # fmt: skip


def makers(
    uow: UnitOfWork,
    planned: Sequence[PlannedRecord],
    *,
    today: date,
    supplier: str | None = None,
    refused: dict[int, str] | None = None,
) -> dict[int, Maker]:
    """Who makes each planned production order (by number), chosen as order splitting places a
    job (module docstring), or ``supplier`` if named. Refused, naming the item, when nothing
    says who could make it; with ``refused`` given, why goes there (by number) instead."""
    if not planned:
        return {}
    items = SqlPlanReleaseStore(uow).items(p.item_id for p in planned)
    candidates = FulfilmentStore(uow, defaultdict(dict)).candidates(set(Process), today)
    runs = supplier_processes(candidates)
    found: dict[int, Maker] = {}
    for p in planned:
        item = items.get(p.item_id)
        process = process_of(item, runs) if item is not None else None
        try:
            found[p.number] = _maker(p, process, candidates, runs, today, supplier, item)
        except DomainError as error:
            if refused is None:
                raise
            refused[p.number] = str(error)
    return found


def _maker(
    p: PlannedRecord, process: Process | None, candidates: Mapping[Process, Sequence[Candidate]],
    runs: Mapping[str, frozenset[Process]], today: date, supplier: str | None,
    item: Item | None,
) -> Maker:  # fmt: skip
    if supplier is not None:
        if process is not None and process not in runs.get(supplier, frozenset()):
            capable = ", ".join(c.supplier_code for c in candidates.get(process, [])) or "none"
            raise DomainError(
                f"{supplier} does not run {process}, the process that makes {p.sku} "
                f"(capable: {capable})"
            )
        return Maker(supplier, process.value if process else None, None, "named by the user")
    if process is None:
        default = item.default_supplier if item is not None else None
        if default:
            return Maker(default, None, None, f"{default} is {p.sku}'s default supplier")
        raise DomainError(
            f"nobody is known to make {p.sku}: give it a default supplier or a process "
            "attribute, or name the supplier"
        )
    start = max(p.release_date, today)
    try:
        placed = assign(process, p.quantity, candidates.get(process, []), rush=False, start=start)
    except NoCapableSupplier as error:
        raise DomainError(f"{p.sku}: {error}") from None
    return Maker(placed.supplier_code, process.value, placed.finish, placed.reason)
