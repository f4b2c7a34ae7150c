"""``flexchain stock receive|transfer|adjust|count`` and ``/stock`` in the API, on both databases:
the exact flags of the command contracts, a JSON document only on stdout with ``--json``, one
line on stderr and exit 1 for a refused command, and ``flexchain stock`` still the balances view."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.bootstrap import App
from flexchain.config import Settings
from flexchain.entrypoints.api import errors as api_errors
from flexchain.entrypoints.api.stock import router
from flexchain.entrypoints.cli.main import app as cli
from tests.auth import bearer
from tests.storefront_world import TEE, build_world

runner = CliRunner()
Uow = Callable[..., UnitOfWork]


@pytest.fixture
def world(make_uow: Uow) -> Uow:
    build_world(make_uow)  # TEE: 10 at WH; WH2 empty
    return make_uow


def flexchain(database_url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["--db", database_url, *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _on_hand(database_url: str, location: str) -> str:
    code, out, _ = flexchain(database_url, "stock", "--json", "--item", TEE, "--location", location)
    assert code == 0
    rows = json.loads(out)
    return rows[0]["on_hand"] if rows else "0"


@pytest.mark.usefixtures("world")
def test_the_four_commands_with_their_contract_flags_print_json_documents(
    database_url: str,
) -> None:
    # when each command runs with the flags of the contract, as JSON
    runs = [
        ("stock", "receive", TEE, "5", "--location", "WH", "--reference", "DN-1",
         "--reason", "truck", "--json"),
        ("stock", "transfer", TEE, "3", "--from", "WH", "--to", "WH2", "--json"),
        ("stock", "adjust", TEE, "-2", "--location", "WH", "--reason", "damaged", "--json"),
        ("stock", "count", TEE, "7", "--location", "WH2", "--json"),
    ]  # fmt: skip
    documents = []
    for args in runs:
        code, out, err = flexchain(database_url, *args)
        assert (code, err) == (0, ""), err
        documents.append(json.loads(out))  # stdout is the JSON document and nothing else
    # then each posted one move of its kind, and the balances follow
    assert [(d["command"], [m["kind"] for m in d["moves"]]) for d in documents] == [
        ("receive", ["receipt"]),
        ("transfer", ["transfer"]),
        ("adjust", ["adjustment"]),
        ("count", ["adjustment"]),
    ]
    assert documents[0]["moves"][0] | {"at": None} == {
        "sku": TEE, "from_location": "RECEIPTS", "to_location": "WH", "quantity": "5",
        "kind": "receipt", "reference": "DN-1", "reason": "truck", "at": None,
    }  # fmt: skip
    assert documents[3]["moves"][0]["quantity"] == "4"  # 3 on record, 7 counted
    assert (_on_hand(database_url, "WH"), _on_hand(database_url, "WH2")) == ("10", "7")


@pytest.mark.usefixtures("world")
def test_a_refused_command_says_why_on_stderr_and_moves_nothing(database_url: str) -> None:
    code, out, err = flexchain(
        database_url, "stock", "transfer", TEE, "11", "--from", "WH", "--to", "WH2", "--json"
    )
    assert (code, out) == (1, "")
    assert err.startswith("Error: ") and "available 10" in err and "Traceback" not in err
    code, _, err = flexchain(database_url, "stock", "adjust", TEE, "2", "--location", "WH")
    assert code == 2 and "--reason" in err  # the reason is required
    assert _on_hand(database_url, "WH") == "10"


@pytest.mark.usefixtures("world")
def test_stock_without_a_command_is_still_the_balances_view(database_url: str) -> None:
    code, out, _ = flexchain(database_url, "stock", "--json", "--location", "WH")
    assert code == 0
    assert {row["sku"] for row in json.loads(out)} == {TEE, "M-BAG-BODY", "M-STRAP"}
    code, out, _ = flexchain(database_url, "stock", "--item", "NOPE")
    assert code == 0 and "No stock on record for item NOPE" in out


@pytest.fixture
def api(world: Uow, engine: Engine, database_url: str) -> Iterator[TestClient]:
    app = FastAPI()
    api_errors.install(app)
    app.include_router(router)
    app.state.flexchain = App(settings=Settings(database_url=database_url), engine=engine)
    with TestClient(app, headers=bearer(engine)) as client:
        yield client


def test_the_stock_routes_post_moves_and_list_balances(api: TestClient) -> None:
    posts: list[tuple[str, dict[str, Any]]] = [
        ("receive", {"sku": TEE, "quantity": "2.5", "location": "WH", "reference": "PO-X"}),
        ("transfer", {"sku": TEE, "quantity": 4, "from": "WH", "to": "WH2"}),
        ("adjust", {"sku": TEE, "delta": "-1", "location": "WH2", "reason": "sample"}),
        ("count", {"sku": TEE, "quantity": "8", "location": "WH"}),
    ]
    for route, body in posts:
        response = api.post(f"/stock/{route}", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["command"] == route
    listed = api.get("/stock", params={"item": TEE}).json()
    assert [(row["location"], row["on_hand"]) for row in listed] == [("WH", "8"), ("WH2", "3")]
    assert Decimal(listed[0]["available"]) == Decimal(8)


def test_a_refused_route_answers_4xx_with_the_message(api: TestClient) -> None:
    missing = api.post("/stock/receive", json={"sku": "NOPE", "quantity": 1, "location": "WH"})
    short = api.post(
        "/stock/transfer", json={"sku": TEE, "quantity": 11, "from": "WH", "to": "WH2"}
    )
    nameless = api.post("/stock/adjust", json={"sku": TEE, "delta": 1, "location": "WH"})
    assert (missing.status_code, missing.json()["detail"]) == (404, "unknown item 'NOPE'")
    assert short.status_code == 422 and "available 10" in short.json()["detail"]
    assert nameless.status_code == 422  # no reason
    assert api.get("/stock", params={"item": TEE, "location": "WH"}).json()[0]["on_hand"] == "10"
