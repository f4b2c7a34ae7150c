"""Tier recommendation on constructed suppliers (issue 16: "tier recommendation on constructed
cases")."""

import doctest
from decimal import Decimal

import pytest

from flexchain.domain import tiers
from flexchain.domain.errors import ValidationError
from flexchain.domain.tiers import (
    PROFILES,
    SupplierFacts,
    TierRules,
    check_tier,
    price_index,
    recommend_tier,
    takes_urgent_work,
)

D = Decimal


def facts(**changes: object) -> SupplierFacts:
    base: dict[str, object] = {
        "supplier": "SUP1",
        "stored_tier": "A",
        "score": D(85),
        "spend_share": D("0.30"),
        "sample_days": D(3),
        "moq": D(50),
        "processes": frozenset({"cut", "sew"}),
    }
    base.update(changes)
    return SupplierFacts(**base)  # type: ignore[arg-type]


def test_a_high_scoring_broad_supplier_with_a_large_spend_share_is_strategic() -> None:
    rec = recommend_tier(facts())

    assert rec.tier == "S"
    assert rec.change == "A -> S"
    assert rec.reasons == (
        "score 85.0 reaches the strategic 80",
        "it carries 30.0 % of the brand's spend (strategic from 15.0 %)",
    )
    assert rec.profile.name == "strategic"


def test_breadth_of_processes_counts_when_the_rules_ask_for_it() -> None:
    broad = TierRules(strategic_processes=2)

    assert recommend_tier(facts(), broad).reasons[-1] == (
        "it runs 2 processes (a co-developing partner runs 2 or more)"
    )
    narrow = recommend_tier(facts(processes=frozenset({"sew"})), broad)
    assert narrow.tier == "B"
    assert narrow.reasons[0] == (
        "not strategic: it runs 1 process(es), fewer than the 2 a co-developing partner runs"
    )


@pytest.mark.parametrize(
    ("score", "share", "tier"),
    [
        (D(80), D("0.15"), "S"),  # exactly at both thresholds
        (D("79.9"), D("0.15"), "B"),  # score just below, and it samples in 72 h
        (D(80), D("0.1499"), "B"),
    ],
    ids=["at-thresholds", "score-below", "share-below"],
)
def test_strategic_thresholds_hold_exactly(score: Decimal, share: Decimal, tier: str) -> None:
    assert recommend_tier(facts(score=score, spend_share=share)).tier == tier


def test_a_fast_sampling_small_batch_supplier_is_agile_with_its_figures() -> None:
    rec = recommend_tier(facts(stored_tier="B", spend_share=D("0.05"), sample_days=D(2), moq=D(10)))

    assert rec.tier == "A"
    assert rec.change == "B -> A"
    assert rec.reasons == (
        "not strategic: it carries 5.0 % of the brand's spend, below the strategic 15.0 %",
        "score 85.0 reaches the agile 60",
        "it samples in 48 h (agile: within 48 h)",
        "its MOQ is 10 (agile: up to 20)",
    )


def test_a_slow_large_moq_supplier_is_a_backup_naming_every_missed_rule() -> None:
    rec = recommend_tier(
        facts(stored_tier="S", score=D(55), spend_share=D("0.02"), sample_days=D(5),
              moq=D(200), processes=frozenset({"dye"}))
    )  # fmt: skip

    assert rec.tier == "B"
    assert rec.reasons[0] == (
        "not strategic: score 55.0 is below the strategic 80; it carries 2.0 % of the brand's "
        "spend, below the strategic 15.0 %"
    )
    assert rec.reasons[1] == (
        "not agile: score 55.0 is below the agile 60; it samples in 120 h, slower than the "
        "agile 48 h; its MOQ is 200, above the agile 20"
    )


def test_an_unknown_sample_lead_time_is_not_agile() -> None:
    rec = recommend_tier(facts(spend_share=D(0), sample_days=None, moq=D(5)))

    assert rec.tier == "B"
    assert "its sample lead time is not recorded" in rec.reasons[1]


def test_without_a_score_the_supplier_keeps_its_stored_tier() -> None:
    rec = recommend_tier(facts(stored_tier="B", score=None))

    assert (rec.tier, rec.changed, rec.change) == ("B", False, "")
    assert "no scorecard" in rec.reasons[0]


def test_rules_are_configurable() -> None:
    strict = TierRules(strategic_score=D(90))

    assert recommend_tier(facts(), strict).tier == "B"
    assert recommend_tier(facts(sample_days=D(1), moq=D(10)), strict).tier == "A"


@pytest.mark.parametrize(
    "rules",
    [
        {"strategic_score": D(101)},
        {"strategic_spend_share": D("1.5")},
        {"strategic_processes": 0},
        {"agile_moq": D(-1)},
    ],
)
def test_bad_rules_are_refused(rules: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        TierRules(**rules)  # type: ignore[arg-type]


def test_profiles_follow_the_trade_and_only_b_refuses_urgent_work() -> None:
    assert "co-develops modules" in PROFILES["S"].profile
    assert "48 h" in PROFILES["A"].profile and "MOQ around 10" in PROFILES["A"].profile
    assert "30 % cheaper" in PROFILES["B"].profile
    assert [takes_urgent_work(t) for t in "SAB"] == [True, True, False]


def test_a_tier_is_checked_and_normalised() -> None:
    assert check_tier(" s ") == "S"
    with pytest.raises(ValidationError, match="tier must be one of S, A, B, not 'C'"):
        check_tier("C")


def test_docstring_examples_run() -> None:
    assert doctest.testmod(tiers).failed == 0


def test_the_price_index_compares_with_the_median_of_the_other_suppliers() -> None:
    prices = {
        ("B", "zip"): D("0.70"), ("A", "zip"): D("1.00"), ("C", "zip"): D("1.20"),
        ("B", "cord"): D("0.70"), ("A", "cord"): D("1.00"),
        ("A", "only"): D("5.00"),  # nobody else sells it: left out
    }  # fmt: skip

    index = price_index(prices)

    # B: zip 0.70 / median(1.00, 1.20) = 0.6364, cord 0.70 / 1.00 = 0.70
    assert round(index["B"], 4) == D("0.6682")
    assert round(index["C"], 4) == D("1.4118")  # 1.20 / median(0.70, 1.00) = 1.20 / 0.85
    assert set(index) == {"A", "B", "C"}


@pytest.mark.parametrize(
    ("index", "reason"),
    [
        (D("0.70"), "its list prices are 30 % below the other suppliers' of its items"),
        (D("1.10"), "its list prices are 10 % above the other suppliers' of its items"),
        (D("1.004"), "its list prices are in line with the other suppliers' of its items"),
    ],
)
def test_the_price_position_is_a_reason_not_a_rule(index: Decimal, reason: str) -> None:
    backup = recommend_tier(facts(score=D(50), price_index=index))
    partner = recommend_tier(facts(price_index=index))

    assert backup.tier == "B" and backup.reasons[-1].startswith(reason)
    assert partner.tier == "S" and partner.reasons[-1].startswith(reason)
    assert "about 30 % cheaper" in backup.reasons[-1]
