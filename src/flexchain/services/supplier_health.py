"""Supplier health data: a financial score (0-100) and staff turnover (% a year) per supplier
and day, imported from the brand's sources (a credit agency, an audit) as CSV or XLSX with the
columns ``supplier, as_of, financial_score, staff_turnover_pct, source``.

An import checks every row first: a bad one raises :class:`ImportFailed` listing each error
(``FILE:LINE: COLUMN: message``) and nothing is written. A row for a supplier and day already
stored replaces its figures (audited with both). ``financial_score`` or ``staff_turnover_pct``
may be blank, not both; ``source`` is optional (default: the file's name). Importing is the
brand's; a supplier's user lists only its own figures. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flexchain.adapters.db.supplier_events import SqlSupplierEventStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.spreadsheets import SpreadsheetError, normalise_header, read_table
from flexchain.domain.checks import code
from flexchain.domain.errors import ValidationError
from flexchain.domain.supplier_events import HealthFigure, brand_only, check_health
from flexchain.domain.values import utc
from flexchain.services import audit
from flexchain.services.imports import cells
from flexchain.services.imports.report import ImportFailed, RowError

__all__ = [
    "COLUMNS",
    "HealthFigure",
    "HealthImport",
    "import_health",
    "import_health_file",
    "list_health",
]

COLUMNS = ("supplier", "as_of", "financial_score", "staff_turnover_pct", "source")
_REQUIRED = ("supplier", "as_of")
_FIGURES = ("financial_score", "staff_turnover_pct")
ENTITY = "supplier_health"


@dataclass(frozen=True)
class HealthImport:
    """What an import did: rows read, figures created and replaced (unchanged ones neither)."""

    source: str
    rows: int
    created: int
    updated: int
    unchanged: int
    ignored_columns: tuple[str, ...] = ()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse(
    source: str, line: int, row: Mapping[str, Any], errors: list[RowError]
) -> HealthFigure | None:
    """One row as a figure, or None with its errors added (every field checked)."""
    found: dict[str, Any] = {}
    parsers: dict[str, cells.Parser] = {"supplier": cells.code, "as_of": cells.day}
    parsers.update({name: cells.decimal(4) for name in _FIGURES})
    bad = len(errors)
    for name in _REQUIRED:
        if _blank(row.get(name)):
            errors.append(RowError(source, line, name, "required"))
    for name, parse in parsers.items():
        value = row.get(name)
        if _blank(value):
            continue
        try:
            found[name] = parse(value)
        except cells.CellError as error:
            errors.append(RowError(source, line, name, str(error)))
    if len(errors) > bad:
        return None
    try:
        origin = cells.text(row["source"]) if not _blank(row.get("source")) else source
        return check_health(
            found["supplier"], found["as_of"], found.get("financial_score"),
            found.get("staff_turnover_pct"), origin,
        )  # fmt: skip
    except ValidationError as error:
        errors.append(RowError(source, line, error.field, error.message))
        return None


def _checked(
    rows: Iterable[tuple[int, Mapping[str, Any]]], source: str, store: SqlSupplierEventStore
) -> tuple[list[HealthFigure], dict[str, int], int]:
    errors: list[RowError] = []
    figures: dict[tuple[str, date], tuple[int, HealthFigure]] = {}
    lines: dict[int, HealthFigure] = {}
    count = 0
    for line, row in rows:
        count += 1
        figure = _parse(source, line, row, errors)
        if figure is None:
            continue
        key = (figure.supplier, figure.as_of)
        if key in figures:
            errors.append(RowError(source, line, "as_of", f"{figure.supplier} on {figure.as_of} "
                                   f"is also on line {figures[key][0]}"))  # fmt: skip
            continue
        figures[key] = (line, figure)
        lines[line] = figure
    ids = store.suppliers({figure.supplier for figure in lines.values()})
    for line, figure in sorted(lines.items()):
        if figure.supplier not in ids:
            errors.append(
                RowError(source, line, "supplier", f"unknown supplier {figure.supplier!r}")
            )
    if errors:
        raise ImportFailed(sorted(errors))
    if not lines:
        raise ImportFailed([RowError(source, 1, "-", "no health figures to import")])
    return [lines[line] for line in sorted(lines)], ids, count


def import_health(
    uow: UnitOfWork,
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    source: str = "rows",
    now: datetime,
) -> HealthImport:
    """Import ``(line, {"supplier", "as_of", "financial_score", "staff_turnover_pct",
    ["source"]})`` rows (keys as :data:`COLUMNS`): all or nothing."""
    now = utc(now, "now")
    brand_only(uow.supplier_scope, "importing health data")
    store = SqlSupplierEventStore(uow)
    figures, ids, count = _checked(rows, source, store)
    stored = store.health_of((ids[f.supplier], f.as_of) for f in figures)
    created = updated = 0
    for figure in figures:
        key = (ids[figure.supplier], figure.as_of)
        old = stored.get(key)
        if old == figure:
            continue
        store.put_health(key[0], figure, exists=old is not None)
        created, updated = (created + 1, updated) if old is None else (created, updated + 1)
        audit.record_change(
            uow, "imported", ENTITY, f"{figure.supplier}@{figure.as_of.isoformat()}",
            before=_figures(old) if old else None, after=_figures(figure), at=now, source=source,
        )  # fmt: skip
    return HealthImport(source, count, created, updated, len(figures) - created - updated)


def _figures(figure: HealthFigure) -> dict[str, Any]:
    return {
        "financial_score": figure.financial_score,
        "staff_turnover_pct": figure.staff_turnover_pct,
        "source": figure.source,
    }


def import_health_file(uow: UnitOfWork, path: str | Path, *, now: datetime) -> HealthImport:
    """Import a CSV or XLSX file with the columns :data:`COLUMNS` (headers in any case;
    ``source`` optional; others ignored and reported)."""
    try:
        table = read_table(path)
    except SpreadsheetError as error:
        raise ImportFailed([RowError(*error.args)]) from None
    by_name = {normalise_header(h): h for h in table.headers}
    missing = [c for c in _REQUIRED if c not in by_name]
    if not any(c in by_name for c in _FIGURES):
        missing.append(" or ".join(_FIGURES))
    if missing:
        raise ImportFailed([RowError(table.source, 1, c, "missing column") for c in missing])
    rows = [
        (line, {k: values.get(h) for k, h in by_name.items() if k in COLUMNS})
        for line, values in table.rows
    ]
    ignored = tuple(h for k, h in by_name.items() if k not in COLUMNS)
    report = import_health(uow, rows, source=table.source, now=now)
    return HealthImport(**{**report.__dict__, "ignored_columns": ignored})


def list_health(
    uow: UnitOfWork,
    *,
    supplier: str | None = None,
    since: date | None = None,
    latest: bool = False,
) -> list[HealthFigure]:
    """Health figures by supplier and date, of ``supplier``, from ``since``; ``latest``: each
    supplier's newest only. A supplier's user sees only its own."""
    store = SqlSupplierEventStore(uow)
    who = store.supplier(code(supplier, "supplier")).code if supplier else None
    if since is not None and (isinstance(since, datetime) or not isinstance(since, date)):
        raise ValidationError("since", f"expected a date (YYYY-MM-DD), got {since!r}")
    return store.health(supplier=who, since=since, latest=latest)
