"""The supplier-assignment rule: capable only, best tier for normal orders, fastest for rush."""

from __future__ import annotations

import doctest
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain import assignment as assignment_module
from flexchain.domain.assignment import TIER_RANK, Candidate, NoCapableSupplier, assign
from flexchain.domain.errors import DomainError, ValidationError
from flexchain.domain.suppliers import Process, Tier

START = date(2026, 11, 23)


def sewing(code: str, tier: str, capacity: int, lead: str, booked: int = 0) -> Candidate:
    return Candidate(
        code,
        Process.SEWING,
        Tier(tier),
        Decimal(capacity),
        Decimal(lead),
        booked_units=Decimal(booked),
    )


def test_docstring_examples_run() -> None:
    result = doctest.testmod(assignment_module, optionflags=doctest.ELLIPSIS)

    assert result.attempted > 0
    assert result.failed == 0


def test_finish_adds_booked_queue_lead_time_and_run_time() -> None:
    # given 250 units booked at 100 a day (2.5 days of queue) and a 4-day lead time
    candidate = sewing("SEW-A", "A", 100, "4", booked=250)
    # when 120 units (2 days of work) start on START
    finish = candidate.finish(Decimal(120), START)
    # then they finish after ceil(2.5 + 4 + 2) = 9 days
    assert finish == START + timedelta(days=9)


def test_option_delta_and_speed_factor_change_only_the_lead_time() -> None:
    candidate = sewing("SEW-A", "A", 100, "10", booked=200)

    faster = candidate.finish(
        Decimal(50), START, extra_lead_days=Decimal(2), lead_time_factor=Decimal("0.5")
    )

    # queue 2 + (10 + 2) * 0.5 + run 1 = 9
    assert faster == START + timedelta(days=9)


def test_a_negative_option_delta_never_makes_the_lead_time_negative() -> None:
    candidate = sewing("SEW-A", "A", 100, "3")

    finish = candidate.finish(Decimal(10), START, extra_lead_days=Decimal(-5))

    assert finish == START + timedelta(days=1)  # run time only


def test_a_normal_order_goes_to_the_best_tier_with_capacity_left() -> None:
    # given a slow strategic partner and a fast agile workshop
    candidates = [sewing("SEW-S", "S", 400, "12"), sewing("SEW-A", "A", 100, "3")]
    # when a normal order is placed
    placed = assign("sewing", 50, candidates, rush=False, start=START)
    # then the tier wins over the finish date
    assert placed.supplier_code == "SEW-S"
    assert placed.finish == START + timedelta(days=13)
    assert placed.reason == (
        "tier S: best-tier sewing supplier with capacity left (finish 2026-12-06)"
    )


def test_a_full_supplier_ranks_after_every_supplier_with_capacity_left() -> None:
    # given the strategic partner fully booked for the four-week horizon (28 x 100 units)
    candidates = [sewing("SEW-S", "S", 100, "2", booked=2800), sewing("SEW-B", "B", 100, "9")]
    # when a normal order is placed
    placed = assign("sewing", 10, candidates, rush=False, start=START)
    # then it goes to the backup, which has capacity left
    assert placed.supplier_code == "SEW-B"


def test_when_every_supplier_is_full_the_earliest_finish_wins() -> None:
    candidates = [
        sewing("SEW-S", "S", 100, "2", booked=3000),
        sewing("SEW-B", "B", 100, "2", booked=2900),
    ]

    placed = assign("sewing", 10, candidates, rush=False, start=START)

    assert placed.supplier_code == "SEW-B"
    assert placed.reason.startswith(
        "every sewing supplier is fully booked for the next 28 days: earliest finish"
    )


def test_a_normal_order_breaks_tier_ties_by_finish_then_code() -> None:
    candidates = [
        sewing("SEW-A2", "A", 100, "5"),
        sewing("SEW-A1", "A", 100, "5"),
        sewing("SEW-A3", "A", 100, "4"),
    ]

    first = assign("sewing", 10, candidates, rush=False, start=START)
    tied = assign("sewing", 10, candidates[:2], rush=False, start=START)

    assert first.supplier_code == "SEW-A3"
    assert tied.supplier_code == "SEW-A1"


def test_a_rush_order_takes_the_fastest_capable_supplier_whatever_its_tier() -> None:
    candidates = [sewing("SEW-S", "S", 400, "12"), sewing("SEW-B", "B", 100, "3")]

    placed = assign("sewing", 50, candidates, rush=True, start=START)

    assert placed.supplier_code == "SEW-B"
    assert placed.reason == "rush: fastest capable sewing supplier (finish 2026-11-27)"


def test_a_rush_tie_goes_to_the_better_tier() -> None:
    candidates = [sewing("SEW-B", "B", 100, "3"), sewing("SEW-A", "A", 100, "3")]

    placed = assign("sewing", 50, candidates, rush=True, start=START)

    assert placed.supplier_code == "SEW-A"


