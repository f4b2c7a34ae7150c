"""Import kinds ``contracts`` (upserted by code, one row per contract with its clause columns)
and ``contract-prices`` (tiered prices, upserted by contract, item and minimum quantity).

A clause is signed when its columns are filled: elastic top-up needs ``topup_max_units`` and
``topup_max_premium_pct`` (``topup_first_max_units``, the first order's limit N, is optional:
empty, no limit); quality retention needs ``retention_pct`` (settlement defaults to
quarterly); capacity reservation needs ``capacity_reserved_pct`` and ``capacity_monthly_fee``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flexchain.domain.contracts import (
    CapacityReservation,
    Contract,
    ElasticTopUp,
    QualityRetention,
    Settlement,
    TieredPrice,
)
from flexchain.domain.errors import ValidationError
from flexchain.domain.suppliers import Process
from flexchain.domain.values import MONEY_PLACES, PERCENT_PLACES, QUANTITY_PLACES
from flexchain.services.imports import cells
from flexchain.services.imports.columns import Column, Parsed, Seen
from flexchain.services.imports.lookups import Suppliers, contract_ids, item_refs, stored_rows
from flexchain.services.imports.pipeline import Checked, Kind, Plan
from flexchain.services.imports.writing import Upserts

__all__ = ["CONTRACTS", "CONTRACT_PRICES"]

QUANTITY = cells.decimal(QUANTITY_PLACES)
MONEY = cells.decimal(MONEY_PLACES)
PERCENT = cells.decimal(PERCENT_PLACES)

COLUMNS = (
    Column("code", cells.code, required=True),
    Column("supplier_code", cells.reference, required=True),
    Column("valid_from", cells.day, required=True),
    Column("valid_to", cells.day, required=True),
    Column("currency", cells.currency),
    Column("topup_max_units", QUANTITY),
    Column("topup_max_premium_pct", PERCENT),
    Column("topup_first_max_units", QUANTITY),
    Column("retention_pct", PERCENT),
    Column("retention_settlement", cells.choice(Settlement)),
    Column("capacity_reserved_pct", PERCENT),
    Column("capacity_monthly_fee", MONEY),
    Column("capacity_process", cells.choice(Process)),
    Column("notes", cells.text, default=""),
)
_FIELDS = tuple(column.name for column in COLUMNS[1:])
# clause -> (its columns, the ones that must be filled when any is, domain field -> column)
_CLAUSES: dict[str, tuple[tuple[str, ...], tuple[str, ...], dict[str, str]]] = {
    "elastic_topup": (
        ("topup_max_units", "topup_max_premium_pct", "topup_first_max_units"),
        ("topup_max_units", "topup_max_premium_pct"),
        {
            "max_units": "topup_max_units",
            "max_premium_pct": "topup_max_premium_pct",
            "first_max_units": "topup_first_max_units",
        },
    ),
    "quality_retention": (
        ("retention_pct", "retention_settlement"),
        ("retention_pct",),
        {"retention_pct": "retention_pct", "settlement": "retention_settlement"},
    ),
    "capacity_reservation": (
        ("capacity_reserved_pct", "capacity_monthly_fee", "capacity_process"),
        ("capacity_reserved_pct", "capacity_monthly_fee"),
        {
            "reserved_pct": "capacity_reserved_pct",
            "monthly_fee": "capacity_monthly_fee",
            "process": "capacity_process",
        },
    ),
}
_CLAUSE_TYPES = {
    "elastic_topup": ElasticTopUp,
    "quality_retention": QualityRetention,
    "capacity_reservation": CapacityReservation,
}


def _clauses(fields: dict[str, Any], row: Parsed, check: Checked) -> dict[str, Any] | None:
    """The signed clauses, or None after reporting a half-filled or invalid one."""
    clauses: dict[str, Any] = {}
    for name, (columns, needed, to_column) in _CLAUSES.items():
        if all(fields.get(column) is None for column in columns):
            continue
        missing = [column for column in needed if fields.get(column) is None]
        if missing:
            given = next(column for column in columns if fields.get(column) is not None)
            check.errors.add(row.line, missing[0], f"required with {given} ({name} clause)")
            return None
        arguments = {
            field: fields[column]
            for field, column in to_column.items()
            if fields.get(column) is not None
        }
        try:
            clauses[name] = _CLAUSE_TYPES[name](**arguments)
        except ValidationError as error:
            check.errors.invalid(row.line, error, to_column)
            return None
    return clauses


def _db_values(contract: Contract, supplier_id: int) -> dict[str, Any]:
    topup, retention = contract.elastic_topup, contract.quality_retention
    capacity = contract.capacity_reservation
    return {
        "code": contract.code,
        "supplier_id": supplier_id,
        "valid_from": contract.valid_from,
        "valid_to": contract.valid_to,
        "currency": contract.currency,
        "topup_max_units": topup.max_units if topup else None,
        "topup_max_premium_pct": topup.max_premium_pct if topup else None,
        "topup_first_max_units": topup.first_max_units if topup else None,
        "retention_pct": retention.retention_pct if retention else None,
        "retention_settlement": str(retention.settlement) if retention else None,
        "capacity_reserved_pct": capacity.reserved_pct if capacity else None,
        "capacity_monthly_fee": capacity.monthly_fee if capacity else None,
        "capacity_process": capacity.process.value if capacity and capacity.process else None,
        "notes": contract.notes,
    }


def check_contracts(check: Checked) -> Plan:
    stores = check.stores
    suppliers = Suppliers.load(stores)
    currencies = stores.suppliers.currencies()
    stored = {row["code"]: row for row in stored_rows(stores, "contracts")}
    seen = Seen(check.errors, "code")
    upserts = Upserts("contracts", "contract")
    for row in check.rows:
        code = row.values.get("code")
        if code is None or not seen.first(code, row.line):
            continue
        reference = row.values.get("supplier_code")
        supplier = suppliers.resolve(reference) if reference else None
        if reference and supplier is None:
            check.errors.add(row.line, "supplier_code", suppliers.unknown(reference))
        if supplier is None or not row.ok:
            continue
        old = stored.get(code)
        fields = {name: old[name] for name in _FIELDS if name in old} if old else {}
        fields.update({name: row.values[name] for name in _FIELDS if check.layout.has(name)})
        fields["currency"] = fields.get("currency") or currencies[supplier]
        clauses = _clauses(fields, row, check)
        if clauses is None:
            continue
        try:
            contract = Contract(
                code=code,
                supplier_code=supplier,
                valid_from=fields["valid_from"],
                valid_to=fields["valid_to"],
                currency=fields["currency"],
                notes=fields.get("notes") or "",
                **clauses,
            )
        except ValidationError as error:
            check.errors.invalid(row.line, error, {})
            continue
        upserts.add(code, row.line, _db_values(contract, suppliers.ids[supplier]), old)
    return Plan(*upserts.counts, write=lambda stores: upserts.write(stores, check.source))


PRICE_COLUMNS = (
    Column("contract_code", cells.reference, required=True),
    Column("item_sku", cells.reference, required=True),
    Column("min_quantity", QUANTITY, default=Decimal(0)),
    Column("unit_price", MONEY, required=True),
)


def check_prices(check: Checked) -> Plan:
    stores = check.stores
    contracts = contract_ids(stores)
    items = item_refs(stores)
    codes = {id_: code for code, id_ in contracts.items()}
    skus = {ref.id: sku for sku, ref in items.items()}
    stored = {
        (codes[row["contract_id"]], skus[row["item_id"]], row["min_quantity"]): row
        for row in stored_rows(stores, "contract_prices")
    }
    seen = Seen(check.errors, "min_quantity")
    upserts = Upserts("contract_prices", "contract_price")
    for row in check.rows:
        contract, item = row.values.get("contract_code"), row.values.get("item_sku")
        # no such column: 0; a cell that failed to parse: None (reported; no key to compare)
        has_minimum = check.layout.has("min_quantity")
        minimum = row.values.get("min_quantity") if has_minimum else Decimal(0)
        if contract is None or item is None or minimum is None:
            continue
        key = (contract, item, minimum)
        if not seen.first(key, row.line):
            continue
        if contract not in contracts:
            check.errors.add(row.line, "contract_code", f"unknown contract {contract!r}")
        if item not in items:
            check.errors.add(row.line, "item_sku", f"unknown item {item!r}")
        if contract not in contracts or item not in items or not row.ok:
            continue
        try:
            price = TieredPrice(item, minimum, row.values["unit_price"])
        except ValidationError as error:
            check.errors.invalid(row.line, error, {})
            continue
        values = {
            "contract_id": contracts[contract],
            "item_id": items[item].id,
            "min_quantity": price.min_quantity,
            "unit_price": price.unit_price,
        }
        key_text = f"{contract}/{item}/{cells.text(price.min_quantity)}"
        upserts.add(key_text, row.line, values, stored.get(key))
    return Plan(*upserts.counts, write=lambda stores: upserts.write(stores, check.source))


CONTRACTS = Kind("contracts", COLUMNS, check_contracts)
CONTRACT_PRICES = Kind("contract-prices", PRICE_COLUMNS, check_prices)
