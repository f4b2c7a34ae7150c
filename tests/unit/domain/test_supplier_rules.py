"""Rules that act, pure: each rule's trigger exactly at its threshold (one below, at, one
above), what a firing says and does, decisions, nearest alternatives and spot-check picks."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.domain.errors import IllegalTransition, ValidationError
from flexchain.domain.rule_decisions import Decision, decide, policy_after_decision
from flexchain.domain.scorecards import Delivery
from flexchain.domain.spot_checks import SpotCandidate, Target, pick_spot_checks
from flexchain.domain.supplier_alternatives import (
    CandidateSupplier,
    distance_km,
    qualified_alternatives,
)
from flexchain.domain.supplier_rules import (
    CertificateFact,
    FiringStatus,
    JobReport,
    KeyState,
    Policy,
    Rule,
    RuleSettings,
    SpendFact,
    certificate_firings,
    checkin_firings,
    delivery_delay_firings,
    on_time_firings,
    policy_after_firing,
    single_source_firings,
)

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
RULES = RuleSettings()


def delivery(
    n: int, delay: int | None, *, supplier: str = "S1", day: date | None = None
) -> Delivery:
    """PO-n line 1, promised ``day`` (default: 10 days after PO-(n-1)'s), ``delay`` late."""
    promised = day or TODAY - timedelta(days=10 * (20 - n))
    done = None if delay is None else promised + timedelta(days=delay)
    return Delivery(supplier, f"PO-{n:06d}", 1, "ITEM", promised, Decimal(10), Decimal(10),
                    done, done, delay)  # fmt: skip


def delays(*days: int, supplier: str = "S1") -> list[Delivery]:
    return [delivery(n, d, supplier=supplier) for n, d in enumerate(days, start=1)]


# -- delivery delays -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("late_in_a_row", "fires"), [(2, False), (3, True), (4, True)], ids=["below", "at", "above"]
)
def test_delay_rule_fires_at_the_configured_number_of_late_deliveries_in_a_row(
    late_in_a_row: int, fires: bool
) -> None:
    # given an on-time delivery, then some late ones in a row (standard: 0 days)
    found = delays(0, *[2] * late_in_a_row)
    # when the rule looks at them
    firings = delivery_delay_firings(found, RULES, policies={}, history={})
    # then it fires once (for the whole run) exactly from three in a row
    assert len(firings) == (1 if fires else 0)
    if fires:
        (firing,) = firings
        assert firing.rule is Rule.DELIVERY_DELAYS
        assert firing.key == "delivery_delays:S1:PO-000002/1"  # the run's first delivery
        assert firing.figures["weight_before"] == "1"
        assert firing.figures["weight_after"] == "0.500000"
        assert f"last {late_in_a_row} deliveries in a row" in firing.why
        assert "cut from 1 to 0.5" in firing.action
        assert "restore" in firing.decision and "keep" in firing.decision


@pytest.mark.parametrize(
    ("delay", "late"), [(1, False), (2, False), (3, True)], ids=["below", "at", "above"]
)
def test_a_delay_counts_only_when_it_exceeds_the_standard(delay: int, late: bool) -> None:
    # given a standard of 2 days and three deliveries each `delay` days late
    settings = RuleSettings(delay_standard_days=2)
    firings = delivery_delay_firings(delays(delay, delay, delay), settings, policies={},
                                     history={})  # fmt: skip
    # then only a delay above the standard counts
    assert bool(firings) is late


def test_a_broken_run_does_not_fire_and_a_fired_run_does_not_fire_again() -> None:
    broken = delays(3, 3, 0, 3, 3)
    assert delivery_delay_firings(broken, RULES, policies={}, history={}) == []
    # a run that fired (whatever became of the firing) stays quiet, a new run fires
    run = delays(3, 3, 3, 0, 5, 5, 5)
    history = {"delivery_delays:S1:PO-000001/1": KeyState(open=False, last_decided_at=NOW)}
    (again,) = delivery_delay_firings(run, RULES, policies={}, history=history)
    assert again.key == "delivery_delays:S1:PO-000005/1"


def test_the_weight_cut_compounds_from_the_current_weight() -> None:
    policies = {"S1": Policy(allocation_weight=Decimal("0.5"))}
    (firing,) = delivery_delay_firings(delays(1, 1, 1), RULES, policies=policies, history={})
    assert firing.figures["weight_after"] == "0.250000"
    assert policy_after_firing(policies["S1"], firing, RULES, NOW).allocation_weight == Decimal(
        "0.25"
    )


