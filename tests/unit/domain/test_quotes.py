"""Checkout quotes from a snapshot: price lines, ship-date stages, alternatives, errors.

The world below is small enough to follow by hand; the expected numbers are worked out in the
comments of the first tests.
"""

from __future__ import annotations

import dataclasses
import doctest
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flexchain.domain import quotes as quotes_module
from flexchain.domain.assignment import Candidate, NoCapableSupplier
from flexchain.domain.bom import BomLine
from flexchain.domain.catalog import Item, ItemKind, ModuleType, Option
from flexchain.domain.errors import DomainError, ValidationError
from flexchain.domain.orders import ChosenOption, SpeedTier
from flexchain.domain.quotes import (
    DEFAULT_LADDER,
    AlternativeKind,
    PriceKind,
    QuotePolicy,
    QuoteSnapshot,
    SpeedLadder,
    SpeedTerms,
    StageKind,
    quote,
)
from flexchain.domain.suppliers import ItemSupplier, PriceBreak, Process, Tier

TODAY = date(2026, 11, 23)
D = Decimal
FINISHED, MODULE, RAW, PACKAGING = (ItemKind.FINISHED, ItemKind.MODULE, ItemKind.RAW,
                                    ItemKind.PACKAGING)  # fmt: skip
STANDARD, CUSTOM = ModuleType.STANDARD, ModuleType.CUSTOM


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def items() -> dict[str, Item]:
    rows = [
        Item("JKT", "Jacket", FINISHED, list_price=D(200), production_cycle_days=2,
             default_supplier="SEW-S"),
        Item("TEE", "Tee", FINISHED, list_price=D(30), production_cycle_days=1),
        Item("CAP", "Cap", FINISHED, list_price=D(20), default_supplier="VENDOR"),
        Item("BODY", "Body", MODULE, module_type=STANDARD, moq=D(50),
             default_supplier="CUT-S", standard_cost=D(10)),
        Item("COLLAR", "Collar", MODULE, module_type=STANDARD, moq=D(20),
             order_multiple=D(10), default_supplier="SEW-S", standard_cost=D(5)),
        Item("DYE", "Plant-dye finish", MODULE, module_type=CUSTOM, moq=D(1),
             attributes={"process": "dyeing"}, standard_cost=D(6)),
        Item("PRINT", "Screen print", MODULE, module_type=CUSTOM, default_supplier="PRT-A",
             standard_cost=D(2)),
        Item("FAB", "Fabric", RAW, uom="m", default_supplier="MILL"),
        Item("ALUM", "Alum", RAW, uom="kg", default_supplier="MILL"),
        Item("BOX", "Box", PACKAGING, default_supplier="PACK"),
    ]  # fmt: skip
    return {item.sku: item for item in rows}


BOM = (
    *(BomLine("JKT", child, D(1)) for child in ("BODY", "COLLAR", "DYE", "PRINT", "BOX")),
    BomLine("TEE", "BODY", D(1)),
    BomLine("TEE", "PRINT", D(1)),
    BomLine("BODY", "FAB", D("1.5")),
    BomLine("DYE", "ALUM", D("0.02")),
)


def options() -> dict[str, tuple[Option, ...]]:
    def make(module: str, *rows: tuple[str, str, int, int]) -> tuple[Option, ...]:
        return tuple(Option(module, code, name, D(p), days) for code, name, p, days in rows)

    return {
        "DYE": make(
            "DYE",
            ("NATURAL", "Undyed, natural", 0, -3),
            ("INDIGO", "Indigo blue", 25, 6),
            ("WELD", "Weld yellow", 20, 5),
        ),
        "PRINT": make(
            "PRINT",
            ("NONE", "No print", 0, 0),
            ("CHEST", "Chest print", 8, 2),
            ("TEXT", "Text, up to 20 characters", 15, 2),
        ),
    }


