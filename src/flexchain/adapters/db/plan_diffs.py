"""What changed between two stored plans, found in SQL (``plan diff``, the Plan page's "What
changed", ``GET /plan/diff``): only the changed items are read, a page at a time, with their
totals, recorded inputs and parents, so a diff of two 20,000-item plans reads what it shows.

An item changed when the multiset of its planned orders' (due date, quantity) differs between
the runs: grouping both runs' orders by item, due date and quantity, a group whose orders do
not come as many from each run is a change.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select, type_coerce

from flexchain.adapters.db.tables import BomLineRow, ItemRow, PlanInputRow, PlanOrderRow
from flexchain.adapters.db.types import Qty
from flexchain.adapters.db.uow import UnitOfWork

__all__ = ["changed_count", "changed_items", "inputs_for", "order_totals", "parents_of"]

CHUNK = 500
"""Ids per ``IN (...)`` list."""


def _changed(old_id: int, new_id: int) -> Select[Any]:
    """The ids of the items whose planned orders differ between the two runs (``old_id`` and
    ``new_id`` differ): an (item, due date, quantity) counted +1 per order of the old run and
    -1 per order of the new one does not add up to 0."""
    weight = case((PlanOrderRow.run_id == old_id, 1), else_=-1)
    return (
        select(PlanOrderRow.item_id)
        .where(PlanOrderRow.run_id.in_((old_id, new_id)))
        .group_by(PlanOrderRow.item_id, PlanOrderRow.due_date, PlanOrderRow.quantity)
        .having(func.sum(weight) != 0)
    )


def changed_items(
    uow: UnitOfWork, old_id: int, new_id: int, *, offset: int = 0, limit: int | None = None
) -> list[tuple[int, str]]:
    """(item id, SKU) of the changed items by SKU: ``limit`` (None: all) from ``offset``."""
    if old_id == new_id:
        return []
    query = (
        select(ItemRow.id, ItemRow.sku)
        .where(ItemRow.id.in_(_changed(old_id, new_id)))
        .order_by(ItemRow.sku)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [(item_id, sku) for item_id, sku in uow.session.execute(query)]


def changed_count(uow: UnitOfWork, old_id: int, new_id: int) -> int:
    """How many items changed."""
    if old_id == new_id:
        return 0
    found = _changed(old_id, new_id).distinct().subquery()
    return int(uow.session.scalar(select(func.count()).select_from(found)) or 0)


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def order_totals(
    uow: UnitOfWork, run_id: int, item_ids: Iterable[int]
) -> dict[int, tuple[Decimal, int]]:
    """Item id -> (planned quantity, planned orders) in run ``run_id``, of the items given
    (an item without orders is left out)."""
    found: dict[int, tuple[Decimal, int]] = {}
    for chunk in _chunks(item_ids):
        rows = uow.session.execute(
            select(
                PlanOrderRow.item_id,
                type_coerce(func.sum(PlanOrderRow.quantity), Qty()),
                func.count(PlanOrderRow.id),
            )
            .where(PlanOrderRow.run_id == run_id, PlanOrderRow.item_id.in_(chunk))
            .group_by(PlanOrderRow.item_id)
        )
        found.update((item_id, (total, int(count))) for item_id, total, count in rows)
    return found


def inputs_for(uow: UnitOfWork, run_id: int, item_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Item id -> the inputs run ``run_id`` recorded for it, of the items given."""
    found: dict[int, dict[str, str]] = {}
    for chunk in _chunks(item_ids):
        rows = uow.session.execute(
            select(PlanInputRow.item_id, PlanInputRow.values).where(
                PlanInputRow.run_id == run_id, PlanInputRow.item_id.in_(chunk)
            )
        )
        found.update((item_id, dict(values or {})) for item_id, values in rows)
    return found


def parents_of(uow: UnitOfWork, item_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """Item id -> its BOM parents as (id, SKU), by id, of the items given."""
    found: dict[int, list[tuple[int, str]]] = {}
    for chunk in _chunks(item_ids):
        rows = uow.session.execute(
            select(BomLineRow.child_id, BomLineRow.parent_id, ItemRow.sku)
            .join(ItemRow, ItemRow.id == BomLineRow.parent_id)
            .where(BomLineRow.child_id.in_(chunk))
            .order_by(BomLineRow.child_id, BomLineRow.parent_id)
        )
        for child, parent, sku in rows:
            parents = found.setdefault(child, [])
            if not parents or parents[-1][0] != parent:  # one per parent
                parents.append((parent, sku))
    return found
