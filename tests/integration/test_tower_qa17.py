"""Issue 17's QA pass on the control tower, through HTTP on both databases: the focus ring on
the dark header stands out (>= 3:1); a page's query survives the trip through the login (and
the login still goes nowhere but this server); a status filter the order book cannot use is
left out, as its message says, and the other orders show; a renegotiation card names an item
without a cost model once, not once per price tier; a kind of Today with no entry says where
such entries come from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.today import Kind
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.web.tower.today import KIND_SOURCES
from flexchain.services import price_watch
from flexchain.services.imports import import_rows
from tests.auth import PASSWORD, bearer, make_user
from tests.integration.test_tower_orders_inventory import build

HTML = {"Accept": "text/html"}
NOW = datetime.now(UTC).replace(microsecond=0)
PRICES = {
    "items": [
        {"sku": "CANVAS", "name": "Canvas", "kind": "raw", "uom": "m"},
        {"sku": "TWILL", "name": "Twill", "kind": "raw", "uom": "m"},
    ],
    "contracts": [
        {"code": "C-SEW", "supplier_code": "SEW-PT", "valid_from": NOW.date() - timedelta(days=400),
         "valid_to": NOW.date() + timedelta(days=400), "currency": "EUR"},
    ],
    "contract-prices": [
        {"contract_code": "C-SEW", "item_sku": sku, "min_quantity": least, "unit_price": price}
        for sku, least, price in (("CANVAS", 0, "5.00"), ("CANVAS", 100, "4.50"),
                                  ("TWILL", 0, "7.00"), ("TWILL", 100, "6.50"),
                                  ("TWILL", 500, "6.00"))
    ],
}  # fmt: skip


@dataclass(frozen=True)
class World:
    client: TestClient
    engine: Engine
    viewer: dict[str, str]
    url: str


def _prices(engine: Engine) -> None:
    """SEW-PT's contract C-SEW: canvas (with a cost model) and twill (without) in price tiers,
    its cotton clause 20 % over the base: a renegotiation task."""
    base = NOW.date() - timedelta(days=200)
    with UnitOfWork(engine, actor="buyer") as uow:
        for kind, rows in PRICES.items():
            import_rows(uow, kind, rows, source=f"qa17 {kind}")
        price_watch.import_index_rows(
            uow,
            [
                (1, {"index": "COTTON", "date": base, "value": "1.80", "unit": "USD/kg"}),
                (2, {"index": "COTTON", "date": NOW.date() - timedelta(days=2), "value": "2.16"}),
            ],
            now=NOW,
        )
        price_watch.set_cost_model(
            uow, "CANVAS", material="0.6", energy="0.1", tooling="0.1", labour="0.2",
            indices={"material": "COTTON"}, now=NOW,
        )  # fmt: skip
        price_watch.add_index_clause(
            uow, "C-SEW", index="COTTON", base="1.80", base_date=base, now=NOW
        )
        assert price_watch.watch(uow, NOW.date(), now=NOW).raised
        uow.commit()


@pytest.fixture(scope="module")
def world(module_database_url: str) -> Iterator[World]:
    engine = make_engine(module_database_url)
    try:
        build(engine)
        _prices(engine)
        app = create_app(Settings(database_url=module_database_url, outbox_worker=False))
        with TestClient(app) as client:
            yield World(client, engine, {**HTML, **bearer(engine, "viewer")}, module_database_url)
    finally:
        engine.dispose()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _contrast(a: str, b: str) -> float:
    def lum(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((lum(a), lum(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_on_the_dark_header_has_3_to_1_contrast(world: World) -> None:
    css = world.client.get("/app/static/tower.css", headers=world.viewer)
    assert css.status_code == 200
    header = re.search(r"header\.top\{background:(#[0-9a-f]{6})", css.text)
    ring = re.search(r"header\.top :focus-visible\{outline:3px solid (#[0-9a-f]{6})", css.text)
    elsewhere = re.search(r"a:focus-visible,[^{]*\{outline:3px solid (#[0-9a-f]{6})", css.text)
    assert header and ring and elsewhere
    assert _contrast(ring[1], header[1]) >= 3  # the header's own ring
    assert _contrast(elsewhere[1], "#ffffff") >= 3  # the orange ring on the white page
    assert _contrast(elsewhere[1], header[1]) < 3  # why the header needs its own
    page = world.client.get("/app/today", headers=world.viewer)
    assert '<header class="top">' in page.text and "/app/static/tower.css" in page.text


def test_the_login_keeps_the_pages_query_and_goes_nowhere_else(world: World) -> None:
    client = TestClient(world.client.app)
    sent = client.get("/app/today?kind=rfq_to_award&x=1", headers=HTML, follow_redirects=False)
    assert sent.headers["location"] == "/login?next=/app/today%3Fkind%3Drfq_to_award%26x%3D1"
    form = client.get(sent.headers["location"], headers=HTML)
    assert 'name="next" value="/app/today?kind=rfq_to_award&amp;x=1"' in form.text
    typed = client.get("/login?next=/app/today?kind=purchase", headers=HTML)
    assert 'name="next" value="/app/today?kind=purchase"' in typed.text
    email = make_user(world.engine, "planner")

    def after_login(target: str) -> str:
        client.cookies.clear()
        answer = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "next": target},
            headers=HTML,
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return str(answer.headers["location"])

    assert after_login("/app/today?kind=purchase") == "/app/today?kind=purchase"
    assert after_login("/app/orders?status=shipped&q=TEE") == "/app/orders?status=shipped&q=TEE"
    for elsewhere in (
        "//evil.example/app",
        "/\\evil.example",
        "https://evil.example/",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "app/today",
    ):
        assert after_login(elsewhere) == "/", elsewhere
        shown = client.get("/login", params={"next": elsewhere}, headers=HTML)
        assert 'name="next" value="/"' in shown.text, elsewhere


def test_an_unknown_status_is_left_out_and_the_other_orders_show(world: World) -> None:
    every = _text(world.client.get("/app/orders", headers=world.viewer).text)
    assert "4 orders" in every
    bogus = world.client.get("/app/orders", params={"status": "bogus"}, headers=world.viewer)
    assert bogus.status_code == 200
    shown = _text(bogus.text)
    assert "Filter not used: unknown status &#39;bogus&#39;" in shown
    assert "4 orders" in shown and bogus.text.count('<th scope="row"><a href="/app/orders/') == 4
    # the other filters still apply: the search finds the bag alone
    both = world.client.get(
        "/app/orders", params={"status": "bogus", "q": "BAG-CANVAS"}, headers=world.viewer
    )
    assert "Filter not used:" in both.text and "1 order" in _text(both.text)
    # dates the wrong way round: the start is left out, as said, the end kept
    day = str(NOW.date())
    dates = world.client.get(
        "/app/orders", params={"since": day, "until": str(NOW.date() - timedelta(days=400))},
        headers=world.viewer,
    )  # fmt: skip
    assert "Filter not used:" in dates.text and "is after until" in dates.text
    assert "No order matches these filters." in dates.text


def test_a_renegotiation_card_names_an_item_without_a_cost_model_once(world: World) -> None:
    page = world.client.get("/app/today?kind=renegotiation", headers=world.viewer)
    assert page.status_code == 200
    card = _text(page.text)
    assert card.count("no cost model") == 1 and "no cost model for TWILL" in card
    assert card.count("CANVAS from ") == 2  # each of canvas's tiers, with its arithmetic
    assert "TWILL: no cost model" not in card


@pytest.mark.parametrize(
    ("kind", "source"),
    [
        (Kind.RFQ_TO_AWARD, "appear when a sent RFQ has quotes to compare"),
        (Kind.INVOICE_HELD, "appear when an invoice fails the three-way match"),
        (Kind.FAILED_WEBHOOK, "Failed webhooks appear when"),
        (Kind.CERTIFICATE_EXPIRING, "Certificates expiring appear when"),
    ],
)
def test_a_kind_with_no_entry_says_where_such_entries_come_from(
    world: World, kind: Kind, source: str
) -> None:
    page = world.client.get(f"/app/today?kind={kind}", headers=world.viewer)
    text = _text(page.text)
    assert "Nothing of this kind waits for you." in text and source in text
    assert 'id="kind-source"' in page.text and "all of Today" in text


def test_every_kind_says_where_its_entries_come_from() -> None:
    assert set(KIND_SOURCES) == set(Kind)
    assert all(" appear when " in line for line in KIND_SOURCES.values())