def candidates(**booked: int) -> dict[Process, tuple[Candidate, ...]]:
    def make(code: str, process: Process, tier: str, capacity: int, lead: int, moq: int) -> Any:
        units = D(booked.get(code.replace("-", "_"), 0))
        return Candidate(code, process, Tier(tier), D(capacity), D(lead), D(moq), units)

    return {
        Process.CUTTING: (make("CUT-S", Process.CUTTING, "S", 100, 4, 10),),
        Process.SEWING: (
            make("SEW-S", Process.SEWING, "S", 200, 10, 50),
            make("SEW-B", Process.SEWING, "B", 50, 3, 5),
        ),
        Process.DYEING: (make("DYE-A", Process.DYEING, "A", 100, 6, 20),),
        Process.PRINTING: (make("PRT-A", Process.PRINTING, "A", 200, 4, 20),),
    }


def terms() -> dict[str, tuple[ItemSupplier, ...]]:
    def make(sku: str, supplier: str, lead: int) -> tuple[ItemSupplier, ...]:
        return (ItemSupplier(sku, supplier, [PriceBreak(D(0), D(3))], lead_time_days=lead),)

    return {
        "FAB": make("FAB", "MILL", 14),
        "ALUM": make("ALUM", "MILL", 7),
        "BOX": make("BOX", "PACK", 5),
        "CAP": make("CAP", "VENDOR", 12),
    }


STOCK = {"BODY": D(100), "COLLAR": D(0), "FAB": D(1000), "BOX": D(50), "TEE": D(5), "CAP": D(1)}


def snapshot(sku: str = "JKT", **changes: Any) -> QuoteSnapshot:
    catalog = items()
    fields: dict[str, Any] = {
        "product": catalog[sku],
        "items": catalog,
        "bom": BOM,
        "options": options(),
        "terms": terms(),
        "available": dict(STOCK),
        "candidates": candidates(),
    }
    fields.update(changes)
    return QuoteSnapshot(**fields)


INDIGO_CHEST = {"Plant-dye finish": "Indigo", "print": "chest"}


def test_docstring_examples_run() -> None:
    result = doctest.testmod(quotes_module, optionflags=doctest.ELLIPSIS)

    assert result.failed == 0


def test_price_breakdown_base_small_batch_customisation() -> None:
    # when two jackets are quoted, indigo dye and a chest print, at the basic tier
    result = quote(snapshot(), INDIGO_CHEST, 2, "basic", today=TODAY)
    # then: base 2 x 200; dyeing 2 of minimum 20 at DYE-A: 18 missing x 6.00 x 20% = 21.60;
    # printing 2 of minimum 20 at PRT-A: 18 x 2.00 x 20% = 7.20; fees 2 x 25 and 2 x 8
    assert [(line.kind, line.amount.amount) for line in result.lines] == [
        (PriceKind.BASE, D("400.00")),
        (PriceKind.SMALL_BATCH, D("21.60")),
        (PriceKind.SMALL_BATCH, D("7.20")),
        (PriceKind.CUSTOMISATION, D("50.00")),
        (PriceKind.CUSTOMISATION, D("16.00")),
    ]
    assert result.total.amount == D("494.80")
    assert result.total.currency == "EUR"
    assert result.unit_price.amount == D("247.40")
    assert [line.label for line in result.lines] == [
        "2 x 200.00",
        "small batch: 2 x Plant-dye finish, minimum 20 at DYE-A",
        "small batch: 2 x Screen print, minimum 20 at PRT-A",
        "Plant-dye finish: Indigo blue, 2 x 25.00",
        "Screen print: Chest print, 2 x 8.00",
    ]


