"""Read and write the spreadsheets planners keep their data in: CSV (UTF-8) and XLSX.

Reading gives a :class:`Table`: the column headers as written (trimmed) and the data rows as
``(line, {header: value})`` pairs, where ``line`` is the row number a user sees in Excel or
LibreOffice (the header is line 1). Completely blank rows are skipped but still counted. CSV
cells are text; XLSX cells keep their type (numbers, dates, booleans), so a caller must accept
``str``, ``int``, ``float``, ``datetime`` and ``bool``.

CSV files must be UTF-8 (with or without the byte order mark Excel writes); the delimiter is
``,``, ``;`` or a tab, whichever the header line uses. Written CSV files carry the byte order
mark so that Excel shows accented names correctly.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException

from flexchain.domain.errors import DomainError

__all__ = [
    "FORMATS",
    "XLSX_MAX_ROWS",
    "SpreadsheetError",
    "Table",
    "normalise_header",
    "read_table",
    "write_table",
]

FORMATS = (".csv", ".xlsx")
_DELIMITERS = (",", ";", "\t")
_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[\s\-]+")

Row = tuple[int, dict[str, Any]]

_SAVE_AS_UTF8 = 'save the file as "CSV UTF-8" (Excel) or with UTF-8 encoding'
_UTF16 = f'the file is UTF-16 text (Excel\'s "Unicode Text"); {_SAVE_AS_UTF8}'


class SpreadsheetError(DomainError):
    """A file cannot be read or written as a table; ``str()`` is ``FILE:LINE: COLUMN: message``.

    A :class:`DomainError`, so every entry point shows its message, not a traceback.
    """

    def __init__(self, file: str, line: int, column: str, message: str) -> None:
        super().__init__(file, line, column, message)
        self.file = file
        self.line = line
        self.column = column
        self.message = message

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


@dataclass(frozen=True)
class Table:
    """A sheet read from a file: headers as written (trimmed) and its non-blank data rows."""

    source: str
    headers: list[str]
    rows: list[Row]


def normalise_header(header: str) -> str:
    """The form headers are compared in: lower case, runs of spaces and hyphens as ``_``.

    >>> normalise_header("  Internal   Reference ")
    'internal_reference'
    """
    return _SEPARATORS.sub("_", header.strip().lower())


def _clean_header(value: object) -> str:
    text = "" if value is None else str(value)
    return _SPACES.sub(" ", text.replace("\ufeff", "")).strip()


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise SpreadsheetError(
            path.name, 1, "-", f"unsupported file type {suffix or '(none)'!r}: use .csv or .xlsx"
        )
    return suffix


def read_table(path: str | Path, *, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file (by extension). For XLSX, ``sheet`` picks the sheet of that name
    when the workbook has one (exports name their sheet after the kind); otherwise the first.

    Raises
    ------
    SpreadsheetError
        The file is missing, of another type, not UTF-8, not a valid workbook, empty, or has
        blank or repeated column headers.
    """
    path = Path(path)
    suffix = _format_of(path)
    if not path.is_file():
        raise SpreadsheetError(path.name, 1, "-", f"file not found: {path}")
    if suffix == ".csv":
        records: Iterable[Sequence[Any]] = _csv_records(path)
    else:
        records = _xlsx_records(path, sheet)
    return _table(path.name, records)


def _table(source: str, records: Iterable[Sequence[Any]]) -> Table:
    iterator = iter(records)
    first = next(iterator, None)
    if first is None or not any(_clean_header(cell) for cell in first):
        raise SpreadsheetError(source, 1, "-", "the file is empty: line 1 must name the columns")
    headers = [_clean_header(cell) for cell in first]
    _check_headers(source, headers)
    rows: list[Row] = []
    for line, record in enumerate(iterator, start=2):
        values = {}
        for header, value in zip(headers, record, strict=False):
            if header:
                values[header] = value.strip() if isinstance(value, str) else value
        extra = [value for value in record[len(headers) :] if not _blank(value)]
        blank_headed = [value for header, value in zip(headers, record, strict=False) if not header]
        if extra or any(not _blank(value) for value in blank_headed):
            raise SpreadsheetError(
                source, line, "-", "a value stands in a column without a header; name the column"
            )
        if any(not _blank(value) for value in values.values()):
            rows.append((line, values))
    return Table(source, [header for header in headers if header], rows)


def _check_headers(source: str, headers: list[str]) -> None:
    seen: dict[str, str] = {}
    for header in headers:
        if not header:
            continue
        key = normalise_header(header)
        if key in seen:
            raise SpreadsheetError(
                source, 1, header, f"column appears twice (also as {seen[key]!r})"
            )
        seen[key] = header


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _csv_records(path: Path) -> Iterator[list[str]]:
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        raise SpreadsheetError(path.name, 1, "-", _UTF16)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_utf8(path.name, data) from None
    try:
        yield from _parse_csv(text)
    except csv.Error as error:
        raise SpreadsheetError(path.name, 1, "-", f"not a readable CSV file: {error}") from None


