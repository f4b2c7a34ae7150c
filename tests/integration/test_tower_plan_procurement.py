"""The control tower's Plan, Suppliers, Procurement and Quote pages through HTTP, on both
databases: each page shows what its services answer (the same figures as the API), the
actions go through the services (release planned purchases, a planning run started and
watched until it ends, award, send, issue, release a hold, store a tier), a refused form says
why and saves nothing, a viewer sees no action and its posts are refused, a supplier's user gets
the 403 page, and an empty company gets pages that say what to do next."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.web.tower.plan import board_of
from flexchain.services import (
    invoicing,
    payments,
    plan_reports,
    planning,
    purchase_orders,
    receiving,
    rfqs,
    scorecards,
    supplier_tiers,
    today,
)
from flexchain.services.imports import import_rows
from flexchain.services.plan_reports import PlanOrderLine
from tests.auth import PASSWORD, make_user, token_for
from tests.storefront_world import BAG, TEE, build_world

UowFactory = Callable[..., UnitOfWork]
NOW = datetime.now(UTC).replace(microsecond=0)
MONDAY = NOW.date() - timedelta(days=NOW.weekday())
FAR = date(2099, 3, 1)
FABRIC = "FABRIC-BLACK"
ROLES = ("admin", "planner", "buyer", "finance", "viewer")

ROWS: dict[str, list[dict[str, Any]]] = {
    "items": [{"sku": FABRIC, "name": "Black jersey", "kind": "raw", "uom": "m",
               "default_supplier": "SEW-PT"}],
    "item-suppliers": [
        {"item_sku": FABRIC, "supplier_code": "SEW-PT", "unit_price": "4.20", "lead_time_days": 7},
        {"item_sku": FABRIC, "supplier_code": "SEW-LX", "unit_price": "4.50", "lead_time_days": 5},
    ],
    "bom": [{"parent_sku": TEE, "child_sku": FABRIC, "quantity": 2}],
    "demand": [{"sku": TEE, "location": "WH", "period_start": MONDAY - timedelta(weeks=w),
                "quantity": 6 + w % 3} for w in range(1, 14)],
    "contracts": [{"code": "C-SEW", "supplier_code": "SEW-PT", "valid_from": date(2020, 1, 1),
                   "valid_to": date(2099, 12, 31), "retention_pct": 5}],
    "contract-prices": [{"contract_code": "C-SEW", "item_sku": FABRIC, "min_quantity": 0,
                         "unit_price": "4.00"}],
}  # fmt: skip


@dataclass(frozen=True)
class Tower:
    """The app, its database and the records the tests look at or act on."""

    client: TestClient
    engine: Engine
    users: dict[str, str]
    runs: tuple[int, int]
    rfq_award: str
    rfq_compare: str
    rfq_draft: str
    po_draft: str
    held: str
    scheduled: str


def _do(make_uow: UowFactory, action: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with make_uow(actor="brand") as uow:
        result = action(uow, *args, now=kw.pop("now", NOW), **kw)
        uow.commit()
    return result


def _rfq(make_uow: UowFactory, *, quoted: bool) -> str:
    rfq = _do(
        make_uow, rfqs.create_rfq, suppliers=["SEW-PT", "SEW-LX"],
        lines=[{"item": FABRIC, "quantity": "100", "need_date": FAR}], reply_by=FAR,
    )  # fmt: skip
    if quoted:
        _do(make_uow, rfqs.send_rfq, rfq.number)
        for supplier, price in (("SEW-PT", "4.10"), ("SEW-LX", "3.90")):
            _do(
                make_uow, rfqs.submit_quote, rfq.number, supplier=supplier, line=1,
                unit_price=price, lead_time_days=10, valid_until=FAR,
            )  # fmt: skip
    return str(rfq.number)


def _invoiced(make_uow: UowFactory, price: str) -> str:
    """An order of 10 m under the contract (4.00), received, invoiced at ``price`` (10 m: a
    plan made later still buys fabric)."""
    po = _do(
        make_uow, purchase_orders.create_po, contract="C-SEW",
        lines=[{"item": FABRIC, "quantity": 10, "due_date": FAR}],
    )  # fmt: skip
    _do(make_uow, purchase_orders.issue_po, po.number)
    _do(make_uow, purchase_orders.confirm_po, po.number)
    _do(make_uow, receiving.receive_po, po.number, {1: 10})
    invoice = _do(
        make_uow, invoicing.register_invoice, po_number=po.number,
        supplier_invoice_number=f"FT {price}", invoice_date=NOW.date(),
        lines=[(1, 10, price)], base_currency="EUR",
    )  # fmt: skip
    return str(invoice.number)


def _build(engine: Engine) -> dict[str, Any]:
    def make_uow(**kw: Any) -> UnitOfWork:
        return UnitOfWork(engine, **kw)

    build_world(make_uow)
    with make_uow() as uow:
        for kind, rows in ROWS.items():
            import_rows(uow, kind, rows, source=f"tower {kind}")
        uow.commit()
    first = planning.run_plan(engine, now=NOW, horizon=8).run_id
    with make_uow() as uow:  # more tees in stock: the next plan makes fewer, buys less fabric
        import_rows(uow, "stock", [{"sku": TEE, "location": "WH", "quantity": 20}], source="t")
        uow.commit()
    second = planning.run_plan(engine, now=NOW, horizon=8).run_id
    held = _invoiced(make_uow, "4.60")
    scheduled = _invoiced(make_uow, "4.00")
    _do(make_uow, invoicing.approve_invoice, scheduled)
    _do(make_uow, payments.schedule_payments)
    draft = _do(
        make_uow, purchase_orders.create_po, contract="C-SEW",
        lines=[{"item": FABRIC, "quantity": 5, "due_date": FAR}],
    )  # fmt: skip
    return {
        "runs": (first, second),
        "rfq_award": _rfq(make_uow, quoted=True),
        "rfq_compare": _rfq(make_uow, quoted=True),
        "rfq_draft": _rfq(make_uow, quoted=False),
        "po_draft": draft.number,
        "held": held,
        "scheduled": scheduled,
    }


@pytest.fixture(scope="module")
def tower(module_database_url: str) -> Iterator[Tower]:
    """One world per backend; each test that acts does so on records of its own."""
    engine = make_engine(module_database_url)
    built = _build(engine)
    users = {role: make_user(engine, role) for role in ROLES}
    users["supplier"] = make_user(engine, "supplier", supplier="SEW-PT")
    app = create_app(Settings(database_url=module_database_url, outbox_worker=False))
    try:
        with TestClient(app) as client:
            yield Tower(client, engine, users, **built)
    finally:
        engine.dispose()


def _login(tower: Tower, role: str) -> str:
    """Log ``role``'s user in on the client; its session's CSRF token."""
    tower.client.cookies.clear()
    answer = tower.client.post("/login", data={"email": tower.users[role], "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf_token"])


def _text(html: str) -> str:
    """The page's words, tags and scripts dropped, spaces collapsed (what a reader sees)."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def _uow(tower: Tower) -> UnitOfWork:
    return UnitOfWork(tower.engine, write=False)


