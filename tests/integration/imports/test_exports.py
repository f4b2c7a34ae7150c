"""Export writes each kind with the columns its import reads, so export -> import is a round
trip: into the same database it changes nothing, into an empty one it rebuilds the company."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.spreadsheets import SpreadsheetError, read_table
from flexchain.domain.errors import ValidationError
from flexchain.services.exports import export_file, export_rows
from flexchain.services.imports import import_file, kind_named
from tests.integration.imports.company import ORDER, THINGS
from tests.integration.imports.conftest import Write, dump

SUFFIXES = [".csv", ".xlsx"]
EXPORTED = {**THINGS, "locations": THINGS["locations"] + 1}
"""The stock import created the OPENING location."""


@pytest.mark.parametrize("kind", ORDER)
def test_export_uses_exactly_the_import_columns(company: Engine, kind: str) -> None:
    with UnitOfWork(company, write=False) as uow:
        headers, rows = export_rows(uow, kind)
        assert headers == [column.name for column in kind_named(kind).columns]
        assert all(len(row) == len(headers) for row in rows)


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("kind", ORDER)
def test_export_then_import_reports_everything_unchanged(
    company: Engine, tmp_path: Path, kind: str, suffix: str
) -> None:
    # given the company
    before = dump(company)

    # when a kind is exported and the file imported straight back
    path = tmp_path / f"{kind}{suffix}"
    written = export_file(company, kind, path)
    report = import_file(company, kind, path)

    # then every row was read, and nothing changed
    assert report.rows == written
    assert (report.created, report.updated, report.unchanged) == (0, 0, EXPORTED[kind])
    assert report.ignored_columns == ()
    after = dump(company)
    if kind == "demand":  # a demand import is audited once, changed or not
        assert len(after.pop("audit_log")) == len(before.pop("audit_log")) + 1
    assert after == before


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_exports_rebuild_the_company_in_an_empty_database(
    company: Engine, tmp_path: Path, sqlite_template: Path, suffix: str
) -> None:
    # given every kind exported from the company
    exported = tmp_path / "exported"
    exported.mkdir()
    for kind in ORDER:
        export_file(company, kind, exported / f"{kind}{suffix}")

    # when they are imported into an empty SQLite database, in load order
    shutil.copyfile(sqlite_template, tmp_path / "copy.db")
    copy = make_engine(f"sqlite:///{tmp_path / 'copy.db'}")
    try:
        reports = {kind: import_file(copy, kind, exported / f"{kind}{suffix}") for kind in ORDER}

        # then each creates what the company has, and exporting the copy gives the same files
        assert {kind: report.created for kind, report in reports.items()} == EXPORTED
        for kind in ORDER:
            again = tmp_path / f"again-{kind}{suffix}"
            export_file(copy, kind, again)
            assert read_table(again).rows == read_table(exported / f"{kind}{suffix}").rows
    finally:
        copy.dispose()


def test_an_xlsx_export_names_its_sheet_after_the_kind(company: Engine, tmp_path: Path) -> None:
    path = tmp_path / "everything.xlsx"

    export_file(company, "item-suppliers", path)

    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["item-suppliers"]
    workbook.close()


def test_a_csv_export_is_utf8_with_a_byte_order_mark(company: Engine, tmp_path: Path) -> None:
    path = tmp_path / "suppliers.csv"

    export_file(company, "suppliers", path)

    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffcode,name,tier,country,")
    assert "KNIT-TR,Örme Tekstil,B,TR,,,45,USD,0,,true,,weaving,1000,500,1,21,0,0\r\n" in text


def test_demand_history_is_exported_by_its_other_name_too(company: Engine, tmp_path: Path) -> None:
    path = tmp_path / "history.csv"

    assert export_file(company, "demand-history", path) == 3
    assert path.read_text(encoding="utf-8-sig").splitlines() == [
        "sku,location,period_start,quantity",
        "TEE-RED-M,WH,2026-01-05,12",
        "TEE-RED-M,WH,2026-01-12,0",
        "TEE-RED-M,WH,2026-01-19,7",
    ]


def test_stock_exports_on_hand_per_item_and_location(company: Engine, tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"

    export_file(company, "stock", path)

    assert path.read_text(encoding="utf-8-sig").splitlines() == [
        "sku,location,quantity",
        "COTTON,SEW-SITE,80",
        "COTTON,WH,340.5",
        "TEE-BODY,WH,120",
    ]


def test_an_unknown_kind_or_file_type_is_refused(company: Engine, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ValidationError, match="unknown import kind 'widgets'"):
        export_file(company, "widgets", out / "widgets.csv")
    with pytest.raises(SpreadsheetError, match=r"unsupported file type '\.xls'"):
        export_file(company, "items", out / "items.xls")
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_values_a_spreadsheet_would_mangle_survive_the_round_trip(
    company: Engine, write: Write, tmp_path: Path, suffix: str
) -> None:
    # given an item whose name looks like a formula and whose price has 18 digits
    text = 'sku,name,list_price,family\nEQ-1,"=1+1, really",123456789012.123456,"Tees; summer"\n'
    import_file(company, "items", write("tricky.csv", text))

    # when items are exported and imported back
    path = tmp_path / f"items{suffix}"
    export_file(company, "items", path)
    report = import_file(company, "items", path)

    # then nothing changed, not even the last digit
    assert (report.updated, report.unchanged) == (0, 5)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_an_empty_database_exports_headers_that_import_as_nothing(
    engine: Engine, tmp_path: Path, suffix: str
) -> None:
    for kind in ORDER:
        path = tmp_path / f"{kind}{suffix}"

        assert export_file(engine, kind, path) == 0
        report = import_file(engine, kind, path)

        assert (report.rows, report.created, report.updated, report.unchanged) == (0, 0, 0, 0)
