"""What an import tells its caller: a report when it worked, every row error when it did not."""

from __future__ import annotations

from dataclasses import dataclass

from flexchain.domain.errors import DomainError

__all__ = ["ImportFailed", "ImportReport", "RowError"]


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in one cell: ``FILE:LINE: COLUMN: message`` (``-`` when no column applies)."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class ImportFailed(DomainError):
    """At least one row is bad; nothing was written. ``str()`` lists every error, one a line."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(list(errors))
        self.errors: list[RowError] = list(errors)

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, with ``dry_run``, would do).

    ``rows`` counts the data rows read; ``created``, ``updated`` and ``unchanged`` count the
    things imported — items, BOM lines, suppliers, item-supplier pairs (not their price breaks),
    stock balances, demand periods. ``ignored_columns`` are headers the import does not use.
    """

    kind: str
    rows: int
    created: int
    updated: int
    unchanged: int
    ignored_columns: tuple[str, ...] = ()
    dry_run: bool = False

    def __str__(self) -> str:
        verb = "would create" if self.dry_run else "created"
        text = (
            f"{self.kind}: {self.rows} rows, {verb} {self.created}, "
            f"{'would update' if self.dry_run else 'updated'} {self.updated}, "
            f"unchanged {self.unchanged}"
        )
        if self.ignored_columns:
            text += f"; ignored columns: {', '.join(self.ignored_columns)}"
        return text
