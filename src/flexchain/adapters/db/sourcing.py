"""The read side of sourcing: the item-supplier terms and the suppliers' capacity, quality and
contracts that ``flexchain source`` turns into a sourcing problem (in the caller's unit of work).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select

from flexchain.adapters.db.tables import (
    CapabilityRow,
    CertificationRow,
    ContractPriceRow,
    ContractRow,
    ItemRow,
    ItemSupplierRow,
    PriceBreakRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork

__all__ = ["OfferRecord", "SqlSourcingStore", "SupplierRecord"]


@dataclass(frozen=True)
class OfferRecord:
    """What one supplier sells one item on: its all-units breaks (minimum, unit price)."""

    supplier: str
    item: str
    family: str
    currency: str
    lead_time_days: int
    moq: Decimal
    multiple: Decimal
    breaks: tuple[tuple[Decimal, Decimal], ...]


@dataclass(frozen=True)
class SupplierRecord:
    """A supplier as sourcing weighs it; ``capacity_per_day`` is its largest process's."""

    code: str
    tier: str
    country: str
    currency: str
    carbon_intensity: Decimal
    capacity_per_day: Decimal
    certifications: frozenset[str]
    reserved_pct: Decimal
    """Capacity reserved for the brand under an active contract (0: none)."""
    contract: str | None


class SqlSourcingStore:
    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session

    def offers(self, skus: Iterable[str], on: date) -> list[OfferRecord]:
        """The terms of active suppliers for ``skus`` valid on ``on``, with their breaks."""
        wanted = sorted(set(skus))
        if not wanted:
            return []
        rows = self.session.execute(
            select(ItemSupplierRow, ItemRow.sku, ItemRow.family, SupplierRow.code)
            .join(ItemRow, ItemRow.id == ItemSupplierRow.item_id)
            .join(SupplierRow, SupplierRow.id == ItemSupplierRow.supplier_id)
            .where(
                ItemRow.sku.in_(wanted),
                SupplierRow.active.is_(True),
                or_(ItemSupplierRow.valid_from.is_(None), ItemSupplierRow.valid_from <= on),
                or_(ItemSupplierRow.valid_to.is_(None), ItemSupplierRow.valid_to >= on),
            )
            .order_by(ItemRow.sku, SupplierRow.code)
        ).all()
        breaks: dict[int, list[tuple[Decimal, Decimal]]] = {}
        for term_id, minimum, price in self.session.execute(
            select(
                PriceBreakRow.item_supplier_id, PriceBreakRow.min_quantity, PriceBreakRow.unit_price
            )
            .where(PriceBreakRow.item_supplier_id.in_([row[0].id for row in rows]))
            .order_by(PriceBreakRow.item_supplier_id, PriceBreakRow.min_quantity)
        ):
            breaks.setdefault(term_id, []).append((minimum, price))
        contract = self._contract_prices(on)
        return [
            OfferRecord(
                supplier,
                sku,
                family,
                term.currency,
                term.lead_time_days,
                term.moq,
                term.order_multiple,
                contract.get((supplier, sku)) or tuple(breaks.get(term.id, ())),
            )
            for term, sku, family, supplier in rows
        ]

    def _contract_prices(
        self, on: date
    ) -> dict[tuple[str, str], tuple[tuple[Decimal, Decimal], ...]]:
        """(supplier, SKU) -> the tiers of the supplier's contract valid on ``on`` that prices the
        item (a framework agreement's price replaces the list price)."""
        tiers: dict[tuple[str, str], list[tuple[Decimal, Decimal]]] = {}
        for supplier, sku, minimum, price in self.session.execute(
            select(
                SupplierRow.code,
                ItemRow.sku,
                ContractPriceRow.min_quantity,
                ContractPriceRow.unit_price,
            )
            .join(ContractRow, ContractRow.id == ContractPriceRow.contract_id)
            .join(SupplierRow, SupplierRow.id == ContractRow.supplier_id)
            .join(ItemRow, ItemRow.id == ContractPriceRow.item_id)
            .where(ContractRow.valid_from <= on, ContractRow.valid_to >= on)
            .order_by(
                SupplierRow.code, ItemRow.sku, ContractRow.code, ContractPriceRow.min_quantity
            )
        ):
            tiers.setdefault((supplier, sku), []).append((minimum, price))
        return {key: tuple(value) for key, value in tiers.items()}

    def suppliers(self, codes: Iterable[str], on: date) -> list[SupplierRecord]:
        """The suppliers ``codes`` with their certificates valid on ``on`` and the capacity
        reservation of their contract active on ``on`` (the largest, if several)."""
        wanted = sorted(set(codes))
        rows = self.session.scalars(
            select(SupplierRow).where(SupplierRow.code.in_(wanted)).order_by(SupplierRow.code)
        ).all()
        ids = [row.id for row in rows]
        capacity: dict[int, Decimal] = {}
        for supplier_id, per_day in self.session.execute(
            select(CapabilityRow.supplier_id, CapabilityRow.capacity_per_day).where(
                CapabilityRow.supplier_id.in_(ids)
            )
        ):
            capacity[supplier_id] = max(capacity.get(supplier_id, Decimal(0)), per_day)
        certificates: dict[int, set[str]] = {}
        for supplier_id, name in self.session.execute(
            select(CertificationRow.supplier_id, CertificationRow.name).where(
                CertificationRow.supplier_id.in_(ids), CertificationRow.valid_until >= on
            )
        ):
            certificates.setdefault(supplier_id, set()).add(name)
        reserved: dict[int, tuple[Decimal, str]] = {}
        for supplier_id, pct, contract in self.session.execute(
            select(ContractRow.supplier_id, ContractRow.capacity_reserved_pct, ContractRow.code)
            .where(
                ContractRow.supplier_id.in_(ids),
                ContractRow.valid_from <= on,
                ContractRow.valid_to >= on,
            )
            .order_by(ContractRow.code)
        ):
            best = reserved.get(supplier_id)
            if best is None or (pct or 0) > best[0]:
                reserved[supplier_id] = (pct or Decimal(0), contract)
        return [
            SupplierRecord(
                row.code,
                row.tier,
                row.country,
                row.currency,
                row.carbon_intensity,
                capacity.get(row.id, Decimal(0)),
                frozenset(certificates.get(row.id, ())),
                reserved.get(row.id, (Decimal(0), None))[0],
                reserved.get(row.id, (0, None))[1],
            )
            for row in rows
        ]
