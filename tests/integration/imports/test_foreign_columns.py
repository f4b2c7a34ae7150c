"""Files exported from Odoo and ERPNext import as they are: their column names and their values
(units, countries, ``[SKU] Name`` references, fill-down BOM lines) are understood, and the
columns we have no use for are reported as ignored."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from flexchain.adapters.db.repositories import CatalogRepository, SupplierRepository
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.bom import BomLine
from flexchain.domain.catalog import Item, ItemKind
from flexchain.domain.suppliers import ItemSupplier, PriceBreak, Supplier, Tier
from flexchain.services.imports import ImportFailed, import_file
from tests.integration.imports.conftest import Load, Write

D = Decimal


def items(engine: Engine, *skus: str) -> list[Item]:
    with UnitOfWork(engine, write=False) as uow:
        catalog = CatalogRepository(uow.session)
        return [catalog.get(sku) for sku in skus]


def suppliers(engine: Engine, *codes: str) -> list[Supplier]:
    with UnitOfWork(engine, write=False) as uow:
        repository = SupplierRepository(uow.session)
        return [repository.get(code) for code in codes]


def test_an_odoo_product_list_export_imports_as_items(engine: Engine, write: Write) -> None:
    text = (
        "Internal Reference,Name,Product Category,Unit of Measure,Sales Price,Cost,"
        "Product Type,Quantity On Hand\n"
        'TEE-BLU-S,"Tee, blue, S",All / Saleable / Tees,Units,29.90,8.75,Storable Product,12\n'
        "FLEECE,Fleece,All / Fabrics,Meters,,4.10,Storable Product,300\n"
    )

    report = import_file(engine, "items", write("product.template.csv", text))

    assert (report.created, report.ignored_columns) == (2, ("Product Type", "Quantity On Hand"))
    assert items(engine, "TEE-BLU-S", "FLEECE") == [
        Item("TEE-BLU-S", "Tee, blue, S", ItemKind.FINISHED, family="All / Saleable / Tees",
             list_price=D("29.90"), standard_cost=D("8.75")),
        Item("FLEECE", "Fleece", ItemKind.FINISHED, uom="m", family="All / Fabrics",
             standard_cost=D("4.10")),
    ]  # fmt: skip


def test_an_odoo_import_compatible_export_imports_as_items(engine: Engine, write: Write) -> None:
    text = (
        "id,default_code,name,categ_id,uom_id,list_price,standard_price,active\n"
        "__export__.product_7,CAP-01,Cap,All / Caps,Units,19.5,4,True\n"
    )

    report = import_file(engine, "items", write("product.template.xlsx", text))

    assert (report.created, report.ignored_columns) == (1, ("id",))
    assert items(engine, "CAP-01") == [
        Item("CAP-01", "Cap", ItemKind.FINISHED, family="All / Caps", list_price=D("19.5"),
             standard_cost=D(4))
    ]  # fmt: skip


def test_an_erpnext_item_export_imports_as_items(engine: Engine, write: Write) -> None:
    text = (
        "Item Code,Item Name,Item Group,Default Unit of Measure,Standard Selling Rate,"
        "Valuation Rate,Min Order Qty,Lead Time in days,Disabled\n"
        "TEE-GRN-L,Tee green L,Tees,Nos,29.90,8.75,10,4,0\n"
        "THREAD,Thread,Raw Material,Kg,,12.5,5,0,0\n"
    )

    report = import_file(engine, "items", write("Item.csv", text))

    assert (report.created, report.ignored_columns) == (2, ("Disabled",))
    assert items(engine, "TEE-GRN-L", "THREAD") == [
        Item("TEE-GRN-L", "Tee green L", ItemKind.FINISHED, family="Tees", moq=D(10),
             production_cycle_days=4, list_price=D("29.90"), standard_cost=D("8.75")),
        Item("THREAD", "Thread", ItemKind.FINISHED, uom="kg", family="Raw Material", moq=D(5),
             standard_cost=D("12.5")),
    ]  # fmt: skip


def test_an_odoo_contact_export_imports_as_suppliers(engine: Engine, write: Write) -> None:
    text = (
        "Reference,Name,Country,Email,Phone,Tier\n"
        "SEW-PT,Costura Lda,Portugal,orders@sew.example,+351 253 000 000,A\n"
        "KNIT-TR,Örme Tekstil,Türkiye,,,B\n"
    )

    report = import_file(engine, "suppliers", write("res.partner.csv", text))

    assert (report.created, report.ignored_columns) == (2, ("Phone",))
    assert suppliers(engine, "SEW-PT", "KNIT-TR") == [
        Supplier("SEW-PT", "Costura Lda", Tier.A, "PT", email="orders@sew.example"),
        Supplier("KNIT-TR", "Örme Tekstil", Tier.B, "TR"),
    ]


def test_an_erpnext_supplier_export_imports_as_suppliers(engine: Engine, write: Write) -> None:
    text = (
        "ID,Supplier Name,Supplier Group,Country,Billing Currency,Email Id,Tier\n"
        "SUP-0001,Costura Lda,Raw Material,Portugal,EUR,orders@sew.example,S\n"
        "SUP-0002,Shenzhen Trims,Hardware,China,USD,,B\n"
    )

    report = import_file(engine, "suppliers", write("Supplier.xlsx", text))

    assert (report.created, report.ignored_columns) == (2, ("Supplier Group",))
    assert suppliers(engine, "SUP-0001", "SUP-0002") == [
        Supplier("SUP-0001", "Costura Lda", Tier.S, "PT", email="orders@sew.example"),
        Supplier("SUP-0002", "Shenzhen Trims", Tier.B, "CN", currency="USD"),
    ]


def test_an_odoo_vendor_pricelist_names_vendors_and_products_as_odoo_shows_them(
    engine: Engine, load: Load, write: Write
) -> None:
    load("suppliers", "locations", "items")
    text = (
        "Vendor,Product Template,Quantity,Price,Currency,Delivery Lead Time\n"
        "Örme Tekstil,[COTTON] Cotton jersey,0,3.40,USD,21\n"
        "Örme Tekstil,[COTTON] Cotton jersey,500,3.10,USD,21\n"
    )

    report = import_file(engine, "item-suppliers", write("product.supplierinfo.csv", text))

    assert (report.rows, report.created) == (2, 1)
    with UnitOfWork(engine, write=False) as uow:
        terms = SupplierRepository(uow.session).item_suppliers("COTTON")
    assert terms == [
        ItemSupplier("COTTON", "KNIT-TR",
                     [PriceBreak(D(0), D("3.40")), PriceBreak(D(500), D("3.10"))],
                     currency="USD", lead_time_days=21)
    ]  # fmt: skip


def test_an_odoo_bom_export_fills_the_product_down_its_lines(
    engine: Engine, load: Load, write: Write
) -> None:
    load("suppliers", "locations", "items")
    # Odoo writes the BoM's own columns (Product, Quantity made) on its first line only, and
    # its lines are for that quantity: 12.5 m of cotton make 10 bodies
    text = (
        "Product,Quantity,BoM Lines/Component,BoM Lines/Quantity\n"
        "[TEE-RED-M] Tee red M,1,[TEE-BODY] Tee body,1\n"
        ",,[TEE-PRINT] Custom print,1\n"
        "[TEE-BODY] Tee body,10,[COTTON] Cotton jersey,12.5\n"
    )

    report = import_file(engine, "bom", write("mrp.bom.csv", text))

    assert report.created == 3
    with UnitOfWork(engine, write=False) as uow:
        lines = CatalogRepository(uow.session).bom_lines()
    assert lines == [
        BomLine("TEE-BODY", "COTTON", D("1.25")),
        BomLine("TEE-RED-M", "TEE-BODY", D(1)),
        BomLine("TEE-RED-M", "TEE-PRINT", D(1)),
    ]


def test_an_erpnext_bom_for_a_batch_that_does_not_divide_evenly_is_refused(
    engine: Engine, load: Load, write: Write
) -> None:
    load("suppliers", "locations", "items")
    text = "Item,Quantity,Item Code (Items),Qty (Items)\nTEE-BODY,3,COTTON,1\n"

    with pytest.raises(ImportFailed) as failed:
        import_file(engine, "bom", write("BOM.csv", text))

    assert str(failed.value) == (
        "BOM.csv:2: Qty (Items): 1 per 3 units of the parent has more than 3 decimal places "
        "per unit; write the quantity per unit and leave bom_quantity blank"
    )
