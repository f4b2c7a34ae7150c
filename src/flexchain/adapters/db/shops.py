"""The shops store: storefronts, the SKU mappings of their products, what a sync needs, and the
push targets of availability (which mapping goes to which active shop)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from flexchain.adapters.db.outbox import ShopEndpoint
from flexchain.adapters.db.tables import (
    ItemRow,
    LocationRow,
    SalesOrderRow,
    ShopRow,
    SkuMappingRow,
)

__all__ = [
    "MappingRecord",
    "PushShop",
    "PushTarget",
    "ShopEndpoint",
    "ShopRecord",
    "ShopStore",
]


@dataclass(frozen=True)
class ShopRecord:
    """A stored shop, without its secrets."""

    id: int
    domain: str
    platform: str
    push_url: str | None
    api_url: str | None
    has_api_token: bool
    external_location_id: str | None
    warehouse_id: int | None
    last_synced_at: datetime | None
    active: bool
    removed_at: datetime | None = None
    quotes_public: bool = False
    publishable_key: str | None = None


@dataclass(frozen=True)
class MappingRecord:
    shop: str | None
    external_key: str
    sku: str
    inventory_item_id: str | None
    external_product_id: str | None
    external_parent_id: str | None = None


@dataclass(frozen=True)
class PushTarget:
    """A mapping that receives availability: our product, its SKU and the store's keys."""

    mapping_id: int
    item_id: int
    shop_id: int | None
    sku: str
    inventory_item_id: str | None
    external_product_id: str | None
    external_parent_id: str | None = None


@dataclass(frozen=True)
class PushShop:
    id: int
    platform: str
    external_location_id: str | None


def _has_api_token(row: ShopRow) -> bool:
    """Whether the shop has API credentials, read without decrypting them (so listing shops
    needs no key)."""
    state = inspect(row)
    if "api_token" not in state.unloaded or state.session is None:
        return row.api_token is not None
    query = select(ShopRow.api_token.is_not(None)).where(ShopRow.id == row.id)
    return bool(state.session.scalar(query))


def _record(row: ShopRow) -> ShopRecord:
    return ShopRecord(
        row.id,
        row.domain,
        row.platform,
        row.push_url,
        row.api_url,
        _has_api_token(row),
        row.external_location_id,
        row.warehouse_id,
        row.last_synced_at,
        row.active,
        row.removed_at,
        bool(row.quotes_public),
        row.publishable_key,
    )


def _endpoint(row: ShopRow) -> ShopEndpoint:
    return ShopEndpoint(
        row.id,
        row.domain,
        row.platform,
        row.push_url,
        row.api_url,
        row.api_token,
        row.external_location_id,
    )


