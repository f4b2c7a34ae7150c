"""The write side of order intake: every statement that creates, locks and loads what a batch of
incoming orders needs.

The statements are the fast ones intake was tuned with: one upsert creates a batch's new orders
and locks all of them in key order (on PostgreSQL as one array per column, unnested, so the
statement text is the same for any batch size), and the catalog lookups of earlier batches are
kept while the catalog version has not moved (:class:`CatalogCache`).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from flexchain.adapters.db import catalog_version
from flexchain.adapters.db.dialect import Insert, insert_for, is_postgresql
from flexchain.adapters.db.tables import (
    BomLineRow,
    ItemRow,
    OptionRow,
    SalesOrderLineRow,
    SalesOrderRow,
    ShopRow,
    SkuMappingRow,
    utcnow,
)
from flexchain.domain.catalog import Option

Order = SalesOrderRow
"""A stored sales order as the store hands it out; the use case sets its fields."""
Line = SalesOrderLineRow
"""A stored order line as the store hands it out."""
Shop = ShopRow
"""A storefront as the store hands it out."""
CustomModules = dict[int, list[tuple[list[str], list[Option], str]]]
"""Per product, its custom modules: the names a property may use, its options, its SKU."""

STAMPS = ("created_at", "updated_at")
NEW_ORDER_COLUMNS = (
    "shop_id",
    "external_id",
    "number",
    "status",
    "currency",
    "tracking_token",
    "speed_tier",
)
"""The columns a new order row is given (besides :data:`STAMPS`, which the store fills)."""


@functools.cache
def _new_orders_unnested() -> postgresql.Insert:
    """``INSERT INTO sales_orders (...) SELECT unnest(:new_shop_id), ...``: PostgreSQL's insert
    of new order rows given as one array per column (one statement text for any number of
    rows), built once."""
    table = cast(Table, SalesOrderRow.__table__)
    arrays = [
        func.unnest(bindparam(f"new_{name}", type_=ARRAY(table.c[name].type))).label(name)
        for name in NEW_ORDER_COLUMNS
    ]
    stamps = [bindparam(f"new_{name}", type_=table.c[name].type).label(name) for name in STAMPS]
    return postgresql.insert(table).from_select(
        [*NEW_ORDER_COLUMNS, *STAMPS], select(*arrays, *stamps)
    )


def _stamped(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    now = utcnow()
    return [{**row, "created_at": now, "updated_at": now} for row in rows]


def upsert_orders(session: Session, rows: Sequence[dict[str, Any]]) -> list[Order]:
    """Create the orders of ``rows`` (:data:`NEW_ORDER_COLUMNS`, in key order) that are new and
    lock them all, in two statements; the stored orders, loaded fresh, in id order.

    One upsert creates the new orders and locks every order of the batch through the unique
    index on (shop, external id), in key order, so two batches never wait on each other in a
    cycle; its ids then load the rows by primary key. (Looking the keys up by
    ``(shop_id, external_id) IN (...)`` instead let PostgreSQL scan every order of the shop
    while the table grew faster than its statistics.)
    """
    if not rows:
        return []
    stamped = _stamped(rows)
    table = cast(Table, SalesOrderRow.__table__)
    if is_postgresql(session):
        # the rows as one array per column, unnested: the statement's text is the same
        # whatever the batch size (psycopg parses a multi-row VALUES list every time)
        upsert: Insert = _new_orders_unnested()
        arrays = {f"new_{name}": [row[name] for row in stamped] for name in NEW_ORDER_COLUMNS}
        stamps = {f"new_{name}": stamped[0][name] for name in STAMPS}
        values: dict[str, Any] | list[dict[str, Any]] = arrays | stamps
    else:
        upsert, values = insert_for(session, table), stamped
    ids = session.scalars(
        upsert.on_conflict_do_update(
            index_elements=["shop_id", "external_id"],
            set_={"shop_id": upsert.excluded.shop_id},
        ).returning(SalesOrderRow.id),
        values,
    ).all()
    return list(
        session.scalars(
            select(SalesOrderRow)
            .where(SalesOrderRow.id.in_(ids))
            .order_by(SalesOrderRow.id)
            .execution_options(populate_existing=True)
        )
    )


def lock_order(session: Session, row: dict[str, Any]) -> Order:
    """The stored order of ``row`` (:data:`NEW_ORDER_COLUMNS`), created empty if new, locked for
    this transaction (per-order queue)."""
    (values,) = _stamped([row])
    session.execute(
        insert_for(session, SalesOrderRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["shop_id", "external_id"])
    )
    return session.scalars(
        select(SalesOrderRow)
        .where(
            SalesOrderRow.shop_id == row["shop_id"],
            SalesOrderRow.external_id == row["external_id"],
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def load_shops(session: Session, ids: Iterable[int], *, detach: bool = False) -> list[Shop]:
    """The shops of ``ids`` that exist; with ``detach``, out of the session (to be kept by a
    :class:`CatalogCache` beyond this transaction)."""
    shops = list(session.scalars(select(ShopRow).where(ShopRow.id.in_(set(ids)))))
    if detach:
        for shop in shops:
            session.expunge(shop)
    return shops


def mapping_targets(
    session: Session, shop_id: int, keys: Iterable[str]
) -> list[tuple[int | None, str, int]]:
    """(owner shop or ``None`` for a global mapping, external key, item id) of every mapping of
    ``keys`` the shop sees."""
    return [
        (owner, key, target)
        for owner, key, target in session.execute(
            select(SkuMappingRow.shop_id, SkuMappingRow.external_key, SkuMappingRow.item_id).where(
                SkuMappingRow.external_key.in_(set(keys)),
                or_(SkuMappingRow.shop_id == shop_id, SkuMappingRow.shop_id.is_(None)),
            )
        ).all()
    ]


def item_ids(session: Session, skus: Iterable[str]) -> dict[str, int]:
    """Item ids of the ``skus`` that exist."""
    return dict(
        session.execute(  # type: ignore[arg-type]
            select(ItemRow.sku, ItemRow.id).where(ItemRow.sku.in_(set(skus)))
        ).all()
    )


def custom_modules(session: Session, product_ids: set[int]) -> CustomModules:
    """Per product, its custom modules: the names a property may use, its options, its SKU."""
    if not product_ids:
        return {}
    rows = session.execute(
        select(BomLineRow.parent_id, ItemRow)
        .join(ItemRow, ItemRow.id == BomLineRow.child_id)
        .where(BomLineRow.parent_id.in_(product_ids), ItemRow.module_type == "custom")
        .order_by(BomLineRow.parent_id, ItemRow.sku)
    ).all()
    module_ids = {item.id for _, item in rows}
    options: dict[int, list[Option]] = {}
    for option in (
        session.scalars(
            select(OptionRow).where(OptionRow.module_id.in_(module_ids)).order_by(OptionRow.id)
        )
        if module_ids
        else ()
    ):
        module = next(item for _, item in rows if item.id == option.module_id)
        options.setdefault(option.module_id, []).append(
            Option(
                module.sku,
                option.code,
                option.name,
                option.price_delta,
                option.lead_time_delta_days,
                option.currency,
            )
        )
    result: CustomModules = {}
    for parent, item in rows:
        labels = [item.name, item.sku, *(str(v) for v in (item.attributes or {}).values())]
        labels += [str(k) for k in (item.attributes or {})]
        result.setdefault(parent, []).append((labels, options.get(item.id, []), item.sku))
    return result


def stored_lines(session: Session, order_id: int) -> dict[str, Line]:
    """The order's stored lines by external line id."""
    return {
        row.external_line_id: row
        for row in session.scalars(
            select(SalesOrderLineRow).where(SalesOrderLineRow.order_id == order_id)
        )
    }


