"""Quotes against both databases: the service, ``POST /quote`` and ``flexchain quote``.

The company is made through the spreadsheet imports (a jacket of two standard and two custom
modules, four suppliers); one test quotes the demo company's jacket.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from typer.testing import CliRunner

from flexchain.adapters.db.tables import Base, ItemRow, ProductionJobRow, SupplierRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.bootstrap import App
from flexchain.config import Settings
from flexchain.demo import generate
from flexchain.domain.errors import NotFound, ValidationError
from flexchain.entrypoints.api import errors as api_errors
from flexchain.entrypoints.api.quotes import router
from flexchain.entrypoints.cli.context import CliState
from flexchain.entrypoints.cli.quote import quote as quote_command
from flexchain.services import inventory
from flexchain.services.demo import load_demo
from flexchain.services.imports import import_rows
from flexchain.services.quotes import load_snapshot, quote
from tests.auth import bearer

TODAY = date(2026, 11, 23)
INDIGO_CHEST = {"Plant-dye finish": "Indigo", "M-PRINT": "chest"}
UowFactory = Callable[..., UnitOfWork]


def _capability(process: str, capacity: int, lead: int, moq: int) -> dict[str, Any]:
    return {
        "process": process,
        "capacity_per_day": Decimal(capacity),
        "lead_time_mean_days": Decimal(lead),
        "moq": Decimal(moq),
    }


def _option(module: str, code: str, name: str, price: int, days: int) -> dict[str, Any]:
    return {
        "module_sku": module,
        "code": code,
        "name": name,
        "price_delta": Decimal(price),
        "lead_time_delta_days": days,
    }


COMPANY: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {"code": "CUT-S", "name": "Cutter", "tier": "S", "country": "PT",
         "capabilities": [_capability("cutting", 100, 4, 10)]},
        {"code": "SEW-S", "name": "Sewer", "tier": "S", "country": "PT",
         "capabilities": [_capability("sewing", 200, 10, 50)]},
        {"code": "SEW-B", "name": "Backup sewer", "tier": "B", "country": "VN",
         "capabilities": [_capability("sewing", 50, 3, 5)]},
        {"code": "DYE-A", "name": "Dyer", "tier": "A", "country": "PT",
         "capabilities": [_capability("dyeing", 100, 6, 20)]},
        {"code": "PRT-A", "name": "Printer", "tier": "A", "country": "PT",
         "capabilities": [_capability("printing", 200, 4, 20)]},
        {"code": "MILL", "name": "Mill", "tier": "A", "country": "IT"},
    ],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
    "items": [
        {"sku": "JKT", "name": "Jacket", "kind": "finished", "list_price": Decimal(200),
         "production_cycle_days": 2, "default_supplier": "SEW-S"},
        {"sku": "M-BODY", "name": "Body", "kind": "module", "module_type": "standard",
         "moq": Decimal(50), "default_supplier": "CUT-S", "standard_cost": Decimal(10)},
        {"sku": "M-COLLAR", "name": "Collar", "kind": "module", "module_type": "standard",
         "moq": Decimal(20), "order_multiple": Decimal(10), "default_supplier": "SEW-S",
         "standard_cost": Decimal(5)},
        {"sku": "M-DYE", "name": "Plant-dye finish", "kind": "module", "module_type": "custom",
         "moq": Decimal(1), "attributes": {"process": "dyeing"}, "standard_cost": Decimal(6)},
        {"sku": "M-PRINT", "name": "Screen print", "kind": "module", "module_type": "custom",
         "default_supplier": "PRT-A", "standard_cost": Decimal(2)},
        {"sku": "FAB", "name": "Fabric", "kind": "raw", "uom": "m", "default_supplier": "MILL"},
        {"sku": "ALUM", "name": "Alum", "kind": "raw", "uom": "kg", "default_supplier": "MILL"},
        {"sku": "BOX", "name": "Box", "kind": "packaging"},
    ],
    "options": [
        _option("M-DYE", "NATURAL", "Undyed, natural", 0, -3),
        _option("M-DYE", "INDIGO", "Indigo blue", 25, 6),
        _option("M-DYE", "WELD", "Weld yellow", 20, 5),
        _option("M-PRINT", "NONE", "No print", 0, 0),
        _option("M-PRINT", "CHEST", "Chest print", 8, 2),
        _option("M-PRINT", "TEXT", "Text, up to 20 characters", 15, 2),
    ],
    "bom": [
        *({"parent_sku": "JKT", "child_sku": child, "quantity": 1}
          for child in ("M-BODY", "M-COLLAR", "M-DYE", "M-PRINT", "BOX")),
        {"parent_sku": "M-BODY", "child_sku": "FAB", "quantity": Decimal("1.5")},
        {"parent_sku": "M-DYE", "child_sku": "ALUM", "quantity": Decimal("0.02")},
    ],
    "item-suppliers": [
        {"item_sku": sku, "supplier_code": "MILL", "lead_time_days": lead,
         "price_breaks": [{"min_quantity": 0, "unit_price": Decimal(3)}]}
        for sku, lead in (("FAB", 14), ("ALUM", 7))
    ],
    "stock": [
        {"sku": "M-BODY", "location": "WH", "quantity": 100},
        {"sku": "FAB", "location": "WH", "quantity": 1000},
        {"sku": "BOX", "location": "WH", "quantity": 50},
    ],
}  # fmt: skip


@pytest.fixture
def company(make_uow: UowFactory) -> UowFactory:
    with make_uow() as uow:
        for kind, rows in COMPANY.items():
            import_rows(uow, kind, rows, source=f"test {kind}")
        uow.commit()
    return make_uow


def book(uow: UnitOfWork, supplier: str, process: str, units: int, **fields: Any) -> None:
    session = uow.session
    supplier_id = session.scalar(select(SupplierRow.id).where(SupplierRow.code == supplier))
    item_id = session.scalar(select(ItemRow.id).where(ItemRow.sku == "M-DYE"))
    assert supplier_id is not None and item_id is not None
    session.add(
        ProductionJobRow(
            item_id=item_id,
            supplier_id=supplier_id,
            process=process,
            quantity=Decimal(units),
            **fields,
        )
    )


def _quote(make_uow: UowFactory, options: dict[str, str] = INDIGO_CHEST, **kwargs: Any) -> Any:
    arguments = {"quantity": 2, "speed_tier": "basic", **kwargs}
    with make_uow(write=False) as uow:
        return quote(uow, "JKT", options, today=TODAY, **arguments)


def test_a_quote_from_the_database_follows_the_rule(company: UowFactory) -> None:
    result = _quote(company)

    # the same numbers as the unit test's world: see tests/unit/domain/test_quotes.py
    assert result.total.amount == Decimal("494.80")
    assert result.ship_date == TODAY + timedelta(days=23)
    assert [(s.label, s.supplier_code, s.days) for s in result.stages] == [
        ("materials", None, 7),
        ("dyeing: Plant-dye finish (Indigo blue)", "DYE-A", 13),
        ("printing: Screen print (Chest print)", "PRT-A", 7),
        ("sewing: Collar (shortage, 20 pcs)", "SEW-S", 11),
        ("assembly", "SEW-S", 2),
        ("packing", None, 1),
    ]
    assert result.alternatives[0].description == (
        "Plant-dye finish: Indigo blue 23 days, Undyed, natural 14 days (50.00 EUR less)"
    )


def test_open_jobs_in_the_horizon_load_the_supplier(company: UowFactory) -> None:
    # given 500 units (5 days of work) planned at the dyer, and jobs that do not count:
    # one done, one cancelled, one starting after the four-week horizon
    with company() as uow:
        book(uow, "DYE-A", "dyeing", 300, status="planned", planned_start=TODAY)
        book(uow, "DYE-A", "dyeing", 200, status="started")
        book(uow, "DYE-A", "dyeing", 900, status="done", planned_start=TODAY)
        book(uow, "DYE-A", "dyeing", 900, status="cancelled", planned_start=TODAY)
        book(uow, "DYE-A", "dyeing", 900, status="planned", planned_start=TODAY + timedelta(40))
        uow.commit()
    # when the jacket is quoted
    result = _quote(company)
    # then dyeing finishes five days later than with an empty queue
    assert result.stages[1].finish == TODAY + timedelta(days=20 + 5)


def test_a_full_tier_s_sewer_sends_the_shortage_to_the_backup(company: UowFactory) -> None:
    with company() as uow:
        book(uow, "SEW-S", "sewing", 5600, status="planned", planned_start=TODAY)  # 28 x 200
        uow.commit()

    result = _quote(company)

    collar = next(job for job in result.jobs if job.module_sku == "M-COLLAR")
    assert collar.assignment.supplier_code == "SEW-B"


def test_reserved_stock_is_not_available_until_its_reservation_expires(
    company: UowFactory,
) -> None:
    # given 99 of the 100 bodies reserved for another order, and a second reservation of the
    # last one that expired before today
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    with company() as uow:
        inventory.reserve(uow, "M-BODY", "WH", 99, "order-1", now=now)
        inventory.reserve(uow, "M-BODY", "WH", 1, "cart-7", now=now, expires_at=now + timedelta(1))
        uow.commit()
    # when two jackets are quoted, then one body is missing: a shortage job raised to the MOQ
    result = _quote(company)
    body = next(job for job in result.jobs if job.module_sku == "M-BODY")
    assert (body.reason, body.assignment.quantity) == ("shortage", Decimal(50))
    assert body.assignment.supplier_code == "CUT-S"


def test_quoting_writes_nothing(company: UowFactory, engine: Engine) -> None:
    def counts() -> dict[str, int]:
        with engine.connect() as connection:
            return {
                table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
                for table in Base.metadata.sorted_tables
            }

    before = counts()
    with company() as uow:  # even a writing unit of work is left untouched
        quote(uow, "JKT", INDIGO_CHEST, 3, "premium", today=TODAY)
        assert not (uow.session.new or uow.session.dirty or uow.session.deleted)
        uow.commit()

    assert counts() == before


def test_the_snapshot_loads_in_seven_queries_whatever_the_product(
    company: UowFactory, engine: Engine
) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with company(write=False) as uow:
            snapshot = load_snapshot(uow, "JKT", today=TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert len(statements) == 7
    assert set(snapshot.items) == {row["sku"] for row in COMPANY["items"]}
    assert snapshot.available["M-BODY"] == Decimal(100)


@pytest.mark.parametrize(
    ("sku", "options", "tier", "error", "message"),
    [
        pytest.param("NOPE", {}, "basic", NotFound, "unknown product 'NOPE'", id="unknown-sku"),
        pytest.param(
            "JKT",
            {"M-DYE": "purple", "M-PRINT": "none"},
            "basic",
            ValidationError,
            "options: unknown option 'purple' for M-DYE; choose one of Undyed, natural, "
            "Indigo blue, Weld yellow",
            id="unknown-option",
        ),
        pytest.param(
            "JKT", INDIGO_CHEST, "warp", ValidationError, "speed_tier: must be one of",
            id="unknown-tier",
        ),
        pytest.param(
            "M-DYE", {}, "basic", ValidationError, "M-DYE is a module, not a finished product",
            id="not-finished",
        ),
    ],
)  # fmt: skip
def test_bad_requests_raise_clear_domain_errors(
    company: UowFactory, sku: str, options: dict[str, str], tier: str, error: type, message: str
) -> None:
    with company(write=False) as uow, pytest.raises(error) as caught:
        quote(uow, sku, options, 1, tier, today=TODAY)

    assert message in str(caught.value)


def test_the_demo_jacket_is_quoted(engine: Engine, make_uow: UowFactory) -> None:
    data = generate(items=8, weeks=10, start=date(2024, 1, 1))
    load_demo(engine, data)
    options = {"M-DYE": "Indigo", "Embroidery": "Anna", "M-JKT-FIT": "slim"}

    with make_uow(write=False) as uow:
        result = quote(uow, "JKT-RNYL-NAVY-XS", options, 3, "basic", today=data.today)

    assert result.lines[0].amount.amount == Decimal("867.00")  # 3 x 289
    jobs = {job.module_sku: job.assignment.supplier_code for job in result.jobs}
    assert (jobs["M-DYE"], jobs["M-EMBROIDERY"], jobs["M-JKT-FIT"]) == (
        "DYE-PT",
        "PRINT-PT",
        "SEW-PT",
    )
    assert [stage.kind for stage in result.stages][-2:] == ["assembly", "packing"]
    assert result.ship_date > data.today
    assert any(a.option_code == "NATURAL" for a in result.alternatives)


# --- entry points --------------------------------------------------------------------------------


@pytest.fixture
def api(company: UowFactory, engine: Engine, database_url: str) -> Iterator[TestClient]:
    app = FastAPI()
    api_errors.install(app)
    app.include_router(router)
    app.state.flexchain = App(settings=Settings(database_url=database_url), engine=engine)
    with TestClient(app, headers=bearer(engine)) as client:
        yield client


def test_post_quote_answers_with_money_as_strings(api: TestClient) -> None:
    body = {"sku": "JKT", "options": INDIGO_CHEST, "quantity": 2, "speed_tier": "basic"}

    response = api.post("/quote", json=body)

    assert response.status_code == 200
    answer = response.json()
    assert (answer["total"], answer["unit_price"], answer["currency"]) == (
        "494.80",
        "247.40",
        "EUR",
    )
    assert answer["price"][0] == {"kind": "base", "label": "2 x 200.00", "amount": "400.00"}
    assert [stage["kind"] for stage in answer["stages"]] == [
        "materials",
        "production",
        "production",
        "production",
        "assembly",
        "packing",
    ]
    assert answer["lead_days"] == 23
    assert (
        answer["ship_date"] == (date.fromisoformat(answer["quoted_on"]) + timedelta(23)).isoformat()
    )
    assert answer["alternatives"][0]["saving"] == "50.00"
    assert answer["options"] == [
        {"module_sku": "M-DYE", "option_code": "INDIGO", "value": ""},
        {"module_sku": "M-PRINT", "option_code": "CHEST", "value": ""},
    ]


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        pytest.param({"sku": "NOPE"}, 404, "unknown product 'NOPE'", id="unknown-sku"),
        pytest.param(
            {"sku": "JKT", "options": {"colour": "red"}},
            422,
            "options: JKT has no custom module 'colour'",
            id="unknown-option",
        ),
    ],
)
def test_post_quote_turns_domain_errors_into_4xx(
    api: TestClient, body: dict[str, Any], status: int, detail: str
) -> None:
    response = api.post("/quote", json=body)

    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)


def test_post_quote_refuses_an_unknown_speed_tier_and_a_zero_quantity(api: TestClient) -> None:
    tier = api.post("/quote", json={"sku": "JKT", "speed_tier": "warp"})
    zero = api.post("/quote", json={"sku": "JKT", "quantity": 0})

    assert (tier.status_code, zero.status_code) == (422, 422)


@pytest.fixture
def cli(company: UowFactory, database_url: str) -> Callable[..., Any]:
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context) -> None:
        ctx.obj = CliState(database_url=database_url)

    app.command("quote")(quote_command)
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, ["quote", *args], env={"COLUMNS": "200"})

    return invoke


def test_cli_quote_prints_the_breakdowns(cli: Callable[..., Any]) -> None:
    result = cli("JKT", "-o", "M-DYE=indigo", "--option", "Screen print=Chest", "-q", "2")

    assert result.exit_code == 0, result.output
    assert "JKT x 2, basic: 494.80 EUR (247.40 EUR each), ships" in result.stdout
    assert "small batch: 2 x Plant-dye finish, minimum 20 at DYE-A" in result.stdout
    assert "sewing: Collar (shortage, 20 pcs)" in result.stdout
    assert "Undyed, natural 14 days (50.00 EUR less)" in result.stdout


def test_cli_quote_json_is_the_api_answer(cli: Callable[..., Any]) -> None:
    result = cli("JKT", "-o", "M-DYE=indigo", "-o", "M-PRINT=Anna", "--speed", "fast", "--json")

    assert result.exit_code == 0, result.output
    [answer] = json.loads(result.stdout)
    assert answer["speed_tier"] == "fast"
    assert answer["price"][-1]["label"] == "speed premium +15%"
    assert answer["options"][1] == {"module_sku": "M-PRINT", "option_code": "TEXT", "value": "Anna"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("-o", "M-DYE"), "--option expects KEY=VALUE", id="no-equals"),
        pytest.param(("-o", "M-DYE=purple"), "unknown option 'purple' for M-DYE", id="bad-value"),
        pytest.param(("-o", "M-DYE=indigo", "--speed", "warp"), "speed_tier:", id="bad-tier"),
    ],
)
def test_cli_quote_reports_errors_on_one_line(
    cli: Callable[..., Any], args: tuple[str, ...], message: str
) -> None:
    result = cli("JKT", *args)

    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
