"""The shape every import kind shares: resolve columns, parse every cell, check every row against
the database and the rest of the file, and only if nothing is wrong, write it all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flexchain.adapters.db.imports import ImportStores
from flexchain.domain.catalog import SkuRule
from flexchain.domain.errors import DomainError
from flexchain.services.imports.aliases import ALIASES
from flexchain.services.imports.columns import (
    Column,
    Errors,
    Layout,
    NumberedRow,
    Parsed,
    parse_rows,
    resolve,
)
from flexchain.services.imports.report import ImportFailed, ImportReport, RowError

__all__ = ["Checked", "Kind", "Plan", "run"]


@dataclass(frozen=True)
class Plan:
    """What an import will do, decided before anything is written; ``write`` does it."""

    created: int
    updated: int
    unchanged: int
    write: Callable[[ImportStores], None]


@dataclass(frozen=True)
class Checked:
    """What a kind's check gets: the stores to read what is stored, the parsed rows, where they
    came from, the caller's ``now`` (None: the time of writing) and the installation's SKU
    rules by item kind (empty: none checked)."""

    stores: ImportStores
    rows: list[Parsed]
    layout: Layout
    errors: Errors
    source: str
    now: datetime | None = None
    sku_rules: Mapping[str, SkuRule] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    """One import kind: its columns (aliases come from :data:`ALIASES`) and its check."""

    name: str
    columns: tuple[Column, ...]
    check: Callable[[Checked], Plan]
    prefixes: tuple[str, ...] = ()
    expand: Callable[[Mapping[str, Any]], list[Mapping[str, Any]]] | None = None
    """Turns one nested Python row (a supplier with a list of capabilities) into flat rows."""

    def __post_init__(self) -> None:
        aliases = ALIASES.get(self.name, {})
        columns = tuple(
            dataclasses.replace(column, aliases=aliases.get(column.name, column.aliases))
            for column in self.columns
        )
        object.__setattr__(self, "columns", columns)


def run(
    stores: ImportStores,
    kind: Kind,
    rows: Iterable[NumberedRow],
    headers: Iterable[str],
    source: str,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    sku_rules: Mapping[str, SkuRule] | None = None,
) -> ImportReport:
    """Check every row; raise :class:`ImportFailed` with all errors, or write (unless
    ``dry_run``) through ``stores`` without committing. A failure while writing leaves the
    stores' unit of work as it was. ``sku_rules``: by item kind, what item SKUs must follow.
    """
    errors = Errors(source)
    layout = resolve(kind.columns, headers, errors, prefixes=kind.prefixes)
    if errors:  # without its columns, every row would repeat the same complaint
        raise ImportFailed(errors.sorted())
    parsed = parse_rows(rows, kind.columns, layout, errors)
    plan = kind.check(Checked(stores, parsed, layout, errors, source, now, sku_rules or {}))
    if errors:
        raise ImportFailed(errors.sorted())
    if not dry_run:
        try:
            with stores.savepoint():
                plan.write(stores)
        except ImportFailed:
            raise
        except DomainError as error:  # the checks should have caught it; still name the file
            raise ImportFailed([RowError(source, 1, "-", str(error))]) from error
    return ImportReport(
        kind=kind.name,
        rows=len(parsed),
        created=plan.created,
        updated=plan.updated,
        unchanged=plan.unchanged,
        ignored_columns=layout.ignored,
        dry_run=dry_run,
    )
