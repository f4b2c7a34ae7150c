"""What changed between two stored plans and why (``flexchain plan diff``, the Plan page's
"What changed", ``GET /plan/diff``): per item whose planned orders changed, the totals before
and after and the input changes between the runs that caused it (its own, or a parent's).

The changed items are found by the store in SQL (:mod:`flexchain.adapters.db.plan_diffs`);
only they, a page at a time, and the inputs and parents their causes need are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flexchain.adapters.db import plan_diffs as diff_store
from flexchain.adapters.db.uow import UnitOfWork

__all__ = ["CAUSES", "DiffPage", "PlanChange", "count_changes", "diff_page", "diff_runs"]


@dataclass(frozen=True)
class PlanChange:
    """An item whose planned orders differ between two runs, and the input changes behind it."""

    sku: str | None
    before: Decimal
    after: Decimal
    orders_before: int
    orders_after: int
    caused_by: str


CAUSES = {
    "orders": "new order",
    "stock": "stock change",
    "receipts": "open job or PO change",
    "forecast": "forecast change",
    "safety_stock": "safety stock change",
    "supplier_terms": "supplier term",
}
"""The inputs ``plan diff`` compares, and how it names a change of each."""


def diff_runs(
    uow: UnitOfWork, old_id: int, new_id: int, *, offset: int = 0, limit: int | None = None
) -> list[PlanChange]:
    """Per item whose planned orders changed, by SKU: the old and new totals and orders, and the
    inputs that changed between the runs (or, if none of its own did, its parents'). ``limit``
    items (None: all) from ``offset``."""
    return diff_page(uow, old_id, new_id, offset=offset, limit=limit).changes


@dataclass(frozen=True)
class DiffPage:
    """A page of :func:`diff_runs` and how many items changed in all."""

    changes: list[PlanChange]
    total: int


def diff_page(
    uow: UnitOfWork, old_id: int, new_id: int, *, offset: int = 0, limit: int | None = None
) -> DiffPage:
    """:func:`diff_runs` with the count of every changed item. The changed items are found in
    SQL (their ids and SKUs only); the totals, inputs and parents are read for the page's items
    (and the parents their causes lead to) only."""
    changed = diff_store.changed_items(uow, old_id, new_id)
    page = changed[offset : None if limit is None else offset + limit]
    ids = [item_id for item_id, _ in page]
    before = diff_store.order_totals(uow, old_id, ids)
    after = diff_store.order_totals(uow, new_id, ids)
    causes = _Causes(uow, old_id, new_id)
    causes.load(ids)
    none = (Decimal(0), 0)
    changes = [
        PlanChange(
            sku=sku,
            before=before.get(item_id, none)[0],
            after=after.get(item_id, none)[0],
            orders_before=before.get(item_id, none)[1],
            orders_after=after.get(item_id, none)[1],
            caused_by="; ".join(causes.of(item_id))
            or "no input of this item or its parents changed (netting order)",
        )
        for item_id, sku in page
    ]
    return DiffPage(changes, len(changed))


def count_changes(uow: UnitOfWork, old_id: int, new_id: int) -> int:
    """How many items :func:`diff_runs` lists."""
    return diff_store.changed_count(uow, old_id, new_id)


class _Causes:
    """The input changes behind an item's change: its own, else the first parent's (by id)
    that has any, up the bill of materials. Inputs and parents are read as they are needed,
    each item's once."""

    def __init__(self, uow: UnitOfWork, old_id: int, new_id: int) -> None:
        self.uow, self.old_id, self.new_id = uow, old_id, new_id
        self.old: dict[int, dict[str, str]] = {}
        self.new: dict[int, dict[str, str]] = {}
        self.loaded: set[int] = set()
        self.parents: dict[int, list[tuple[int, str]]] = {}
        self.found: dict[int, list[str]] = {}

    def load(self, ids: list[int]) -> None:
        missing = [i for i in ids if i not in self.loaded]
        if missing:
            self.old.update(diff_store.inputs_for(self.uow, self.old_id, missing))
            self.new.update(diff_store.inputs_for(self.uow, self.new_id, missing))
            self.loaded.update(missing)

    def of(self, item_id: int, path: frozenset[int] = frozenset()) -> list[str]:
        if item_id in self.found:
            return self.found[item_id]
        self.load([item_id])
        old, new = self.old.get(item_id, {}), self.new.get(item_id, {})
        own = [
            f"{CAUSES[k]}: {old.get(k, '-')} -> {new.get(k, '-')}"
            for k in CAUSES
            if old.get(k) != new.get(k)
        ]
        if own:
            self.found[item_id] = own
            return own
        if item_id not in self.parents:
            self.parents[item_id] = []
            self.parents.update(diff_store.parents_of(self.uow, [item_id]))
        parents = [(p, sku) for p, sku in self.parents[item_id] if p not in path]
        self.load([p for p, _ in parents])
        result: list[str] = []
        for parent, sku in parents:
            found = self.of(parent, path | {item_id})
            if found:
                result = [f"via {sku}: {cause}" for cause in found]
                break
        self.found[item_id] = result
        return result