def _parse_csv(text: str) -> Iterator[list[str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _not_utf8(source: str, data: bytes) -> SpreadsheetError:
    """Where the first cell that is not UTF-8 is, shown as Windows-1252 (what Excel writes for
    "CSV" in Western Europe) so the user can find it."""
    as_utf8 = list(_parse_csv(data.decode("utf-8-sig", errors="replace")))
    as_cp1252 = list(_parse_csv(data.decode("cp1252", errors="replace")))
    headers = as_utf8[0] if as_utf8 else []
    for line, (record, guess) in enumerate(zip(as_utf8, as_cp1252, strict=False), start=1):
        for index, cell in enumerate(record):
            if "\ufffd" not in cell:
                continue
            column = _clean_header(headers[index]) if line > 1 and index < len(headers) else "-"
            shown = guess[index] if index < len(guess) else cell
            return SpreadsheetError(
                source, line, column or "-", f"{shown!r} is not UTF-8 text; {_SAVE_AS_UTF8}"
            )
    return SpreadsheetError(source, 1, "-", f"not UTF-8 text; {_SAVE_AS_UTF8}")


def _xlsx_records(path: Path, sheet: str | None) -> Iterator[tuple[Any, ...]]:
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise SpreadsheetError(
            path.name, 1, "-", "not a valid .xlsx workbook (save it again as Excel .xlsx)"
        ) from None
    try:
        names = {name.lower(): name for name in workbook.sheetnames}
        chosen = names.get(sheet.lower()) if sheet else None
        worksheet = workbook[chosen] if chosen else workbook.worksheets[0]
        yield from worksheet.iter_rows(min_row=1, values_only=True)
    finally:
        workbook.close()


# --- writing -------------------------------------------------------------------------------------

XLSX_MAX_ROWS = 1_048_576
"""Rows in an Excel sheet, the header included."""


def write_table(
    path: str | Path, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str
) -> int:
    """Write ``headers`` and ``rows`` to a CSV or XLSX file (by extension); returns rows written.

    Values may be ``str``, ``int``, ``Decimal``, ``date``, ``bool`` or ``None``. CSV gets them as
    text (decimals without exponent, ISO dates, ``true``/``false``); XLSX keeps numbers, dates
    and booleans as typed cells, in a sheet named ``sheet``. Everything read back is what was
    written: a decimal a double cannot hold exactly and text that starts with ``=`` are stored as
    text cells. The file appears only when complete; on any error nothing is left behind.

    Raises
    ------
    SpreadsheetError
        The extension is neither ``.csv`` nor ``.xlsx``, the rows do not fit in a sheet, or the
        file cannot be written (no such folder, no permission).
    """
    path = Path(path)
    suffix = _format_of(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        if suffix == ".csv":
            count = _write_csv(partial, headers, rows)
        else:
            count = _write_xlsx(partial, path.name, headers, rows, sheet)
        partial.replace(path)
    except OSError as error:
        raise SpreadsheetError(
            path.name, 1, "-", f"cannot write {path}: {error.strerror or error}"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return count


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value, "f")
        return "0" if text in ("-0", "0") else text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_text(value) for value in row])
            count += 1
    return count


def _write_xlsx(
    path: Path, name: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str
) -> int:
    workbook = openpyxl.Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(list(headers))
    count = 0
    try:
        for row in rows:
            count += 1
            if count >= XLSX_MAX_ROWS:
                raise SpreadsheetError(
                    name,
                    count + 1,
                    "-",
                    f"more rows than an Excel sheet holds ({XLSX_MAX_ROWS:,}); export to .csv",
                )
            worksheet.append([_xlsx_value(worksheet, value) for value in row])
    except BaseException:
        # saving is what closes the sheet's temporary file; the caller removes what it wrote
        with contextlib.suppress(Exception):
            workbook.save(path)
        raise
    workbook.save(path)
    return count


def _xlsx_value(worksheet: Any, value: Any) -> Any:
    if isinstance(value, Decimal):
        # Excel holds numbers as doubles: keep those a double holds exactly, the rest as text.
        if value == value.to_integral_value() and abs(value) < 2**53:
            return int(value)
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else format(value, "f")
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XML cannot hold
        if value.startswith("="):  # text, not a formula
            cell = WriteOnlyCell(worksheet, value=value)
            cell.data_type = "s"
            return cell
    return value


def write_workbook(
    path: str | Path, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]
) -> int:
    """Write several tables to one ``.xlsx`` file, a sheet each (``(name, headers, rows)``);
    returns the rows written. Values as in :func:`write_table`; the file appears only complete.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise SpreadsheetError(path.name, 1, "-", "a workbook must be written to a .xlsx file")
    partial = path.with_name(f".{path.name}.partial")
    workbook = openpyxl.Workbook(write_only=True)
    count = 0
    try:
        for name, headers, rows in sheets:
            worksheet = workbook.create_sheet(name[:31])
            worksheet.append(list(headers))
            for row in rows:
                count += 1
                worksheet.append([_xlsx_value(worksheet, value) for value in row])
        workbook.save(partial)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise SpreadsheetError(path.name, 1, "-", f"cannot write: {error.strerror}") from None
    return count
