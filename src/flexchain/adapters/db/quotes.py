"""The quote store: one product's :class:`~flexchain.domain.quotes.QuoteSnapshot` in a fixed handful
of queries (product, BOM tree, options, supplier terms with their price breaks, stock, expired
reservations, capabilities with their booked load: never one query per module).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, func, or_, select

from flexchain.adapters.db.tables import (
    Base,
    BomLineRow,
    CapabilityRow,
    ItemRow,
    ItemSupplierRow,
    LocationRow,
    OptionRow,
    PriceBreakRow,
    ProductionJobRow,
    ReservationRow,
    StockBalanceRow,
    SupplierRow,
)
from flexchain.adapters.db.types import UTCDateTime
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.assignment import HORIZON_DAYS, Candidate
from flexchain.domain.bom import BomLine
from flexchain.domain.catalog import Item, Option
from flexchain.domain.errors import NotFound
from flexchain.domain.orders import JobStatus
from flexchain.domain.quote_model import QuoteSnapshot
from flexchain.domain.stock import LocationKind, ReservationStatus
from flexchain.domain.suppliers import ItemSupplier, PriceBreak, Process

__all__ = [
    "ITEMS",
    "ITEMS_BY_ID",
    "ITEM_COLUMNS",
    "OPEN_JOBS",
    "STOCK_KINDS",
    "TREES",
    "SqlQuoteStore",
    "item_of",
    "load_snapshot",
    "material_stock",
]

_ZERO = Decimal(0)

STOCK_KINDS = (LocationKind.WAREHOUSE.value, LocationKind.FACTORY.value)
"""Where stock counts as available to a quote (transit is not here yet)."""
OPEN_JOBS = tuple(status for status in JobStatus if status.is_open)
"""Jobs whose units still load a supplier's capacity (:attr:`JobStatus.is_open`: planned,
released, started; not finished, done or cancelled)."""


def _table(row: type[Base]) -> Table:
    return cast(Table, row.__table__)


# The statements are built once, with bound parameters, so SQLAlchemy compiles each of them once
# per engine and a quote pays only for running them (a quote is on the checkout's hot path).
_I, _S, _B = _table(ItemRow), _table(SupplierRow), _table(BomLineRow)
_DEFAULT = _S.alias("default_supplier")
_ITEM_COLUMNS = (
    _I.c.id,
    _I.c.sku,
    _I.c.name,
    _I.c.kind,
    _I.c.uom,
    _I.c.family,
    _I.c.attributes,
    _I.c.module_type,
    _I.c.production_cycle_days,
    _I.c.moq,
    _I.c.order_multiple,
    _DEFAULT.c.code.label("default_supplier"),
    _I.c.list_price,
    _I.c.standard_cost,
    _I.c.currency,
    _I.c.active,
)
_ITEMS = _I.outerjoin(_DEFAULT, _DEFAULT.c.id == _I.c.default_supplier_id)
ITEM_COLUMNS, ITEMS = _ITEM_COLUMNS, _ITEMS
"""The columns :func:`item_of` reads, and the items joined to their default supplier."""
PRODUCT = select(*_ITEM_COLUMNS).select_from(_ITEMS).where(_I.c.sku == bindparam("sku"))


def _tree_statement(*, many: bool = False) -> Select[Any]:
    """Every BOM line below ``:product_id`` (``many``: below any of ``:ids``) with its child
    item, in one recursive query.

    ``UNION`` (not ``UNION ALL``) keeps the walk finite even if the data held a cycle.
    """
    start = (
        _B.c.parent_id.in_(bindparam("ids", expanding=True))
        if many
        else _B.c.parent_id == bindparam("product_id")
    )
    tree = select(_B.c.id, _B.c.child_id).where(start).cte("tree", recursive=True)
    below = _B.alias("below")
    tree = tree.union(
        select(below.c.id, below.c.child_id).join(tree, below.c.parent_id == tree.c.child_id)
    )
    return (
        select(
            *_ITEM_COLUMNS,
            _B.c.parent_id.label("line_parent"),
            _B.c.quantity.label("line_quantity"),
            _B.c.scrap_pct.label("line_scrap"),
        )
        .select_from(_B.join(_ITEMS, _I.c.id == _B.c.child_id))
        .where(_B.c.id.in_(select(tree.c.id)))
        .order_by(_B.c.id)
    )


TREE = _tree_statement()
TREES = _tree_statement(many=True)
"""The BOM trees below several products (``:ids``), as :data:`TREE`."""
ITEMS_BY_ID = (
    select(*_ITEM_COLUMNS).select_from(_ITEMS).where(_I.c.id.in_(bindparam("ids", expanding=True)))
)
_O = _table(OptionRow)
OPTIONS = (
    select(
        _I.c.sku, _O.c.code, _O.c.name, _O.c.price_delta, _O.c.lead_time_delta_days, _O.c.currency
    )
    .select_from(_O.join(_I, _I.c.id == _O.c.module_id))
    .where(_O.c.module_id.in_(bindparam("ids", expanding=True)))
    .order_by(_I.c.sku, _O.c.id)
)
_T, _P = _table(ItemSupplierRow), _table(PriceBreakRow)
TERMS = (
    select(
        _T.c.id,
        _I.c.sku,
        _S.c.code,
        _T.c.currency,
        _T.c.lead_time_days,
        _T.c.moq,
        _T.c.order_multiple,
        _T.c.valid_from,
        _T.c.valid_to,
        _P.c.min_quantity,
        _P.c.unit_price,
    )
    .select_from(
        _T.join(_I, _I.c.id == _T.c.item_id)
        .join(_S, _S.c.id == _T.c.supplier_id)
        .join(_P, _P.c.item_supplier_id == _T.c.id)
    )
    .where(_T.c.item_id.in_(bindparam("ids", expanding=True)), _S.c.active.is_(True))
    .order_by(_I.c.sku, _S.c.code, _P.c.min_quantity)
)
_SB, _L, _R = _table(StockBalanceRow), _table(LocationRow), _table(ReservationRow)
STOCK = (
    select(_SB.c.item_id, _L.c.kind, func.sum(_SB.c.on_hand), func.sum(_SB.c.reserved))
    .select_from(_SB.join(_L, _L.c.id == _SB.c.location_id))
    .where(_SB.c.item_id.in_(bindparam("ids", expanding=True)), _L.c.kind.in_(STOCK_KINDS))
    .group_by(_SB.c.item_id, _L.c.kind)
)
EXPIRED = (
    select(_R.c.item_id, _L.c.kind, func.sum(_R.c.quantity))
    .select_from(_R.join(_L, _L.c.id == _R.c.location_id))
    .where(
        _R.c.item_id.in_(bindparam("ids", expanding=True)),
        _L.c.kind.in_(STOCK_KINDS),
        _R.c.status == ReservationStatus.ACTIVE.value,
        _R.c.expires_at.is_not(None),
        _R.c.expires_at <= bindparam("now", type_=UTCDateTime()),
    )
    .group_by(_R.c.item_id, _L.c.kind)
)
_C, _J = _table(CapabilityRow), _table(ProductionJobRow)
_BOOKED = (
    select(_J.c.supplier_id, _J.c.process, func.sum(_J.c.quantity).label("units"))
    .where(
        _J.c.status.in_([status.value for status in OPEN_JOBS]),
        _J.c.supplier_id.is_not(None),
        or_(_J.c.planned_start.is_(None), _J.c.planned_start < bindparam("horizon_end")),
    )
    .group_by(_J.c.supplier_id, _J.c.process)
    .subquery("booked")
)
CANDIDATES = (
    select(
        _S.c.code,
        _S.c.tier,
        _C.c.process,
        _C.c.capacity_per_day,
        _C.c.lead_time_mean_days,
        _C.c.moq,
        _BOOKED.c.units,
    )
    .select_from(
        _C.join(_S, _S.c.id == _C.c.supplier_id).outerjoin(
            _BOOKED,
            and_(_BOOKED.c.supplier_id == _C.c.supplier_id, _BOOKED.c.process == _C.c.process),
        )
    )
    .where(_S.c.active.is_(True))
    .order_by(_C.c.process, _S.c.code)
)


def load_snapshot(
    uow: UnitOfWork, sku: str, *, today: date, horizon_days: int = HORIZON_DAYS
) -> QuoteSnapshot:
    """Everything a quote of ``sku`` reads, in at most seven queries whatever the product's size.

    Stock available is on hand minus reserved in warehouses and factories, not counting
    reservations expired by the start of ``today`` (UTC). Booked load is the units of open jobs
    (:data:`OPEN_JOBS`) per supplier and process that start before ``today + horizon_days`` (or
    have no start yet).
    """
    run = uow.session.connection().execute
    product = run(PRODUCT, {"sku": sku}).one_or_none()
    if product is None:
        raise NotFound(f"unknown product {sku!r}")
    found = run(TREE, {"product_id": product.id}).all()
    rows = {product.id: product, **{row.id: row for row in found}}
    skus = {item_id: row.sku for item_id, row in rows.items()}
    lines = tuple(
        BomLine(skus[row.line_parent], row.sku, row.line_quantity, row.line_scrap) for row in found
    )
    ids = list(rows)
    custom = [row.id for row in rows.values() if row.module_type == "custom"]
    # A quote reads supplier terms for lead times of materials and for costs it has no standard
    # cost for; a module's standard cost in the product's currency makes its terms unnecessary.
    costed = [row.id for row in rows.values() if _needs_terms(row, product.currency)]
    if not found:
        costed.append(product.id)  # bought finished: its terms give the lead time
    now = datetime.combine(today, time.min, tzinfo=UTC)
    items = {row.sku: item_of(row) for row in rows.values()}
    available, pickable = _available(
        skus, run(STOCK, {"ids": ids}).all(), run(EXPIRED, {"ids": ids, "now": now}).all()
    )
    return QuoteSnapshot(
        product=items[product.sku],
        items=items,
        bom=lines,
        options=_options(run(OPTIONS, {"ids": custom}).all() if custom else []),
        terms=_terms(run(TERMS, {"ids": costed}).all() if costed else []),
        available=available,
        candidates=_candidates(
            run(CANDIDATES, {"horizon_end": today + timedelta(days=horizon_days)}).all()
        ),
        pickable=pickable,
    )


def material_stock(
    uow: UnitOfWork, skus: Mapping[int, str], terms_for: Iterable[int], *, today: date
) -> tuple[dict[str, Decimal], dict[str, tuple[ItemSupplier, ...]]]:
    """Stock available per SKU of the items ``skus`` (by id), counted as a quote counts it, and
    the supplier terms of the items ``terms_for``: what an order's materials wait for."""
    run = uow.session.connection().execute
    now = datetime.combine(today, time.min, tzinfo=UTC)
    ids = list(skus)
    available, _ = _available(
        skus, run(STOCK, {"ids": ids}).all(), run(EXPIRED, {"ids": ids, "now": now}).all()
    )
    wanted = list(terms_for)
    return available, _terms(run(TERMS, {"ids": wanted}).all() if wanted else [])