def _settings(tower: Tower) -> Settings:
    return tower.client.app.state.flexchain.settings  # type: ignore[attr-defined,no-any-return]


# -- Plan ----------------------------------------------------------------------------------


def test_the_plan_page_shows_the_current_plans_orders_with_pegging_and_its_exceptions(
    tower: Tower,
) -> None:
    _login(tower, "planner")
    with _uow(tower) as uow:
        current = plan_reports.current_run(uow).id
        rows = plan_reports.plan_rows(uow, current)
    orders = [r for r in rows if isinstance(r, PlanOrderLine)]
    exceptions = [r for r in rows if r.type == "exception"]
    assert orders and exceptions and current == tower.runs[1]

    page = tower.client.get("/app/plan")

    # then every planned order of the current plan is a row with its pegging, as plan show has it
    assert page.status_code == 200
    shown = re.findall(r'<tr id="planned-(\d+)">', page.text)
    assert shown == [str(o.number) for o in orders]
    text = _text(page.text)
    assert f"version {current}" in text
    for order in orders:
        assert order.pegging in text
    for exception in exceptions:
        assert exception.message in text
    # and a filter by kind and a search by SKU keep only the matching ones
    purchases = tower.client.get("/app/plan", params={"kind": "purchase", "q": "fabric"})
    wanted = [str(o.number) for o in orders if o.kind == "purchase" and FABRIC in o.sku]
    assert wanted and re.findall(r'<tr id="planned-(\d+)">', purchases.text) == wanted
    # and no two columns share a heading (the tick box and the release day were both "Release")
    head = page.text.partition('<table id="planned-orders">')[2].partition("</thead>")[0]
    headings = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', head)
    assert len(headings) == len(set(headings)) and "Release day" in headings, headings
    assert "Tick to release" in headings
    # a planner releases planned production, not purchases (buyers do), and may start a run
    for order in orders:
        if order.kind == "purchase":
            assert f'id="pick-{order.number}"' not in page.text
    assert "Start a planning run" in text


