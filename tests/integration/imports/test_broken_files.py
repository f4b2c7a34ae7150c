"""A file with any bad row is refused as a whole: every problem is reported, one
``FILE:LINE: COLUMN: message`` line each (COLUMN as the file names it, ``-`` when none applies),
and the database is exactly as it was."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from flexchain.services.imports import ImportFailed, import_file
from tests.integration.imports.conftest import Write, dump


@dataclass(frozen=True)
class Broken:
    kind: str
    file: str
    text: str
    errors: list[str]
    encoding: str = "utf-8"


BAD_NUMBERS = [
    Broken(
        "items",
        "items.csv",
        "sku,name,moq,list_price,production_cycle_days\n"
        "TEE-A,Tee A,abc,12,1\n"
        'TEE-B,Tee B,5,"12,50",2.5\n'
        "TEE-C,Tee C,-3,1e400,1\n"
        "TEE-D,Tee D,1,1.1234567,99999999999\n",
        [
            "items.csv:2: moq: not a number: 'abc'",
            "items.csv:3: production_cycle_days: not a whole number: '2.5'",
            "items.csv:3: list_price: not a number: '12,50' (use a dot as the decimal separator)",
            "items.csv:4: moq: must not be negative, got -3",
            "items.csv:4: list_price: 1e400 is too large (at most 12 digits before the decimal "
            "point)",
            "items.csv:5: production_cycle_days: 99999999999 is too large (at most 2147483647)",
            "items.csv:5: list_price: 1.1234567 has more than 6 decimal places",
        ],
    ),
    Broken(
        "item-suppliers",
        "prices.csv",
        "item_sku,supplier_code,min_quantity,unit_price\n"
        "COTTON,KNIT-TR,0,abc\n"
        "COTTON,KNIT-TR,x,3.10\n"
        "TEE-BODY,SEW-PT,10,0.0000001\n",
        [
            "prices.csv:2: unit_price: not a number: 'abc'",
            "prices.csv:3: min_quantity: not a number: 'x'",
            "prices.csv:4: unit_price: 0.0000001 has more than 6 decimal places",
        ],
    ),
    Broken(
        "contract-prices",
        "tiers.csv",
        "contract_code,item_sku,min_quantity,unit_price\n"
        "FA-SEW,TEE-BODY,0,6\n"
        "FA-SEW,TEE-BODY,x,5\n"
        "FA-SEW,TEE-BODY,100,-1\n",
        [
            "tiers.csv:3: min_quantity: not a number: 'x'",
            "tiers.csv:4: unit_price: must not be negative, got -1",
        ],
    ),
    Broken(
        "stock",
        "count.xlsx",
        "Item Code,Warehouse,Qty\nTEE-BODY,WH,12.3456\n\nCOTTON,WH,lots\nCOTTON,SEW-SITE,-2\n",
        [
            "count.xlsx:2: Qty: 12.3456 has more than 3 decimal places",
            "count.xlsx:4: Qty: not a number: 'lots'",
            "count.xlsx:5: Qty: must not be negative, got -2",
        ],
    ),
    Broken(
        "contracts",
        "contracts.csv",
        "code,supplier_code,valid_from,valid_to,retention_pct\n"
        "FA-1,SEW-PT,31/12/2026,2027-12-31,\n"
        "FA-2,SEW-PT,2027-01-01,2026-01-01,\n"
        "FA-3,SEW-PT,2026-01-01,2026-12-31,5%\n",
        [
            "contracts.csv:2: valid_from: not a date: '31/12/2026' (use YYYY-MM-DD)",
            "contracts.csv:3: valid_to: 2026-01-01 is before valid_from 2027-01-01",
            "contracts.csv:4: retention_pct: not a number: '5%'",
        ],
    ),
]

UNKNOWN_REFERENCES = [
    Broken(
        "items",
        "items.csv",
        "sku,name,default_supplier\nTEE-A,Tee A,NOBODY\nTEE-B,Tee B,Costura Lda\n",
        ["items.csv:2: default_supplier: unknown supplier 'NOBODY'"],
    ),
    Broken(
        "bom",
        "bom.csv",
        "parent_sku,child_sku,quantity\nTEE-RED-M,BUTTON,4\nHOODIE,COTTON,2\n",
        [
            "bom.csv:2: child_sku: unknown item 'BUTTON'",
            "bom.csv:3: parent_sku: unknown item 'HOODIE'",
        ],
    ),
    Broken(
        "item-suppliers",
        "prices.csv",
        "item_sku,supplier_code,unit_price\nCOTTON,Nobody Ltd,3\nBUTTON,SEW-PT,0.1\n",
        [
            "prices.csv:2: supplier_code: unknown supplier 'Nobody Ltd'",
            "prices.csv:3: item_sku: unknown item 'BUTTON'",
        ],
    ),
    Broken(
        "locations",
        "locations.csv",
        "code,name,kind,supplier_code,transit_for\n"
        "TR-2,To WH2,transit,,WH2\n"
        "F-2,Factory 2,factory,NOBODY,\n",
        [
            "locations.csv:2: transit_for: unknown location 'WH2'",
            "locations.csv:3: supplier_code: unknown supplier 'NOBODY'",
        ],
    ),
    Broken(
        "stock",
        "stock.csv",
        "sku,location,quantity\nBUTTON,WH,1\nCOTTON,WH9,1\nCOTTON,OPENING,1\n",
        [
            "stock.csv:2: sku: unknown item 'BUTTON'",
            "stock.csv:3: location: unknown location 'WH9'",
            "stock.csv:4: location: OPENING is a supplier location and holds no stock",
        ],
    ),
    Broken(
        "demand",
        "demand.csv",
        "sku,location,period_start,quantity\nBUTTON,WH,2026-01-05,1\nTEE-RED-M,WH9,2026-01-05,1\n",
        [
            "demand.csv:2: sku: unknown item 'BUTTON'",
            "demand.csv:3: location: unknown location 'WH9'",
        ],
    ),
    Broken(
        "options",
        "options.csv",
        "module_sku,code,name\nTEE-BODY,RED,Red\nCAP-PRINT,LOGO,Logo\n",
        [
            "options.csv:2: module_sku: 'TEE-BODY' is a standard module; options belong to "
            "custom modules",
            "options.csv:3: module_sku: unknown item 'CAP-PRINT'",
        ],
    ),
    Broken(
        "option-materials",
        "option-materials.csv",
        "module_sku,code,component_sku,quantity,scrap_pct\n"
        "TEE-PRINT,GOLD,COTTON,1,\n"
        "TEE-PRINT,LOGO,INK,1,\n"
        "TEE-PRINT,LOGO,COTTON,0,\n"
        "TEE-PRINT,NAME,COTTON,1,100\n",
        [
            "option-materials.csv:2: code: unknown option 'GOLD' of module 'TEE-PRINT'",
            "option-materials.csv:3: component_sku: unknown item 'INK'",
            "option-materials.csv:4: quantity: must be greater than zero",
            "option-materials.csv:5: scrap_pct: must be below 100, got 100",
        ],
    ),
    Broken(
        "contract-prices",
        "tiers.csv",
        "contract_code,item_sku,unit_price\nFA-KNIT,COTTON,3\n",
        ["tiers.csv:2: contract_code: unknown contract 'FA-KNIT'"],
    ),
]

DUPLICATE_KEYS = [
    Broken(
        "items",
        "items.csv",
        "sku,name\nTEE-A,Tee A\nTEE-B,Tee B\nTEE-A,Tee A again\n",
        ["items.csv:4: sku: duplicate of line 2"],
    ),
    Broken(
        "suppliers",
        "suppliers.csv",
        "code,name,tier,country,process,capacity_per_day\n"
        "DYE-PT,Tinturaria,A,PT,dyeing,100\n"
        "DYE-PT,Tinturaria Verde,,,dyeing,120\n",
        [
            "suppliers.csv:3: name: 'Tinturaria Verde' differs from 'Tinturaria' on line 2",
            "suppliers.csv:3: process: duplicate of line 2",
        ],
    ),
    Broken(
        "bom",
        "bom.csv",
        "parent_sku,child_sku,quantity\nTEE-RED-M,TEE-BODY,1\nTEE-RED-M,TEE-BODY,2\n",
        ["bom.csv:3: child_sku: duplicate of line 2"],
    ),
    Broken(
        "stock",
        "stock.csv",
        "sku,location,quantity\nCOTTON,WH,1\nCOTTON,WH,2\n",
        ["stock.csv:3: location: duplicate of line 2"],
    ),
    Broken(
        "demand",
        "demand.csv",
        "sku,period_start,quantity\nTEE-RED-M,2026-02-02,1\nTEE-RED-M,2026-02-02,2\n",
        ["demand.csv:3: period_start: duplicate of line 2"],
    ),
    Broken(
        "item-suppliers",
        "prices.csv",
        "item_sku,supplier_code,min_quantity,unit_price\n"
        "COTTON,KNIT-TR,100,3\n"
        "COTTON,Örme Tekstil,100,2.9\n",
        ["prices.csv:3: min_quantity: duplicate of line 2"],
    ),
]

MISSING_COLUMNS = [
    Broken(
        "items",
        "items.csv",
        "sku,family\nTEE-A,TEE\n",
        [
            "items.csv:1: name: missing required column (also accepted: Item Name, item_name, "
            "Product Name)"
        ],
    ),
    Broken(
        "suppliers",
        "suppliers.csv",
        "code,name\nDYE-PT,Tinturaria\n",
        [
            "suppliers.csv:1: tier: missing required column",
            "suppliers.csv:1: country: missing required column (also accepted: country_id)",
        ],
    ),
    Broken(
        "stock",
        "stock.xlsx",
        "sku,location\nCOTTON,WH\n",
        [
            "stock.xlsx:1: quantity: missing required column (also accepted: On Hand Quantity, "
            "Quantity On Hand, Counted Quantity, Qty)"
        ],
    ),
]

BROKEN_RULES = [
    Broken(
        "bom",
        "bom.csv",
        "parent_sku,child_sku,quantity\nCOTTON,TEE-RED-M,1\n",
        ["bom.csv:2: child_sku: BOM cycle: COTTON -> TEE-RED-M -> TEE-BODY -> COTTON"],
    ),
    Broken(
        "locations",
        "locations.csv",
        "code,name,kind\nWH,Main warehouse,scrap\n",
        [
            "locations.csv:2: kind: cannot change WH from warehouse to scrap: "
            "stock has moved through it"
        ],
    ),
    Broken(
        "items",
        "items.csv",
        "sku,name,kind,module_type\nZIP,Zip,module,\nTEE-RED-M,Tee,finished,custom\n",
        [
            "items.csv:2: module_type: required for a module: standard or custom",
            "items.csv:3: module_type: only modules have a module type; this item is finished",
        ],
    ),
    Broken(
        "suppliers",
        "suppliers.csv",
        "code,name,tier,country,process,latitude,longitude\n"
        "DYE-PT,Dye,A,PT,dyeing,,\n"
        "CUT-PT,Cut,A,PT,,41.2,\n",
        [
            "suppliers.csv:2: capacity_per_day: required for dyeing",
            "suppliers.csv:3: longitude: give latitude and longitude together, or neither",
        ],
    ),
    Broken(
        "contracts",
        "contracts.csv",
        "code,supplier_code,valid_from,valid_to,topup_max_units\nFA-2,SEW-PT,2026-01-01,2026-12-31,50\n",
        [
            "contracts.csv:2: topup_max_premium_pct: required with topup_max_units "
            "(elastic_topup clause)"
        ],
    ),
]

BAD_FILES = [
    Broken(
        "items",
        "latin1.csv",
        "sku,name\nTEE-A,Tee A\nTEE-B,Tee B café\n",
        [
            "latin1.csv:3: name: 'Tee B café' is not UTF-8 text; save the file as \"CSV UTF-8\" "
            "(Excel) or with UTF-8 encoding"
        ],
        encoding="latin-1",
    ),
    Broken(
        "items",
        "windows.csv",
        "sku;name\nTEE-A;Tee A\nTEE-B;Tee B – €5 off\n",
        [
            "windows.csv:3: name: 'Tee B – €5 off' is not UTF-8 text; save the file as "
            '"CSV UTF-8" (Excel) or with UTF-8 encoding'
        ],
        encoding="cp1252",
    ),
    Broken(
        "items",
        "unicode.csv",
        "sku\tname\nTEE-A\tTee A\nTEE-B\tTee B café\n",
        [
            'unicode.csv:1: -: the file is UTF-16 text (Excel\'s "Unicode Text"); save the file '
            'as "CSV UTF-8" (Excel) or with UTF-8 encoding'
        ],
        encoding="utf-16",
    ),
    Broken(
        "items",
        "no-bom.csv",
        "sku,name\nTEE-A,Tee A\n",
        [
            'no-bom.csv:1: -: the file is UTF-16 text (Excel\'s "Unicode Text"); save the file '
            'as "CSV UTF-8" (Excel) or with UTF-8 encoding'
        ],
        encoding="utf-16-le",
    ),
    Broken(
        "items",
        "empty.csv",
        "",
        ["empty.csv:1: -: the file is empty: line 1 must name the columns"],
    ),
    Broken(
        "items",
        "twice.csv",
        "sku,name,SKU\nTEE-A,Tee A,TEE-A\n",
        ["twice.csv:1: SKU: column appears twice (also as 'sku')"],
    ),
    Broken(
        "items",
        "stray.csv",
        "sku,name\nTEE-A,Tee A\nTEE-B,Tee B,oops\n",
        ["stray.csv:3: -: a value stands in a column without a header; name the column"],
    ),
    Broken(
        "items",
        "items.xls",
        "sku,name\n",
        ["items.xls:1: -: unsupported file type '.xls': use .csv or .xlsx"],
    ),
]


def ids(cases: list[Broken]) -> list[str]:
    return [f"{case.kind}:{case.file}" for case in cases]


def refused(engine: Engine, write: Write, case: Broken) -> list[str]:
    """Import ``case``; returns its error lines after checking the database did not change."""
    before = dump(engine)
    path = write(case.file, case.text, encoding=case.encoding)
    with pytest.raises(ImportFailed) as failed:
        import_file(engine, case.kind, path)
    assert dump(engine) == before
    return str(failed.value).splitlines()


@pytest.mark.parametrize("case", BAD_NUMBERS, ids=ids(BAD_NUMBERS))
def test_bad_numbers_and_dates_are_reported_per_cell(
    company: Engine, write: Write, case: Broken
) -> None:
    assert refused(company, write, case) == case.errors


@pytest.mark.parametrize("case", UNKNOWN_REFERENCES, ids=ids(UNKNOWN_REFERENCES))
def test_unknown_references_are_reported(company: Engine, write: Write, case: Broken) -> None:
    assert refused(company, write, case) == case.errors


@pytest.mark.parametrize("case", DUPLICATE_KEYS, ids=ids(DUPLICATE_KEYS))
def test_duplicate_keys_point_at_the_first_line(
    company: Engine, write: Write, case: Broken
) -> None:
    assert refused(company, write, case) == case.errors


@pytest.mark.parametrize("case", MISSING_COLUMNS, ids=ids(MISSING_COLUMNS))
def test_missing_required_columns_are_reported_on_line_1(
    company: Engine, write: Write, case: Broken
) -> None:
    assert refused(company, write, case) == case.errors


@pytest.mark.parametrize("case", BROKEN_RULES, ids=ids(BROKEN_RULES))
def test_broken_business_rules_are_reported_on_their_line(
    company: Engine, write: Write, case: Broken
) -> None:
    assert refused(company, write, case) == case.errors


@pytest.mark.parametrize("case", BAD_FILES, ids=ids(BAD_FILES))
def test_unreadable_files_are_refused_before_any_row(
    company: Engine, write: Write, case: Broken
) -> None:
    assert refused(company, write, case) == case.errors


def test_every_bad_row_is_reported_even_when_the_good_ones_come_first(
    company: Engine, write: Write
) -> None:
    # given a long file with a few bad rows scattered through it
    rows = [f"BULK-{n:04},Bulk {n},{n % 7}" for n in range(1, 501)]
    rows[99] = "BULK-0100,Bulk 100,seven"
    rows[299] = "BULK-0001,Bulk again,1"
    rows[499] = ",No SKU,1"
    case = Broken(
        "items",
        "bulk.csv",
        "sku,name,moq\n" + "\n".join(rows) + "\n",
        [
            "bulk.csv:101: moq: not a number: 'seven'",
            "bulk.csv:301: sku: duplicate of line 2",
            "bulk.csv:501: sku: required: this cell must not be blank",
        ],
    )

    # then all three are reported and none of the 497 good rows is written
    assert refused(company, write, case) == case.errors


def test_a_file_that_is_not_a_workbook_is_refused(company: Engine, tmp_path: Path) -> None:
    path = tmp_path / "items.xlsx"
    path.write_text("sku,name\nTEE-A,Tee A\n")
    before = dump(company)

    with pytest.raises(ImportFailed) as failed:
        import_file(company, "items", path)

    assert str(failed.value) == (
        "items.xlsx:1: -: not a valid .xlsx workbook (save it again as Excel .xlsx)"
    )
    assert dump(company) == before


def test_a_supplier_name_shared_by_two_suppliers_asks_for_the_code(
    company: Engine, write: Write
) -> None:
    # given two suppliers with the same name
    twins = "code,name,tier,country\nTWIN-1,Twin Mills,B,IN\nTWIN-2,Twin Mills,B,BD\n"
    import_file(company, "suppliers", write("twins.csv", twins))
    case = Broken(
        "item-suppliers",
        "prices.csv",
        "item_sku,supplier_code,unit_price\nCOTTON,twin mills,3\nCOTTON,TWIN-2,3\n",
        [
            "prices.csv:2: supplier_code: several suppliers are called 'twin mills'; "
            "give the supplier code"
        ],
    )

    # then a reference by that name is refused (line 3, by code, is fine)
    assert refused(company, write, case) == case.errors