def _needs_terms(row: Any, currency: str) -> bool:
    if row.kind == "finished":
        return False
    has_cost = row.standard_cost is not None and row.currency == currency
    return not (row.kind == "module" and has_cost)


def item_of(row: Any) -> Item:
    """A catalog item from a row of the item columns (with ``default_supplier`` as its code)."""
    return Item(
        sku=row.sku,
        name=row.name,
        kind=row.kind,
        uom=row.uom,
        family=row.family,
        attributes=dict(row.attributes or {}),
        module_type=row.module_type,
        production_cycle_days=row.production_cycle_days,
        moq=row.moq,
        order_multiple=row.order_multiple,
        default_supplier=row.default_supplier,
        list_price=row.list_price,
        standard_cost=row.standard_cost,
        currency=row.currency,
        active=row.active,
    )


def _options(rows: Iterable[Any]) -> dict[str, tuple[Option, ...]]:
    options: dict[str, list[Option]] = defaultdict(list)
    for sku, code, name, price_delta, lead_days, currency in rows:
        options[sku].append(Option(sku, code, name, price_delta, lead_days, currency))
    return {sku: tuple(found) for sku, found in options.items()}


def _terms(rows: Iterable[Any]) -> dict[str, tuple[ItemSupplier, ...]]:
    """Supplier terms per SKU from one row per price break (terms without a price are left out)."""
    breaks: dict[int, list[PriceBreak]] = defaultdict(list)
    first: dict[int, Any] = {}
    for row in rows:
        first.setdefault(row.id, row)
        breaks[row.id].append(PriceBreak(row.min_quantity, row.unit_price))
    terms: dict[str, list[ItemSupplier]] = defaultdict(list)
    for term_id, row in first.items():
        terms[row.sku].append(
            ItemSupplier(
                item_sku=row.sku,
                supplier_code=row.code,
                price_breaks=breaks[term_id],
                currency=row.currency,
                lead_time_days=row.lead_time_days,
                moq=row.moq,
                order_multiple=row.order_multiple,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
            )
        )
    return {sku: tuple(found) for sku, found in terms.items()}


