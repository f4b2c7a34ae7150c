"""Tiers and the Kraljic matrix on both databases: spend from PO lines (12 months, brand
currency), qualified suppliers, lead times, capabilities; tiers recommended, applied and set
(audited); the sourcing policy they give; the CLI and the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.entrypoints.api.app import create_app
from flexchain.entrypoints.cli.main import app as cli
from flexchain.services import audit, fx, supplier_tiers
from flexchain.services.imports import import_rows
from tests.auth import bearer

UowFactory = Callable[..., UnitOfWork]
NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)
TODAY = NOW.date()
D = Decimal


def _cap(process: str, sample: str, moq: int, mean: int = 0, sd: int = 0) -> dict[str, Any]:
    return {"process": process, "capacity_per_day": 100, "sample_lead_time_days": sample,
            "moq": moq, "lead_time_mean_days": mean, "lead_time_sd_days": sd}  # fmt: skip


def _term(item: str, supplier: str, lead: int, **kw: Any) -> dict[str, Any]:
    return {"item_sku": item, "supplier_code": supplier, "min_quantity": 1,
            "unit_price": "1.00", "lead_time_days": lead, **kw}  # fmt: skip


def _po(number: str, supplier: str, sku: str, qty: int, price: str, days_ago: int,
        **kw: Any) -> dict[str, Any]:  # fmt: skip
    return {"po_number": number, "supplier": supplier, "sku": sku, "quantity": qty,
            "unit_price": price, "due_date": TODAY - timedelta(days=days_ago), **kw}  # fmt: skip


WORLD: dict[str, list[dict[str, Any]]] = {
    "suppliers": [
        {
            "code": "PARTNER",
            "name": "Partner",
            "tier": "A",
            "country": "PT",
            "certifications": "CE 2030-01-01",
            "capabilities": [_cap("cutting", "3", 50), _cap("sewing", "3", 50, mean=14, sd=2)],
        },
        {
            "code": "AGILE",
            "name": "Agile",
            "tier": "B",
            "country": "IT",
            "certifications": "CE 2026-11-30",  # expired a few days ago
            "capabilities": [_cap("sewing", "1.5", 10)],
        },
        {
            "code": "SLOW",
            "name": "Slow",
            "tier": "A",
            "country": "VN",
            "currency": "USD",
            "capabilities": [_cap("sewing", "7", 500, mean=30, sd=12)],
        },
        {
            "code": "GONE",
            "name": "Gone",
            "tier": "S",
            "country": "FR",
            "active": False,
            "capabilities": [_cap("sewing", "1", 1)],
        },
    ],
    "items": [
        {"sku": "MOTOR", "name": "Motor", "kind": "raw", "family": "motors"},
        {"sku": "FABRIC", "name": "Fabric", "kind": "raw", "family": "fabrics"},
        {"sku": "LABEL", "name": "Label", "kind": "raw", "family": "labels"},
        {"sku": "CHIP", "name": "Chip", "kind": "raw", "family": "chips"},
    ],
    "item-suppliers": [
        _term("MOTOR", "PARTNER", 42),
        _term("FABRIC", "PARTNER", 14),
        _term("FABRIC", "AGILE", 7),
        _term("FABRIC", "SLOW", 0, currency="USD"),  # no lead on the term: the capability's 30
        _term("LABEL", "PARTNER", 7),
        _term("LABEL", "AGILE", 7),
        _term("LABEL", "SLOW", 14, currency="USD"),
        _term("CHIP", "SLOW", 35, currency="USD"),
    ],
    "purchase-orders": [
        _po("PO-1", "PARTNER", "MOTOR", 100, "50.00", 30),  # 5,000
        _po("PO-2", "PARTNER", "FABRIC", 400, "5.00", 60),  # 2,000
        _po("PO-3", "AGILE", "FABRIC", 200, "5.00", 90),  # 1,000
        _po("PO-4", "SLOW", "FABRIC", 250, "4.00", 120, currency="USD"),  # 1,000 USD = 900
        _po("PO-5", "AGILE", "LABEL", 40, "1.00", 10),  # 40
        _po("PO-6", "PARTNER", "LABEL", 60, "1.00", 10),  # 60
        _po("PO-7", "SLOW", "CHIP", 100, "3.00", 200, currency="USD"),  # 300 USD = 270
        _po("PO-8", "SLOW", "CHIP", 1000, "3.00", 20, currency="USD", status="cancelled"),
        _po("PO-9", "PARTNER", "MOTOR", 1000, "50.00", 400),  # older than 12 months
    ],
}
SCORES = {"PARTNER": D(85), "AGILE": D(70), "SLOW": D(50)}


@pytest.fixture
def world(make_uow: UowFactory) -> UowFactory:
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"tiers {kind}")
        fx.set_rate(uow, "USD", TODAY - timedelta(days=3), "0.90", base="EUR", now=NOW)
        uow.commit()
    return make_uow


@pytest.fixture
def scored(monkeypatch: pytest.MonkeyPatch) -> dict[str, Decimal | None]:
    """Constructed scorecard totals (the scorecards' own tests compute them from events)."""
    scores: dict[str, Decimal | None] = dict(SCORES)
    monkeypatch.setattr(supplier_tiers, "_scores", lambda uow, period: scores)
    return scores


def test_the_matrix_from_spend_qualified_suppliers_and_lead_times(world: UowFactory) -> None:
    with world(write=False) as uow:
        views = {v.item: v for v in supplier_tiers.kraljic(uow, now=NOW, base="EUR")}

    assert [v.item for v in views.values()] == ["MOTOR", "FABRIC", "CHIP", "LABEL"]
    motor, fabric, chip, label = (views[k] for k in ("MOTOR", "FABRIC", "CHIP", "LABEL"))
    # spend: 12 months, USD at 0.90, the cancelled and the older line left out
    assert (motor.spend, fabric.spend, chip.spend, label.spend) == (
        D(5000), D(3900), D(270), D(100)
    )  # fmt: skip
    assert motor.cost_share == D("0.5394")  # 5,000 / 9,270
    assert (motor.qualified, fabric.qualified, chip.qualified) == (1, 3, 1)
    assert fabric.single_source_share == D("0.5128")  # 2,000 / 3,900
    # lead time of the main supplier: its term's, or its capabilities' when the term has none
    assert (motor.lead_mean_days, motor.lead_sd_days) == (D(42), D(2))
    assert (chip.lead_mean_days, chip.lead_sd_days) == (D(35), D(12))
    assert {k: v.quadrant for k, v in views.items()} == {
        "MOTOR": "strategic", "FABRIC": "leverage", "CHIP": "bottleneck", "LABEL": "non-critical",
    }  # fmt: skip
    assert motor.bands == (D("0.70"), D("0.20"), D("0.10"))
    assert "partner" in motor.strategy and "secure supply" in chip.strategy


def test_thresholds_change_the_quadrants(world: UowFactory) -> None:
    from flexchain.domain.kraljic import KraljicThresholds

    with world(write=False) as uow:
        views = supplier_tiers.kraljic(
            uow, now=NOW, base="EUR", thresholds=KraljicThresholds(cost_share=D("0.01"))
        )

    assert {v.item: v.quadrant for v in views}["LABEL"] == "leverage"


def test_a_missing_exchange_rate_names_the_rate_to_set(make_uow: UowFactory) -> None:
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source="tiers")
        with pytest.raises(DomainError, match=r"no exchange rate of USD in EUR .* fx set USD"):
            supplier_tiers.kraljic(uow, now=NOW, base="EUR")


