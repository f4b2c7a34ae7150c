"""The supplier network: who can do which process, how much, how fast, and at what price.

:class:`ItemSupplier` follows frePPLe's item-supplier: the terms on which one supplier sells one
item (price breaks, lead time, minimum, multiple, validity window).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from flexchain.domain.catalog import validate_sku
from flexchain.domain.checks import choice, code, day, text, whole_number
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import (
    Money,
    currency_code,
    money,
    number,
    quantity,
    round_order_quantity,
)

__all__ = [
    "Capability",
    "Certification",
    "ItemSupplier",
    "PriceBreak",
    "Process",
    "Supplier",
    "Tier",
]

_COUNTRY = re.compile(r"[A-Z]{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_PAYMENT_TERMS_DAYS: Final = 365


class Tier(StrEnum):
    S = "S"
    """Strategic: long-term partner, capacity reserved under contract."""
    A = "A"
    """Agile: quick small batches, the default for custom work."""
    B = "B"
    """Backup: qualified, used when the others are full or disrupted."""


class Process(StrEnum):
    CUTTING = "cutting"
    SEWING = "sewing"
    TRIMS = "trims"
    PRINTING = "printing"
    DYEING = "dyeing"
    ENGRAVING = "engraving"
    PACKAGING = "packaging"
    ASSEMBLY = "assembly"
    WEAVING = "weaving"
    FINISHING = "finishing"


@dataclass
class Capability:
    """A process a supplier runs, with its daily capacity (in units) and lead-time profile."""

    process: Process
    capacity_per_day: Decimal
    moq: Decimal = Decimal(0)
    order_multiple: Decimal = Decimal(1)
    lead_time_mean_days: Decimal = Decimal(0)
    lead_time_sd_days: Decimal = Decimal(0)
    sample_lead_time_days: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        self.process = choice(Process, self.process, "process")
        self.capacity_per_day = quantity(
            self.capacity_per_day, "capacity_per_day", allow_zero=False
        )
        self.moq = quantity(self.moq, "moq")
        self.order_multiple = quantity(self.order_multiple, "order_multiple", allow_zero=False)
        self.lead_time_mean_days = quantity(self.lead_time_mean_days, "lead_time_mean_days")
        self.lead_time_sd_days = quantity(self.lead_time_sd_days, "lead_time_sd_days")
        self.sample_lead_time_days = quantity(self.sample_lead_time_days, "sample_lead_time_days")


@dataclass
class Certification:
    """A certificate (GOTS, OEKO-TEX, BSCI, ...) valid up to and including ``valid_until``."""

    name: str
    valid_until: date

    def __post_init__(self) -> None:
        self.name = text(self.name, "name", max_length=100)
        self.valid_until = day(self.valid_until, "valid_until")

    def is_valid(self, on: date) -> bool:
        return on <= self.valid_until


@dataclass
class Supplier:
    """A small factory or workshop in the network.

    ``carbon_intensity`` is kg CO2e per unit produced; ``latitude``/``longitude`` are decimal
    degrees, given together or not at all.
    """

    code: str
    name: str
    tier: Tier
    country: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    capabilities: list[Capability] = field(default_factory=list)
    certifications: list[Certification] = field(default_factory=list)
    payment_terms_days: int = 30
    currency: str = "EUR"
    carbon_intensity: Decimal = Decimal(0)
    email: str = ""
    active: bool = True

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        self.code = code(self.code, "code")
        self.name = text(self.name, "name")
        self.tier = choice(Tier, self.tier, "tier")
        country = self.country.strip().upper() if isinstance(self.country, str) else ""
        if not _COUNTRY.fullmatch(country):
            raise ValidationError(
                "country", f"must be an ISO 3166 alpha-2 code like PT, got {self.country!r}"
            )
        self.country = country
        self._validate_position()
        _check_types("capabilities", self.capabilities, Capability)
        _check_types("certifications", self.certifications, Certification)
        self._validate_unique(
            "capabilities", [capability.process for capability in self.capabilities]
        )
        self._validate_unique("certifications", [cert.name for cert in self.certifications])
        self.payment_terms_days = whole_number(
            self.payment_terms_days, "payment_terms_days", maximum=MAX_PAYMENT_TERMS_DAYS
        )
        self.currency = currency_code(self.currency)
        self.carbon_intensity = number(self.carbon_intensity, "carbon_intensity")
        self.email = text(self.email, "email", required=False)
        if self.email and not _EMAIL.fullmatch(self.email):
            raise ValidationError("email", f"{self.email!r} is not an e-mail address")

    def _validate_position(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            missing = "latitude" if self.latitude is None else "longitude"
            raise ValidationError(missing, "give latitude and longitude together, or neither")
        if self.latitude is None or self.longitude is None:
            return
        for name, value, limit in (
            ("latitude", self.latitude, 90),
            ("longitude", self.longitude, 180),
        ):
            degrees = number(value, name, allow_negative=True)
            if abs(degrees) > limit:
                raise ValidationError(name, f"must be between -{limit} and {limit}, got {value}")
            setattr(self, name, degrees)

    @staticmethod
    def _validate_unique(field_name: str, keys: list[str]) -> None:
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                raise ValidationError(field_name, f"'{key}' is listed twice")
            seen.add(key)

    def capability(self, process: Process | str) -> Capability | None:
        """The supplier's capability for ``process``, or ``None`` if it does not run it."""
        wanted = choice(Process, process, "process")
        return next((cap for cap in self.capabilities if cap.process is wanted), None)

    def expired_certifications(self, on: date) -> list[Certification]:
        """Certifications no longer valid on ``on``, soonest expired first."""
        expired = [cert for cert in self.certifications if not cert.is_valid(on)]
        return sorted(expired, key=lambda cert: cert.valid_until)


