"""``flexchain source`` and the record of releases, on both databases: a planned purchase is
bought once (the proposal leaves out what was released; ``--create`` records what it wrote,
refuses what was released meanwhile); and the objective's prices (carbon, lateness, early
holding) come from the settings or the command's flags."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from flexchain.adapters.db.tables import ItemRow, PlanOrderRow, PlanRunRow
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import DomainError, NotFound
from flexchain.entrypoints.cli.main import app as cli
from flexchain.services import plan_releases, purchase_orders, rfqs, sourcing, sourcing_drafts
from flexchain.services.imports import import_rows

UowFactory = Callable[..., UnitOfWork]
_TODAY = datetime.now(UTC).date()
NOW = datetime.combine(_TODAY - timedelta(days=_TODAY.weekday()), time(9), UTC)
"""This week's Monday (the CLI sources at the real time): week 0 starts on it."""
WEEK = timedelta(weeks=1)


def _terms(item: str, supplier: str, price: str) -> dict[str, Any]:
    return {"item_sku": item, "supplier_code": supplier, "min_quantity": 100,
            "unit_price": price, "lead_time_days": 7, "moq": 100}  # fmt: skip


def _mill(code: str, country: str, carbon: str) -> dict[str, Any]:
    return {"code": code, "name": code, "tier": "A", "country": country,
            "carbon_intensity": carbon,
            "capabilities": [{"process": "weaving", "capacity_per_day": 400}]}  # fmt: skip


WORLD: dict[str, list[dict[str, Any]]] = {
    # MILL-PT sells canvas at 5.00 a metre and emits 5 kg CO2e a metre; MILL-IT at 5.10, 1 kg
    "suppliers": [_mill("MILL-PT", "PT", "5"), _mill("MILL-IT", "IT", "1")],
    "items": [{"sku": "CANVAS", "name": "Canvas", "kind": "raw", "uom": "m"}],
    "locations": [{"code": "WH", "name": "Warehouse", "kind": "warehouse"}],
    "item-suppliers": [_terms("CANVAS", "MILL-PT", "5.00"), _terms("CANVAS", "MILL-IT", "5.10")],
}
PURCHASES = ((1, 300, 3 * WEEK, "SO-1"), (2, 250, 3 * WEEK, "SO-2"), (3, 400, 9 * WEEK, "SO-3"))


@pytest.fixture
def world(make_uow: UowFactory) -> UowFactory:
    with make_uow() as uow:
        for kind, rows in WORLD.items():
            import_rows(uow, kind, rows, source=f"sourcing {kind}")
        items = dict(uow.session.execute(select(ItemRow.sku, ItemRow.id)).all())
        run = PlanRunRow(status="complete", period_start=NOW.date(), horizon=12, started_at=NOW)
        uow.session.add(run)
        uow.session.flush()
        for number, qty, due, order in PURCHASES:
            uow.session.add(PlanOrderRow(
                run_id=run.id, number=number, item_id=items["CANVAS"], kind="purchase",
                release_date=NOW.date(), due_date=NOW.date() + due, quantity=Decimal(qty),
                pegs=[[order, str(qty)]]))  # fmt: skip
        uow.commit()
    return make_uow


def _propose(make_uow: UowFactory, **kw: Any) -> sourcing.SourcingProposal:
    with make_uow(write=False) as uow:
        return sourcing.propose(uow, now=NOW, base="EUR", time_limit=1.0, **kw)