def test_tiers_are_recommended_with_reasons_and_applied_audited(
    world: UowFactory, scored: dict[str, Decimal | None]
) -> None:
    with world(write=False) as uow:
        views = {v.supplier: v for v in supplier_tiers.recommend_tiers(uow, now=NOW)}

    assert set(views) == {"PARTNER", "AGILE", "SLOW"}  # GONE is inactive
    assert {k: (v.stored_tier, v.tier) for k, v in views.items()} == {
        "PARTNER": ("A", "S"), "AGILE": ("B", "A"), "SLOW": ("A", "B"),
    }  # fmt: skip
    assert views["PARTNER"].spend_share == D("0.7616")  # 7,060 / 9,270
    assert views["PARTNER"].period == "2026-Q3"
    assert views["AGILE"].reasons[-3:] == (
        "it samples in 36 h (agile: within 48 h)",
        "its MOQ is 10 (agile: up to 20)",
        "its list prices are 5 % above the other suppliers' of its items (a backup's profile: "
        "about 30 % cheaper)",
    )
    assert not any(v.applied for v in views.values())
    # list prices: 1.00 everywhere, SLOW's in USD (0.90): 10 % below on the items it shares
    assert (
        views["SLOW"]
        .reasons[-1]
        .startswith("its list prices are 10 % below the other suppliers' of its items")
    )

    with world() as uow:
        applied = supplier_tiers.recommend_tiers(uow, now=NOW, period="2026-11", apply=True)
        uow.commit()

    assert {v.supplier for v in applied if v.applied} == {"PARTNER", "AGILE", "SLOW"}
    with world(write=False) as uow:
        again = supplier_tiers.recommend_tiers(uow, now=NOW)
        entries = audit.list_entries(uow, entity="supplier")
    assert not any(v.change for v in again)
    partner = next(e for e in entries if e.key == "PARTNER" and e.action == "updated")
    assert (partner.before, partner.after) == ({"tier": "A"}, {"tier": "S"})
    assert partner.context["reason"].startswith("recommended for 2026-11: score 85.0")


