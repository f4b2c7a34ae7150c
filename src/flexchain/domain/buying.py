"""The buying side of a purchase order: its lines, call-offs priced by the contract, the elastic
top-up clause, the supplier's confirmation, shipment notices and capacity holds.

* **Lines**: a positive quantity of an item, due on a date, at a unit price (a call-off's price
  comes from the contract: :func:`contract_price`).
* **Call-off** under a framework contract: the contract must be valid on the order date and
  price every line (its tiered price for the line's quantity); a line it does not price is
  refused, naming the item.
* **Elastic top-up** (:func:`check_topup`): extra units of an item already on a contract PO,
  while the contract is valid, up to the clause's ``max_units`` in all (every top-up line under
  the contract counts) and priced at most ``max_premium_pct`` above the contract price of the
  item for the order's quantity.
* **Confirmation** (:func:`confirm_line`): the supplier confirms each line with a quantity (at
  most what is ordered, at least what already arrived; ``0`` declines a line nothing of which
  arrived, cancelling it) and a delivery date. The line then expects the confirmed quantity by
  the confirmed date (its ``quantity`` and ``due_date``), so planning nets what will really
  arrive when it will; the ordered figures stay in the confirmation history.
* **Shipment notice** (:func:`check_notice`): on a confirmed order, quantities per open line,
  shipped on a date and expected on a date not before it; all notices of a line together may not
  exceed what it still expects.
* **Capacity hold** (:class:`CapacityHold`): a supplier keeps ``quantity`` of capacity for the
  brand from ``held_from`` to ``held_until``, provided a firm order follows by ``firm_by``. It is
  active (capacity the sourcing optimiser may call) while held, before ``firm_by`` and not after
  ``held_until``; once firmed into an order (the order now uses it), released, or lapsed (no
  firm order by ``firm_by``) it counts for nothing. The brand may instead *request* a hold: it
  counts for nothing until the supplier accepts it (then it is held) or declines it, with a
  reason; an unanswered request lapses at ``firm_by`` like a hold (:func:`hold_move`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flexchain.domain.catalog import validate_sku
from flexchain.domain.checks import choice, code, day, text, whole_number
from flexchain.domain.contracts import Contract
from flexchain.domain.errors import DomainError, IllegalTransition, ValidationError
from flexchain.domain.errors import format_decimal as fmt
from flexchain.domain.purchase_orders import POHeaderStatus, po_transition
from flexchain.domain.values import money, quantity, utc

__all__ = [
    "HOLD_ALLOWED",
    "CapacityHold",
    "Confirmation",
    "DraftLine",
    "HoldStatus",
    "LineState",
    "check_notice",
    "check_topup",
    "confirm_line",
    "contract_price",
    "hold_move",
    "notice_redates",
    "po_move",
]


@dataclass(frozen=True)
class DraftLine:
    """A line to put on a new purchase order; ``unit_price`` None: priced later (a call-off
    takes the contract's)."""

    item_sku: str
    quantity: Decimal
    due_date: date
    unit_price: Decimal | None = None
    pegs: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "item_sku", validate_sku(self.item_sku, "item"))
        object.__setattr__(self, "quantity", quantity(self.quantity, "quantity", allow_zero=False))
        object.__setattr__(self, "due_date", day(self.due_date, "due_date"))
        if self.unit_price is not None:
            object.__setattr__(
                self, "unit_price", money(self.unit_price, "unit_price", allow_zero=False)
            )


def po_move(number: str, current: str, target: POHeaderStatus) -> POHeaderStatus:
    """:func:`~flexchain.domain.purchase_orders.po_transition`, its refusal naming the order."""
    try:
        return po_transition(current, target)
    except IllegalTransition as error:
        message = str(error).replace("purchase order", f"purchase order {number}", 1)
        raise IllegalTransition(message) from None


def contract_price(contract: Contract, item_sku: str, qty: Decimal, on: date) -> Decimal:
    """The contract's unit price of ``qty`` units of ``item_sku`` on ``on``, or
    :class:`DomainError` saying why the contract cannot price it."""
    if not contract.is_active(on):
        raise DomainError(
            f"contract {contract.code} is valid from {contract.valid_from} to "
            f"{contract.valid_to}, not on {on}"
        )
    price = contract.price_for(item_sku, qty)
    if price is None:
        tiers = [t.min_quantity for t in contract.tiered_prices if t.item_sku == item_sku]
        if not tiers:
            raise DomainError(f"contract {contract.code} has no price for {item_sku}")
        raise DomainError(
            f"contract {contract.code} prices {item_sku} from {fmt(min(tiers))} units, "
            f"not {fmt(qty)}"
        )
    return price


