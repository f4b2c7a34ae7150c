"""Framework agreements with suppliers and the clauses small-batch sourcing signs.

* **Tiered prices**: a unit price per item from a minimum quantity per order.
* **Elastic top-up**: the first order of up to ``first_max_units`` units at the contract price
  (``None``: no limit), then during the contract up to ``max_units`` extra units at short notice,
  which the supplier may charge at most ``max_premium_pct`` above the contract price.
* **Quality retention**: a share of every invoice is held back and settled periodically against
  quality claims.
* **Capacity reservation**: the supplier keeps a share of its capacity free for the brand for a
  monthly fee.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final

from flexchain.domain.catalog import validate_sku
from flexchain.domain.checks import choice, code, day, text
from flexchain.domain.errors import DomainError, ValidationError, format_amount, format_decimal
from flexchain.domain.suppliers import Process
from flexchain.domain.values import currency_code, money, percent, quantity

__all__ = [
    "CapacityReservation",
    "Contract",
    "ElasticTopUp",
    "QualityRetention",
    "Settlement",
    "TieredPrice",
]

MAX_RETENTION_PCT: Final = Decimal(30)
_CENT = Decimal("0.01")


class Settlement(StrEnum):
    """How often retained amounts are settled against quality claims."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"


def _positive_percent(value: object, field_name: str, maximum: Decimal) -> Decimal:
    result = percent(value, field_name)
    if result == 0 or result > maximum:
        raise ValidationError(
            field_name, f"must be above 0 and at most {maximum}, got {format_decimal(result)}"
        )
    return result


@dataclass(frozen=True)
class TieredPrice:
    """``item_sku`` costs ``unit_price`` from ``min_quantity`` units per order."""

    item_sku: str
    min_quantity: Decimal
    unit_price: Decimal

    def __post_init__(self) -> None:
        validate_sku(self.item_sku, "item_sku")
        object.__setattr__(self, "min_quantity", quantity(self.min_quantity, "min_quantity"))
        object.__setattr__(
            self, "unit_price", money(self.unit_price, "unit_price", allow_zero=False)
        )


@dataclass(frozen=True)
class ElasticTopUp:
    """The first order of up to ``first_max_units`` units (``None``: no limit), then up to
    ``max_units`` extra units within the validity, at most ``max_premium_pct`` dearer."""

    max_units: Decimal
    max_premium_pct: Decimal
    first_max_units: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "max_units", quantity(self.max_units, "max_units", allow_zero=False)
        )
        object.__setattr__(
            self, "max_premium_pct", percent(self.max_premium_pct, "max_premium_pct")
        )
        if self.first_max_units is not None:
            object.__setattr__(
                self,
                "first_max_units",
                quantity(self.first_max_units, "first_max_units", allow_zero=False),
            )

    def check_first_order(self, contract_code: str, ordered: Decimal) -> None:
        """Raise :class:`DomainError` when the first order under the contract is above
        ``first_max_units``.

        >>> clause = ElasticTopUp(Decimal(20), Decimal(15), first_max_units=Decimal(100))
        >>> clause.check_first_order("C1", Decimal(101))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        flexchain.domain.errors.DomainError: the first order under contract C1 is 101 units, ...
        """
        limit = self.first_max_units
        if limit is not None and ordered > limit:
            raise DomainError(
                f"the first order under contract {contract_code} is {format_decimal(ordered)} "
                f"units, above the {format_decimal(limit)} units its elastic clause allows for "
                "a first order"
            )

    def price_ceiling(self, contract_price: Decimal) -> Decimal:
        """The highest unit price a top-up may be quoted at."""
        return contract_price * (1 + self.max_premium_pct / 100)

    def check(
        self,
        already_topped_up: Decimal,
        requested: Decimal,
        contract_price: Decimal,
        quoted_price: Decimal,
    ) -> None:
        """Raise :class:`DomainError` saying why a top-up is outside the clause."""
        requested = quantity(requested, "requested", allow_zero=False)
        already = quantity(already_topped_up, "already_topped_up")
        total = already + requested
        if total > self.max_units:
            raise DomainError(
                f"top-up of {format_decimal(requested)} would bring top-ups to "
                f"{format_decimal(total)}, above the {format_decimal(self.max_units)} units "
                f"the contract allows ({format_decimal(already)} already used)"
            )
        base = money(contract_price, "contract_price", allow_zero=False)
        quoted = money(quoted_price, "quoted_price")
        ceiling = self.price_ceiling(base)
        if quoted > ceiling:
            raise DomainError(
                f"quoted price {format_amount(quoted)} is above {format_amount(ceiling)}: the "
                f"contract price {format_amount(base)} plus at most "
                f"{format_decimal(self.max_premium_pct)}% for a top-up"
            )

    def allowed(
        self,
        already_topped_up: Decimal,
        requested: Decimal,
        contract_price: Decimal,
        quoted_price: Decimal,
    ) -> bool:
        """Whether the top-up fits the clause; :meth:`check` says why not."""
        try:
            self.check(already_topped_up, requested, contract_price, quoted_price)
        except DomainError:
            return False
        return True


