"""The signals store: every statement that reads presale and demand-sensing signals (recording
them goes through the ``signals`` import). Each function works in the caller's unit of work."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from flexchain.adapters.db.tables import (
    BomLineRow,
    DemandHistoryRow,
    ItemRow,
    PresaleSignalRow,
    SalesOrderLineRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.planning.sensing import BOM_SCHEMA, SIGNALS_SCHEMA, Signal

__all__ = ["bom_frame", "item_exists", "items_with_history", "signals", "signals_frame"]


def item_exists(uow: UnitOfWork, sku: str) -> bool:
    return uow.session.scalar(select(ItemRow.id).where(ItemRow.sku == sku)) is not None


def signals(uow: UnitOfWork, sku: str | None = None) -> list[Signal]:
    """Every signal (of ``sku``'s product only, if given) by SKU, time, kind, module, option."""
    module = aliased(ItemRow)
    row = PresaleSignalRow
    query = (
        select(row, ItemRow.sku, module.sku)
        .join(ItemRow, ItemRow.id == row.item_id)
        .outerjoin(module, module.id == row.module_id)
        .order_by(
            ItemRow.sku,
            row.occurred_at,
            row.kind,
            module.sku.nulls_first(),
            row.option_code,
            row.source,
        )
    )
    if sku is not None:
        query = query.where(ItemRow.sku == sku)
    return [
        Signal(
            sku=item_sku,
            module_sku=module_sku,
            option_code=signal.option_code,
            kind=signal.kind,
            quantity=signal.quantity,
            amount=signal.amount,
            currency=signal.currency,
            occurred_at=signal.occurred_at,
            source=signal.source,
        )
        for signal, item_sku, module_sku in uow.session.execute(query)
    ]


def signals_frame(uow: UnitOfWork, now: datetime) -> pl.DataFrame:
    """The signals up to ``now`` as :data:`~flexchain.planning.sensing.SIGNALS_SCHEMA`."""
    module = aliased(ItemRow)
    row = PresaleSignalRow
    query = (
        select(ItemRow.sku, module.sku, row.option_code, row.kind, row.quantity, row.occurred_at)
        .join(ItemRow, ItemRow.id == row.item_id)
        .outerjoin(module, module.id == row.module_id)
        .where(row.occurred_at <= now)
    )
    records = [
        (sku, module_sku, code, kind, float(quantity), at)
        for sku, module_sku, code, kind, quantity, at in uow.session.execute(query)
    ]
    return pl.DataFrame(records, schema=SIGNALS_SCHEMA, orient="row")


def items_with_history(uow: UnitOfWork, skus: list[str]) -> list[str]:
    """Those of ``skus`` with demand history or a sales order line: their demand is forecast,
    not sensed. (Only the items with signals are looked up: history can be millions of rows.)"""
    if not skus:
        return []
    history = select(DemandHistoryRow.id).where(DemandHistoryRow.item_id == ItemRow.id)
    ordered = select(SalesOrderLineRow.id).where(SalesOrderLineRow.item_id == ItemRow.id)
    return list(
        uow.session.scalars(
            select(ItemRow.sku).where(
                ItemRow.sku.in_(skus), or_(history.exists(), ordered.exists())
            )
        )
    )


def bom_frame(uow: UnitOfWork) -> pl.DataFrame:
    """Every BOM line as parent and child SKU (:data:`~flexchain.planning.sensing.BOM_SCHEMA`)."""
    parent, child = aliased(ItemRow), aliased(ItemRow)
    query = (
        select(parent.sku, child.sku)
        .select_from(BomLineRow)
        .join(parent, parent.id == BomLineRow.parent_id)
        .join(child, child.id == BomLineRow.child_id)
    )
    return pl.DataFrame(
        [tuple(row) for row in uow.session.execute(query)], schema=BOM_SCHEMA, orient="row"
    )
