"""``GET /kpis/{key}/rows`` a page at a time, on both databases: the recorded November of
test_kpis with three more stocked items; without ``limit`` every row (as before), with ``limit``
and ``offset`` the same rows sliced, ``total`` counting them all; a bad ``limit`` or ``offset``
is refused, and the OpenAPI description says both."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.entrypoints.api import create_app
from flexchain.services import stock_commands
from flexchain.services.imports import import_rows
from tests.auth import bearer
from tests.integration.test_kpis import END, WEEKS, at, build

MORE = {"BELT": ("10", 30), "CAP": ("5", 10), "SCARF": ("2", 1)}
"""SKU: (standard cost, units received): stock values 300, 50 and 2."""
BY_VALUE = ["BAG", "BELT", "CAP", "SCARF", "GIFT"]
"""The stock KPIs' rows, largest stock value first: BAG 94 x 20 = 1880; GIFT has no cost."""


@pytest.fixture(scope="module")
def api(module_database_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    engine = make_engine(module_database_url)
    build(engine)
    make_uow = functools.partial(UnitOfWork, engine)
    with make_uow() as uow:
        items = [{"sku": sku, "name": sku.title(), "kind": "finished", "standard_cost": cost}
                 for sku, (cost, _) in MORE.items()]  # fmt: skip
        import_rows(uow, "items", items, source="paging items")
        for sku, (_, units) in MORE.items():
            stock_commands.receive(uow, sku, units, location="WH", now=at(2))
        uow.commit()
    app = create_app(Settings(database_url=module_database_url, outbox_worker=False))
    try:
        with TestClient(app) as client:
            yield client, bearer(engine, "viewer")
    finally:
        engine.dispose()


def _rows(api: tuple[TestClient, dict[str, str]], key: str, **page: Any) -> Any:
    client, viewer = api
    params = {"period_end": str(END), "weeks": WEEKS, **page}
    answer = client.get(f"/kpis/{key}/rows", params=params, headers=viewer)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_without_a_limit_every_row_comes_as_before(api: tuple[TestClient, dict[str, str]]) -> None:
    found = _rows(api, "inventory_health")

    assert [row["sku"] for row in found["rows"]] == BY_VALUE
    assert (found["total"], found["offset"], found["note"]) == (5, 0, "")


@pytest.mark.parametrize(
    ("key", "page", "wanted"),
    [
        ("inventory_health", {"limit": 2}, ["BAG", "BELT"]),
        ("inventory_health", {"limit": 2, "offset": 1}, ["BELT", "CAP"]),
        ("days_of_cover", {"limit": 10, "offset": 3}, ["SCARF", "GIFT"]),
        ("inventory_turns", {"offset": 4}, ["GIFT"]),
        ("inventory_health", {"limit": 3, "offset": 5}, []),
        ("otif", {"limit": 2, "offset": 1}, ["1002", "1003"]),
        ("otif", {"offset": 3}, ["1006"]),
    ],
    ids=["stock-first-page", "stock-second-page", "stock-past-the-end-of-the-limit",
         "stock-offset-only", "stock-offset-past-the-end", "orders-page", "orders-offset-only"],
)  # fmt: skip
def test_a_page_is_the_same_rows_sliced_with_the_total_of_all(
    api: tuple[TestClient, dict[str, str]], key: str, page: dict[str, int], wanted: list[str]
) -> None:
    every = _rows(api, key)

    found = _rows(api, key, **page)

    name = "order" if key == "otif" else "sku"
    assert [row[name] for row in found["rows"]] == wanted
    start = page.get("offset", 0)
    assert found["rows"] == every["rows"][start : start + len(wanted)]
    assert (found["total"], found["offset"]) == (every["total"], start)
    assert found["note"] == ""  # rows exist, even where the page holds none of them


@pytest.mark.parametrize(
    ("page", "field"),
    [({"limit": 0}, "limit"), ({"limit": 10_001}, "limit"), ({"offset": -1}, "offset"),
     ({"limit": "all"}, "limit")],
    ids=["limit-zero", "limit-too-large", "negative-offset", "limit-not-a-number"],
)  # fmt: skip
def test_a_bad_limit_or_offset_is_refused_naming_it(
    api: tuple[TestClient, dict[str, str]], page: dict[str, Any], field: str
) -> None:
    client, viewer = api
    answer = client.get("/kpis/otif/rows", params=page, headers=viewer)

    assert answer.status_code == 422
    assert field in str(answer.json()["detail"])


def test_the_openapi_description_gives_limit_and_offset_with_their_bounds(
    api: tuple[TestClient, dict[str, str]],
) -> None:
    client, viewer = api
    spec = client.get("/openapi.json", headers=viewer).json()

    params = {p["name"]: p for p in spec["paths"]["/kpis/{key}/rows"]["get"]["parameters"]}
    limit = params["limit"]["schema"]["anyOf"][0]
    assert (limit["minimum"], limit["maximum"]) == (1, 10_000)
    assert params["offset"]["schema"]["minimum"] == 0
    assert not params["limit"]["required"] and not params["offset"]["required"]
