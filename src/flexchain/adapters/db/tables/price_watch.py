"""Cost and price watch: commodity price indices and their dated values, item cost models,
index clauses on contracts, and the renegotiation tasks the watch raises
(``domain/price_watch.py`` holds the rules)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from flexchain.adapters.db.tables.base import Base, Timestamps
from flexchain.adapters.db.types import Dec, UTCDateTime

TASK_STATUSES = ("open", "accepted", "dismissed")


class PriceIndexRow(Timestamps, Base):
    """A material or commodity price index (``COTTON`` in USD/kg)."""

    __tablename__ = "price_indices"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(32), default="")


class PriceIndexValueRow(Timestamps, Base):
    """The index's value on one day (one per index and day; a re-import updates it)."""

    __tablename__ = "price_index_values"
    __table_args__ = (UniqueConstraint("index_id", "value_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    index_id: Mapped[int] = mapped_column(ForeignKey("price_indices.id"))
    value_date: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Dec())


class ItemCostModelRow(Timestamps, Base):
    """An item's cost split in shares (each 0..1, summing to 1) and the index each follows."""

    __tablename__ = "item_cost_models"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), unique=True)
    material_share: Mapped[Decimal] = mapped_column(Dec(9, 4))
    energy_share: Mapped[Decimal] = mapped_column(Dec(9, 4))
    tooling_share: Mapped[Decimal] = mapped_column(Dec(9, 4))
    labour_share: Mapped[Decimal] = mapped_column(Dec(9, 4))
    material_index_id: Mapped[int | None] = mapped_column(ForeignKey("price_indices.id"))
    energy_index_id: Mapped[int | None] = mapped_column(ForeignKey("price_indices.id"))
    tooling_index_id: Mapped[int | None] = mapped_column(ForeignKey("price_indices.id"))
    labour_index_id: Mapped[int | None] = mapped_column(ForeignKey("price_indices.id"))


class ContractIndexClauseRow(Timestamps, Base):
    """A contract's prices follow an index from ``base_value`` on ``base_date``; a move beyond
    ``threshold_pct`` either way raises a renegotiation task."""

    __tablename__ = "contract_index_clauses"
    __table_args__ = (UniqueConstraint("contract_id", "index_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    index_id: Mapped[int] = mapped_column(ForeignKey("price_indices.id"), index=True)
    base_value: Mapped[Decimal] = mapped_column(Dec())
    base_date: Mapped[date] = mapped_column(Date)
    threshold_pct: Mapped[Decimal] = mapped_column(Dec(9, 4), default=Decimal(8))


class RenegotiationTaskRow(Timestamps, Base):
    """An index moved beyond a contract clause's threshold: renegotiate. One task per contract,
    index and observed value (``value_date``); ``impacts`` holds the cost impact per unit of each
    contract price line, ``cost_impact`` the impact on what is still on order under the contract
    (both in ``currency``, the contract's)."""

    __tablename__ = "renegotiation_tasks"
    __table_args__ = (
        UniqueConstraint("contract_id", "index_id", "value_date"),
        CheckConstraint(f"status IN {TASK_STATUSES!r}", name="known_status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    index_id: Mapped[int] = mapped_column(ForeignKey("price_indices.id"))
    base_value: Mapped[Decimal] = mapped_column(Dec())
    index_value: Mapped[Decimal] = mapped_column(Dec())
    value_date: Mapped[date] = mapped_column(Date)
    move_pct: Mapped[Decimal] = mapped_column(Dec(12, 4))
    cost_impact: Mapped[Decimal] = mapped_column(Dec(38, 6))  # quantity x price x move
    currency: Mapped[str] = mapped_column(String(3))
    impacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
