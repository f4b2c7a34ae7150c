"""The supplier network's store for the import registry and the exports: suppliers, their
capabilities and certifications, item-supplier terms and price breaks.

Replacing a supplier's capabilities (or a pair's price breaks) is one ``DELETE`` of the old rows
and one ``INSERT`` of the new ones for the whole import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import (
    CapabilityRow,
    CertificationRow,
    ItemRow,
    ItemSupplierRow,
    PriceBreakRow,
    SupplierRow,
)

__all__ = ["SupplierStore"]

CHUNK = 500
"""Ids per ``IN (...)`` list, small enough for any database."""
Record = dict[str, Any]
Values = dict[str, Any]


class SupplierStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def names(self) -> list[tuple[str, int, str]]:
        """Every supplier as (code, id, name)."""
        query = select(SupplierRow.code, SupplierRow.id, SupplierRow.name)
        return [(code, id_, name) for code, id_, name in self.session.execute(query)]

    def ids(self) -> dict[str, int]:
        """Supplier id by code (after an import's inserts: the new ones too)."""
        return dict(self.session.execute(select(SupplierRow.code, SupplierRow.id)).all())

    def currencies(self) -> dict[str, str]:
        """Each supplier's currency, by code."""
        return dict(self.session.execute(select(SupplierRow.code, SupplierRow.currency)).all())

    def item_supplier_ids(self) -> dict[tuple[str, str], int]:
        """Item-supplier id by (SKU, supplier code)."""
        query = (
            select(ItemRow.sku, SupplierRow.code, ItemSupplierRow.id)
            .join(ItemRow, ItemRow.id == ItemSupplierRow.item_id)
            .join(SupplierRow, SupplierRow.id == ItemSupplierRow.supplier_id)
        )
        return {(sku, code): id_ for sku, code, id_ in self.session.execute(query)}

    def replace_capabilities(self, supplier_ids: Sequence[int], rows: Sequence[Values]) -> None:
        """Delete the capabilities of ``supplier_ids`` and insert ``rows`` instead."""
        self.session.execute(
            delete(CapabilityRow).where(CapabilityRow.supplier_id.in_(supplier_ids))
        )
        if rows:
            self.session.execute(insert(CapabilityRow), list(rows))

    def replace_certifications(self, supplier_ids: Sequence[int], rows: Sequence[Values]) -> None:
        """Delete the certifications of ``supplier_ids`` and insert ``rows`` instead."""
        self.session.execute(
            delete(CertificationRow).where(CertificationRow.supplier_id.in_(supplier_ids))
        )
        if rows:
            self.session.execute(insert(CertificationRow), list(rows))

    def replace_price_breaks(
        self, item_supplier_ids: Sequence[int], rows: Sequence[Values]
    ) -> None:
        """Delete the price breaks of ``item_supplier_ids`` and insert ``rows`` instead."""
        for start in range(0, len(item_supplier_ids), CHUNK):
            chunk = item_supplier_ids[start : start + CHUNK]
            self.session.execute(
                delete(PriceBreakRow).where(PriceBreakRow.item_supplier_id.in_(chunk))
            )
        if rows:
            self.session.execute(insert(PriceBreakRow), list(rows))

    # --- exports, in natural-key order -----------------------------------------------------------

    def export_suppliers(
        self, capability_fields: Sequence[str]
    ) -> Iterator[tuple[Record, list[Record]]]:
        """Each supplier's own columns (certifications as ``NAME YYYY-MM-DD; ...``) and its
        capabilities by process, by supplier code."""
        certifications: dict[int, list[str]] = defaultdict(list)
        query = select(CertificationRow).order_by(CertificationRow.name)
        for cert in self.session.scalars(query):
            certifications[cert.supplier_id].append(f"{cert.name} {cert.valid_until.isoformat()}")
        capabilities: dict[int, list[Record]] = defaultdict(list)
        query_caps = select(CapabilityRow).order_by(CapabilityRow.process)
        for cap in self.session.scalars(query_caps):
            capabilities[cap.supplier_id].append(
                {"process": cap.process, **{name: getattr(cap, name) for name in capability_fields}}
            )
        for supplier in self.session.scalars(select(SupplierRow).order_by(SupplierRow.code)):
            certs = certifications.get(supplier.id)
            own = {
                "code": supplier.code,
                "name": supplier.name,
                "tier": supplier.tier,
                "country": supplier.country,
                "latitude": supplier.latitude,
                "longitude": supplier.longitude,
                "payment_terms_days": supplier.payment_terms_days,
                "currency": supplier.currency,
                "carbon_intensity": supplier.carbon_intensity,
                "email": supplier.email,
                "active": supplier.active,
                "certifications": "; ".join(certs) if certs else None,
            }
            yield own, capabilities.get(supplier.id, [])

    def export_item_suppliers(self) -> Iterator[Record]:
        """One row per price break, the pair's terms repeated on each, by SKU and supplier."""
        breaks: dict[int, list[PriceBreakRow]] = defaultdict(list)
        query = select(PriceBreakRow).order_by(PriceBreakRow.min_quantity)
        for price_break in self.session.scalars(query):
            breaks[price_break.item_supplier_id].append(price_break)
        pairs = (
            select(ItemSupplierRow, ItemRow.sku, SupplierRow.code)
            .join(ItemRow, ItemRow.id == ItemSupplierRow.item_id)
            .join(SupplierRow, SupplierRow.id == ItemSupplierRow.supplier_id)
            .order_by(ItemRow.sku, SupplierRow.code)
        )
        for terms, sku, supplier in self.session.execute(pairs):
            pair = {
                "item_sku": sku,
                "supplier_code": supplier,
                "currency": terms.currency,
                "lead_time_days": terms.lead_time_days,
                "moq": terms.moq,
                "order_multiple": terms.order_multiple,
                "valid_from": terms.valid_from,
                "valid_to": terms.valid_to,
            }
            for price_break in breaks.get(terms.id, ()):
                yield {
                    **pair,
                    "min_quantity": price_break.min_quantity,
                    "unit_price": price_break.unit_price,
                }
