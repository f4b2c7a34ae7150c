"""The reads behind what the brand shares with one supplier: the supplier itself (in the unit of
work's scope), the items it is shown (those it has terms for, and those the plan may place at
it), the current plan's forecasts and planned orders of those items, and the locations it holds
stock at.

A supplier's user (``uow.supplier_scope``) can only name its own supplier: any other code, like
an unknown one, is not found. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select

from flexchain.adapters.db.tables import (
    ContractPriceRow,
    ContractRow,
    ItemRow,
    ItemSupplierRow,
    LocationRow,
    PlanOrderRow,
    SupplierRow,
)
from flexchain.adapters.db.tables.planning import PlanForecastRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound, ValidationError

__all__ = [
    "ForecastRecord",
    "ItemRecord",
    "PlannedRecord",
    "SqlSupplierForecastStore",
    "SupplierRecord",
]


@dataclass(frozen=True)
class SupplierRecord:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class ItemRecord:
    """An item a supplier may be shown, with what decides whether the plan places it there."""

    id: int
    sku: str
    name: str
    uom: str
    kind: str
    default_supplier_id: int | None
    term_suppliers: tuple[int, ...]
    """The suppliers of the item's item-supplier terms, in the order they were recorded."""
    contract: bool
    """The supplier has a contract price for the item."""


@dataclass(frozen=True)
class ForecastRecord:
    item_id: int
    location: str
    origin: date
    weekly: str


@dataclass(frozen=True)
class PlannedRecord:
    item_id: int
    kind: str
    due_date: date
    quantity: Decimal


class SqlSupplierForecastStore:
    """Reads of one unit of work, confined to its supplier scope."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session
        self.scope = uow.supplier_scope

    def supplier(self, code: str | None) -> SupplierRecord:
        """The supplier ``code`` (a supplier's user: its own when ``None``)."""
        query = select(SupplierRow.id, SupplierRow.code, SupplierRow.name)
        if self.scope is not None:
            query = query.where(SupplierRow.id == self.scope)
        elif code is None:
            raise ValidationError("supplier", "required: the supplier's code")
        if code is not None:
            query = query.where(SupplierRow.code == code)
        row = self.session.execute(query).first()
        if row is None:
            raise NotFound(f"unknown supplier {code!r}")
        return SupplierRecord(*row)

    def items(self, supplier_id: int) -> list[ItemRecord]:
        """Active items the supplier has item-supplier terms or a contract price for, or is the
        default supplier of; by SKU."""
        termed = select(ItemSupplierRow.item_id).where(ItemSupplierRow.supplier_id == supplier_id)
        contracted = (
            select(ContractPriceRow.item_id)
            .join(ContractRow, ContractRow.id == ContractPriceRow.contract_id)
            .where(ContractRow.supplier_id == supplier_id)
        )
        rows = self.session.execute(
            select(
                ItemRow.id,
                ItemRow.sku,
                ItemRow.name,
                ItemRow.uom,
                ItemRow.kind,
                ItemRow.default_supplier_id,
            )
            .where(
                ItemRow.active.is_(True),
                or_(
                    ItemRow.id.in_(termed),
                    ItemRow.id.in_(contracted),
                    ItemRow.default_supplier_id == supplier_id,
                ),
            )
            .order_by(ItemRow.sku)
        ).all()
        ids = [row[0] for row in rows]
        terms: dict[int, list[int]] = {}
        for item_id, term_supplier in self.session.execute(
            select(ItemSupplierRow.item_id, ItemSupplierRow.supplier_id)
            .where(ItemSupplierRow.item_id.in_(ids))
            .order_by(ItemSupplierRow.id)
        ):
            terms.setdefault(item_id, []).append(term_supplier)
        under_contract = set(
            self.session.scalars(contracted.where(ContractPriceRow.item_id.in_(ids)))
        )
        return [
            ItemRecord(
                id=item_id,
                sku=sku,
                name=name,
                uom=uom,
                kind=kind,
                default_supplier_id=default,
                term_suppliers=tuple(terms.get(item_id, ())),
                contract=item_id in under_contract,
            )
            for item_id, sku, name, uom, kind, default in rows
        ]

    def forecasts(self, run_id: int, item_ids: Collection[int]) -> list[ForecastRecord]:
        """The weekly forecasts run ``run_id`` made for ``item_ids`` (every location)."""
        if not item_ids:
            return []
        rows = self.session.execute(
            select(
                PlanForecastRow.item_id,
                PlanForecastRow.location,
                PlanForecastRow.origin,
                PlanForecastRow.weekly,
            )
            .where(PlanForecastRow.run_id == run_id, PlanForecastRow.item_id.in_(list(item_ids)))
            .order_by(PlanForecastRow.item_id, PlanForecastRow.location)
        )
        return [ForecastRecord(*row) for row in rows]

    def planned(
        self, run_id: int, item_ids: Collection[int], kinds: Collection[str]
    ) -> list[PlannedRecord]:
        """The planned orders of ``kinds`` run ``run_id`` made for ``item_ids``, by due date."""
        if not item_ids:
            return []
        rows = self.session.execute(
            select(
                PlanOrderRow.item_id,
                PlanOrderRow.kind,
                PlanOrderRow.due_date,
                PlanOrderRow.quantity,
            )
            .where(
                PlanOrderRow.run_id == run_id,
                PlanOrderRow.item_id.in_(list(item_ids)),
                PlanOrderRow.kind.in_(list(kinds)),
            )
            .order_by(PlanOrderRow.due_date, PlanOrderRow.number)
        )
        return [PlannedRecord(*row) for row in rows]

    def locations(self, supplier_id: int) -> list[tuple[str, str]]:
        """(code, name) of the locations at the supplier (its sites), by code."""
        rows = self.session.execute(
            select(LocationRow.code, LocationRow.name)
            .where(LocationRow.supplier_id == supplier_id)
            .order_by(LocationRow.code)
        )
        return [(code, name) for code, name in rows]
