"""Catalog tables: items, options (and their own components), BOM lines, the catalog version."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flexchain.adapters.db.tables.base import ZERO, Base, Timestamps
from flexchain.adapters.db.types import Dec, Qty

if TYPE_CHECKING:
    from flexchain.adapters.db.tables.suppliers import SupplierRow


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


class OptionComponentRow(Timestamps, Base):
    """An option's own bill of materials: ``quantity`` of ``component`` per unit of its custom
    module (``scrap_pct`` lost on top), needed only when a customer chooses the option."""

    __tablename__ = "option_components"
    __table_args__ = (
        UniqueConstraint("option_id", "component_id"),
        CheckConstraint("quantity > 0", name="positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("options.id"), index=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Qty())
    scrap_pct: Mapped[Decimal] = mapped_column(Qty(), default=ZERO)


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
