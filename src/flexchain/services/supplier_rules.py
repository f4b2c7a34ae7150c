"""Rules that act: ``run_rules`` evaluates every supplier rule (:mod:`flexchain.domain.
supplier_rules`) on what happened and applies what they decide; a person then decides each
firing (``decide_firing``); sourcing reads the result (``sourcing_adjustments``).

Load: deliveries (``services.scorecards.deliveries``) over the longer of the delay look-back and
the on-time period, supplier certificates, the items each supplier supplies and the
certificates items require, PO spend over the spend period in the brand's currency (lines in a
currency without a rate are left out and named in the run's notes), and what fired before.
Decide: the pure rules. Write: each firing (a condition is open once: a second run, even a
concurrent one, raises nothing new), its action (allocation weight cut, closer monitoring with
a spot check requested where the supplier has open work) and an audit entry per change.
Nothing here commits; ``now`` comes from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.spot_checks import SqlSpotCheckStore
from flexchain.adapters.db.supplier_rules import (
    FiringRecord,
    SiteRecord,
    SpendRecord,
    SqlSupplierRulesStore,
)
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain import supplier_rules as rules
from flexchain.domain.checks import choice, code
from flexchain.domain.errors import format_decimal
from flexchain.domain.rule_decisions import decide, policy_after_decision
from flexchain.domain.supplier_alternatives import (
    Alternative,
    CandidateSupplier,
    qualified_alternatives,
)
from flexchain.domain.supplier_rules import Firing, FiringStatus, Policy, RuleSettings, SpendFact
from flexchain.domain.values import currency_code, utc
from flexchain.services import audit, fx, scorecards, spot_checks
from flexchain.services.item_certificates import required_certificates
from flexchain.services.spot_checks import SpotCheckView

__all__ = [
    "FiringView",
    "PolicyView",
    "RulesRun",
    "SourcingAdjustments",
    "decide_firing",
    "list_firings",
    "rule_settings",
    "run_rules",
    "show_firing",
    "sourcing_adjustments",
    "supplier_policy",
]

ALTERNATIVES = 3
"""How many qualified alternatives a single-source flag names."""


@dataclass(frozen=True)
class FiringView:
    """A rule's firing: why it fired, what flexchain did, what a person must decide."""

    id: int
    rule: str
    supplier: str | None
    item: str | None
    key: str
    fired_at: datetime
    why: str
    action: str
    decision: str
    status: str
    figures: dict[str, Any]
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None


@dataclass(frozen=True)
class PolicyView:
    supplier: str
    allocation_weight: Decimal
    monitoring: bool
    monitoring_since: datetime | None
    checkin_interval_days: int | None
    spot_checks_per_week: int
    reason: str


@dataclass(frozen=True)
class RulesRun:
    """What one run fired and requested; ``open`` firings after it; ``notes`` on the data."""

    at: datetime
    fired: tuple[FiringView, ...]
    spot_checks: tuple[SpotCheckView, ...]
    open: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourcingAdjustments:
    """What the rules change in sourcing: ``weights`` (supplier code -> allocation weight in
    (0, 1]; a supplier not named has 1) and ``required_certificates`` (item SKU -> the
    certificates a supplier must hold, valid on the day, to take it; any market)."""

    weights: Mapping[str, Decimal]
    required_certificates: Mapping[str, frozenset[str]]


def rule_settings(settings: Settings) -> RuleSettings:
    """The rules' thresholds from the installation's settings."""
    return RuleSettings(
        delay_standard_days=settings.supplier_delay_standard_days,
        delay_consecutive=settings.supplier_delay_consecutive,
        weight_cut=settings.supplier_weight_cut,
        on_time_floor=settings.supplier_on_time_floor,
        certificate_warning_days=settings.certificate_warning_days,
        single_source_spend_threshold=settings.single_source_spend_threshold,
    )


def _view(r: FiringRecord) -> FiringView:
    return FiringView(
        r.id, r.rule.value, r.supplier, r.item, r.key, r.fired_at, r.why, r.action, r.decision,
        r.status.value, r.figures, r.decided_at, r.decided_by, r.decision_note,
    )  # fmt: skip


def list_firings(
    uow: UnitOfWork, *, status: str | None = None, supplier: str | None = None
) -> list[FiringView]:
    """Rule firings, newest first, of one status (open, decided, dismissed) or supplier."""
    wanted = choice(FiringStatus, status, "status") if status else None
    store = SqlSupplierRulesStore(uow)
    found = store.firings(status=wanted)
    if supplier is not None:
        mine = store.supplier(code(supplier, "supplier")).code
        found = [f for f in found if f.supplier == mine]
    return [_view(f) for f in found]


def show_firing(uow: UnitOfWork, firing_id: int) -> FiringView:
    return _view(SqlSupplierRulesStore(uow).firing(firing_id))