class ShopStore:
    """Shops and SKU mappings within a unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def location_id(self, code: str) -> int | None:
        return self.session.scalar(select(LocationRow.id).where(LocationRow.code == code))

    def location_codes(self) -> dict[int, str]:
        return dict(self.session.execute(select(LocationRow.id, LocationRow.code)).all())

    def item_id(self, sku: str) -> int | None:
        return self.session.scalar(select(ItemRow.id).where(ItemRow.sku == sku))

    def shop(self, domain: str) -> ShopRecord | None:
        """The shop of this (normal) domain."""
        row = self.session.scalars(select(ShopRow).where(ShopRow.domain == domain)).one_or_none()
        return _record(row) if row is not None else None

    def shops(self) -> list[ShopRecord]:
        """Every shop, by domain."""
        return [
            _record(row) for row in self.session.scalars(select(ShopRow).order_by(ShopRow.domain))
        ]

    def save_shop(self, domain: str, fields: dict[str, Any]) -> tuple[ShopRecord, bool]:
        """Add the shop of ``domain`` with ``fields``, or set them on the one there; returns it
        and whether it is new."""
        session = self.session
        row = session.scalars(select(ShopRow).where(ShopRow.domain == domain)).one_or_none()
        created = row is None
        if row is None:
            row = ShopRow(domain=domain, **fields)
            session.add(row)
        else:
            for name, value in fields.items():
                setattr(row, name, value)
        session.flush()
        return _record(row), created

    def save_mapping(
        self,
        shop_id: int | None,
        external_key: str,
        item_id: int,
        *,
        inventory_item_id: str | None,
        product_id: str | None,
        parent_id: str | None = None,
    ) -> tuple[MappingRecord, bool]:
        """Map ``external_key`` (of ``shop_id``, or of every shop) to ``item_id``; the push keys
        are set when given. Returns the mapping and whether it is new."""
        session = self.session
        row = session.scalars(
            select(SkuMappingRow).where(
                SkuMappingRow.shop_id.is_(None)
                if shop_id is None
                else SkuMappingRow.shop_id == shop_id,
                SkuMappingRow.external_key == external_key,
            )
        ).one_or_none()
        created = row is None
        if row is None:
            row = SkuMappingRow(shop_id=shop_id, external_key=external_key, item_id=item_id)
            session.add(row)
        row.item_id = item_id
        if inventory_item_id is not None:
            row.inventory_item_id = inventory_item_id
        if product_id is not None:
            row.external_product_id = product_id
        if parent_id is not None:
            row.external_parent_id = parent_id
        session.flush()
        domain = self.session.scalar(select(ShopRow.domain).where(ShopRow.id == shop_id))
        sku = self.session.scalar(select(ItemRow.sku).where(ItemRow.id == item_id)) or ""
        mapping = MappingRecord(
            domain,
            external_key,
            sku,
            row.inventory_item_id,
            row.external_product_id,
            row.external_parent_id,
        )
        return mapping, created

    def shop_by_id(self, shop_id: int) -> ShopRecord | None:
        row = self.session.get(ShopRow, shop_id)
        return _record(row) if row is not None else None

    def set_state(self, shop_id: int, *, active: bool, removed_at: datetime | None) -> ShopRecord:
        """Enable or disable a shop; ``removed_at`` marks it removed (kept, never deleted)."""
        row = self.session.get(ShopRow, shop_id, with_for_update=True)
        assert row is not None
        row.active = active
        row.removed_at = removed_at
        self.session.flush()
        return _record(row)

    def set_quote_access(
        self, shop_id: int, *, public: bool | None = None, key: str | None = None
    ) -> ShopRecord:
        """Set whether anyone may ask the shop's quotes (``public``) and its publishable
        ``key``, where given."""
        row = self.session.get(ShopRow, shop_id, with_for_update=True)
        assert row is not None
        if public is not None:
            row.quotes_public = public
        if key is not None:
            row.publishable_key = key
        self.session.flush()
        return _record(row)

    def active_shop_of_key(self, key: str) -> str | None:
        """The domain of the active shop whose publishable key is ``key``."""
        return self.session.scalar(
            select(ShopRow.domain).where(ShopRow.publishable_key == key, ShopRow.active.is_(True))
        )

    def any_public_quotes(self) -> bool:
        """Whether an active shop lets anyone ask for quotes."""
        return (
            self.session.scalar(
                select(ShopRow.id)
                .where(ShopRow.quotes_public.is_(True), ShopRow.active.is_(True))
                .limit(1)
            )
            is not None
        )

    def orders_in(self, shop_id: int, statuses: Iterable[str]) -> list[str]:
        """The numbers (else store ids) of the shop's orders in ``statuses``, oldest first."""
        rows = self.session.execute(
            select(SalesOrderRow.number, SalesOrderRow.external_id)
            .where(SalesOrderRow.shop_id == shop_id, SalesOrderRow.status.in_(list(statuses)))
            .order_by(SalesOrderRow.id)
        ).all()
        return [number or external for number, external in rows]

    def mappings(self) -> list[MappingRecord]:
        query = (
            select(SkuMappingRow, ItemRow.sku, ShopRow.domain)
            .join(ItemRow, ItemRow.id == SkuMappingRow.item_id)
            .outerjoin(ShopRow, ShopRow.id == SkuMappingRow.shop_id)
            .order_by(ShopRow.domain, SkuMappingRow.external_key)
        )
        return [
            MappingRecord(
                domain,
                row.external_key,
                sku,
                row.inventory_item_id,
                row.external_product_id,
                row.external_parent_id,
            )
            for row, sku, domain in self.session.execute(query).all()
        ]

    # --- sync

    def active_endpoints(
        self, domain: str | None = None
    ) -> list[tuple[ShopEndpoint, datetime | None]]:
        """The active shops (only the one of ``domain`` if given), by domain, with their API
        access and when they were last synced."""
        query = select(ShopRow).where(ShopRow.active.is_(True)).order_by(ShopRow.domain)
        if domain:
            query = query.where(ShopRow.domain == domain)
        return [(_endpoint(row), row.last_synced_at) for row in self.session.scalars(query)]

    def mark_synced(self, shop_id: int, at: datetime) -> None:
        row = self.session.get(ShopRow, shop_id)
        assert row is not None
        row.last_synced_at = at

    # --- availability pushes

    def push_targets(self, item_ids: Iterable[int]) -> list[PushTarget]:
        """The mappings of ``item_ids`` with a key to push availability to."""
        return [
            PushTarget(
                mapping.id,
                mapping.item_id,
                mapping.shop_id,
                sku,
                mapping.inventory_item_id,
                mapping.external_product_id,
                mapping.external_parent_id,
            )
            for mapping, sku in self.session.execute(
                select(SkuMappingRow, ItemRow.sku)
                .join(ItemRow, ItemRow.id == SkuMappingRow.item_id)
                .where(
                    SkuMappingRow.item_id.in_(item_ids),
                    (SkuMappingRow.inventory_item_id.is_not(None))
                    | (SkuMappingRow.external_product_id.is_not(None)),
                )
            ).all()
        ]

    def active_push_shops(self) -> list[PushShop]:
        return [
            PushShop(row.id, row.platform, row.external_location_id)
            for row in self.session.scalars(select(ShopRow).where(ShopRow.active.is_(True)))
        ]
