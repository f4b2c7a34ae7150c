"""The audit trail on both databases: every state-changing use case writes one row (who, when,
what, the fields before and after) in its own transaction; the table refuses UPDATE and DELETE;
``flexchain audit list`` filters by entity, user, day and count."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, exc, insert, text

from flexchain.adapters.db.tables import AuditRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import audit, intake, jobs, orders, planning, shops, signals
from flexchain.services import stock_commands as stock
from flexchain.services.imports import import_rows
from tests.integration.test_cli import flexchain_cli
from tests.integration.test_jobs import EXTRA, _bag_order
from tests.storefront_world import (
    NOW,
    SHOP,
    TEE,
    build_world,
    shopify_order,
    shopify_webhook,
)

UowFactory = Callable[..., UnitOfWork]
Row = tuple[str, str, str, str, dict[str, Any], dict[str, Any], dict[str, Any]]
LATER = NOW + timedelta(days=3)
WEBHOOK = f"webhook:shopify:{SHOP}"


def _rows(make_uow: UowFactory, entity: str | None = None) -> list[Row]:
    """(actor, action, entity, key, before, after, context), oldest first."""
    with make_uow(write=False) as uow:
        entries = audit.list_entries(uow, entity=entity, limit=1000)
    return [
        (e.actor, e.action, e.entity, e.key, e.before, e.after, e.context)
        for e in reversed(entries)
    ]


def _last(make_uow: UowFactory, entity: str) -> Row:
    return _rows(make_uow, entity)[-1]


@pytest.fixture
def world(make_uow: UowFactory) -> UowFactory:
    build_world(make_uow)
    return make_uow


# --- stock commands ------------------------------------------------------------------------


STOCK_CASES = {
    "receive": (
        lambda uow: stock.receive(
            uow, TEE, "5", location="WH", now=NOW, reference="DN-55", reason="weekly truck"
        ),
        ("received", "TEE-COTTON-BLACK-M@WH", {"on_hand@WH": "10"}, {"on_hand@WH": "15"},
         {"from": "RECEIPTS", "to": "WH", "quantity": "5", "reference": "DN-55",
          "reason": "weekly truck"}),
    ),
    "transfer": (
        lambda uow: stock.transfer(uow, TEE, "4", source="WH", target="WH2", now=NOW),
        ("transferred", "TEE-COTTON-BLACK-M@WH2",
         {"on_hand@WH": "10", "on_hand@WH2": "0"}, {"on_hand@WH": "6", "on_hand@WH2": "4"},
         {"from": "WH", "to": "WH2", "quantity": "4", "reference": "", "reason": ""}),
    ),
    "adjust": (
        lambda uow: stock.adjust(uow, TEE, "-2", location="WH", reason="damaged", now=NOW),
        ("adjusted", "TEE-COTTON-BLACK-M@WH", {"on_hand@WH": "10"}, {"on_hand@WH": "8"},
         {"from": "WH", "to": "ADJUSTMENT", "quantity": "2", "reference": "",
          "reason": "damaged"}),
    ),
    "count": (
        lambda uow: stock.count(uow, TEE, "7.5", location="WH", now=NOW),
        ("counted", "TEE-COTTON-BLACK-M@WH", {"on_hand@WH": "10"}, {"on_hand@WH": "7.5"},
         {"from": "WH", "to": "ADJUSTMENT", "quantity": "2.5", "reference": "",
          "reason": "stock count: 7.5"}),
    ),
}  # fmt: skip


@pytest.mark.parametrize("command", STOCK_CASES)
def test_a_stock_command_records_the_on_hand_stock_before_and_after(
    world: UowFactory, command: str
) -> None:
    # given 10 tees at WH (imported: audited already)
    run, (action, key, before, after, context) = STOCK_CASES[command]
    imported = len(_rows(world, "stock"))
    # when a user runs the command
    with world(actor="user:anna@example.com") as uow:
        run(uow)
        uow.commit()
    # then one row says who, what and the stock before and after, at the command's time
    assert _rows(world, "stock")[imported:] == [
        ("user:anna@example.com", action, "stock", key, before, after, context)
    ]
    with world(write=False) as uow:
        assert audit.list_entries(uow, entity="stock", limit=1)[0].at == NOW


def test_a_count_that_finds_the_figure_unchanged_records_nothing(world: UowFactory) -> None:
    # given 10 tees at WH
    imported = _rows(world, "stock")
    # when a count finds 10
    with world(actor="cli:ops") as uow:
        stock.count(uow, TEE, "10", location="WH", now=NOW)
        uow.commit()
    # then nothing changed, so nothing is audited
    assert _rows(world, "stock") == imported


# --- production jobs -----------------------------------------------------------------------


@pytest.fixture
def with_jobs(engine: Engine, world: UowFactory) -> UowFactory:
    """The storefront world with the materials of the bag's dye job and its order 3001."""
    with world() as uow:
        for kind in ("items", "locations", "bom", "stock"):
            import_rows(uow, kind, EXTRA[kind], source=f"jobs {kind}")  # type: ignore[arg-type]
        uow.commit()
    _bag_order(engine)
    return world


