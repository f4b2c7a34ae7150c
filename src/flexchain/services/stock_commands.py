"""The stock commands: receive, transfer, adjust, count (``flexchain stock ...``, the API's
``POST /stock/...``).

Each is one use case in the caller's unit of work, all or nothing: load (the item, the locations,
the locked balance, the purchase order lines a receipt names) -> decide with the rules of
:mod:`flexchain.domain.stock_commands` and :mod:`flexchain.domain.stock` -> write one ledger
move through :func:`flexchain.services.inventory.post_moves` (which keeps the balances and queues
the availability push of what the shops may sell), an audit row, and the purchase order lines a
receipt completed. A transfer is one move from one internal location to another (both balances
change in the same transaction). ``now`` comes from the caller.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.stock import SqlStockStore
from flexchain.adapters.db.stock.commands import StockCommandStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import NotFound, ValidationError, format_decimal
from flexchain.domain.stock import BalanceView, Location, MoveKind, StockMove
from flexchain.domain.stock_commands import (
    ADJUSTMENT,
    RECEIPTS,
    SOURCES,
    check_holds_stock,
    count_difference,
    po_reference,
    receive_against,
)
from flexchain.domain.values import quantity as as_quantity
from flexchain.domain.values import utc
from flexchain.services import audit, inventory

__all__ = ["MoveView", "StockChange", "adjust", "count", "receive", "transfer"]


@dataclass(frozen=True)
class MoveView:
    """One move a command posted."""

    sku: str
    from_location: str
    to_location: str
    quantity: Decimal
    kind: str
    reference: str
    reason: str
    at: datetime

    @classmethod
    def of(cls, move: StockMove) -> MoveView:
        return cls(
            move.item_sku,
            move.from_location,
            move.to_location,
            move.quantity,
            move.kind.value,
            move.reference,
            move.reason,
            move.at,
        )


@dataclass(frozen=True)
class StockChange:
    """What a stock command did: its moves (none when a count finds the figure unchanged), the
    balances of the internal locations it touched as they are now, and the purchase order lines
    a receipt counted against (``PO/line``)."""

    command: str
    sku: str
    moves: tuple[MoveView, ...]
    balances: tuple[BalanceView, ...]
    purchase_order_lines: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``--json`` and the API (Decimals and times left to the renderer)."""
        return {
            "command": self.command,
            "sku": self.sku,
            "moves": [dataclasses.asdict(move) for move in self.moves],
            "balances": [dataclasses.asdict(balance) for balance in self.balances],
            "purchase_order_lines": list(self.purchase_order_lines),
        }


def _load(store: SqlStockStore, sku: str, codes: dict[str, str]) -> dict[str, Location]:
    """The item must exist and each location (by the flag it came with) must hold stock."""
    if sku not in store.items([sku]):
        raise NotFound(f"unknown item {sku!r}")
    found = store.locations(codes.values())
    result = {}
    for field, code in codes.items():
        location = found.get(code)
        if location is None:
            raise NotFound(f"unknown location {code!r}")
        check_holds_stock(location, field)
        result[field] = location
    return result


_ACTIONS = {
    "receive": "received",
    "transfer": "transferred",
    "adjust": "adjusted",
    "count": "counted",
}
"""Command -> the action its audit row records."""


def _post(
    uow: UnitOfWork,
    command: str,
    move: StockMove | None,
    sku: str,
    locations: list[str],
    now: datetime,
) -> StockChange:
    """Post ``move`` (if any) with an audit row (the on-hand stock of each touched location
    before and after); the touched balances as they are now."""
    moves = (move,) if move is not None else ()
    before = _on_hand(uow, sku, locations, now) if moves else {}
    inventory.post_moves(uow, moves)
    views: list[BalanceView] = []
    for code in locations:
        views += inventory.balances(uow, now=now, item=sku, location=code, include_empty=True)
    for posted in moves:
        audit.record_change(
            uow,
            _ACTIONS[command],
            "stock",
            f"{sku}@{locations[-1]}",
            before=before,
            after={f"on_hand@{view.location}": view.on_hand for view in views},
            at=now,
            **{"from": posted.from_location, "to": posted.to_location},
            quantity=posted.quantity,
            reference=posted.reference,
            reason=posted.reason,
        )
    return StockChange(command, sku, tuple(MoveView.of(m) for m in moves), tuple(views))


def _on_hand(uow: UnitOfWork, sku: str, locations: list[str], now: datetime) -> dict[str, Any]:
    """``{"on_hand@WH": Decimal(...)}`` of ``sku`` at each of ``locations`` as it is now (zero
    where it never was)."""
    held = {f"on_hand@{code}": Decimal(0) for code in locations}
    for code in locations:
        for view in inventory.balances(uow, now=now, item=sku, location=code, include_empty=True):
            held[f"on_hand@{view.location}"] = view.on_hand
    return held


