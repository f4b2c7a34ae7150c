"""Kinds where several rows form one thing: the price breaks of an item-supplier pair, the
capabilities of a supplier. The thing's own columns may be repeated on every row (as exports
write them) or given once; repeated values must agree.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from flexchain.domain.errors import format_decimal
from flexchain.services.imports.columns import Column, Errors, Layout, Parsed

__all__ = ["Group", "group_rows", "shown"]

K = TypeVar("K", bound=Hashable)


def shown(value: Any) -> str:
    """A value the way the user wrote it, for messages."""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(shown(item) for item in value)
    return str(getattr(value, "value", value))


@dataclass
class Group(Generic[K]):
    """The rows sharing one key, and the group columns merged from them."""

    key: K
    line: int
    values: dict[str, Any]
    rows: list[Parsed] = field(default_factory=list)
    given: dict[str, int] = field(default_factory=dict)
    """Group column -> the line that gave its value."""
    ok: bool = True


def group_rows(
    rows: Iterable[Parsed],
    key: Callable[[Parsed], K | None],
    columns: Iterable[Column],
    layout: Layout,
    errors: Errors,
) -> dict[K, Group[K]]:
    """Group rows by ``key`` (rows whose key columns failed to parse are left out)."""
    shared = [column for column in columns if column.group and layout.has(column.name)]
    groups: dict[K, Group[K]] = {}
    for row in rows:
        group_key = key(row)
        if group_key is None:
            continue
        group = groups.get(group_key)
        if group is None:
            defaults = {column.name: column.default for column in shared}
            group = groups[group_key] = Group(group_key, row.line, defaults)
        group.rows.append(row)
        group.ok = group.ok and row.ok
        for column in shared:
            if column.name not in row.given:
                continue
            value = row.values[column.name]
            first = group.given.get(column.name)
            if first is None:
                group.values[column.name] = value
                group.given[column.name] = row.line
            elif group.values[column.name] != value:
                errors.add(
                    row.line,
                    column.name,
                    f"{shown(value)!r} differs from {shown(group.values[column.name])!r} "
                    f"on line {first}",
                )
                group.ok = False
    for group in groups.values():
        for column in shared:
            # a cell that failed to parse is reported already: it was not blank
            failed = any(column.name not in row.values for row in group.rows)
            if column.required and column.name not in group.given and not failed:
                errors.add(group.line, column.name, "required: this cell must not be blank")
                group.ok = False
    return groups
