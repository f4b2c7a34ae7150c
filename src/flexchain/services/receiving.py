"""Receiving goods against a purchase order and inspecting them (``flexchain receive``,
``/receipts``).

* ``receive_po``: load the PO and its lines (locked) -> :func:`domain.receiving.plan_receipt`
  (over/under-delivery tolerance, partial receipts, short-close) -> write a receipt, one
  ``receipt`` ledger move per line from the supplier's location (or the external ``RECEIPTS``)
  into the receiving location, and each line's received quantity and status, so the stock's
  ``on_order`` and planning's open quantity (``quantity - received_quantity`` of open lines)
  drop by what arrived. When every line is closed or cancelled the PO header closes (a PO
  still ``sent`` is confirmed first: the delivery confirms it).
* ``inspect_receipt``: accepted and rejected units of a receipt line, rejects with a reason;
  rejected units move (a ``scrap`` move) from the receiving location to ``QUARANTINE``, a
  scrap-kind location created when first needed: nothing there is sold, quoted or planned.

Every change is audited. ``now`` comes from the caller; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from flexchain.adapters.db.paying import PoHeader, PoLine, ReceiptRecord, SqlPayingStore
from flexchain.adapters.db.stock.commands import StockCommandStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import page, text
from flexchain.domain.errors import IllegalTransition, NotFound, ValidationError
from flexchain.domain.purchase_orders import POHeaderStatus, po_transition
from flexchain.domain.purchasing import POStatus
from flexchain.domain.receiving import (
    ExpectedLine,
    LineReceipt,
    Tolerance,
    check_inspection,
    plan_receipt,
)
from flexchain.domain.stock import LocationKind, MoveKind, StockMove
from flexchain.domain.stock_commands import RECEIPTS, SOURCES
from flexchain.domain.values import utc
from flexchain.services import audit, fx, inventory, qc

__all__ = [
    "QUARANTINE",
    "ReceiptLineView",
    "ReceiptView",
    "count_receipts",
    "inspect_receipt",
    "list_receipts",
    "receive_po",
    "show_receipt",
]

QUARANTINE: Final = "QUARANTINE"
"""The scrap-kind location rejected units go to, awaiting return to the supplier or disposal."""
_RECEIVABLE = (POHeaderStatus.SENT, POHeaderStatus.CONFIRMED)
_ZERO = Decimal(0)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class ReceiptLineView:
    """A receipt line: what arrived of PO line ``line_no``, and what inspection made of it."""

    line_no: int
    sku: str
    quantity: Decimal
    accepted: Decimal
    rejected: Decimal
    uninspected: Decimal
    reasons: tuple[str, ...]
    unit_price: Decimal | None
    value: Decimal | None
    """Received quantity x the PO line's unit price, in the receipt's currency (cents)."""


@dataclass(frozen=True)
class ReceiptView:
    id: int
    number: str
    po_number: str
    supplier: str
    location: str
    received_at: datetime
    notes: str
    lines: tuple[ReceiptLineView, ...]
    currency: str
    value: Decimal | None
    """What the goods cost in the supplier's currency (None: a line has no price)."""
    base_currency: str | None
    base_value: Decimal | None
    """``value`` in the brand's currency at the rate of the day received (None: no rate known,
    or no brand currency asked for)."""


def _view(uow: UnitOfWork, record: ReceiptRecord, base: str | None) -> ReceiptView:
    lines = []
    for line in record.lines:
        accepted = sum((i.accepted for i in line.inspections), _ZERO)
        rejected = sum((i.rejected for i in line.inspections), _ZERO)
        reasons = tuple(i.reason for i in line.inspections if i.reason)
        lines.append(
            ReceiptLineView(
                line.line_no,
                line.sku,
                line.quantity,
                accepted,
                rejected,
                line.quantity - accepted - rejected,
                reasons,
                line.unit_price,
                _cents(line.quantity * line.unit_price) if line.unit_price is not None else None,
            )
        )
    values = [line.value for line in lines]
    value = sum((v for v in values if v is not None), _ZERO) if None not in values else None
    currency = record.lines[0].currency if record.lines else ""
    on = record.received_at.date()
    base_value = (
        fx.base_amount(uow, value, currency, on, base=base)
        if base is not None and value is not None and currency
        else None
    )
    return ReceiptView(
        record.id,
        record.number,
        record.po_number,
        record.supplier,
        record.location,
        record.received_at,
        record.notes,
        tuple(lines),
        currency,
        value,
        base,
        base_value,
    )


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(_CENT, ROUND_HALF_UP)