def _ensure(store: StockCommandStore, code: str) -> str:
    name, kind = SOURCES[code]
    store.ensure_location(code, name, kind)
    return code


def receive(
    uow: UnitOfWork,
    sku: str,
    quantity: Decimal | int | str,
    *,
    location: str,
    now: datetime,
    reference: str = "",
    reason: str = "",
) -> StockChange:
    """Goods arrived at ``location``: a ``receipt`` move in.

    A ``reference`` naming a purchase order on record (``PO-1001`` or ``PO-1001/2``) must have an
    open line of ``sku``: the receipt counts against its lines (closing those it completes) and
    comes from the supplier's location; otherwise it comes from the external ``RECEIPTS``.
    """
    amount = as_quantity(quantity, allow_zero=False)
    now = utc(now, "now")
    store = SqlStockStore(uow)
    _load(store, sku, {"location": location})
    commands = StockCommandStore(uow)
    number, line_no = po_reference(reference)
    received = []
    source = None
    if reference and commands.has_order(number):
        lines = commands.open_lines(number, sku, line_no)
        if not lines:
            which = f"line {line_no}" if line_no is not None else f"open line of {sku}"
            raise ValidationError(
                "reference", f"purchase order {number} has no {which} still expecting goods"
            )
        received = receive_against(lines, amount)
        source = commands.supplier_site(lines[0].supplier_code)
    move = StockMove(
        sku,
        source or _ensure(commands, RECEIPTS),
        location,
        amount,
        MoveKind.RECEIPT,
        reference,
        now,
        reason=reason,
    )
    commands.set_received(received)  # before the balances are read back: on order drops
    change = _post(uow, "receive", move, sku, [location], now)
    keys = tuple(line.key for line in received)
    return StockChange(change.command, sku, change.moves, change.balances, keys)


def transfer(
    uow: UnitOfWork,
    sku: str,
    quantity: Decimal | int | str,
    *,
    source: str,
    target: str,
    now: datetime,
    reference: str = "",
    reason: str = "",
) -> StockChange:
    """Move stock between two internal locations: one ``transfer`` move; the source's available
    stock must cover it."""
    amount = as_quantity(quantity, allow_zero=False)
    if source == target:
        raise ValidationError("to", "must differ from --from")
    store = SqlStockStore(uow)
    _load(store, sku, {"from": source, "to": target})
    now = utc(now, "now")
    move = StockMove(sku, source, target, amount, MoveKind.TRANSFER, reference, now, reason=reason)
    return _post(uow, "transfer", move, sku, [source, target], now)


def adjust(
    uow: UnitOfWork,
    sku: str,
    delta: Decimal | int | str,
    *,
    location: str,
    reason: str,
    now: datetime,
    reference: str = "",
) -> StockChange:
    """Correct the stock at ``location`` by ``delta`` (found: positive, lost or damaged:
    negative): one ``adjustment`` move from or to the external ``ADJUSTMENT`` location. A reason
    is required; a negative delta must fit in what is available."""
    change = as_quantity(delta, "delta", allow_zero=False, allow_negative=True)
    if not reason.strip():
        raise ValidationError("reason", "required: say why the stock is adjusted")
    now = utc(now, "now")
    store = SqlStockStore(uow)
    _load(store, sku, {"location": location})
    external = _ensure(StockCommandStore(uow), ADJUSTMENT)
    inward = change > 0
    move = StockMove(
        sku,
        external if inward else location,
        location if inward else external,
        abs(change),
        MoveKind.ADJUSTMENT,
        reference,
        now,
        reason=reason,
    )
    return _post(uow, "adjust", move, sku, [location], now)


def count(
    uow: UnitOfWork,
    sku: str,
    quantity: Decimal | int | str,
    *,
    location: str,
    now: datetime,
    reference: str = "",
    reason: str = "",
) -> StockChange:
    """Set the on-hand quantity at ``location`` to what was counted by posting the difference
    (an ``adjustment`` move, none if the count matches). Refused below what is reserved there."""
    counted = as_quantity(quantity)
    now = utc(now, "now")
    store = SqlStockStore(uow)
    _load(store, sku, {"location": location})
    key = (sku, location)
    balance = store.lock([key])[key]
    balance.reserved -= store.sweep(key, now)
    difference = count_difference(counted, balance.on_hand, balance.reserved)
    move = None
    if difference:
        external = _ensure(StockCommandStore(uow), ADJUSTMENT)
        inward = difference > 0
        move = StockMove(
            sku,
            external if inward else location,
            location if inward else external,
            abs(difference),
            MoveKind.ADJUSTMENT,
            reference,
            now,
            reason=reason or f"stock count: {format_decimal(counted)}",
        )
    return _post(uow, "count", move, sku, [location], now)