@given(st.lists(st.integers(min_value=-3, max_value=5), max_size=30), st.integers(1, 5))
def test_the_delay_rule_fires_exactly_when_a_long_enough_run_of_late_deliveries_exists(
    days: list[int], n: int
) -> None:
    # given any sequence of deliveries' delays and a run length n (standard: 0 days)
    settings = RuleSettings(delay_consecutive=n)
    longest = run = 0
    for d in days:
        run = run + 1 if d > 0 else 0
        longest = max(longest, run)
    # when the rule looks at them
    firings = delivery_delay_firings(delays(*days), settings, policies={}, history={})
    # then it fires (once) exactly when some n deliveries in a row were late
    assert len(firings) == (1 if longest >= n else 0)
    if firings:  # and names a run of at least n late deliveries
        named = firings[0].figures["deliveries"]
        assert len(named) >= n and all(x["delay_days"] > 0 for x in named)


def test_open_deliveries_not_yet_due_are_not_judged() -> None:
    found = [*delays(4, 4), delivery(9, None)]
    assert delivery_delay_firings(found, RULES, policies={}, history={}) == []


# -- on-time rate --------------------------------------------------------------------------------


def _window(on_time: int, total: int, supplier: str = "S1") -> list[Delivery]:
    """``total`` deliveries in the last 90 days, the first ``on_time`` on time, the rest late."""
    return [
        delivery(n, 0 if n <= on_time else 1, supplier=supplier,
                 day=TODAY - timedelta(days=n % 80))
        for n in range(1, total + 1)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("on_time", "fires"), [(84, True), (85, False), (86, False)], ids=["below", "at", "above"]
)
def test_on_time_rule_fires_below_the_floor_only(on_time: int, fires: bool) -> None:
    # given 100 deliveries in the period, `on_time` of them on time (floor 85 %)
    firings = on_time_firings(_window(on_time, 100), RULES, today=TODAY, policies={}, history={})
    # then closer monitoring starts only below 85 %
    assert len(firings) == (1 if fires else 0)
    if fires:
        (firing,) = firings
        assert firing.figures["rate"] == "0.84"
        assert "84 of 100" in firing.why and "84 %" in firing.why and "85 %" in firing.why
        assert "check-ins every 2 days" in firing.action and "2 QC spot checks" in firing.action
        policy = policy_after_firing(Policy(), firing, RULES, NOW)
        assert policy.monitoring and policy.checkin_interval_days == 2
        assert policy.spot_checks_per_week == 2 and policy.monitoring_since == NOW


@pytest.mark.parametrize(
    ("count", "fires"), [(4, False), (5, True), (6, True)], ids=["below", "at", "above"]
)
def test_on_time_rule_needs_the_minimum_number_of_deliveries(count: int, fires: bool) -> None:
    firings = on_time_firings(_window(0, count), RULES, today=TODAY, policies={}, history={})
    assert bool(firings) is fires


def test_on_time_rule_skips_monitored_suppliers_open_firings_and_decided_deliveries() -> None:
    window = _window(0, 10)
    monitored = {"S1": Policy(monitoring=True)}
    assert on_time_firings(window, RULES, today=TODAY, policies=monitored, history={}) == []
    opened = {"on_time_rate:S1": KeyState(open=True)}
    assert on_time_firings(window, RULES, today=TODAY, policies={}, history=opened) == []
    # a decision yesterday covered every delivery up to it: too few later ones to judge
    decided = {"on_time_rate:S1": KeyState(last_decided_at=NOW - timedelta(days=1))}
    assert on_time_firings(window, RULES, today=TODAY, policies={}, history=decided) == []
    # deliveries older than the period do not count
    old = [delivery(n, 3, day=TODAY - timedelta(days=90 + n)) for n in range(10)]
    assert on_time_firings(old, RULES, today=TODAY, policies={}, history={}) == []