def supplier_policy(uow: UnitOfWork, supplier: str) -> PolicyView:
    """What the rules set for ``supplier`` (weight 1, not monitored, until a rule acts)."""
    store = SqlSupplierRulesStore(uow)
    found = store.supplier(code(supplier, "supplier")).code
    return _policy_view(found, store.policies().get(found, Policy()))


def _policy_view(supplier: str, p: Policy) -> PolicyView:
    return PolicyView(supplier, p.allocation_weight, p.monitoring, p.monitoring_since,
                      p.checkin_interval_days, p.spot_checks_per_week, p.reason)  # fmt: skip


def sourcing_adjustments(uow: UnitOfWork, *, at: datetime) -> SourcingAdjustments:
    """Allocation weights below 1 and the certificates items require, for sourcing at ``at``
    (sourcing itself counts a supplier's certificates valid on its day)."""
    utc(at, "at")
    policies = SqlSupplierRulesStore(uow).policies()
    weights = {s: p.allocation_weight for s, p in sorted(policies.items())
               if p.allocation_weight < 1}  # fmt: skip
    return SourcingAdjustments(weights, required_certificates(uow))


def _spend(
    uow: UnitOfWork, found: list[SpendRecord], currency: str
) -> tuple[list[SpendFact], list[str]]:
    facts, notes = [], []
    for r in found:
        amount = r.amount if r.currency == currency else fx.base_amount(
            uow, r.amount, r.currency, r.on, base=currency)  # fmt: skip
        if amount is None:
            notes.append(f"spend of {r.item} at {r.supplier} in {r.currency} on {r.on} left out:"
                         f" no exchange rate into {currency} (flexchain fx set)")  # fmt: skip
        else:
            facts.append(SpendFact(r.item, r.supplier, amount))
    return facts, notes


def _alternatives(
    store: SqlSupplierRulesStore,
    flagged: list[Firing],
    required: Mapping[str, frozenset[str]],
    today: date,
) -> dict[str, list[Alternative]]:
    """The nearest qualified alternatives to each flagged item's single source."""
    if not flagged:
        return {}
    sites = store.sites(today)
    processes = store.item_processes(f.item for f in flagged if f.item)
    found = {}
    for firing in flagged:
        item, current = firing.item or "", sites.get(firing.supplier or "")
        process = processes.get(item)
        found[item] = qualified_alternatives(
            (current.latitude, current.longitude) if current else (None, None),
            [c for site in sites.values() if site.code != firing.supplier
             if (c := _candidate(site, item, process)) is not None],
            required.get(item, frozenset()), today=today, limit=ALTERNATIVES,
        )  # fmt: skip
    return found


def _candidate(site: SiteRecord, item: str, process: str | None) -> CandidateSupplier | None:
    where = (site.code, site.latitude, site.longitude)
    if item in site.terms:
        return CandidateSupplier(*where, Decimal(site.terms[item]), "terms", site.certificates)
    if process is not None and process in site.processes:
        lead = site.processes[process]
        return CandidateSupplier(*where, lead, f"{process} capability", site.certificates)
    return None


def _evaluate(
    uow: UnitOfWork, store: SqlSupplierRulesStore, settings: RuleSettings, now: datetime,
    currency: str,
) -> tuple[list[Firing], list[str]]:  # fmt: skip
    """Load the facts and let every rule decide."""
    today = now.date()
    history, policies = store.history(), store.policies()
    back = max(settings.delay_lookback_days, settings.on_time_period_days)
    found = scorecards.deliveries(uow, since=today - timedelta(days=back), until=today,
                                  today=today)  # fmt: skip
    delay_from = today - timedelta(days=settings.delay_lookback_days)
    recent = [d for d in found if (d.day or d.promised) >= delay_from]
    required = required_certificates(uow)
    firings = [
        *rules.delivery_delay_firings(recent, settings, policies=policies, history=history),
        *rules.on_time_firings(found, settings, today=today, policies=policies, history=history),
        *rules.certificate_firings(store.certificates(), settings, today=today,
                                   supplied=store.supplied(), required=required,
                                   history=history),
    ]  # fmt: skip
    watched = sorted(s for s, p in policies.items() if p.monitoring)
    jobs = store.job_reports(watched) if watched else []
    firings += rules.checkin_firings(jobs, now=now, policies=policies, history=history)
    spent = store.spend(today - timedelta(days=settings.spend_period_days - 1), today)
    spend, notes = _spend(uow, spent, currency)
    flagged = rules.single_source_firings(
        spend, settings, today=today, currency=currency, alternatives={}, history=history
    )
    near = _alternatives(store, flagged, required, today)
    firings += rules.single_source_firings(
        spend, settings, today=today, currency=currency, alternatives=near, history=history
    )
    return firings, notes


