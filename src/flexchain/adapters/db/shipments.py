"""The shipment of an order (carrier, tracking, when) and what telling its store needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from flexchain.adapters.db.tables import SalesOrderRow, ShopRow
from flexchain.domain.shipping import Shipment

__all__ = ["FulfilmentTarget", "ShipmentStore"]


@dataclass(frozen=True)
class FulfilmentTarget:
    """An order's store: which shop (and whether it still takes pushes), the store's order id."""

    shop_id: int
    domain: str
    platform: str
    active: bool
    removed_at: datetime | None
    external_id: str
    number: str


class ShipmentStore:
    """Shipments within a unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, order_id: int, shipment: Shipment) -> None:
        """Write the shipment on the order (a second one replaces the first)."""
        row = self.session.get(SalesOrderRow, order_id)
        assert row is not None
        row.carrier = shipment.carrier
        row.tracking_number = shipment.tracking_number
        row.tracking_url = shipment.tracking_url
        row.shipped_at = shipment.shipped_at
        self.session.flush()

    def shipment(self, order_id: int) -> Shipment | None:
        """The order's shipment, ``None`` before it ships."""
        row = self.session.execute(
            select(
                SalesOrderRow.carrier,
                SalesOrderRow.tracking_number,
                SalesOrderRow.tracking_url,
                SalesOrderRow.shipped_at,
            ).where(SalesOrderRow.id == order_id)
        ).one_or_none()
        if row is None or row.shipped_at is None:
            return None
        return Shipment(row.carrier, row.tracking_number, row.tracking_url, row.shipped_at)

    def target(self, order_id: int) -> FulfilmentTarget | None:
        """The order's shop and store ids; ``None`` for an order that came from no shop."""
        row = self.session.execute(
            select(
                ShopRow.id,
                ShopRow.domain,
                ShopRow.platform,
                ShopRow.active,
                ShopRow.removed_at,
                SalesOrderRow.external_id,
                SalesOrderRow.number,
            )
            .join(ShopRow, ShopRow.id == SalesOrderRow.shop_id)
            .where(SalesOrderRow.id == order_id)
        ).one_or_none()
        return FulfilmentTarget(*row) if row is not None else None