def check_topup(
    contract: Contract,
    item_sku: str,
    on: date,
    *,
    base_quantity: Decimal,
    already_topped_up: Decimal,
    requested: Decimal,
    quoted_price: Decimal,
) -> Decimal:
    """The contract price a top-up of ``requested`` units at ``quoted_price`` is checked
    against, or :class:`DomainError` saying which rule of the clause refuses it.

    ``base_quantity`` is the item's quantity on the order (top-ups aside): the contract price
    is its tier for that quantity. ``already_topped_up`` counts every top-up under the contract.

    >>> from flexchain.domain.contracts import ElasticTopUp, TieredPrice
    >>> c = Contract("C1", "SUP", date(2026, 1, 1), date(2026, 12, 31),
    ...              tiered_prices=[TieredPrice("FAB", Decimal(0), Decimal("10.00"))],
    ...              elastic_topup=ElasticTopUp(Decimal(20), Decimal(15)))
    >>> check_topup(c, "FAB", date(2026, 3, 1), base_quantity=Decimal(100),
    ...             already_topped_up=Decimal(0), requested=Decimal(20),
    ...             quoted_price=Decimal("11.50"))
    Decimal('10.00')
    """
    clause = contract.elastic_topup
    if clause is None:
        raise DomainError(f"contract {contract.code} has no elastic top-up clause")
    if not contract.is_active(on):
        raise DomainError(
            f"contract {contract.code} is valid from {contract.valid_from} to "
            f"{contract.valid_to}: no top-up on {on}"
        )
    if base_quantity <= 0:
        raise DomainError(
            f"{item_sku} is not on the order: a top-up adds to an item already ordered"
        )
    price = contract_price(contract, item_sku, base_quantity, on)
    try:
        clause.check(already_topped_up, requested, price, quoted_price)
    except DomainError as error:
        raise DomainError(f"contract {contract.code}, {item_sku}: {error}") from None
    return price


@dataclass(frozen=True)
class LineState:
    """What a confirmation or a notice needs to know of an order line."""

    line_no: int
    item_sku: str
    quantity: Decimal
    received: Decimal
    due_date: date
    status: str
    noticed: Decimal = Decimal(0)
    """What earlier shipment notices already announced for the line."""


@dataclass(frozen=True)
class Confirmation:
    """The outcome of confirming a line: ``status`` ``open`` or ``cancelled`` (declined)."""

    line_no: int
    quantity: Decimal
    due_date: date
    status: str


def confirm_line(
    po_number: str, header: POHeaderStatus | str, line: LineState, qty: object, when: object
) -> Confirmation:
    """The line as the supplier confirms it: ``qty`` units by ``when`` (see module)."""
    state = choice(POHeaderStatus, header, "status")
    if state not in (POHeaderStatus.SENT, POHeaderStatus.CONFIRMED):
        raise IllegalTransition(
            f"purchase order {po_number} is {state}: only a sent or confirmed order can be "
            "confirmed"
        )
    where = f"{po_number} line {line.line_no}"
    if line.status != "open":
        raise IllegalTransition(f"{where} is {line.status}: it cannot be confirmed")
    confirmed = quantity(qty, f"line {line.line_no}: quantity")
    confirmed_date = day(when, f"line {line.line_no}: date")
    if confirmed > line.quantity:
        raise ValidationError(
            f"line {line.line_no}: quantity",
            f"{fmt(confirmed)} is more than the {fmt(line.quantity)} ordered on {where}",
        )
    if confirmed < line.received:
        raise ValidationError(
            f"line {line.line_no}: quantity",
            f"{fmt(confirmed)} is less than the {fmt(line.received)} already received",
        )
    if confirmed == 0:
        return Confirmation(line.line_no, line.quantity, confirmed_date, "cancelled")
    return Confirmation(line.line_no, confirmed, confirmed_date, "open")


def check_notice(
    po_number: str,
    header: POHeaderStatus | str,
    lines: Mapping[int, LineState],
    shipped: Mapping[int, object],
    shipped_on: object,
    expected_on: object,
) -> dict[int, Decimal]:
    """The quantities per line of a valid shipment notice, or an error naming the rule."""
    state = choice(POHeaderStatus, header, "status")
    if state is not POHeaderStatus.CONFIRMED:
        raise IllegalTransition(
            f"purchase order {po_number} is {state}: a shipment notice needs a confirmed order"
        )
    ship_day = day(shipped_on, "shipped_on")
    if day(expected_on, "expected_on") < ship_day:
        raise ValidationError("expected_on", f"{expected_on} is before shipped_on {ship_day}")
    if not shipped:
        raise ValidationError("lines", "a shipment notice needs at least one line")
    result = {}
    for line_no, raw in sorted(shipped.items()):
        number = whole_number(line_no, "line", minimum=1)
        line = lines.get(number)
        if line is None:
            raise ValidationError("lines", f"{po_number} has no line {number}")
        if line.status != "open":
            raise IllegalTransition(f"{po_number} line {number} is {line.status}: nothing to ship")
        qty = quantity(raw, f"line {number}: quantity", allow_zero=False)
        left = line.quantity - line.received - line.noticed
        if qty > left:
            raise ValidationError(
                f"line {number}: quantity",
                f"{fmt(qty)} is more than the {fmt(max(left, Decimal(0)))} of {line.item_sku} "
                f"still expected (ordered {fmt(line.quantity)}, received {fmt(line.received)}, "
                f"already noticed {fmt(line.noticed)})",
            )
        result[number] = qty
    return result


