"""Capacity-hold requests on both databases: the brand asks (``hold_capacity(request=True)``,
``flexchain po hold --request``, ``POST /capacity-holds`` with ``request``), the supplier
accepts (``POST /capacity-holds/{id}/accept``) or declines with a reason; sourcing counts only
held holds, and every answer is audited."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from flexchain.config import Settings
from flexchain.domain.errors import IllegalTransition, NotFound, ValidationError
from flexchain.entrypoints.api import create_app
from flexchain.services import audit, capacity_holds, purchase_orders
from tests.auth import bearer
from tests.integration.test_buying import NOW, UowFactory, _do, world  # noqa: F401


def _request(make_uow: UowFactory, supplier: str = "FAB-PT", **kw: Any) -> Any:
    return _do(
        make_uow, capacity_holds.hold_capacity, supplier=supplier, quantity=300, unit="m",
        held_from=date(2026, 3, 2), days=14, request=True, **kw,
    )  # fmt: skip


def test_a_requested_hold_counts_only_once_the_supplier_accepts(world: UowFactory) -> None:  # noqa: F811
    # given the brand asks FAB-PT to hold 300 m, to be answered (and firmed) within 48 h
    asked = _request(world)
    assert (asked.status, asked.state, asked.firm_by) == (
        "requested",
        "requested",
        NOW + timedelta(hours=48),
    )
    # then sourcing does not count it yet
    with world(write=False) as uow:
        assert capacity_holds.active_holds(uow, NOW) == []
    # when the supplier accepts it a day later
    held = _do(world, capacity_holds.accept_hold, asked.id, now=NOW + timedelta(hours=24))
    # then it is held capacity until the deadline the brand set
    assert (held.status, held.firm_by) == ("held", NOW + timedelta(hours=48))
    with world(write=False) as uow:
        assert [h.id for h in capacity_holds.active_holds(uow, NOW + timedelta(hours=24))] == [
            asked.id
        ]
        entries = audit.list_entries(uow, entity="capacity_hold")
    assert [e.action for e in entries] == ["accepted", "requested"]
    assert entries[0].before["status"] == "requested" and entries[0].after["status"] == "held"
    # and it can no longer be accepted or declined
    with pytest.raises(IllegalTransition, match=f"capacity hold {asked.id} is held"):
        _do(world, capacity_holds.decline_hold, asked.id, reason="busy")


def test_a_declined_request_keeps_its_reason_and_is_final(world: UowFactory) -> None:  # noqa: F811
    asked = _request(world)
    # a decline without a reason is refused, naming the field
    with pytest.raises(ValidationError, match="reason: required"):
        _do(world, capacity_holds.decline_hold, asked.id, reason="  ")
    declined = _do(world, capacity_holds.decline_hold, asked.id, reason="looms booked in March")
    assert (declined.state, declined.decline_reason) == ("declined", "looms booked in March")
    with world(write=False) as uow:
        (listed,) = capacity_holds.list_holds(uow, now=NOW)
        assert capacity_holds.active_holds(uow, NOW) == []
        (entry, _) = audit.list_entries(uow, entity="capacity_hold")
    assert listed.decline_reason == "looms booked in March"
    assert entry.action == "declined" and entry.after["decline_reason"] == "looms booked in March"
    with pytest.raises(IllegalTransition, match="is declined: it can no longer be accepted"):
        _do(world, capacity_holds.accept_hold, asked.id)


def test_an_unanswered_request_lapses_and_the_brand_may_withdraw_one(world: UowFactory) -> None:  # noqa: F811
    asked, other = _request(world), _request(world)
    late = NOW + timedelta(hours=49)
    with world(write=False) as uow:
        states = {h.id: h.state for h in capacity_holds.list_holds(uow, now=late)}
    assert states == {asked.id: "lapsed", other.id: "lapsed"}
    with pytest.raises(IllegalTransition, match="is lapsed: it can no longer be accepted"):
        _do(world, capacity_holds.accept_hold, asked.id, now=late)
    withdrawn = _do(world, capacity_holds.release_hold, other.id)
    assert withdrawn.state == "released"
    # a request cannot be firmed before the supplier accepts it
    fresh = _request(world)
    po = _do(
        world, purchase_orders.create_po, contract="C-FAB",
        lines=[{"item": "FABRIC", "quantity": 100, "due_date": date(2026, 3, 8)}],
    )  # fmt: skip
    with pytest.raises(IllegalTransition, match="is requested: it can no longer be firmed"):
        _do(world, capacity_holds.firm_hold, fresh.id, po_number=po.number)


def test_a_supplier_answers_only_its_own_requests(world: UowFactory) -> None:  # noqa: F811
    from tests.integration.test_buying import _as_supplier

    theirs = _request(world, supplier="FAB-IT")
    engine = world().engine  # type: ignore[attr-defined]
    with _as_supplier(engine, "FAB-PT") as uow, pytest.raises(NotFound):
        capacity_holds.accept_hold(uow, theirs.id, now=NOW)


@pytest.fixture
def api(world: UowFactory, engine: Any, database_url: str) -> Any:  # noqa: F811
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app, headers=bearer(engine, "buyer")) as client:
        yield client


def test_the_hold_request_routes(api: TestClient, engine: Any) -> None:
    supplier = bearer(engine, "supplier", supplier="FAB-PT")
    other = bearer(engine, "supplier", supplier="FAB-IT")
    body = {"supplier": "FAB-PT", "quantity": "300", "unit": "m", "held_from": "2099-01-01",
            "days": 14, "request": True, "firm_within_hours": 8000}  # fmt: skip
    asked = api.post("/capacity-holds", json=body)
    assert asked.status_code == 201, asked.text
    hold_id = asked.json()["id"]
    assert asked.json()["status"] == "requested"
    assert api.get("/capacity-holds?active=true").json() == []
    # another supplier's user cannot see or answer it
    assert api.post(f"/capacity-holds/{hold_id}/accept", headers=other).status_code == 404
    # a decline needs a reason
    refused = api.post(f"/capacity-holds/{hold_id}/decline", headers=supplier, json={"reason": ""})
    assert refused.status_code == 422 and "reason: required" in refused.json()["detail"]
    accepted = api.post(f"/capacity-holds/{hold_id}/accept", headers=supplier)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "held"
    assert [h["id"] for h in api.get("/capacity-holds?active=true").json()] == [hold_id]
    again = api.post(f"/capacity-holds/{hold_id}/decline", headers=supplier, json={"reason": "x"})
    assert again.status_code == 422 and "is held: it can no longer be declined" in again.text
    # a viewer may not answer for the supplier
    viewer = bearer(engine, "viewer")
    assert api.post(f"/capacity-holds/{hold_id}/accept", headers=viewer).status_code == 403


def test_po_hold_request_on_the_command_line(world: UowFactory, database_url: str) -> None:  # noqa: F811
    from tests.integration.test_cli import flexchain_cli

    code, out, err = flexchain_cli(
        database_url, "po", "hold", "--supplier", "FAB-PT", "--quantity", "300", "--unit", "m",
        "--from", "2099-01-01", "--days", "14", "--request", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)[0]["state"] == "requested"
    code, out, _ = flexchain_cli(database_url, "po", "holds", "--active", "--json")
    assert json.loads(out) == []
