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
late), ``short`` (demand that stock and receipts do not cover, in a period before a new order can
arrive: the projected stock without new orders falls below zero within the lead time; the
largest such shortfall is reported, at the first period it appears), ``below_moq`` (a requirement
smaller than the MOQ was rounded up), ``excess`` (no order is needed and the stock left above
safety stock at the end is more than the whole horizon's demand).

**Locations and transfers.** A buffer is an item at a location (``MrpItem.location``; ``""`` is
the home location). Demand, receipts and forecasts name their location; a parent's components
are needed at the parent's location. All buffers of an item are netted together, after every
parent: a buffer's *surplus* is the stock it never needs over the horizon (the lowest projected
stock without new orders, less its safety stock). Before a purchase or production order is
planned at one location, the surplus of the item's other locations is proposed as ``transfer``
planned orders (``from_location`` -> ``location``, due when needed, released
``transfer_lead_time`` periods earlier), pegged to the demand they serve; only what transfers
cannot cover is bought or made.

Quantities are exact: everything is counted in thousandths of a unit (``int``), as the database
stores them; inputs may be ``int``, ``Decimal`` or numeric strings.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from flexchain.domain.bom import BomLine, low_level_codes
from flexchain.planning.mrp_model import (
    SCALE,
    TRANSFER,
    ZERO,
    Demand,
    MrpException,
    MrpItem,
    MrpResult,
    PlannedOrder,
    Receipt,
    buffer_name,
    milli,
)
from flexchain.planning.mrp_model import dec as _dec
from flexchain.planning.mrp_netting import Short, Transfers, merge

__all__ = [
    "SCALE",
    "TRANSFER",
    "Demand",
    "MrpException",
    "MrpItem",
    "MrpResult",
    "PlannedOrder",
    "Receipt",
    "buffer_name",
    "milli",
    "mrp",
]

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


Key = tuple[str, str]
"""A buffer: (item, location)."""


def mrp(
    items: Iterable[MrpItem],
    bom: Iterable[BomLine],
    demand: Iterable[Demand],
    receipts: Iterable[Receipt] = (),
    *,
    horizon: int,
    forecast: Mapping[str, Sequence[Decimal | int]]
    | Mapping[Key, Sequence[Decimal | int]]
    | None = None,
    transfer_lead_time: int = 0,
) -> MrpResult:
    """Plan ``horizon`` periods for ``items`` (see the module docstring for the rules).

    ``forecast`` is more independent demand, per item (at its home location) or per
    ``(item, location)`` a quantity per period from period 0: the same as a
    ``Demand(item, period, quantity)`` (source ``forecast``) for each, without building them (a
    plan of 100,000 items has millions).

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
    terms = {(item.item, item.location): item for item in items}
    children: dict[str, list[BomLine]] = defaultdict(list)
    for line in lines:
        children[line.parent_sku].append(line)
    codes = low_level_codes(lines)
    buckets = _independent_demand(terms, demand, forecast or {}, horizon)
    levels: dict[int, set[Key]] = defaultdict(set)  # buffers by low-level code
    for key in set(terms) | {(name, "") for name in codes} | set(buckets):
        levels[codes.get(key[0], 0)].add(key)

    def bucket(key: Key, period: int) -> list[_Element]:
        if key not in buckets:  # a component needed at a location it had no buffer at
            buckets[key] = [[] for _ in range(horizon)]
            levels[codes.get(key[0], 0)].add(key)
        return buckets[key][period]

    scheduled: dict[Key, list[int]] = defaultdict(lambda: [0] * horizon)
    for receipt in receipts:
        if receipt.period < horizon:
            key = (receipt.item, receipt.location)
            scheduled[key][max(receipt.period, 0)] += milli(receipt.quantity, "receipt")
            levels[codes.get(key[0], 0)].add(key)

    result = MrpResult()
    order_ids = iter(range(1, 10**12))
    # level by level: a parent's components (at its location) join a deeper level's set
    for level in range(max(levels, default=-1) + 1):
        for _, group in groupby(sorted(levels[level]), key=lambda key: key[0]):
            buffers = [
                _Buffer(
                    terms.get(key) or MrpItem(key[0], location=key[1]),
                    buckets.get(key) or [[] for _ in range(horizon)],
                    scheduled.get(key, [0] * horizon),
                )
                for key in group
            ]
            for buffer, orders in _plan_group(buffers, order_ids, result, transfer_lead_time):
                _explode(buffer, orders, children.get(buffer.spec.item, ()), terms, bucket)
    result.planned.sort(key=lambda order: order.id)
    return result


def _explode(
    buffer: _Buffer,
    orders: list[tuple[PlannedOrder, int, int]],
    lines: Iterable[BomLine],
    terms: Mapping[Key, MrpItem],
    bucket: Callable[[Key, int], list[_Element]],
) -> None:
    """The components of ``buffer``'s planned orders, needed at its location when released."""
    location = buffer.spec.location
    components = [
        (line, milli(line.quantity, "bom quantity"), milli(line.scrap_pct, "scrap_pct"))
        for line in lines
    ]
    for order, total, firm in orders:
        release = max(order.release_period, 0)
        for line, per_unit, scrap in components:
            child = terms.get((line.child_sku, location))
            # postponement: a custom child is made for the firm part of the order only
            parent_quantity = firm if child is not None and child.custom else total
            need = _component_need(parent_quantity, per_unit, scrap)
            if need > 0:
                bucket((line.child_sku, location), release).append(
                    (False, f"planned:{order.id}", need)
                )