def test_suppliers_of_other_processes_are_not_candidates() -> None:
    cutter = Candidate("CUT-PT", Process.CUTTING, Tier.S, Decimal(1000), Decimal(0))
    candidates = [cutter, sewing("SEW-B", "B", 10, "30")]

    placed = assign("sewing", 5, candidates, rush=True, start=START)

    assert placed.supplier_code == "SEW-B"


def test_no_capable_supplier_is_a_domain_error_naming_the_process() -> None:
    cutter = Candidate("CUT-PT", Process.CUTTING, Tier.S, Decimal(1000), Decimal(0))

    with pytest.raises(NoCapableSupplier) as caught:
        assign("engraving", 5, [cutter], rush=False, start=START)

    assert isinstance(caught.value, DomainError)
    assert caught.value.process == "engraving"
    assert str(caught.value) == (
        "no capable supplier for engraving: add the engraving capability to an active supplier"
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"capacity_per_day": Decimal(0)}, "capacity_per_day", id="zero-capacity"),
        pytest.param({"lead_time_mean_days": Decimal(-1)}, "lead_time_mean_days", id="neg-lead"),
        pytest.param({"tier": "C"}, "tier", id="unknown-tier"),
        pytest.param({"process": "welding"}, "process", id="unknown-process"),
        pytest.param({"booked_units": Decimal("0.0001")}, "booked_units", id="4-places"),
    ],
)
def test_a_bad_candidate_names_its_field(kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "supplier_code": "SEW-A",
        "process": "sewing",
        "tier": "A",
        "capacity_per_day": Decimal(100),
        "lead_time_mean_days": Decimal(3),
    }
    values.update(kwargs)

    with pytest.raises(ValidationError) as caught:
        Candidate(**values)  # type: ignore[arg-type]

    assert caught.value.field == field


def test_a_zero_quantity_is_refused() -> None:
    with pytest.raises(ValidationError, match="quantity"):
        assign("sewing", 0, [sewing("SEW-A", "A", 100, "3")], rush=False, start=START)


# --- properties ----------------------------------------------------------------------------------

candidates_strategy = st.lists(
    st.builds(
        Candidate,
        supplier_code=st.sampled_from([f"SUP-{n}" for n in range(8)]),
        process=st.sampled_from([Process.SEWING, Process.CUTTING, Process.PRINTING]),
        tier=st.sampled_from(list(Tier)),
        capacity_per_day=st.integers(1, 500).map(Decimal),
        lead_time_mean_days=st.decimals(0, 40, places=1),
        booked_units=st.integers(0, 12_000).map(Decimal),
    ),
    min_size=1,
    max_size=10,
    unique_by=lambda candidate: (candidate.supplier_code, candidate.process),
)


@given(
    candidates=candidates_strategy,
    quantity=st.integers(1, 2000),
    extra=st.integers(-10, 10),
    factor=st.sampled_from([Decimal("0.5"), Decimal("0.7"), Decimal(1)]),
    rush=st.booleans(),
)
def test_the_chosen_supplier_is_always_capable_and_rush_is_never_slower(
    candidates: list[Candidate], quantity: int, extra: int, factor: Decimal, rush: bool
) -> None:
    capable = [c for c in candidates if c.process is Process.SEWING]
    try:
        placed = assign(
            "sewing",
            quantity,
            candidates,
            rush=rush,
            start=START,
            extra_lead_days=extra,
            lead_time_factor=factor,
        )
    except NoCapableSupplier:
        assert not capable
        return
    chosen = next(c for c in capable if c.supplier_code == placed.supplier_code)
    finishes = {
        c.supplier_code: c.finish(
            Decimal(quantity), START, extra_lead_days=Decimal(extra), lead_time_factor=factor
        )
        for c in capable
    }
    assert placed.finish == finishes[chosen.supplier_code]
    assert placed.finish >= START
    if rush:
        assert all(placed.finish <= finish for finish in finishes.values())
    else:
        roomy = [c for c in capable if c.has_capacity_for(Decimal(quantity))]
        if roomy:
            best = min(TIER_RANK[c.tier] for c in roomy)
            assert chosen in roomy
            assert TIER_RANK[chosen.tier] == best
            assert placed.finish == min(
                finishes[c.supplier_code] for c in roomy if TIER_RANK[c.tier] == best
            )
        else:
            assert placed.finish == min(finishes.values())


def test_plus_booked_counts_more_load_and_queues_accordingly() -> None:
    candidate = Candidate("SEW-S", "sewing", "S", Decimal(10), Decimal(2), booked_units=Decimal(5))
    assert candidate.queue_days == Decimal("0.5")  # cached on the original

    busier = candidate.plus_booked(Decimal(10))

    assert (busier.booked_units, busier.queue_days) == (Decimal(15), Decimal("1.5"))
    assert (candidate.booked_units, candidate.queue_days) == (Decimal(5), Decimal("0.5"))