def list_receipts(
    uow: UnitOfWork,
    *,
    po_number: str | None = None,
    base_currency: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[ReceiptView]:
    """Receipts newest first (of one purchase order), valued in ``base_currency`` if given;
    at most ``limit`` (None: all) after skipping ``offset`` (:func:`count_receipts`: how many
    there are)."""
    limit, offset = page(limit, offset)
    found = SqlPayingStore(uow).receipts(po_number=po_number, limit=limit, offset=offset)
    return [_view(uow, record, base_currency) for record in found]


def count_receipts(uow: UnitOfWork, *, po_number: str | None = None) -> int:
    """How many receipts :func:`list_receipts` has without a limit."""
    return SqlPayingStore(uow).count_receipts(po_number=po_number)


def show_receipt(uow: UnitOfWork, receipt: str, *, base_currency: str | None = None) -> ReceiptView:
    """One receipt by number (``RCV-000001``) or id, valued in ``base_currency`` if given."""
    return _view(uow, _receipt(SqlPayingStore(uow), receipt), base_currency)


def _receipt(store: SqlPayingStore, key: str, *, lock: bool = False) -> ReceiptRecord:
    found = store.receipts(key=str(key).strip(), lock=lock)
    if not found:
        raise NotFound(f"no receipt {key}")
    return found[0]


def _expected(lines: list[PoLine]) -> dict[int, ExpectedLine]:
    return {
        line.line_no: ExpectedLine(
            line.line_no, line.sku, line.quantity, line.received, line.status == POStatus.OPEN.value
        )
        for line in lines
    }


def _by_line(
    quantities: Mapping[int, object] | Sequence[tuple[int, object]],
) -> dict[int, object]:
    if isinstance(quantities, Mapping):
        return dict(quantities)
    result: dict[int, object] = {}
    for line_no, amount in quantities:
        if line_no in result:
            raise ValidationError(f"line {line_no}", "named twice: give each line once")
        result[line_no] = amount
    return result


def _check_receivable(po: PoHeader) -> None:
    if po.status is not None and POHeaderStatus(po.status) not in _RECEIVABLE:
        raise IllegalTransition(
            f"purchase order {po.number} is {po.status}: only sent or confirmed orders receive "
            "goods"
        )


def _source(uow: UnitOfWork, supplier: str) -> str:
    commands = StockCommandStore(uow)
    site = commands.supplier_site(supplier)
    if site is not None:
        return site
    name, kind = SOURCES[RECEIPTS]
    commands.ensure_location(RECEIPTS, name, kind)
    return RECEIPTS


def receive_po(
    uow: UnitOfWork,
    po_number: str,
    quantities: Mapping[int, object] | Sequence[tuple[int, object]],
    *,
    now: datetime,
    tolerance: Tolerance | None = None,
    location: str | None = None,
    close_short: bool = False,
    notes: str = "",
    base_currency: str | None = None,
) -> ReceiptView:
    """Receive ``quantities`` (PO line number -> units, or such pairs: a line named twice is
    refused) of ``po_number`` at ``location``
    (default: the first line's location, else the receiving warehouse).

    ``close_short``: close the received lines even if short (the rest is not coming).
    Refused, nothing written, when a line is unknown or closed, a quantity is not positive, or a
    line would exceed the over-delivery tolerance.
    """
    now = utc(now, "now")
    notes = text(notes, "notes", max_length=2000, required=False)
    store = SqlPayingStore(uow)
    po = store.po(po_number.strip(), lock=True)
    _check_receivable(po)
    lines = store.po_lines(po.number, lock=True)
    by_no = {line.line_no: line for line in lines}
    planned = plan_receipt(
        _expected(lines),
        _by_line(quantities),
        tolerance or Tolerance(),
        po_number=po.number,
        close_short=close_short,
    )
    place = store.receiving_location(location or by_no[planned[0].line_no].location)
    number = store.add_receipt(
        po, place, now, notes, [(by_no[p.line_no], p.quantity) for p in planned]
    )
    for receipt in planned:
        status = POStatus.CLOSED if receipt.closes else POStatus.OPEN
        store.set_line(by_no[receipt.line_no].id, receipt.recorded, status.value)
    source = _source(uow, po.supplier)
    inventory.post_moves(
        uow,
        [
            StockMove(
                p.sku,
                source,
                place,
                p.quantity,
                MoveKind.RECEIPT,
                f"{po.number}/{p.line_no}",
                now,
                reason=number,
            )
            for p in planned
        ],
    )
    _audit_receipt(uow, number, po, by_no, planned, place, now)
    _maybe_close(uow, store, po, now)
    return show_receipt(uow, number, base_currency=base_currency)


def _audit_receipt(
    uow: UnitOfWork,
    number: str,
    po: PoHeader,
    lines: Mapping[int, PoLine],
    planned: list[LineReceipt],
    place: str,
    now: datetime,
) -> None:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for p in planned:
        line = lines[p.line_no]
        before[f"received@{p.line_no}"] = line.received
        before[f"status@{p.line_no}"] = line.status
        after[f"received@{p.line_no}"] = p.recorded
        after[f"status@{p.line_no}"] = POStatus.CLOSED.value if p.closes else line.status
    arrived = {str(p.line_no): p.quantity for p in planned}
    over = {str(p.line_no): p.over for p in planned if p.over}
    audit.record_change(
        uow,
        "received",
        "purchase_order",
        po.number,
        before=before,
        after=after,
        at=now,
        receipt=number,
        location=place,
        arrived=arrived,
        over_delivered=over or None,
    )


def _maybe_close(uow: UnitOfWork, store: SqlPayingStore, po: PoHeader, now: datetime) -> None:
    """Close the PO header when none of its lines is open any more."""
    if po.id is None or po.status is None:
        return
    if any(line.status == POStatus.OPEN.value for line in store.po_lines(po.number)):
        return
    status = POHeaderStatus(po.status)
    path = [POHeaderStatus.CONFIRMED] if status is POHeaderStatus.SENT else []
    for target in (*path, POHeaderStatus.CLOSED):
        status_before, status = status, po_transition(status, target)
        store.set_po_status(po.id, status.value, now)
        audit.record_change(
            uow,
            status.value,
            "purchase_order",
            po.number,
            before={"status": status_before.value},
            after={"status": status.value},
            at=now,
            reason="every line received or closed",
        )


def inspect_receipt(
    uow: UnitOfWork,
    receipt: str,
    line_no: int,
    *,
    accepted: object,
    rejected: object = 0,
    reason: str = "",
    now: datetime,
    base_currency: str | None = None,
) -> ReceiptView:
    """Record an inspection of line ``line_no`` of ``receipt``; rejected units go to
    :data:`QUARANTINE`."""
    now = utc(now, "now")
    store = SqlPayingStore(uow)
    record = _receipt(store, receipt, lock=True)
    line = next((each for each in record.lines if each.line_no == line_no), None)
    if line is None:
        raise ValidationError("line", f"receipt {record.number} has no line {line_no}")
    before = sum((i.accepted + i.rejected for i in line.inspections), _ZERO)
    done = check_inspection(
        line.quantity, before, accepted, rejected, reason, where=f"{record.number} line {line_no}"
    )
    store.add_inspection(line.id, done.accepted, done.rejected, done.reason, now)
    qc.append_inspection(  # the inspection joins the supplier's tamper-evident QC chain
        uow,
        supplier=record.supplier,
        subject=f"{record.number}/{line_no}",
        accepted=done.accepted,
        rejected=done.rejected,
        reason=done.reason,
        details={
            "receipt": record.number,
            "line": line_no,
            "po": record.po_number,
            "sku": line.sku,
        },
        now=now,
    )
    if done.rejected:
        StockCommandStore(uow).ensure_location(
            QUARANTINE, "Quarantine (rejected at inspection)", LocationKind.SCRAP
        )
        inventory.post_moves(
            uow,
            [
                StockMove(
                    line.sku,
                    record.location,
                    QUARANTINE,
                    done.rejected,
                    MoveKind.SCRAP,
                    f"{record.po_number}/{line_no}",
                    now,
                    reason=done.reason,
                )
            ],
        )
    audit.record_change(
        uow,
        "inspected",
        "receipt",
        record.number,
        before={f"inspected@{line_no}": before},
        after={f"inspected@{line_no}": before + done.accepted + done.rejected},
        at=now,
        line=line_no,
        accepted=done.accepted,
        rejected=done.rejected,
        reason=done.reason or None,
    )
    return show_receipt(uow, record.number, base_currency=base_currency)
