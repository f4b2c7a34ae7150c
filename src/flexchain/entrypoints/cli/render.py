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
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
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


KEY_WIDTH = 12
"""A text column whose cells are all this short (an id, a code, a date) is a key: never wrapped."""
TEXT_FLOOR = 10
"""The narrowest a long text column is wrapped to at first (wider if its longest word is, up to
:data:`WORD_FLOOR`, so that a code or a kind is not split while text can still wrap)."""
WORD_FLOOR = 24


@dataclasses.dataclass(frozen=True)
class _Fit:
    """What one column needs: ``natural`` (its widest cell or heading), ``content`` (its widest
    cell or heading word: the heading may wrap), ``floor`` (the narrowest it may wrap to) and
    whether it gives way first (the ``flexible`` column) or at all (a text column)."""

    natural: int
    content: int
    floor: int
    first: bool
    text: bool


def fitted_widths(fits: Sequence[_Fit], room: int) -> list[int] | None:
    """Each column's width for ``room`` cells of text (borders and padding left out), or None
    when it cannot fit without cutting a key. Columns that fit keep their natural width; else
    the headings wrap first, then the ``first`` column, then the other text columns, widest
    first, each down to its floor; then the widest text column gives what is still missing
    (down to one character), then the next. Keys (ids, numbers, codes) keep their width.

    >>> key = _Fit(5, 5, 5, False, False)
    >>> note = _Fit(40, 40, 10, True, True)
    >>> fitted_widths([key, note], 45), fitted_widths([key, note], 30), fitted_widths([key], 4)
    ([5, 40], [5, 25], None)
    """
    if sum(fit.natural for fit in fits) <= room:
        return [fit.natural for fit in fits]
    widths = [fit.content for fit in fits]
    excess = sum(widths) - room
    for index, fit in enumerate(fits):
        if fit.first and excess > 0:
            give = min(excess, widths[index] - fit.floor)
            widths[index] -= give
            excess -= give
    while excess > 0:  # the other text columns, widest first, down to their floors
        wider = [i for i, fit in enumerate(fits) if fit.text and widths[i] > fit.floor]
        if not wider:
            break
        widths[max(wider, key=lambda i: widths[i])] -= 1
        excess -= 1
    # still too wide: split the words of as few columns as can be, the widest first
    for index in sorted(range(len(fits)), key=lambda i: -widths[i]):
        if fits[index].text and excess > 0:
            give = min(excess, widths[index] - 1)
            widths[index] -= give
            excess -= give
    return None if excess > 0 else widths


class FittedTable(Table):
    """A Rich table that fits its terminal, never by cutting ids or numbers (Rich on its own
    narrows every column that may not wrap evenly, down to nothing).

    A table too wide for the terminal first drops the space either side of each cell, then
    wraps text (:func:`fitted_widths`). Where even the keys are wider than the terminal, it is
    drawn at its full width, as it fits, and the terminal's edge crops its last columns
    (``--json`` gives every field)."""

    PADDED = (0, 1)

    def __init__(self, fits: Sequence[_Fit]) -> None:
        super().__init__(padding=self.PADDED)
        self.fits = tuple(fits)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        count = len(self.columns)
        lines = (2 if self.box and self.show_edge else 0) + (count - 1 if self.box else 0)
        natural = sum(fit.natural for fit in self.fits) + lines + 2 * count
        self.padding = self.PADDED
        widths = None
        if natural > options.max_width:
            self.padding = (0, 0)
            widths = fitted_widths(self.fits, options.max_width - lines)
            if widths is None:  # the keys alone are too wide: full width, cropped
                self.padding = self.PADDED
                options = options.update_width(natural)
        for index, column in enumerate(self.columns):
            column.no_wrap = widths is None
            column.overflow = "fold"
            column.min_width = column.max_width = None if widths is None else widths[index]
        yield from super().__rich_console__(console, options)


def _widest(texts: Iterable[str]) -> int:
    return max((cell_len(line) for text in texts for line in text.splitlines()), default=0)


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
    aligned like ``numeric`` ones. On a terminal too narrow for it (:class:`FittedTable`) the
    cells lose their padding, then the headings wrap, then the ``flexible`` column (a name, a
    note), then the other long text columns, at spaces and keeping their longest word whole
    where they can; numbers, ids and short codes (up to :data:`KEY_WIDTH` characters) keep
    their full width. Nothing is cut: a word wider than its column is folded onto the next line.
    """
    amounts = set(money)
    right = set(numeric) | amounts
    cells = [
        [(money_cell if key in amounts else cell)(record.get(key)) for key, _ in columns]
        for record in records
    ]
    fits = []
    for index, (key, heading) in enumerate(columns):
        widest = _widest(row[index] for row in cells)
        content = max(widest, _widest(heading.split()))
        text = key not in right and widest > KEY_WIDTH
        word = max(
            _widest(heading.split()), _widest(w for row in cells for w in row[index].split())
        )
        floor = min(content, max(TEXT_FLOOR, min(word, WORD_FLOOR))) if text else content
        fits.append(
            _Fit(max(widest, _widest([heading])), content, floor, text and key == flexible, text)
        )
    result = FittedTable(fits)
    for key, heading in columns:
        result.add_column(heading, justify="right" if key in right else "left")
    for row in cells:
        result.add_row(*row)
    return result
