"""The supply terms a planning run uses per item: lead time (mean and spread), lot terms (MOQ and
multiple) and the supplier's tier, chosen from the item's own fields, its item-supplier terms and
its supplier's process capabilities (docs/planning.md, step *snapshot*)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["MADE_KINDS", "Capability", "ItemTerms", "SupplierTerms", "SupplyTerms", "supply_terms"]

MADE_KINDS = ("finished", "module")
"""Item kinds a supplier makes from components (a production job); other kinds are bought."""


@dataclass(frozen=True, slots=True)
class ItemTerms:
    """An item's own planning fields."""

    id: int
    kind: str
    default_supplier_id: int | None
    production_cycle_days: int
    moq: Decimal
    order_multiple: Decimal


@dataclass(frozen=True, slots=True)
class SupplierTerms:
    """What one supplier sells one item on (an item-supplier row)."""

    item_id: int
    supplier_id: int
    lead_time_days: int
    moq: Decimal
    order_multiple: Decimal
    price_breaks: tuple[tuple[Decimal, Decimal], ...] = ()
    """(minimum quantity, unit price) of each all-units price break, by quantity."""


@dataclass(frozen=True, slots=True)
class Capability:
    """A supplier's process capability: its lead time's mean and spread in days."""

    supplier_id: int
    lead_time_mean_days: Decimal
    lead_time_sd_days: Decimal


@dataclass(frozen=True, slots=True)
class SupplyTerms:
    lead_days: int
    lead_sd_days: Decimal
    tier: str | None
    moq: Decimal
    multiple: Decimal
    price_breaks: tuple[tuple[Decimal, Decimal], ...] = ()
    """The chosen item-supplier term's price breaks (what the policy step prices lots by)."""


def supply_terms(
    items: Iterable[ItemTerms],
    terms: Iterable[SupplierTerms],
    capabilities: Iterable[Capability],
    tiers: Mapping[int, str],
) -> dict[int, SupplyTerms]:
    """Per item: a made item's lead time is its default supplier's first capability's (rounded
    up to whole days) plus its production cycle, with that capability's spread; a bought item's
    is its item-supplier term's (the default supplier's, else the first term), with no spread.
    The tier is the supplier of that term's (else the default supplier's); MOQ and multiple are
    the larger of the item's and the term's (a multiple of 0 counts as 1); the price breaks are
    the chosen term's.

    ``terms`` and ``capabilities`` come in the order they were recorded: "first" means that.
    """
    by_id = {item.id: item for item in items}
    first_capability: dict[int, tuple[Decimal, Decimal]] = {}
    for capability in capabilities:
        first_capability.setdefault(
            capability.supplier_id,
            (capability.lead_time_mean_days, capability.lead_time_sd_days),
        )
    chosen: dict[int, SupplierTerms] = {}
    for row in terms:
        item = by_id.get(row.item_id)
        if item is not None and (
            row.item_id not in chosen or row.supplier_id == item.default_supplier_id
        ):
            chosen[row.item_id] = row
    result = {}
    for item in by_id.values():
        term = chosen.get(item.id)
        if item.kind in MADE_KINDS:
            lead, lead_sd = first_capability.get(
                item.default_supplier_id or -1, (Decimal(0), Decimal(0))
            )
            lead_days, lead_sd_days = math.ceil(lead) + item.production_cycle_days, lead_sd
        else:
            lead_days, lead_sd_days = (term.lead_time_days if term else 0), Decimal(0)
        supplier = term.supplier_id if term else item.default_supplier_id
        moq = max(item.moq, term.moq if term else Decimal(0))
        multiple = max(item.order_multiple, term.order_multiple if term else Decimal(0))
        result[item.id] = SupplyTerms(
            lead_days,
            lead_sd_days,
            tiers[supplier] if supplier is not None and supplier in tiers else None,
            moq,
            multiple or Decimal(1),
            term.price_breaks if term else (),
        )
    return result
