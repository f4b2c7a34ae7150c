"""The contracts' store for the import registry and the exports: framework agreements with a
supplier and their tiered prices."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import ContractPriceRow, ContractRow, ItemRow, SupplierRow

__all__ = ["ContractStore"]

Record = dict[str, Any]


class ContractStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def ids(self) -> dict[str, int]:
        """Contract id by code."""
        return dict(self.session.execute(select(ContractRow.code, ContractRow.id)).all())

    # --- exports, in natural-key order -----------------------------------------------------------

    def export_contracts(self) -> Iterator[Record]:
        query = (
            select(ContractRow, SupplierRow.code)
            .join(SupplierRow, SupplierRow.id == ContractRow.supplier_id)
            .order_by(ContractRow.code)
        )
        for contract, supplier in self.session.execute(query):
            yield {
                "code": contract.code,
                "supplier_code": supplier,
                "valid_from": contract.valid_from,
                "valid_to": contract.valid_to,
                "currency": contract.currency,
                "topup_max_units": contract.topup_max_units,
                "topup_max_premium_pct": contract.topup_max_premium_pct,
                "topup_first_max_units": contract.topup_first_max_units,
                "retention_pct": contract.retention_pct,
                "retention_settlement": contract.retention_settlement,
                "capacity_reserved_pct": contract.capacity_reserved_pct,
                "capacity_monthly_fee": contract.capacity_monthly_fee,
                "capacity_process": contract.capacity_process,
                "notes": contract.notes,
            }

    def export_prices(self) -> Iterator[Record]:
        query = (
            select(
                ContractRow.code,
                ItemRow.sku,
                ContractPriceRow.min_quantity,
                ContractPriceRow.unit_price,
            )
            .join(ContractRow, ContractRow.id == ContractPriceRow.contract_id)
            .join(ItemRow, ItemRow.id == ContractPriceRow.item_id)
            .order_by(ContractRow.code, ItemRow.sku, ContractPriceRow.min_quantity)
        )
        for contract, sku, minimum, price in self.session.execute(query):
            yield {
                "contract_code": contract,
                "item_sku": sku,
                "min_quantity": minimum,
                "unit_price": price,
            }
