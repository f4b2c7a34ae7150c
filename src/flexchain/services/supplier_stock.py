"""Stock a supplier holds for the brand: the balances at the locations whose supplier is theirs
(its factory site, where released jobs' materials are issued, and any consignment store).

Load the supplier (a supplier's user: its own, whatever it names) and its locations through
:class:`flexchain.adapters.db.supplier_forecast.SqlSupplierForecastStore`, then the balances of
each through :func:`flexchain.services.inventory.balances` (reservations past their expiry not
counted). Read-only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.supplier_forecast import SqlSupplierForecastStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import optional_code
from flexchain.domain.stock import BalanceView
from flexchain.domain.values import utc
from flexchain.services import inventory

__all__ = ["HeldLocation", "SupplierStock", "supplier_stock"]


@dataclass(frozen=True)
class HeldLocation:
    code: str
    name: str
    balances: tuple[BalanceView, ...]
    """Per item, by SKU; only items with stock, reserved, in transit or on order."""


@dataclass(frozen=True)
class SupplierStock:
    supplier: str
    name: str
    locations: tuple[HeldLocation, ...]

    @property
    def lines(self) -> int:
        return sum(len(location.balances) for location in self.locations)

    def as_dict(self) -> dict[str, Any]:
        return {
            "supplier": self.supplier,
            "name": self.name,
            "locations": [
                {
                    "code": location.code,
                    "name": location.name,
                    "balances": [asdict(view) for view in location.balances],
                }
                for location in self.locations
            ],
        }


def _held(view: BalanceView) -> bool:
    return any(
        value != Decimal(0)
        for value in (view.on_hand, view.reserved, view.in_transit, view.on_order)
    )


def supplier_stock(uow: UnitOfWork, *, supplier: str | None = None, now: datetime) -> SupplierStock:
    """The stock at ``supplier``'s locations (a supplier's user: its own), location by location."""
    now = utc(now, "now")
    store = SqlSupplierForecastStore(uow)
    found = store.supplier(optional_code(supplier, "supplier"))
    held = []
    for code, name in store.locations(found.id):
        views = inventory.balances(uow, now=now, location=code)
        held.append(HeldLocation(code, name, tuple(view for view in views if _held(view))))
    return SupplierStock(found.code, found.name, tuple(held))
