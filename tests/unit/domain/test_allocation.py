"""The allocation rule: picks, jobs and the promise date of an order (and of its quote)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from flexchain.domain.allocation import (
    CUSTOM,
    SHORTAGE,
    LineRequest,
    Materials,
    Module,
    Product,
    allocate,
    assembly_days,
)
from flexchain.domain.assignment import Candidate
from flexchain.domain.catalog import Item, ItemKind, ModuleType
from flexchain.domain.orders import ChosenOption
from flexchain.domain.speed import DEFAULT_LADDER
from flexchain.domain.suppliers import Process, Tier

TODAY = date(2026, 11, 23)
D = Decimal
BASIC, PREMIUM = DEFAULT_LADDER.basic, DEFAULT_LADDER.premium


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def module(sku: str, custom: bool = False, **fields: Any) -> Item:
    kind = ModuleType.CUSTOM if custom else ModuleType.STANDARD
    return Item(sku, sku.title(), ItemKind.MODULE, module_type=kind, **fields)


BODY = Module(module("BODY", moq=D(10)), D(1), Process.CUTTING, {"FAB": D(2)})
STRAP = Module(module("STRAP"), D(2), Process.SEWING)
DYE = Module(module("DYE", custom=True), D(1), Process.DYEING)
BAG = Product(
    Item("BAG", "Bag", ItemKind.FINISHED, production_cycle_days=3),
    (BODY, STRAP, DYE),
    has_bom=True,
)
TEE = Product(Item("TEE", "Tee", ItemKind.FINISHED), process=Process.SEWING)
CAP = Product(Item("CAP", "Cap", ItemKind.FINISHED, production_cycle_days=6))


def candidates(**booked: int) -> dict[Process, tuple[Candidate, ...]]:
    def make(code: str, process: Process, tier: str, capacity: int, lead: int) -> Candidate:
        units = D(booked.get(code.replace("-", "_"), 0))
        return Candidate(code, process, Tier(tier), D(capacity), D(lead), booked_units=units)

    return {
        Process.CUTTING: (make("CUT-S", Process.CUTTING, "S", 10, 4),),
        Process.SEWING: (
            make("SEW-S", Process.SEWING, "S", 10, 6),
            make("SEW-B", Process.SEWING, "B", 5, 1),
        ),
        Process.DYEING: (make("DYE-A", Process.DYEING, "A", 10, 2),),
    }


def line(product: Product, quantity: int, ref: str = "L1", **chosen: str) -> LineRequest:
    picks = {sku: ChosenOption(sku, code) for sku, code in chosen.items()}
    return LineRequest(ref, product, D(quantity), picks)


def stock(**by_sku: Sequence[tuple[str, int]]) -> Mapping[str, list[tuple[str, Decimal]]]:
    return {sku: [(where, D(amount)) for where, amount in found] for sku, found in by_sku.items()}


def test_picks_fill_the_warehouses_in_the_order_given() -> None:
    # given 4 tees in the shop's warehouse and 5 in the other
    found = allocate(
        [line(TEE, 7)], stock(TEE=[("WH", 4), ("WH2", 5)]), candidates(), BASIC, today=TODAY
    )
    # then the first warehouse is emptied before the second is touched
    assert [(p.location, p.quantity) for p in found.picks] == [("WH", 4), ("WH2", 3)]
    assert found.jobs == ()
    assert found.promise == day(1)  # packing only


def test_later_lines_see_the_stock_earlier_lines_took() -> None:
    found = allocate(
        [line(TEE, 3, "A"), line(TEE, 3, "B")],
        stock(TEE=[("WH", 4)]),
        candidates(),
        BASIC,
        today=TODAY,
    )
    assert [(p.line, p.quantity) for p in found.picks] == [("A", 3), ("B", 1)]
    assert [(j.line, j.reason, j.quantity) for j in found.jobs] == [("B", SHORTAGE, 2)]


def test_a_shortage_of_finished_stock_is_a_job_at_a_capable_supplier() -> None:
    found = allocate([line(TEE, 5)], stock(TEE=[("WH", 2)]), candidates(), BASIC, today=TODAY)
    (job,) = found.jobs
    assert (job.sku, job.reason, job.quantity, job.process) == ("TEE", SHORTAGE, 3, "sewing")
    assert job.assignment is not None and job.assignment.supplier_code == "SEW-S"  # tier S
    # sewing 6 days lead + 1 day run, then packing
    assert found.promise == day(6 + 1 + 1)


def test_a_rush_tier_takes_the_fastest_supplier() -> None:
    found = allocate([line(TEE, 5)], {}, candidates(), PREMIUM, today=TODAY)
    (job,) = found.jobs
    assert job.assignment is not None and job.assignment.supplier_code == "SEW-B"


def test_module_shortages_are_jobs_raised_to_the_moq_and_custom_modules_always_work() -> None:
    # given 3 bodies in stock and 20 straps, 5 bags with a dye
    found = allocate(
        [line(BAG, 5, DYE="INDIGO")],
        stock(BODY=[("WH", 3)], STRAP=[("WH", 20)]),
        candidates(),
        BASIC,
        today=TODAY,
    )
    assert [(p.sku, p.quantity) for p in found.picks] == [("BODY", 3), ("STRAP", 10)]
    assert [(j.sku, j.reason, j.quantity, j.option_code) for j in found.jobs] == [
        ("DYE", CUSTOM, 5, "INDIGO"),
        ("BODY", SHORTAGE, 10, None),  # 2 short, raised to the MOQ of 10
    ]


def test_no_work_options_ship_finished_stock_first() -> None:
    plan = allocate(
        [line(BAG, 2, DYE="NONE")], stock(BAG=[("WH", 5)]), candidates(), BASIC, today=TODAY
    )
    assert [(p.sku, p.quantity) for p in plan.picks] == [("BAG", 2)]
    assert plan.jobs == ()
    assert plan.promise == day(1)


def test_capacity_booked_before_and_by_earlier_jobs_counts() -> None:
    # given the sewing partner booked for 10 days of work, and two lines each needing sewing
    booked = candidates(SEW_S=100)
    found = allocate([line(TEE, 5, "A"), line(TEE, 5, "B")], {}, booked, BASIC, today=TODAY)
    # then the queue delays the first job, and the first job is queued before the second
    first, second = (job.assignment for job in found.jobs)
    assert first is not None and second is not None
    assert first.finish == day(10 + 6 + 1)
    # the second sees 105 units queued: ceil(10.5 + 6 + 1) days
    assert (second.supplier_code, second.finish) == ("SEW-S", day(18))
    full = candidates(SEW_S=280)  # 28 days booked: no capacity left in the horizon
    (job,) = allocate([line(TEE, 5)], {}, full, BASIC, today=TODAY).jobs
    assert job.assignment is not None and job.assignment.supplier_code == "SEW-B"


def test_the_promise_is_the_last_job_then_assembly_scaled_by_the_tier_then_packing() -> None:
    # given bags whose dye takes 2 days lead + 1 run, and no shortages
    kit = stock(BODY=[("WH", 10)], STRAP=[("WH", 20)])
    basic = allocate([line(BAG, 5, DYE="X")], kit, candidates(), BASIC, today=TODAY)
    (plan,) = basic.lines
    assert (plan.made, plan.assembly_days) == (day(3), 3)
    assert plan.assembled == day(6) and basic.promise == day(7)
    # premium halves lead times and assembly: ceil(2 x 0.5) + 1 run, ceil(3 x 0.5) assembly
    premium = allocate([line(BAG, 5, DYE="X")], kit, candidates(), PREMIUM, today=TODAY)
    assert premium.promise == day(2 + 2 + 1)
    assert assembly_days(BAG.item, PREMIUM) == 2


def test_short_materials_delay_the_jobs_that_need_them() -> None:
    materials = Materials({"FAB": D(4)}, lambda sku: 14)
    found = allocate(
        [line(BAG, 5, DYE="X")],
        stock(STRAP=[("WH", 20)]),
        candidates(),
        BASIC,
        today=TODAY,
        materials=materials,
    )
    (plan,) = found.lines
    assert plan.short == {"FAB": 16}  # a body job of 10 needs 20 m
    body = next(job for job in found.jobs if job.sku == "BODY")
    assert body.assignment is not None and body.assignment.start == day(14)


@pytest.mark.parametrize(
    ("materials", "expected"),
    [(None, 6 + 1), (Materials({}, lambda sku: 12), 12 + 1)],
    ids=["production cycle", "supplier lead time"],
)
def test_a_bought_product_waits_for_its_supplier(
    materials: Materials | None, expected: int
) -> None:
    found = allocate([line(CAP, 3)], {}, candidates(), BASIC, today=TODAY, materials=materials)
    assert found.jobs == ()
    assert found.promise == day(expected)


def test_an_order_ships_when_its_last_line_does() -> None:
    found = allocate(
        [line(TEE, 1, "A"), line(CAP, 1, "B")],
        stock(TEE=[("WH", 1)]),
        candidates(),
        BASIC,
        today=TODAY,
    )
    assert [plan.ship_date for plan in found.lines] == [day(1), day(7)]
    assert found.promise == day(7)