def _job_id(make_uow: UowFactory, sku: str) -> int:
    with make_uow(write=False) as uow:
        return next(j.id for j in jobs.list_jobs(uow, order="3001") if j.sku == sku)


def _act(make_uow: UowFactory, action: Callable[..., Any], *args: Any, **kw: Any) -> None:
    with make_uow(actor="token:7 (portal) of dye@example.com") as uow:
        action(uow, *args, now=LATER, **kw)
        uow.commit()


def test_each_step_of_a_job_records_its_fields_before_and_after(with_jobs: UowFactory) -> None:
    # given the planned dye job of order 3001 (2 bags, 0.5 m canvas each)
    dye = _job_id(with_jobs, "M-DYE")
    with with_jobs(write=False) as uow:
        planned = jobs.show_job(uow, dye).job
    start, finish = planned.planned_start, planned.planned_finish
    assert start is not None and finish is not None
    # when the supplier's token moves it through its lifecycle
    _act(with_jobs, jobs.release_job, dye)
    _act(with_jobs, jobs.start_job, dye)
    _act(with_jobs, jobs.progress_job, dye, step="dye bath", quantity="2", scrap="1")
    _act(with_jobs, jobs.delay_job, dye, days=2, reason="dye lot late")
    _act(with_jobs, jobs.finish_job, dye, quantity="1")
    # then each step is one row with exactly what changed
    who, key = "token:7 (portal) of dye@example.com", str(dye)
    assert _rows(with_jobs, "job") == [
        (who, "released", "job", key, {"status": "planned"}, {"status": "released"},
         {"issued": {"RAW-CANVAS": "1"}}),
        (who, "started", "job", key, {"status": "released"}, {"status": "started"}, {}),
        (who, "progressed", "job", key, {"done@dye bath": "0"}, {"done@dye bath": "2"},
         {"scrap": "1"}),
        # started: only its finish moves
        (who, "delayed", "job", key, {"planned_finish": finish.isoformat()},
         {"planned_finish": (finish + timedelta(days=2)).isoformat()},
         {"days": 2, "reason": "dye lot late"}),
        (who, "finished", "job", key, {"status": "started", "finished_quantity": None},
         {"status": "finished", "finished_quantity": "1"}, {"used": {"RAW-CANVAS": "1"}}),
    ]  # fmt: skip


def test_a_cancelled_job_records_its_status(with_jobs: UowFactory) -> None:
    # given the planned engraving job
    engraving = _job_id(with_jobs, "M-ENGRAVING")
    # when it is cancelled
    _act(with_jobs, jobs.cancel_job, engraving)
    # then
    assert _last(with_jobs, "job") == (
        "token:7 (portal) of dye@example.com", "cancelled", "job", str(engraving),
        {"status": "planned"}, {"status": "cancelled"}, {},
    )  # fmt: skip


# --- orders --------------------------------------------------------------------------------


def _order_id(make_uow: UowFactory, ref: str) -> str:
    with make_uow(write=False) as uow:
        return str(orders.find_order(uow, ref).id)


