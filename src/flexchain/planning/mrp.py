"""Multi-level MRP with postponement: explode, net, lot-size, offset, peg.

Items are planned in low-level-code order, so every item is netted once, after all its parents
have released their planned orders. Per item and period (0-based buckets of the plan)::

    gross[t]     = independent demand[t]
                   + sum over parents of their planned releases[t] x qty per unit / (1 - scrap)
    projected[t] = projected[t-1] + receipts[t] + planned[t] - gross[t]
                   (projected[-1] = on hand - allocated)
    planned[t]   > 0 only when projected[t] would fall below safety stock: the shortfall
                   rounded up to the minimum order quantity, then to the order multiple
    release[t - lead time] = planned[t]

**Postponement.** Standard modules (and everything stocked) are planned from forecasts and firm
orders alike; custom modules only from firm demand: a forecast of a finished product is exploded
into its standard children, never into its custom ones.

**Pegging.** Every planned order is pegged, quantity for quantity, to the demand it serves, oldest
first: a firm order (``order:...``), a forecast (``forecast``), a parent's planned order
(``planned:N``), the safety stock (``safety_stock``), or the rounding up to MOQ and multiples
(``lot_size``). The pegs of an order add up exactly to its quantity.

**Exceptions.** ``late`` (the release falls before period 0: the order is released now and arrives
late), ``below_moq`` (a requirement smaller than the MOQ was rounded up), ``excess`` (no order is
needed and the stock left above safety stock at the end is more than the whole horizon's demand).

Quantities are exact: everything is counted in thousandths of a unit (``int``), as the database
stores them; inputs may be ``int``, ``Decimal`` or numeric strings.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flexchain.domain.bom import BomLine, low_level_codes

__all__ = [
    "SCALE",
    "Demand",
    "MrpItem",
    "MrpResult",
    "PlannedOrder",
    "Receipt",
    "mrp",
]

SCALE = 1000
"""Quantities are counted in thousandths of a unit."""


def milli(value: Decimal | int | str, field_name: str) -> int:
    """``value`` in thousandths of a unit, exactly; more than 3 decimals is an error."""
    if type(value) is int:  # the common case, and exact already
        return value * SCALE
    amount = (value if type(value) is Decimal else Decimal(str(value))) * SCALE
    if not amount.is_finite() or amount != (whole := int(amount)):
        raise ValueError(f"{field_name} has more than 3 decimal places: {value}")
    return whole


@dataclass(frozen=True, slots=True)
class MrpItem:
    """One item to plan. ``on_hand`` and ``allocated`` (reserved) are summed over locations."""

    item: str
    lead_time: int = 0
    """Periods between release and receipt."""
    moq: Decimal | int = 0
    multiple: Decimal | int = 1
    make: bool = False
    """A production job (made by a supplier from components) rather than a purchase."""
    custom: bool = False
    """A custom module: planned from firm demand only (postponement)."""
    safety_stock: Decimal | int = 0
    min_lot: Decimal | int = 0
    """The smallest order the policy wants (e.g. an EOQ): orders are at least this much, the
    excess pegged to ``lot_size``; unlike ``moq``, a smaller need is not an exception."""
    on_hand: Decimal | int = 0
    allocated: Decimal | int = 0


@dataclass(frozen=True, slots=True)
class Demand:
    """Independent demand: ``source`` is ``order:REF`` for a firm order, else ``forecast``."""

    item: str
    period: int
    quantity: Decimal | int
    source: str = "forecast"

    @property
    def firm(self) -> bool:
        return not self.source.startswith("forecast")


@dataclass(frozen=True, slots=True)
class Receipt:
    """A scheduled receipt: an open purchase order or production job arriving in ``period``."""

    item: str
    period: int
    quantity: Decimal | int
    source: str


@dataclass(frozen=True)
class PlannedOrder:
    """A proposed purchase or production job: release in ``release_period``, due in
    ``due_period`` (may be before 0 when it is already late: it is then released in period 0)."""

    id: int
    item: str
    kind: str
    """``purchase`` or ``production``."""
    release_period: int
    due_period: int
    quantity: Decimal
    pegs: tuple[tuple[str, Decimal], ...]
    """(demand source, quantity) pairs adding up exactly to ``quantity``."""


@dataclass(frozen=True)
class MrpException:
    item: str
    period: int
    kind: str
    message: str


@dataclass
class MrpResult:
    planned: list[PlannedOrder] = field(default_factory=list)
    exceptions: list[MrpException] = field(default_factory=list)
    gross: dict[str, list[Decimal]] = field(default_factory=dict)
    """Gross requirements per item and period (for explanations and golden files)."""


_Element = tuple[bool, str, int]
"""A demand element of one item in one period: ``(not firm, source, thousandths)``; a period's
elements are kept in pegging order (firm first)."""


def _pegging_order(element: tuple[bool, str, int]) -> tuple[bool, str]:
    return element[0], element[1]


def _round_lot(shortfall: int, moq: int, multiple: int) -> int:
    quantity = max(shortfall, moq)
    if multiple > 0:
        quantity = math.ceil(quantity / multiple) * multiple
    return quantity


ZERO = Decimal(0)


def _dec(value: int) -> Decimal:
    return Decimal(value) / SCALE


def mrp(
    items: Iterable[MrpItem],
    bom: Iterable[BomLine],
    demand: Iterable[Demand],
    receipts: Iterable[Receipt] = (),
    *,
    horizon: int,
    forecast: Mapping[str, Sequence[Decimal | int]] | None = None,
) -> MrpResult:
    """Plan ``horizon`` periods for ``items`` (see the module docstring for the rules).

    ``forecast`` is more independent demand, per item a quantity per period from period 0: the
    same as a ``Demand(item, period, quantity)`` (source ``forecast``) for each, without
    building them (a plan of 100,000 items has millions).

    Items that appear only in ``bom``, ``demand``, ``forecast`` or ``receipts`` are planned with
    default terms (no lead time, no MOQ, no stock). Demand and receipts outside ``[0, horizon)``
    are ignored; a receipt in the past (period < 0) counts as arrived in period 0.

    Raises
    ------
    BomCycleError
        The BOM has a cycle.
    ValueError
        A quantity has more than 3 decimal places, or ``horizon`` is not positive.
    """
    if horizon <= 0:
        raise ValueError(f"horizon must be positive, got {horizon}")
    lines = list(bom)
    terms = {item.item: item for item in items}
    children: dict[str, list[BomLine]] = defaultdict(list)
    for line in lines:
        children[line.parent_sku].append(line)
    codes = low_level_codes(lines)
    buckets = _independent_demand(terms, demand, forecast or {}, horizon)
    names = set(terms) | set(codes) | set(buckets)

    def bucket(item: str, period: int) -> list[_Element]:
        if item not in buckets:
            buckets[item] = [[] for _ in range(horizon)]
            names.add(item)
        return buckets[item][period]

    scheduled: dict[str, list[int]] = defaultdict(lambda: [0] * horizon)
    for receipt in receipts:
        if receipt.period < horizon:
            scheduled[receipt.item][max(receipt.period, 0)] += milli(receipt.quantity, "receipt")
            names.add(receipt.item)

    result = MrpResult()
    order_ids = iter(range(1, 10**12))
    for item in sorted(names, key=lambda name: (codes.get(name, 0), name)):
        spec = terms.get(item, MrpItem(item))
        rows = buckets.get(item) or [[] for _ in range(horizon)]
        totals = [sum(element[2] for element in row) if row else 0 for row in rows]
        orders = _plan_item(
            spec, rows, totals, scheduled.get(item, [0] * horizon), order_ids, result
        )
        result.gross[item] = [_dec(total) if total else ZERO for total in totals]
        components = [
            (line, milli(line.quantity, "bom quantity"), milli(line.scrap_pct, "scrap_pct"))
            for line in children.get(item, ())
        ]
        for order, total, firm in orders:
            release = max(order.release_period, 0)
            for line, per_unit, scrap in components:
                child = terms.get(line.child_sku)
                # postponement: a custom child is made for the firm part of the order only
                parent_quantity = firm if child is not None and child.custom else total
                need = _component_need(parent_quantity, per_unit, scrap)
                if need > 0:
                    bucket(line.child_sku, release).append((False, f"planned:{order.id}", need))
    result.planned.sort(key=lambda order: order.id)
    return result


def _independent_demand(
    terms: Mapping[str, MrpItem],
    demand: Iterable[Demand],
    forecast: Mapping[str, Sequence[Decimal | int]],
    horizon: int,
) -> dict[str, list[list[_Element]]]:
    """Per item and period, the independent demand elements within the horizon, in pegging
    order (firm first, then by source); postponement leaves custom modules' forecasts out."""
    buckets: dict[str, list[list[_Element]]] = {}

    def bucket(item: str, period: int) -> list[_Element]:
        if item not in buckets:
            buckets[item] = [[] for _ in range(horizon)]
        return buckets[item][period]

    for entry in demand:
        if 0 <= entry.period < horizon:
            is_firm = entry.firm
            spec = terms.get(entry.item)
            if spec is not None and spec.custom and not is_firm:
                continue  # postponement: custom modules are made for firm orders only
            quantity = milli(entry.quantity, "quantity")
            if quantity > 0:
                bucket(entry.item, entry.period).append((not is_firm, entry.source, quantity))
    for item, weekly in forecast.items():
        spec = terms.get(item)
        if spec is not None and spec.custom:
            continue  # postponement, as above
        for period, amount in enumerate(weekly[:horizon]):
            if amount and (quantity := milli(amount, "quantity")) > 0:
                bucket(item, period).append((True, "forecast", quantity))
    for rows in buckets.values():  # independent demand in pegging order: firm, then by source
        for row in rows:
            if len(row) > 1:
                row.sort(key=_pegging_order)
    return buckets


