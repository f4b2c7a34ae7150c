"""The read side of tiers and the Kraljic matrix (spend per item and supplier, the suppliers
qualified for each item, lead times, the suppliers' capabilities) and the one write: a
supplier's stored tier. All in the caller's unit of work."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select, update

from flexchain.adapters.db.tables import (
    CapabilityRow,
    CertificationRow,
    ItemRow,
    ItemSupplierRow,
    PriceBreakRow,
    PurchaseOrderLineRow,
    SupplierRow,
)
from flexchain.adapters.db.tables.procurement import PurchaseOrderRow
from flexchain.adapters.db.uow import UnitOfWork

__all__ = ["SpendRecord", "SqlKraljicStore", "SupplierCapability", "TermRecord"]


@dataclass(frozen=True)
class SpendRecord:
    """What the brand spent on ``item`` at ``supplier`` in ``currency`` (PO lines)."""

    item: str
    family: str
    supplier: str
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class TermRecord:
    """A supplier's current terms for an item, its lead time, and the certificates the supplier
    holds valid on the day asked."""

    item: str
    family: str
    supplier: str
    lead_time_days: Decimal
    lead_sd_days: Decimal
    certificates: frozenset[str]


@dataclass(frozen=True)
class SupplierCapability:
    """A supplier as its tier is judged: stored tier, processes, fastest sampling (None when
    not recorded), smallest MOQ, whether it is active."""

    code: str
    tier: str
    active: bool
    processes: frozenset[str]
    sample_days: Decimal | None
    moq: Decimal | None


class SqlKraljicStore:
    def __init__(self, uow: UnitOfWork) -> None:
        self.session = uow.session

    def spend(self, since: date, until: date) -> list[SpendRecord]:
        """Spend per item, supplier and currency of PO lines due from ``since`` to ``until``:
        quantity x unit price of lines that are not cancelled, whose PO (when it has a header)
        was issued (not a draft, not cancelled); lines without a price count nothing."""
        issued = or_(
            PurchaseOrderRow.id.is_(None), PurchaseOrderRow.status.notin_(("draft", "cancelled"))
        )
        rows = self.session.execute(
            select(
                ItemRow.sku,
                ItemRow.family,
                SupplierRow.code,
                PurchaseOrderLineRow.currency,
                PurchaseOrderLineRow.quantity,
                PurchaseOrderLineRow.unit_price,
            )
            .join(ItemRow, ItemRow.id == PurchaseOrderLineRow.item_id)
            .join(SupplierRow, SupplierRow.id == PurchaseOrderLineRow.supplier_id)
            .outerjoin(
                PurchaseOrderRow, PurchaseOrderRow.po_number == PurchaseOrderLineRow.po_number
            )
            .where(
                PurchaseOrderLineRow.status != "cancelled",
                PurchaseOrderLineRow.unit_price.is_not(None),
                PurchaseOrderLineRow.due_date >= since,
                PurchaseOrderLineRow.due_date <= until,
                issued,
            )
        )
        # summed here, not in SQL: the decimal columns are scaled integers on SQLite
        total: dict[tuple[str, str, str, str], Decimal] = {}
        for sku, family, code, currency, quantity, price in rows:
            key = (sku, family or sku, code, currency)
            total[key] = total.get(key, Decimal(0)) + quantity * (price or Decimal(0))
        return [SpendRecord(*key, amount) for key, amount in sorted(total.items())]

    def terms(self, on: date, skus: Iterable[str] | None = None) -> list[TermRecord]:
        """Current terms (valid on ``on``) of active suppliers for active items (or ``skus``):
        the term's lead time, or the supplier's capabilities' mean when the term has none; the
        largest standard deviation over its capabilities; its certificates valid on ``on``."""
        query = (
            select(ItemRow.sku, ItemRow.family, SupplierRow.id, SupplierRow.code,
                   ItemSupplierRow.lead_time_days)
            .join(ItemRow, ItemRow.id == ItemSupplierRow.item_id)
            .join(SupplierRow, SupplierRow.id == ItemSupplierRow.supplier_id)
            .where(
                SupplierRow.active.is_(True),
                ItemRow.active.is_(True),
                or_(ItemSupplierRow.valid_from.is_(None), ItemSupplierRow.valid_from <= on),
                or_(ItemSupplierRow.valid_to.is_(None), ItemSupplierRow.valid_to >= on),
            )
            .order_by(ItemRow.sku, SupplierRow.code)
        )  # fmt: skip
        if skus is not None:
            query = query.where(ItemRow.sku.in_(sorted(set(skus))))
        rows = self.session.execute(query).all()
        ids = sorted({row[2] for row in rows})
        lead: dict[int, tuple[Decimal, Decimal]] = {}
        for supplier_id, mean, sd in self.session.execute(
            select(
                CapabilityRow.supplier_id,
                CapabilityRow.lead_time_mean_days,
                CapabilityRow.lead_time_sd_days,
            ).where(CapabilityRow.supplier_id.in_(ids))
        ):
            known = lead.get(supplier_id, (Decimal(0), Decimal(0)))
            lead[supplier_id] = (max(known[0], mean or Decimal(0)), max(known[1], sd or Decimal(0)))
        certificates: dict[int, set[str]] = {}
        for supplier_id, name in self.session.execute(
            select(CertificationRow.supplier_id, CertificationRow.name).where(
                CertificationRow.supplier_id.in_(ids), CertificationRow.valid_until >= on
            )
        ):
            certificates.setdefault(supplier_id, set()).add(name)
        return [
            TermRecord(
                sku, family or sku, code,
                Decimal(days) if days else lead.get(supplier_id, (Decimal(0), Decimal(0)))[0],
                lead.get(supplier_id, (Decimal(0), Decimal(0)))[1],
                frozenset(certificates.get(supplier_id, ())),
            )
            for sku, family, supplier_id, code, days in rows
        ]  # fmt: skip

    def list_prices(self, on: date) -> list[tuple[str, str, str, Decimal]]:
        """(supplier, SKU, currency, unit price of the smallest break) of the current terms of
        active suppliers (valid on ``on``)."""
        rows = self.session.execute(
            select(SupplierRow.code, ItemRow.sku, ItemSupplierRow.currency,
                   PriceBreakRow.min_quantity, PriceBreakRow.unit_price)
            .join(ItemSupplierRow, ItemSupplierRow.id == PriceBreakRow.item_supplier_id)
            .join(ItemRow, ItemRow.id == ItemSupplierRow.item_id)
            .join(SupplierRow, SupplierRow.id == ItemSupplierRow.supplier_id)
            .where(
                SupplierRow.active.is_(True),
                or_(ItemSupplierRow.valid_from.is_(None), ItemSupplierRow.valid_from <= on),
                or_(ItemSupplierRow.valid_to.is_(None), ItemSupplierRow.valid_to >= on),
            )
            .order_by(SupplierRow.code, ItemRow.sku, PriceBreakRow.min_quantity)
        ).all()  # fmt: skip
        first: dict[tuple[str, str], tuple[str, str, str, Decimal]] = {}
        for code, sku, currency, _, price in rows:
            first.setdefault((code, sku), (code, sku, currency, price))
        return list(first.values())

    def capabilities(self) -> list[SupplierCapability]:
        """Every supplier with its processes, fastest recorded sampling and smallest MOQ."""
        suppliers = self.session.execute(
            select(SupplierRow.id, SupplierRow.code, SupplierRow.tier, SupplierRow.active)
            .order_by(SupplierRow.code)
        ).all()  # fmt: skip
        processes: dict[int, set[str]] = {}
        sample: dict[int, Decimal] = {}
        moq: dict[int, Decimal] = {}
        for supplier_id, process, days, minimum in self.session.execute(
            select(CapabilityRow.supplier_id, CapabilityRow.process,
                   CapabilityRow.sample_lead_time_days, CapabilityRow.moq)
        ):  # fmt: skip
            processes.setdefault(supplier_id, set()).add(process)
            if days and days > 0:  # 0 is the column's default: not recorded
                sample[supplier_id] = min(sample.get(supplier_id, days), days)
            if minimum is not None:
                moq[supplier_id] = min(moq.get(supplier_id, minimum), minimum)
        return [
            SupplierCapability(
                code, tier, active, frozenset(processes.get(supplier_id, ())),
                sample.get(supplier_id), moq.get(supplier_id),
            )
            for supplier_id, code, tier, active in suppliers
        ]  # fmt: skip

    def tier(self, code: str) -> str | None:
        """The stored tier of supplier ``code`` (None: no such supplier)."""
        return self.session.scalar(select(SupplierRow.tier).where(SupplierRow.code == code))

    def set_tier(self, code: str, tier: str) -> None:
        self.session.execute(update(SupplierRow).where(SupplierRow.code == code).values(tier=tier))