@dataclass(frozen=True)
class QualityRetention:
    """``retention_pct`` (above 0, at most 30) of each invoice is held until settlement."""

    retention_pct: Decimal
    settlement: str = Settlement.QUARTERLY

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "retention_pct",
            _positive_percent(self.retention_pct, "retention_pct", MAX_RETENTION_PCT),
        )
        object.__setattr__(self, "settlement", choice(Settlement, self.settlement, "settlement"))

    def retained(self, invoice_amount: Decimal) -> Decimal:
        """The amount held back from ``invoice_amount``, rounded half-up to cents.

        >>> QualityRetention(Decimal(5)).retained(Decimal("100.10"))
        Decimal('5.01')
        """
        amount = money(invoice_amount, "invoice_amount", allow_negative=True)
        return (amount * self.retention_pct / 100).quantize(_CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class CapacityReservation:
    """``reserved_pct`` of the supplier's capacity (for one process, or all) kept for the brand."""

    reserved_pct: Decimal
    monthly_fee: Decimal
    process: Process | None = None

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "reserved_pct", _positive_percent(self.reserved_pct, "reserved_pct", Decimal(100))
        )
        object.__setattr__(self, "monthly_fee", money(self.monthly_fee, "monthly_fee"))
        if self.process is not None:
            object.__setattr__(self, "process", choice(Process, self.process, "process"))


@dataclass
class Contract:
    """A framework agreement with one supplier, valid from ``valid_from`` to ``valid_to`` inclusive.

    A clause left ``None`` was not signed.
    """

    code: str
    supplier_code: str
    valid_from: date
    valid_to: date
    currency: str = "EUR"
    tiered_prices: list[TieredPrice] = field(default_factory=list)
    elastic_topup: ElasticTopUp | None = None
    quality_retention: QualityRetention | None = None
    capacity_reservation: CapacityReservation | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every field; raises :class:`ValidationError` naming the first bad one."""
        self.code = code(self.code, "code")
        self.supplier_code = code(self.supplier_code, "supplier_code")
        self.valid_from = day(self.valid_from, "valid_from")
        self.valid_to = day(self.valid_to, "valid_to")
        if self.valid_from > self.valid_to:
            raise ValidationError(
                "valid_to", f"{self.valid_to} is before valid_from {self.valid_from}"
            )
        self.currency = currency_code(self.currency)
        seen: set[tuple[str, Decimal]] = set()
        for index, tier in enumerate(self.tiered_prices):
            if not isinstance(tier, TieredPrice):
                raise ValidationError(
                    f"tiered_prices[{index}]", f"expected a TieredPrice, got {tier!r}"
                )
            key = (tier.item_sku, tier.min_quantity)
            if key in seen:
                raise ValidationError(
                    f"tiered_prices[{index}]",
                    f"{tier.item_sku} already has a price from {format_decimal(tier.min_quantity)}",
                )
            seen.add(key)
        for name, clause_type in (
            ("elastic_topup", ElasticTopUp),
            ("quality_retention", QualityRetention),
            ("capacity_reservation", CapacityReservation),
        ):
            clause = getattr(self, name)
            if clause is not None and not isinstance(clause, clause_type):
                raise ValidationError(
                    name, f"expected {clause_type.__name__} or None, got {type(clause).__name__}"
                )
        self.notes = text(self.notes, "notes", max_length=10_000, required=False)

    def price_for(self, item_sku: str, qty: Decimal | int | str) -> Decimal | None:
        """The contract unit price for ``qty`` units of ``item_sku``: the highest tier whose
        minimum is not above ``qty``. ``None`` when the item is not on the contract or ``qty`` is
        below its first tier (the contract then says nothing; use the supplier's list terms).
        """
        amount = quantity(qty)
        tiers = [
            t for t in self.tiered_prices if t.item_sku == item_sku and t.min_quantity <= amount
        ]
        return max(tiers, key=lambda tier: tier.min_quantity).unit_price if tiers else None

    def is_active(self, on: date) -> bool:
        return self.valid_from <= on <= self.valid_to