def run_rules(
    uow: UnitOfWork,
    *,
    now: datetime,
    settings: RuleSettings | None = None,
    currency: str = "EUR",
) -> RulesRun:
    """Evaluate every rule on ``now``'s day and apply what fires (idempotent: a condition
    already open, or already fired once for the same run of deliveries, certificate date or
    quarter, fires nothing new). ``currency``: the brand's, spend is compared in it."""
    now = utc(now, "now")
    settings = settings or RuleSettings()
    currency = currency_code(currency)
    store = SqlSupplierRulesStore(uow)
    firings, notes = _evaluate(uow, store, settings, now, currency)
    fired, requested = [], []
    for firing in firings:
        supplier = store.supplier(firing.supplier) if firing.supplier else None
        item_id = store.item_id(firing.item) if firing.item else None
        firing_id = store.add_firing(
            firing, supplier_id=supplier.id if supplier else None, item_id=item_id, at=now
        )
        if firing_id is None:  # a concurrent run raised it first
            continue
        after = {"rule": firing.rule.value, "key": firing.key, "action": firing.action}
        audit.record_change(uow, "fired", "rule_firing", str(firing_id), after=after, at=now)
        if supplier is not None:
            _apply(uow, store, supplier.id, supplier.code, firing, settings, now)
            if firing.rule is rules.Rule.ON_TIME_RATE:
                requested += _monitoring_check(uow, supplier.code, firing, now)
        fired.append(_view(store.firing(firing_id)))
    still_open = len(store.firings(status=FiringStatus.OPEN))
    return RulesRun(now, tuple(fired), tuple(requested), still_open, tuple(notes))


def _apply(
    uow: UnitOfWork,
    store: SqlSupplierRulesStore,
    supplier_id: int,
    supplier: str,
    firing: Firing,
    settings: RuleSettings,
    now: datetime,
) -> None:
    before = store.policy(supplier_id, lock=True)
    after = rules.policy_after_firing(before, firing, settings, now)
    if after != before:
        _write_policy(uow, store, supplier_id, supplier, before, after, now, firing=firing.key)


def _write_policy(
    uow: UnitOfWork,
    store: SqlSupplierRulesStore,
    supplier_id: int,
    supplier: str,
    before: Policy,
    after: Policy,
    now: datetime,
    **context: Any,
) -> None:
    store.set_policy(supplier_id, after)
    audit.record_change(uow, "updated", "supplier_policy", supplier, before=before.__dict__,
                        after=after.__dict__, at=now, **context)  # fmt: skip


def _monitoring_check(
    uow: UnitOfWork, supplier: str, firing: Firing, now: datetime
) -> list[SpotCheckView]:
    """A spot check of the newly monitored supplier's open work (its latest job, else PO)."""
    work = SqlSpotCheckStore(uow).open_work().get(supplier, [])
    if not work:
        return []
    jobs = sorted(t.job_id for t in work if t.job_id is not None)
    pos = sorted(t.po_number for t in work if t.po_number is not None)
    target = {"job_id": jobs[-1]} if jobs else {"po_number": pos[-1]}
    rate = Decimal(firing.figures["rate"]) * 100
    floor = Decimal(firing.figures["floor"]) * 100
    reason = (f"closer monitoring: on-time rate {format_decimal(round(rate, 1))} % below "
              f"{format_decimal(floor)} %")  # fmt: skip
    return [
        spot_checks.request_spot_check(
            uow, supplier=supplier, reason=reason, video=True, now=now, **target
        )
    ]  # type: ignore[arg-type]


def decide_firing(
    uow: UnitOfWork, firing_id: int, *, decision: str, note: str = "", now: datetime
) -> FiringView:
    """Decide an open firing: ``restore`` (delivery delays: the weight goes back up),
    ``keep`` (its action stands), ``end_monitoring`` (on-time rate: monitoring ends) or
    ``dismiss`` (unwarranted: its action is undone)."""
    now = utc(now, "now")
    store = SqlSupplierRulesStore(uow)
    found = store.firing(firing_id, lock=True)
    status, chosen, why = decide(found.rule, found.status, decision, note)
    if found.supplier is not None:
        ref = store.supplier(found.supplier)
        before = store.policy(ref.id, lock=True)
        after = policy_after_decision(before, found.rule, chosen, found.figures, why)
        if after != before:
            _write_policy(uow, store, ref.id, ref.code, before, after, now, firing=found.key)
    store.close_firing(found.id, status=status, at=now, by=uow.actor, note=why)
    audit.record_change(
        uow, chosen.value, "rule_firing", str(found.id), before={"status": found.status.value},
        after={"status": status.value, "note": why}, at=now, rule=found.rule.value,
    )  # fmt: skip
    return _view(store.firing(found.id))
