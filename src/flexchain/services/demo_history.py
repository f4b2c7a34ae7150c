"""The demo company's last half year of buying, replayed through the services a buyer and a
supplier use (:mod:`flexchain.demo.history` draws the events): RFQs sent, answered, awarded;
purchase orders issued, confirmed or re-dated, shipped, received, inspected, invoiced, matched
and paid. Every scorecard figure and rule of the demo is computed from these records.

Receipts add stock; the demo's stock is its counted opening stock, so once the history is in,
the counts are imported again: the difference is an ordinary stock-count adjustment.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.demo import DemoData
from flexchain.demo.history import (
    WEEKS,
    History,
    HistoryChange,
    HistoryPo,
    HistoryRfq,
    history,
    partner_events,
)
from flexchain.domain.errors import DomainError
from flexchain.services import (
    fx,
    invoicing,
    payments,
    po_changes,
    po_confirmations,
    purchase_orders,
    receiving,
    rfqs,
    samples,
    suggestions,
    supplier_health,
    supplier_rules,
)
from flexchain.services.demo_budgets import demo_budgets
from flexchain.services.imports import import_rows

__all__ = ["HistorySummary", "in_time_order", "replay_history"]

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
    changes: int = 0
    samples: int = 0
    suggestions: int = 0
    firings: int = 0
    """Supplier rules that fired when they were first run on the history."""


Steps = Generator[datetime, None, None]
"""A document's life as steps: each ``yield`` names the time of the next step, which runs when
the replay resumes it, so the steps of all documents run in time order (the ledger, the audit
trail and the QC chains read as they happened)."""


def _order(
    uow: UnitOfWork, po: HistoryPo, today: datetime, tally: Counter[str],
    change: HistoryChange | None = None,
) -> Steps:  # fmt: skip
    """One purchase order from issue to payment."""
    yield po.issued_at
    view = purchase_orders.create_po(
        uow, supplier=po.supplier,
        lines=[{"item": po.item, "quantity": po.quantity, "due_date": po.due}],
        now=po.issued_at,
    )  # fmt: skip
    tally["orders"] += 1
    yield from _follow(uow, view.number, po, today, tally, change)


def _change(uow: UnitOfWork, number: str, po: HistoryPo, change: HistoryChange) -> Steps:
    """The brand asks for more or fewer; the supplier accepts, moves the date, or refuses."""
    wanted = max((po.quantity * (1 + change.pct)).to_integral_value(), Decimal(1))
    if wanted == po.quantity or abs(wanted - po.quantity) > po.quantity * Decimal("0.3"):
        return  # too small an order to change by a few percent
    yield change.asked_at
    asked = po_changes.request_change(uow, number, 1, wanted, now=change.asked_at)
    later = po.confirmed_date + timedelta(days=5) if change.answer == "redated" else None
    yield change.answered_at
    po_changes.answer_change(uow, asked.number, change.answer, new_date=later,
                             now=change.answered_at)  # fmt: skip


def _lines(uow: UnitOfWork, number: str) -> dict[int, Decimal]:
    return {line.line_no: line.quantity for line in purchase_orders.show_po(uow, number).lines}


def _follow(
    uow: UnitOfWork,
    number: str,
    po: HistoryPo,
    today: datetime,
    tally: Counter[str],
    change: HistoryChange | None = None,
) -> Steps:
    """An order from sending it (at the current step's time) to its invoice."""
    purchase_orders.issue_po(uow, number, now=po.issued_at)
    yield po.confirmed_at
    note = "" if po.confirmed_date == po.due else "material arrives later than planned"
    confirmed = {n: (q, po.confirmed_date) for n, q in _lines(uow, number).items()}
    po_confirmations.confirm_po(uow, number, lines=confirmed, note=note, now=po.confirmed_at)
    if change is not None and change.answered_at < today:
        yield from _change(uow, number, po, change)
    if po.received_at is None:
        return
    shipped = po.received_at - timedelta(days=2)
    if shipped > max(po.confirmed_at, change.answered_at if change else po.confirmed_at):
        yield shipped
        po_confirmations.post_shipment_notice(
            uow, number, lines=_lines(uow, number), shipped_on=shipped.date(),
            expected_on=po.received_at.date(), now=shipped,
        )  # fmt: skip
    yield po.received_at
    lines = _lines(uow, number)
    receipt = receiving.receive_po(uow, number, lines, now=po.received_at)
    for n, quantity in lines.items():
        receiving.inspect_receipt(
            uow, receipt.number, n, accepted=quantity - po.rejected, rejected=po.rejected,
            reason=po.reject_reason, now=po.received_at + timedelta(hours=3),
        )  # fmt: skip
    tally["received"] += 1
    invoiced_at = po.received_at + timedelta(days=2)
    if invoiced_at >= today:
        return
    yield invoiced_at
    view = purchase_orders.show_po(uow, number)
    billed = [(line.line_no, line.quantity - po.rejected, line.unit_price) for line in view.lines]
    invoice = invoicing.register_invoice(
        uow, po_number=number, supplier_invoice_number=f"{po.supplier}-{number[-6:]}",
        invoice_date=invoiced_at.date(), lines=billed, now=invoiced_at, base_currency=BASE,
    )  # fmt: skip
    if invoice.status == "matched":
        invoicing.approve_invoice(uow, invoice.number, now=invoiced_at + timedelta(hours=4))
    tally["invoiced"] += 1


def _rfq(uow: UnitOfWork, rfq: HistoryRfq, today: datetime, tally: Counter[str]) -> Steps:
    """An RFQ sent, answered by some, awarded to the cheapest (or cancelled), and its order."""
    yield rfq.sent_at
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
        yield at
        rfqs.submit_quote(
            uow, view.number, line=1, unit_price=price, lead_time_days=lead,
            valid_until=(at + timedelta(days=30)).date(), supplier=supplier, now=at,
        )  # fmt: skip
        answered += 1
    tally["quotes"] += answered
    award = rfq.award
    if award is None or not answered or award.issued_at >= today:
        yield rfq.sent_at + timedelta(days=6)
        rfqs.cancel_rfq(uow, view.number, now=rfq.sent_at + timedelta(days=6))
        return
    yield award.issued_at
    awarded = rfqs.award_rfq(uow, view.number, choices={1: award.supplier}, now=award.issued_at)
    tally["orders"] += 1
    yield from _follow(uow, awarded.lines[0]["po_number"], award, today, tally)


def in_time_order(lives: list[tuple[str, Steps]]) -> None:
    """Run the steps of every document in the order of their times (ties: the first listed)."""
    due: list[tuple[datetime, int, str, Steps]] = []
    for index, (name, steps) in enumerate(lives):
        first = next(steps, None)
        if first is not None:
            heapq.heappush(due, (first, index, name, steps))
    while due:
        _, index, name, steps = heapq.heappop(due)
        try:
            later = next(steps, None)
        except DomainError as error:  # a generated event a rule refuses: a bug, say which
            raise DomainError(f"demo history, {name}: {error}") from error
        if later is not None:
            heapq.heappush(due, (later, index, name, steps))


def replay_history(
    uow: UnitOfWork, data: DemoData, *, now: datetime, seed: int = 7, weeks: int = WEEKS
) -> HistorySummary:
    """Replay the demo's last half year of buying into ``uow`` (its caller commits), then bring
    stock back to the demo's counts. Not again on a database that has purchase orders."""
    if purchase_orders.list_pos(uow):
        return HistorySummary(False, 0, 0, 0, 0, 0, 0)
    suppliers, offers = list(data.rows("suppliers")), list(data.rows("item-suppliers"))
    orders, requests = history(suppliers, offers, now=now,
                               seed=seed, weeks=weeks)  # fmt: skip
    start = min(po.issued_at for po in orders) - timedelta(days=1)
    fx.set_rate(uow, "USD", start.date(), USD_IN_EUR, base=BASE, now=start)
    events = partner_events(suppliers, offers, orders, now=now,
                            seed=seed, weeks=weeks)  # fmt: skip
    changes = {change.index: change for change in events.changes}
    tally: Counter[str] = Counter()
    lives = [(f"{po.supplier} {po.item}", _order(uow, po, now, tally, changes.get(index)))
             for index, po in enumerate(orders)]  # fmt: skip
    lives += [(f"RFQ for {rfq.item}", _rfq(uow, rfq, now, tally)) for rfq in requests]
    in_time_order(lives)
    demo_budgets(uow, base=BASE, now=now)
    paid = payments.schedule_payments(uow, now=now - timedelta(days=1))
    done = payments.run_payments(uow, through=(now - timedelta(days=1)).date(),
                                 now=now - timedelta(hours=1))  # fmt: skip
    made, ideas = _partners(uow, events, now)
    import_rows(uow, "stock", data.rows("stock"), source="demo stock count", now=now)
    fired = supplier_rules.run_rules(uow, now=now, currency=BASE)
    return HistorySummary(True, tally["orders"], tally["received"], len(requests), tally["quotes"],
                          tally["invoiced"],
                          len(done) or len(paid), len(changes), made, ideas,
                          len(fired.fired))  # fmt: skip


def _partners(uow: UnitOfWork, events: History, now: datetime) -> tuple[int, int]:
    """Samples with their first article, suggestions decided, health figures imported."""
    for sample in events.samples:
        asked = samples.request_sample(
            uow, sample.supplier, item=sample.item, now=sample.requested_at,
            description=f"Pre-production sample of {sample.item}",
        )  # fmt: skip
        if sample.delivered_at is None:
            continue
        samples.deliver_sample(uow, asked.number, now=sample.delivered_at)
        if sample.delivered_at + timedelta(days=1) < now:
            samples.inspect_sample(uow, asked.number, "pass" if sample.passed else "fail",
                                   now=sample.delivered_at + timedelta(days=1))  # fmt: skip
    for idea in events.suggestions:
        made = suggestions.submit_suggestion(
            uow, supplier=idea.supplier, title=idea.title, description=idea.description,
            expected_saving=idea.saving, currency=BASE, now=idea.submitted_at,
        )  # fmt: skip
        if idea.accepted is not None:
            suggestions.decide_suggestion(
                uow, made.number, "accept" if idea.accepted else "reject",
                note="" if idea.accepted else "not for this season",
                now=idea.submitted_at + timedelta(days=5),
            )  # fmt: skip
    rows = [(line, {"supplier": code, "as_of": on, "financial_score": score,
                    "staff_turnover_pct": turnover, "source": "demo credit report"})
            for line, (code, on, score, turnover) in enumerate(events.health, 2)]  # fmt: skip
    supplier_health.import_health(uow, rows, source="demo health data", now=now)
    return len(events.samples), len(events.suggestions)
