"""The shape every import kind shares: resolve columns, parse every cell, check every row against
the database and the rest of the file, and only if nothing is wrong, write it all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from flexchain.adapters.db.uow import UnitOfWork
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
    write: Callable[[UnitOfWork], None]


@dataclass(frozen=True)
class Checked:
    """What a kind's check gets: the parsed rows and where they came from."""

    session: Session
    rows: list[Parsed]
    layout: Layout
    errors: Errors
    source: str


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
    uow: UnitOfWork,
    kind: Kind,
    rows: Iterable[NumberedRow],
    headers: Iterable[str],
    source: str,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Check every row; raise :class:`ImportFailed` with all errors, or write (unless
    ``dry_run``) in ``uow`` without committing. A failure while writing leaves ``uow`` as it was.
    """
    errors = Errors(source)
    layout = resolve(kind.columns, headers, errors, prefixes=kind.prefixes)
    if errors:  # without its columns, every row would repeat the same complaint
        raise ImportFailed(errors.sorted())
    parsed = parse_rows(rows, kind.columns, layout, errors)
    plan = kind.check(Checked(uow.session, parsed, layout, errors, source))
    if errors:
        raise ImportFailed(errors.sorted())
    if not dry_run:
        savepoint = uow.session.begin_nested()
        try:
            plan.write(uow)
        except ImportFailed:
            savepoint.rollback()
            raise
        except DomainError as error:  # the checks should have caught it; still name the file
            savepoint.rollback()
            raise ImportFailed([RowError(source, 1, "-", str(error))]) from error
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
    return ImportReport(
        kind=kind.name,
        rows=len(parsed),
        created=plan.created,
        updated=plan.updated,
        unchanged=plan.unchanged,
        ignored_columns=layout.ignored,
        dry_run=dry_run,
    )