def notice_redates(
    lines: Mapping[int, LineState], shipped: Iterable[int], expected_on: date
) -> dict[int, date]:
    """The lines a shipment notice re-dates: each shipped line it expects later than the line's
    due date moves to ``expected_on`` (planning nets an open line at its due date, so the plan
    sees the later arrival); a notice expecting the goods on time or early moves nothing.

    >>> line = LineState(1, "ZIP", Decimal(100), Decimal(0), date(2026, 3, 10), "open")
    >>> notice_redates({1: line}, [1], date(2026, 3, 13))
    {1: datetime.date(2026, 3, 13)}
    >>> notice_redates({1: line}, [1], date(2026, 3, 9))
    {}
    """
    return {n: expected_on for n in sorted(shipped) if expected_on > lines[n].due_date}


class HoldStatus(StrEnum):
    REQUESTED = "requested"
    HELD = "held"
    FIRMED = "firmed"
    RELEASED = "released"
    DECLINED = "declined"


_H = HoldStatus
HOLD_ALLOWED: Mapping[HoldStatus, frozenset[HoldStatus]] = {
    _H.REQUESTED: frozenset({_H.HELD, _H.DECLINED, _H.RELEASED}),
    _H.HELD: frozenset({_H.FIRMED, _H.RELEASED}),
    _H.FIRMED: frozenset(),
    _H.RELEASED: frozenset(),
    _H.DECLINED: frozenset(),
}
"""The statuses a hold may move to: a request is accepted (held), declined by the supplier or
withdrawn by the brand (released); a held one is firmed into an order or released."""

_HOLD_VERBS = {
    _H.HELD: "accepted",
    _H.DECLINED: "declined",
    _H.FIRMED: "firmed",
    _H.RELEASED: "released",
}


def hold_move(hold_id: int, state: str, target: HoldStatus) -> HoldStatus:
    """``target`` if hold ``hold_id``, now in ``state`` (its status, or ``lapsed``/``expired``:
    past ``firm_by`` or ``held_until``), may move there; else :class:`IllegalTransition` naming
    the hold, its state and what it can still be.

    >>> hold_move(7, "requested", HoldStatus.HELD)
    <HoldStatus.HELD: 'held'>
    >>> hold_move(7, "lapsed", HoldStatus.HELD)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    flexchain.domain.errors.IllegalTransition: capacity hold 7 is lapsed: it can no longer be ...
    """
    current = HoldStatus(state) if state in HoldStatus.__members__.values() else None
    if current is None or target not in HOLD_ALLOWED[current]:
        can = sorted(_HOLD_VERBS[s] for s in HOLD_ALLOWED[current]) if current else []
        more = f" (it can be {' or '.join(can)})" if can else ""
        raise IllegalTransition(
            f"capacity hold {hold_id} is {state}: it can no longer be {_HOLD_VERBS[target]}{more}"
        )
    return target


@dataclass(frozen=True)
class CapacityHold:
    """``quantity`` (in ``unit``) of ``supplier_code``'s capacity kept for the brand from
    ``held_from`` to ``held_until`` inclusive, if a firm order follows by ``firm_by``; for one
    item, a process, or the supplier's capacity in general."""

    supplier_code: str
    quantity: Decimal
    unit: str
    held_from: date
    held_until: date
    firm_by: datetime
    item_sku: str | None = None
    process: str | None = None
    status: HoldStatus = HoldStatus.HELD
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "supplier_code", code(self.supplier_code, "supplier"))
        object.__setattr__(self, "quantity", quantity(self.quantity, "quantity", allow_zero=False))
        object.__setattr__(self, "unit", text(self.unit, "unit", max_length=16))
        start, end = day(self.held_from, "held_from"), day(self.held_until, "held_until")
        if end < start:
            raise ValidationError("held_until", f"{end} is before held_from {start}")
        object.__setattr__(self, "firm_by", utc(self.firm_by, "firm_by"))
        if self.item_sku is not None:
            object.__setattr__(self, "item_sku", validate_sku(self.item_sku, "item"))
        if self.process is not None:
            object.__setattr__(self, "process", text(self.process, "process", max_length=32))
        object.__setattr__(self, "status", choice(HoldStatus, self.status, "status"))
        object.__setattr__(self, "note", text(self.note, "note", max_length=2000, required=False))

    def active(self, at: datetime) -> bool:
        """Whether the hold is capacity the brand can still call at ``at``: held (not firmed
        into an order, not released), ``firm_by`` not passed and ``held_until`` not over."""
        at = utc(at, "at")
        return (
            self.status is HoldStatus.HELD and at <= self.firm_by and at.date() <= self.held_until
        )

    def lapsed(self, at: datetime) -> bool:
        """Held (or requested) but the firm order (or the supplier's answer) did not come by
        ``firm_by``."""
        open_ = self.status in (HoldStatus.HELD, HoldStatus.REQUESTED)
        return open_ and utc(at, "at") > self.firm_by
