"""Presale and demand-sensing signals: record them (``POST /signals``), list them, and sense
(what the planning run reads: first batches for items without history, option-share alerts and
the safety-stock multipliers of the materials behind alerted options).

Recording goes through the ``signals`` import (:mod:`flexchain.services.imports.signals`), so the
API and a spreadsheet accept the same rows, check them the same way and upsert by the same key.
The numbers are :mod:`flexchain.planning.presale`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

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
from flexchain.domain.errors import DomainError, NotFound
from flexchain.planning.presale import (
    ConversionRates,
    first_batch,
    option_alerts,
    option_shares,
    safety_multipliers,
)
from flexchain.services.imports import ImportFailed, ImportReport, import_rows

__all__ = [
    "BASELINE_DAYS",
    "MIN_ALERT_CARTS",
    "WINDOW_DAYS",
    "Sensing",
    "Signal",
    "SignalsRejected",
    "list_signals",
    "record_signals",
    "sensing",
]

WINDOW_DAYS = 14
"""Days of add-to-carts an option's current share is measured over."""
BASELINE_DAYS = 56
"""Days before the window its baseline share is measured over."""
MIN_ALERT_CARTS = 10
"""Add-to-carts of an option in the window below which its share is too noisy to alert on."""

SIGNALS_SCHEMA: dict[str, pl.DataType] = {
    "item": pl.String(),
    "module": pl.String(),
    "option": pl.String(),
    "kind": pl.String(),
    "quantity": pl.Float64(),
    "occurred_at": pl.Datetime("us", "UTC"),
}


@dataclass(frozen=True)
class Signal:
    sku: str
    module_sku: str | None
    option_code: str | None
    kind: str
    quantity: Decimal
    amount: Decimal | None
    currency: str
    occurred_at: datetime
    source: str


class SignalsRejected(DomainError):
    """Posted signals that cannot be recorded; ``str()`` names each one (``signals[2].sku:
    unknown item 'NOPE'``). Nothing was recorded."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(list(problems))
        self.problems = list(problems)

    def __str__(self) -> str:
        return "; ".join(self.problems)


def record_signals(
    uow: UnitOfWork, rows: Iterable[Mapping[str, Any]], *, source: str = "api"
) -> ImportReport:
    """Check and upsert ``rows`` (the ``signals`` import's columns, Python values or text) in
    ``uow``, uncommitted; the caller commits.

    Raises
    ------
    SignalsRejected
        Any row is bad (unknown SKU or option, an amount on a view, ...); nothing was written.
    """
    rows = list(rows)
    if not rows:  # nothing to check: without rows, the import would miss every column
        return ImportReport(kind="signals", rows=0, created=0, updated=0, unchanged=0)
    try:
        return import_rows(uow, "signals", rows, source=source)
    except ImportFailed as failed:
        raise SignalsRejected(
            [
                f"signals[{error.line - 2}].{error.column}: {error.message}"
                if error.line > 1
                else f"{error.column}: {error.message}"
                for error in failed.errors
            ]
        ) from None


def list_signals(uow: UnitOfWork, sku: str | None = None) -> list[Signal]:
    """Every signal (of ``sku``'s product only, if given) by SKU, time, kind, module, option.

    Raises
    ------
    NotFound
        ``sku`` is not an item.
    """
    session = uow.session
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
        if session.scalar(select(ItemRow.id).where(ItemRow.sku == sku)) is None:
            raise NotFound(f"unknown item {sku!r}")
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
        for signal, item_sku, module_sku in session.execute(query)
    ]


class Sensing(NamedTuple):
    """What the planning run takes from presale and demand sensing."""

    first_batches: pl.DataFrame
    """:func:`~flexchain.planning.presale.first_batch` of the items without demand history:
    ``item`` (SKU), ``committed``, ``leads``, ``expected``, ``low``, ``high``."""
    alerts: pl.DataFrame
    """:func:`~flexchain.planning.presale.option_alerts`: ``module``, ``option``, shares, ratio."""
    multipliers: dict[str, float]
    """Material SKU -> safety-stock multiplier (> 1) for the materials behind alerted options."""


def _signals_frame(uow: UnitOfWork, now: datetime) -> pl.DataFrame:
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


def _items_with_history(uow: UnitOfWork, skus: list[str]) -> list[str]:
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


def _bom_frame(uow: UnitOfWork) -> pl.DataFrame:
    parent, child = aliased(ItemRow), aliased(ItemRow)
    query = (
        select(parent.sku, child.sku)
        .select_from(BomLineRow)
        .join(parent, parent.id == BomLineRow.parent_id)
        .join(child, child.id == BomLineRow.child_id)
    )
    return pl.DataFrame(
        [tuple(row) for row in uow.session.execute(query)],
        schema={"parent": pl.String, "child": pl.String},
        orient="row",
    )


def sensing(
    uow: UnitOfWork,
    *,
    now: datetime,
    conversion: ConversionRates | None = None,
    window_days: int = WINDOW_DAYS,
    baseline_days: int = BASELINE_DAYS,
    threshold_share: float = 0.15,
    jump: float = 2.0,
    min_count: float = MIN_ALERT_CARTS,
) -> Sensing:
    """First batches, option alerts and safety multipliers from the signals up to ``now``.

    First batches are sized for the items with signals but without demand history or sales
    order lines. Alerts compare each option's share of its module's add-to-carts in the last
    ``window_days`` with the ``baseline_days`` before (rule in :mod:`flexchain.planning.presale`).
    Read-only.
    """
    signals = _signals_frame(uow, now)
    history = _items_with_history(uow, signals["item"].unique().to_list())
    new_items = signals.filter(~pl.col("item").is_in(history))
    batches = first_batch(new_items, conversion)
    shares = option_shares(signals, window_days=window_days, baseline_days=baseline_days, now=now)
    alerts = option_alerts(shares, threshold_share=threshold_share, jump=jump, min_count=min_count)
    bom = (
        _bom_frame(uow)
        if not alerts.is_empty()
        else pl.DataFrame(schema={"parent": pl.String, "child": pl.String})
    )
    multipliers = safety_multipliers(alerts, bom)
    return Sensing(
        batches,
        alerts,
        dict(
            zip(multipliers["material"].to_list(), multipliers["multiplier"].to_list(), strict=True)
        ),
    )
