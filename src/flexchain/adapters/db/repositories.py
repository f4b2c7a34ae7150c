"""Repositories: read rows and hand back domain objects (items, BOM lines, options, suppliers with
their capabilities, item-supplier terms, contracts, locations).

They are the read side of the stores beside them: :class:`~flexchain.adapters.db.catalog.
CatalogStore` and :class:`~flexchain.adapters.db.locations.LocationStore` export the BOM, the
options and the locations through them, and the import tests read back what an import stored
through them. Writes go through the stores (the import registry's, the stock ledger's).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased, selectinload

from flexchain.adapters.db.tables import (
    BomLineRow,
    ContractRow,
    ItemRow,
    ItemSupplierRow,
    LocationRow,
    OptionRow,
    SupplierRow,
)
from flexchain.domain.bom import BomLine
from flexchain.domain.catalog import Item, Option
from flexchain.domain.contracts import (
    CapacityReservation,
    Contract,
    ElasticTopUp,
    QualityRetention,
    TieredPrice,
)
from flexchain.domain.errors import NotFound
from flexchain.domain.stock import Location
from flexchain.domain.suppliers import (
    Capability,
    Certification,
    ItemSupplier,
    PriceBreak,
    Supplier,
)


def _item(row: ItemRow, supplier_codes: dict[int, str]) -> Item:
    return Item(
        sku=row.sku,
        name=row.name,
        kind=row.kind,  # type: ignore[arg-type]  # validated into ItemKind by the domain
        uom=row.uom,
        family=row.family,
        attributes=dict(row.attributes or {}),
        module_type=row.module_type,  # type: ignore[arg-type]
        production_cycle_days=row.production_cycle_days,
        moq=row.moq,
        order_multiple=row.order_multiple,
        default_supplier=supplier_codes.get(row.default_supplier_id or 0),
        list_price=row.list_price,
        standard_cost=row.standard_cost,
        currency=row.currency,
        active=row.active,
    )


class CatalogRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _supplier_codes(self) -> dict[int, str]:
        return dict(self.session.execute(select(SupplierRow.id, SupplierRow.code)).all())

    def get(self, sku: str) -> Item:
        row = self.session.scalars(select(ItemRow).where(ItemRow.sku == sku)).one_or_none()
        if row is None:
            raise NotFound(f"unknown item {sku!r}")
        return _item(row, self._supplier_codes())

    def all(self, kind: str | None = None) -> list[Item]:
        query = select(ItemRow).order_by(ItemRow.sku)
        if kind is not None:
            query = query.where(ItemRow.kind == kind)
        codes = self._supplier_codes()
        return [_item(row, codes) for row in self.session.scalars(query)]

    def bom_lines(self) -> list[BomLine]:
        parent, child = aliased(ItemRow), aliased(ItemRow)
        query = (
            select(parent.sku, child.sku, BomLineRow.quantity, BomLineRow.scrap_pct)
            .join(parent, parent.id == BomLineRow.parent_id)
            .join(child, child.id == BomLineRow.child_id)
            .order_by(parent.sku, child.sku)
        )
        return [BomLine(p, c, q, s) for p, c, q, s in self.session.execute(query)]

    def options(self, module_sku: str | None = None) -> list[Option]:
        query = (
            select(OptionRow, ItemRow.sku)
            .join(ItemRow, ItemRow.id == OptionRow.module_id)
            .order_by(ItemRow.sku, OptionRow.code)
        )
        if module_sku is not None:
            query = query.where(ItemRow.sku == module_sku)
        return [
            Option(
                module_sku=sku,
                code=row.code,
                name=row.name,
                price_delta=row.price_delta,
                lead_time_delta_days=row.lead_time_delta_days,
                currency=row.currency,
            )
            for row, sku in self.session.execute(query)
        ]


def _supplier(row: SupplierRow) -> Supplier:
    return Supplier(
        code=row.code,
        name=row.name,
        tier=row.tier,  # type: ignore[arg-type]
        country=row.country,
        latitude=row.latitude,
        longitude=row.longitude,
        capabilities=[
            Capability(
                process=cap.process,  # type: ignore[arg-type]
                capacity_per_day=cap.capacity_per_day,
                moq=cap.moq,
                order_multiple=cap.order_multiple,
                lead_time_mean_days=cap.lead_time_mean_days,
                lead_time_sd_days=cap.lead_time_sd_days,
                sample_lead_time_days=cap.sample_lead_time_days,
            )
            for cap in row.capabilities
        ],
        certifications=[Certification(c.name, c.valid_until) for c in row.certifications],
        payment_terms_days=row.payment_terms_days,
        currency=row.currency,
        carbon_intensity=row.carbon_intensity,
        email=row.email,
        active=row.active,
    )


class SupplierRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _query(self) -> Select[SupplierRow]:
        return select(SupplierRow).options(
            selectinload(SupplierRow.capabilities), selectinload(SupplierRow.certifications)
        )

    def get(self, code: str) -> Supplier:
        row = self.session.scalars(self._query().where(SupplierRow.code == code)).one_or_none()
        if row is None:
            raise NotFound(f"unknown supplier {code!r}")
        return _supplier(row)

    def all(self) -> list[Supplier]:
        rows = self.session.scalars(self._query().order_by(SupplierRow.code))
        return [_supplier(row) for row in rows]

    def item_suppliers(self, item_sku: str | None = None) -> list[ItemSupplier]:
        query = (
            select(ItemSupplierRow, ItemRow.sku, SupplierRow.code)
            .join(ItemRow, ItemRow.id == ItemSupplierRow.item_id)
            .join(SupplierRow, SupplierRow.id == ItemSupplierRow.supplier_id)
            .options(selectinload(ItemSupplierRow.price_breaks))
            .order_by(ItemRow.sku, SupplierRow.code)
        )
        if item_sku is not None:
            query = query.where(ItemRow.sku == item_sku)
        return [
            ItemSupplier(
                item_sku=sku,
                supplier_code=code,
                price_breaks=[PriceBreak(b.min_quantity, b.unit_price) for b in row.price_breaks],
                currency=row.currency,
                lead_time_days=row.lead_time_days,
                moq=row.moq,
                order_multiple=row.order_multiple,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
            )
            for row, sku, code in self.session.execute(query)
        ]


def _contract(row: ContractRow, skus: dict[int, str]) -> Contract:
    topup = retention = capacity = None
    if row.topup_max_units is not None and row.topup_max_premium_pct is not None:
        topup = ElasticTopUp(
            row.topup_max_units, row.topup_max_premium_pct, row.topup_first_max_units
        )
    if row.retention_pct is not None:
        retention = QualityRetention(row.retention_pct, row.retention_settlement or "quarterly")
    if row.capacity_reserved_pct is not None and row.capacity_monthly_fee is not None:
        capacity = CapacityReservation(
            row.capacity_reserved_pct,
            row.capacity_monthly_fee,
            row.capacity_process,  # type: ignore[arg-type]
        )
    return Contract(
        code=row.code,
        supplier_code=row.supplier.code,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        currency=row.currency,
        tiered_prices=sorted(
            (TieredPrice(skus[p.item_id], p.min_quantity, p.unit_price) for p in row.prices),
            key=lambda price: (price.item_sku, price.min_quantity),
        ),
        elastic_topup=topup,
        quality_retention=retention,
        capacity_reservation=capacity,
        notes=row.notes,
    )


class ContractRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _load(self, rows: Sequence[ContractRow]) -> list[Contract]:
        item_ids = {price.item_id for row in rows for price in row.prices}
        skus = dict(
            self.session.execute(
                select(ItemRow.id, ItemRow.sku).where(ItemRow.id.in_(item_ids))
            ).all()
        )
        return [_contract(row, skus) for row in rows]

    def get(self, code: str) -> Contract:
        rows = self.session.scalars(
            select(ContractRow)
            .where(ContractRow.code == code)
            .options(selectinload(ContractRow.prices), selectinload(ContractRow.supplier))
        ).all()
        if not rows:
            raise NotFound(f"unknown contract {code!r}")
        return self._load(rows)[0]

    def all(self, supplier_code: str | None = None) -> list[Contract]:
        query = (
            select(ContractRow)
            .join(SupplierRow, SupplierRow.id == ContractRow.supplier_id)
            .options(selectinload(ContractRow.prices), selectinload(ContractRow.supplier))
            .order_by(ContractRow.code)
        )
        if supplier_code is not None:
            query = query.where(SupplierRow.code == supplier_code)
        return self._load(self.session.scalars(query).all())


class LocationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[Location]:
        rows = self.session.scalars(select(LocationRow).order_by(LocationRow.code)).all()
        codes = {row.id: row.code for row in rows}
        suppliers = dict(self.session.execute(select(SupplierRow.id, SupplierRow.code)).all())
        by_code: dict[str, Location] = {}
        for row in rows:
            by_code[row.code] = Location(
                code=row.code,
                name=row.name,
                kind=row.kind,  # type: ignore[arg-type]
                supplier_code=suppliers.get(row.supplier_id or 0),
                transit_for=codes.get(row.transit_for_id or 0),
            )
        return list(by_code.values())

    def get(self, code: str) -> Location:
        for location in self.all():
            if location.code == code:
                return location
        raise NotFound(f"unknown location {code!r}")