def _run(database_url: str, *args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(
        cli, list(args), env={"FLEXCHAIN_DATABASE_URL": database_url, **(env or {})}
    )


def _released(make_uow: UowFactory) -> dict[int, str]:
    with make_uow(write=False) as uow:
        return plan_releases.released(uow)


# -- a planned purchase is bought once ----------------------------------------------------------


def test_a_purchase_released_by_hand_is_left_out_of_source_create(
    world: UowFactory, database_url: str
) -> None:
    # given planned purchase 1 released into a draft PO by hand (the audit's first finding)
    released = _run(database_url, "plan", "release", "1", "--to", "po", "--supplier", "MILL-PT")
    assert released.exit_code == 0, released.output
    (by_hand,) = set(_released(world).values())
    # when the plan is sourced and written
    result = _run(database_url, "source", "--time-limit", "1", "--json", "--create", "po")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    # then 1 was left out (and said so), the others went into the new drafts, 1 stays in its PO
    assert (shown["left_out_count"], shown["left_out"]) == (1, {"1": by_hand})
    assert {n for line in shown["lines"] for n in line["planned"]} == {2, 3}
    assert by_hand not in shown["created"]
    assert sum(line["quantity"] for line in shown["lines"]) == 650
    assert _released(world) == {1: by_hand, 2: shown["created"][0], 3: shown["created"][0]}
    text = _run(database_url, "source", "--time-limit", "1")
    assert "3 planned purchases were all released already" in text.output
    assert text.exit_code == 1


def test_a_purchase_written_by_source_create_is_released(
    world: UowFactory, database_url: str
) -> None:
    # given the plan sourced into draft POs (the audit's second finding)
    result = _run(database_url, "source", "--time-limit", "1", "--json", "--create", "po")
    assert result.exit_code == 0, result.output
    (po,) = json.loads(result.output)["created"]
    assert _released(world) == {1: po, 2: po, 3: po}
    # then an RFQ, a release, a PO from the plan, another source --create: all refused
    refused = f"planned order 1 was released into {po}"
    asked = _run(database_url, "rfq", "create", "--supplier", "MILL-IT", "--plan", "1")
    assert asked.exit_code == 1 and refused in asked.output
    again = _run(database_url, "plan", "release", "1", "--to", "po", "--supplier", "MILL-IT")
    assert again.exit_code == 1 and refused in again.output
    with world() as uow, pytest.raises(DomainError, match=refused):
        purchase_orders.create_po_from_plan(uow, supplier="MILL-IT", plan_numbers=[1], now=NOW)
    with world() as uow, pytest.raises(NotFound, match="3 planned purchases were all released"):
        sourcing.propose(uow, now=NOW, base="EUR", time_limit=1.0)


def test_source_create_refuses_a_purchase_released_meanwhile(world: UowFactory) -> None:
    # given a proposal made, then planned purchase 2 released into an RFQ before it is written
    proposal = _propose(world)
    with world() as uow:
        rfq = rfqs.create_rfq(uow, suppliers=["MILL-IT"], plan_numbers=[2], now=NOW)
        uow.commit()
    # then writing the proposal is refused, naming the planned order and its RFQ; nothing written
    with world() as uow, pytest.raises(DomainError, match=f"planned order 2 .* into {rfq.number}"):
        sourcing_drafts.create_drafts(uow, proposal, now=NOW)
    with world(write=False) as uow:
        assert purchase_orders.list_pos(uow) == []
    assert _released(world) == {2: rfq.number}
    # and the RFQ cancelled, 2 is sourced again (a release lapses with its one document)
    with world() as uow:
        rfqs.cancel_rfq(uow, rfq.number, now=NOW)
        uow.commit()
    again = _propose(world)
    assert again.left_out == {}
    with world() as uow:
        made = sourcing_drafts.create_drafts(uow, again, rfq=True, now=NOW)
        uow.commit()
    assert set(_released(world)) == {1, 2, 3} and set(_released(world).values()) == set(made)


def test_a_purchase_split_across_suppliers_names_every_document(world: UowFactory) -> None:
    # given a proposal that splits planned purchase 1 between the two mills
    def line(supplier: str, quantity: int, planned: tuple[int, ...]) -> sourcing.ProposedLine:
        return sourcing.ProposedLine(supplier, "CANVAS", quantity, NOW.date() + 3 * WEEK,
                                     Decimal(5), "EUR", 100, planned)  # fmt: skip

    with world(write=False) as uow:
        run_id = plan_releases.current_run_id(uow)
    proposal = sourcing.SourcingProposal(
        run_id, {}, (line("MILL-PT", 200, (1, 2)), line("MILL-IT", 350, (1, 2))), {}
    )
    with world() as uow:
        it, pt = sourcing_drafts.create_drafts(uow, proposal, now=NOW)
        uow.commit()
    # then its release (and 2's) names both orders, and a release of it is refused naming them
    assert _released(world) == {1: f"{it}, {pt}", 2: f"{it}, {pt}"}
    with world() as uow, pytest.raises(DomainError, match=f"released into {it}, {pt}"):
        rfqs.create_rfq(uow, suppliers=["MILL-IT"], plan_numbers=[1], now=NOW)


def test_a_long_list_of_documents_fits_the_reference() -> None:
    documents = [f"PO-{n:06d}" for n in range(1, 9)]
    assert sourcing_drafts.reference_of(documents[:2]) == "PO-000001, PO-000002"
    shown = sourcing_drafts.reference_of(documents)
    assert len(shown) <= sourcing_drafts.REFERENCE_LENGTH and shown.endswith(" +3 more")


# -- the objective's prices ---------------------------------------------------------------------


def test_a_carbon_price_moves_the_purchase_to_the_low_carbon_mill(world: UowFactory) -> None:
    # without a carbon price the cheaper mill gets the canvas
    plain = _propose(world)
    assert {line.supplier for line in plain.lines} == {"MILL-PT"}
    assert plain.prices["carbon_price"] == 0
    # at 0.50 a kg, MILL-PT's metre costs 5.00 + 2.50, MILL-IT's 5.10 + 0.50
    priced = _propose(world, costs=sourcing.objective_costs(carbon_price="0.50"))
    assert {line.supplier for line in priced.lines} == {"MILL-IT"}
    assert priced.prices == {"carbon_price": Decimal("0.50"),
                             "late_per_unit_week": Decimal("0.50"),
                             "early_per_unit_week": Decimal("0.05")}  # fmt: skip
    with pytest.raises(DomainError, match="carbon_price: must not be negative"):
        sourcing.objective_costs(carbon_price="-1")


def test_the_prices_come_from_the_settings_or_the_flags(
    world: UowFactory, database_url: str
) -> None:
    args = ("source", "--time-limit", "1", "--json")
    env = {"FLEXCHAIN_SOURCING_CARBON_PRICE": "0.5"}
    by_setting = json.loads(_run(database_url, *args, env=env).output)
    assert by_setting["prices"]["carbon_price"] == "0.5"
    assert {line["supplier"] for line in by_setting["lines"]} == {"MILL-IT"}
    by_flag = _run(database_url, *args, "--carbon-price", "0", "--late-penalty", "2",
                   "--early-holding", "0.1", env=env)  # fmt: skip
    shown = json.loads(by_flag.output)
    assert shown["prices"] == {"carbon_price": "0", "late_per_unit_week": "2",
                               "early_per_unit_week": "0.1"}  # fmt: skip
    assert {line["supplier"] for line in shown["lines"]} == {"MILL-PT"}
    text = _run(database_url, "source", "--time-limit", "1", "--carbon-price", "0.5")
    assert "prices: carbon 0.50 per kg CO2e, lateness 0.50 and early holding 0.05" in text.output
    refused = _run(database_url, *args, "--late-penalty", "-1")
    assert refused.exit_code == 1 and "must not be negative" in refused.output
