"""The CLI's tables on a narrow terminal: ids, numbers and short codes keep their full width,
long text wraps (nothing is cut); a table that fits is drawn as it always was."""

from __future__ import annotations

import doctest
import re

from rich.console import Console

from flexchain.entrypoints.cli import render
from flexchain.entrypoints.cli.render import table

ISSUE_COLUMNS = (("id", "Issue"), ("order", "Order"), ("kind", "Kind"), ("sku", "SKU"),
                 ("quantity", "Qty"), ("reported", "Reported"), ("note", "Note"))  # fmt: skip
NOTE = "the customer says the engraving is misspelt and wants it made again"
ISSUES = [
    {"id": 123456, "order": "#1042", "kind": "wrong_customisation", "sku": "JACKET-ALPINE-INDIGO-L",
     "quantity": 12, "reported": "2026-11-30", "note": NOTE},
    {"id": 7, "order": "#1043", "kind": "damaged", "sku": None, "quantity": None,
     "reported": "2026-12-01", "note": "box crushed"},
]  # fmt: skip


def _drawn(width: int, columns: object, rows: object, **options: object) -> list[str]:
    console = Console(width=width, record=True)
    console.print(table(columns, rows, **options))  # type: ignore[arg-type]
    return console.export_text().splitlines()


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split("[│┃]", line)[1:-1]]


def test_at_80_columns_ids_and_quantities_are_printed_whole_and_text_wraps() -> None:
    lines = _drawn(80, ISSUE_COLUMNS, ISSUES, numeric=("id", "quantity"), flexible="note")

    assert all(len(line) <= 80 for line in lines)
    assert _cells(lines[1])[:5] == ["Issue", "Order", "Kind", "SKU", "Qty"]
    first = _cells(lines[3])
    assert (first[0], first[1], first[4], first[5]) == ("123456", "#1042", "12", "2026-11-30")
    assert _cells(next(line for line in lines if "#1043" in line))[0] == "7"
    # the note and the long codes wrap onto the next lines; nothing of them is lost
    rows = [_cells(line) for line in lines[3:-1]]
    names = ("id", "order", "kind", "sku", "quantity", "reported", "note")
    column = {name: "".join(row[i] for row in rows if len(row) == 7)
              for i, name in enumerate(names)}  # fmt: skip
    assert column["kind"].startswith("wrong_customisation")
    assert column["sku"] == "JACKET-ALPINE-INDIGO-L"
    assert "".join(NOTE.split()) in "".join(column["note"].split())
    assert len(lines) > 8  # the note took several lines


def test_a_table_that_fits_is_one_line_a_row_as_before() -> None:
    lines = _drawn(200, ISSUE_COLUMNS, ISSUES, numeric=("id", "quantity"), flexible="note")

    assert len(lines) == 6  # top, heading, rule, two rows, bottom
    assert _cells(lines[3]) == ["123456", "#1042", "wrong_customisation",
                                "JACKET-ALPINE-INDIGO-L", "12", "2026-11-30", NOTE]  # fmt: skip


def test_a_table_too_wide_drops_its_padding_then_wraps_headings_before_any_text() -> None:
    columns = (("id", "Id"), ("count", "Qualified suppliers"), ("name", "Name"))
    rows = [{"id": 1, "count": 3, "name": "Lanificio Valle Cervo"}]
    cells = sum(len(w) for w in ("Id", "Qualified suppliers", "Lanificio Valle Cervo"))

    padded = _drawn(cells + 10, columns, rows, numeric=("id", "count"), flexible="name")
    tight = _drawn(cells + 4, columns, rows, numeric=("id", "count"), flexible="name")
    wrapped = _drawn(cells + 2, columns, rows, numeric=("id", "count"), flexible="name")

    assert "│ Lanificio Valle Cervo │" in padded[3]  # fits: as always, a space either side
    assert "│Lanificio Valle Cervo│" in tight[3] and "┃Qualified suppliers┃" in tight[1]
    assert any("Lanificio Valle Cervo" in line for line in wrapped)  # the name on one line
    assert any("Qualified" in line and "suppliers" not in line for line in wrapped)


def test_keys_wider_than_the_terminal_are_kept_and_the_edge_crops_the_rest() -> None:
    columns = tuple((f"c{i}", f"Code {i}") for i in range(8))
    rows = [{f"c{i}": f"CODE-{i:06d}" for i in range(8)}]

    lines = _drawn(80, columns, rows)

    assert all(len(line) <= 80 for line in lines)
    assert _cells(lines[3][: lines[3].rindex("│") + 1])[:5] == [f"CODE-{i:06d}" for i in range(5)]


def test_the_fitting_rule_is_documented_by_example() -> None:
    assert doctest.testmod(render, raise_on_error=False).failed == 0
