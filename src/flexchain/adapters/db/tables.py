"""SQLAlchemy 2 tables. The domain never sees these: repositories convert rows to domain objects.

Every table users change carries ``created_at`` / ``updated_at``; who did what is in ``audit_log``.
Natural keys (SKU, supplier code, location code, contract code) are unique and are what imports
match on, so re-importing a file updates rows instead of duplicating them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from flexchain.adapters.db.types import Dec, Qty, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


ZERO = Decimal(0)


# --- catalog -------------------------------------------------------------------------------------


class ItemRow(Timestamps, Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    uom: Mapped[str] = mapped_column(String(8), default="pcs")
    family: Mapped[str] = mapped_column(String(64), default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    module_type: Mapped[str | None] = mapped_column(String(16))
    production_cycle_days: Mapped[int] = mapped_column(Integer, default=0)
    moq: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    order_multiple: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(1))
    default_supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    list_price: Mapped[Decimal | None] = mapped_column(Dec())
    standard_cost: Mapped[Decimal | None] = mapped_column(Dec())
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    default_supplier: Mapped[SupplierRow | None] = relationship()


class OptionRow(Timestamps, Base):
    """A choice a customer makes for a custom module (a colour, an engraving, a print)."""

    __tablename__ = "options"
    __table_args__ = (UniqueConstraint("module_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    price_delta: Mapped[Decimal] = mapped_column(Dec(), default=ZERO)
    lead_time_delta_days: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")

    module: Mapped[ItemRow] = relationship()


class BomLineRow(Timestamps, Base):
    __tablename__ = "bom_lines"
    __table_args__ = (
        UniqueConstraint("parent_id", "child_id"),
        CheckConstraint("parent_id <> child_id", name="not_self"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Qty())
    scrap_pct: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)

    parent: Mapped[ItemRow] = relationship(foreign_keys=[parent_id])
    child: Mapped[ItemRow] = relationship(foreign_keys=[child_id])


class CatalogVersionRow(Base):
    """One row: a counter that triggers on the catalog tables bump on every change (see
    :mod:`flexchain.adapters.db.catalog_version`)."""

    __tablename__ = "catalog_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


# --- supplier network ----------------------------------------------------------------------------


class SupplierRow(Timestamps, Base):
    __tablename__ = "suppliers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(1))
    country: Mapped[str] = mapped_column(String(2))
    latitude: Mapped[Decimal | None] = mapped_column(Dec(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Dec(9, 6))
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    carbon_intensity: Mapped[Decimal] = mapped_column(Dec(), default=ZERO)
    email: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    capabilities: Mapped[list[CapabilityRow]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan", order_by="CapabilityRow.process"
    )
    certifications: Mapped[list[CertificationRow]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan", order_by="CertificationRow.name"
    )


class CapabilityRow(Timestamps, Base):
    __tablename__ = "supplier_capabilities"
    __table_args__ = (UniqueConstraint("supplier_id", "process"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    process: Mapped[str] = mapped_column(String(32), index=True)
    capacity_per_day: Mapped[Decimal] = mapped_column(Qty())
    moq: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    order_multiple: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(1))
    lead_time_mean_days: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    lead_time_sd_days: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    sample_lead_time_days: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)

    supplier: Mapped[SupplierRow] = relationship(back_populates="capabilities")


class CertificationRow(Timestamps, Base):
    __tablename__ = "supplier_certifications"
    __table_args__ = (UniqueConstraint("supplier_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    name: Mapped[str] = mapped_column(String(100))
    valid_until: Mapped[date] = mapped_column(Date)

    supplier: Mapped[SupplierRow] = relationship(back_populates="certifications")


class ItemSupplierRow(Timestamps, Base):
    """Terms on which one supplier sells one item (frePPLe's item-supplier)."""

    __tablename__ = "item_suppliers"
    __table_args__ = (UniqueConstraint("item_id", "supplier_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    lead_time_days: Mapped[int] = mapped_column(Integer, default=0)
    moq: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    order_multiple: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(1))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    item: Mapped[ItemRow] = relationship()
    supplier: Mapped[SupplierRow] = relationship()
    price_breaks: Mapped[list[PriceBreakRow]] = relationship(
        back_populates="item_supplier",
        cascade="all, delete-orphan",
        order_by="PriceBreakRow.min_quantity",
    )


class PriceBreakRow(Timestamps, Base):
    __tablename__ = "price_breaks"
    __table_args__ = (UniqueConstraint("item_supplier_id", "min_quantity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_supplier_id: Mapped[int] = mapped_column(ForeignKey("item_suppliers.id"))
    min_quantity: Mapped[Decimal] = mapped_column(Qty())
    unit_price: Mapped[Decimal] = mapped_column(Dec())

    item_supplier: Mapped[ItemSupplierRow] = relationship(back_populates="price_breaks")


class ContractRow(Timestamps, Base):
    """A framework agreement; each clause is a group of nullable columns (null = not signed)."""

    __tablename__ = "contracts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    topup_max_units: Mapped[Decimal | None] = mapped_column(Qty())
    topup_max_premium_pct: Mapped[Decimal | None] = mapped_column(Dec(9, 4))
    retention_pct: Mapped[Decimal | None] = mapped_column(Dec(9, 4))
    retention_settlement: Mapped[str | None] = mapped_column(String(16))
    capacity_reserved_pct: Mapped[Decimal | None] = mapped_column(Dec(9, 4))
    capacity_monthly_fee: Mapped[Decimal | None] = mapped_column(Dec())
    capacity_process: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str] = mapped_column(Text, default="")

    supplier: Mapped[SupplierRow] = relationship()
    prices: Mapped[list[ContractPriceRow]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )


class ContractPriceRow(Timestamps, Base):
    __tablename__ = "contract_prices"
    __table_args__ = (UniqueConstraint("contract_id", "item_id", "min_quantity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    min_quantity: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    unit_price: Mapped[Decimal] = mapped_column(Dec())

    contract: Mapped[ContractRow] = relationship(back_populates="prices")
    item: Mapped[ItemRow] = relationship()


class PurchaseOrderLineRow(Timestamps, Base):
    """One line of a purchase order (imported for now; the buying module will create them).

    Planning nets every ``open`` line's ``quantity - received_quantity`` as a scheduled receipt
    in the week of ``due_date``.
    """

    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("po_number", "line_no"),
        CheckConstraint("status IN ('open', 'closed', 'cancelled')", name="known_status"),
        CheckConstraint("quantity > 0", name="positive"),
        CheckConstraint(
            "received_quantity >= 0 AND received_quantity <= quantity", name="received_in_range"
        ),
        Index("ix_purchase_order_lines_open", "status", "item_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    po_number: Mapped[str] = mapped_column(String(64))
    line_no: Mapped[int] = mapped_column(Integer)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    received_quantity: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    unit_price: Mapped[Decimal | None] = mapped_column(Dec())
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")

    supplier: Mapped[SupplierRow] = relationship()
    item: Mapped[ItemRow] = relationship()


# --- locations and the inventory ledger ----------------------------------------------------------


class LocationRow(Timestamps, Base):
    __tablename__ = "locations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"))
    transit_for_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))

    supplier: Mapped[SupplierRow | None] = relationship()
    transit_for: Mapped[LocationRow | None] = relationship(remote_side=[id])


class StockMoveRow(Base):
    """Append-only: a move is never updated or deleted; a correction is a new move."""

    __tablename__ = "stock_moves"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    from_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    kind: Mapped[str] = mapped_column(String(24))
    reference: Mapped[str] = mapped_column(String(200), default="")
    reservation_owner: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="system")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive"),
        Index("ix_stock_moves_item_at", "item_id", "at"),
    )