def _available(
    skus: Mapping[int, str], balances: Iterable[Any], expired: Iterable[Any]
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """On hand minus reserved per SKU, with reservations past their expiry freed: everywhere
    stock counts, and in warehouses only (what an order picks from)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    pickable: dict[str, Decimal] = defaultdict(Decimal)
    for item_id, kind, on_hand, reserved in balances:
        amount = (on_hand or _ZERO) - (reserved or _ZERO)
        totals[skus[item_id]] += amount
        if kind == LocationKind.WAREHOUSE.value:
            pickable[skus[item_id]] += amount
    for item_id, kind, units in expired:
        totals[skus[item_id]] += units or _ZERO
        if kind == LocationKind.WAREHOUSE.value:
            pickable[skus[item_id]] += units or _ZERO
    return dict(totals), dict(pickable)


def _candidates(rows: Iterable[Any]) -> dict[Process, tuple[Candidate, ...]]:
    """Every active supplier's capabilities, with the units of open jobs booked in the horizon."""
    found: dict[Process, list[Candidate]] = defaultdict(list)
    for code, tier, process, capacity, lead_days, moq, booked in rows:
        candidate = Candidate(code, process, tier, capacity, lead_days, moq, booked or _ZERO)
        found[candidate.process].append(candidate)
    return {process: tuple(candidates) for process, candidates in found.items()}


class SqlQuoteStore:
    """Loads quote snapshots in a unit of work (read-only is enough)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def load_snapshot(
        self, sku: str, *, today: date, horizon_days: int = HORIZON_DAYS
    ) -> QuoteSnapshot:
        return load_snapshot(self.uow, sku, today=today, horizon_days=horizon_days)
