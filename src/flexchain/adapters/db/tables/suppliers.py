"""Supplier network: suppliers, capabilities, certifications, item terms, contracts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flexchain.adapters.db.tables.base import ZERO, Base, Timestamps
from flexchain.adapters.db.types import Dec, Qty

if TYPE_CHECKING:
    from flexchain.adapters.db.tables.catalog import ItemRow


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
    topup_first_max_units: Mapped[Decimal | None] = mapped_column(Qty())
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
