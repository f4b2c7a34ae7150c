"""Presale signals on both databases: recorded through the service, the ``signals`` import and
``POST /signals``, listed, and sensed into first batches, option alerts and safety multipliers.

The company is a jacket (standard body, custom dye and print modules, an embroidery module whose
``NONE`` option shares its code with the print's) that has never sold, and a tee with history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.tables import AuditRow, PresaleSignalRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import NotFound
from flexchain.entrypoints.api import create_app
from flexchain.planning.presale import ConversionRates
from flexchain.services.exports import export_file
from flexchain.services.imports import ImportFailed, import_file, import_rows
from flexchain.services.signals import (
    Signal,
    SignalsRejected,
    list_signals,
    record_signals,
    sensing,
)
from tests.auth import bearer
from tests.integration.imports.conftest import csv_to_xlsx

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
D = Decimal
UowFactory = Callable[..., UnitOfWork]


def _custom(sku: str) -> dict[str, Any]:
    return {"sku": sku, "name": sku, "kind": "module", "module_type": "custom"}


COMPANY: dict[str, list[dict[str, Any]]] = {
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
    "items": [
        {"sku": "JKT", "name": "Jacket", "kind": "finished"},
        {"sku": "TEE", "name": "Tee", "kind": "finished"},
        {"sku": "M-BODY", "name": "Body", "kind": "module", "module_type": "standard"},
        _custom("M-DYE"), _custom("M-PRINT"), _custom("M-EMB"),
        {"sku": "FAB", "name": "Fabric", "kind": "raw", "uom": "m"},
        {"sku": "ALUM", "name": "Alum", "kind": "raw", "uom": "kg"},
        {"sku": "MADDER-ROOT", "name": "Madder root", "kind": "raw", "uom": "kg"},
        {"sku": "INK", "name": "Ink", "kind": "raw", "uom": "kg"},
    ],
    "options": [
        {"module_sku": module, "code": code, "name": code}
        for module, code in (("M-DYE", "INDIGO"), ("M-DYE", "MADDER"), ("M-DYE", "WELD"),
                             ("M-PRINT", "NONE"), ("M-PRINT", "CHEST"), ("M-EMB", "NONE"))
    ],
    "bom": [
        *({"parent_sku": "JKT", "child_sku": child, "quantity": 1}
          for child in ("M-BODY", "M-DYE", "M-PRINT", "M-EMB")),
        {"parent_sku": "TEE", "child_sku": "M-BODY", "quantity": 1},
        {"parent_sku": "M-BODY", "child_sku": "FAB", "quantity": D("1.5")},
        {"parent_sku": "M-DYE", "child_sku": "ALUM", "quantity": D("0.02")},
        {"parent_sku": "M-DYE", "child_sku": "MADDER-ROOT", "quantity": D("0.05")},
        {"parent_sku": "M-PRINT", "child_sku": "INK", "quantity": D("0.01")},
    ],
    "demand": [{"sku": "TEE", "period_start": "2026-10-05", "quantity": 30}],
}  # fmt: skip


@pytest.fixture
def company(make_uow: UowFactory) -> UowFactory:
    with make_uow() as uow:
        for kind, rows in COMPANY.items():
            import_rows(uow, kind, rows, source=f"test {kind}")
        uow.commit()
    return make_uow


def signal(sku: str, kind: str, quantity: Any, days: float = 1, **fields: Any) -> dict[str, Any]:
    return {
        "sku": sku,
        "kind": kind,
        "quantity": quantity,
        "occurred_at": NOW - timedelta(days=days),
        "source": "shop",
        **fields,
    }


def record(make_uow: UowFactory, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    with make_uow() as uow:
        report = record_signals(uow, rows)
        uow.commit()
    return report.created, report.updated, report.unchanged


def listed(make_uow: UowFactory, sku: str | None = None) -> list[Signal]:
    with make_uow(write=False) as uow:
        return list_signals(uow, sku)


def stored_count(engine: Engine) -> int:
    with UnitOfWork(engine, write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(PresaleSignalRow)) or 0


# --- the service ---------------------------------------------------------------------------------


def test_signals_are_recorded_with_their_option_resolved_to_its_module(
    company: UowFactory,
) -> None:
    # given a product-level view count, an add-to-cart of a colour, and a deposit
    rows = [
        signal("JKT", "views", 1840, days=2),
        signal("JKT", "add_to_cart", 14, days=2, option="MADDER"),
        signal("JKT", "deposit", 3, days=1, amount=D("60.00"), option="M-EMB/NONE"),
    ]

    # when they are recorded
    counts = record(company, rows)

    # then each is stored once, the options under their modules
    assert counts == (3, 0, 0)
    at2, at1 = NOW - timedelta(days=2), NOW - timedelta(days=1)
    assert listed(company, "JKT") == [
        Signal("JKT", "M-DYE", "MADDER", "add_to_cart", D(14), None, "EUR", at2, "shop"),
        Signal("JKT", None, None, "views", D(1840), None, "EUR", at2, "shop"),
        Signal("JKT", "M-EMB", "NONE", "deposit", D(3), D("60.00"), "EUR", at1, "shop"),
    ]
    assert listed(company, "TEE") == []


def test_posting_the_same_signals_again_updates_by_natural_key(company: UowFactory) -> None:
    rows = [signal("JKT", "add_to_cart", 10, option="INDIGO"), signal("JKT", "views", 100)]
    record(company, rows)

    again = record(company, rows)
    changed = record(company, [signal("JKT", "add_to_cart", 12, option="M-DYE/INDIGO")])
    elsewhere = record(company, [signal("JKT", "add_to_cart", 12, option="INDIGO", source="ig")])

    assert (again, changed, elsewhere) == ((0, 0, 2), (0, 1, 0), (1, 0, 0))
    quantities = [(s.source, s.quantity) for s in listed(company) if s.kind == "add_to_cart"]
    assert sorted(quantities) == [("ig", D(12)), ("shop", D(12))]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param(signal("NOPE", "views", 1), "signals[1].sku: unknown item 'NOPE'", id="sku"),
        pytest.param(
            signal("JKT", "add_to_cart", 1, option="PLAID"),
            "signals[1].option: unknown option 'PLAID' for JKT "
            "(its custom modules: M-DYE, M-EMB, M-PRINT)",
            id="option",
        ),
        pytest.param(
            signal("JKT", "add_to_cart", 1, option="NONE"),
            "signals[1].option: 'NONE' is an option of several modules of JKT (M-EMB, M-PRINT); "
            "write MODULE/NONE",
            id="ambiguous",
        ),
        pytest.param(
            signal("TEE", "add_to_cart", 1, option="M-DYE/MADDER"),
            "signals[1].option: 'M-DYE' is not a custom module of TEE (its custom modules: none)",
            id="not-its-module",
        ),
        pytest.param(
            signal("JKT", "views", 1, amount=D(5)),
            "signals[1].amount: only preorders and deposits carry an amount",
            id="amount",
        ),
        pytest.param(
            signal("JKT", "views", D("0.0001")),
            "signals[1].quantity: 0.0001 has more than 3 decimal places",
            id="places",
        ),
    ],
)
def test_a_bad_signal_is_named_and_nothing_is_recorded(
    company: UowFactory, engine: Engine, row: dict[str, Any], message: str
) -> None:
    with pytest.raises(SignalsRejected) as rejected, company() as uow:
        record_signals(uow, [signal("JKT", "views", 5, days=9), row])

    assert str(rejected.value) == message
    assert stored_count(engine) == 0


def test_listing_an_unknown_sku_is_not_found(company: UowFactory) -> None:
    with pytest.raises(NotFound, match="unknown item 'NOPE'"):
        listed(company, "NOPE")


# --- the import ----------------------------------------------------------------------------------

SIGNALS_CSV = """\
SKU,Option,Kind,Qty,amount,currency,timestamp,channel
JKT,,view,1840,,,2026-11-02,shopify
JKT,M-DYE/MADDER,add-to-cart,14,,,2026-11-02 11:30+01:00,shopify
JKT,CHEST,preorder,2,80,usd,2026-11-03T09:00:00Z,shopify
"""


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_signals_file_imports_and_exports_back_unchanged(
    company: UowFactory, engine: Engine, tmp_path: Path, suffix: str
) -> None:
    # given a file with aliased headers, synonyms and times with and without offsets
    path = tmp_path / f"signals{suffix}"
    if suffix == ".csv":
        path.write_text(SIGNALS_CSV, encoding="utf-8")
    else:
        csv_to_xlsx(SIGNALS_CSV, path)

    # when it is imported, exported and the export imported back
    report = import_file(engine, "signals", path)
    exported = tmp_path / f"exported{suffix}"
    export_file(engine, "signals", exported)
    again = import_file(engine, "signals", exported)

    # then three signals were created in UTC, and the round trip changed nothing
    assert (report.created, again.unchanged, again.created + again.updated) == (3, 3, 0)
    assert [(s.kind, s.module_sku, s.option_code, s.occurred_at) for s in listed(company)] == [
        ("views", None, None, datetime(2026, 11, 2, tzinfo=UTC)),
        ("add_to_cart", "M-DYE", "MADDER", datetime(2026, 11, 2, 10, 30, tzinfo=UTC)),
        ("preorder", "M-PRINT", "CHEST", datetime(2026, 11, 3, 9, tzinfo=UTC)),
    ]
    assert listed(company)[2].amount == D(80) and listed(company)[2].currency == "USD"


def test_an_import_is_audited_once_and_only_when_it_changes_something(
    company: UowFactory, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "signals.csv"
    path.write_text(SIGNALS_CSV, encoding="utf-8")

    import_file(engine, "signals", path, actor="anna")
    import_file(engine, "signals", path, actor="anna")

    with company(write=False) as uow:
        audits = uow.session.execute(
            select(AuditRow.action, AuditRow.entity, AuditRow.details).where(
                AuditRow.entity == "presale_signal"
            )
        ).all()
    assert [tuple(row) for row in audits] == [
        ("imported", "presale_signal", {"source": "signals.csv", "created": 3, "updated": 0,
                                        "unchanged": 0}),
    ]  # fmt: skip


def test_a_bad_signals_file_reports_every_line(
    company: UowFactory, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "sku,option,kind,quantity,occurred_at\n"
        "JKT,,likes,1,2026-11-02\n"
        "JKT,,views,1,yesterday\n"
        "JKT,,views,1,2026-11-02T00:00:00Z\n"
        "JKT,,views,2,2026-11-02\n",
        encoding="utf-8",
    )

    with pytest.raises(ImportFailed) as failed:
        import_file(engine, "signals", path)

    assert str(failed.value).splitlines() == [
        "bad.csv:2: kind: must be one of views, add_to_cart, preorder, deposit; got 'likes'",
        "bad.csv:3: occurred_at: not a date and time: 'yesterday' (use YYYY-MM-DDTHH:MM:SSZ, "
        "or YYYY-MM-DD)",
        "bad.csv:5: occurred_at: duplicate of line 4",
    ]
    assert stored_count(engine) == 0


# --- sensing -------------------------------------------------------------------------------------


def dye_carts(option: str, quantity: int, days: float) -> dict[str, Any]:
    return signal("JKT", "add_to_cart", quantity, days=days, option=option)


def test_sensing_sizes_new_items_and_raises_the_safety_of_an_options_materials(
    company: UowFactory,
) -> None:
    # given a jacket that never sold, with presale signals, whose madder dye went from 5 % of
    # the dye add-to-carts in the baseline to 15 % in the last two weeks; and a tee with history
    record(
        company,
        [
            signal("JKT", "preorder", 20, days=3),
            signal("JKT", "add_to_cart", 100, days=3),
            signal("JKT", "views", 2000, days=3),
            signal("JKT", "views", 999_999, days=-1),  # after now: not seen yet
            signal("TEE", "preorder", 50, days=3),
            dye_carts("INDIGO", 190, 30),
            dye_carts("MADDER", 10, 30),
            dye_carts("INDIGO", 85, 3),
            dye_carts("MADDER", 15, 3),
        ],
    )

    # when planning senses
    with company(write=False) as uow:
        sensed = sensing(uow, now=NOW, conversion=ConversionRates(rate_cv=0))
    batches, alerts, multipliers = sensed.first_batches, sensed.alerts, sensed.multipliers

    # then the jacket gets a first batch and the tee none: 20 preorders, and 300 add-to-carts
    # (the dye's option rows outnumber the 100 product rows) at 20 % plus 2000 views at 0.5 %
    # expected to convert, Poisson(70): 10 % quantile 59, 90 % quantile 81
    jacket = batches.row(0, named=True)
    assert batches["item"].to_list() == ["JKT"]
    assert (jacket["committed"], jacket["leads"], jacket["expected"]) == pytest.approx((20, 70, 90))
    assert (jacket["low"], jacket["high"]) == (20 + 59, 20 + 81)
    # and madder alerts, so alum and madder root (the dye module's materials) get
    # 1 + (15 % - 5 %)
    assert alerts.select("module", "option").rows() == [("M-DYE", "MADDER")]
    assert multipliers == pytest.approx({"ALUM": 1.1, "MADDER-ROOT": 1.1})


def test_sensing_without_signals_gives_empty_frames(company: UowFactory) -> None:
    with company(write=False) as uow:
        result = sensing(uow, now=NOW)

    assert result.first_batches.is_empty() and result.alerts.is_empty()
    assert result.multipliers == {}


# --- the API -------------------------------------------------------------------------------------


@pytest.fixture
def api(company: UowFactory, database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    engine = make_engine(database_url)
    headers = bearer(engine)
    engine.dispose()
    with TestClient(app, headers=headers) as client:
        yield client


def posted(sku: str, kind: str, quantity: Any, **fields: Any) -> dict[str, Any]:
    return {"sku": sku, "kind": kind, "quantity": quantity, "occurred_at": "2026-11-02T10:00:00Z",
            **fields}  # fmt: skip


def test_post_signals_takes_one_or_a_list_and_answers_201_with_counts(api: TestClient) -> None:
    one = api.post("/signals", json=posted("JKT", "views", 1840, source="shopify"))
    many = api.post(
        "/signals",
        json=[
            posted("JKT", "views", 1840, source="shopify"),
            posted("JKT", "deposit", "3", amount="60.00", option="M-EMB/NONE"),
        ],
    )

    nothing = api.post("/signals", json=[])
    assert (nothing.status_code, nothing.json()) == (
        201,
        {"rows": 0, "created": 0, "updated": 0, "unchanged": 0},
    )
    assert (one.status_code, one.json()) == (
        201,
        {"rows": 1, "created": 1, "updated": 0, "unchanged": 0},
    )
    assert (many.status_code, many.json()) == (
        201,
        {"rows": 2, "created": 1, "updated": 0, "unchanged": 1},
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        pytest.param(
            [posted("JKT", "views", 1), posted("NOPE", "views", 1)],
            "signals[1].sku: unknown item 'NOPE'",
            id="sku",
        ),
        pytest.param(
            posted("JKT", "add_to_cart", 1, option="PLAID"),
            "signals[0].option: unknown option 'PLAID' for JKT",
            id="option",
        ),
    ],
)
def test_post_signals_names_an_unknown_sku_or_option_and_records_nothing(
    api: TestClient, body: Any, detail: str
) -> None:
    response = api.post("/signals", json=body)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)
    assert api.get("/signals").json() == []


def test_post_signals_refuses_a_time_without_offset_and_an_unknown_kind(api: TestClient) -> None:
    naive = api.post("/signals", json=posted("JKT", "views", 1, occurred_at="2026-11-02T10:00"))
    kind = api.post("/signals", json=posted("JKT", "likes", 1))
    far = api.post("/signals", json=posted("JKT", "views", 1, occurred_at="9999-12-31T23:30-01:00"))

    assert (naive.status_code, kind.status_code, far.status_code) == (422, 422, 422)
    assert (
        far.json()["detail"] == "signals[0].occurred_at: 9999-12-31T23:30:00-01:00 is out of range"
    )


def test_get_signals_lists_them_with_decimals_as_strings(api: TestClient) -> None:
    api.post(
        "/signals",
        json=[
            posted("JKT", "deposit", "3", amount="60.00", option="M-EMB/NONE"),
            posted("TEE", "views", "12.5"),
        ],
    )

    jacket = api.get("/signals", params={"sku": "JKT"})
    everything = api.get("/signals")
    unknown = api.get("/signals", params={"sku": "NOPE"})

    assert jacket.status_code == 200
    assert jacket.json() == [
        {
            "sku": "JKT",
            "module_sku": "M-EMB",
            "option_code": "NONE",
            "kind": "deposit",
            "quantity": "3",
            "amount": "60.00",
            "currency": "EUR",
            "occurred_at": "2026-11-02T10:00:00Z",
            "source": "",
        }
    ]
    assert [row["sku"] for row in everything.json()] == ["JKT", "TEE"]
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "unknown item 'NOPE'"})