class StockBalanceRow(Base):
    """Derived from the moves and reservations, kept in step in the same transaction."""

    __tablename__ = "stock_balances"
    __table_args__ = (UniqueConstraint("item_id", "location_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    on_hand: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    reserved: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    in_transit: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    on_order: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ReservationRow(Timestamps, Base):
    """Stock promised to an owner (an order line, say); 'not expired' is part of every query."""

    __tablename__ = "reservations"
    __table_args__ = (
        UniqueConstraint("owner_ref", "item_id", "location_id"),
        CheckConstraint("quantity >= 0", name="not_negative"),
        Index("ix_reservations_balance", "item_id", "location_id", "status"),
        # the sweep of expired reservations (once per balance an order touches) reads only these,
        # however many reservations without an expiry the balance has
        Index(
            "ix_reservations_expiring",
            "item_id",
            "location_id",
            "status",
            "expires_at",
            postgresql_where=text("expires_at IS NOT NULL"),
            sqlite_where=text("expires_at IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_ref: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="active")


class DemandHistoryRow(Timestamps, Base):
    """Demand per item, location and period (the start date of a weekly bucket by default)."""

    __tablename__ = "demand_history"
    __table_args__ = (UniqueConstraint("item_id", "location_id", "period_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    period_start: Mapped[date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(Qty())


class AuditRow(Base):
    """Who did what: one row per change a user (or an import, or the demo) made."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_key: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- storefront intake and orders ----------------------------------------------------------------


class ShopRow(Timestamps, Base):
    """A storefront that sends orders and receives availability (one brand may have several)."""

    __tablename__ = "shops"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    domain: Mapped[str] = mapped_column(String(200), unique=True)
    secret: Mapped[str] = mapped_column(String(200))
    push_url: Mapped[str | None] = mapped_column(String(500))
    api_url: Mapped[str | None] = mapped_column(String(500))
    api_token: Mapped[str | None] = mapped_column(String(500))
    external_location_id: Mapped[str | None] = mapped_column(String(32))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)


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


# --- planning ------------------------------------------------------------------------------------


class PlanRunRow(Base):
    """One planning run. It becomes the current plan only when ``status`` is ``complete``: a
    failed or killed run stays ``running``/``failed`` and the previous plan stays current."""

    __tablename__ = "plan_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    period_start: Mapped[date] = mapped_column(Date)
    period_days: Mapped[int] = mapped_column(Integer, default=7)
    horizon: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64), default="system")
    error: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PlanOrderRow(Base):
    """A planned purchase or production job of a run, with what it is pegged to."""

    __tablename__ = "plan_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    kind: Mapped[str] = mapped_column(String(16))
    release_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(Qty())
    pegs: Mapped[list[list[str]]] = mapped_column(JSON, default=list)


class PlanExceptionRow(Base):
    __tablename__ = "plan_exceptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    kind: Mapped[str] = mapped_column(String(16))
    period_date: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)


class PlanInputRow(Base):
    """What a run saw of one item, so ``plan diff`` can say which input change caused a change."""

    __tablename__ = "plan_inputs"
    __table_args__ = (UniqueConstraint("run_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    values: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


# --- presale and demand sensing ------------------------------------------------------------------


class PresaleSignalRow(Timestamps, Base):
    """A presale or demand-sensing signal: views, add-to-carts, preorders or deposits of a product,
    or of one option of one of its custom modules (``module_id`` and ``option_code`` together).

    Re-imports match on (item, module, option, kind, occurred_at, source); the imports and
    :mod:`flexchain.services.signals` enforce that key (a unique constraint would let the rows
    without an option through, NULLs being distinct).
    """

    __tablename__ = "presale_signals"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('views', 'add_to_cart', 'preorder', 'deposit')", name="known_kind"
        ),
        CheckConstraint("quantity >= 0", name="not_negative"),
        Index("ix_presale_signals_item_at", "item_id", "occurred_at"),
        Index("ix_presale_signals_at", "occurred_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    option_code: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    amount: Mapped[Decimal | None] = mapped_column(Dec())
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(64), default="")