def _purchases(tower: Tower) -> list[int]:
    with _uow(tower) as uow:
        rows = plan_reports.plan_rows(uow, plan_reports.current_run(uow).id)
    return [r.number for r in rows if isinstance(r, PlanOrderLine) and r.kind == "purchase"]


def _inbox(tower: Tower) -> set[str]:
    """The planned orders Today's inbox asks to release (their numbers)."""
    with _uow(tower) as uow:
        found = today.decision_inbox(
            uow, now=datetime.now(UTC), settings=_settings(tower), kind="planned_order"
        )
    return {entry.ref for entry in found}


def test_a_buyer_releases_ticked_planned_purchases_to_a_draft_rfq_and_to_a_draft_po(
    tower: Tower,
) -> None:
    csrf = _login(tower, "buyer")
    first = _purchases(tower)[0]
    assert f'value="{first}"' in tower.client.get("/app/plan").text
    assert f"{first}" in _inbox(tower)  # due for release: Today lists it

    # when the buyer ticks a planned purchase and drafts an RFQ to two suppliers
    answer = tower.client.post(
        "/app/plan/release",
        data={"csrf_token": csrf, "number": [str(first)], "suppliers": "SEW-PT, SEW-LX",
              "to": "rfq"},
        follow_redirects=False,
    )  # fmt: skip

    # then a draft RFQ holds the planned quantity and date, pegged to the planned order
    assert answer.status_code == 303 and answer.headers["location"].startswith("/app/procurement")
    number = re.search(r"RFQ-\d+", answer.headers["location"])
    assert number is not None
    with _uow(tower) as uow:
        rfq = rfqs.show_rfq(uow, number.group())
        planned = {
            r.number: r
            for r in plan_reports.plan_rows(uow, plan_reports.current_run(uow).id)
            if isinstance(r, PlanOrderLine)
        }
    (line,) = rfq.lines
    assert rfq.status == "draft" and set(rfq.suppliers) == {"SEW-PT", "SEW-LX"}
    assert line["plan_number"] == first and line["quantity"] == planned[first].quantity
    assert line["need_date"] == planned[first].due_date
    shown = tower.client.get(answer.headers["location"])
    assert f"RFQ {rfq.number} drafted for 1 planned purchase" in _text(shown.text)
    # and Today no longer asks for it (until the next plan nets the draft)
    assert f"{first}" not in _inbox(tower)

    # and released again, as a PO, it is refused naming the RFQ it went into: once only
    with _uow(tower) as uow:
        before = len(purchase_orders.list_pos(uow))
    again = tower.client.post(
        "/app/plan/release",
        data={"csrf_token": csrf, "number": [str(first)], "suppliers": "SEW-LX", "to": "po"},
    )
    assert again.status_code == 422
    assert f"planned order {first} was released into {rfq.number}" in _text(again.text)
    with _uow(tower) as uow:
        assert len(purchase_orders.list_pos(uow)) == before


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"suppliers": "SEW-PT", "to": "rfq"}, "tick at least one planned purchase"),
        ({"number": "FIRST", "suppliers": "SEW-PT, SEW-LX", "to": "po"}, "goes to one supplier"),
        ({"number": "FIRST", "suppliers": "NOPE", "to": "po"}, "NOPE"),
        ({"number": "FIRST", "suppliers": "", "to": "rfq"}, "name each supplier"),
        ({"number": "99999", "suppliers": "SEW-PT", "to": "rfq"}, "no planned order 99999"),
    ],
    ids=["none-ticked", "po-two-suppliers", "unknown-supplier", "rfq-no-supplier", "gone"],
)
def test_a_refused_release_says_why_keeps_what_was_ticked_and_creates_nothing(
    tower: Tower, form: dict[str, str], message: str
) -> None:
    csrf = _login(tower, "buyer")
    first = _purchases(tower)[0]
    data = {**form, "csrf_token": csrf}
    if data.get("number") == "FIRST":
        data["number"] = str(first)
    with _uow(tower) as uow:
        before = (len(rfqs.list_rfqs(uow)), len(purchase_orders.list_pos(uow)))

    answer = tower.client.post("/app/plan/release", data=data)

    assert answer.status_code == 422
    assert "Nothing was saved" in answer.text and message in _text(answer.text)
    if data.get("number") == str(first):
        assert re.search(rf'value="{first}"[^>]*checked', answer.text)
    with _uow(tower) as uow:
        assert (len(rfqs.list_rfqs(uow)), len(purchase_orders.list_pos(uow))) == before


