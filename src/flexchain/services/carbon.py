"""Carbon data per unit: the kg CO2e a supplier declares per unit of an item (or as its default
for every item), dated; the latest on or before a day applies.

A supplier's user posts and sees only its own. ``now``/``today`` come from the caller; nothing
here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flexchain.adapters.db.qc import CarbonRecord, SqlQcStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.files import FileStore
from flexchain.domain.checks import code, day
from flexchain.domain.errors import ValidationError, format_decimal
from flexchain.domain.values import number, utc
from flexchain.services import audit
from flexchain.services import files as shared_files
from flexchain.services.files import AttachmentKind, OwnerKind, Upload


def _day(value: object, field: str) -> date:
    """A date, or its ISO text (``2027-03-31``)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(field, f"expected a date (YYYY-MM-DD), got {value!r}") from None
    return day(value, field)


__all__ = ["CarbonView", "carbon_per_unit", "list_carbon", "post_carbon"]

MAX_KG = Decimal(10) ** 9


@dataclass(frozen=True)
class CarbonView:
    supplier: str
    sku: str | None
    """The item, or ``None``: the supplier's default for items without their own figure."""
    kg_co2e_per_unit: Decimal
    as_of: date
    current: bool
    """Whether this figure applies today (the latest on or before today for its item)."""
    evidence_file_id: int | None
    actor: str


def post_carbon(
    uow: UnitOfWork,
    files: FileStore,
    *,
    supplier: str,
    item: str | None,
    kg_co2e_per_unit: object,
    as_of: object,
    evidence: Upload | None = None,
    now: datetime,
) -> CarbonView:
    """Record ``kg_co2e_per_unit`` for ``item`` (``None``: the supplier's default) as of
    ``as_of``; posting the same supplier, item and day again replaces the figure. ``evidence``:
    a PDF or image backing it."""
    now = utc(now, "now")
    store = SqlQcStore(uow)
    ref = store.supplier(code(supplier, "supplier"))
    item_id = store.item_id(code(item, "item")) if item else None
    value = number(kg_co2e_per_unit, "kg_co2e_per_unit")
    if value > MAX_KG:
        raise ValidationError("kg_co2e_per_unit", f"at most {format_decimal(MAX_KG)}, got {value}")
    on = _day(as_of, "as_of")
    if evidence is not None:
        shared_files.check_uploads(files, [evidence], [AttachmentKind.EVIDENCE])
    file_id = None
    if evidence is not None:
        attached = shared_files.attach(
            uow,
            files,
            owner_kind=OwnerKind.CARBON,
            owner_ref=f"{ref.code}/{item or '*'}/{on.isoformat()}"[:64],
            upload=evidence,
            kind=AttachmentKind.EVIDENCE,
            now=now,
            supplier_id=ref.id,
        )
        file_id = attached.file.id
    before = store.put_carbon(ref.id, item_id, value, on, file_id)
    audit.record_change(
        uow,
        "carbon",
        "supplier",
        ref.code,
        before={"kg_co2e_per_unit": before} if before is not None else None,
        after={"kg_co2e_per_unit": value},
        at=now,
        item=item or "*",
        as_of=on,
    )
    found = list_carbon(uow, supplier=ref.code, today=now.date())
    return next(c for c in found if c.sku == (item or None) and c.as_of == on)


def _current(records: list[CarbonRecord], today: date) -> set[tuple[str, str | None, date]]:
    latest: dict[tuple[str, str | None], date] = {}
    for r in records:
        key = (r.supplier, r.sku)
        if r.as_of <= today and (key not in latest or r.as_of > latest[key]):
            latest[key] = r.as_of
    return {(s, i, d) for (s, i), d in latest.items()}


def list_carbon(uow: UnitOfWork, *, supplier: str | None = None, today: date) -> list[CarbonView]:
    """Every figure by supplier, item (default first) and day, marked ``current`` where it
    applies today (a supplier's user: its own)."""
    store = SqlQcStore(uow)
    supplier_id = store.supplier(code(supplier, "supplier")).id if supplier else None
    records = store.carbon(supplier_id=supplier_id)
    current = _current(records, today)
    return [
        CarbonView(
            r.supplier,
            r.sku,
            r.kg_co2e_per_unit,
            r.as_of,
            (r.supplier, r.sku, r.as_of) in current,
            r.evidence_file_id,
            r.actor,
        )
        for r in records
    ]


def carbon_per_unit(uow: UnitOfWork, supplier: str, item: str, *, on: date) -> Decimal | None:
    """kg CO2e per unit of ``item`` from ``supplier`` on day ``on``: its latest figure for the
    item, else its latest default, else ``None``."""
    found = [c for c in list_carbon(uow, supplier=supplier, today=on) if c.current]
    for sku in (item, None):
        match = next((c for c in found if c.sku == sku), None)
        if match is not None:
            return match.kg_co2e_per_unit
    return None
