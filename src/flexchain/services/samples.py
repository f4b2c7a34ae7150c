"""Samples (``SMP-000001``): the brand asks a supplier for one (what, by when), the supplier
delivers it, the brand inspects the first article (pass or fail); a sample not yet delivered can
be cancelled. The scorecards read sample lead time (requested -> delivered) and first-article
pass from them.

A supplier's user delivers its own samples and sees only its own; requesting, inspecting and
cancelling are the brand's. Rules: :mod:`flexchain.domain.supplier_events`. Every change is
audited (entity ``sample``); nothing here commits; ``now`` comes from the caller.
"""

from __future__ import annotations

from datetime import date, datetime

from flexchain.adapters.db.supplier_events import SqlSupplierEventStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain import supplier_events as rules
from flexchain.domain.checks import choice, code, optional_code, text, whole_number
from flexchain.domain.supplier_events import Sample, SampleStatus, brand_only
from flexchain.domain.values import utc
from flexchain.services import audit

__all__ = [
    "Sample",
    "cancel_sample",
    "deliver_sample",
    "inspect_sample",
    "list_samples",
    "request_sample",
    "show_sample",
]

ENTITY = "sample"


def _noted(old: str, new: object) -> str:
    added = text(new if new is not None else "", "note", max_length=2000, required=False)
    return "\n".join(part for part in (old, added) if part)


def request_sample(
    uow: UnitOfWork,
    supplier: str,
    *,
    description: str,
    item: str | None = None,
    due_by: date | None = None,
    note: str = "",
    now: datetime,
) -> Sample:
    """The brand asks ``supplier`` for a sample of ``description`` (of ``item``), by
    ``due_by`` (optional, not in the past)."""
    now = utc(now, "now")
    brand_only(uow.supplier_scope, "requesting a sample")
    store = SqlSupplierEventStore(uow)
    who = store.supplier(code(supplier, "supplier"))
    what, due, why = rules.check_sample_request(description, due_by, now, note)
    sku = optional_code(item, "item")
    number = store.next_number("smp")
    store.add_sample(
        number=number, supplier_id=who.id, item_id=store.item_id(sku) if sku else None,
        description=what, requested_at=now, requested_by=uow.actor, due_by=due,
        status=SampleStatus.REQUESTED.value, note=why,
    )  # fmt: skip
    created = store.sample(number)
    audit.record_change(
        uow, "requested", ENTITY, number,
        after={"status": created.status, "supplier": who.code, "item": sku, "due_by": due},
        at=now,
    )  # fmt: skip
    return created


def _move(uow: UnitOfWork, before: Sample, after: Sample, now: datetime, action: str) -> Sample:
    audit.record_change(
        uow, action, ENTITY, before.number,
        before={"status": before.status, "first_article": before.first_article},
        after={"status": after.status, "first_article": after.first_article}, at=now,
    )  # fmt: skip
    return after


def deliver_sample(uow: UnitOfWork, number: str, *, note: str = "", now: datetime) -> Sample:
    """The supplier delivered requested sample ``number`` (now)."""
    now = utc(now, "now")
    store = SqlSupplierEventStore(uow)
    before = store.sample(code(number, "number"), lock=True)
    status = rules.deliver_sample(before)
    store.set_sample(
        before.number, status=status.value, delivered_at=now, note=_noted(before.note, note)
    )
    return _move(uow, before, store.sample(before.number), now, "delivered")


def inspect_sample(
    uow: UnitOfWork, number: str, result: str, *, note: str = "", now: datetime
) -> Sample:
    """The brand's first-article inspection of delivered sample ``number``: ``result`` pass or
    fail."""
    now = utc(now, "now")
    brand_only(uow.supplier_scope, "inspecting a sample")
    store = SqlSupplierEventStore(uow)
    before = store.sample(code(number, "number"), lock=True)
    status, outcome = rules.inspect_sample(before, result)
    store.set_sample(
        before.number, status=status.value, first_article=outcome.value, inspected_at=now,
        note=_noted(before.note, note),
    )  # fmt: skip
    return _move(uow, before, store.sample(before.number), now, "inspected")


def cancel_sample(uow: UnitOfWork, number: str, *, note: str = "", now: datetime) -> Sample:
    """The brand no longer needs sample ``number`` (not yet delivered)."""
    now = utc(now, "now")
    brand_only(uow.supplier_scope, "cancelling a sample")
    store = SqlSupplierEventStore(uow)
    before = store.sample(code(number, "number"), lock=True)
    status = rules.cancel_sample(before)
    store.set_sample(before.number, status=status.value, note=_noted(before.note, note))
    return _move(uow, before, store.sample(before.number), now, "cancelled")


def show_sample(uow: UnitOfWork, number: str) -> Sample:
    """One sample (a supplier's user: only its own)."""
    return SqlSupplierEventStore(uow).sample(code(number, "number"))


def list_samples(
    uow: UnitOfWork,
    *,
    supplier: str | None = None,
    status: str | None = None,
    limit: int = 1000,
) -> list[Sample]:
    """Samples newest first, of ``supplier`` and/or in ``status`` (requested, delivered,
    passed, failed, cancelled); a supplier's user sees only its own."""
    store = SqlSupplierEventStore(uow)
    wanted = choice(SampleStatus, status, "status").value if status else None
    who = store.supplier(code(supplier, "supplier")).code if supplier else None
    count = whole_number(limit, "limit", minimum=1, maximum=10_000)
    return store.samples(supplier=who, status=wanted, limit=count)