# -- certificates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "rule"),
    [
        (31, None),
        (30, Rule.CERTIFICATE_EXPIRING),
        (29, Rule.CERTIFICATE_EXPIRING),
        (0, Rule.CERTIFICATE_EXPIRING),
        (-1, Rule.CERTIFICATE_EXPIRED),
    ],
    ids=["above", "at", "below", "last-day", "expired"],
)
def test_certificate_alerts_from_the_warning_days_and_removal_once_expired(
    days_left: int, rule: Rule | None
) -> None:
    # given S1's GOTS certificate ending `days_left` days from today, required by TEE
    cert = CertificateFact("S1", "GOTS", TODAY + timedelta(days=days_left))
    firings = certificate_firings(
        [cert], RULES, today=TODAY, supplied={"S1": frozenset({"TEE", "CAP"})},
        required={"TEE": frozenset({"GOTS"})}, history={},
    )  # fmt: skip
    # then it alerts within 30 days and, once expired, says S1 is out of sourcing for TEE
    assert [f.rule for f in firings] == ([rule] if rule else [])
    if rule is Rule.CERTIFICATE_EXPIRED:
        assert firings[0].action == "S1 is out of sourcing for TEE until a valid GOTS is recorded"
    elif rule is not None:
        assert (
            f"{days_left} day" in firings[0].why and "leaves sourcing for TEE" in firings[0].action
        )


def test_an_expired_certificate_no_item_requires_and_a_fired_one_stay_quiet() -> None:
    cert = CertificateFact("S1", "ISO9001", TODAY - timedelta(days=5))
    quiet = certificate_firings([cert], RULES, today=TODAY, supplied={"S1": frozenset({"TEE"})},
                                required={"TEE": frozenset({"GOTS"})}, history={})  # fmt: skip
    assert quiet == []
    soon = CertificateFact("S1", "GOTS", TODAY + timedelta(days=3))
    key = f"certificate_expiring:S1:GOTS:{soon.valid_until}"
    fired = {key: KeyState(last_decided_at=NOW)}
    assert certificate_firings([soon], RULES, today=TODAY, supplied={}, required={},
                               history=fired) == []  # fmt: skip


# -- single source -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spend", "fires"),
    [("9999.99", False), ("10000", False), ("10000.01", True)],
    ids=["below", "at", "above"],
)
def test_single_source_items_above_the_spend_threshold_are_flagged(spend: str, fires: bool) -> None:
    facts = [SpendFact("TEE", "S1", Decimal(spend) - 1), SpendFact("TEE", "S1", Decimal(1))]
    firings = single_source_firings(facts, RULES, today=TODAY, currency="EUR", alternatives={},
                                    history={})  # fmt: skip
    assert len(firings) == (1 if fires else 0)
    if fires:
        assert firings[0].key == "single_source:TEE:S1:2026-Q4"
        assert "10000.01 EUR" in firings[0].why and "no qualified alternative" in firings[0].action


def test_an_item_bought_from_two_suppliers_is_not_single_source() -> None:
    facts = [SpendFact("TEE", "S1", Decimal(50000)), SpendFact("TEE", "S2", Decimal(1))]
    assert single_source_firings(facts, RULES, today=TODAY, currency="EUR", alternatives={},
                                 history={}) == []  # fmt: skip


def test_nearest_qualified_alternatives_sorted_by_distance_then_lead_time() -> None:
    lisbon = (Decimal("38.72"), Decimal("-9.14"))
    certs = {"GOTS": TODAY}  # valid through today
    candidates = [
        CandidateSupplier("MADRID", Decimal("40.42"), Decimal("-3.70"), Decimal(10), "terms",
                          certs),
        CandidateSupplier("PORTO", Decimal("41.15"), Decimal("-8.61"), Decimal(20), "terms", certs),
        CandidateSupplier("PORTO2", Decimal("41.15"), Decimal("-8.61"), Decimal(5), "terms", certs),
        CandidateSupplier("NOWHERE", None, None, Decimal(1), "terms", certs),
        CandidateSupplier("EXPIRED", Decimal("38.7"), Decimal("-9.1"), Decimal(1), "terms",
                          {"GOTS": TODAY - timedelta(days=1)}),
        CandidateSupplier("NOCERT", Decimal("38.7"), Decimal("-9.1"), Decimal(1), "terms", {}),
    ]  # fmt: skip
    found = qualified_alternatives(lisbon, candidates, frozenset({"GOTS"}), today=TODAY, limit=4)
    assert [a.supplier for a in found] == ["PORTO2", "PORTO", "MADRID", "NOWHERE"]
    assert found[0].distance_km == Decimal("274.0")  # Lisbon-Porto, great circle
    assert distance_km(lisbon, lisbon) == Decimal("0.0")
    assert distance_km(lisbon, (None, None)) is None