def _component_need(parent_quantity: int, per_unit: int, scrap: int) -> int:
    """Thousandths of the child for ``parent_quantity`` thousandths of the parent, ``per_unit``
    thousandths per unit and ``scrap`` thousandths of a percent lost (``qty / (1 - scrap)``),
    rounded up: exact integer arithmetic."""
    numerator = parent_quantity * per_unit * 100 * SCALE
    denominator = SCALE * (100 * SCALE - scrap)
    return -(-numerator // denominator)


def _firm(source: str) -> bool:
    return source.startswith(("order:", "planned:"))


def _plan_item(
    spec: MrpItem,
    rows: Sequence[list[_Element]],
    totals: Sequence[int],
    receipts: Sequence[int],
    ids: Iterator[int],
    result: MrpResult,
) -> list[tuple[PlannedOrder, int, int]]:
    """Net one item; returns each planned order with its quantity and its firm part (pegged to
    orders and parents' planned orders), in thousandths."""
    safety = milli(spec.safety_stock, "safety_stock")
    moq = milli(spec.moq, "moq")
    min_lot = milli(spec.min_lot, "min_lot")
    multiple = milli(spec.multiple, "multiple")
    projected = milli(spec.on_hand, "on_hand") - milli(spec.allocated, "allocated")
    kind = "production" if spec.make else "purchase"
    orders: list[tuple[PlannedOrder, int, int]] = []
    # what the stock on hand (above safety stock) and receipts cover is pegged to nothing new
    free = projected - safety
    pending: list[tuple[str, int]] = []  # demand elements not yet covered, oldest first
    for period, row in enumerate(rows):
        free += receipts[period]
        if free < 0:  # below safety stock even after what arrives: rebuild it first
            pending.append(("safety_stock", -free))
            free = 0
        for _, source, quantity in row:
            covered = min(free, quantity)
            free -= covered
            if quantity > covered:
                pending.append((source, quantity - covered))
        if not pending:
            continue
        shortfall = sum(quantity for _, quantity in pending)
        quantity = _round_lot(max(shortfall, min_lot), moq, multiple)
        pegs = list(pending)
        if quantity > shortfall:
            pegs.append(("lot_size", quantity - shortfall))
            if shortfall < moq:
                result.exceptions.append(_below_moq(spec, period, shortfall, quantity))
        free += quantity - shortfall
        merged = _merge(pegs)
        firm = sum(amount for source, amount in merged if _firm(source))
        pending = []
        release = period - spec.lead_time
        order = PlannedOrder(
            id=next(ids),
            item=spec.item,
            kind=kind,
            release_period=release,
            due_period=period,
            quantity=_dec(quantity),
            pegs=tuple((source, _dec(amount)) for source, amount in merged),
        )
        if release < 0:
            result.exceptions.append(_late(spec, period))
        orders.append((order, quantity, firm))
        result.planned.append(order)
    demand_total = sum(totals)
    if not orders and free > demand_total:
        result.exceptions.append(
            MrpException(
                spec.item,
                horizon_end(rows),
                "excess",
                f"{_dec(free)} left above safety stock at the end of the horizon, more than the "
                f"{_dec(demand_total)} the whole horizon needs",
            )
        )
    return orders


def _below_moq(spec: MrpItem, period: int, shortfall: int, quantity: int) -> MrpException:
    message = f"needs {_dec(shortfall)}, ordered the minimum {_dec(quantity)}"
    return MrpException(spec.item, period, "below_moq", message)


def _late(spec: MrpItem, period: int) -> MrpException:
    message = (
        f"due in period {period} but needs {spec.lead_time} periods: released now, "
        f"arrives in period {spec.lead_time}"
    )
    return MrpException(spec.item, period, "late", message)


def horizon_end(rows: Sequence[object]) -> int:
    return len(rows) - 1


def _merge(pegs: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """Pegs to the same source added together, in first-seen order."""
    merged: dict[str, int] = {}
    for source, quantity in pegs:
        merged[source] = merged.get(source, 0) + quantity
    return list(merged.items())


def pegged_total(order: PlannedOrder) -> Decimal:
    """The sum of an order's pegs (always its quantity)."""
    return sum((quantity for _, quantity in order.pegs), Decimal(0))


def by_item(orders: Iterable[PlannedOrder]) -> Mapping[str, list[PlannedOrder]]:
    grouped: dict[str, list[PlannedOrder]] = defaultdict(list)
    for order in orders:
        grouped[order.item].append(order)
    return grouped
