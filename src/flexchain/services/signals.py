"""Presale and demand-sensing signals: record them (``POST /signals``), list them, and sense
(what the planning run reads: first batches for items without history, option-share alerts and
the safety-stock multipliers of the materials behind alerted options).

Recording goes through the ``signals`` import (:mod:`flexchain.services.imports.signals`), so the
API and a spreadsheet accept the same rows, check them the same way and upsert by the same key.
The numbers are :mod:`flexchain.planning.presale`'s, composed by
:func:`flexchain.planning.sensing.sense`; every statement is the signals store's
(:mod:`flexchain.adapters.db.signals`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from flexchain.adapters.db import signals as store
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import DomainError, NotFound
from flexchain.planning.presale import ConversionRates, SignalKind
from flexchain.planning.sensing import (
    BASELINE_DAYS,
    MIN_ALERT_CARTS,
    SIGNALS_SCHEMA,
    WINDOW_DAYS,
    Sensing,
    Signal,
    sense,
)
from flexchain.services.imports import ImportFailed, ImportReport, import_rows

__all__ = [
    "BASELINE_DAYS",
    "MIN_ALERT_CARTS",
    "SIGNALS_SCHEMA",
    "WINDOW_DAYS",
    "Sensing",
    "Signal",
    "SignalKind",
    "SignalsRejected",
    "list_signals",
    "record_signals",
    "sensing",
]


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
    if sku is not None and not store.item_exists(uow, sku):
        raise NotFound(f"unknown item {sku!r}")
    return store.signals(uow, sku)


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

    First batches are sized for the items with signals but without demand history of their
    own (imported history, or sales in :data:`~flexchain.planning.sensing.MIN_OWN_WEEKS`
    weeks). Alerts compare each option's share of its module's add-to-carts in the last
    ``window_days`` with the ``baseline_days`` before (rule in :mod:`flexchain.planning.presale`).
    Read-only.
    """
    return sense(
        store.signals_frame(uow, now),
        now=now,
        items_with_history=partial(store.items_with_history, uow),
        bom=partial(store.bom_frame, uow),
        option_materials=partial(store.option_materials_frame, uow),
        conversion=conversion,
        window_days=window_days,
        baseline_days=baseline_days,
        threshold_share=threshold_share,
        jump=jump,
        min_count=min_count,
    )
