"""``--dry-run`` checks every row and reports what would happen, and writes nothing at all."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from flexchain.services.imports import ImportFailed, import_file
from tests.integration.imports.company import FILES, ORDER, THINGS, before, changed
from tests.integration.imports.conftest import Load, Write, dump


@pytest.mark.parametrize("kind", ORDER)
def test_a_dry_run_reports_what_it_would_create_and_writes_nothing(
    engine: Engine, load: Load, write: Write, kind: str
) -> None:
    # given the kinds this one refers to
    load(*before(kind))
    stored = dump(engine)

    # when its file is imported with dry_run
    report = import_file(engine, kind, write(f"dry-{kind}.csv", FILES[kind]), dry_run=True)

    # then the report counts what would be created, and the database is as it was
    assert report.dry_run
    assert (report.created, report.updated, report.unchanged) == (THINGS[kind], 0, 0)
    assert dump(engine) == stored


def test_a_dry_run_counts_updates_without_making_them(company: Engine, write: Write) -> None:
    stored = dump(company)

    report = import_file(company, "items", write("items.csv", changed("items")), dry_run=True)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    assert str(report) == "items: 4 rows, would create 0, would update 1, unchanged 3"
    assert dump(company) == stored


def test_a_dry_run_reports_the_same_errors_as_an_import(company: Engine, write: Write) -> None:
    path = write("bom.csv", "parent_sku,child_sku,quantity\nTEE-RED-M,NOPE,1\nCOTTON,TEE-BODY,x\n")
    stored = dump(company)

    with pytest.raises(ImportFailed) as dry:
        import_file(company, "bom", path, dry_run=True)
    with pytest.raises(ImportFailed) as real:
        import_file(company, "bom", path)

    assert (
        str(dry.value)
        == str(real.value)
        == ("bom.csv:2: child_sku: unknown item 'NOPE'\nbom.csv:3: quantity: not a number: 'x'")
    )
    assert dump(company) == stored