# -- check-ins ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("silent", "fires"),
    [(timedelta(days=2) - timedelta(seconds=1), False), (timedelta(days=2), False),
     (timedelta(days=2, seconds=1), True)],
    ids=["below", "at", "above"],
)  # fmt: skip
def test_a_monitored_suppliers_job_silent_beyond_the_check_in_interval_raises_a_task(
    silent: timedelta, fires: bool
) -> None:
    # given S1 under closer monitoring (check-ins every 2 days), its job 7 silent for `silent`
    policies = {"S1": Policy(monitoring=True, checkin_interval_days=2)}
    jobs = [JobReport("S1", 7, NOW - silent), JobReport("S2", 8, NOW - timedelta(days=30))]
    # when the rule looks (S2 is not monitored: its silence is not judged)
    firings = checkin_firings(jobs, now=NOW, policies=policies, history={})
    # then a check-in task is raised only once the interval has passed
    assert [f.figures["job_id"] for f in firings] == ([7] if fires else [])
    if fires:
        assert "job 7 has no report since" in firings[0].why and "48 hours" in firings[0].why
        key = firings[0].key
        assert checkin_firings(jobs, now=NOW, policies=policies,
                               history={key: KeyState(open=True)}) == []  # fmt: skip


# -- decisions -----------------------------------------------------------------------------------


def test_decisions_allowed_per_rule_and_only_on_open_firings() -> None:
    assert decide(Rule.DELIVERY_DELAYS, FiringStatus.OPEN, "restore", " ok ") == (
        FiringStatus.DECIDED, Decision.RESTORE, "ok")  # fmt: skip
    assert decide(Rule.SINGLE_SOURCE, FiringStatus.OPEN, "dismiss", "")[0] is (
        FiringStatus.DISMISSED)  # fmt: skip
    with pytest.raises(ValidationError, match="on_time_rate firing takes keep, end_monitoring"):
        decide(Rule.ON_TIME_RATE, FiringStatus.OPEN, "restore", "")
    with pytest.raises(ValidationError, match="decision"):
        decide(Rule.ON_TIME_RATE, FiringStatus.OPEN, "maybe", "")
    with pytest.raises(IllegalTransition, match="the firing is decided"):
        decide(Rule.ON_TIME_RATE, FiringStatus.DECIDED, "keep", "")


def test_restore_undoes_one_cut_and_end_monitoring_stops_it() -> None:
    figures = {"weight_cut": "0.5"}
    cut = Policy(allocation_weight=Decimal("0.25"))
    restored = policy_after_decision(cut, Rule.DELIVERY_DELAYS, Decision.RESTORE, figures, "")
    assert restored.allocation_weight == Decimal("0.5")
    full = policy_after_decision(Policy(), Rule.DELIVERY_DELAYS, Decision.DISMISS, figures, "")
    assert full.allocation_weight == 1  # never above 1
    kept = policy_after_decision(cut, Rule.DELIVERY_DELAYS, Decision.KEEP, figures, "")
    assert kept == cut
    watched = Policy(monitoring=True, monitoring_since=NOW, checkin_interval_days=2,
                     spot_checks_per_week=2)  # fmt: skip
    ended = policy_after_decision(watched, Rule.ON_TIME_RATE, Decision.END_MONITORING, {}, "ok")
    assert ended == Policy(reason="ok")


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ValidationError, match="weight_cut"):
        RuleSettings(weight_cut=Decimal(0))
    with pytest.raises(ValidationError, match="on_time_floor"):
        RuleSettings(on_time_floor=Decimal("1.5"))
    with pytest.raises(ValidationError, match="delay_consecutive"):
        RuleSettings(delay_consecutive=0)


# -- spot checks ---------------------------------------------------------------------------------


def test_spot_checks_go_to_monitored_suppliers_first_one_a_day() -> None:
    job, po = Target(job_id=7), Target(po_number="PO-000001")
    candidates = [
        SpotCandidate("A", (po,)),
        SpotCandidate("B", (job,), monitored=True, per_week=2, this_week=1),
        SpotCandidate("C", (job, po), monitored=True, per_week=2, this_week=2),  # had its two
        SpotCandidate("D", (po,), today=1),  # asked today already
        SpotCandidate("E", ()),  # no open work
    ]
    picks = pick_spot_checks(candidates, 5, random.Random(1))
    assert picks[0].supplier == "B"
    assert {p.supplier for p in picks} == {"A", "B", "C"}
    assert picks[0].reason == "closer monitoring: 2 spot checks a week (1 so far) of job 7"
    assert pick_spot_checks(candidates, 2, random.Random(9)) == pick_spot_checks(
        candidates, 2, random.Random(9)
    )
    with pytest.raises(ValidationError, match="count"):
        pick_spot_checks(candidates, 0, random.Random(1))
