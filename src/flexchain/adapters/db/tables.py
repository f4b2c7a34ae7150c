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
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
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
