"""QC spot checks the brand requests of its suppliers, and their answers.

``request_spot_checks`` asks for a few random spot checks at once among the suppliers with open
work (rule: :mod:`flexchain.domain.spot_checks`: monitored suppliers first, at most one a
supplier a day); ``request_spot_check`` asks one supplier, about one job or PO if named. The
supplier answers by uploading a QC result (``services/qc.py``), which calls
``answer_spot_check``. Each request is due ``DUE_HOURS`` after it was made. Every change is
audited; nothing here commits; ``now`` comes from the caller. A supplier's user sees and answers
only its own requests (another supplier's number answers "no spot check ...").
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flexchain.adapters.db.spot_checks import SpotCheckRecord, SqlSpotCheckStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain import spot_checks as rules
from flexchain.domain.checks import choice, code, text, whole_number
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.domain.spot_checks import SpotCandidate, SpotStatus, Target
from flexchain.domain.values import utc
from flexchain.services import audit

__all__ = [
    "SpotCheckView",
    "answer_spot_check",
    "cancel_spot_check",
    "list_spot_checks",
    "request_spot_check",
    "request_spot_checks",
    "show_spot_check",
]

_MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class SpotCheckView:
    number: str
    supplier: str
    job_id: int | None
    po_number: str | None
    reason: str
    requested_at: datetime
    due_by: datetime
    video_requested: bool
    status: str
    answered_at: datetime | None
    qc_record_id: int | None


def _view(record: SpotCheckRecord) -> SpotCheckView:
    fields = {k: getattr(record, k) for k in SpotCheckView.__dataclass_fields__}
    return SpotCheckView(**{**fields, "status": record.status.value})


def list_spot_checks(
    uow: UnitOfWork, *, status: str | None = None, supplier: str | None = None
) -> list[SpotCheckView]:
    """Spot checks, newest first, of one status (requested, answered, cancelled) or supplier
    (a supplier's user: its own only)."""
    wanted = choice(SpotStatus, status, "status") if status else None
    store = SqlSpotCheckStore(uow)
    if supplier is not None:
        supplier = store.supplier(code(supplier, "supplier")).code
    return [_view(r) for r in store.spot_checks(status=wanted, supplier=supplier)]


def show_spot_check(uow: UnitOfWork, number: str) -> SpotCheckView:
    """One spot check by number (``SPC-000001``)."""
    return _view(SqlSpotCheckStore(uow).spot_check(code(number, "spot_check")))


def _add(
    uow: UnitOfWork,
    store: SqlSpotCheckStore,
    supplier_id: int,
    target: Target,
    *,
    reason: str,
    video: bool,
    now: datetime,
) -> SpotCheckView:
    number = store.next_spot_number()
    values = {
        "job_id": target.job_id,
        "po_number": target.po_number,
        "reason": reason,
        "requested_at": now,
        "due_by": rules.due_by(now),
        "video_requested": video,
    }
    store.add_spot_check(number=number, supplier_id=supplier_id, **values)
    view = _view(store.spot_check(number))
    audit.record_change(uow, "requested", "spot_check", number, after={
        "supplier": view.supplier, "status": view.status, **values}, at=now)  # fmt: skip
    return view


def request_spot_check(
    uow: UnitOfWork,
    *,
    supplier: str,
    job_id: int | None = None,
    po_number: str | None = None,
    reason: str,
    video: bool = False,
    now: datetime,
) -> SpotCheckView:
    """Ask ``supplier`` for a QC spot check (of its job ``job_id`` or PO ``po_number``, if
    named; not both), due in ``DUE_HOURS``; ``video``: a short clip is asked for too."""
    now = utc(now, "now")
    store = SqlSpotCheckStore(uow)
    found = store.supplier(code(supplier, "supplier"))
    why = text(reason, "reason", max_length=2000)
    if job_id is not None and po_number is not None:
        raise ValidationError("job_id", "name a job or a PO, not both")
    if job_id is not None:
        job_id = whole_number(job_id, "job_id", minimum=1, maximum=_MAX_ID)
        if not store.has_job(found.id, job_id):
            raise NotFound(f"{found.code} has no job {job_id}")
    if po_number is not None:
        po_number = code(po_number, "po_number")
        if not store.has_po(found.id, po_number):
            raise NotFound(f"{found.code} has no purchase order {po_number}")
    target = Target(job_id=job_id, po_number=po_number)
    return _add(uow, store, found.id, target, reason=why, video=bool(video), now=now)


def request_spot_checks(
    uow: UnitOfWork, *, count: int, now: datetime, seed: int | None = None, video: bool = True
) -> list[SpotCheckView]:
    """Ask ``count`` (or fewer) suppliers with open work for a random spot check each: those
    under closer monitoring first (up to their spot checks a week), at most one a supplier a
    day. ``seed``: the same seed picks the same suppliers and work."""
    now = utc(now, "now")
    store = SqlSpotCheckStore(uow)
    midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    week = store.requested_since(midnight - timedelta(days=now.weekday()))
    today = store.requested_since(midnight)
    policies = store.policies()
    candidates = [
        SpotCandidate(
            supplier, tuple(targets), policies[supplier].monitoring if supplier in policies else
            False, policies[supplier].spot_checks_per_week if supplier in policies else 0,
            week.get(supplier, 0), today.get(supplier, 0),
        )
        for supplier, targets in store.open_work().items()
    ]  # fmt: skip
    picks = rules.pick_spot_checks(candidates, count, random.Random(seed))
    return [
        _add(uow, store, store.supplier(p.supplier).id, p.target, reason=p.reason, video=video,
             now=now)
        for p in picks
    ]  # fmt: skip


def answer_spot_check(
    uow: UnitOfWork, number: str, *, qc_record_id: int, now: datetime
) -> SpotCheckView:
    """Record that QC record ``qc_record_id`` answers spot check ``number`` (a requested one)."""
    now = utc(now, "now")
    store = SqlSpotCheckStore(uow)
    found = store.spot_check(code(number, "spot_check"), lock=True)
    status = rules.answer(found.number, found.status)
    record = whole_number(qc_record_id, "qc_record_id", minimum=1, maximum=_MAX_ID)
    store.answer_spot_check(found.id, qc_record_id=record, at=now)
    audit.record_change(
        uow, "answered", "spot_check", found.number, before={"status": found.status.value},
        after={"status": status.value, "qc_record_id": record}, at=now,
    )  # fmt: skip
    return _view(store.spot_check(found.number))


def cancel_spot_check(uow: UnitOfWork, number: str, *, reason: str, now: datetime) -> SpotCheckView:
    """Withdraw a requested spot check, with a reason (it no longer counts against the
    supplier's day or week)."""
    now = utc(now, "now")
    store = SqlSpotCheckStore(uow)
    found = store.spot_check(code(number, "spot_check"), lock=True)
    why = text(reason, "reason", max_length=2000)
    status = rules.cancel(found.number, found.status)
    store.cancel_spot_check(found.id, at=now)
    audit.record_change(
        uow, "cancelled", "spot_check", found.number, before={"status": found.status.value},
        after={"status": status.value}, at=now, reason=why,
    )  # fmt: skip
    return _view(store.spot_check(found.number))
