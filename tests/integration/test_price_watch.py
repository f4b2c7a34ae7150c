"""The price watch through its services, commands and routes on both databases: index values
from a CSV file and from an HTTP JSON feed served on loopback (all or nothing, each error with
its line and field), cost models and index clauses, the watch raising renegotiation tasks with
their cost impact (idempotent), deciding them, and the quarterly price review."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from flexchain.adapters.db.tables import ContractRow, PurchaseOrderRow, SupplierRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.price_feed import FeedError, fetch_feed
from flexchain.bootstrap import App
from flexchain.config import Settings
from flexchain.domain.errors import IllegalTransition, NotFound, ValidationError
from flexchain.entrypoints.api import errors as api_errors
from flexchain.entrypoints.api.price_watch import router
from flexchain.services import audit, price_watch
from flexchain.services.imports import ImportFailed, import_rows
from tests.auth import bearer
from tests.integration.test_cli import flexchain_cli

UowFactory = Callable[..., UnitOfWork]
D = Decimal
NOW = datetime(2027, 1, 5, 9, tzinfo=UTC)

WORLD: dict[str, list[dict[str, object]]] = {
    "suppliers": [
        {"code": "SEW-PT", "name": "Costura", "tier": "A", "country": "PT", "currency": "EUR"}
    ],
    "items": [
        {
            "sku": "TEE-BODY",
            "name": "Tee body",
            "kind": "module",
            "uom": "pcs",
            "module_type": "standard",
        },
        {
            "sku": "TEE-PRINT",
            "name": "Print",
            "kind": "module",
            "uom": "pcs",
            "module_type": "standard",
        },
    ],
    "contracts": [
        {
            "code": "FA-SEW",
            "supplier_code": "SEW-PT",
            "valid_from": "2026-01-01",
            "valid_to": "2027-12-31",
            "currency": "EUR",
        }
    ],
    "contract-prices": [
        {
            "contract_code": "FA-SEW",
            "item_sku": "TEE-BODY",
            "min_quantity": 0,
            "unit_price": "10.00",
        },
        {
            "contract_code": "FA-SEW",
            "item_sku": "TEE-BODY",
            "min_quantity": 500,
            "unit_price": "9.00",
        },
        {
            "contract_code": "FA-SEW",
            "item_sku": "TEE-PRINT",
            "min_quantity": 0,
            "unit_price": "2.00",
        },
    ],
    "purchase-orders": [
        {
            "po_number": "PO-7",
            "line": 1,
            "supplier": "SEW-PT",
            "sku": "TEE-BODY",
            "quantity": 100,
            "received": 20,
            "unit_price": "10.00",
            "currency": "EUR",
            "due_date": "2027-02-01",
            "status": "open",
        },
    ],
}
COTTON_CSV = "index,date,value,unit\nCOTTON,2026-01-01,1.80,USD/kg\nCOTTON,2026-06-30,1.90,\n"


@pytest.fixture
def world(engine: Engine, make_uow: UowFactory) -> Engine:
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=kind)
        contract_id = uow.session.scalar(select(ContractRow.id).where(ContractRow.code == "FA-SEW"))
        supplier_id = uow.session.scalar(select(SupplierRow.id).where(SupplierRow.code == "SEW-PT"))
        # the PO header the buying module writes: PO-7 is placed under the contract
        uow.session.add(
            PurchaseOrderRow(
                po_number="PO-7",
                supplier_id=supplier_id,
                status="confirmed",
                contract_id=contract_id,
            )
        )
        uow.commit()
    return engine


def _csv(tmp_path: Path, text: str, name: str = "cotton.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(make_uow: UowFactory, path: Path) -> price_watch.IndexImportReport:
    with make_uow(actor="buyer") as uow:
        report = price_watch.import_index_csv(uow, path, now=NOW)
        uow.commit()
    return report


def _add(make_uow: UowFactory, day: str, value: str) -> None:
    with make_uow() as uow:
        price_watch.import_index_rows(
            uow, [(1, {"index": "COTTON", "date": day, "value": value})], now=NOW
        )
        uow.commit()


def _set_up_watch(make_uow: UowFactory, tmp_path: Path) -> None:
    _import(make_uow, _csv(tmp_path, COTTON_CSV))
    with make_uow() as uow:
        price_watch.set_cost_model(
            uow,
            "TEE-BODY",
            material="0.6",
            energy="0.1",
            tooling="0.1",
            labour="0.2",
            indices={"material": "COTTON"},
            now=NOW,
        )
        price_watch.add_index_clause(
            uow, "FA-SEW", index="cotton", base="1.80", base_date=date(2026, 1, 1), now=NOW
        )
        uow.commit()


def _watch(make_uow: UowFactory, today: date) -> price_watch.WatchReport:
    with make_uow(actor="watcher") as uow:
        report = price_watch.watch(uow, today, now=NOW)
        uow.commit()
    return report


def test_a_csv_import_writes_its_values_and_a_reimport_updates_them(
    world: Engine, make_uow: UowFactory, tmp_path: Path
) -> None:
    first = _import(make_uow, _csv(tmp_path, COTTON_CSV + "POWER,2026-06-30,0.21,EUR/kWh\n"))
    assert (first.rows, first.created, first.updated, first.new_indices) == (
        3,
        3,
        0,
        ("COTTON", "POWER"),
    )
    again = _import(make_uow, _csv(tmp_path, COTTON_CSV.replace("1.90", "1.91")))
    assert (again.created, again.updated, again.unchanged, again.new_indices) == (0, 1, 1, ())
    with make_uow(write=False) as uow:
        (cotton, power) = price_watch.list_indices(uow)
        points = price_watch.index_values(uow, "COTTON")
        changes = audit.list_entries(uow, entity="price_index")
    assert (cotton.code, cotton.unit, cotton.values, cotton.latest_value) == (
        "COTTON",
        "USD/kg",
        2,
        D("1.91"),
    )
    assert power.latest_date == date(2026, 6, 30)
    assert [p.value for p in points] == [D("1.80"), D("1.91")]
    # who changed which value from what to what
    latest = changes[0]
    assert (latest.actor, latest.action, latest.key) == ("buyer", "imported", "COTTON")
    assert (latest.before, latest.after) == ({"2026-06-30": "1.9"}, {"2026-06-30": "1.91"})


def test_a_csv_with_bad_rows_writes_nothing_and_names_each_line_and_field(
    world: Engine, make_uow: UowFactory, tmp_path: Path
) -> None:
    bad = _csv(
        tmp_path,
        (
            "Index,Date,Value\nCOTTON,2026-01-01,1.80\nCOTTON,01/02/2026,1.81\n"
            "COTTON,2026-03-01,-1\nCOT TON,2026-04-01,1.9\nCOTTON,2026-01-01,1.85\n"
        ),
    )
    with pytest.raises(ImportFailed) as failed:
        _import(make_uow, bad)
    assert [str(e) for e in failed.value.errors] == [
        "cotton.csv:3: date: expected a date as YYYY-MM-DD, got '01/02/2026'",
        "cotton.csv:4: value: must not be negative, got -1",
        "cotton.csv:5: index: 'COT TON' is not an index code: use 1-64 characters of A-Z, 0-9, "
        "'.', '_', '-'",
        "cotton.csv:6: value: COTTON on 2026-01-01 is already 1.8 (line 2)",
    ]
    with make_uow(write=False) as uow:
        assert price_watch.list_indices(uow) == []
    missing = _csv(tmp_path, "index,day,value\nCOTTON,2026-01-01,1\n", "missing.csv")
    with pytest.raises(ImportFailed, match=r"^missing.csv:1: date: missing column$"):
        _import(make_uow, missing)


class _Feed(BaseHTTPRequestHandler):
    bodies: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.bodies.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body or b'{"error": "not found"}')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def feed_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


FEED = {
    "index": "COTTON",
    "name": "Cotton No. 2",
    "unit": "USD/kg",
    "values": [{"date": "2026-11-30", "value": "1.92"}, {"date": "2026-12-31", "value": "1.98"}],
}
EXACT = (
    b'{"index": "cotton", "name": "Cotton No. 2", "unit": "USD/kg", "values": ['
    b'{"date": "2026-11-30", "value": "1.92"}, {"date": "2026-12-31", "value": 1.98},'
    b'{"date": "2027-01-31", "value": 123456789012.123456}]}'
)
"""The feed with numbers, one with more digits than a float holds."""


def test_the_http_feed_is_imported_with_exact_decimals(
    world: Engine, make_uow: UowFactory, feed_server: str
) -> None:
    _Feed.bodies["/cotton.json"] = EXACT
    with make_uow() as uow:
        report = price_watch.import_index_feed(uow, f"{feed_server}/cotton.json", now=NOW)
        uow.commit()
    assert (report.created, report.new_indices) == (3, ("COTTON",))
    with make_uow(write=False) as uow:
        values = [p.value for p in price_watch.index_values(uow, "COTTON")]
        (index,) = price_watch.list_indices(uow)
    assert values == [D("1.92"), D("1.98"), D("123456789012.123456")]
    assert float(EXACT.split(b": ")[-1].rstrip(b"}]")) != values[2]  # what a float would make
    assert (index.name, index.unit) == ("Cotton No. 2", "USD/kg")


def test_a_bad_feed_writes_nothing_and_says_why(
    world: Engine, make_uow: UowFactory, feed_server: str
) -> None:
    bad = {
        **FEED,
        "values": [
            {"date": "2026-11-30", "value": "1.92"},
            {"date": "2026-12-31"},
            {"date": "31.12.2026", "value": "x"},
        ],
    }
    _Feed.bodies["/bad.json"] = json.dumps(bad).encode()
    _Feed.bodies["/list.json"] = b"[1, 2]"
    url = f"{feed_server}/bad.json"
    with make_uow() as uow, pytest.raises(ImportFailed) as failed:
        price_watch.import_index_feed(uow, url, now=NOW)
    assert [str(e) for e in failed.value.errors] == [
        f"{url}:2: value: expected a number, got NoneType",
        f"{url}:3: date: expected a date as YYYY-MM-DD, got '31.12.2026'",
        f"{url}:3: value: 'x' is not a number",
    ]
    with make_uow(write=False) as uow:
        assert price_watch.list_indices(uow) == []
    with pytest.raises(FeedError, match=r"answered 404"):
        fetch_feed(f"{feed_server}/nothing.json")
    with pytest.raises(FeedError, match=r"expected an object"):
        fetch_feed(f"{feed_server}/list.json")
    with pytest.raises(FeedError, match=r"larger than 10 bytes, refused"):
        fetch_feed(url, max_bytes=10)
    with pytest.raises(FeedError, match=r"only http:// and https://"):
        fetch_feed("file:///etc/passwd")
    with pytest.raises(FeedError, match=r"cannot fetch it"):
        fetch_feed("http://127.0.0.1:9/none.json", timeout=2)


def test_the_watch_raises_one_task_per_move_with_its_cost_impact(
    world: Engine, make_uow: UowFactory, tmp_path: Path
) -> None:
    _set_up_watch(make_uow, tmp_path)
    # +5.56 % by mid-2026: within the clause's +/-8 %
    (check,) = _watch(make_uow, date(2026, 7, 15)).checks
    assert (check.value, check.beyond, check.task) == (D("1.90"), False, None)
    # 1.80 -> 1.98 is +10 %: a task, with the impact per unit and on the 80 units on order
    _add(make_uow, "2026-12-31", "1.98")
    report = _watch(make_uow, date(2027, 1, 5))
    (task,) = report.raised
    assert (task.contract, task.index, task.move_pct, task.status) == (
        "FA-SEW",
        "COTTON",
        D(10),
        "open",
    )
    assert (task.cost_impact, task.currency) == (D("48.00"), "EUR")  # 80 x 10.00 x 0.6 x 0.1
    assert [i["text"] for i in task.impacts] == [
        "TEE-BODY from 0: 10.00 x 0.6 x 0.1 = 0.60",
        "TEE-BODY from 500: 9.00 x 0.6 x 0.1 = 0.54",
        "TEE-PRINT: no cost model",
    ]
    assert "cost impact 48.00 EUR on what is on order under FA-SEW" in task.summary
    assert task.summary.endswith("= 0.54; no cost model for TEE-PRINT")  # once, not per tier
    # watching again changes nothing: one task per contract and index move
    again = _watch(make_uow, date(2027, 1, 6))
    assert (again.raised, again.updated, again.checks[0].task) == ((), (), task.id)
    # a newer value while the task is open brings the same task up to date
    _add(make_uow, "2027-01-31", "2.07")
    (moved,) = _watch(make_uow, date(2027, 2, 1)).updated
    assert (moved.id, moved.move_pct, moved.cost_impact) == (task.id, D(15), D("72.00"))
    # dismissed, the same observation raises nothing again; a fall of 11 % raises a new one
    with make_uow() as uow:
        price_watch.decide_task(uow, task.id, "dismiss", reason="spike", now=NOW)
        uow.commit()
    assert _watch(make_uow, date(2027, 2, 2)).raised == ()
    _add(make_uow, "2027-02-28", "1.60")
    (fall,) = _watch(make_uow, date(2027, 3, 1)).raised
    assert (fall.move_pct, fall.cost_impact, fall.impacts[0]["impact"]) == (
        D("-11.1111"),
        D("-53.33"),
        "-0.67",
    )
    with make_uow(write=False) as uow:
        assert [(t.id, t.status) for t in price_watch.list_tasks(uow)] == [
            (task.id, "dismissed"),
            (fall.id, "open"),
        ]
        assert [t.id for t in price_watch.list_tasks(uow, status="open")] == [fall.id]
        raised = audit.list_entries(uow, entity="renegotiation")
    assert [(e.action, e.actor) for e in reversed(raised)] == [
        ("raised", "watcher"),
        ("updated", "watcher"),
        ("dismissed", "test"),
        ("raised", "watcher"),
    ]


def test_a_value_in_the_wrong_unit_raises_no_task_but_says_so(
    world: Engine, make_uow: UowFactory, tmp_path: Path
) -> None:
    _set_up_watch(make_uow, tmp_path)
    _add(make_uow, "2026-12-31", "1980")  # g instead of kg
    report = _watch(make_uow, date(2027, 1, 5))
    (check,) = report.checks
    assert (report.raised, check.beyond, check.task) == ((), False, None)
    assert check.note == "a move of +109900 % from the base is not plausible: check its unit"
    (nothing,) = _watch(make_uow, date(2025, 1, 1)).checks
    assert (nothing.value, nothing.note) == (None, "no value yet")
    # FA-SEW ends on 2027-12-31: after it, it is neither watched nor reviewed
    assert _watch(make_uow, date(2028, 1, 1)).checks == ()
    with make_uow(write=False) as uow:
        assert price_watch.review_proposals(uow, "2028Q1") == []
        assert len(price_watch.review_proposals(uow, "2027Q4")) == 3


def test_deciding_a_task_is_checked_and_audited(
    world: Engine, make_uow: UowFactory, tmp_path: Path
) -> None:
    _set_up_watch(make_uow, tmp_path)
    _add(make_uow, "2026-12-31", "1.98")
    (task,) = _watch(make_uow, date(2027, 1, 5)).raised
    with make_uow(actor="anna") as uow:
        done = price_watch.decide_task(uow, task.id, "accept", reason="new prices agreed", now=NOW)
        uow.commit()
    assert (done.status, done.reason, done.decided_by, done.decided_at) == (
        "accepted",
        "new prices agreed",
        "anna",
        NOW,
    )
    with make_uow() as uow:
        with pytest.raises(IllegalTransition, match="already accepted"):
            price_watch.decide_task(uow, task.id, "dismiss", reason="x", now=NOW)
        with pytest.raises(NotFound, match="no renegotiation task 999"):
            price_watch.decide_task(uow, 999, "accept", reason="x", now=NOW)
        with pytest.raises(ValidationError, match="status: must be one of"):
            price_watch.list_tasks(uow, status="pending")


def test_cost_models_and_clauses_are_checked(world: Engine, make_uow: UowFactory) -> None:
    with make_uow() as uow:
        with pytest.raises(ValidationError, match=r"shares: .* = 0.9; the shares must sum to 1"):
            price_watch.set_cost_model(uow, "TEE-BODY", material="0.6", energy="0.3", now=NOW)
        with pytest.raises(NotFound, match="unknown price index 'COTTON'"):
            price_watch.set_cost_model(
                uow, "TEE-BODY", material=1, indices={"material": "COTTON"}, now=NOW
            )
        with pytest.raises(NotFound, match="unknown item 'NOPE'"):
            price_watch.set_cost_model(uow, "NOPE", material=1, now=NOW)
        price_watch.add_index(uow, "COTTON", unit="USD/kg", now=NOW)
        with pytest.raises(NotFound, match="unknown contract 'FA-NONE'"):
            price_watch.add_index_clause(
                uow, "FA-NONE", index="COTTON", base="1.8", base_date=date(2026, 1, 1), now=NOW
            )
        with pytest.raises(ValidationError, match=r"^threshold: must be above 0"):
            price_watch.add_index_clause(
                uow,
                "FA-SEW",
                index="COTTON",
                base="1.8",
                base_date=date(2026, 1, 1),
                threshold=0,
                now=NOW,
            )
        clause = price_watch.add_index_clause(
            uow,
            "FA-SEW",
            index="COTTON",
            base="1.8",
            base_date=date(2026, 1, 1),
            threshold="5",
            now=NOW,
        )
        assert (clause.threshold_pct, clause.currency) == (D(5), "EUR")
        assert price_watch.list_clauses(uow) == [clause]


def test_the_quarterly_review_proposes_prices_with_their_arithmetic(
    world: Engine, make_uow: UowFactory, tmp_path: Path
) -> None:
    _set_up_watch(make_uow, tmp_path)
    _add(make_uow, "2026-12-31", "1.98")
    _add(make_uow, "2027-01-15", "2.50")  # inside 2027Q1: not used for 2027Q1's prices
    with make_uow(write=False) as uow:
        lines = price_watch.review_proposals(uow, "2027Q1")
        with pytest.raises(ValidationError, match="quarter"):
            price_watch.review_proposals(uow, "Q1")
    assert [(x.sku, x.min_quantity, x.base_price, x.new_price) for x in lines] == [
        ("TEE-BODY", D(0), D("10.00"), D("10.60")),
        ("TEE-BODY", D(500), D("9.00"), D("9.54")),
        ("TEE-PRINT", D(0), D("2.00"), None),
    ]
    assert lines[0].explanation.endswith("10.00 x (1 + 0.1 x 0.6) = 10.60")
    assert "no cost model" in lines[2].explanation


def test_the_prices_commands(
    world: Engine, database_url: str, make_uow: UowFactory, tmp_path: Path
) -> None:
    path = _csv(tmp_path, COTTON_CSV + "COTTON,2026-12-31,1.98,\n")
    code, out, _ = flexchain_cli(database_url, "prices", "import", str(path))
    assert code == 0 and "3 values, created 3" in out
    code, out, _ = flexchain_cli(database_url, "prices", "list", "--json")
    assert json.loads(out)[0]["latest_value"] == "1.98"
    code, out, _ = flexchain_cli(
        database_url,
        "prices",
        "cost-model",
        "TEE-BODY",
        "--material",
        "0.6",
        "--energy",
        "0.1",
        "--tooling",
        "0.1",
        "--labour",
        "0.2",
        "--index",
        "COTTON",
    )
    assert code == 0 and "material 0.6 (COTTON)" in out
    code, out, _ = flexchain_cli(
        database_url,
        "prices",
        "clause",
        "FA-SEW",
        "--index",
        "COTTON",
        "--base",
        "1.80",
        "--base-date",
        "2026-01-01",
    )
    assert code == 0 and "beyond +/-8 %" in out
    code, out, _ = flexchain_cli(database_url, "prices", "watch", "--today", "2027-01-05", "--json")
    (task,) = json.loads(out)["raised"]
    assert (task["move_pct"], task["cost_impact"]) == ("10", "48")
    code, out, _ = flexchain_cli(database_url, "prices", "tasks", "--json")
    assert [t["id"] for t in json.loads(out)] == [task["id"]]
    code, out, _ = flexchain_cli(database_url, "prices", "review", "--quarter", "2027Q1", "--json")
    assert [x["new_price"] for x in json.loads(out)] == ["10.6", "9.54", None]
    code, out, _ = flexchain_cli(
        database_url, "prices", "decide", str(task["id"]), "accept", "--reason", "agreed"
    )
    assert code == 0 and "accepted: agreed" in out
    code, _, err = flexchain_cli(
        database_url, "prices", "decide", str(task["id"]), "accept", "--reason", "again"
    )
    assert code == 1 and "already accepted" in err
    bad = _csv(tmp_path, "index,date,value\nCOTTON,2027-13-01,1\n", "bad.csv")
    code, _, err = flexchain_cli(database_url, "prices", "import", str(bad))
    assert (
        code == 1
        and err.strip() == "bad.csv:2: date: expected a date as YYYY-MM-DD, got '2027-13-01'"
    )
    code, _, err = flexchain_cli(database_url, "prices", "import")
    assert code == 1 and "give a FILE or --feed URL" in err


@pytest.fixture
def api(world: Engine, engine: Engine, database_url: str) -> Iterator[tuple[TestClient, Engine]]:
    app = FastAPI()
    api_errors.install(app)
    app.include_router(router)
    app.state.flexchain = App(settings=Settings(database_url=database_url), engine=engine)
    with TestClient(app) as client:
        yield client, engine


def test_the_price_watch_routes_and_who_may_call_them(
    api: tuple[TestClient, Engine], make_uow: UowFactory, tmp_path: Path
) -> None:
    client, engine = api
    buyer, viewer, finance = (
        bearer(engine, "buyer"),
        bearer(engine, "viewer"),
        bearer(engine, "finance"),
    )
    supplier = bearer(engine, "supplier", supplier="SEW-PT")
    index = {"code": "cotton", "name": "Cotton", "unit": "USD/kg"}
    assert client.post("/price-indices", json=index, headers=viewer).status_code == 403
    assert client.post("/price-indices", json=index, headers=buyer).json()["code"] == "COTTON"
    values = {
        "values": [{"date": "2026-01-01", "value": "1.80"}, {"date": "2026-12-31", "value": 1.98}]
    }
    added = client.post("/price-indices/COTTON/values", json=values, headers=buyer)
    assert added.status_code == 200 and added.json()["created"] == 2
    refused = client.post(
        "/price-indices/COTTON/values",
        headers=buyer,
        json={"values": [{"date": "2027-01-01", "value": "-2"}]},
    )
    assert refused.status_code == 422
    assert (
        refused.json()["detail"] == "/price-indices/COTTON:1: value: must not be negative, got -2"
    )
    assert client.get("/price-indices", headers=finance).json()[0]["latest_value"] == "1.98"
    assert client.get("/price-indices", headers=supplier).status_code == 403
    with make_uow() as uow:
        price_watch.set_cost_model(
            uow, "TEE-BODY", material="0.6", labour="0.4", indices={"material": "COTTON"}, now=NOW
        )
        price_watch.add_index_clause(
            uow, "FA-SEW", index="COTTON", base="1.80", base_date=date(2026, 1, 1), now=NOW
        )
        uow.commit()
    _watch(make_uow, date(2027, 1, 5))
    (task,) = client.get("/renegotiations", headers=viewer).json()
    assert (task["status"], task["cost_impact"]) == ("open", "48")
    assert client.get("/renegotiations", headers=supplier).status_code == 403
    decision = {"decision": "dismiss", "reason": "temporary"}
    url = f"/renegotiations/{task['id']}/decision"
    assert client.post(url, json=decision, headers=viewer).status_code == 403
    assert client.post(url, json=decision, headers=buyer).json()["status"] == "dismissed"
    assert client.post(url, json=decision, headers=buyer).status_code == 422
    assert (
        client.post("/renegotiations/999/decision", json=decision, headers=buyer).status_code == 404
    )
    review = client.get("/price-reviews", params={"quarter": "2027Q1"}, headers=viewer).json()
    assert [x["new_price"] for x in review] == ["10.6", "9.54", None]
    assert (
        client.get("/price-reviews", params={"quarter": "2027"}, headers=viewer).status_code == 422
    )
    assert (
        client.get("/price-reviews", params={"quarter": "2027Q1"}, headers=supplier).status_code
        == 403
    )


def test_prices_import_feed_fetches_then_imports(
    world: Engine, database_url: str, make_uow: UowFactory, feed_server: str
) -> None:
    _Feed.bodies["/cotton.json"] = EXACT
    code, out, _ = flexchain_cli(
        database_url, "prices", "import", "--feed", f"{feed_server}/cotton.json", "--json"
    )
    assert code == 0 and json.loads(out)["created"] == 3
    # fetched apart from the unit of work, the same feed is then all unchanged
    feed = price_watch.fetch_index_feed(f"{feed_server}/cotton.json")
    with make_uow() as uow:
        again = price_watch.import_index_feed(uow, feed, now=NOW)
    assert (again.created, again.unchanged) == (0, 3)
    code, _, err = flexchain_cli(database_url, "prices", "import", "--feed", f"{feed_server}/x")
    assert code == 1 and err.strip().endswith("/x: the server answered 404 Not Found")
