"""The write half of an import: what to create and update, sorted out against what is stored,
written through the generic row store (bulk inserts and updates) with one audit row per change
(an update's with the columns that changed, before and after)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flexchain.adapters.db.imports import ImportStores
from flexchain.services.audit import change_details

__all__ = ["Change", "Upserts", "changed_fields", "chunks"]

CHUNK = 500


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices small enough for an ``IN (...)`` list on any database."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def changed_fields(stored: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(name for name, value in values.items() if stored.get(name) != value)


@dataclass
class Change:
    """One thing to create or update: its audit key, the line it came from, its column values."""

    key: str
    line: int
    values: dict[str, Any]
    id: int | None = None
    changed: tuple[str, ...] = ()
    before: dict[str, Any] = field(default_factory=dict)
    """An update's stored values of the columns that changed."""


@dataclass
class Upserts:
    """Creates and updates of one table (named as in the database), sorted out against what
    is stored."""

    table: str
    entity: str
    created: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    unchanged: int = 0

    def add(
        self,
        key: str,
        line: int,
        values: dict[str, Any],
        stored: Mapping[str, Any] | None,
        also_changed: tuple[str, ...] = (),
    ) -> Change | None:
        """Queue ``values`` as a create (nothing stored) or an update (something differs).

        ``also_changed`` names changes kept in other tables (a supplier's capabilities).
        """
        if stored is None:
            change = Change(key, line, values)
            self.created.append(change)
            return change
        changed = changed_fields(stored, values) + also_changed
        if not changed:
            self.unchanged += 1
            return None
        before = {name: stored.get(name) for name in changed if name in values}
        change = Change(key, line, values, stored["id"], changed, before)
        self.updated.append(change)
        return change

    @property
    def counts(self) -> tuple[int, int, int]:
        return len(self.created), len(self.updated), self.unchanged

    def write(self, stores: ImportStores, source: str, *, audit_each: bool = True) -> None:
        stores.rows.insert(self.table, [change.values for change in self.created])
        stores.rows.update(
            self.table, [{"id": change.id, **change.values} for change in self.updated]
        )
        if audit_each:
            audit(stores, self.entity, source, self.created, self.updated)


def audit(
    stores: ImportStores,
    entity: str,
    source: str,
    created: Iterable[Change],
    updated: Iterable[Change],
) -> None:
    for change in created:
        stores.audit.record("created", entity, change.key, {"source": source, "line": change.line})
    for change in updated:
        after = {name: change.values[name] for name in change.before}
        details = change_details(
            change.before, after, source=source, line=change.line, changed=list(change.changed)
        )
        stores.audit.record("updated", entity, change.key, details)
    stores.flush()
