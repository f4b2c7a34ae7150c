"""The supplier portal's buying and money pages through HTTP, on both databases: each page for
a supplier with data and empty; forms that change state through the services; a refused value
shown next to its field with what was typed; another supplier's RFQ, order or invoice by URL
answers the same 404 page as one that does not exist; a brand user gets the 403 page; a form
without its CSRF token is refused; nobody logged in is sent to log in."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.entrypoints.api import create_app
from flexchain.services import (
    capacity_holds,
    files,
    invoicing,
    payments,
    purchase_orders,
    receiving,
    rfqs,
    spot_checks,
)
from flexchain.services.files import FileStore
from flexchain.services.imports import import_rows
from tests.auth import PASSWORD, make_user
from tests.integration.test_portal_work import PNG

UowFactory = Callable[..., UnitOfWork]
NOW = datetime.now(UTC).replace(microsecond=0)
FAR = date(2099, 3, 1)
"""Dates the supplier types: always ahead of the real clock the pages run on."""

WORLD: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {
            "code": "FAB-PT",
            "name": "Tecidos Lda",
            "tier": "S",
            "country": "PT",
            "payment_terms_days": 45,
        },
        {"code": "FAB-IT", "name": "Tessuti SpA", "tier": "A", "country": "IT"},
        {"code": "NEW-ES", "name": "Nuevo SL", "tier": "B", "country": "ES"},
    ],
    "items": [
        {"sku": "FABRIC", "name": "Canvas fabric", "kind": "raw", "uom": "m"},
        {"sku": "ZIP", "name": "Zip 30 cm", "kind": "raw"},
    ],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
    "contracts": [
        {
            "code": "C-FAB",
            "supplier_code": "FAB-PT",
            "valid_from": date(2020, 1, 1),
            "valid_to": date(2099, 12, 31),
            "retention_pct": 5,
        },
        {
            "code": "C-IT",
            "supplier_code": "FAB-IT",
            "valid_from": date(2020, 1, 1),
            "valid_to": date(2099, 12, 31),
        },
    ],
    "contract-prices": [
        {"contract_code": "C-FAB", "item_sku": "FABRIC", "min_quantity": 0, "unit_price": "10.00"},
        {"contract_code": "C-IT", "item_sku": "FABRIC", "min_quantity": 0, "unit_price": "11.00"},
    ],
}


@dataclass(frozen=True)
class Shop:
    """The API and the records the tests act on."""

    client: TestClient
    engine: Engine
    users: dict[str, str]
    rfq: str
    closed_rfq: str
    to_confirm: str
    received: str
    invoice: str
    theirs: dict[str, str]
    hold: int


def _do(make_uow: UowFactory, action: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    with make_uow(actor="brand") as uow:
        result = action(uow, *args, now=kw.pop("now", NOW), **kw)
        uow.commit()
    return result


def _order(make_uow: UowFactory, contract: str, quantity: int = 100) -> str:
    po = _do(
        make_uow, purchase_orders.create_po, contract=contract,
        lines=[{"item": "FABRIC", "quantity": quantity, "due_date": FAR}],
    )  # fmt: skip
    _do(make_uow, purchase_orders.issue_po, po.number)
    return str(po.number)


def _invoiced(make_uow: UowFactory, contract: str) -> tuple[str, str]:
    """An order confirmed, received, invoiced and approved: (order, invoice)."""
    number = _order(make_uow, contract)
    _do(make_uow, purchase_orders.confirm_po, number)
    _do(make_uow, receiving.receive_po, number, {1: 100})
    invoice = _do(
        make_uow, invoicing.register_invoice, po_number=number, supplier_invoice_number="FT 1",
        invoice_date=NOW.date(), lines=[(1, 100, "10.00" if contract == "C-FAB" else "11.00")],
        base_currency="EUR",
    )  # fmt: skip
    _do(make_uow, invoicing.approve_invoice, invoice.number)
    return number, str(invoice.number)


def _build(make_uow: UowFactory, store: FileStore) -> dict[str, Any]:
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"portal {kind}")
        uow.commit()
    rfq = _do(
        make_uow, rfqs.create_rfq, suppliers=["FAB-PT", "FAB-IT"],
        lines=[{"item": "FABRIC", "quantity": "100", "need_date": FAR},
               {"item": "ZIP", "quantity": 50, "need_date": FAR}],
        reply_by=FAR,
    )  # fmt: skip
    _do(make_uow, rfqs.send_rfq, rfq.number)
    other_rfq = _do(
        make_uow, rfqs.create_rfq, suppliers=["FAB-IT"],
        lines=[{"item": "FABRIC", "quantity": "10", "need_date": FAR}],
    )  # fmt: skip
    _do(make_uow, rfqs.send_rfq, other_rfq.number)
    closed = _do(
        make_uow, rfqs.create_rfq, suppliers=["FAB-PT"],
        lines=[{"item": "ZIP", "quantity": "500", "need_date": FAR}],
    )  # fmt: skip
    _do(make_uow, rfqs.send_rfq, closed.number)
    _do(make_uow, rfqs.cancel_rfq, closed.number)
    received, invoice = _invoiced(make_uow, "C-FAB")
    their_po, their_invoice = _invoiced(make_uow, "C-IT")
    to_confirm = _order(make_uow, "C-FAB")
    _do(
        make_uow, files.attach_to_po, store, to_confirm, files.Upload("pattern.png", PNG),
        note="cutting pattern",
    )  # fmt: skip
    for supplier in ("FAB-PT", "FAB-IT"):  # a spot check each: FAB-PT counts only its own
        _do(make_uow, spot_checks.request_spot_check, supplier=supplier, reason="random pick")
    hold = _do(
        make_uow, capacity_holds.hold_capacity, supplier="FAB-PT", quantity=300, unit="m",
        held_from=FAR, days=14, firm_within_hours=24 * 30, request=True, note="spring run",
    )  # fmt: skip
    return {
        "rfq": rfq.number,
        "closed_rfq": closed.number, "to_confirm": to_confirm, "received": received,
        "invoice": invoice,
        "theirs": {"rfq": other_rfq.number, "po": their_po, "invoice": their_invoice},
        "hold": hold.id,
    }  # fmt: skip


@contextmanager
def _serving(engine: Engine, database_url: str, stored: Path) -> Iterator[Shop]:
    settings = Settings(database_url=database_url, outbox_worker=False, file_store_dir=stored)
    built = _build(lambda **kw: UnitOfWork(engine, **kw), files.store_for(settings))
    users = {
        "FAB-PT": make_user(engine, "supplier", supplier="FAB-PT"),
        "NEW-ES": make_user(engine, "supplier", supplier="NEW-ES"),
        "buyer": make_user(engine, "buyer"),
    }
    with TestClient(create_app(settings)) as client:
        yield Shop(client, engine, users, **built)


@pytest.fixture
def shop(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Shop]:
    """A world of its own, for a test that changes it."""
    with _serving(engine, database_url, tmp_path) as served:
        yield served


@pytest.fixture(scope="module")
def seen(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """One world per backend for the tests that only look (or are refused: nothing changes)."""
    engine = make_engine(module_database_url)
    try:
        with _serving(engine, module_database_url, tmp_path_factory.mktemp("files")) as served:
            yield served
    finally:
        engine.dispose()


def _uow(shop: Shop) -> UnitOfWork:
    return UnitOfWork(shop.engine, write=False)


def _login(shop: Shop, who: str) -> str:
    """Log ``who`` in on the client (its session cookie); the session's CSRF token."""
    shop.client.cookies.clear()
    answer = shop.client.post("/login", data={"email": shop.users[who], "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf_token"])