def test_ship_date_stages_materials_production_assembly_packing() -> None:
    result = quote(snapshot(), INDIGO_CHEST, 2, "basic", today=TODAY)

    # alum is out of stock: 7 days from MILL; dyeing waits for it, then 6 + 6 (indigo) days of
    # lead time and 1 day of work; printing 4 + 2 + 1; the collar is short (0 in stock): a
    # shortage job raised to its MOQ of 20 at the tier-S sewer, 10 + 1 days; then 2 days of
    # assembly and 1 of packing
    assert [(s.kind, s.label, s.start, s.finish, s.supplier_code) for s in result.stages] == [
        (StageKind.MATERIALS, "materials", TODAY, day(7), None),
        (StageKind.PRODUCTION, "dyeing: Plant-dye finish (Indigo blue)", day(7), day(20), "DYE-A"),
        (StageKind.PRODUCTION, "printing: Screen print (Chest print)", TODAY, day(7), "PRT-A"),
        (StageKind.PRODUCTION, "sewing: Collar (shortage, 20 pcs)", TODAY, day(11), "SEW-S"),
        (StageKind.ASSEMBLY, "assembly", day(20), day(22), "SEW-S"),
        (StageKind.PACKING, "packing", day(22), day(23), None),
    ]
    assert result.stages[0].detail == "ALUM: 0.04 kg short, 7 days from MILL"
    assert result.stages[3].detail == (
        "tier S: best-tier sewing supplier with capacity left (finish 2026-12-04)"
    )
    assert result.ship_date == day(23)
    assert result.lead_days == 23


def test_jobs_record_what_the_quote_assumes() -> None:
    result = quote(snapshot(), {"DYE": "indigo", "PRINT": "Anna"}, 2, "basic", today=TODAY)

    assert [
        (job.module_sku, job.reason, job.assignment.supplier_code, job.assignment.quantity)
        for job in result.jobs
    ] == [
        ("DYE", "custom", "DYE-A", D(2)),
        ("PRINT", "custom", "PRT-A", D(2)),
        ("COLLAR", "shortage", "SEW-S", D(20)),
    ]
    assert (result.jobs[1].option_code, result.jobs[1].option_value) == ("TEXT", "Anna")
    assert result.options == (
        ChosenOption("DYE", "INDIGO"),
        ChosenOption("PRINT", "TEXT", "Anna"),
    )


def test_premium_is_rush_with_halved_lead_times_and_a_30_percent_premium() -> None:
    result = quote(snapshot(), INDIGO_CHEST, 2, "premium", today=TODAY)

    # dyeing 7 + (6 + 6) x 0.5 + 1 = day 14; the collar goes to the fastest sewer, the tier-B
    # backup: 3 x 0.5 + ceil(20 / 50) = 2.5 -> day 3; assembly ceil(2 x 0.5) = 1 day
    collar = next(job for job in result.jobs if job.module_sku == "COLLAR")
    assert collar.assignment.supplier_code == "SEW-B"
    assert collar.assignment.reason == "rush: fastest capable sewing supplier (finish 2026-11-26)"
    assert result.ship_date == day(16)
    assert result.lines[-1].kind is PriceKind.SPEED
    assert result.lines[-1].label == "speed premium +30%"
    assert result.lines[-1].amount.amount == D("148.44")
    assert result.total.amount == D("643.24")


def test_the_ladder_is_configurable() -> None:
    slow = SpeedTerms(premium_pct=D(0), lead_time_factor=D(1))
    ladder = SpeedLadder(
        basic=slow,
        custom=slow,
        fast=slow,
        premium=SpeedTerms(premium_pct=D(50), lead_time_factor=D("0.25"), rush=True),
    )
    policy = QuotePolicy(ladder=ladder, small_batch_pct=D(0))

    result = quote(snapshot(), INDIGO_CHEST, 2, "premium", today=TODAY, policy=policy)

    # no small-batch lines; 50% of 466; dyeing 7 + ceil(12 x 0.25 + 1) = day 11
    assert [line.kind for line in result.lines] == [
        PriceKind.BASE,
        PriceKind.CUSTOMISATION,
        PriceKind.CUSTOMISATION,
        PriceKind.SPEED,
    ]
    assert result.total.amount == D("699.00")
    assert result.stages[1].finish == day(11)