def _poll(tower: Tower, ticket: int) -> str:
    """The run's progress as the page polls it, until it stops polling (the run ended)."""
    deadline = time.monotonic() + 120
    while True:
        part = tower.client.get(f"/app/plan/runs/{ticket}", headers={"HX-Request": "true"})
        assert part.status_code == 200 and 'id="plan-run"' in part.text
        if "hx-trigger" not in part.text or time.monotonic() > deadline:
            return part.text
        time.sleep(0.2)


def test_a_planning_run_started_from_the_page_runs_in_the_background_and_is_watched_to_its_end(
    tower: Tower,
) -> None:
    csrf = _login(tower, "planner")
    with _uow(tower) as uow:
        before = plan_reports.current_run(uow).id

    # when the planner starts a run of 6 weeks
    answer = tower.client.post(
        "/app/plan/runs", data={"csrf_token": csrf, "horizon": "6"}, follow_redirects=False
    )

    # then the plan page watches it, polling its progress until it ends
    assert answer.status_code == 303
    ticket = int(re.findall(r"run=(\d+)", answer.headers["location"])[0])
    watching = tower.client.get(answer.headers["location"])
    assert f"Run {ticket} on this server" in _text(watching.text)
    ended = _text(_poll(tower, ticket))
    # and it wrote a new plan version, now current, with the horizon asked and its actor
    with _uow(tower) as uow:
        run = plan_reports.current_run(uow)
    assert run.id > before and run.horizon == 6 and run.actor == f"user:{tower.users['planner']}"
    assert "complete" in ended and f"Plan {run.id} is current" in ended
    assert f"{run.stats['orders']} planned orders" in ended and "100 %" in ended
    # and the page itself, asked without htmx, is the plan page watching the run
    plain = tower.client.get(f"/app/plan/runs/{ticket}", follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].startswith("/app/plan?run=")


def test_the_plan_page_reloads_once_when_the_run_it_watches_completes(tower: Tower) -> None:
    csrf = _login(tower, "admin")
    started = tower.client.post(
        "/app/plan/runs", data={"csrf_token": csrf, "horizon": "6"}, follow_redirects=False
    )
    ticket = int(re.findall(r"run=(\d+)", started.headers["location"])[0])
    watching = tower.client.get(started.headers["location"]).text
    poll = f"/app/plan/runs/{ticket}?watching=1"
    # the page watching the run (if it still goes) polls with watching=1
    assert 'hx-get="/app/plan/runs/' not in watching or f'hx-get="{poll}"' in watching
    deadline = time.monotonic() + 120
    while True:  # when the page polls until the run ends
        part = tower.client.get(poll, headers={"HX-Request": "true"})
        if "hx-trigger" not in part.text or time.monotonic() > deadline:
            break
        assert "HX-Refresh" not in part.headers  # no reload while it goes
    with _uow(tower) as uow:
        run = plan_reports.current_run(uow).id
    # then the answer that finds it complete reloads the page, and links to the new plan
    assert part.headers.get("HX-Refresh") == "true", part.text
    assert f"Show plan {run}" in _text(part.text)
    # and the reloaded page shows the new plan in its header and does not poll (no loop)
    page = tower.client.get(f"/app/plan?run={ticket}")
    assert f"version {run}," in _text(page.text) and "hx-trigger" not in page.text
    # and a fragment asked by anything but a watching poll does not reload
    plain = tower.client.get(f"/app/plan/runs/{ticket}", headers={"HX-Request": "true"})
    assert "HX-Refresh" not in plain.headers