def _tee_order(engine: Engine, order_id: int = 1001, **kwargs: Any) -> intake.InboxView:
    headers, body = shopify_webhook(shopify_order(order_id, [{"sku": TEE}], **kwargs))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    return intake.apply_inbox_row(engine, received.inbox_id, now=NOW)


def test_an_order_moved_shipped_and_cancelled_records_its_status(
    engine: Engine, world: UowFactory
) -> None:
    # given two orders of a tee in stock (reserved)
    _tee_order(engine, 1001)
    _tee_order(engine, 1002)
    first, second = _order_id(world, "1001"), _order_id(world, "1002")
    # when a user readies and ships the first and cancels the second
    with world(actor="user:anna@example.com") as uow:
        orders.set_status(uow, "1001", "ready", now=LATER)
        orders.ship(uow, "1001", carrier="DHL", tracking="00340434", now=LATER)
        orders.cancel(uow, "1002", now=LATER)
        uow.commit()
    # then one row each, after the webhooks' own
    anna = "user:anna@example.com"
    assert _rows(world, "order")[2:] == [
        (anna, "status_changed", "order", first, {"status": "reserved"}, {"status": "ready"},
         {"number": "#1001"}),
        (anna, "shipped", "order", first, {"status": "ready"},
         {"status": "shipped", "carrier": "DHL", "tracking_number": "00340434",
          "tracking_url": None}, {"number": "#1001"}),
        (anna, "cancelled", "order", second, {"status": "reserved"}, {"status": "cancelled"},
         {"number": "#1002"}),
    ]  # fmt: skip


# --- intake --------------------------------------------------------------------------------


def test_a_webhook_records_the_order_it_created_updated_and_cancelled(
    engine: Engine, world: UowFactory
) -> None:
    # given a shop that sends an order, a newer version of it, then its cancellation
    _tee_order(engine, 1001)
    key = _order_id(world, "1001")
    with world(write=False) as uow:
        promise = orders.show_order(uow, key).promise_date
    assert promise is not None
    newer, cancelled = NOW + timedelta(minutes=5), NOW + timedelta(minutes=9)
    _tee_order(engine, 1001, updated=newer)
    _tee_order(engine, 1001, updated=cancelled, cancelled=True)
    # then each applied version is one row by the shop, with the order's fields before/after
    created_after = {
        "status": "reserved", "number": "#1001", "total": "64.9", "currency": "EUR",
        "speed_tier": "basic", "promise_date": promise.isoformat(),
        "version": NOW.isoformat(),
    }  # fmt: skip
    assert _rows(world, "order") == [
        (WEBHOOK, "created", "order", key, {}, created_after, {}),
        (WEBHOOK, "updated", "order", key, {"version": NOW.isoformat()},
         {"version": newer.isoformat()}, {}),
        (WEBHOOK, "cancelled", "order", key,
         {"status": "reserved", "version": newer.isoformat()},
         {"status": "cancelled", "version": cancelled.isoformat()}, {}),
    ]  # fmt: skip


def test_a_batch_of_webhooks_records_one_row_per_order_in_its_transaction(
    engine: Engine, world: UowFactory
) -> None:
    # given three stored webhooks, one of them a duplicate delivery of an applied order
    ids = []
    for number in (2001, 2002):
        headers, body = shopify_webhook(shopify_order(number, [{"sku": TEE}]))
        ids.append(intake.receive_webhook(engine, "shopify", headers, body, now=NOW).inbox_id)
    # when the server applies them as one batch
    views = intake.process_batch(engine, ids, now=NOW, known=intake.CatalogCache())
    # then each order has its row, by the shop, at the batch's time
    assert [v.status for v in views] == ["processed", "processed"]
    rows = _rows(world, "order")
    assert [(r[0], r[1], r[3]) for r in rows] == [
        (WEBHOOK, "created", _order_id(world, "2001")),
        (WEBHOOK, "created", _order_id(world, "2002")),
    ]
    with world(write=False) as uow:
        assert {e.at for e in audit.list_entries(uow, entity="order")} == {NOW}


