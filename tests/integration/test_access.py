"""Who may call what, through HTTP on both databases: the access matrix generated from the app's
own route table (every route x every role, anonymous and an expired token), and supplier users
confined to their own records by any route, ids guessed or not."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.identity import Role
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.api.access import Access, declarations
from flexchain.services import jobs
from tests.auth import make_user, token_for
from tests.integration.test_jobs import shop  # noqa: F401 (a fixture)
from tests.storefront_world import TEE, build_world

UowFactory = Callable[..., UnitOfWork]
SETTINGS = Settings(database_url="sqlite://", outbox_worker=False)
ROUTES = sorted(declarations(create_app(SETTINGS)), key=lambda r: (r[1], r[0]))
AUTH_401 = {
    "log in or send an API token",
    "this token is unknown, expired or revoked",
}
FILL = {"ref": "1001", "job_id": "1", "token": "no-such-link"}
FILL.update(code="COTTON", task_id="1")  # price watch
FILL.update(receipt="RCV-000001", number="INV-000001")  # paying
FILL.update(number="PO-000001", hold_id="1")  # buying
FILL.update(change="CHG-000001")  # supplier events (PO change requests)
FILL.update(file_id="1")  # qc files
FILL.update(firing_id="1", sku=TEE)  # supplier rules, item certificates
FILL.update(action="start")  # portal: POST /portal/jobs/{job_id}/{action}
FILL.update(name="portal.css")  # portal: GET /portal/static/{name}
FILL.update(ticket="1")  # tower: GET /app/plan/runs/{ticket}
FILL.update(key="otif")  # GET /kpis/{key}/rows, /app/overview/{key}
FILL.update(issue_id="1")  # POST /order-issues/{issue_id}/withdraw
FILL.update(month="2026-03")  # PUT, DELETE /budgets/{month}


def _url(path: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: FILL[m.group(1)], path)


@pytest.fixture(scope="module")
def world(module_database_url: str) -> Iterator[tuple[TestClient, dict[str, str], Engine]]:
    """The API, and a token per caller: every role, an expired token, and nobody (one world per
    backend for the whole matrix: its requests are refused or change nothing)."""
    engine = make_engine(module_database_url)
    build_world(lambda **kw: UnitOfWork(engine, **kw))
    callers = {"anonymous": ""}
    for role in Role:
        email = make_user(engine, role.value, supplier="DYE-PT" if role is Role.SUPPLIER else None)
        callers[role.value] = token_for(engine, email)
    expired = make_user(engine, "admin")
    callers["expired"] = token_for(engine, expired, expires=date(2026, 1, 5))
    app = create_app(Settings(database_url=module_database_url, outbox_worker=False))
    with TestClient(app) as client:
        yield client, callers, engine
    engine.dispose()


def _refused(response: Any) -> int | None:
    """401 or 403 if the access layer refused the request, else None."""
    if response.status_code == 403:
        return 403
    if response.status_code == 401 and response.json().get("detail") in AUTH_401:
        return 401
    return None


def _expected(access: Access, caller: str) -> int | None:
    if access.public:
        return None
    if caller in ("anonymous", "expired"):
        return 401
    return None if Role(caller) in access.roles else 403


@pytest.mark.parametrize(
    ("method", "path", "access"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
def test_every_route_answers_every_caller_as_it_declares(
    world: tuple[TestClient, dict[str, str], Engine], method: str, path: str, access: Access
) -> None:
    # given the API and a token of every role, an expired one, and none
    client, callers, _ = world
    for caller, token in callers.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # when the caller calls the route (with an empty body where it takes one)
        body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        response = client.request(
            method, _url(path), headers=headers, follow_redirects=False, **body
        )
        # then it is refused exactly when its declaration says so, and never with a trace
        assert _refused(response) == _expected(access, caller), (caller, response.text)
        assert "Traceback" not in response.text


def test_the_route_table_declares_what_docs_security_md_says() -> None:
    # given the declarations, then the public routes are exactly the issue's list (+ login)
    public = {(m, p) for m, p, a in ROUTES if a.public}
    assert public == {
        ("GET", "/health"),
        ("GET", "/track/{token}"),
        ("POST", "/webhooks/shopify"),
        ("POST", "/webhooks/woocommerce"),
        ("GET", "/login"),
        ("POST", "/login"),
    }
    gated = {(m, p) for m, p, a in ROUTES if a.gate is not None}
    assert gated == {("POST", "/quote")}


# -- supplier users see only their own ------------------------------------------------------


@pytest.fixture
def suppliers(shop: Engine, database_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:  # noqa: F811
    with UnitOfWork(shop, write=False) as uow:
        found = jobs.list_jobs(uow)
    assert {job.supplier for job in found} >= {"DYE-PT", "ENGR-ES"}
    tokens = {
        code: token_for(shop, make_user(shop, "supplier", supplier=code))
        for code in ("DYE-PT", "ENGR-ES")
    }
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app) as client:
        yield client, tokens


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_supplier_user_lists_and_reads_only_its_own_jobs(
    suppliers: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = suppliers
    # when DYE-PT's user lists jobs, by every filter
    mine = client.get("/jobs", headers=_as(tokens["DYE-PT"])).json()
    theirs = client.get("/jobs", headers=_as(tokens["ENGR-ES"])).json()
    # then each sees its own jobs only
    assert mine and {job["supplier"] for job in mine} == {"DYE-PT"}
    assert theirs and {job["supplier"] for job in theirs} == {"ENGR-ES"}
    # and asking for the other supplier's jobs is the same as asking for a supplier that is not
    other = client.get("/jobs", params={"supplier": "ENGR-ES"}, headers=_as(tokens["DYE-PT"]))
    missing = client.get("/jobs", params={"supplier": "NOPE"}, headers=_as(tokens["DYE-PT"]))
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"] == "unknown supplier 'ENGR-ES'"
    assert (
        client.get("/jobs", params={"order": "no-such"}, headers=_as(tokens["DYE-PT"])).json() == []
    )


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("GET", "", None),
        ("POST", "/start", None),
        ("POST", "/progress", {"step": "dye", "quantity": "1"}),
        ("POST", "/delay", {"days": 2, "reason": "dye lot"}),
        ("POST", "/finish", None),
    ],
    ids=["show", "start", "progress", "delay", "finish"],
)
def test_another_suppliers_job_answers_404_as_if_it_did_not_exist(
    suppliers: tuple[TestClient, dict[str, str]], method: str, action: str, body: Any
) -> None:
    client, tokens = suppliers
    listed = client.get("/jobs", headers=_as(tokens["ENGR-ES"])).json()
    theirs, highest = listed[0]["id"], max(job["id"] for job in listed)
    before = client.get(f"/jobs/{theirs}", headers=_as(tokens["ENGR-ES"])).json()
    for job_id in (theirs, highest + 1000):  # another supplier's, and one that does not exist
        # when DYE-PT's user tries the other supplier's job (or a made-up id)
        response = client.request(
            method, f"/jobs/{job_id}{action}", headers=_as(tokens["DYE-PT"]), json=body
        )
        # then both answer the same 404
        assert response.status_code == 404, response.text
        assert response.json() == {"detail": f"no job {job_id}"}
    # and the owner still sees its job unchanged
    assert client.get(f"/jobs/{theirs}", headers=_as(tokens["ENGR-ES"])).json() == before


def test_a_supplier_user_may_not_release_or_read_orders(
    suppliers: tuple[TestClient, dict[str, str]],
) -> None:
    client, tokens = suppliers
    mine = client.get("/jobs", headers=_as(tokens["DYE-PT"])).json()[0]["id"]
    assert client.post(f"/jobs/{mine}/release", headers=_as(tokens["DYE-PT"])).status_code == 403
    assert client.get("/orders", headers=_as(tokens["DYE-PT"])).status_code == 403
    assert client.get("/orders/3001", headers=_as(tokens["DYE-PT"])).status_code == 403


def test_an_expired_token_stops_at_the_end_of_its_last_day(engine: Engine) -> None:
    from flexchain.services import identity
    from tests.auth import NOW

    email = make_user(engine, "viewer")
    token = token_for(engine, email, expires=NOW.date())
    with UnitOfWork(engine, write=False) as uow:
        assert identity.token_principal(uow, token, now=NOW + timedelta(hours=14)) is not None
        assert identity.token_principal(uow, token, now=NOW + timedelta(hours=15)) is None


# -- quotes from the store's pages, and who the audit trail names -----------------------------


@pytest.fixture
def storefront(engine: Engine, database_url: str) -> Iterator[tuple[TestClient, str]]:
    from flexchain.services import shops

    build_world(lambda **kw: UnitOfWork(engine, **kw))
    with UnitOfWork(engine) as uow:
        shops.add_shop(uow, platform="shopify", domain="brand.myshopify.com", secret="s" * 16)
        key = shops.publishable_key(uow, "brand.myshopify.com")
        uow.commit()
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    with TestClient(app) as client:
        yield client, key


def test_a_quote_needs_a_login_a_shops_key_or_public_quotes(
    storefront: tuple[TestClient, str], engine: Engine
) -> None:
    from flexchain.services import shops

    client, key = storefront
    body = {"sku": TEE, "quantity": 1}
    # given a shop whose quotes are not public: nobody without credentials, a wrong key neither
    assert client.post("/quote", json=body).status_code == 401
    assert (
        client.post("/quote", json=body, headers={"X-Flexchain-Key": "pk_nope"}).status_code == 401
    )
    # but the shop's key (header or query) gets the quote
    assert client.post("/quote", json=body, headers={"X-Flexchain-Key": key}).status_code == 200
    assert client.post(f"/quote?key={key}", json=body).status_code == 200
    # when the shop makes its quotes public, anyone gets them
    with UnitOfWork(engine) as uow:
        shops.set_public_quotes(uow, "brand.myshopify.com", True)
        uow.commit()
    assert client.post("/quote", json=body).status_code == 200
    # and a disabled shop's key stops working
    with UnitOfWork(engine) as uow:
        shops.disable_shop(uow, "brand.myshopify.com")
        uow.commit()
    assert client.post("/quote", json=body, headers={"X-Flexchain-Key": key}).status_code == 401


def test_a_change_through_the_api_is_audited_as_the_token_that_made_it(
    world: tuple[TestClient, dict[str, str], Engine],
) -> None:
    from flexchain.services import audit

    client, callers, engine = world
    # when a planner's token counts stock through the API
    response = client.post(
        "/stock/count",
        json={"sku": TEE, "quantity": "7", "location": "WH"},
        headers={"Authorization": f"Bearer {callers['planner']}"},
    )
    assert response.status_code == 201, response.text
    # then the audit trail names that token and its user
    with UnitOfWork(engine, write=False) as uow:
        (entry,) = audit.list_entries(uow, entity="stock", limit=1)
    assert re.fullmatch(r"token:\d+ \(token 2026-01-05\) of planner\d+@test\.example", entry.actor)