def test_alternatives_offer_sooner_or_cheaper_options_and_tiers() -> None:
    result = quote(snapshot(), INDIGO_CHEST, 2, "basic", today=TODAY)

    described = [(a.kind, a.description, a.ship_date, a.total.amount) for a in result.alternatives]
    assert described == [
        (
            AlternativeKind.OPTION,
            "Plant-dye finish: Indigo blue 23 days, Undyed, natural 14 days (50.00 EUR less)",
            day(14),
            D("444.80"),
        ),
        (AlternativeKind.SPEED, "speed: basic 23 days, premium 16 days (148.44 EUR more)",
         day(16), D("643.24")),
        (AlternativeKind.SPEED, "speed: basic 23 days, fast 20 days (74.22 EUR more)",
         day(20), D("569.02")),
        (
            AlternativeKind.OPTION,
            "Plant-dye finish: Indigo blue 23 days, Weld yellow 22 days (10.00 EUR less)",
            day(22),
            D("484.80"),
        ),
        (AlternativeKind.SPEED, "speed: basic 23 days, custom 22 days (24.74 EUR more)",
         day(22), D("519.54")),
        (
            AlternativeKind.OPTION,
            "Screen print: Chest print 23 days, No print 23 days (23.20 EUR less)",
            day(23),
            D("471.60"),
        ),
    ]  # fmt: skip
    natural = result.alternatives[0]
    assert (natural.module_sku, natural.option_code, natural.days_sooner) == ("DYE", "NATURAL", 9)
    assert natural.saving.amount == D("50.00")
    assert result.alternatives[1].speed_tier is SpeedTier.PREMIUM


def test_free_text_options_are_never_offered_as_alternatives() -> None:
    result = quote(snapshot(), {"DYE": "natural", "PRINT": "none"}, 2, "basic", today=TODAY)

    assert all(a.option_code != "TEXT" for a in result.alternatives)


def test_alternatives_can_be_left_out() -> None:
    result = quote(snapshot(), INDIGO_CHEST, 2, "basic", today=TODAY, alternatives=False)

    assert result.alternatives == ()


def test_a_product_not_customised_ships_from_finished_stock() -> None:
    # given 5 tees in stock and no print chosen
    result = quote(snapshot("TEE"), {"PRINT": "none"}, 3, "basic", today=TODAY)
    # then nothing is made: the tees are packed tomorrow
    assert [(s.kind, s.detail) for s in result.stages] == [
        (StageKind.MATERIALS, "3 of 5 finished in stock"),
        (StageKind.PACKING, "1 day"),
    ]
    assert result.ship_date == day(1)
    assert result.jobs == ()


def test_only_the_units_not_in_finished_stock_are_built() -> None:
    result = quote(snapshot("TEE"), {"PRINT": "none"}, 8, "basic", today=TODAY)

    assembly = next(s for s in result.stages if s.kind is StageKind.ASSEMBLY)
    assert assembly.detail == "3 x Tee, 1 day"
    assert result.ship_date == day(2)


def test_a_customised_product_is_made_to_order_even_with_finished_stock() -> None:
    result = quote(snapshot("TEE"), {"PRINT": "chest"}, 3, "basic", today=TODAY)

    assert [job.module_sku for job in result.jobs] == ["PRINT"]
    assert result.ship_date == day(7 + 1 + 1)  # printing 4 + 2 + 1, assembly 1, packing 1


def test_a_product_without_bom_waits_for_its_supplier_when_short() -> None:
    result = quote(snapshot("CAP"), {}, 3, "basic", today=TODAY)

    assert result.stages[0].detail == (
        "1 of 1 finished in stock; CAP: 2 pcs short, 12 days from VENDOR"
    )
    assert result.ship_date == day(13)


