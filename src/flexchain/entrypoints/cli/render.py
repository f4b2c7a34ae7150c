"""Output: Rich tables for people, bare JSON arrays for scripts.

``--json`` prints one JSON array and nothing else. Decimals are written as strings (``"12.5"``) so
that quantities and money keep their exact value; dates and times as ISO 8601 strings.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from flexchain.domain.errors import format_amount, format_decimal

console = Console(highlight=False)
"""Standard output for people (tables, summaries)."""
status_console = Console(stderr=True, highlight=False)
"""Progress and status lines, on stderr so they never mix with data on stdout."""

DEFAULT_LIMIT = 1000
"""How many rows a long list (receipts, payments) shows unless ``--limit`` says otherwise."""
LimitOption = Annotated[
    int, typer.Option("--limit", min=1, max=10_000, help="At most this many rows.")
]
OffsetOption = Annotated[int, typer.Option("--offset", min=0, help="Skip this many rows first.")]


def plain(value: Any) -> Any:
    """A JSON-ready value: Decimal -> exact string, date/datetime -> ISO string."""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {key: plain(item) for key, item in dataclasses.asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def print_json_array(records: Iterable[Any]) -> None:
    typer.echo(json.dumps([plain(record) for record in records], ensure_ascii=False, indent=2))


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(value)


def money_cell(value: Any) -> str:
    """An amount as people read money: at least two decimals, never fewer, and exact
    otherwise (``42`` -> ``42.00``, ``12654.4`` -> ``12654.40``, ``0.125`` stays); text that
    is not a number (``expired``, empty) is shown as it is."""
    if value is None or isinstance(value, bool):
        return cell(value)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except ArithmeticError:
        return cell(value)
    return format_amount(amount) if amount.is_finite() else cell(value)


def money_text(value: Any, currency: str | None = "") -> str:
    """:func:`money_cell` with its currency after it (``12654.40 EUR``)."""
    text = money_cell(value)
    return f"{text} {currency}" if currency and text else text


def page_note(shown: int, total: int, offset: int, what: str) -> str | None:
    """``showing 1,000 of 1,234 receipts ...`` when a list shows fewer rows than there are."""
    if offset == 0 and shown >= total:
        return None
    which = f"{offset + 1:,}-{offset + shown:,}" if offset and shown else f"{shown:,}"
    return f"showing {which} of {total:,} {what}: --limit N and --offset N show the others"


def table(
    columns: Sequence[tuple[str, str]],
    records: Iterable[Mapping[str, Any]],
    *,
    numeric: Iterable[str] = (),
    money: Iterable[str] = (),
    flexible: str | None = None,
) -> Table:
    """A Rich table of ``records``; ``columns`` are ``(key, heading)`` pairs.

    ``money`` columns show amounts with at least two decimals (:func:`money_cell`), right
    aligned like ``numeric`` ones. Codes and numbers are never cut: on a narrow terminal only
    the ``flexible`` column (a name) is shortened, with an ellipsis, and headings wrap.
    """
    amounts = set(money)
    right = set(numeric) | amounts
    cells = [
        [(money_cell if key in amounts else cell)(record.get(key)) for key, _ in columns]
        for record in records
    ]
    result = Table()
    for index, (key, heading) in enumerate(columns):
        longest_word = max(len(word) for word in heading.split())
        widest = max((len(row[index]) for row in cells), default=0)
        result.add_column(
            heading,
            justify="right" if key in right else "left",
            no_wrap=True,
            overflow="ellipsis" if key == flexible else "fold",
            min_width=None if key == flexible else max(widest, longest_word),
        )
    for row in cells:
        result.add_row(*row)
    return result
