"""Today, the decision inbox, on both databases: one entry of every kind from a world built
through the services (tests/today_world.py), ranked; the API (``GET /decisions``, ``POST
/decisions/act``), the control tower's page (``/app/today``) and ``flexchain today`` show the
same entries; each action changes its record through the owning service; a viewer sees no
button and is refused; a supplier's user gets the 403 page; a snooze hides an entry until its
day."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.tables import AuditRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.today import Kind
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.cli.main import app as cli
from flexchain.services import (
    invoicing,
    price_watch,
    purchase_orders,
    rfqs,
    shops,
    supplier_rules,
    today,
)
from tests.auth import bearer
from tests.storefront_world import SHOP, TEE
from tests.today_world import build_today_world

NOW = datetime.now(UTC).replace(microsecond=0)
HTML = {"Accept": "text/html"}
SETTINGS = Settings(database_url="sqlite://", outbox_worker=False)


@dataclass(frozen=True)
class World:
    client: TestClient
    engine: Engine
    url: str
    built: dict[str, Any]
    as_role: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def seen(module_database_url: str) -> Iterator[World]:
    """One world per backend for the tests that look (or are refused: nothing changes)."""
    engine = make_engine(module_database_url)
    try:
        with _serving(engine, module_database_url) as world:
            yield world
    finally:
        engine.dispose()


@pytest.fixture
def world(engine: Engine, database_url: str) -> Iterator[World]:
    """A world of its own, for a test that acts."""
    with _serving(engine, database_url) as served:
        yield served


class _Serving:
    def __init__(self, engine: Engine, url: str) -> None:
        self.engine, self.url = engine, url

    def __enter__(self) -> World:
        built = build_today_world(lambda **kw: UnitOfWork(self.engine, **kw), self.engine, NOW)
        roles = ("admin", "planner", "buyer", "finance", "quality", "viewer")
        as_role = {role: bearer(self.engine, role) for role in roles}
        as_role["supplier"] = bearer(self.engine, "supplier", supplier="SEW-PT")
        app = create_app(Settings(database_url=self.url, outbox_worker=False))
        self.client = TestClient(app)
        self.client.__enter__()
        return World(self.client, self.engine, self.url, built, as_role)

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(*exc)


_serving = _Serving


def _inbox(w: World, role: str = "planner", **params: str) -> list[dict[str, Any]]:
    response = w.client.get("/decisions", params=params, headers=w.as_role[role])
    assert response.status_code == 200, response.text
    return list(response.json())


def _keys(w: World) -> set[str]:
    return {d["key"] for d in _inbox(w)}


def _act(w: World, role: str, key: str, action: str, **body: str) -> Any:
    return w.client.post(
        "/decisions/act", json={"key": key, "action": action, **body}, headers=w.as_role[role]
    )


def _buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="action" value="([a-z_]+)"', html)


# -- reading --------------------------------------------------------------------------------------


def test_every_kind_appears_once_ranked_with_its_figures(seen: World) -> None:
    found = _inbox(seen)
    assert sorted(d["kind"] for d in found) == sorted(k.value for k in Kind)
    scores = [float(d["score"]) for d in found]
    assert scores == sorted(scores, reverse=True)
    by_kind = {d["kind"]: d for d in found}
    planned = by_kind["planned_order"]
    # 200 m of canvas at SEW-PT's 5.00: the cheapest listing (PACK-PT asks 6.00)
    assert planned["money"] == "1000" and "SEW-PT" in planned["suggestion"]
    assert [a["name"] for a in planned["actions"]] == ["release", "snooze"]
    assert by_kind["rfq_to_award"]["money"] == "480"  # SEW-PT's 4.80 x 100, best ranked
    assert by_kind["invoice_held"]["money"] == "600"
    assert "20 % above the PO price" in by_kind["invoice_held"]["why"]
    assert (
        by_kind["order_at_risk"]["days"] < 0
        and "past its promise" in by_kind["order_at_risk"]["title"]
    )
    assert "unknown SKU" in by_kind["failed_webhook"]["why"]
    assert by_kind["rule_fired"]["title"].endswith("DYE-PT")
    assert by_kind["certificate_expiring"]["days"] == 20
    assert "MADDER" in by_kind["option_alert"]["title"]
    assert by_kind["renegotiation"]["money"] == "180"
    for d in found:
        assert d["title"] and d["why"] and d["suggestion"] and d["actions"]


def test_an_order_at_risk_links_to_its_own_page(seen: World) -> None:
    """A shop's number starts with '#': the link escapes it (a bare '#' opened the list)."""
    (entry,) = _inbox(seen, kind="order_at_risk")
    assert "#" not in entry["link"]
    page = seen.client.get(entry["link"], headers={**HTML, **seen.as_role["admin"]})
    assert page.status_code == 200 and entry["ref"] in page.text
    assert "promise" in page.text.lower()


def test_one_kind_and_an_unknown_kind(seen: World) -> None:
    assert [d["key"] for d in _inbox(seen, kind="rfq_to_award")] == [
        f"rfq_to_award:{seen.built['rfq']}"
    ]
    response = seen.client.get("/decisions?kind=nope", headers=seen.as_role["planner"])
    assert response.status_code == 422 and "unknown kind 'nope'" in response.text


