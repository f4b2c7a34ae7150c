"""Property-based fuzzing of the whole API from its own OpenAPI description (schemathesis).

The app serves a small demo company (a few items, no orders) and is called with an admin's token.
Every operation of the description gets a bounded, derandomized run of generated requests (valid
and invalid: schemathesis' examples, coverage and fuzzing phases) and each answer must be no
server error, a status code the operation documents, and a body that matches the schema it
declares for that status. The webhooks take part: unsigned or wrongly signed bodies answer 401.

The description is built once at collection time from an app that is never started (a test per
operation needs the operations before any fixture runs); a test checks that it is the one
``GET /openapi.json`` serves a logged-in caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.core.result import Err
from schemathesis.python import asgi

from flexchain.adapters.db.engine import make_engine
from flexchain.config import Settings
from flexchain.entrypoints.api import create_app
from flexchain.entrypoints.api.openapi import describe
from flexchain.services.demo import generate_demo, load_demo
from tests.auth import make_user, token_for

EXAMPLES = 25
"""Generated requests per operation in the fuzzing phase: enough to reach the edges of each
parameter, few enough that the whole API is fuzzed in about a minute per database."""

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.response_schema_conformance,
]

DESCRIPTION = describe(create_app(Settings(database_url="sqlite://", outbox_worker=False)))
schema = schemathesis.openapi.from_dict(DESCRIPTION)


@pytest.fixture(scope="module")
def company_url(module_database_url: str) -> str:
    """A migrated database holding the demo company loaded small, shared by every operation on
    one backend (what one operation writes, the next may read: as in life)."""
    data = generate_demo(items=4, seed=3, weeks=12)
    engine = make_engine(module_database_url)
    load_demo(engine, data, now=datetime.combine(data.today, time(8), tzinfo=UTC))
    engine.dispose()
    return module_database_url


@pytest.fixture(scope="module")
def admin_headers(company_url: str) -> dict[str, str]:
    """An admin's bearer header."""
    engine = make_engine(company_url)
    token = token_for(engine, make_user(engine, "admin"))
    engine.dispose()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def api(company_url: str) -> Iterator[FastAPI]:
    """The app on that database; schemathesis starts it (its lifespan) on the first request."""
    app = create_app(Settings(database_url=company_url, outbox_worker=False))
    yield app
    asgi.shutdown_lifespans()  # else schemathesis keeps every app it started running until exit


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error_or_breaks_its_description(
    case: schemathesis.Case, api: FastAPI, admin_headers: dict[str, str]
) -> None:
    # given the demo company and an admin's token
    # when the operation is called with generated parameters and bodies
    # then the answer is no 5xx, a status it documents and a body that matches its schema
    case.call_and_validate(app=api, headers=admin_headers, checks=CHECKS)


@pytest.mark.parametrize(
    ("method", "path", "options", "where"),
    [
        ("GET", "/orders", {"params": {"status": "\x00"}}, "status"),
        ("GET", "/orders/A%00", {}, "ref"),
        (
            "POST",
            "/stock/receive",
            {"json": {"sku": "A\x00", "quantity": "1", "location": "W"}},
            "body",
        ),
        ("POST", "/quote", {"json": {"sku": "JKT", "options": {"\x00": "x"}}}, "body"),
    ],
    ids=["query", "path", "body", "body-key"],
)
def test_text_with_a_nul_character_is_refused_before_the_database_sees_it(
    api: FastAPI,
    admin_headers: dict[str, str],
    method: str,
    path: str,
    options: dict[str, Any],
    where: str,
) -> None:
    # given text that PostgreSQL cannot store (psycopg refused it: a server error)
    # when it is sent in the query, a path parameter or a JSON body
    with asgi.get_client(api) as client:  # type: ignore[arg-type]  # Starlette types its scope looser
        response = client.request(method, path, headers=admin_headers, **options)
    # then the request is refused, naming where the character is
    assert (response.status_code, response.json()) == (
        422,
        {"detail": f"{where}: text may not hold a NUL character"},
    )


def test_the_served_description_is_the_one_fuzzed(
    api: FastAPI, admin_headers: dict[str, str]
) -> None:
    # given the app on a database with an admin
    # when an admin asks for its description
    served = schemathesis.openapi.from_asgi("/openapi.json", api, headers=admin_headers)
    # then it is the one the operations above were generated from
    assert served.raw_schema == DESCRIPTION


def test_the_description_is_valid_openapi() -> None:
    # given the API's description; when it is checked against the OpenAPI meta-schema and each
    # operation is built from it; then there is no error
    schema.validate()
    failed = [
        str(result.err()) for result in schema.get_all_operations() if isinstance(result, Err)
    ]
    assert failed == []


def test_every_operation_declares_who_may_call_it() -> None:
    # given the API's description
    operations = {
        f"{method.upper()} {path}": operation
        for path, item in DESCRIPTION["paths"].items()
        for method, operation in item.items()
    }
    # then every operation names the roles that may call it, and the secured ones (all but the
    # public) say they take a bearer token and may answer 401 and 403
    assert [name for name, op in operations.items() if not op.get("x-roles")] == []
    secured = {name: op for name, op in operations.items() if op["x-roles"] != ["public"]}
    assert [name for name, op in secured.items() if {"bearer": []} not in op["security"]] == []
    assert [
        name for name, op in secured.items() if not {"401", "403"} <= set(op["responses"])
    ] == []
    assert {name for name, op in operations.items() if op["x-roles"] == ["public"]} == {
        "GET /health",
        "GET /track/{token}",
        "POST /login",
        "POST /webhooks/shopify",
        "POST /webhooks/woocommerce",
    }
