"""Improvement suggestions (``SUG-000001``): a supplier submits one (what, the expected saving
per year in the brand's currency and/or the change in lead time, evidence); the brand accepts it
with the value it records (the innovation score's "recorded value") or rejects it with a reason.

A supplier's user submits for its own supplier and sees only its own suggestions; deciding is
the brand's. Rules: :mod:`flexchain.domain.supplier_events`. Every change is audited (entity
``suggestion``); nothing here commits; ``now`` comes from the caller.
"""

from __future__ import annotations

from datetime import datetime

from flexchain.adapters.db.supplier_events import SqlSupplierEventStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain import supplier_events as rules
from flexchain.domain.checks import choice, code, optional_code, whole_number
from flexchain.domain.errors import ValidationError
from flexchain.domain.supplier_events import Suggestion, SuggestionStatus, brand_only
from flexchain.domain.values import currency_code, utc
from flexchain.services import audit

__all__ = [
    "Suggestion",
    "decide_suggestion",
    "list_suggestions",
    "show_suggestion",
    "submit_suggestion",
]

ENTITY = "suggestion"


def submit_suggestion(
    uow: UnitOfWork,
    *,
    supplier: str | None = None,
    title: str,
    description: str,
    expected_saving: object = None,
    lead_time_change_days: object = None,
    evidence: str = "",
    item: str | None = None,
    currency: str,
    now: datetime,
) -> Suggestion:
    """Record a suggestion of ``supplier`` (a supplier's user: its own, which it need not
    name); ``expected_saving`` is money per year in ``currency`` (the brand's), and
    ``lead_time_change_days`` is negative when the change makes delivery faster."""
    now = utc(now, "now")
    store = SqlSupplierEventStore(uow)
    who = store.own_supplier() if supplier is None else store.supplier(code(supplier, "supplier"))
    if who is None:
        raise ValidationError("supplier", "required: the code of the supplier suggesting it")
    fields = rules.check_suggestion(
        title,
        description,
        expected_saving=expected_saving,
        lead_time_change_days=lead_time_change_days,
        evidence=evidence,
    )
    sku = optional_code(item, "item")
    number = store.next_number("sug")
    store.add_suggestion(
        number=number, supplier_id=who.id, item_id=store.item_id(sku) if sku else None,
        title=fields.title, description=fields.description,
        expected_saving=fields.expected_saving, currency=currency_code(currency),
        expected_lead_time_change_days=fields.expected_lead_time_change_days,
        evidence=fields.evidence, status=SuggestionStatus.SUBMITTED.value, submitted_at=now,
        submitted_by=uow.actor, decision_note="",
    )  # fmt: skip
    created = store.suggestion(number)
    audit.record_change(
        uow, "submitted", ENTITY, number, after={"status": created.status,
        "supplier": who.code, "title": created.title,
        "expected_saving": created.expected_saving,
        "expected_lead_time_change_days": created.expected_lead_time_change_days}, at=now,
    )  # fmt: skip
    return created


def decide_suggestion(
    uow: UnitOfWork,
    number: str,
    decision: str,
    *,
    recorded_value: object = None,
    note: str = "",
    now: datetime,
) -> Suggestion:
    """The brand accepts (``decision="accept"``, recording ``recorded_value``; default the
    expected saving) or rejects (``"reject"``, with a reason in ``note``) a submitted
    suggestion. A suggestion is decided once."""
    now = utc(now, "now")
    brand_only(uow.supplier_scope, "deciding a suggestion")
    store = SqlSupplierEventStore(uow)
    before = store.suggestion(code(number, "number"), lock=True)
    status, value, why = rules.decide_suggestion(
        before, decision, recorded_value=recorded_value, note=note
    )
    store.set_suggestion(
        before.number, status=status.value, recorded_value=value, decision_note=why,
        decided_at=now, decided_by=uow.actor,
    )  # fmt: skip
    after = store.suggestion(before.number)
    audit.record_change(
        uow, status.value, ENTITY, before.number,
        before={"status": before.status, "recorded_value": before.recorded_value},
        after={"status": after.status, "recorded_value": after.recorded_value}, at=now,
        note=why or None,
    )  # fmt: skip
    return after


def show_suggestion(uow: UnitOfWork, number: str) -> Suggestion:
    """One suggestion (a supplier's user: only its own)."""
    return SqlSupplierEventStore(uow).suggestion(code(number, "number"))


def list_suggestions(
    uow: UnitOfWork,
    *,
    supplier: str | None = None,
    status: str | None = None,
    limit: int = 1000,
) -> list[Suggestion]:
    """Suggestions newest first, of ``supplier`` and/or in ``status`` (submitted, accepted,
    rejected); a supplier's user sees only its own."""
    store = SqlSupplierEventStore(uow)
    wanted = choice(SuggestionStatus, status, "status").value if status else None
    who = store.supplier(code(supplier, "supplier")).code if supplier else None
    count = whole_number(limit, "limit", minimum=1, maximum=10_000)
    return store.suggestions(supplier=who, status=wanted, limit=count)