def test_materials_are_counted_through_every_level_with_scrap() -> None:
    # given the body cut from fabric (10% scrap) and from two panels of a quarter metre each
    catalog = {**items(), "PANEL": Item("PANEL", "Panel", RAW, production_cycle_days=3)}
    bom = (
        *(line for line in BOM if line.parent_sku != "BODY"),
        BomLine("BODY", "FAB", D("1.5"), scrap_pct=D(10)),
        BomLine("BODY", "PANEL", D(2)),
        BomLine("PANEL", "FAB", D("0.25")),
    )
    empty = {**STOCK, "BODY": D(0), "FAB": D(0), "ALUM": D(1)}
    # when the bodies run out: a shortage job of 50 (the MOQ)
    result = quote(
        snapshot(items=catalog, bom=bom, available=empty), INDIGO_CHEST, 2, "basic", today=TODAY
    )
    # then 50 x 1.65 + 50 x 2 x 0.25 = 107.5 m of fabric are missing, and 100 panels
    assert result.stages[0].detail == (
        "FAB: 107.5 m short, 14 days from MILL; PANEL: 100 pcs short, 3 days (no supplier terms)"
    )


def test_booked_load_moves_a_normal_job_to_a_supplier_with_capacity_left() -> None:
    # given the tier-S sewer booked for its whole four-week capacity (28 x 200)
    busy = snapshot(candidates=candidates(SEW_S=5600))

    result = quote(busy, INDIGO_CHEST, 2, "basic", today=TODAY)

    collar = next(job for job in result.jobs if job.module_sku == "COLLAR")
    assert collar.assignment.supplier_code == "SEW-B"


def test_booked_load_delays_the_job_by_the_days_of_work_queued() -> None:
    queued = snapshot(candidates=candidates(DYE_A=500))  # 5 days at 100 a day

    result = quote(queued, INDIGO_CHEST, 2, "basic", today=TODAY)

    assert result.stages[1].finish == day(20 + 5)


def test_an_option_lead_time_delta_moves_the_ship_date() -> None:
    weld = quote(snapshot(), {"DYE": "weld", "PRINT": "chest"}, 2, "basic", today=TODAY)
    indigo = quote(snapshot(), INDIGO_CHEST, 2, "basic", today=TODAY)

    assert (indigo.ship_date - weld.ship_date).days == 1


def test_a_product_without_list_price_is_priced_at_cost_plus_markup() -> None:
    catalog = items()
    catalog["JKT"] = dataclasses.replace(catalog["JKT"], list_price=None)

    result = quote(
        snapshot(product=catalog["JKT"], items=catalog), INDIGO_CHEST, 1, "basic", today=TODAY
    )

    # modules cost 10 + 5 + 6 + 2 = 23, keystone markup (100%) -> 46
    assert result.lines[0].amount.amount == D("46.00")


