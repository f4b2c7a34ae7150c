"""Every kind imports the tiny company's file, from CSV and from XLSX with typed cells, and
stores exactly what the file says (read back through the repositories as domain objects)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from flexchain.adapters.db.repositories import (
    CatalogRepository,
    ContractRepository,
    LocationRepository,
    SupplierRepository,
)
from flexchain.adapters.db.tables import DemandHistoryRow, ItemRow, LocationRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.bom import BomLine
from flexchain.domain.catalog import Item, ItemKind, ModuleType, Option
from flexchain.domain.contracts import (
    CapacityReservation,
    Contract,
    ElasticTopUp,
    QualityRetention,
    TieredPrice,
)
from flexchain.domain.stock import Location, LocationKind
from flexchain.domain.suppliers import (
    Capability,
    Certification,
    ItemSupplier,
    PriceBreak,
    Process,
    Supplier,
    Tier,
)
from flexchain.services import inventory
from flexchain.services.imports import KINDS
from tests.integration.imports.company import FILES, ORDER, THINGS, before
from tests.integration.imports.conftest import Load, moves_of, now

D = Decimal
SUFFIXES = [".csv", ".xlsx"]


def read(engine: Engine) -> UnitOfWork:
    return UnitOfWork(engine, write=False)


def test_the_company_covers_every_import_kind() -> None:
    assert sorted(ORDER) == sorted(KINDS)


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("kind", ORDER)
def test_each_kind_creates_one_thing_per_key(load: Load, kind: str, suffix: str) -> None:
    # given the kinds it refers to
    load(*before(kind))

    # when its file is imported
    report = load(kind, suffix=suffix)[kind]

    # then everything in it is created, nothing else
    data_rows = len(FILES[kind].splitlines()) - 1
    assert (report.kind, report.rows) == (kind, data_rows)
    assert (report.created, report.updated, report.unchanged) == (THINGS[kind], 0, 0)
    assert report.ignored_columns == ()


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_items_options_and_bom_are_stored_as_written(
    engine: Engine, load: Load, suffix: str
) -> None:
    load(*before("items"))
    load("items", "options", "bom", suffix=suffix)
    with read(engine) as uow:
        catalog = CatalogRepository(uow.session)
        items = catalog.all()
        options = catalog.options()
        bom = catalog.bom_lines()
    assert items == [
        Item("COTTON", "Cotton jersey", ItemKind.RAW, uom="m", family="FABRIC", moq=D(100),
             order_multiple=D(25), default_supplier="KNIT-TR", standard_cost=D("3.40"),
             active=False),
        Item("TEE-BODY", "Tee body", ItemKind.MODULE, family="TEE",
             module_type=ModuleType.STANDARD, production_cycle_days=2, moq=D(50),
             order_multiple=D(10), default_supplier="SEW-PT", standard_cost=D("6.10")),
        Item("TEE-PRINT", "Custom print", ItemKind.MODULE, family="TEE",
             module_type=ModuleType.CUSTOM, production_cycle_days=1, standard_cost=D("1.20")),
        Item("TEE-RED-M", "Tee, red, M", ItemKind.FINISHED, family="TEE",
             attributes={"colour": "red", "size": "M"}, production_cycle_days=3,
             default_supplier="SEW-PT", list_price=D("29.90"), standard_cost=D("8.75")),
    ]  # fmt: skip
    assert options == [
        Option("TEE-PRINT", "LOGO", "Logo print", D("4.50"), 1),
        Option("TEE-PRINT", "NAME", "Name print", D(6), 2),
    ]
    assert bom == [
        BomLine("TEE-BODY", "COTTON", D("1.25"), D("3.5")),
        BomLine("TEE-RED-M", "TEE-BODY", D(1), D(0)),
        BomLine("TEE-RED-M", "TEE-PRINT", D(1), D(0)),
    ]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_suppliers_and_locations_are_stored_as_written(
    engine: Engine, load: Load, suffix: str
) -> None:
    load("suppliers", "locations", suffix=suffix)
    with read(engine) as uow:
        suppliers = SupplierRepository(uow.session).all()
        locations = LocationRepository(uow.session).all()
    assert suppliers == [
        Supplier("KNIT-TR", "Örme Tekstil", Tier.B, "TR",
                 capabilities=[Capability(Process.WEAVING, D(1000), moq=D(500),
                                          lead_time_mean_days=D(21))],
                 payment_terms_days=45, currency="USD"),
        Supplier("SEW-PT", "Costura Lda", Tier.A, "PT", D("41.4425"), D("-8.2918"),
                 capabilities=[Capability(Process.CUTTING, D(300), lead_time_mean_days=D(5)),
                               Capability(Process.SEWING, D(200), moq=D(50),
                                          lead_time_mean_days=D(10))],
                 certifications=[Certification("GOTS", date(2027, 6, 30))],
                 email="orders@sew.example"),
    ]  # fmt: skip
    assert locations == [
        Location("SEW-SITE", "Costura factory", LocationKind.FACTORY, supplier_code="SEW-PT"),
        Location("TR-WH", "In transit to WH", LocationKind.TRANSIT, transit_for="WH"),
        Location("WH", "Main warehouse", LocationKind.WAREHOUSE),
    ]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_price_breaks_and_contracts_are_stored_as_written(
    engine: Engine, load: Load, suffix: str
) -> None:
    load(*before("item-suppliers"))
    load("item-suppliers", "contracts", "contract-prices", suffix=suffix)
    with read(engine) as uow:
        terms = SupplierRepository(uow.session).item_suppliers()
        contracts = ContractRepository(uow.session).all()
    assert terms == [
        ItemSupplier("COTTON", "KNIT-TR",
                     [PriceBreak(D(0), D("3.40")), PriceBreak(D(500), D("3.10"))],
                     currency="USD", lead_time_days=21, moq=D(100), order_multiple=D(25),
                     valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31)),
        # a blank currency is the supplier's
        ItemSupplier("TEE-BODY", "SEW-PT", [PriceBreak(D(50), D("6.10"))], currency="EUR",
                     lead_time_days=14, moq=D(50), order_multiple=D(10)),
    ]  # fmt: skip
    assert contracts == [
        Contract(
            "FA-SEW", "SEW-PT", date(2026, 1, 1), date(2027, 12, 31),
            tiered_prices=[TieredPrice("TEE-BODY", D(0), D("6.00")),
                           TieredPrice("TEE-BODY", D(500), D("5.60"))],
            elastic_topup=ElasticTopUp(D(400), D(6)),
            quality_retention=QualityRetention(D(5), "semiannual"),
            capacity_reservation=CapacityReservation(D(25), D(900), Process.SEWING),
            notes="Sewing, 2 years",
        )
    ]  # fmt: skip


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_opening_stock_becomes_opening_moves_into_each_location(
    engine: Engine, load: Load, suffix: str
) -> None:
    load(*before("stock"))
    load("stock", suffix=suffix)
    with read(engine) as uow:
        balances = [
            (view.sku, view.location, view.on_hand) for view in inventory.balances(uow, now=now())
        ]
        moves = moves_of(uow)
    assert balances == [
        ("COTTON", "SEW-SITE", D(80)),
        ("COTTON", "WH", D("340.5")),
        ("TEE-BODY", "WH", D(120)),
    ]
    assert moves == [
        ("TEE-BODY", "OPENING", "WH", D(120), "opening", f"import stock{suffix}:2"),
        ("COTTON", "OPENING", "WH", D("340.5"), "opening", f"import stock{suffix}:3"),
        ("COTTON", "OPENING", "SEW-SITE", D(80), "opening", f"import stock{suffix}:4"),
    ]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_demand_history_is_stored_per_week(engine: Engine, load: Load, suffix: str) -> None:
    load(*before("demand"))
    load("demand", suffix=suffix)
    with read(engine) as uow:
        query = (
            select(ItemRow.sku, LocationRow.code, DemandHistoryRow.period_start,
                   DemandHistoryRow.quantity)
            .join(ItemRow, ItemRow.id == DemandHistoryRow.item_id)
            .join(LocationRow, LocationRow.id == DemandHistoryRow.location_id)
            .order_by(DemandHistoryRow.period_start)
        )  # fmt: skip
        history = [tuple(row) for row in uow.session.execute(query)]
    assert history == [
        ("TEE-RED-M", "WH", date(2026, 1, 5), D(12)),
        ("TEE-RED-M", "WH", date(2026, 1, 12), D(0)),
        ("TEE-RED-M", "WH", date(2026, 1, 19), D(7)),
    ]
