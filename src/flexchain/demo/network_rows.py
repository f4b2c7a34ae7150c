"""Import rows of the supplier network: suppliers, locations, item-suppliers and contracts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flexchain.demo.data import Row
from flexchain.demo.materials import MATERIALS
from flexchain.demo.modules import Module
from flexchain.demo.network import BACKUP, BY_CODE, CONTRACTS, LOCATIONS, SUPPLIERS

USD_PER_EUR = Decimal("1.08")
_CENT = Decimal("0.01")
_MILLI = Decimal("0.0001")


def supplier_rows(today: date) -> list[Row]:
    rows = []
    for index, supplier in enumerate(SUPPLIERS):
        rows.append(
            {
                "code": supplier.code,
                "name": supplier.name,
                "tier": supplier.tier,
                "country": supplier.country,
                "latitude": Decimal(supplier.latitude),
                "longitude": Decimal(supplier.longitude),
                "payment_terms_days": supplier.payment_terms_days,
                "currency": supplier.currency,
                "carbon_intensity": Decimal(supplier.carbon_intensity),
                "email": supplier.email,
                "capabilities": [
                    {
                        "process": cap.process,
                        "capacity_per_day": Decimal(cap.capacity_per_day),
                        "moq": Decimal(cap.moq),
                        "order_multiple": Decimal(cap.order_multiple),
                        "lead_time_mean_days": Decimal(cap.lead_time_mean_days),
                        "lead_time_sd_days": Decimal(cap.lead_time_sd_days),
                        "sample_lead_time_days": Decimal(cap.sample_lead_time_days),
                    }
                    for cap in supplier.capabilities
                ],
                # Staggered expiry dates; the leather tannery's LWG certificate lapses in 3 weeks.
                "certifications": [
                    {
                        "name": name,
                        "valid_until": today + timedelta(days=21 if supplier.code == "LEATH-ES"
                                                          else 120 + 90 * ((index + k) % 7)),
                    }
                    for k, name in enumerate(supplier.certifications)
                ],
            }
        )  # fmt: skip
    return rows


def location_rows() -> list[Row]:
    return [
        {
            "code": code,
            "name": name,
            "kind": kind,
            "supplier_code": supplier or "",
            "transit_for": transit_for or "",
        }
        for code, name, kind, supplier, transit_for in LOCATIONS
    ]


def _breaks(unit_cost: Decimal, moq: Decimal) -> list[tuple[Decimal, Decimal]]:
    """Three price breaks: list price from 0 (or the MOQ), -5% at 4x MOQ, -10% at 10x MOQ."""
    step = max(moq, Decimal(10))
    return [
        (moq, unit_cost),
        (step * 4, (unit_cost * Decimal("0.95")).quantize(_MILLI)),
        (step * 10, (unit_cost * Decimal("0.90")).quantize(_MILLI)),
    ]


def _item_supplier(
    sku: str, supplier: str, cost: Decimal, moq: Decimal, multiple: Decimal, lead: int
) -> Row:
    currency = BY_CODE[supplier].currency
    if currency == "USD":
        cost = (cost * USD_PER_EUR).quantize(_MILLI)
    return {
        "item_sku": sku,
        "supplier_code": supplier,
        "currency": currency,
        "lead_time_days": lead,
        "moq": moq,
        "order_multiple": multiple,
        "price_breaks": [
            {"min_quantity": minimum, "unit_price": price} for minimum, price in _breaks(cost, moq)
        ],
    }


def item_supplier_rows(modules: list[Module], materials: set[str]) -> list[Row]:
    """Who sells what: each material from its vendor, each module from its maker, and the
    backup factory for every cut or sewn module at about 70% of the price and three times the
    lead time."""
    rows = [
        _item_supplier(
            m.sku,
            m.supplier,
            m.unit_cost,
            Decimal(m.moq),
            Decimal(m.multiple),
            m.lead_time_days,
        )
        for m in MATERIALS
        if m.sku in materials
    ]
    for module in modules:
        cost = Decimal(module.cost)
        lead = int(Decimal(BY_CODE[module.supplier].capabilities[0].lead_time_mean_days))
        rows.append(
            _item_supplier(module.sku, module.supplier, cost, Decimal(module.moq), Decimal(1), lead)
        )
        if module.supplier in ("CUT-PT", "SEW-PT"):
            backup = (cost * Decimal("0.7")).quantize(_MILLI)
            rows.append(_item_supplier(module.sku, BACKUP, backup, Decimal(300), Decimal(50), 45))
    return rows


def contract_rows(today: date) -> list[Row]:
    valid_from = date(today.year, 1, 1) if today.month > 1 else date(today.year - 1, 1, 1)
    rows = []
    for contract in CONTRACTS:
        topup = contract.topup or (None, None, None)
        retention = contract.retention or (None, None)
        capacity = contract.capacity or (None, None, None)
        rows.append(
            {
                "code": contract.code,
                "supplier_code": contract.supplier,
                "valid_from": valid_from,
                "valid_to": date(valid_from.year + 2, 12, 31),
                "currency": BY_CODE[contract.supplier].currency,
                "topup_max_units": _dec(topup[0]),
                "topup_max_premium_pct": _dec(topup[1]),
                "topup_first_max_units": _dec(topup[2]),
                "retention_pct": _dec(retention[0]),
                "retention_settlement": retention[1],
                "capacity_reserved_pct": _dec(capacity[0]),
                "capacity_monthly_fee": _dec(capacity[1]),
                "capacity_process": capacity[2],
                "notes": contract.notes,
            }
        )
    return rows


def contract_price_rows(modules: list[Module]) -> list[Row]:
    """Tiered prices for every module the contract's supplier makes (for the backup: every cut or
    sewn module), as factors on the module's standard cost."""
    rows = []
    for contract in CONTRACTS:
        makers = ("CUT-PT", "SEW-PT") if contract.supplier == BACKUP else (contract.supplier,)
        usd = BY_CODE[contract.supplier].currency == "USD"
        for module in modules:
            if module.supplier not in makers:
                continue
            cost = Decimal(module.cost) * (USD_PER_EUR if usd else 1)
            for minimum, factor in contract.discounts:
                rows.append(
                    {
                        "contract_code": contract.code,
                        "item_sku": module.sku,
                        "min_quantity": Decimal(minimum),
                        "unit_price": (cost * Decimal(factor)).quantize(_CENT),
                    }
                )
    return rows


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