def test_without_a_score_a_supplier_keeps_its_tier(
    world: UowFactory, scored: dict[str, Decimal | None]
) -> None:
    scored.pop("SLOW")
    with world(write=False) as uow:
        slow = next(v for v in supplier_tiers.recommend_tiers(uow, now=NOW) if v.supplier == "SLOW")

    assert (slow.tier, slow.change, slow.score) == ("A", "", None)


def test_a_buyer_sets_a_tier_with_a_reason(world: UowFactory) -> None:
    with world() as uow:
        view = supplier_tiers.set_tier(uow, "SLOW", "b", "30 % cheaper, slow", NOW)
        uow.commit()
    assert (view.tier, view.change, view.applied) == ("B", "A -> B", True)
    with world(write=False) as uow:
        (entry,) = [e for e in audit.list_entries(uow, entity="supplier") if e.after]
    assert entry.context["reason"] == "30 % cheaper, slow"
    with world() as uow:
        with pytest.raises(NotFound, match="no supplier NOPE"):
            supplier_tiers.set_tier(uow, "NOPE", "S", "why", NOW)
        with pytest.raises(ValidationError, match="tier must be one of S, A, B"):
            supplier_tiers.set_tier(uow, "SLOW", "X", "why", NOW)
        with pytest.raises(ValidationError, match="say why"):
            supplier_tiers.set_tier(uow, "SLOW", "S", "  ", NOW)


def test_the_sourcing_policy_follows_quadrants_and_tiers(world: UowFactory) -> None:
    with world(write=False) as uow:
        policy = supplier_tiers.sourcing_policy(uow, now=NOW, base="EUR")

    assert dict(policy.family_quadrant) == {
        "motors": "strategic", "fabrics": "leverage", "chips": "bottleneck",
        "labels": "non-critical",
    }  # fmt: skip
    assert policy.family_bands["chips"].shares == (D("0.60"), D("0.25"), D("0.15"))
    assert policy.family_bands["labels"].shares == (D(1),)
    assert policy.backups_take_urgent == frozenset({"chips"})
    assert policy.primary_tiers["motors"] == frozenset({"S"})
    assert policy.primary_tiers["fabrics"] == frozenset({"S", "A"})
    assert dict(policy.urgent) == {"AGILE": False, "GONE": True, "PARTNER": True, "SLOW": True}