def test_a_retried_webhook_records_who_retried_it_and_the_order_by_the_shop(
    engine: Engine, world: UowFactory
) -> None:
    # given a webhook that failed: its SKU is not known yet
    headers, body = shopify_webhook(shopify_order(1003, [{"sku": "TEE-OLD"}]))
    received = intake.receive_webhook(engine, "shopify", headers, body, now=NOW)
    failed = intake.apply_inbox_row(engine, received.inbox_id, now=NOW)
    assert failed.status == "failed" and failed.error is not None
    with world(actor="cli:ops") as uow:
        shops.map_sku(uow, "TEE-OLD", TEE)
        uow.commit()
    # when a user retries it
    view = intake.retry(engine, received.inbox_id, now=LATER, actor="cli:ops")
    # then the retry is theirs, the order the shop's
    assert view.status == "processed"
    assert _last(world, "inbox") == (
        "cli:ops", "retried", "inbox", str(received.inbox_id),
        {"status": "failed", "attempts": 1, "error": failed.error},
        {"status": "processed", "attempts": 2, "error": None},
        {"order": "#1003"},
    )  # fmt: skip
    assert _last(world, "order")[:4] == (WEBHOOK, "created", "order", _order_id(world, "1003"))


# --- shops, signals, imports, planning -----------------------------------------------------


def test_shop_changes_record_their_fields_and_never_a_secret(world: UowFactory) -> None:
    # given a shop
    # when a user changes its push URL and secret, disables it and enables it again
    with world(actor="user:anna@example.com") as uow:
        shops.add_shop(
            uow,
            platform="shopify",
            domain=SHOP,
            secret="a-new-secret-42",
            api_token="shpat_token_99",
            warehouse="WH",
            push_url="https://push.example.com",
        )
        shops.disable_shop(uow, SHOP)
        shops.enable_shop(uow, SHOP)
        uow.commit()
    # then one row each with what changed, and neither the secret nor the token anywhere
    anna = "user:anna@example.com"
    assert _rows(world, "shop")[2:] == [
        (anna, "updated", "shop", SHOP, {"push_url": None, "has_api_token": False},
         {"push_url": "https://push.example.com", "has_api_token": True}, {}),
        (anna, "disabled", "shop", SHOP, {"active": True}, {"active": False}, {}),
        (anna, "enabled", "shop", SHOP, {"active": False}, {"active": True}, {}),
    ]  # fmt: skip
    text_of_audit = json.dumps(_rows(world))
    assert "a-new-secret-42" not in text_of_audit and "shpat_token_99" not in text_of_audit


def test_a_sku_mapping_records_its_target_before_and_after(world: UowFactory) -> None:
    # given a mapping of the store's SKU to the tee
    with world(actor="cli:ops") as uow:
        shops.map_sku(uow, "STORE-1", TEE, shop=SHOP)
        uow.commit()
    # when it is pointed at the bag with an inventory item to push to
    with world(actor="cli:ops") as uow:
        shops.map_sku(uow, "STORE-1", "BAG-CANVAS-NATURAL", shop=SHOP, inventory_item_id="77")
        uow.commit()
    # then
    assert _rows(world, "sku") == [
        ("cli:ops", "mapped", "sku", "STORE-1", {},
         {"shop": SHOP, "external_key": "STORE-1", "sku": TEE, "inventory_item_id": None,
          "external_product_id": None, "external_parent_id": None}, {"shop": SHOP}),
        ("cli:ops", "mapped", "sku", "STORE-1", {"sku": TEE, "inventory_item_id": None},
         {"sku": "BAG-CANVAS-NATURAL", "inventory_item_id": "77"}, {"shop": SHOP}),
    ]  # fmt: skip


def test_recorded_signals_are_audited_by_who_posted_them(world: UowFactory) -> None:
    # when a token posts a presale signal
    with world(actor="token:3 (shop) of ops@example.com") as uow:
        signals.record_signals(
            uow, [{"sku": TEE, "kind": "view", "quantity": 4, "occurred_at": NOW}]
        )
        uow.commit()
    # then one summary row (signals are many: one per posting, not per signal)
    assert _rows(world, "presale_signal") == [
        ("token:3 (shop) of ops@example.com", "imported", "presale_signal", "api", {}, {},
         {"source": "api", "created": 1, "updated": 0, "unchanged": 0}),
    ]  # fmt: skip