def _text(html: str) -> str:
    """The page's words, tags dropped and spaces collapsed (what a reader sees)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _value(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    assert found, f"no field {name}"
    return found.group(1)


# -- pages with data, and empty -------------------------------------------------------------


def test_today_lists_what_waits_for_the_supplier(seen: Shop) -> None:
    _login(seen, "FAB-PT")
    # when FAB-PT opens the portal
    page = seen.client.get("/portal")
    # then it counts the RFQ to answer, the order to confirm and the hold request, with links
    assert page.status_code == 200
    text = _text(page.text)
    assert "1 RFQs to answer" in text and "1 Orders to confirm" in text
    assert "1 Capacity holds to answer" in text and "0 Orders to ship" in text
    assert "1 Spot checks requested" in text
    assert 'href="/portal/rfqs"' in page.text and 'href="/portal/holds"' in page.text
    # and the menu links every portal page
    for path in ("/portal/jobs", "/portal/qc", "/portal/files", "/portal/invoices"):
        assert f'href="{path}"' in page.text


@pytest.mark.parametrize(
    ("path", "empty"),
    [
        ("/portal", "Nothing waits for you today"),
        ("/portal/rfqs", "No RFQ waits for your quote"),
        ("/portal/pos", "No order waits for your confirmation"),
        ("/portal/invoices", "No invoices yet"),
        ("/portal/payments", "No payments yet"),
        ("/portal/holds", "No request from the brand"),
    ],
)
def test_each_page_says_what_to_do_when_empty(seen: Shop, path: str, empty: str) -> None:
    # given a supplier the brand has not dealt with yet
    _login(seen, "NEW-ES")
    page = seen.client.get(path)
    # then the page renders and says what comes there
    assert page.status_code == 200, page.text
    assert empty in _text(page.text)


def test_the_lists_show_the_suppliers_own_records(seen: Shop) -> None:
    _login(seen, "FAB-PT")
    rfq_list = _text(seen.client.get("/portal/rfqs").text)
    assert seen.rfq in rfq_list and seen.theirs["rfq"] not in rfq_list
    po_list = _text(seen.client.get("/portal/pos").text)
    assert seen.to_confirm in po_list and seen.received in po_list
    assert seen.theirs["po"] not in po_list
    invoices = _text(seen.client.get("/portal/invoices").text)
    assert seen.invoice in invoices and "approved" in invoices
    assert seen.theirs["invoice"] not in invoices
    paid = _text(seen.client.get("/portal/payments").text)
    # the approved invoice may be paid early; nothing retained until a payment is scheduled
    assert f"{seen.invoice} : 1,000.00 EUR" in paid
    holds = _text(seen.client.get("/portal/holds").text)
    assert f"Hold {seen.hold} : 300 m" in holds and "spring run" in holds


# -- RFQs ----------------------------------------------------------------------------------------


def test_answering_an_rfq_saves_every_priced_line(shop: Shop, make_uow: UowFactory) -> None:
    csrf = _login(shop, "FAB-PT")
    form = {
        "csrf_token": csrf,
        "l1.unit_price": "9,80", "l1.moq": "50", "l1.lead_time_days": "12",
        "l1.valid_until": "2099-06-30", "l1.note": "dyed to order",
        "l2.unit_price": "", "l2.moq": "", "l2.lead_time_days": "", "l2.valid_until": "",
    }  # fmt: skip
    # when the supplier quotes line 1 and leaves line 2 blank
    answer = shop.client.post(f"/portal/rfqs/{shop.rfq}", data=form, follow_redirects=False)
    # then it is sent on to the RFQ's page, which says so and shows the quote
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/portal/rfqs/{shop.rfq}?done=quoted"
    page = shop.client.get(answer.headers["location"])
    assert "Your quotes were sent" in page.text
    assert _value(page.text, "l1.unit_price") == "9.80"
    # and the service holds exactly that quote
    with make_uow(write=False) as uow:
        view = rfqs.show_rfq(uow, shop.rfq)
    assert [
        (q["supplier"], q["line_no"], q["unit_price"], q["moq"], q["lead_time_days"], q["note"])
        for q in view.quotes
    ] == [("FAB-PT", 1, Decimal("9.80"), Decimal(50), 12, "dyed to order")]


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("l2.unit_price", "abc", "abc"),
        ("l2.lead_time_days", "two", "'two' is not a whole number"),
        ("l2.valid_until", "", "required: the last day your price holds"),
        ("l2.valid_until", "2020-01-01", "is in the past: the quote has already expired"),
    ],
    ids=["price", "lead-time", "validity-missing", "validity-past"],
)
def test_a_refused_quote_shows_the_message_at_its_field_and_saves_nothing(
    seen: Shop, field: str, typed: str, message: str
) -> None:
    csrf = _login(seen, "FAB-PT")
    form = {
        "csrf_token": csrf,
        "l1.unit_price": "9.80", "l1.lead_time_days": "12", "l1.valid_until": "2099-06-30",
        "l2.unit_price": "0.35", "l2.lead_time_days": "20", "l2.valid_until": "2099-06-30",
    }  # fmt: skip
    form[field] = typed
    answer = seen.client.post(f"/portal/rfqs/{seen.rfq}", data=form)
    # then the form comes back (422) with the message next to the field, as typed
    assert answer.status_code == 422
    error_id = field.replace(".", "-") + "-error"
    found = re.search(rf'<p class="field-error" id="{error_id}">([^<]*)</p>', answer.text)
    assert found and message in found.group(1).replace("&#39;", "'"), answer.text
    assert "Nothing was saved" in answer.text
    assert _value(answer.text, field) == typed
    assert _value(answer.text, "l1.unit_price") == "9.80"
    # and not even the good line was saved
    with _uow(seen) as uow:
        assert rfqs.show_rfq(uow, seen.rfq).quotes == ()


def test_quoting_a_cancelled_rfq_says_why_and_saves_nothing(seen: Shop) -> None:
    csrf = _login(seen, "FAB-PT")
    # the list shows it among the closed ones, its page without a form
    assert seen.closed_rfq in _text(seen.client.get("/portal/rfqs").text).split("Closed")[1]
    assert "Send quotes" not in seen.client.get(f"/portal/rfqs/{seen.closed_rfq}").text
    # a quote posted anyway (an old tab) is refused with the rule
    form = {"csrf_token": csrf, "l1.unit_price": "0.30", "l1.lead_time_days": "5",
            "l1.valid_until": "2099-01-01"}  # fmt: skip
    answer = seen.client.post(f"/portal/rfqs/{seen.closed_rfq}", data=form)
    assert answer.status_code == 422
    assert "quotes are taken only while it is sent" in _text(answer.text)
    with _uow(seen) as uow:
        assert rfqs.show_rfq(uow, seen.closed_rfq).quotes == ()


def test_an_rfq_form_without_any_price_asks_for_one(seen: Shop) -> None:
    csrf = _login(seen, "FAB-PT")
    answer = seen.client.post(f"/portal/rfqs/{seen.rfq}", data={"csrf_token": csrf})
    assert answer.status_code == 422
    assert "Enter a unit price for at least one line" in answer.text


# -- purchase orders -------------------------------------------------------------------------


def test_confirming_part_of_an_order_on_another_date(shop: Shop, make_uow: UowFactory) -> None:
    csrf = _login(shop, "FAB-PT")
    page = shop.client.get(f"/portal/pos/{shop.to_confirm}")
    # the form offers the ordered figures
    assert _value(page.text, "c1.quantity") == "100"
    assert _value(page.text, "c1.due_date") == FAR.isoformat()
    later = FAR + timedelta(days=7)
    form = {"csrf_token": csrf, "c1.quantity": "80", "c1.due_date": later.isoformat(),
            "confirm.note": "loom down a week"}  # fmt: skip
    # when the supplier confirms 80 of 100, a week later
    answer = shop.client.post(
        f"/portal/pos/{shop.to_confirm}/confirm", data=form, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    # then the order is confirmed with those figures, the history keeps the ordered ones
    with make_uow(write=False) as uow:
        po = purchase_orders.show_po(uow, shop.to_confirm)
    assert po.status == "confirmed"
    assert (po.lines[0].quantity, po.lines[0].due_date) == (Decimal(80), later)
    assert [(c["ordered_quantity"], c["note"]) for c in po.confirmations] == [
        (Decimal(100), "loom down a week")
    ]
    # and the page now offers the shipment notice for the 80 confirmed
    page = shop.client.get(answer.headers["location"])
    assert "Your confirmation was sent" in page.text
    assert _value(page.text, "s1.quantity") == "80"


def test_confirming_more_than_ordered_shows_the_rule_at_the_line(seen: Shop) -> None:
    csrf = _login(seen, "FAB-PT")
    form = {"csrf_token": csrf, "c1.quantity": "120", "c1.due_date": FAR.isoformat()}
    answer = seen.client.post(f"/portal/pos/{seen.to_confirm}/confirm", data=form)
    assert answer.status_code == 422
    found = re.search(r'id="c1-quantity-error">([^<]*)<', answer.text)
    assert found and "120 is more than the 100 ordered" in found.group(1)
    assert _value(answer.text, "c1.quantity") == "120"
    with _uow(seen) as uow:
        assert purchase_orders.show_po(uow, seen.to_confirm).status == "sent"


def test_posting_a_shipment_notice(shop: Shop, make_uow: UowFactory) -> None:
    csrf = _login(shop, "FAB-PT")
    _do(make_uow, purchase_orders.confirm_po, shop.to_confirm)
    form = {"csrf_token": csrf, "s1.quantity": "60", "shipped_on": FAR.isoformat(),
            "expected_on": (FAR + timedelta(days=3)).isoformat(), "carrier": "DHL",
            "tracking": "JD0001"}  # fmt: skip
    # a notice expected before it ships is refused at its field
    early = {**form, "expected_on": (FAR - timedelta(days=1)).isoformat()}
    refused = shop.client.post(f"/portal/pos/{shop.to_confirm}/notice", data=early)
    assert refused.status_code == 422
    assert re.search(r'id="expected_on-error">[^<]*is before shipped_on', refused.text)
    answer = shop.client.post(
        f"/portal/pos/{shop.to_confirm}/notice", data=form, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    with make_uow(write=False) as uow:
        po = purchase_orders.show_po(uow, shop.to_confirm)
    assert [(n["lines"], n["carrier"], n["tracking"]) for n in po.notices] == [
        (((1, Decimal(60)),), "DHL", "JD0001")
    ]
    # the form now offers what is left: 40
    assert _value(shop.client.get(f"/portal/pos/{shop.to_confirm}").text, "s1.quantity") == "40"


def test_the_files_the_brand_attached_to_an_order_download_from_its_page(seen: Shop) -> None:
    _login(seen, "FAB-PT")
    page = seen.client.get(f"/portal/pos/{seen.to_confirm}")
    found = re.search(r'<a href="(/portal/files/\d+)" download>pattern\.png</a>', page.text)
    assert found and "cutting pattern" in page.text
    assert seen.client.get(found.group(1)).content == PNG
    # an order without files says whom to ask
    other = seen.client.get(f"/portal/pos/{seen.received}")
    assert "No design files or process documents attached to this order" in other.text


def test_the_order_document_downloads_as_pdf(seen: Shop) -> None:
    _login(seen, "FAB-PT")
    pdf = seen.client.get(f"/portal/pos/{seen.to_confirm}/document.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert f'filename="{seen.to_confirm}.pdf"' in pdf.headers["content-disposition"]


# -- money -----------------------------------------------------------------------------------


def test_early_payment_offer_then_request(shop: Shop, make_uow: UowFactory) -> None:
    csrf = _login(shop, "FAB-PT")
    pay_on = NOW.date() + timedelta(days=1)
    # a day in the past is refused at the field
    past = shop.client.get(f"/portal/invoices/{shop.invoice}?pay_on=2020-01-01")
    assert past.status_code == 422 and re.search(r'id="pay_on-error">[^<]*in the past', past.text)
    # the offer for tomorrow: discount and what the supplier receives
    offer = shop.client.get(f"/portal/invoices/{shop.invoice}?pay_on={pay_on}")
    assert offer.status_code == 200 and 'id="offer"' in offer.text
    answer = shop.client.post(
        f"/portal/invoices/{shop.invoice}/early-payment",
        data={"csrf_token": csrf, "pay_on": pay_on.isoformat()},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    with make_uow(write=False) as uow:
        (payment,) = [p for p in payments.list_payments(uow) if p.invoice == shop.invoice]
    assert payment.due_date == pay_on and payment.early_requested_at is not None
    assert payment.discount > 0 and payment.retained == Decimal("50.00")
    # the payments page shows it with the retention, and the fund is still empty (unpaid)
    listed = _text(shop.client.get("/portal/payments").text)
    assert "50.00 EUR" in listed and "early: you asked" in listed


def test_accepting_and_declining_hold_requests(shop: Shop, make_uow: UowFactory) -> None:
    csrf = _login(shop, "FAB-PT")
    second = _do(
        make_uow, capacity_holds.hold_capacity, supplier="FAB-PT", quantity=50, unit="m",
        held_from=FAR, days=7, firm_within_hours=24 * 30, request=True,
    )  # fmt: skip
    # a decline without a reason shows the message at that hold's reason field
    refused = shop.client.post(
        f"/portal/holds/{second.id}/decline", data={"csrf_token": csrf, "reason": " "}
    )
    assert refused.status_code == 422
    assert re.search(rf'id="reason-{second.id}-error">required', refused.text)
    declined = shop.client.post(
        f"/portal/holds/{second.id}/decline",
        data={"csrf_token": csrf, "reason": "looms booked"},
        follow_redirects=False,
    )
    accepted = shop.client.post(
        f"/portal/holds/{shop.hold}/accept", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert declined.status_code == accepted.status_code == 303
    with make_uow(write=False) as uow:
        states = {
            h.id: (h.state, h.decline_reason) for h in capacity_holds.list_holds(uow, now=NOW)
        }
    assert states == {shop.hold: ("held", ""), second.id: ("declined", "looms booked")}
    page = _text(shop.client.get("/portal/holds").text)
    assert "No request from the brand" in page and "(looms booked)" in page
    # accepting it again (a second tab) says why it cannot be
    again = shop.client.post(f"/portal/holds/{shop.hold}/accept", data={"csrf_token": csrf})
    assert again.status_code == 422
    assert f"capacity hold {shop.hold} is held: it can no longer be accepted" in again.text


# -- who may see what ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rfq", "po", "invoice"])
def test_another_suppliers_record_by_url_is_the_404_page(seen: Shop, kind: str) -> None:
    _login(seen, "FAB-PT")
    base = {"rfq": "/portal/rfqs/", "po": "/portal/pos/", "invoice": "/portal/invoices/"}[kind]
    theirs = seen.client.get(base + seen.theirs[kind])
    missing = seen.client.get(base + "NOPE-000001")
    # then both answer a 404 page that says so, and nothing of the other record shows
    assert theirs.status_code == missing.status_code == 404
    assert theirs.headers["content-type"].startswith("text/html")
    assert "Not found" in theirs.text and "belongs to someone else" in theirs.text
    assert "Tessuti" not in theirs.text and "11.00" not in theirs.text


def test_an_address_edited_into_nonsense_is_the_404_page(seen: Shop) -> None:
    csrf = _login(seen, "FAB-PT")
    for answer in (
        seen.client.post("/portal/holds/not-a-number/accept", data={"csrf_token": csrf}),
        seen.client.post(f"/portal/holds/{seen.hold}/approve", data={"csrf_token": csrf}),
        seen.client.post(f"/portal/pos/{seen.to_confirm}/ship", data={"csrf_token": csrf}),
        seen.client.get("/portal/pos/" + "X" * 65),
    ):
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"].startswith("text/html")


def test_another_suppliers_forms_answer_404_and_change_nothing(seen: Shop) -> None:
    csrf = _login(seen, "FAB-PT")
    for url, form in [
        (f"/portal/rfqs/{seen.theirs['rfq']}", {"l1.unit_price": "1", "l1.lead_time_days": "1",
                                                  "l1.valid_until": "2099-01-01"}),
        (f"/portal/pos/{seen.theirs['po']}/notice", {"s1.quantity": "1"}),
        (f"/portal/invoices/{seen.theirs['invoice']}/early-payment", {"pay_on": "2099-01-01"}),
    ]:  # fmt: skip
        assert seen.client.post(url, data={"csrf_token": csrf, **form}).status_code == 404
    with _uow(seen) as uow:
        assert rfqs.show_rfq(uow, seen.theirs["rfq"]).quotes == ()
        assert purchase_orders.show_po(uow, seen.theirs["po"]).notices == ()


def test_a_brand_user_gets_the_403_page_pointing_to_the_brands_pages(seen: Shop) -> None:
    _login(seen, "buyer")
    page = seen.client.get("/portal/rfqs")
    assert page.status_code == 403
    assert "Not for this account" in page.text and 'href="/"' in page.text


def test_a_form_without_its_csrf_token_is_refused(seen: Shop) -> None:
    _login(seen, "FAB-PT")
    answer = seen.client.post(f"/portal/holds/{seen.hold}/accept", data={})
    assert answer.status_code == 403 and "CSRF" in answer.text
    with _uow(seen) as uow:
        assert [h.state for h in capacity_holds.list_holds(uow, now=NOW)] == ["requested"]


def test_nobody_logged_in_is_sent_to_log_in(seen: Shop) -> None:
    seen.client.cookies.clear()
    answer = seen.client.get(
        f"/portal/pos/{seen.to_confirm}", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next=/portal/pos/{seen.to_confirm}"


def test_the_static_files_are_served_to_a_logged_in_user(seen: Shop) -> None:
    _login(seen, "FAB-PT")
    script = seen.client.get("/portal/static/htmx.min.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "text/javascript"
    )
    assert seen.client.get("/portal/static/portal.css").status_code == 200
    assert seen.client.get("/portal/static/portal.js").status_code == 200
    assert seen.client.get("/portal/static/NOTICE").status_code == 404
    seen.client.cookies.clear()
    assert seen.client.get("/portal/static/portal.css").status_code == 401
