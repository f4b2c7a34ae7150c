"""Storefront intake and orders: shops, inbox, SKU mappings, orders, picks, jobs, outbox."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flexchain.adapters.db.tables.base import ZERO, Base, Timestamps, utcnow
from flexchain.adapters.db.types import Dec, Encrypted, Qty, UTCDateTime

if TYPE_CHECKING:
    from flexchain.adapters.db.tables.catalog import ItemRow


class ShopRow(Timestamps, Base):
    """A storefront that sends orders and receives availability (one brand may have several)."""

    __tablename__ = "shops"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    domain: Mapped[str] = mapped_column(String(200), unique=True)
    # encrypted at rest (types.Encrypted) and loaded only where used: a shop loaded to apply an
    # order is never decrypted
    secret: Mapped[str] = mapped_column(Encrypted(), deferred=True)
    push_url: Mapped[str | None] = mapped_column(String(500))
    api_url: Mapped[str | None] = mapped_column(String(500))
    api_token: Mapped[str | None] = mapped_column(Encrypted(), deferred=True)
    """The store's API credentials (Shopify admin token, WooCommerce ``key:secret``)."""
    external_location_id: Mapped[str | None] = mapped_column(String(32))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    quotes_public: Mapped[bool] = mapped_column(Boolean, default=False)
    """Whether anyone may ask ``POST /quote`` (else a staff login or this shop's key)."""
    publishable_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    """Not a secret (it sits in the store's pages): lets the store's pages ask for quotes."""
    # set by ``shop remove``: the shop is kept (its orders and inbox refer to it), inactive
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InboxRow(Base):
    """Every accepted webhook body, stored raw before it is processed; unique per delivery."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("shop_id", "dedupe_key"),
        Index("ix_inbox_status", "status", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    platform: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    webhook_id: Mapped[str | None] = mapped_column(String(200))
    event_id: Mapped[str | None] = mapped_column(String(200))
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_orders.id"))


class SkuMappingRow(Timestamps, Base):
    """A storefront's product key (variant id, or its own SKU) mapped to one of our SKUs."""

    __tablename__ = "sku_mappings"
    __table_args__ = (UniqueConstraint("shop_id", "external_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    external_key: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    inventory_item_id: Mapped[str | None] = mapped_column(String(32))
    external_product_id: Mapped[str | None] = mapped_column(String(32))
    # WooCommerce: the parent product of a variation (stock goes to products/{parent}/variations)
    external_parent_id: Mapped[str | None] = mapped_column(String(32))


class SalesOrderRow(Timestamps, Base):
    __tablename__ = "sales_orders"
    __table_args__ = (UniqueConstraint("shop_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    external_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    subtotal: Mapped[Decimal] = mapped_column(Dec(), default=ZERO)
    total_tax: Mapped[Decimal] = mapped_column(Dec(), default=ZERO)
    total_discounts: Mapped[Decimal] = mapped_column(Dec(), default=ZERO)
    shipping: Mapped[Decimal] = mapped_column(Dec(), default=ZERO)
    total: Mapped[Decimal] = mapped_column(Dec(), default=ZERO)
    speed_tier: Mapped[str] = mapped_column(String(16), default="basic")
    customer_email: Mapped[str] = mapped_column(String(200), default="")
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    external_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    external_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promise_date: Mapped[date | None] = mapped_column(Date)
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    # the shipment (``orders ship``), reported to the store through the outbox
    carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lines: Mapped[list[SalesOrderLineRow]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="SalesOrderLineRow.id"
    )


class SalesOrderLineRow(Timestamps, Base):
    __tablename__ = "sales_order_lines"
    __table_args__ = (UniqueConstraint("order_id", "external_line_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    external_line_id: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit_price: Mapped[Decimal] = mapped_column(Dec(), default=ZERO)
    options: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    properties: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    reserved: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    backordered: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)

    order: Mapped[SalesOrderRow] = relationship(back_populates="lines")
    item: Mapped[ItemRow] = relationship()


class PickRow(Timestamps, Base):
    """One line of a pick list: take this much of an item from a warehouse for an order line."""

    __tablename__ = "picks"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    status: Mapped[str] = mapped_column(String(16), default="open")


class ProductionJobRow(Timestamps, Base):
    """Work at a supplier for an order: a custom module to make, or a shortage to produce."""

    __tablename__ = "production_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("sales_order_lines.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    option_code: Mapped[str | None] = mapped_column(String(64))
    option_value: Mapped[str] = mapped_column(String(500), default="")
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    process: Mapped[str | None] = mapped_column(String(32))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    reason: Mapped[str] = mapped_column(String(16), default="custom")
    status: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_finish: Mapped[date | None] = mapped_column(Date)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_quantity: Mapped[Decimal | None] = mapped_column(Qty())
    """The good units delivered (set when the job finishes); its events are ``job_events``."""
    deliver_to_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    """A job for stock: the warehouse its good units go to (null: its order's, else the first
    warehouse; migration 0031)."""


class OrderEventRow(Base):
    """The order's timeline as the customer sees it: stage, planned and actual dates."""

    __tablename__ = "order_events"
    __table_args__ = (UniqueConstraint("order_id", "stage"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"))
    stage: Mapped[str] = mapped_column(String(32))
    planned_at: Mapped[date | None] = mapped_column(Date)
    actual_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxRow(Base):
    """A side effect to deliver after commit (availability pushes), retried with backoff."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