def test_a_second_run_is_refused_while_one_goes_and_a_bad_horizon_is_refused(
    tower: Tower,
) -> None:
    csrf = _login(tower, "admin")
    board = board_of(tower.client.app)
    ticket = board.claim(actor="user:someone@else.test", now=NOW, horizon=8)  # a run going
    try:
        answer = tower.client.post("/app/plan/runs", data={"csrf_token": csrf, "horizon": "8"})
        assert answer.status_code == 422
        assert "still going: one run at a time" in _text(answer.text)
        assert "user:someone@else.test" in _text(answer.text)
    finally:
        board.fail(ticket, "ended by the test", at=NOW)
    for horizon, message in (
        ("0", "horizon"),
        ("x", "'x' is not a whole number"),
        ("", "required"),
    ):
        answer = tower.client.post("/app/plan/runs", data={"csrf_token": csrf, "horizon": horizon})
        assert answer.status_code == 422 and message in _text(answer.text)


def test_an_unknown_run_answers_the_404_page_and_a_poll_for_it_says_so(tower: Tower) -> None:
    _login(tower, "viewer")
    part = tower.client.get("/app/plan/runs/9999", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "no planning run 9999" in part.text
    assert "hx-trigger" not in part.text


def test_the_diff_page_lists_each_changed_item_with_its_cause(tower: Tower) -> None:
    _login(tower, "viewer")
    first, second = tower.runs
    with _uow(tower) as uow:
        changes = plan_reports.diff_runs(uow, first, second)
    assert changes

    page = tower.client.get("/app/plan/diff", params={"old": first, "new": second})

    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td>([^<]*)</td>", page.text)
    assert rows == [c.sku for c in changes]
    text = _text(page.text)
    for change in changes:
        assert change.caused_by in text
    assert f"Plan {first} (complete" in text and f"plan {second} (complete" in text
    # an unknown version is the 404 page
    assert tower.client.get("/app/plan/diff", params={"new": 999}).status_code == 404


# -- Suppliers -------------------------------------------------------------------------------


def test_the_suppliers_page_shows_the_services_scorecards_tiers_and_kraljic_matrix(
    tower: Tower,
) -> None:
    _login(tower, "viewer")
    period = f"{NOW.year}-{NOW.month:02d}"
    with _uow(tower) as uow:
        cards = scorecards.scorecards(
            uow, period=period, today=NOW.date(), **scorecards.options_from(_settings(tower))
        )
        tiers = supplier_tiers.recommend_tiers(uow, now=NOW)
        items = supplier_tiers.kraljic(uow, now=NOW)

    page = tower.client.get("/app/suppliers")

    assert page.status_code == 200
    assert re.findall(r'<tr id="supplier-([^"]+)">', page.text) == [c.supplier for c in cards]
    sew = next(c for c in cards if c.supplier == "SEW-PT")
    row = page.text.split('<tr id="supplier-SEW-PT">')[1].split("</tr>")[0]
    otif = sew.figure("otif")
    assert otif.value is not None  # the received orders give it a figure
    assert f"{sew.spend:,.2f} EUR" in row and f"{otif.value.normalize():f} %" in _text(row)
    assert f"{sew.total:.1f}" in row
    tier = next(t for t in tiers if t.supplier == "SEW-PT")
    assert tier.stored_tier in _text(row)
    for item in items:
        quadrant = page.text.split(f'id="quadrant-{item.quadrant}"')[1].split("</li>")[0]
        assert item.item in quadrant
    # a bad period is refused with its message, the page shown for this month
    bad = tower.client.get("/app/suppliers", params={"period": "2026-13"})
    assert bad.status_code == 422 and "2026-13" in _text(bad.text)
    assert re.findall(r'<tr id="supplier-([^"]+)">', bad.text) == [c.supplier for c in cards]


def test_a_supplier_page_shows_every_figure_with_its_formula_and_the_trend(tower: Tower) -> None:
    _login(tower, "viewer")
    page = tower.client.get("/app/suppliers/SEW-PT")

    assert page.status_code == 200
    with _uow(tower) as uow:
        history = scorecards.scorecard_history(
            uow, supplier="SEW-PT", periods=6, until_period=f"{NOW.year}-{NOW.month:02d}",
            today=NOW.date(), **scorecards.options_from(_settings(tower)),
        )  # fmt: skip
    card = history[-1]
    text = _text(page.text)
    for figure in card.figures:
        assert f'id="figure-{figure.key}"' in page.text
        assert figure.formula.split(";")[0] in text
    # the trend chart carries the six periods and the totals the service gives
    data = re.search(r'class="chart-data"[^>]*>(.*?)</script>', page.text, re.S)
    assert data is not None
    assert [c.period for c in history] == re.findall(r'"(\d{4}-\d{2})"', data.group(1))
    # a viewer does not store tiers
    assert 'id="tier-form"' not in page.text
    assert tower.client.get("/app/suppliers/NOPE").status_code == 404


def test_a_buyer_stores_a_tier_with_its_reason_and_a_missing_reason_is_refused(
    tower: Tower,
) -> None:
    csrf = _login(tower, "buyer")
    page = tower.client.get("/app/suppliers/PACK-PT")
    assert 'id="tier-form"' in page.text

    refused = tower.client.post(
        "/app/suppliers/PACK-PT/tier", data={"csrf_token": csrf, "tier": "A", "reason": " "}
    )
    assert refused.status_code == 422 and "say why the tier changes" in _text(refused.text)

    answer = tower.client.post(
        "/app/suppliers/PACK-PT/tier",
        data={"csrf_token": csrf, "tier": "A", "reason": "packs our new line"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "PACK-PT is tier A (changed B -> A)" in _text(
        tower.client.get(answer.headers["location"]).text
    )
    with _uow(tower) as uow:
        tiers = {t.supplier: t for t in supplier_tiers.recommend_tiers(uow, now=NOW)}
    assert tiers["PACK-PT"].stored_tier == "A"


# -- Procurement -----------------------------------------------------------------------------


def test_the_procurement_page_lists_rfqs_pos_receipts_held_invoices_and_payments(
    tower: Tower,
) -> None:
    _login(tower, "viewer")
    with _uow(tower) as uow:
        held = invoicing.show_invoice(uow, tower.held)
        (payment,) = [p for p in payments.list_payments(uow) if p.invoice == tower.scheduled]
        receipts = receiving.list_receipts(uow)

    page = tower.client.get("/app/procurement")

    assert page.status_code == 200
    text = _text(page.text)
    for number in (tower.rfq_award, tower.rfq_compare, tower.rfq_draft):
        assert f'id="rfq-{number}"' in page.text
    assert f'id="po-{tower.po_draft}"' in page.text
    assert all(r.number in text for r in receipts)
    # the held invoice with its reasons; the payment with what it retains for the fund
    card = page.text.split(f'id="invoice-{held.number}"')[1].split("</li>\n</ul>")[0]
    assert held.hold_reasons and all(r in _text(card) for r in held.hold_reasons)
    assert payment.retained == payment.gross * 5 / 100 and payment.retained > 0
    row = page.text.split('<table id="payments">')[1].split("</table>")[0]
    assert f"{payment.retained:,.2f} EUR" in row and f"{payment.amount:,.2f} EUR" in row
    # a viewer sees no action
    for action in ("Send</button>", "Issue</button>", "Release the hold"):
        assert action not in page.text


def test_quotes_are_compared_by_landed_cost_and_the_buyer_awards_the_one_ticked(
    tower: Tower,
) -> None:
    csrf = _login(tower, "buyer")
    with _uow(tower) as uow:
        rows = rfqs.compare_quotes(uow, tower.rfq_award, now=NOW)

    page = tower.client.get(f"/app/procurement/rfqs/{tower.rfq_award}")

    # then each quote is a row in rank order with its landed cost, the best ticked by default
    assert page.status_code == 200
    best = min(rows, key=lambda r: r.rank or 99)
    assert best.supplier == "SEW-LX"
    assert re.search(rf'value="{best.supplier}"[^>]*checked', page.text)
    for row in rows:
        assert f"{row.landed_cost:,.2f} EUR" in page.text

    # when the buyer awards the line to the other supplier
    answer = tower.client.post(
        f"/app/procurement/rfqs/{tower.rfq_award}/award",
        data={"csrf_token": csrf, "line1": "SEW-PT"},
        follow_redirects=False,
    )

    # then the RFQ is awarded with a draft PO to that supplier at its quoted price
    assert answer.status_code == 303
    with _uow(tower) as uow:
        rfq = rfqs.show_rfq(uow, tower.rfq_award)
        (po_number,) = rfq.purchase_orders
        po = purchase_orders.show_po(uow, po_number)
    assert rfq.status == "awarded" and po.supplier == "SEW-PT" and po.status == "draft"
    assert str(po.lines[0].unit_price) == "4.10"
    assert po_number in _text(tower.client.get(answer.headers["location"]).text)
    # and awarding again is refused with the state machine's message
    again = tower.client.post(
        f"/app/procurement/rfqs/{tower.rfq_award}/award", data={"csrf_token": csrf}
    )
    assert again.status_code == 422 and "awarded" in _text(again.text)


def test_a_buyer_sends_a_draft_rfq_and_issues_a_draft_po_from_the_page(tower: Tower) -> None:
    csrf = _login(tower, "buyer")
    page = tower.client.get("/app/procurement")
    assert f"/app/procurement/rfqs/{tower.rfq_draft}/send" in page.text

    sent = tower.client.post(
        f"/app/procurement/rfqs/{tower.rfq_draft}/send", data={"csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip
    issued = tower.client.post(
        f"/app/procurement/pos/{tower.po_draft}/send", data={"csrf_token": csrf},
        follow_redirects=False,
    )  # fmt: skip

    assert sent.status_code == issued.status_code == 303
    with _uow(tower) as uow:
        assert rfqs.show_rfq(uow, tower.rfq_draft).status == "sent"
        assert purchase_orders.show_po(uow, tower.po_draft).status == "sent"
    # mail is not set up in tests: the message says so
    assert "not e-mailed" in _text(tower.client.get(issued.headers["location"]).text)
    # sending it again is refused, saying why, and an unknown one is the 404 page
    again = tower.client.post(
        f"/app/procurement/pos/{tower.po_draft}/send", data={"csrf_token": csrf}
    )
    assert again.status_code == 422 and tower.po_draft in _text(again.text)
    gone = tower.client.post("/app/procurement/pos/PO-999999/send", data={"csrf_token": csrf})
    assert gone.status_code == 404


def test_finance_releases_a_held_invoice_with_a_reason(tower: Tower) -> None:
    csrf = _login(tower, "finance")
    path = f"/app/procurement/invoices/{tower.held}/release"
    assert path in tower.client.get("/app/procurement").text

    refused = tower.client.post(path, data={"csrf_token": csrf, f"reason-{tower.held}": ""})
    assert refused.status_code == 422
    with _uow(tower) as uow:
        assert invoicing.show_invoice(uow, tower.held).status == "held"

    answer = tower.client.post(
        path, data={"csrf_token": csrf, f"reason-{tower.held}": "price agreed by phone"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    with _uow(tower) as uow:
        assert invoicing.show_invoice(uow, tower.held).status != "held"


# -- Quote -----------------------------------------------------------------------------------


def test_the_quote_page_gives_the_answer_of_post_quote_with_breakdown_and_alternatives(
    tower: Tower,
) -> None:
    options = {"M-DYE": "INDIGO", "M-ENGRAVING": "Anna"}
    token = token_for(tower.engine, tower.users["viewer"])
    api = tower.client.post(
        "/quote",
        json={"sku": BAG, "options": options, "quantity": 2, "speed_tier": "basic"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    _login(tower, "viewer")

    asked = tower.client.get("/app/quote", params={"sku": BAG})
    assert asked.status_code == 200
    assert 'name="option.M-DYE"' in asked.text and 'name="option.M-ENGRAVING"' in asked.text
    page = tower.client.get(
        "/app/quote",
        params={"sku": BAG, "option.M-DYE": "INDIGO", "option.M-ENGRAVING": "Anna",
                "quantity": "2", "speed_tier": "basic", "go": "1"},
    )  # fmt: skip

    assert page.status_code == 200
    result = _text(page.text.split('id="quote-result"')[1])
    assert f"{float(api['total']):,.2f} EUR" in result
    ship = date.fromisoformat(api["ship_date"])
    assert f"{ship:%a} {ship.day} {ship:%b %Y}" in result
    for line in api["price"]:
        assert line["label"] in result
    for stage in api["stages"]:
        assert stage["label"] in result
    assert api["alternatives"]
    for alternative in api["alternatives"]:
        assert alternative["description"] in result
    # an unknown product and a missing option say what is wrong
    unknown = tower.client.get("/app/quote", params={"sku": "NOPE", "go": "1"})
    assert unknown.status_code == 422 and "NOPE" in _text(unknown.text)
    missing = tower.client.get("/app/quote", params={"sku": BAG, "go": "1"})
    assert missing.status_code == 422 and "Colour" in _text(missing.text)


# -- who may do what -------------------------------------------------------------------------

PAGES = ("/app/plan", "/app/plan/diff", "/app/suppliers", "/app/suppliers/SEW-PT",
         "/app/procurement", "/app/quote")  # fmt: skip


def test_a_viewer_sees_no_action_and_its_posts_are_refused(tower: Tower) -> None:
    csrf = _login(tower, "viewer")
    plan = tower.client.get("/app/plan").text
    assert "Start a planning run" not in plan and "Draft an RFQ" not in plan
    compare = tower.client.get(f"/app/procurement/rfqs/{tower.rfq_compare}").text
    assert "Award</button>" not in compare and 'type="radio"' not in compare
    posts = (
        ("/app/plan/runs", {"horizon": "4"}),
        ("/app/plan/release", {"number": "1", "suppliers": "SEW-PT", "to": "rfq"}),
        (f"/app/procurement/rfqs/{tower.rfq_compare}/award", {}),
        (f"/app/procurement/rfqs/{tower.rfq_draft}/send", {}),
        (f"/app/procurement/invoices/{tower.held}/release", {f"reason-{tower.held}": "x"}),
        ("/app/suppliers/SEW-PT/tier", {"tier": "B", "reason": "x"}),
    )
    for path, data in posts:
        answer = tower.client.post(path, data={"csrf_token": csrf, **data})
        assert answer.status_code == 403, path
        assert "Not for this account" in answer.text
    with _uow(tower) as uow:
        assert rfqs.show_rfq(uow, tower.rfq_compare).status == "sent"


def test_a_supplier_user_gets_the_403_page_on_every_page(tower: Tower) -> None:
    _login(tower, "supplier")
    for path in PAGES:
        answer = tower.client.get(path)
        assert answer.status_code == 403, path
        assert "Not for this account" in answer.text and FABRIC not in answer.text


def test_nobody_logged_in_is_sent_to_log_in(tower: Tower) -> None:
    tower.client.cookies.clear()
    answer = tower.client.get("/app/plan", headers={"Accept": "text/html"}, follow_redirects=False)
    assert answer.status_code in (302, 303, 307) and "/login" in answer.headers["location"]


def test_a_post_without_its_csrf_token_is_refused(tower: Tower) -> None:
    _login(tower, "admin")
    answer = tower.client.post("/app/plan/runs", data={"horizon": "4"})
    assert answer.status_code == 403
    assert board_of(tower.client.app).view() is None or not board_of(tower.client.app).view().going  # type: ignore[union-attr]


# -- an empty company ------------------------------------------------------------------------


EMPTY = {
    "/app/plan": "No plan yet",
    "/app/plan/diff": "No plan yet, so nothing to compare",
    "/app/suppliers": "No suppliers yet",
    "/app/procurement": "No RFQs yet",
    "/app/quote": "Enter a product's SKU",
}


def test_each_page_says_what_to_do_next_when_the_company_is_empty(
    engine: Engine, database_url: str
) -> None:
    email = make_user(engine, "planner")
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app) as client:
        client.post("/login", data={"email": email, "password": PASSWORD})
        for path, empty in EMPTY.items():
            page = client.get(path)
            assert page.status_code == 200, (path, page.text)
            assert empty in _text(page.text), path