def test_the_cli(world: UowFactory, database_url: str, scored: dict[str, Decimal | None]) -> None:
    env = {"FLEXCHAIN_DATABASE_URL": database_url}
    shown = CliRunner().invoke(cli, ["suppliers", "kraljic", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    assert {row["item"] for row in json.loads(shown.output)} == {"MOTOR", "FABRIC", "CHIP", "LABEL"}
    text = CliRunner().invoke(cli, ["suppliers", "kraljic"], env=env)
    assert text.exit_code == 0 and "bottleneck: secure supply" in text.output
    tiers = CliRunner().invoke(cli, ["suppliers", "tiers", "--json"], env=env)
    assert tiers.exit_code == 0, tiers.output
    assert {r["supplier"]: r["change"] for r in json.loads(tiers.output)} == {
        "AGILE": "B -> A", "PARTNER": "A -> S", "SLOW": "A -> B",
    }  # fmt: skip
    table = CliRunner().invoke(cli, ["suppliers", "tiers"], env=env)
    assert table.exit_code == 0 and "3 tier change(s) recommended" in table.output
    set_ = CliRunner().invoke(
        cli, ["suppliers", "tier", "SLOW", "B", "--reason", "slower, cheaper"], env=env
    )
    assert set_.exit_code == 0 and "SLOW: tier A -> B" in set_.output
    bad = CliRunner().invoke(cli, ["suppliers", "tier", "SLOW", "Z", "--reason", "x"], env=env)
    assert bad.exit_code != 0 and "tier must be one of S, A, B" in bad.output


def test_the_api(world: UowFactory, engine: Engine, database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, outbox_worker=False))
    buyer, viewer = bearer(engine, "buyer"), bearer(engine, "viewer")
    supplier = bearer(engine, "supplier", supplier="PARTNER")
    with TestClient(app) as client:
        matrix = client.get("/items/kraljic", headers=viewer, params={"cost_share": "0.5"})
        assert matrix.status_code == 200, matrix.text
        assert {r["item"]: r["quadrant"] for r in matrix.json()}["MOTOR"] == "strategic"
        assert {r["item"]: r["quadrant"] for r in matrix.json()}["FABRIC"] == "non-critical"
        assert client.get("/items/kraljic", headers=supplier).status_code == 403
        assert client.get("/items/kraljic", headers=viewer,
                          params={"cost_share": "2"}).status_code == 422  # fmt: skip
        assert client.get("/suppliers/tiers", headers=supplier).status_code == 403
        stored = client.post("/suppliers/SLOW/tier", headers=buyer,
                             json={"tier": "B", "reason": "slower, 30 % cheaper"})  # fmt: skip
        assert stored.status_code == 200 and stored.json()["change"] == "A -> B"
        refused = client.post("/suppliers/SLOW/tier", headers=viewer,
                              json={"tier": "S", "reason": "x"})  # fmt: skip
        assert refused.status_code == 403
        bad = client.post("/suppliers/SLOW/tier", headers=buyer, json={"tier": "Z", "reason": "x"})
        assert bad.status_code == 422 and "tier must be one of S, A, B" in bad.text
        missing = client.post("/suppliers/NOPE/tier", headers=buyer,
                              json={"tier": "S", "reason": "x"})  # fmt: skip
        assert missing.status_code == 404


def test_the_scores_are_the_scorecards_totals(world: UowFactory) -> None:
    from flexchain.services import scorecards

    with world(write=False) as uow:
        views = supplier_tiers.recommend_tiers(uow, now=NOW, period="2026-11")
        totals = {
            card.supplier: card.total for card in scorecards.scorecards(uow, period="2026-11")
        }

    assert {v.supplier: v.score for v in views} == {
        code: totals.get(code) for code in ("AGILE", "PARTNER", "SLOW")
    }
    for view in views:  # a supplier without a scored figure keeps its tier
        assert view.score is not None or not view.change


def test_observed_deliveries_replace_the_declared_lead_time(world: UowFactory) -> None:
    from flexchain.services import purchase_orders, receiving

    # given three CHIP orders at SLOW (declared 35 +- 12 days) received 20, 24 and 22 days
    # after they were sent
    with world() as uow:
        import_rows(uow, "locations", [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
                    source="test")  # fmt: skip
        for sent, took in ((100, 20), (80, 24), (60, 22)):
            at = NOW - timedelta(days=sent)
            due = (at + timedelta(days=took)).date()
            po = purchase_orders.create_po(
                uow, supplier="SLOW", now=at,
                lines=[{"item": "CHIP", "quantity": 10, "due_date": due, "unit_price": "3.00"}],
            )  # fmt: skip
            purchase_orders.issue_po(uow, po.number, now=at)
            receiving.receive_po(uow, po.number, {1: 10}, now=at + timedelta(days=took))
        uow.commit()
    # when the matrix is computed
    with world(write=False) as uow:
        chip = next(v for v in supplier_tiers.kraljic(uow, now=NOW) if v.item == "CHIP")
    # then its lead time is the observed one: 22 +- 2 days (no longer long nor variable)
    assert (chip.lead_mean_days, chip.lead_sd_days) == (D(22), D(2))
    assert "lead time" not in chip.reasons[1]