@dataclass(frozen=True)
class PriceBreak:
    """From ``min_quantity`` units per order, each unit costs ``unit_price``."""

    min_quantity: Decimal
    unit_price: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "min_quantity", quantity(self.min_quantity, "min_quantity"))
        object.__setattr__(
            self, "unit_price", money(self.unit_price, "unit_price", allow_zero=False)
        )


@dataclass
class ItemSupplier:
    """The terms on which ``supplier_code`` sells ``item_sku``.

    Price breaks are kept sorted by ``min_quantity``; the validity window includes both ends and
    ``None`` leaves that side open.
    """

    item_sku: str
    supplier_code: str
    price_breaks: list[PriceBreak]
    currency: str = "EUR"
    lead_time_days: int = 0
    moq: Decimal = Decimal(0)
    order_multiple: Decimal = Decimal(1)
    valid_from: date | None = None
    valid_to: date | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        self.item_sku = validate_sku(self.item_sku, "item_sku")
        self.supplier_code = code(self.supplier_code, "supplier_code")
        self.price_breaks = _sorted_breaks(self.price_breaks)
        self.currency = currency_code(self.currency)
        self.lead_time_days = whole_number(self.lead_time_days, "lead_time_days")
        self.moq = quantity(self.moq, "moq")
        self.order_multiple = quantity(self.order_multiple, "order_multiple", allow_zero=False)
        if self.valid_from is not None:
            self.valid_from = day(self.valid_from, "valid_from")
        if self.valid_to is not None:
            self.valid_to = day(self.valid_to, "valid_to")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValidationError(
                "valid_to", f"{self.valid_to} is before valid_from {self.valid_from}"
            )

    def unit_price(self, qty: Decimal | int | str) -> Decimal:
        """Price of the highest break whose minimum is not above ``qty``.

        Below the first break, the first break's price applies (the supplier's MOQ is a separate
        rule, see :meth:`round_quantity`).
        """
        amount = quantity(qty)
        price = self.price_breaks[0].unit_price
        for price_break in self.price_breaks:
            if price_break.min_quantity > amount:
                break
            price = price_break.unit_price
        return price

    def order_cost(self, qty: Decimal | int | str) -> Money:
        """``qty`` times its unit price, exact (round where you invoice)."""
        amount = quantity(qty)
        return Money(self.unit_price(amount) * amount, self.currency)

    def round_quantity(self, qty: Decimal | int | str) -> Decimal:
        """``qty`` raised to the MOQ, then up to a multiple of ``order_multiple`` (0 stays 0)."""
        return round_order_quantity(quantity(qty), self.moq, self.order_multiple)

    def is_valid_on(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


def _check_types(field_name: str, values: object, expected: type) -> None:
    if not isinstance(values, list | tuple):
        raise ValidationError(field_name, f"expected a list of {expected.__name__}")
    for index, value in enumerate(values):
        if not isinstance(value, expected):
            raise ValidationError(
                f"{field_name}[{index}]", f"expected {expected.__name__}, got {value!r}"
            )


def _sorted_breaks(breaks: object) -> list[PriceBreak]:
    _check_types("price_breaks", breaks, PriceBreak)
    assert isinstance(breaks, list | tuple)
    if not breaks:
        raise ValidationError("price_breaks", "at least one price break is required")
    ordered = sorted(breaks, key=lambda price_break: price_break.min_quantity)
    for before, after in itertools.pairwise(ordered):
        if before.min_quantity == after.min_quantity:
            raise ValidationError(
                "price_breaks",
                f"two breaks start at {after.min_quantity}; give each break its own minimum",
            )
    return ordered
