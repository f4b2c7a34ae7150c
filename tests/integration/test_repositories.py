"""Repositories hand back domain objects equal to what was stored (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from flexchain.adapters.db.repositories import (
    CatalogRepository,
    ContractRepository,
    LocationRepository,
    SupplierRepository,
)
from flexchain.adapters.db.tables import (
    BomLineRow,
    CapabilityRow,
    CertificationRow,
    ContractPriceRow,
    ContractRow,
    ItemRow,
    ItemSupplierRow,
    LocationRow,
    OptionRow,
    PriceBreakRow,
    SupplierRow,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.catalog import ItemKind, ModuleType
from flexchain.domain.errors import NotFound
from flexchain.domain.stock import LocationKind
from flexchain.domain.suppliers import Process, Tier

Factory = Callable[..., UnitOfWork]


@pytest.fixture
def stored(make_uow: Factory) -> Factory:
    with make_uow() as uow:
        s = uow.session
        sewer = SupplierRow(
            code="SEW-1",
            name="Atelier Nord",
            tier="S",
            country="PT",
            latitude=Decimal("41.15"),
            longitude=Decimal("-8.61"),
            carbon_intensity=Decimal("2.4"),
        )
        sewer.capabilities.append(
            CapabilityRow(
                process="sewing",
                capacity_per_day=Decimal(120),
                moq=Decimal(50),
                lead_time_mean_days=Decimal(12),
                lead_time_sd_days=Decimal("2.5"),
            )
        )
        sewer.certifications.append(
            CertificationRow(name="OEKO-TEX", valid_until=date(2027, 6, 30))
        )
        jacket = ItemRow(
            sku="JKT-NYL-RED-M",
            name="Trail jacket",
            kind="finished",
            family="JKT",
            attributes={"material": "NYL", "colour": "RED", "size": "M"},
            list_price=Decimal("189.00"),
            default_supplier=sewer,
        )
        hood = ItemRow(sku="MOD-HOOD", name="Hood", kind="module", module_type="standard")
        dye = ItemRow(sku="MOD-DYE", name="Dye", kind="module", module_type="custom")
        fabric = ItemRow(sku="RAW-NYL", name="Nylon", kind="raw", uom="m")
        s.add_all([sewer, jacket, hood, dye, fabric])
        s.flush()
        s.add_all(
            [
                BomLineRow(parent_id=jacket.id, child_id=hood.id, quantity=Decimal(1)),
                BomLineRow(parent_id=jacket.id, child_id=dye.id, quantity=Decimal(1)),
                BomLineRow(
                    parent_id=hood.id,
                    child_id=fabric.id,
                    quantity=Decimal("0.45"),
                    scrap_pct=Decimal(5),
                ),
                OptionRow(
                    module_id=dye.id,
                    code="INDIGO",
                    name="Indigo",
                    price_delta=Decimal("12.50"),
                    lead_time_delta_days=3,
                ),
            ]
        )
        terms = ItemSupplierRow(
            item_id=fabric.id,
            supplier_id=sewer.id,
            lead_time_days=10,
            moq=Decimal(5),
            order_multiple=Decimal(5),
        )
        terms.price_breaks.extend(
            [
                PriceBreakRow(min_quantity=Decimal(0), unit_price=Decimal("8.20")),
                PriceBreakRow(min_quantity=Decimal(100), unit_price=Decimal("7.45")),
            ]
        )
        contract = ContractRow(
            code="C-2026-SEW",
            supplier_id=sewer.id,
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
            topup_max_units=Decimal(200),
            topup_max_premium_pct=Decimal(8),
            retention_pct=Decimal(3),
            retention_settlement="quarterly",
            capacity_reserved_pct=Decimal(20),
            capacity_monthly_fee=Decimal("450.00"),
            capacity_process="sewing",
        )
        contract.prices.append(
            ContractPriceRow(item_id=fabric.id, min_quantity=Decimal(0), unit_price=Decimal("7.9"))
        )
        wh = LocationRow(code="WH", name="Warehouse", kind="warehouse")
        s.add_all([terms, contract, wh])
        s.add(LocationRow(code="TR-WH", name="To warehouse", kind="transit", transit_for=wh))
        uow.commit()
    return make_uow


def test_catalog_repository_returns_items_bom_and_options(stored: Factory) -> None:
    with stored(write=False) as uow:
        repo = CatalogRepository(uow.session)
        jacket = repo.get("JKT-NYL-RED-M")
        assert jacket.kind is ItemKind.FINISHED
        assert jacket.default_supplier == "SEW-1"
        assert jacket.list_price == Decimal("189")
        assert jacket.attributes == {"material": "NYL", "colour": "RED", "size": "M"}
        assert repo.get("MOD-DYE").module_type is ModuleType.CUSTOM
        assert [(b.parent_sku, b.child_sku, b.quantity, b.scrap_pct) for b in repo.bom_lines()] == [
            ("JKT-NYL-RED-M", "MOD-DYE", 1, 0),
            ("JKT-NYL-RED-M", "MOD-HOOD", 1, 0),
            ("MOD-HOOD", "RAW-NYL", Decimal("0.45"), 5),
        ]
        (option,) = repo.options("MOD-DYE")
        assert (option.code, option.price_delta, option.lead_time_delta_days) == (
            "INDIGO",
            Decimal("12.50"),
            3,
        )
        assert [item.sku for item in repo.all(kind="module")] == ["MOD-DYE", "MOD-HOOD"]


def test_supplier_repository_returns_capabilities_terms_and_certifications(
    stored: Factory,
) -> None:
    with stored(write=False) as uow:
        repo = SupplierRepository(uow.session)
        sewer = repo.get("SEW-1")
        assert sewer.tier is Tier.S
        assert sewer.latitude == Decimal("41.15")
        capability = sewer.capability(Process.SEWING)
        assert capability is not None
        assert (capability.moq, capability.lead_time_sd_days) == (50, Decimal("2.5"))
        assert sewer.certifications[0].valid_until == date(2027, 6, 30)
        (terms,) = repo.item_suppliers("RAW-NYL")
        assert terms.unit_price(Decimal(150)) == Decimal("7.45")
        assert terms.round_quantity(Decimal(7)) == 10


def test_contract_repository_returns_every_clause(stored: Factory) -> None:
    with stored(write=False) as uow:
        contract = ContractRepository(uow.session).get("C-2026-SEW")
        assert contract.supplier_code == "SEW-1"
        assert contract.elastic_topup is not None
        assert contract.elastic_topup.max_units == 200
        assert contract.quality_retention is not None
        assert contract.quality_retention.retained(Decimal("1000.00")) == Decimal("30.00")
        assert contract.capacity_reservation is not None
        assert contract.capacity_reservation.process is Process.SEWING
        assert contract.price_for("RAW-NYL", Decimal(10)) == Decimal("7.9")


def test_location_repository_resolves_transit_destinations(stored: Factory) -> None:
    with stored(write=False) as uow:
        transit = LocationRepository(uow.session).get("TR-WH")
        assert (transit.kind, transit.transit_for) == (LocationKind.TRANSIT, "WH")


def test_unknown_keys_raise_not_found(stored: Factory) -> None:
    with stored(write=False) as uow:
        with pytest.raises(NotFound, match="unknown item 'NOPE'"):
            CatalogRepository(uow.session).get("NOPE")
        with pytest.raises(NotFound, match="unknown supplier"):
            SupplierRepository(uow.session).get("NOPE")