@dataclass
class _Buffer:
    """One item at one location while it is netted: its terms, demand and receipts."""

    spec: MrpItem
    rows: list[list[_Element]]
    receipts: Sequence[int]

    def surplus(self) -> int:
        """Thousandths this buffer never needs over the horizon: its lowest projected stock
        without new orders, less its safety stock (never below zero)."""
        projected = milli(self.spec.on_hand, "on_hand") - milli(self.spec.allocated, "allocated")
        lowest = projected
        for received, row in zip(self.receipts, self.rows, strict=True):
            projected += received - sum(element[2] for element in row)
            lowest = min(lowest, projected)
        return max(lowest - milli(self.spec.safety_stock, "safety_stock"), 0)


def _plan_group(
    buffers: list[_Buffer], ids: Iterator[int], result: MrpResult, transfer_lead_time: int
) -> list[tuple[_Buffer, list[tuple[PlannedOrder, int, int]]]]:
    """Net every location of one item: first those short of stock (drawing on the others'
    surplus by transfer before ordering), then those with a surplus, whose gross requirements
    now include what they send."""
    surplus = {b.spec.location: b.surplus() for b in buffers} if len(buffers) > 1 else {}
    givers = {location for location, amount in surplus.items() if amount > 0}
    done = []
    sent: list[PlannedOrder] = []  # transfers proposed so far, from this item's givers
    for buffer in sorted(buffers, key=lambda b: b.spec.location in givers):
        location = buffer.spec.location
        for order in sent if location in givers else ():
            if order.from_location == location:
                element = (False, f"transfer:{order.id}", milli(order.quantity, "quantity"))
                buffer.rows[max(order.release_period, 0)].append(element)
        donors = {k: v for k, v in surplus.items() if k in givers and k != buffer.spec.location}
        totals = [sum(element[2] for element in row) if row else 0 for row in buffer.rows]
        moves = Transfers(donors, surplus, transfer_lead_time, ids, result, sent)
        orders = _plan_item(buffer.spec, buffer.rows, totals, buffer.receipts, ids, result, moves)
        result.gross[buffer_name(buffer.spec.item, buffer.spec.location)] = [
            _dec(total) if total else ZERO for total in totals
        ]
        done.append((buffer, orders))
    return done


