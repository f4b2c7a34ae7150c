"""The ``flexchain`` command line against both databases, through Typer's test runner."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

import flexchain
from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.migrate import head_revision
from flexchain.adapters.db.tables import ItemRow
from flexchain.demo import generate
from flexchain.demo.launches import launches
from flexchain.entrypoints.cli.main import app

runner = CliRunner()

ITEMS_CSV = """sku,name,kind,uom,moq
FAB-A,Fabric A,raw,m,250
TRIM-B,Trim B,raw,pcs,100
"""
BROKEN_ITEMS_CSV = """sku,name,kind,uom,moq
FAB-A,Fabric A,raw,m,250
TRIM B,Trim B,raw,pcs,100
PKG-C,Box C,packaging,parsecs,ten
"""
LOCATIONS_CSV = """code,name,kind
WH,Main warehouse,warehouse
"""
STOCK_CSV = """sku,location,quantity
FAB-A,WH,512.5
TRIM-B,WH,300
"""


def flexchain_cli(database_url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", database_url, *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _count_items(database_url: str) -> int:
    engine: Engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(ItemRow)) or 0)
    finally:
        engine.dispose()


def test_version_prints_the_package_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"flexchain {flexchain.__version__}"


def test_init_creates_a_new_database_then_reports_it_is_current(tmp_path: Path) -> None:
    # given no database file yet
    url = f"sqlite:///{tmp_path / 'new' / 'flexchain.db'}"
    # when init runs twice
    first = flexchain_cli(url, "init")
    second = flexchain_cli(url, "init")
    # then the first creates the schema and the second finds it current
    assert first[0] == 0 and f"none (empty) -> {head_revision()}" in first[1]
    assert second[0] == 0 and f"already at revision {head_revision()}" in second[1]


def test_init_on_a_migrated_database_reports_it_is_current(database_url: str) -> None:
    code, out, _ = flexchain_cli(database_url, "init")
    assert code == 0
    assert f"already at revision {head_revision()} (newest)" in out


def test_import_of_a_broken_file_lists_every_bad_line_and_writes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    # given a file with one good row and two bad ones
    path = tmp_path / "items.csv"
    path.write_text(BROKEN_ITEMS_CSV)
    # when it is imported
    code, out, err = flexchain_cli(database_url, "import", "items", str(path))
    # then the import fails naming each bad line and column, and no row was written
    assert code == 1
    assert f"{path}:3: sku:" in err or "items.csv:3: sku:" in err
    assert "items.csv:4: uom:" in err
    assert "items.csv:4: moq:" in err
    assert "Traceback" not in err + out
    assert _count_items(database_url) == 0


def test_dry_run_reports_and_writes_nothing(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text(ITEMS_CSV)
    code, out, _ = flexchain_cli(database_url, "import", "items", str(path), "--dry-run")
    assert code == 0
    assert "nothing written" in out
    assert _count_items(database_url) == 0


def _import(database_url: str, tmp_path: Path, kind: str, content: str) -> str:
    path = tmp_path / f"{kind}.csv"
    path.write_text(content)
    code, out, err = flexchain_cli(database_url, "import", kind, str(path))
    assert code == 0, err
    return out


def test_stock_json_is_a_json_array_of_exact_quantities(database_url: str, tmp_path: Path) -> None:
    # given two items with opening stock
    _import(database_url, tmp_path, "items", ITEMS_CSV)
    _import(database_url, tmp_path, "locations", LOCATIONS_CSV)
    _import(database_url, tmp_path, "stock", STOCK_CSV)
    # when stock is listed as JSON, for everything and for one item
    code, out, _ = flexchain_cli(database_url, "stock", "--json")
    _, one, _ = flexchain_cli(database_url, "stock", "--json", "--item", "FAB-A")
    # then stdout is nothing but a JSON array, quantities as exact strings
    assert code == 0
    records = json.loads(out)
    assert [(r["sku"], r["location"], r["on_hand"]) for r in records] == [
        ("FAB-A", "WH", "512.5"),
        ("TRIM-B", "WH", "300"),
    ]
    assert [r["sku"] for r in json.loads(one)] == ["FAB-A"]


def test_stock_table_shows_balances_and_an_empty_filter_says_so(
    database_url: str, tmp_path: Path
) -> None:
    _import(database_url, tmp_path, "items", ITEMS_CSV)
    _import(database_url, tmp_path, "locations", LOCATIONS_CSV)
    _import(database_url, tmp_path, "stock", STOCK_CSV)
    _, table, _ = flexchain_cli(database_url, "stock", "--location", "WH")
    _, empty, _ = flexchain_cli(database_url, "stock", "--item", "NOPE")
    _, empty_json, _ = flexchain_cli(database_url, "stock", "--item", "NOPE", "--json")
    assert "FAB-A" in table and "512.5" in table
    assert "No stock on record for item NOPE" in empty
    assert json.loads(empty_json) == []


def test_export_writes_the_rows_it_reports(database_url: str, tmp_path: Path) -> None:
    _import(database_url, tmp_path, "items", ITEMS_CSV)
    target = tmp_path / "out" / "items.csv"
    target.parent.mkdir()
    code, out, _ = flexchain_cli(database_url, "export", "items", str(target))
    assert code == 0 and "2 rows written" in out
    assert "FAB-A" in target.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["import", "widgets", "x.csv"], "widgets", id="unknown-kind"),
        pytest.param(
            ["import", "items", "missing.csv"],
            "missing.csv:1: -: file not found",
            id="missing-file",
        ),
        pytest.param(["export", "widgets", "x.csv"], "widgets", id="unknown-export-kind"),
    ],
)
def test_a_user_error_prints_one_line_and_exits_1(
    database_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    code, out, err = flexchain_cli(database_url, *[str(tmp_path / a) if a.endswith(".csv") else a
                                                   for a in args])  # fmt: skip
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert message in lines[0]
    assert "Traceback" not in err + out


def test_an_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none"
    code, out, err = flexchain_cli(url, "stock")
    assert code == 1
    assert err.startswith("Error: cannot open database postgresql://nobody@127.0.0.1:1/none: ")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


def test_demo_without_serving_loads_and_prints_the_counts(database_url: str) -> None:
    # when the demo is loaded with a small assortment and short history
    code, out, err = flexchain_cli(database_url, "demo", "--items", "12", "--weeks", "8",
                                   "--no-serve")  # fmt: skip
    # then it exits and the summary table shows the generated count of every kind
    assert code == 0, err
    expected = generate(items=12, weeks=8).counts()
    for kind, rows in expected.items():
        line = next(line for line in out.splitlines() if f"│ {kind} " in line)
        assert f" {rows:,} " in line or f" {rows} " in line, line
    # and the catalogue has the generated items and the products launched during the replay
    launched = len(launches(generate(items=12, weeks=8), now=datetime.now(UTC)))
    assert _count_items(database_url) == len(generate(items=12, weeks=8).tables["items"]) + launched
