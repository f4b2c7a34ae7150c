"""The signals store: every statement that reads presale and demand-sensing signals (recording
them goes through the ``signals`` import). Each function works in the caller's unit of work."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from flexchain.adapters.db.tables import (
    BomLineRow,
    DemandHistoryRow,
    ItemRow,
    OptionComponentRow,
    OptionRow,
    PresaleSignalRow,
    SalesOrderLineRow,
    SalesOrderRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.planning.sensing import (
    BOM_SCHEMA,
    MIN_OWN_WEEKS,
    OPTION_MATERIALS_SCHEMA,
    SIGNALS_SCHEMA,
    Signal,
)

__all__ = [
    "bom_frame",
    "item_exists",
    "items_with_history",
    "option_materials_frame",
    "signals",
    "signals_frame",
]


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
    """Those of ``skus`` with demand history of their own: imported history, or sales-order
    lines in at least :data:`~flexchain.planning.sensing.MIN_OWN_WEEKS` different weeks. Their
    demand is forecast; the others keep their sized first batch. (Only the items with signals
    are looked up: history can be millions of rows.)"""
    if not skus:
        return []
    history = select(DemandHistoryRow.id).where(DemandHistoryRow.item_id == ItemRow.id)
    found = set(
        uow.session.scalars(select(ItemRow.sku).where(ItemRow.sku.in_(skus), history.exists()))
    )
    line, order = SalesOrderLineRow, SalesOrderRow
    weeks: dict[str, set[object]] = {}
    for sku, at in uow.session.execute(
        select(ItemRow.sku, func.coalesce(order.external_created_at, order.created_at))
        .select_from(line)
        .join(ItemRow, ItemRow.id == line.item_id)
        .join(order, order.id == line.order_id)
        .where(ItemRow.sku.in_(set(skus) - found))
    ):
        day = (at if isinstance(at, datetime) else datetime.fromisoformat(str(at))).date()
        weeks.setdefault(sku, set()).add(day - timedelta(days=day.weekday()))
    found.update(sku for sku, seen in weeks.items() if len(seen) >= MIN_OWN_WEEKS)
    return sorted(found)


def option_materials_frame(uow: UnitOfWork) -> pl.DataFrame:
    """Per option, what one unit of its module made with it takes
    (:data:`~flexchain.planning.sensing.OPTION_MATERIALS_SCHEMA`): the module's BOM lines and
    the option's own components, scrap included."""
    module, child = aliased(ItemRow), aliased(ItemRow)
    rows: dict[tuple[str, str, str], float] = {}

    def add(key: tuple[str, str, str], quantity: object, scrap: object) -> None:
        per_unit = float(quantity) * 100 / (100 - float(scrap))  # type: ignore[arg-type]
        rows[key] = rows.get(key, 0.0) + per_unit

    own = (
        select(module.sku, OptionRow.code, child.sku, BomLineRow.quantity, BomLineRow.scrap_pct)
        .select_from(OptionRow)
        .join(module, module.id == OptionRow.module_id)
        .join(BomLineRow, BomLineRow.parent_id == OptionRow.module_id)
        .join(child, child.id == BomLineRow.child_id)
    )
    part = OptionComponentRow
    chosen = (
        select(module.sku, OptionRow.code, child.sku, part.quantity, part.scrap_pct)
        .select_from(part)
        .join(OptionRow, OptionRow.id == part.option_id)
        .join(module, module.id == OptionRow.module_id)
        .join(child, child.id == part.component_id)
    )
    for query in (own, chosen):
        for module_sku, code, material, quantity, scrap in uow.session.execute(query):
            add((module_sku, code, material), quantity, scrap)
    return pl.DataFrame(
        [(*key, quantity) for key, quantity in sorted(rows.items())],
        schema=OPTION_MATERIALS_SCHEMA,
        orient="row",
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