@dataclass(frozen=True)
class NewLine:
    """What an incoming order says of one line, resolved to one of our items."""

    key: str
    """The store's line id."""
    item_id: int
    quantity: Decimal
    unit_price: Decimal
    options: list[dict[str, Any]]
    properties: dict[str, str]


def write_lines(
    session: Session, order_id: int, stored: dict[str, Line], incoming: Sequence[NewLine]
) -> list[Line]:
    """Upsert the order's lines by line id; a line the store removed keeps quantity 0. Returns
    the lines with a quantity, in the order of ``incoming``."""
    seen = set()
    lines = []
    for entry in incoming:
        seen.add(entry.key)
        row = stored.get(entry.key)
        if row is None:
            row = SalesOrderLineRow(order_id=order_id, external_line_id=entry.key)
            session.add(row)
        row.item_id = entry.item_id
        row.quantity = entry.quantity
        row.unit_price = entry.unit_price
        row.options = entry.options
        row.properties = entry.properties
        row.reserved = Decimal(0)
        row.backordered = Decimal(0)
        if entry.quantity > 0:
            lines.append(row)
    for key, row in stored.items():
        if key not in seen:
            row.quantity = Decimal(0)
    return lines


class CatalogCache:
    """Catalog lookups kept from one batch to the next while the catalog does not change.

    Each batch reads the catalog version (:func:`~flexchain.adapters.db.catalog_version.version`,
    bumped by triggers whenever an item, BOM line, option, SKU mapping, shop, location, supplier or
    capability changes, whoever changes it); while it is the one the lookups were made at, they
    are reused, else they are all dropped and made again. Stock, reservations, orders and the
    load booked on suppliers are never kept: they are read by every batch. Used by one thread.
    """

    def __init__(self) -> None:
        self.version: int | None = None
        self._lookups: defaultdict[str, dict[Any, Any]] = defaultdict(dict)

    def current(self, session: Any) -> defaultdict[str, dict[Any, Any]]:
        """The lookups valid at the catalog version ``session`` sees (empty after a change)."""
        found = catalog_version.version(session)
        if found != self.version:
            self.version, self._lookups = found, defaultdict(dict)
        return self._lookups
