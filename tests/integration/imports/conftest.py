"""Fixtures for the import and export tests: files written from text, the tiny company of
:mod:`company` loaded kind by kind, and a dump of every table to prove nothing was written."""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import openpyxl
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import aliased

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.tables import Base, ItemRow, LocationRow, StockMoveRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services.imports import ImportReport, import_file
from tests.conftest import BACKENDS
from tests.integration.imports.company import FILES, ORDER
from tests.pgserver import PgServer

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Write(Protocol):
    def __call__(self, name: str, text: str, *, encoding: str = "utf-8") -> Path: ...


class Load(Protocol):
    def __call__(self, *kinds: str, suffix: str = ".csv") -> dict[str, ImportReport]: ...


def excel_cell(text: str) -> Any:
    """A CSV cell as Excel would type it: numbers as numbers, ISO dates as dates."""
    if _NUMBER.fullmatch(text):
        return int(text) if "." not in text else float(text)
    if _DATE.fullmatch(text):
        return datetime.fromisoformat(text)
    if text in ("true", "false"):
        return text == "true"
    return text or None


def csv_to_xlsx(text: str, path: Path, *, sheet: str = "Sheet1") -> Path:
    """Save CSV ``text`` as a workbook with typed cells, the way a planner's Excel would."""
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for index, record in enumerate(csv.reader(io.StringIO(text))):
        worksheet.append(record if index == 0 else [excel_cell(cell) for cell in record])
    workbook.save(path)
    return path


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write ``text`` to ``tmp_path/name``: CSV in ``encoding``, or XLSX (typed cells)."""

    def write_file(name: str, text: str, *, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if path.suffix == ".xlsx":
            return csv_to_xlsx(text, path)
        path.write_bytes(text.encode(encoding))
        return path

    return write_file


@pytest.fixture
def load(engine: Engine, write: Write) -> Load:
    """Import the company's files of ``kinds`` (CSV, or XLSX with ``suffix``), in that order."""

    def load_kinds(*kinds: str, suffix: str = ".csv") -> dict[str, ImportReport]:
        return {
            kind: import_file(engine, kind, write(f"{kind}{suffix}", FILES[kind])) for kind in kinds
        }

    return load_kinds


def load_company(url: str, folder: Path) -> None:
    """Import every file of the company into the database at ``url``."""
    engine = make_engine(url)
    try:
        for kind in ORDER:
            path = folder / f"{kind}.csv"
            path.write_text(FILES[kind], encoding="utf-8")
            import_file(engine, kind, path)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_company(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the company, loaded once per session and copied per test."""
    folder = tmp_path_factory.mktemp("sqlite-company")
    path = folder / "company.db"
    shutil.copyfile(sqlite_template, path)
    load_company(f"sqlite:///{path}", folder)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgresql_company(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PostgreSQL database holding the company, the template each test's copy is made from."""
    name = f"company_{os.getpid()}"
    _admin_sql(pg_server, f"CREATE DATABASE {name} TEMPLATE flexchain_template")
    load_company(pg_server.url(name), tmp_path_factory.mktemp("pg-company"))
    return name


def _admin_sql(server: PgServer, statement: str) -> None:
    admin = make_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


_copies = itertools.count()


@pytest.fixture(params=BACKENDS)
def company(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database holding the whole tiny company, on each backend.

    The company is imported once per session and copied for each test, which keeps the many
    tests that start from it fast on PostgreSQL.
    """
    if request.param == "sqlite":
        path = tmp_path / "company.db"
        shutil.copyfile(request.getfixturevalue("sqlite_company"), path)
        url = f"sqlite:///{path}"
        drop = None
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        template = request.getfixturevalue("postgresql_company")
        name = f"c{os.getpid()}_{next(_copies)}"
        # FILE_COPY copies the few files of a small database at half the cost of WAL_LOG
        _admin_sql(server, f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
        url, drop = server.url(name), f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        if drop is not None:
            _admin_sql(server, drop)


Dump = dict[str, list[tuple[Any, ...]]]


def dump(engine: Engine) -> Dump:
    """Every row of every table (timestamps included), in primary-key order."""
    tables: Dump = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            tables[table.name] = [tuple(row) for row in connection.execute(query)]
    return tables


def count_rows(engine: Engine) -> dict[str, int]:
    return {name: len(rows) for name, rows in dump(engine).items()}


def moves_of(uow: UnitOfWork) -> list[tuple[Any, ...]]:
    """Every stock move as (sku, from, to, quantity, kind, reference), in the order posted."""
    source, target = aliased(LocationRow), aliased(LocationRow)
    query = (
        select(ItemRow.sku, source.code, target.code, StockMoveRow.quantity, StockMoveRow.kind,
               StockMoveRow.reference)
        .join(ItemRow, ItemRow.id == StockMoveRow.item_id)
        .join(source, source.id == StockMoveRow.from_location_id)
        .join(target, target.id == StockMoveRow.to_location_id)
        .order_by(StockMoveRow.id)
    )  # fmt: skip
    return [tuple(row) for row in uow.session.execute(query)]


def now() -> datetime:
    return datetime.now(UTC)