def test_the_page_shows_each_role_the_buttons_it_may_press(seen: World) -> None:
    admin = seen.client.get("/app/today", headers={**HTML, **seen.as_role["admin"]})
    assert admin.status_code == 200
    for entry in _inbox(seen):
        assert entry["title"].replace("'", "&#39;") in admin.text
    assert {"release", "award", "retry", "reject", "keep", "accept", "snooze"} <= set(
        _buttons(admin.text)
    )
    finance = seen.client.get("/app/today", headers={**HTML, **seen.as_role["finance"]}).text
    assert "reject" in _buttons(finance) and "award" not in _buttons(finance)
    viewer = seen.client.get("/app/today", headers={**HTML, **seen.as_role["viewer"]})
    assert viewer.status_code == 200 and "Release to SEW-PT" not in viewer.text
    assert _buttons(viewer.text) == [] and "(reads only)" in viewer.text
    assert viewer.text.count('class="decision"') == len(Kind)
    one = seen.client.get("/app/today?kind=invoice_held", headers={**HTML, **seen.as_role["admin"]})
    assert one.text.count('class="decision"') == 1


def test_a_supplier_gets_the_403_page_and_a_stranger_the_login(seen: World) -> None:
    page = seen.client.get("/app/today", headers={**HTML, **seen.as_role["supplier"]})
    assert page.status_code == 403 and 'href="/portal"' in page.text
    api = seen.client.get("/decisions", headers=seen.as_role["supplier"])
    assert api.status_code == 403
    anonymous = seen.client.get("/app/today", headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=/app/today"


def test_the_tower_opens_on_today(seen: World) -> None:
    for path in ("/app", "/app/"):
        answer = seen.client.get(path, headers={**HTML, **seen.as_role["viewer"]})
        assert answer.status_code == 200 and answer.url.path == "/app/today", path
    supplier = seen.client.get("/app", headers={**HTML, **seen.as_role["supplier"]})
    assert supplier.status_code == 403


def test_a_viewer_cannot_act_and_nothing_changes(seen: World) -> None:
    key = f"rfq_to_award:{seen.built['rfq']}"
    page = seen.client.post(
        "/app/today/act", data={"key": key, "action": "award"},
        headers={**HTML, **seen.as_role["viewer"]},
    )  # fmt: skip
    assert page.status_code == 403 and "Not for this account" in page.text
    assert _act(seen, "viewer", key, "award").status_code == 403
    # and a role the action is not for (finance awards nothing) is refused by the service
    refused = _act(seen, "finance", key, "award")
    assert refused.status_code == 403 and "admin, buyer" in refused.json()["detail"]
    with UnitOfWork(seen.engine, write=False) as uow:
        assert rfqs.show_rfq(uow, seen.built["rfq"]).status == "sent"
    assert key in _keys(seen)


def test_the_cli_lists_the_same_inbox(seen: World) -> None:
    result = CliRunner().invoke(cli, ["--db", seen.url, "today", "--json"])
    assert result.exit_code == 0, result.output
    assert [d["key"] for d in json.loads(result.stdout)] == [d["key"] for d in _inbox(seen)]
    table = CliRunner().invoke(cli, ["--db", seen.url, "today", "--kind", "invoice_held"])
    assert table.exit_code == 0 and seen.built["invoice"] in table.stdout
    # each entry says why it matters (the figure), as the page does; the Days column is explained
    assert "Why:" in table.stdout and "20 %" in table.stdout and "negative: past" in table.stdout


# -- acting ------------------------------------------------------------------------------------


def _acts_through_the_page(w: World) -> None:
    key = next(d["key"] for d in _inbox(w) if d["kind"] == "planned_order" and d["ref"] == "1")
    answer = w.client.post(
        "/app/today/act", data={"key": key, "action": "release"},
        headers={**HTML, **w.as_role["buyer"]}, follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"].startswith("/app/today?done=")
    shown = w.client.get(answer.headers["location"], headers={**HTML, **w.as_role["buyer"]})
    assert "released into draft PO-" in shown.text and 'id="notice"' in shown.text
    with UnitOfWork(w.engine, write=False) as uow:
        drafts = purchase_orders.list_pos(uow, source="sourcing")
    assert [(p.supplier, p.status) for p in drafts] == [("SEW-PT", "draft")]
    assert key not in _keys(w)
    # a forged notice is not shown
    forged = w.client.get("/app/today?done=Call+us&sig=0", headers={**HTML, **w.as_role["buyer"]})
    assert "Call us" not in forged.text


def _acts_through_the_api(w: World) -> None:
    rfq = f"rfq_to_award:{w.built['rfq']}"
    assert _act(w, "buyer", rfq, "award").status_code == 200
    assert _act(w, "buyer", rfq, "award").status_code == 404  # settled: no longer in the inbox
    invoice = f"invoice_held:{w.built['invoice']}"
    missing = _act(w, "finance", invoice, "release")
    assert missing.status_code == 422 and "reason" in missing.json()["detail"]
    assert _act(w, "finance", invoice, "release", reason="price rise agreed").status_code == 200
    firing = next(d["key"] for d in _inbox(w) if d["kind"] == "rule_fired")
    assert _act(w, "quality", firing, "keep", reason="renewal asked").status_code == 200
    with UnitOfWork(w.engine, write=False) as uow:
        assert rfqs.show_rfq(uow, w.built["rfq"]).status == "awarded"
        assert invoicing.show_invoice(uow, w.built["invoice"]).status == "matched"
        assert supplier_rules.list_firings(uow, status="open") == []


def _retries_after_the_fix(w: World) -> None:
    key = f"failed_webhook:{w.built['webhook']}"
    with UnitOfWork(w.engine) as uow:
        shops.map_sku(uow, "808950810", TEE, shop=SHOP)
        uow.commit()
    answer = _act(w, "planner", key, "retry")
    assert answer.status_code == 200 and "applied: order" in answer.json()["done"]
    assert key not in _keys(w)


def _acts_from_the_terminal(w: World) -> None:
    key = next(d["key"] for d in _inbox(w) if d["kind"] == "renegotiation")
    result = CliRunner().invoke(
        cli, ["--db", w.url, "today", "act", key, "accept", "--reason", "5.30 agreed", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["done"].endswith("accepted")
    with UnitOfWork(w.engine, write=False) as uow:
        assert price_watch.list_tasks(uow, status="open") == []


def test_each_action_changes_its_record_through_its_service(world: World) -> None:
    _acts_through_the_page(world)
    _acts_through_the_api(world)
    _retries_after_the_fix(world)
    _acts_from_the_terminal(world)
    left = {d["kind"] for d in _inbox(world)}
    assert left == {"order_at_risk", "certificate_expiring", "option_alert"}


def test_an_rfq_every_supplier_has_quoted_waits_before_its_reply_by_day(world: World) -> None:
    """The buyer need not wait for the reply-by day once every supplier asked has answered."""

    def do(action: Any, *args: Any, **kw: Any) -> Any:
        with UnitOfWork(world.engine, actor="brand") as uow:
            result = action(uow, *args, **kw)
            uow.commit()
        return result

    line = {"item": "CANVAS", "quantity": 50, "need_date": NOW.date() + timedelta(days=30)}
    rfq = do(
        rfqs.create_rfq, suppliers=["SEW-PT", "PACK-PT"], lines=[line],
        reply_by=NOW.date() + timedelta(days=10), now=NOW,
    )  # fmt: skip
    do(rfqs.send_rfq, rfq.number, now=NOW)
    key = f"rfq_to_award:{rfq.number}"
    for supplier, price in (("SEW-PT", "4.70"), ("PACK-PT", "5.10")):
        assert key not in _keys(world)  # a supplier asked has not answered yet
        do(
            rfqs.submit_quote, rfq.number, line=1, unit_price=price, lead_time_days=5,
            valid_until=NOW.date() + timedelta(days=60), supplier=supplier, now=NOW,
        )  # fmt: skip
    (entry,) = [d for d in _inbox(world) if d["key"] == key]
    assert entry["title"].endswith("2 quotes in, every supplier asked quoted")
    assert "SEW-PT" in entry["suggestion"]
    awarded = _act(world, "buyer", key, "award")
    assert awarded.status_code == 200, awarded.text
    assert key not in _keys(world)


def test_a_snooze_hides_an_entry_until_its_day_and_is_audited(world: World) -> None:
    key = next(d["key"] for d in _inbox(world) if d["kind"] == "certificate_expiring")
    until = (NOW + timedelta(days=3)).date()
    # a day that is not after today is refused at the entry, and nothing is hidden
    refused = world.client.post(
        "/app/today/act",
        data={"key": key, "action": "snooze", "until": NOW.date().isoformat(), "reason": "later"},
        headers={**HTML, **world.as_role["planner"]},
    )  # fmt: skip
    assert refused.status_code == 422 and "is not after today" in refused.text
    assert refused.headers["HX-Push-Url"] == "/app/today"
    reload = world.client.get(
        "/app/today/act", headers={**HTML, **world.as_role["planner"]}, follow_redirects=False
    )
    assert (reload.status_code, reload.headers["location"]) == (303, "/app/today")
    assert key in _keys(world)
    answer = world.client.post(
        "/app/today/act",
        data={"key": key, "action": "snooze", "until": until.isoformat(), "reason": "renewal due"},
        headers={**HTML, **world.as_role["planner"]}, follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    assert key not in _keys(world)
    with UnitOfWork(world.engine, write=False) as uow:
        on_the_day = today.decision_inbox(
            uow, now=datetime.combine(until, NOW.time(), UTC), settings=SETTINGS
        )
        audited = [
            (row.action, row.actor, row.details)
            for row in uow.session.scalars(
                select(AuditRow).where(AuditRow.entity == "decision", AuditRow.entity_key == key)
            )
        ]
    assert key in {d.key for d in on_the_day}
    ((action, actor, details),) = audited
    assert action == "snoozed" and actor.startswith("token:")
    assert details["after"]["reason"] == "renewal due"
