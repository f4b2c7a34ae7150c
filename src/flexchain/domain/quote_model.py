"""The data of quoting: the snapshot a quote reads, its policy, and what a quote returns.

The rules are in :mod:`flexchain.domain.quotes` (and :mod:`flexchain.domain.allocation` for the
ship date); these are the plain values they read and write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from flexchain.domain.allocation import PACKING_DAYS
from flexchain.domain.assignment import HORIZON_DAYS, Assignment, Candidate
from flexchain.domain.bom import BomLine
from flexchain.domain.catalog import Item, Option
from flexchain.domain.checks import whole_number
from flexchain.domain.orders import ChosenOption
from flexchain.domain.speed import DEFAULT_LADDER, SpeedLadder, SpeedTier
from flexchain.domain.suppliers import ItemSupplier, Process
from flexchain.domain.values import Money, number

__all__ = [
    "DEFAULT_POLICY",
    "Alternative",
    "AlternativeKind",
    "PlannedJob",
    "PriceKind",
    "PriceLine",
    "Quote",
    "QuotePolicy",
    "QuoteSnapshot",
    "Stage",
    "StageKind",
]


# --- the policy and the snapshot ------------------------------------------------------------------


@dataclass(frozen=True)
class QuotePolicy:
    """The knobs of quoting; :mod:`flexchain.domain.quotes` says where each one enters."""

    ladder: SpeedLadder = DEFAULT_LADDER
    small_batch_pct: Decimal = Decimal(20)
    """Share of the cost of the units a custom job falls short of its minimum."""
    markup_pct: Decimal = Decimal(100)
    """Added to the cost of a product without a list price (100 = keystone, twice the cost)."""
    packing_days: int = PACKING_DAYS
    horizon_days: int = HORIZON_DAYS
    """Days ahead in which booked work counts against a supplier's capacity."""

    def __post_init__(self) -> None:
        pct = number(self.small_batch_pct, "small_batch_pct", places=4)
        object.__setattr__(self, "small_batch_pct", pct)
        object.__setattr__(self, "markup_pct", number(self.markup_pct, "markup_pct", places=4))
        object.__setattr__(self, "packing_days", whole_number(self.packing_days, "packing_days"))
        horizon = whole_number(self.horizon_days, "horizon_days", minimum=1)
        object.__setattr__(self, "horizon_days", horizon)


DEFAULT_POLICY: Final = QuotePolicy()


@dataclass(frozen=True)
class QuoteSnapshot:
    """Everything a quote of one product reads, loaded once (read-only, no I/O afterwards).

    ``items`` holds the product and every item below it; ``bom`` the lines of that tree;
    ``options`` the options of each custom module; ``terms`` the supplier terms a quote may read
    (for materials and packaging, for modules without a standard cost in the product's currency,
    for a product without a BOM); ``available`` the stock available now per SKU (on hand minus
    reserved, warehouses and factories: materials are taken from it); ``candidates`` the
    capable active suppliers per process with their booked load.
    """

    product: Item
    items: Mapping[str, Item]
    bom: tuple[BomLine, ...]
    options: Mapping[str, tuple[Option, ...]] = field(default_factory=dict)
    terms: Mapping[str, tuple[ItemSupplier, ...]] = field(default_factory=dict)
    available: Mapping[str, Decimal] = field(default_factory=dict)
    candidates: Mapping[Process, tuple[Candidate, ...]] = field(default_factory=dict)
    pickable: Mapping[str, Decimal] | None = None
    """Stock available now per SKU in warehouses, where an order picks finished products and
    modules from (``None``: the same as ``available``)."""

    @property
    def stock(self) -> Mapping[str, Decimal]:
        """What finished products and modules are picked from: ``pickable`` or ``available``."""
        return self.available if self.pickable is None else self.pickable


# --- what a quote returns -------------------------------------------------------------------------


class PriceKind(StrEnum):
    BASE = "base"
    SMALL_BATCH = "small_batch"
    CUSTOMISATION = "customisation"
    SPEED = "speed"


class StageKind(StrEnum):
    MATERIALS = "materials"
    PRODUCTION = "production"
    ASSEMBLY = "assembly"
    PACKING = "packing"


class AlternativeKind(StrEnum):
    OPTION = "option"
    SPEED = "speed"


@dataclass(frozen=True)
class PriceLine:
    kind: PriceKind
    label: str
    amount: Money


@dataclass(frozen=True)
class Stage:
    """One step on the way to the ship date, ``start`` to ``finish`` (calendar days)."""

    kind: StageKind
    label: str
    start: date
    finish: date
    detail: str
    supplier_code: str | None = None

    @property
    def days(self) -> int:
        return (self.finish - self.start).days


@dataclass(frozen=True)
class PlannedJob:
    """Work the quote assumes: a custom module to make, or a standard module short in stock."""

    module_sku: str
    reason: str
    """``custom`` or ``shortage`` (the words of ``production_jobs.reason``)."""
    assignment: Assignment
    option_code: str | None = None
    option_value: str = ""


@dataclass(frozen=True)
class Alternative:
    """Another configuration or speed tier that ships sooner or costs less."""

    kind: AlternativeKind
    description: str
    total: Money
    ship_date: date
    days_sooner: int
    saving: Money
    """Positive when cheaper than the quote, negative when dearer."""
    module_sku: str | None = None
    option_code: str | None = None
    speed_tier: SpeedTier | None = None


@dataclass(frozen=True)
class Quote:
    sku: str
    quantity: int
    speed_tier: SpeedTier
    quoted_on: date
    options: tuple[ChosenOption, ...]
    lines: tuple[PriceLine, ...]
    total: Money
    ship_date: date
    stages: tuple[Stage, ...]
    jobs: tuple[PlannedJob, ...]
    alternatives: tuple[Alternative, ...]

    @property
    def currency(self) -> str:
        return self.total.currency

    @property
    def unit_price(self) -> Money:
        """The total per unit, rounded half-up to cents."""
        return Money(self.total.amount / self.quantity, self.currency).rounded()

    @property
    def lead_days(self) -> int:
        return (self.ship_date - self.quoted_on).days