def _independent_demand(
    terms: Mapping[Key, MrpItem],
    demand: Iterable[Demand],
    forecast: Mapping[str, Sequence[Decimal | int]] | Mapping[Key, Sequence[Decimal | int]],
    horizon: int,
) -> dict[Key, list[list[_Element]]]:
    """Per buffer and period, the independent demand elements within the horizon, in pegging
    order (firm first, then by source); postponement leaves custom modules' forecasts out."""
    buckets: dict[Key, list[list[_Element]]] = {}

    def bucket(key: Key, period: int) -> list[_Element]:
        if key not in buckets:
            buckets[key] = [[] for _ in range(horizon)]
        return buckets[key][period]

    for entry in demand:
        if 0 <= entry.period < horizon:
            is_firm = entry.firm
            key = (entry.item, entry.location)
            spec = terms.get(key)
            if spec is not None and spec.custom and not is_firm:
                continue  # postponement: custom modules are made for firm orders only
            quantity = milli(entry.quantity, "quantity")
            if quantity > 0:
                bucket(key, entry.period).append((not is_firm, entry.source, quantity))
    for name, weekly in forecast.items():
        key = name if isinstance(name, tuple) else (name, "")
        spec = terms.get(key)
        if spec is not None and spec.custom:
            continue  # postponement, as above
        for period, amount in enumerate(weekly[:horizon]):
            if amount and (quantity := milli(amount, "quantity")) > 0:
                bucket(key, period).append((True, "forecast", quantity))
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
    return source.startswith(("order:", "planned:", "transfer:"))


def _plan_item(
    spec: MrpItem,
    rows: Sequence[list[_Element]],
    totals: Sequence[int],
    receipts: Sequence[int],
    ids: Iterator[int],
    result: MrpResult,
    transfers: Transfers | None = None,
) -> list[tuple[PlannedOrder, int, int]]:
    """Net one buffer; returns each planned purchase or production order with its quantity and
    its firm part (pegged to orders and parents' planned orders), in thousandths."""
    safety = milli(spec.safety_stock, "safety_stock")
    moq = milli(spec.moq, "moq")
    min_lot = milli(spec.min_lot, "min_lot")
    multiple = milli(spec.multiple, "multiple")
    projected = milli(spec.on_hand, "on_hand") - milli(spec.allocated, "allocated")
    kind = "production" if spec.make else "purchase"
    orders: list[tuple[PlannedOrder, int, int]] = []
    short = Short(spec, projected)
    # what the stock on hand (above safety stock) and receipts cover is pegged to nothing new
    free = projected - safety
    pending: list[tuple[str, int]] = []  # demand elements not yet covered, oldest first
    for period, row in enumerate(rows):
        free += receipts[period]
        short.available += receipts[period] - totals[period]
        if free < 0:  # below safety stock even after what arrives: rebuild it first
            pending.append(("safety_stock", -free))
            free = 0
        for _, source, quantity in row:
            covered = min(free, quantity)
            free -= covered
            if quantity > covered:
                pending.append((source, quantity - covered))
        if pending and transfers is not None and transfers.donors:
            pending, arrived = transfers.cover(spec, period, pending)
            short.available += arrived
        short.check(period)
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
        merged = merge(pegs)
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
            location=spec.location,
        )
        if release < 0:
            result.exceptions.append(_late(spec, period))
        orders.append((order, quantity, firm))
        result.planned.append(order)
    result.exceptions.extend(short.exceptions())
    demand_total = sum(totals)
    if not orders and free > demand_total:
        result.exceptions.append(
            MrpException(
                spec.item,
                horizon_end(rows),
                "excess",
                f"{_dec(free)} left above safety stock at the end of the horizon, more than the "
                f"{_dec(demand_total)} the whole horizon needs",
                spec.location,
            )
        )
    return orders


def _below_moq(spec: MrpItem, period: int, shortfall: int, quantity: int) -> MrpException:
    message = f"needs {_dec(shortfall)}, ordered the minimum {_dec(quantity)}"
    return MrpException(spec.item, period, "below_moq", message, spec.location)


def _late(spec: MrpItem, period: int) -> MrpException:
    message = (
        f"due in period {period} but needs {spec.lead_time} periods: released now, "
        f"arrives in period {spec.lead_time}"
    )
    return MrpException(spec.item, period, "late", message, spec.location)


def horizon_end(rows: Sequence[object]) -> int:
    return len(rows) - 1


def pegged_total(order: PlannedOrder) -> Decimal:
    """The sum of an order's pegs (always its quantity)."""
    return sum((quantity for _, quantity in order.pegs), Decimal(0))


def by_item(orders: Iterable[PlannedOrder]) -> Mapping[str, list[PlannedOrder]]:
    grouped: dict[str, list[PlannedOrder]] = defaultdict(list)
    for order in orders:
        grouped[order.item].append(order)
    return grouped
