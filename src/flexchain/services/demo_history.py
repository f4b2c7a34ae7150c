"""The demo company's last half year of buying, replayed through the services a buyer and a
supplier use (:mod:`flexchain.demo.history` draws the events): RFQs sent, answered, awarded;
purchase orders issued, confirmed or re-dated, shipped, received, inspected, invoiced, matched
and paid. Every scorecard figure and rule of the demo is computed from these records.

Receipts add stock; the demo's stock is its counted opening stock, so once the history is in,
the counts are imported again: the difference is an ordinary stock-count adjustment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.demo import DemoData
from flexchain.demo.history import WEEKS, HistoryPo, HistoryRfq, history
from flexchain.domain.errors import DomainError
from flexchain.services import (
    fx,
    invoicing,
    payments,
    po_confirmations,
    purchase_orders,
    receiving,
    rfqs,
)
from flexchain.services.imports import import_rows

__all__ = ["HistorySummary", "replay_history"]

BASE = "EUR"
USD_IN_EUR = Decimal("0.92")


@dataclass(frozen=True)
class HistorySummary:
    replayed: bool
    """False when the database already had purchase orders (the demo loaded again)."""
    purchase_orders: int
    received: int
    rfqs: int
    quotes: int
    invoices: int
    payments: int


def _order(uow: UnitOfWork, po: HistoryPo, today: datetime) -> tuple[bool, bool]:
    """One purchase order from issue to payment; (received, invoiced)."""
    view = purchase_orders.create_po(
        uow, supplier=po.supplier,
        lines=[{"item": po.item, "quantity": po.quantity, "due_date": po.due}],
        now=po.issued_at,
    )  # fmt: skip
    return _follow(uow, view.number, po, today)


def _follow(uow: UnitOfWork, number: str, po: HistoryPo, today: datetime) -> tuple[bool, bool]:
    purchase_orders.issue_po(uow, number, now=po.issued_at)
    lines = {line.line_no: (line.quantity, po.confirmed_date)
             for line in purchase_orders.show_po(uow, number).lines}  # fmt: skip
    note = "" if po.confirmed_date == po.due else "material arrives later than planned"
    po_confirmations.confirm_po(uow, number, lines=lines, note=note, now=po.confirmed_at)
    if po.received_at is None:
        return False, False
    shipped = po.received_at - timedelta(days=2)
    if shipped > po.confirmed_at:
        po_confirmations.post_shipment_notice(
            uow, number, lines={n: q for n, (q, _) in lines.items()},
            shipped_on=shipped.date(), expected_on=po.received_at.date(), now=shipped,
        )  # fmt: skip
    receipt = receiving.receive_po(
        uow, number, {n: q for n, (q, _) in lines.items()}, now=po.received_at
    )
    for n, (quantity, _) in lines.items():
        receiving.inspect_receipt(
            uow, receipt.number, n, accepted=quantity - po.rejected, rejected=po.rejected,
            reason=po.reject_reason, now=po.received_at + timedelta(hours=3),
        )  # fmt: skip
    invoiced_at = po.received_at + timedelta(days=2)
    if invoiced_at >= today:
        return True, False
    view = purchase_orders.show_po(uow, number)
    billed = [(line.line_no, line.quantity - po.rejected, line.unit_price) for line in view.lines]
    invoice = invoicing.register_invoice(
        uow, po_number=number, supplier_invoice_number=f"{po.supplier}-{number[-6:]}",
        invoice_date=invoiced_at.date(), lines=billed, now=invoiced_at, base_currency=BASE,
    )  # fmt: skip
    if invoice.status == "matched":
        invoicing.approve_invoice(uow, invoice.number, now=invoiced_at + timedelta(hours=4))
    return True, True


def _rfq(uow: UnitOfWork, rfq: HistoryRfq, today: datetime) -> int:
    view = rfqs.create_rfq(
        uow, suppliers=list(rfq.invited),
        lines=[{"item": rfq.item, "quantity": rfq.quantity, "need_date": rfq.need}],
        reply_by=(rfq.sent_at + timedelta(days=5)).date(), now=rfq.sent_at,
    )  # fmt: skip
    rfqs.send_rfq(uow, view.number, now=rfq.sent_at)
    answered = 0
    for supplier, at, price, lead in sorted(rfq.answers, key=lambda a: a[1]):
        if at >= today:
            continue
        rfqs.submit_quote(
            uow, view.number, line=1, unit_price=price, lead_time_days=lead,
            valid_until=(at + timedelta(days=30)).date(), supplier=supplier, now=at,
        )  # fmt: skip
        answered += 1
    award = rfq.award
    if award is None or not answered or award.issued_at >= today:
        rfqs.cancel_rfq(uow, view.number, now=rfq.sent_at + timedelta(days=6))
        return answered
    awarded = rfqs.award_rfq(uow, view.number, choices={1: award.supplier}, now=award.issued_at)
    number = awarded.lines[0]["po_number"]
    _follow(uow, number, award, today)
    return answered


def replay_history(
    uow: UnitOfWork, data: DemoData, *, now: datetime, seed: int = 7, weeks: int = WEEKS
) -> HistorySummary:
    """Replay the demo's last half year of buying into ``uow`` (its caller commits), then bring
    stock back to the demo's counts. Not again on a database that has purchase orders."""
    if purchase_orders.list_pos(uow):
        return HistorySummary(False, 0, 0, 0, 0, 0, 0)
    orders, requests = history(data.rows("suppliers"), data.rows("item-suppliers"), now=now,
                               seed=seed, weeks=weeks)  # fmt: skip
    start = min(po.issued_at for po in orders) - timedelta(days=1)
    fx.set_rate(uow, "USD", start.date(), USD_IN_EUR, base=BASE, now=start)
    received = invoiced = quotes = 0
    for po in orders:
        try:
            got, billed = _order(uow, po, now)
        except DomainError as error:  # a generated event a rule refuses: a bug, say which
            raise DomainError(f"demo history, {po.supplier} {po.item}: {error}") from error
        received += got
        invoiced += billed
    for rfq in requests:
        quotes += _rfq(uow, rfq, now)
    paid = payments.schedule_payments(uow, now=now - timedelta(days=1))
    done = payments.run_payments(uow, through=(now - timedelta(days=1)).date(),
                                 now=now - timedelta(hours=1))  # fmt: skip
    import_rows(uow, "stock", data.rows("stock"), source="demo stock count", now=now)
    return HistorySummary(True, len(orders), received, len(requests), quotes, invoiced,
                          len(done) or len(paid))  # fmt: skip