def test_an_imported_update_records_the_columns_before_and_after(world: UowFactory) -> None:
    # given the tee at 29.00
    # when an import changes its list price
    with world(actor="user:planner@example.com") as uow:
        row = {"sku": TEE, "name": "Organic tee", "kind": "finished", "list_price": "31.50"}
        import_rows(uow, "items", [row], source="items.csv")
        uow.commit()
    # then the update carries the old and the new price
    actor, action, entity, key, before, after, context = _last(world, "item")
    assert (actor, action, entity, key) == ("user:planner@example.com", "updated", "item", TEE)
    assert (before["list_price"], after["list_price"]) == ("29", "31.5")
    assert context["source"] == "items.csv" and "list_price" in context["changed"]


def test_a_planning_run_records_who_started_it_and_how_it_ended(
    engine: Engine, world: UowFactory
) -> None:
    # when a user runs a plan, and a second run fails
    summary = planning.run_plan(engine, now=NOW, horizon=4, actor="cli:planner")
    with pytest.raises(RuntimeError):
        planning.run_plan(engine, now=NOW, horizon=4, actor="cli:planner", fail_at="mrp")
    # then each run is started and completed (or failed) by that user
    rows = _rows(world, "plan_run")
    first, second = str(summary.run_id), str(summary.run_id + 1)
    assert [r[:4] for r in rows] == [
        ("cli:planner", "started", "plan_run", first),
        ("cli:planner", "completed", "plan_run", first),
        ("cli:planner", "started", "plan_run", second),
        ("cli:planner", "failed", "plan_run", second),
    ]
    assert rows[1][4:6] == (
        {"status": "running"},
        {"status": "complete", "items": summary.items, "orders": summary.orders,
         "exceptions": summary.exceptions},
    )  # fmt: skip
    assert rows[3][4:6] == (
        {"status": "running"},
        {"status": "failed", "error": "planning stopped at step mrp (fail_at)"},
    )


# --- append-only ---------------------------------------------------------------------------


def _one_row(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(AuditRow),
            [{"at": NOW, "actor": "system", "action": "created", "entity": "item",
              "entity_key": "X", "details": {}}],
        )  # fmt: skip


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ],
    ids=["update", "delete"],
)
def test_the_database_refuses_to_change_or_delete_an_audit_row(
    engine: Engine, statement: str
) -> None:
    # given an audit row
    _one_row(engine)
    # when anyone updates or deletes it, then the database refuses
    refused = pytest.raises(exc.DBAPIError, match="audit_log is append-only")
    with refused, engine.begin() as connection:
        connection.execute(text(statement))
    # and the row is as it was
    with engine.connect() as connection:
        assert connection.execute(text("SELECT actor FROM audit_log")).all() == [("system",)]


