"""The price of a quote, line by line (the rule: :mod:`flexchain.domain.quotes`, "Price")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flexchain.domain.allocation import CUSTOM, Job, Product
from flexchain.domain.assignment import Assignment
from flexchain.domain.catalog import Item
from flexchain.domain.errors import DomainError, format_amount, format_decimal
from flexchain.domain.orders import ChosenOption
from flexchain.domain.quote_model import PriceKind, QuotePolicy, QuoteSnapshot
from flexchain.domain.speed import SpeedTerms

__all__ = ["Pricer", "cents"]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")

Priced = list[tuple[PriceKind, str, Decimal]]


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to cents."""
    return amount.quantize(_CENT, ROUND_HALF_UP)


class Pricer:
    """Prices one quote request's configurations; costs are worked out once and kept."""

    def __init__(
        self,
        snapshot: QuoteSnapshot,
        product: Product,
        quantity: int,
        today: date,
        policy: QuotePolicy,
    ) -> None:
        self.snapshot = snapshot
        self.product = product
        self.currency = snapshot.product.currency
        self.quantity = quantity
        self.today = today
        self.policy = policy
        self.supplier_moq = {
            (c.process, c.supplier_code): c.moq
            for candidates in snapshot.candidates.values()
            for c in candidates
        }
        self._costs: dict[tuple[str, Decimal], Decimal | None] = {}
        self._base: Decimal | None = None

    def unit_cost(self, item: Item, amount: Decimal) -> Decimal | None:
        """What one unit of ``item`` costs us at ``amount`` units, in the product's currency."""
        key = (item.sku, amount)
        if key not in self._costs:
            cost = None
            if item.standard_cost is not None and item.currency == self.currency:
                cost = item.standard_cost
            else:
                terms = [
                    t
                    for t in self.snapshot.terms.get(item.sku, ())
                    if t.currency == self.currency and t.is_valid_on(self.today)
                ]
                preferred = [t for t in terms if t.supplier_code == item.default_supplier]
                prices = [t.unit_price(amount) for t in preferred or terms]
                cost = min(prices) if prices else None
            self._costs[key] = cost
        return self._costs[key]

    def base_unit(self) -> Decimal:
        if self._base is None:
            self._base = self._list_or_cost_price()
        return self._base

    def _list_or_cost_price(self) -> Decimal:
        product = self.product.item
        if product.list_price is not None:
            return product.list_price
        if not self.product.modules:
            raise DomainError(f"{product.sku} has no list price: set one to quote it")
        cost = _ZERO
        for module in self.product.modules:
            unit = self.unit_cost(module.item, self.quantity * module.per_product)
            if unit is None:
                raise DomainError(
                    f"{product.sku} has no list price and module {module.item.sku} no cost in "
                    f"{self.currency}: set a list price"
                )
            cost += unit * module.per_product
        return cost * (1 + self.policy.markup_pct / _HUNDRED)

    def price(
        self,
        chosen: Mapping[str, ChosenOption],
        jobs: Sequence[Job],
        terms: SpeedTerms,
        describe: bool,
    ) -> Priced:
        """``(kind, label, amount)`` per price line, each amount rounded to cents.

        Labels are written only when ``describe`` (the alternatives need the total only).
        """
        qty = self.quantity
        unit = self.base_unit()
        label = f"{qty} x {format_amount(unit)}" if describe else ""
        lines = [(PriceKind.BASE, label, cents(unit * qty))]
        for job in jobs:
            if job.reason == CUSTOM and job.assignment is not None:
                item = self.snapshot.items[job.sku]
                lines.extend(self._small_batch(item, job.assignment, describe))
        for module in self.product.custom:
            pick = chosen[module.item.sku]
            option = module.options[pick.option_code]
            if option.price_delta == 0:
                continue
            if option.currency != self.currency:
                raise DomainError(
                    f"option {option.code} of {module.item.sku} is priced in {option.currency}, "
                    f"the product in {self.currency}: price them in one currency"
                )
            label = ""
            if describe:
                text = f": {pick.value}" if pick.value else ""
                each = format_amount(option.price_delta)
                label = f"{module.item.name}: {option.name}{text}, {qty} x {each}"
            lines.append((PriceKind.CUSTOMISATION, label, cents(option.price_delta * qty)))
        if terms.premium_pct:
            subtotal = sum((amount for _, _, amount in lines), _ZERO)
            label = f"speed premium +{format_decimal(terms.premium_pct)}%" if describe else ""
            lines.append((PriceKind.SPEED, label, cents(subtotal * terms.premium_pct / _HUNDRED)))
        return lines

    def _small_batch(self, item: Item, placed: Assignment, describe: bool) -> Priced:
        supplier_moq = self.supplier_moq.get((placed.process, placed.supplier_code), _ZERO)
        minimum = max(item.moq, supplier_moq)
        missing = minimum - placed.quantity
        if missing <= 0 or not self.policy.small_batch_pct:
            return []
        cost = self.unit_cost(item, minimum)
        if not cost:
            return []
        label = ""
        if describe:
            label = (
                f"small batch: {format_decimal(placed.quantity)} x {item.name}, minimum "
                f"{format_decimal(minimum)} at {placed.supplier_code}"
            )
        amount = missing * cost * self.policy.small_batch_pct / _HUNDRED
        return [(PriceKind.SMALL_BATCH, label, cents(amount))]
