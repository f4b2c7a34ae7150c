"""What every source of Today's inbox shares: the roles that act, the snooze action, the
amount at stake in the brand's currency (and an order's total as a stored webhook body carries
it) and the words for amounts and days."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain import fx as fx_rules
from flexchain.domain.errors import NotFound, format_amount
from flexchain.domain.today import Action
from flexchain.domain.values import Money
from flexchain.services import fx

__all__ = [
    "ACTORS",
    "ADMIN",
    "BUYER",
    "BUYERS",
    "FINANCE",
    "MAX_PER_KIND",
    "PLANNER",
    "PLANNERS",
    "QUALITY",
    "SNOOZE",
    "AtStake",
    "at_stake",
    "late",
    "money_text",
    "plural",
    "renegotiation_why",
    "webhook_total",
]

ADMIN, PLANNER, BUYER, FINANCE, QUALITY = "admin", "planner", "buyer", "finance", "quality"
ACTORS = (ADMIN, PLANNER, BUYER, FINANCE, QUALITY)
BUYERS = (ADMIN, BUYER)
"""Who releases purchases (RFQs, POs) and awards: as ``POST /rfqs``, ``/purchase-orders``."""
PLANNERS = (ADMIN, PLANNER)
"""Who releases planned production into jobs: as ``POST /plan/release`` with ``to=job``."""
MAX_PER_KIND = 50
"""At most this many entries of one kind (the most pressing); the pages behind show all."""
SNOOZE = Action("snooze", "Snooze", ACTORS, reason=True)


def at_stake(uow: UnitOfWork, amount: Decimal, currency: str, today: date, base: str) -> Decimal:
    """``amount`` in the brand's currency (as it is when no rate is known)."""
    if currency == base:
        return amount
    converted = fx.base_amount(uow, amount, currency, today, base=base)
    return amount if converted is None else converted


class AtStake:
    """:func:`at_stake` for many amounts: each currency's rates read once (Today ranks hundreds
    of planned orders; a query each would be slow)."""

    def __init__(self, uow: UnitOfWork, today: date, base: str) -> None:
        self.uow, self.today, self.base = uow, today, base
        self._rates: dict[str, list[fx_rules.Rate]] = {}

    def __call__(self, amount: Decimal, currency: str) -> Decimal:
        if currency == self.base:
            return amount
        if currency not in self._rates:
            self._rates[currency] = fx.list_rates(self.uow, base=self.base, currency=currency)
        try:
            converted = fx_rules.convert(
                Money(amount, currency), self.base, self.today, self._rates[currency], self.base
            )
        except NotFound:
            return amount
        return converted.rounded().amount


_TOTAL_FIELDS = {"shopify": "total_price", "woocommerce": "total"}
"""Where each platform's order body carries the order's total (with ``currency`` beside it)."""


def webhook_total(platform: str, body: bytes) -> tuple[Decimal, str] | None:
    """The order's total and currency as a stored webhook body carries them, or None: a body
    that is not JSON, or has no amount and currency that read (a failed webhook may be one)."""
    try:
        order = json.loads(body)
        amount = Decimal(str(order[_TOTAL_FIELDS.get(platform, "total_price")]))
        currency = str(order["currency"]).strip().upper()
    except (ValueError, TypeError, KeyError, ArithmeticError):
        return None
    if not amount.is_finite() or amount < 0 or len(currency) != 3 or not currency.isalpha():
        return None
    return amount, currency


def money_text(amount: Decimal, currency: str) -> str:
    """``1,234.50 EUR``."""
    whole, _, cents = format_amount(amount).partition(".")
    return f"{int(whole):,}.{cents} {currency}"


def late(days: int) -> str:
    """`` today`` or `` (3 days late)``."""
    return " today" if days == 0 else f" ({plural(days, 'day')} late)"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


_PER_UNIT = "; per unit: "


def renegotiation_why(summary: str, impacts: Sequence[Mapping[str, object]]) -> str:
    """A renegotiation task's summary for its card: the per-unit lines of the price tiers whose
    item has a cost model, and the items without one named once ("no cost model for TEE"),
    not once per price tier."""
    head, per_unit, _ = summary.partition(_PER_UNIT)
    if not per_unit:
        return summary
    lines = [str(i["text"]) for i in impacts if i.get("share") is not None]
    bare = dict.fromkeys(str(i["sku"]) for i in impacts if i.get("share") is None)
    if bare:
        lines.append(f"no cost model for {', '.join(bare)}")
    return head + _PER_UNIT + "; ".join(lines)