def test_postgresql_refuses_to_truncate_the_audit_log(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _one_row(engine)
    refused = pytest.raises(exc.DBAPIError, match="audit_log is append-only")
    with refused, engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_log"))


# --- flexchain audit list --------------------------------------------------------------------


def _seed(engine: Engine) -> None:
    """Five rows by four actors over three days."""
    rows = [
        (NOW - timedelta(days=2), "user:anna@example.com", "shop", "a.example"),
        (NOW - timedelta(days=1), "token:7 (erp) of anna@example.com", "order", "12"),
        (NOW - timedelta(days=1), "token:8 (erp) of bob@example.com", "order", "13"),
        (NOW, "cli:ops", "stock", "TEE@WH"),
        (NOW, "webhook:shopify:brand.myshopify.com", "order", "14"),
    ]
    with engine.begin() as connection:
        connection.execute(
            insert(AuditRow),
            [{"at": at, "actor": actor, "action": "updated", "entity": entity,
              "entity_key": key, "details": {"before": {"n": 1}, "after": {"n": 2}}}
             for at, actor, entity, key in rows],
        )  # fmt: skip


def _listed(database_url: str, *args: str) -> list[tuple[str, str]]:
    code, out, err = flexchain_cli(database_url, "audit", "list", *args, "--json")
    assert code == 0, err
    return [(entry["actor"], entry["key"]) for entry in json.loads(out)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), [("webhook:shopify:brand.myshopify.com", "14"), ("cli:ops", "TEE@WH"),
              ("token:8 (erp) of bob@example.com", "13"),
              ("token:7 (erp) of anna@example.com", "12"),
              ("user:anna@example.com", "a.example")]),
        (("--entity", "order"), [("webhook:shopify:brand.myshopify.com", "14"),
                                 ("token:8 (erp) of bob@example.com", "13"),
                                 ("token:7 (erp) of anna@example.com", "12")]),
        (("--user", "anna@example.com"), [("token:7 (erp) of anna@example.com", "12"),
                                          ("user:anna@example.com", "a.example")]),
        (("--user", "cli:ops"), [("cli:ops", "TEE@WH")]),
        (("--user", "ops"), []),
        (("--user", "anna@example.com", "--entity", "shop"),
         [("user:anna@example.com", "a.example")]),
        (("--since", (NOW - timedelta(days=1)).date().isoformat(), "--entity", "order"),
         [("webhook:shopify:brand.myshopify.com", "14"),
          ("token:8 (erp) of bob@example.com", "13"),
          ("token:7 (erp) of anna@example.com", "12")]),
        (("--since", NOW.date().isoformat()), [("webhook:shopify:brand.myshopify.com", "14"),
                                               ("cli:ops", "TEE@WH")]),
        (("--limit", "1"), [("webhook:shopify:brand.myshopify.com", "14")]),
    ],
    ids=["all", "entity", "email", "exact-actor", "no-partial-match", "email-and-entity",
         "since-yesterday", "since-today", "limit"],
)  # fmt: skip
def test_audit_list_filters_newest_first(
    database_url: str, engine: Engine, args: tuple[str, ...], expected: list[tuple[str, str]]
) -> None:
    # given five rows by four actors over three days
    _seed(engine)
    # when they are listed with the filters, then exactly these come back, newest first
    assert _listed(database_url, *args) == expected


def test_audit_list_json_holds_the_whole_entry(database_url: str, engine: Engine) -> None:
    _seed(engine)
    code, out, _ = flexchain_cli(database_url, "audit", "list", "--user", "cli:ops", "--json")
    assert code == 0
    (entry,) = json.loads(out)
    del entry["id"]
    assert entry == {
        "at": NOW.isoformat(), "actor": "cli:ops", "action": "updated", "entity": "stock",
        "key": "TEE@WH", "before": {"n": 1}, "after": {"n": 2}, "context": {},
    }  # fmt: skip


def test_audit_list_shows_a_table_and_refuses_a_bad_date(database_url: str, engine: Engine) -> None:
    _seed(engine)
    code, out, _ = flexchain_cli(database_url, "audit", "list", "--entity", "stock")
    assert code == 0
    assert "cli:ops" in out and "n: 1 -> 2" in out and "anna" not in out
    code, _, err = flexchain_cli(database_url, "audit", "list", "--since", "yesterday")
    assert code == 1
    assert err.strip() == "Error: --since: 'yesterday' is not a date (YYYY-MM-DD)"


def test_commands_are_audited_as_the_login_running_them(database_url: str) -> None:
    # given a database with the tee at WH
    flexchain_cli(database_url, "init")
    engine_url = database_url
    # when a command changes something
    code, _, err = flexchain_cli(
        engine_url, "shop", "add", "--platform", "shopify", "--domain", "cli.example.com",
        "--secret", "a-secret-of-cli",
    )  # fmt: skip
    assert code == 0, err
    # then the row's actor is cli:<login name>
    code, out, _ = flexchain_cli(engine_url, "audit", "list", "--entity", "shop", "--json")
    (entry,) = json.loads(out)
    assert entry["actor"].startswith("cli:") and entry["action"] == "created"
    assert entry["key"] == "cli.example.com" and "a-secret-of-cli" not in out
