"""Reading and writing CSV and XLSX: line numbers as a spreadsheet shows them, and what is
written reads back as the same values."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from flexchain.adapters import spreadsheets
from flexchain.adapters.spreadsheets import SpreadsheetError, read_table, write_table
from flexchain.services.imports import cells

TRICKY = [
    "=SUM(A1:A3)",  # text, not a formula
    Decimal("123456789012.123456"),  # more digits than a double holds
    Decimal("0.1"),
    Decimal("-2.5"),
    Decimal(7),
    date(2026, 3, 1),
    True,
    None,
    'Örme, "Tekstil"; ünïcode',
]


@pytest.mark.parametrize(
    "text",
    [
        "\ufeffsku;name\r\nA;Alpha\r\n\r\nB;Beta\r\n",
        "sku\tname\nA\tAlpha\n\t\nB\tBeta\n",
        "sku,name\nA,Alpha\n,\nB,Beta\n",
    ],
    ids=["semicolon-bom-crlf", "tab", "comma"],
)
def test_csv_delimiters_and_blank_rows_keep_spreadsheet_line_numbers(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "items.csv"
    path.write_text(text, encoding="utf-8")

    table = read_table(path)

    assert table.headers == ["sku", "name"]
    assert table.rows == [(2, {"sku": "A", "name": "Alpha"}), (4, {"sku": "B", "name": "Beta"})]


def test_xlsx_reads_the_sheet_named_after_the_kind(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.append(["notes"])
    second = workbook.create_sheet("Items")
    second.append(["sku", "name"])
    second.append(["A", "Alpha"])
    second.append([])
    second.append(["B", 1001])
    workbook.save(tmp_path / "book.xlsx")

    table = read_table(tmp_path / "book.xlsx", sheet="items")

    assert table.rows == [(2, {"sku": "A", "name": "Alpha"}), (4, {"sku": "B", "name": 1001})]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_written_values_read_back_as_the_same_values(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"tricky{suffix}"

    count = write_table(path, [f"c{i}" for i in range(len(TRICKY))], [TRICKY], sheet="tricky")

    (line, row), *_ = read_table(path).rows
    read_back = list(row.values())
    assert (count, line) == (1, 2)
    assert cells.text(read_back[0]) == "=SUM(A1:A3)"
    parse = cells.decimal(6, negative=True)
    assert [parse(value) for value in read_back[1:5]] == TRICKY[1:5]
    assert cells.day(read_back[5]) == date(2026, 3, 1)
    assert cells.boolean(read_back[6]) is True
    assert read_back[7] in (None, "")
    assert read_back[8] == TRICKY[8]


def test_a_failed_write_leaves_no_file_behind(tmp_path: Path) -> None:
    def rows() -> Iterator[list[Any]]:
        yield ["A"]
        raise RuntimeError("database went away")

    for name in ("out.csv", "out.xlsx"):
        with pytest.raises(RuntimeError):
            write_table(tmp_path / name, ["sku"], rows(), sheet="items")
    assert list(tmp_path.iterdir()) == []


def test_a_write_replaces_an_older_file_only_when_complete(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("old\n")

    write_table(path, ["sku"], [["A"], ["B"]], sheet="items")

    assert path.read_text(encoding="utf-8-sig").splitlines() == ["sku", "A", "B"]


def test_more_rows_than_a_sheet_holds_is_an_error_not_a_truncated_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spreadsheets, "XLSX_MAX_ROWS", 4)

    with pytest.raises(SpreadsheetError) as error:
        write_table(tmp_path / "big.xlsx", ["sku"], ([n] for n in range(10)), sheet="items")

    assert str(error.value) == (
        "big.xlsx:5: -: more rows than an Excel sheet holds (4); export to .csv"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_xlsx_date_cell_with_a_time_of_day_is_not_a_date() -> None:
    with pytest.raises(cells.CellError, match="without a time of day"):
        cells.day(datetime(2026, 3, 1, 14, 30))
