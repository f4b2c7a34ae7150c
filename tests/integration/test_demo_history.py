"""The demo's half year of buying, replayed through the services on both databases: every
purchase order issued and confirmed, the past ones received, inspected, invoiced and matched;
RFQs answered with quotes; the stock back at the demo's counts; not replayed twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.demo.history import history
from flexchain.services import (
    budgets,
    inventory,
    invoicing,
    po_changes,
    purchase_orders,
    qc,
    receiving,
    rfqs,
    samples,
    suggestions,
    supplier_health,
    supplier_rules,
)
from flexchain.services.demo import generate_demo, load_demo
from flexchain.services.demo_history import replay_history

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
WEEKS = 10


def test_the_replayed_history_is_the_generated_one_and_leaves_stock_at_the_counts(
    engine, make_uow: Callable[..., UnitOfWork]
) -> None:
    # given the small demo company, loaded
    data = generate_demo(items=12, weeks=8)
    load_demo(engine, data, now=NOW)
    orders, requests = history(
        data.rows("suppliers"), data.rows("item-suppliers"), now=NOW, weeks=WEEKS
    )
    # when its history is replayed
    with make_uow() as uow:
        summary = replay_history(uow, data, now=NOW, weeks=WEEKS)
        uow.commit()
    # then every generated order is a purchase order, past ones received and inspected
    past = [po for po in orders if po.received_at is not None]
    awarded = [r.award for r in requests if r.award is not None]
    with make_uow(write=False) as uow:
        pos = purchase_orders.list_pos(uow)
        receipts = receiving.list_receipts(uow)
        invoices = invoicing.list_invoices(uow)
        sent = rfqs.list_rfqs(uow)
        stock = {(b.sku, b.location): b.on_hand for b in inventory.balances(uow, now=NOW)}
        changed = po_changes.list_changes(uow)
        sampled = samples.list_samples(uow)
        ideas = suggestions.list_suggestions(uow)
        health = supplier_health.list_health(uow)
        firings = supplier_rules.list_firings(uow)
        chains = qc.list_qc_records(uow, limit=10_000)
    assert summary.replayed and summary.purchase_orders == len(pos)
    assert len(pos) == len(orders) + summary.rfqs - sum(1 for r in requests if r.award is None)
    assert summary.received == len(receipts)
    assert len(receipts) == len(past) + sum(1 for a in awarded if a.received_at is not None)
    rejected = sum(line.rejected for receipt in receipts for line in receipt.lines)
    assert rejected == sum(po.rejected for po in past) + sum(a.rejected for a in awarded)
    assert rejected > 0
    assert invoices and all(
        invoice.status in ("approved", "scheduled", "paid") for invoice in invoices
    )
    assert len(sent) == len(requests) == summary.rfqs and summary.quotes > 0
    # and the partner events around them are there: change requests answered, samples,
    # suggestions, health figures of every supplier
    assert changed and all(c.status in ("accepted", "redated", "refused") for c in changed)
    assert len(sampled) == summary.samples and any(s.status == "passed" for s in sampled)
    assert len(ideas) == summary.suggestions and any(i.status == "accepted" for i in ideas)
    assert {h.supplier for h in health} == {s["code"] for s in data.rows("suppliers")}
    # and the documents' steps were replayed in time order: each supplier's QC chain (one
    # record per inspection) reads forward in time
    by_supplier: dict[str, list[tuple[int, datetime]]] = {}
    for record in chains:
        by_supplier.setdefault(record.supplier, []).append((record.seq, record.recorded_at))
    assert by_supplier
    for links in by_supplier.values():
        times = [at for _, at in sorted(links)]
        assert times == sorted(times)
    # and the supplier rules were run on it once
    assert len(firings) == summary.firings
    # and the demo has budgets: the last three months, this one and the next, last month over
    # (so budget list shows one), and this month's for the supplier most bought from last month
    with make_uow(write=False) as uow:
        lines = budgets.budget_report(uow, base="EUR")
    assert [(b.month, b.remaining < 0) for b in lines if b.supplier is None] == [
        ("2026-09", False), ("2026-10", False), ("2026-11", True), ("2026-12", False),
        ("2027-01", False),
    ]  # fmt: skip
    assert [b.month for b in lines if b.supplier is not None] == ["2026-12"]
    # and the stock is the demo's count (receipts absorbed by a stock-count adjustment)
    for row in data.rows("stock"):
        assert stock[(row["sku"], row["location"])] == Decimal(row["quantity"]), row
    # and loading the demo again does not replay it twice
    with make_uow() as uow:
        again = replay_history(uow, data, now=NOW, weeks=WEEKS)
        uow.commit()
    assert not again.replayed
