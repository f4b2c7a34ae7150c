"""Spreadsheet imports: ``flexchain import KIND FILE`` and the same from Python.

Every row is checked before anything is written; if any is bad, :class:`ImportFailed` carries
every error (``FILE:LINE: COLUMN: message``) and the database is left as it was. Re-importing
updates by natural key instead of duplicating. Columns, aliases and keys: docs/imports.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from flexchain.adapters.db.engine import Engine
from flexchain.adapters.db.imports import ImportStores
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.spreadsheets import SpreadsheetError, read_table
from flexchain.domain.catalog import SkuRule
from flexchain.domain.errors import ValidationError
from flexchain.services.imports.bom import BOM
from flexchain.services.imports.contracts import CONTRACT_PRICES, CONTRACTS
from flexchain.services.imports.demand import DEMAND
from flexchain.services.imports.item_suppliers import ITEM_SUPPLIERS
from flexchain.services.imports.items import ITEMS
from flexchain.services.imports.locations import LOCATIONS
from flexchain.services.imports.option_materials import OPTION_MATERIALS
from flexchain.services.imports.options import OPTIONS
from flexchain.services.imports.pipeline import Kind, run
from flexchain.services.imports.purchase_orders import PURCHASE_ORDERS
from flexchain.services.imports.report import ImportFailed, ImportReport, RowError
from flexchain.services.imports.signals import SIGNALS
from flexchain.services.imports.stock import STOCK
from flexchain.services.imports.suppliers import SUPPLIERS

__all__ = [
    "KINDS",
    "ImportFailed",
    "ImportReport",
    "RowError",
    "import_file",
    "import_into",
    "import_rows",
    "kind_named",
]

_KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        ITEMS,
        OPTIONS,
        BOM,
        OPTION_MATERIALS,
        SUPPLIERS,
        ITEM_SUPPLIERS,
        CONTRACTS,
        CONTRACT_PRICES,
        LOCATIONS,
        STOCK,
        DEMAND,
        SIGNALS,
        PURCHASE_ORDERS,
    )
}
_ALIASES = {"demand-history": "demand"}

KINDS: tuple[str, ...] = tuple(_KINDS)
"""The import kinds (``demand-history`` is accepted as another name for ``demand``)."""


def kind_named(name: str) -> Kind:
    """The import kind called ``name``, or :class:`ValidationError` listing the kinds."""
    kind = _KINDS.get(_ALIASES.get(name, name))
    if kind is None:
        raise ValidationError(
            "kind", f"unknown import kind {name!r}; use one of {', '.join(KINDS)}"
        )
    return kind


def import_rows(
    uow: UnitOfWork,
    kind: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    source: str = "rows",
    now: datetime | None = None,
    sku_rules: Mapping[str, str] | None = None,
) -> ImportReport:
    """Import ``rows`` (dicts keyed by column name) in the caller's unit of work, uncommitted.

    Rows are numbered like spreadsheet lines: the first row is line 2. Values may be text or
    Python values (``Decimal``, ``int``, ``date``, ``bool``); a supplier row may carry a
    ``capabilities`` list and an item-supplier row a ``price_breaks`` list of dicts. ``now``
    stamps what the import records as happening (stock moves); without it, the time of writing.
    ``sku_rules``: SKU patterns by item kind (the installation's ``Settings.sku_rules``) that
    imported items with a family must follow; ``None``: no rule is checked.

    Raises
    ------
    ImportFailed
        Any row is bad; nothing was written.
    """
    return import_into(
        ImportStores.of(uow), kind, rows, source=source, now=now, sku_rules=sku_rules
    )


def _rules(sku_rules: Mapping[str, str] | None) -> dict[str, SkuRule]:
    """The SKU rules by item kind, each pattern checked."""
    return {kind: SkuRule(pattern) for kind, pattern in (sku_rules or {}).items()}


def import_into(
    stores: ImportStores,
    kind: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    source: str = "rows",
    dry_run: bool = False,
    now: datetime | None = None,
    sku_rules: Mapping[str, str] | None = None,
) -> ImportReport:
    """:func:`import_rows` through ``stores`` (the database's, or in-memory ones in tests)."""
    spec = kind_named(kind)
    rules = _rules(sku_rules)
    numbered: list[tuple[int, Mapping[str, Any]]] = []
    for line, row in enumerate(rows, start=2):
        flat = spec.expand(row) if spec.expand else [row]
        numbered.extend((line, part) for part in flat)
    headers = dict.fromkeys(key for _, row in numbered for key in row)
    return run(stores, spec, numbered, headers, source, dry_run=dry_run, now=now, sku_rules=rules)


def import_file(
    engine: Engine,
    kind: str,
    path: str | Path,
    *,
    dry_run: bool = False,
    actor: str = "cli",
    now: datetime | None = None,
    sku_rules: Mapping[str, str] | None = None,
) -> ImportReport:
    """Import a CSV or XLSX file in its own unit of work, committed unless ``dry_run``
    (``now`` and ``sku_rules`` as for :func:`import_rows`).

    Raises
    ------
    ImportFailed
        The file cannot be read, or any row is bad; nothing was written.
    """
    spec = kind_named(kind)
    rules = _rules(sku_rules)
    try:
        table = read_table(path, sheet=spec.name)
    except SpreadsheetError as error:
        raise ImportFailed(
            [RowError(error.file, error.line, error.column, error.message)]
        ) from None
    with UnitOfWork(engine, write=not dry_run, actor=actor) as uow:
        stores = ImportStores.of(uow)
        report = run(
            stores,
            spec,
            table.rows,
            table.headers,
            table.source,
            dry_run=dry_run,
            now=now,
            sku_rules=rules,
        )
        if not dry_run:
            uow.commit()
    return report