def test_a_custom_module_at_its_minimum_pays_no_small_batch_surcharge() -> None:
    result = quote(snapshot(), INDIGO_CHEST, 20, "basic", today=TODAY)

    assert PriceKind.SMALL_BATCH not in [line.kind for line in result.lines]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            {"colour": "red"},
            "options: JKT has no custom module 'colour'; its custom modules are "
            "Plant-dye finish (DYE), Screen print (PRINT)",
            id="unknown-module",
        ),
        pytest.param(
            {"DYE": "purple", "PRINT": "none"},
            "options: unknown option 'purple' for DYE; choose one of Undyed, natural, "
            "Indigo blue, Weld yellow",
            id="unknown-value",
        ),
        pytest.param(
            {"PRINT": "none"},
            "options: missing Plant-dye finish: choose one of Undyed, natural, Indigo blue, "
            "Weld yellow",
            id="missing-choice",
        ),
        pytest.param(
            {"BODY": "big", "DYE": "indigo", "PRINT": "none"},
            "options: JKT has no custom module 'BODY'; its custom modules are "
            "Plant-dye finish (DYE), Screen print (PRINT)",
            id="standard-module",
        ),
    ],
)
def test_bad_options_are_refused_with_what_is_allowed(
    options: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        quote(snapshot(), options, 1, "basic", today=TODAY)

    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("quantity", "tier", "message"),
    [
        (0, "basic", "quantity: must be at least 1, got 0"),
        (1, "ludicrous", "speed_tier: must be one of basic, custom, fast, premium, got "),
    ],
)
def test_bad_quantity_or_tier_is_refused(quantity: int, tier: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        quote(snapshot(), INDIGO_CHEST, quantity, tier, today=TODAY)


def test_only_active_finished_products_are_quoted() -> None:
    catalog = items()
    retired = dataclasses.replace(catalog["TEE"], active=False)

    with pytest.raises(ValidationError, match="sku: BODY is a module, not a finished product"):
        quote(snapshot("BODY"), {}, 1, "basic", today=TODAY)
    with pytest.raises(ValidationError, match="TEE is no longer sold"):
        quote(snapshot(product=retired), {"PRINT": "none"}, 1, "basic", today=TODAY)


def test_no_capable_supplier_names_the_process() -> None:
    network = candidates()
    del network[Process.DYEING]

    with pytest.raises(NoCapableSupplier, match="no capable supplier for dyeing"):
        quote(snapshot(candidates=network), INDIGO_CHEST, 1, "basic", today=TODAY)


def test_a_module_with_no_known_process_is_a_domain_error() -> None:
    catalog = items()
    catalog["PRINT"] = dataclasses.replace(catalog["PRINT"], default_supplier=None)

    with pytest.raises(DomainError, match="no process known for module PRINT"):
        quote(snapshot(items=catalog), INDIGO_CHEST, 1, "basic", today=TODAY)


def test_an_option_priced_in_another_currency_is_refused() -> None:
    priced = options()
    priced["PRINT"] = tuple(dataclasses.replace(o, currency="USD") for o in priced["PRINT"])

    with pytest.raises(DomainError, match="option CHEST of PRINT is priced in USD"):
        quote(snapshot(options=priced), INDIGO_CHEST, 1, "basic", today=TODAY)


def test_the_default_ladder_gets_faster_and_dearer_tier_by_tier() -> None:
    tiers = [DEFAULT_LADDER.terms(tier) for tier in SpeedTier]

    assert [t.premium_pct for t in tiers] == sorted(t.premium_pct for t in tiers)
    assert [t.lead_time_factor for t in tiers] == sorted(
        (t.lead_time_factor for t in tiers), reverse=True
    )
    assert [t.rush for t in tiers] == [False, False, True, True]


@settings(max_examples=60, deadline=None)
@given(
    quantity=st.integers(1, 400),
    tier=st.sampled_from(list(SpeedTier)),
    dye=st.sampled_from(["natural", "indigo", "weld"]),
    print_=st.sampled_from(["none", "chest", "my name"]),
    collar_stock=st.integers(0, 500),
    alum_stock=st.sampled_from([D(0), D(100)]),
)
def test_quote_invariants(
    quantity: int, tier: SpeedTier, dye: str, print_: str, collar_stock: int, alum_stock: Decimal
) -> None:
    stock = {**STOCK, "COLLAR": D(collar_stock), "ALUM": alum_stock}
    result = quote(
        snapshot(available=stock), {"DYE": dye, "PRINT": print_}, quantity, tier, today=TODAY
    )

    assert result.total.amount == sum(line.amount.amount for line in result.lines)
    assert all(line.amount.amount == line.amount.amount.quantize(D("0.01"))
               for line in result.lines)  # fmt: skip
    assert result.ship_date == result.stages[-1].finish
    assert all(stage.start <= stage.finish for stage in result.stages)
    assert all(stage.start >= TODAY for stage in result.stages)
    network = candidates()
    for job in result.jobs:
        capable = {c.supplier_code for c in network[job.assignment.process]}
        assert job.assignment.supplier_code in capable
        assert job.assignment.finish <= result.ship_date
    for alternative in result.alternatives:
        assert (
            alternative.ship_date < result.ship_date
            or alternative.total.amount < result.total.amount
        )
