"""What the supplier tells about a purchase order: its confirmation (quantity and date per line,
partial allowed) and shipment notices (``ASN-000001``).

Confirming moves each line's ``quantity`` and ``due_date`` to what the supplier confirmed (the
ordered figures stay in ``po_confirmations``), so planning nets what will arrive when it will;
the order becomes ``confirmed`` (a confirmed order may be confirmed again: re-dated, or less).
Rules: :mod:`flexchain.domain.buying`. Every change is audited on the order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.buying import ConfirmationRecord, NoticeRecord, SqlBuyingStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.buying import (
    LineState,
    check_notice,
    confirm_line,
    notice_redates,
    po_move,
)
from flexchain.domain.checks import day, text, whole_number
from flexchain.domain.errors import ValidationError
from flexchain.domain.purchase_orders import POHeaderStatus
from flexchain.domain.values import utc
from flexchain.services.po_views import PoView, audited

__all__ = ["NoticeView", "confirm_po", "post_shipment_notice"]


@dataclass(frozen=True)
class NoticeView:
    number: str
    po_number: str
    supplier: str
    shipped_on: date
    expected_on: date
    carrier: str
    tracking: str
    note: str
    at: datetime
    actor: str
    lines: dict[int, Decimal]
    redated: dict[int, date] = field(default_factory=dict)
    """Lines whose due date the notice moved to ``expected_on`` (expected later than due)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _states(store: SqlBuyingStore, number: str, lines: Any) -> dict[int, LineState]:
    noticed: dict[int, Decimal] = {}
    for notice in store.notices(number):
        for line_no, qty in notice.lines:
            noticed[line_no] = noticed.get(line_no, Decimal(0)) + qty
    return {
        line.line_no: LineState(
            line.line_no,
            line.item_sku,
            line.quantity,
            line.received_quantity,
            line.due_date,
            line.status,
            noticed.get(line.line_no, Decimal(0)),
        )
        for line in lines
    }


def confirm_po(
    uow: UnitOfWork,
    number: str,
    *,
    lines: Mapping[int, tuple[object, object]] | None = None,
    note: str = "",
    now: datetime,
) -> PoView:
    """The supplier confirms order ``number``: ``lines`` maps a line number to ``(quantity,
    date)``; lines not named keep their figures; ``None`` confirms every open line as ordered.
    All lines are checked before anything is written."""
    now = utc(now, "now")
    why = text(note, "note", max_length=2000, required=False)
    store = SqlBuyingStore(uow)
    po = store.po(number, lock=True)
    target = po_move(number, po.status, POHeaderStatus.CONFIRMED)
    states = _states(store, number, po.lines)
    if lines is None:
        lines = {n: (s.quantity, s.due_date) for n, s in states.items() if s.status == "open"}
    if not lines:
        raise ValidationError("lines", f"purchase order {number} has no open line to confirm")
    wanted = {whole_number(raw, "line", minimum=1): reply for raw, reply in lines.items()}
    decided = []
    for line_no, (qty, when) in sorted(wanted.items()):
        if line_no not in states:
            raise ValidationError("lines", f"purchase order {number} has no line {line_no}")
        decided.append(confirm_line(number, po.status, states[line_no], qty, when))
    for done in decided:
        state = states[done.line_no]
        confirmed = Decimal(0) if done.status == "cancelled" else done.quantity
        store.set_line(
            number, done.line_no, quantity=done.quantity, due_date=done.due_date,
            status=done.status, confirmed_quantity=confirmed, confirmed_date=done.due_date,
        )  # fmt: skip
        store.add_confirmation(
            ConfirmationRecord(
                number,
                done.line_no,
                state.quantity,
                confirmed,
                state.due_date,
                done.due_date,
                why,
                now,
                store.actor,
            )
        )
    store.set_po(number, status=target.value, confirmed_at=now)
    return audited(uow, store, "confirmed", po, number, now, note=why or None)


def post_shipment_notice(
    uow: UnitOfWork,
    number: str,
    *,
    lines: Mapping[int, object],
    shipped_on: date,
    expected_on: date,
    carrier: str = "",
    tracking: str = "",
    note: str = "",
    now: datetime,
) -> NoticeView:
    """The supplier shipped ``lines`` (line number -> quantity) of confirmed order ``number``
    on ``shipped_on``, expected on ``expected_on``. Receiving is a separate step.

    A shipped line expected later than its due date moves its ``due_date`` to ``expected_on``
    (planning nets it then); its promise stays: ``confirmed_date`` keeps the confirmed date,
    and a line the confirmation did not name gets its due date before the notice as it (the
    date the confirmed order promised), so on-time scoring still measures against it."""
    now = utc(now, "now")
    store = SqlBuyingStore(uow)
    po = store.po(number, lock=True)
    states = _states(store, number, po.lines)
    shipped = check_notice(number, po.status, states, lines, shipped_on, expected_on)
    redated = notice_redates(states, shipped, day(expected_on, "expected_on"))
    record = NoticeRecord(
        store.next_number("asn"), number, po.supplier.code, shipped_on, expected_on,
        text(carrier, "carrier", max_length=100, required=False),
        text(tracking, "tracking", max_length=200, required=False),
        text(note, "note", max_length=2000, required=False), now, store.actor,
        tuple(sorted(shipped.items())),
    )  # fmt: skip
    store.add_notice(record, po.supplier.id)
    promised = {line.line_no: line.confirmed_date or line.due_date for line in po.lines}
    for line_no, later in redated.items():
        store.set_line(number, line_no, due_date=later, confirmed_date=promised[line_no])
    audited(uow, store, "shipment_notice", po, number, now, notice=record.number,
            shipped={str(k): v for k, v in shipped.items()},
            expected_on=expected_on,
            redated={str(k): v for k, v in redated.items()} or None)  # fmt: skip
    return NoticeView(**{**asdict(record), "lines": dict(record.lines), "redated": redated})
