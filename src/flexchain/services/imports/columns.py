"""Column specs and the first pass over a file: which header feeds which column, and every cell
parsed, with each problem collected as a :class:`RowError` instead of stopping at the first.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flexchain.adapters.spreadsheets import normalise_header
from flexchain.domain.errors import ValidationError
from flexchain.services.imports.cells import CellError, Parser
from flexchain.services.imports.report import RowError

__all__ = ["Column", "Errors", "Layout", "Parsed", "Seen", "parse_rows", "resolve"]

NumberedRow = tuple[int, Mapping[str, Any]]


@dataclass(frozen=True)
class Column:
    """One column of an import kind.

    ``required``: the header must be present and the cell filled. ``default``: what a blank cell
    means. ``aliases``: other systems' headers for the same thing, tried in order after ``name``.
    ``aliases_first``: another system uses our name for something else, so when a file has one
    of the aliases, a header spelled like ``name`` is that system's column and left to others.
    ``fill_down``: a blank cell repeats the value above (how Odoo exports one-to-many lines).
    ``group``: in kinds where several rows form one thing, the column belongs to the thing, not
    the row; its value may be given on any of them.
    """

    name: str
    parse: Parser
    required: bool = False
    default: Any = None
    aliases: tuple[str, ...] = ()
    aliases_first: bool = False
    fill_down: bool = False
    group: bool = False

    def candidates(self) -> list[str]:
        names = [normalise_header(alias) for alias in self.aliases]
        return [*names, self.name] if self.aliases_first else [self.name, *names]


@dataclass(frozen=True)
class Layout:
    """Where each column is in this file."""

    headers: dict[str, tuple[str, ...]]
    """Canonical name -> the headers that feed it, best first (the first non-blank cell wins)."""
    ignored: tuple[str, ...]
    prefixed: dict[str, str] = field(default_factory=dict)
    """Headers like ``attr.colour``: header as written -> the name after the prefix."""

    def has(self, name: str) -> bool:
        return name in self.headers


class Errors:
    """Collects row errors, naming each column the way the file names it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.labels: dict[str, str] = {}
        self.items: list[RowError] = []

    def add(self, line: int, column: str, message: str) -> None:
        self.items.append(RowError(self.source, line, self.labels.get(column, column), message))

    def invalid(self, line: int, error: ValidationError, fields: Mapping[str, str]) -> None:
        """A domain ValidationError; ``fields`` maps domain field names to column names."""
        base = error.field.split(".")[0].split("[")[0]
        self.add(line, fields.get(base, base), error.message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def sorted(self) -> list[RowError]:
        return sorted(self.items, key=lambda error: error.line)


def resolve(
    columns: Iterable[Column],
    headers: Iterable[str],
    errors: Errors,
    *,
    prefixes: tuple[str, ...] = (),
) -> Layout:
    """Match the file's headers to columns; a missing required column is an error at line 1."""
    by_key = {normalise_header(header): header for header in headers}
    claimed: dict[str, tuple[str, ...]] = {}
    used: set[str] = set()
    for column in columns:
        candidates = column.candidates()
        if column.aliases_first and any(key in by_key for key in candidates[:-1]):
            candidates = candidates[:-1]
        found = tuple(
            by_key[key] for key in candidates if key in by_key and by_key[key] not in used
        )
        if found:
            claimed[column.name] = found
            used.update(found)
            errors.labels[column.name] = found[0]
        elif column.required:
            accepted = ", ".join(column.aliases)
            also = f" (also accepted: {accepted})" if accepted else ""
            errors.add(1, column.name, f"missing required column{also}")
    prefixed = {
        header: header[len(prefix) :].strip().lower()
        for key, header in by_key.items()
        for prefix in prefixes
        if key.startswith(prefix) and header[len(prefix) :].strip()
    }
    used.update(prefixed)
    ignored = tuple(header for header in by_key.values() if header not in used)
    return Layout(claimed, ignored, prefixed)


@dataclass
class Parsed:
    """A row after parsing: canonical column -> value (the column's default when blank)."""

    line: int
    values: dict[str, Any]
    given: set[str]
    """Columns whose cell was not blank."""
    extra: dict[str, Any]
    ok: bool = True


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_rows(
    rows: Iterable[NumberedRow], columns: Iterable[Column], layout: Layout, errors: Errors
) -> list[Parsed]:
    """Parse every cell of every row; bad cells become errors and mark their row not ok."""
    present = [column for column in columns if layout.has(column.name)]
    above: dict[str, Any] = {}
    parsed = []
    for line, raw in rows:
        row = Parsed(line, {}, set(), {})
        for column in present:
            value = next(
                (raw[h] for h in layout.headers[column.name] if not _blank(raw.get(h))), None
            )
            if _blank(value) and column.fill_down and column.name in above:
                value = above[column.name]
            if _blank(value):
                row.values[column.name] = column.default
                if column.required and not column.group:
                    errors.add(line, column.name, "required: this cell must not be blank")
                    row.ok = False
                continue
            above[column.name] = value
            try:
                row.values[column.name] = column.parse(value)
                row.given.add(column.name)
            except CellError as error:
                errors.add(line, column.name, str(error))
                row.ok = False
        for header in layout.prefixed:
            value = raw.get(header)
            if not _blank(value):
                row.extra[header] = value
        parsed.append(row)
    return parsed


class Seen:
    """First line of each key, to report a repeated key as ``duplicate of line N``."""

    def __init__(self, errors: Errors, column: str) -> None:
        self.errors = errors
        self.column = column
        self.lines: dict[Hashable, int] = {}

    def first(self, key: Hashable, line: int) -> bool:
        """Whether ``key`` is new; if not, record the error and return False."""
        earlier = self.lines.setdefault(key, line)
        if earlier != line:
            self.errors.add(line, self.column, f"duplicate of line {earlier}")
            return False
        return True
