"""``flexchain source``: the current plan's planned purchases sourced by optimisation, proposed as
draft purchase orders (or RFQs) pooled per supplier and delivery week.

Load: the planned purchases of the current plan, the item-supplier terms (all-units breaks, MOQ,
multiple, lead time), the suppliers (tier, country, carbon per unit, certificates valid today,
capacity, capacity reserved under an active contract), the capacity holds the brand may still
call, and today's exchange rates. Decide: :func:`flexchain.planning.sourcing.solve`, at the
objective's prices :func:`objective_costs` (settings ``FLEXCHAIN_SOURCING_*``, or the command's
flags). Write (only when asked): :mod:`flexchain.services.sourcing_drafts`.

How the data becomes a sourcing problem (docs/procurement.md, "flexchain source"):

* the planned purchases of the current plan already released (``plan_releases``: into a PO,
  an RFQ, by ``flexchain plan release``, the Plan page, Today, the API or an earlier
  ``flexchain source --create``) are left out, and the proposal says which (``left_out``);
* weeks count from the Monday of today's week; a planned purchase due on a date is needed in its
  week; a lead time of ``d`` days takes ``ceil(d / 7)`` weeks;
* quantities are whole units (a planned quantity is rounded up);
* a supplier's weekly capacity is five days of its largest process capability; a contract's
  capacity reservation keeps ``reserved_pct`` of it for the brand (usable when the supplier is
  otherwise full, its fee sunk); a hold adds its quantity until it lapses;
* region: the EU's member states form one region, every other country its own;
* a requirement is urgent when it is needed within ``URGENT_DAYS`` and an S- or A-tier supplier
  offers its item (B-tier backups do not get urgent work; where only B-tier suppliers offer an
  item, one of them is its primary, not a backup);
* prices in another currency than the brand's are converted at the latest rate on or before
  today (``flexchain fx``); none known is an error that says which rate to set;
* a supplier's first-pass yield is its record over the last 12 months (the scorecards'
  ``first_pass_yield``: units accepted at first inspection), 1 without inspections, at least
  ``MIN_YIELD``; orders are raised to cover the expected rejects;
* carbon per unit is what the supplier posted (``flexchain qc carbon``: the item's figure,
  else its default), else its generic carbon intensity; the optimiser takes one figure per
  supplier, so a supplier with different figures per item gets their mean weighted by the
  planned units of its items (``suppliers`` in the proposal says which);
* the policy of issue 16 (:func:`flexchain.services.supplier_tiers.sourcing_policy`): each
  family's share bands follow its items' Kraljic quadrant; a supplier whose allocation weight the
  supplier rules reduced may only be a backup and takes no urgent work, nor does a B-tier one;
  a strategic family's primary is an S-tier supplier, any other's an S- or A-tier one, where
  such a candidate exists (B-tier backups take top-ups);
  a bottleneck family's urgent work may go to any supplier (availability first); an item's
  required certificates (supplier rules) must be valid today at every supplier that gets it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from flexchain.adapters.db import plan_reads
from flexchain.adapters.db.sourcing import OfferRecord, SqlSourcingStore, SupplierRecord
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import DomainError, NotFound
from flexchain.domain.values import money, utc
from flexchain.planning import sourcing
from flexchain.services import (
    capacity_holds,
    carbon,
    fx,
    plan_releases,
    scorecards,
    supplier_tiers,
)

__all__ = [
    "EU",
    "MIN_YIELD",
    "PRICES",
    "URGENT_DAYS",
    "ProposedLine",
    "SourcingInput",
    "SourcingProposal",
    "SupplierFacts",
    "create_drafts",
    "load_problem",
    "objective_costs",
    "propose",
    "region_of",
]

MAX_LATE_WEEKS = 12
"""How late a purchase may arrive (with the lateness penalty per unit and week): a plan's
past-due purchases all need capacity at once, so the optimiser's default of 4 weeks leaves a
busy supplier's backlog without a plan."""
URGENT_DAYS = 14
"""A planned purchase needed within this many days is urgent: no B-tier backup takes it."""
WORKING_DAYS = 5
MIN_YIELD = Decimal("0.5")
"""The lowest first-pass yield sourcing plans with (a supplier below it would need orders of
more than twice the need; the supplier rules are there to stop ordering from it)."""
YIELD_DAYS = 365
EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


def region_of(country: str) -> str:
    """``EU`` for a member state, else the country itself."""
    return "EU" if country.upper() in EU else country.upper()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class SupplierFacts:
    """What sourcing took of a supplier's record: the first-pass yield it plans with and where
    it came from, and the carbon per unit and where it came from."""

    yield_rate: Decimal
    yield_from: str
    carbon_per_unit: Decimal
    carbon_from: str


def _facts(
    uow: UnitOfWork,
    records: Sequence[SupplierRecord],
    planned_units: dict[tuple[str, str], int],
    today: date,
) -> dict[str, SupplierFacts]:
    """Yield and carbon per supplier (module docstring); ``planned_units``: (supplier, item)
    -> the planned units of the item it is offered for."""
    since = today - timedelta(days=YIELD_DAYS - 1)
    yields = scorecards.first_pass_yields(uow, since=since, until=today)
    posted = {c.supplier for c in carbon.list_carbon(uow, today=today) if c.current}
    result = {}
    for record in records:
        found = yields.get(record.code)
        if found is None:
            rate, rate_from = Decimal(1), f"no inspections since {since}"
        else:
            rate = max(MIN_YIELD, min(Decimal(1), found.share))
            rate_from = f"since {since}: {found.detail}"
        kg, kg_from = record.carbon_intensity, "generic carbon intensity"
        if record.code in posted:
            units = {i: n for (s, i), n in planned_units.items() if s == record.code}
            figures = {i: carbon.carbon_per_unit(uow, record.code, i, on=today) for i in units}
            known = {i: f for i, f in figures.items() if f is not None}
            if known and len(set(known.values())) == 1 and len(known) == len(units):
                kg, kg_from = next(iter(known.values())), "posted"
            elif known:
                total = sum(units.values())
                kg = sum(
                    ((figures[i] or record.carbon_intensity) * n for i, n in units.items()),
                    Decimal(0),
                ) / max(total, 1)
                kg = kg.quantize(Decimal("0.0001"))
                kg_from = "posted per item (mean weighted by planned units)"
        result[record.code] = SupplierFacts(rate, rate_from, kg, kg_from)
    return result


@dataclass(frozen=True)
class SourcingInput:
    """The problem and what maps its weeks and keys back to dates and planned orders."""

    problem: sourcing.SourcingProblem
    run_id: int
    week0: date
    planned: dict[str, int]
    """Requirement key -> planned order number."""
    currencies: dict[str, str]
    """Supplier -> its currency (prices in proposals are in it)."""
    facts: dict[str, SupplierFacts] = field(default_factory=dict)
    left_out: dict[int, str] = field(default_factory=dict)
    """The plan's planned purchases left out as released already: number -> what into."""

    def week_date(self, week: int) -> date:
        return self.week0 + timedelta(weeks=week)


def _units(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def _rate(uow: UnitOfWork, currency: str, base: str, on: date) -> Decimal:
    if currency == base:
        return Decimal(1)
    try:
        return fx.convert(uow, 1, currency, base, on, base=base).amount
    except NotFound as error:
        raise DomainError(
            f"no exchange rate of {currency} in {base} on or before {on}: set one with "
            f"flexchain fx set {currency} RATE (or import them) before sourcing"
        ) from error


def _suppliers(
    uow: UnitOfWork,
    records: Sequence[SupplierRecord],
    base: str,
    now: datetime,
    week0: date,
    policy: supplier_tiers.SourcingPolicy,
    facts: dict[str, SupplierFacts],
) -> list[sourcing.Supplier]:
    holds: dict[str, list[sourcing.CapacityHold]] = {}
    for hold in capacity_holds.active_holds(uow, now):
        until = (hold.held_until - week0).days // 7
        if until >= 0:
            holds.setdefault(hold.supplier, []).append(
                sourcing.CapacityHold(_units(hold.quantity), until)
            )
    result = []
    for record in records:
        weekly = _units(record.capacity_per_day * WORKING_DAYS)
        reserved = _units(weekly * record.reserved_pct / 100)
        result.append(
            sourcing.Supplier(
                record.code,
                capacity=weekly - reserved,
                region=region_of(record.country),
                tier=record.tier,
                reserved=reserved,
                holds=tuple(holds.get(record.code, ())),
                yield_rate=facts[record.code].yield_rate,
                carbon_per_unit=facts[record.code].carbon_per_unit,
                certifications=record.certifications,
                currency=record.currency,
                rate=_rate(uow, record.currency, base, now.date()),
                weight=policy.weights.get(record.code, Decimal(1)),
                urgent_work=policy.urgent.get(record.code),
            )
        )
    return result


def _offer(record: OfferRecord) -> sourcing.Offer:
    breaks = record.breaks or ((Decimal(0), Decimal(0)),)
    moq = _units(record.moq)
    first = min(_units(breaks[0][0]), moq)
    return sourcing.Offer(
        record.supplier,
        record.item,
        tuple(
            sourcing.PriceBreak(first if i == 0 else _units(minimum), price)
            for i, (minimum, price) in enumerate(breaks)
        ),
        lead_weeks=math.ceil(record.lead_time_days / 7),
        moq=moq,
        multiple=max(1, _units(record.multiple)),
    )


def _with_policy(costs: sourcing.Costs, policy: supplier_tiers.SourcingPolicy) -> sourcing.Costs:
    """``costs`` with the policy's family bands and primary tiers (where ``costs`` sets none of
    its own) and the items' required certificates added to those ``costs`` names."""
    required = dict(costs.item_certifications)
    for item, names in policy.required_certificates.items():
        required[item] = required.get(item, frozenset()) | names
    return replace(
        costs,
        family_bands=costs.family_bands or tuple(sorted(policy.family_bands.items())),
        primary_tiers=costs.primary_tiers or tuple(sorted(policy.primary_tiers.items())),
        item_certifications=tuple(sorted(required.items())),
    )


PRICES = ("carbon_price", "late_per_unit_week", "early_per_unit_week")
"""The objective's prices ``flexchain source`` takes from its settings or flags."""


def objective_costs(
    *,
    carbon_price: Decimal | int | str | None = None,
    late_per_unit_week: Decimal | int | str | None = None,
    early_per_unit_week: Decimal | int | str | None = None,
) -> sourcing.Costs:
    """The objective's prices (brand currency): ``carbon_price`` per kg CO2e, the lateness
    penalty and the early-delivery holding cost per unit and week; each >= 0, the optimiser's
    default where not given; purchases may arrive up to :data:`MAX_LATE_WEEKS` late."""
    given = {"carbon_price": carbon_price, "late_per_unit_week": late_per_unit_week,
             "early_per_unit_week": early_per_unit_week}  # fmt: skip
    prices = {name: money(value, name) for name, value in given.items() if value is not None}
    return sourcing.Costs(max_late_weeks=MAX_LATE_WEEKS, **prices)  # type: ignore[arg-type]


def load_problem(
    uow: UnitOfWork,
    *,
    now: datetime,
    base: str,
    costs: sourcing.Costs | None = None,
    run_id: int | None = None,
) -> SourcingInput:
    """The current plan's planned purchases as a sourcing problem (module docstring)."""
    now = utc(now, "now")
    run = plan_reads.current_run(uow, run_id)
    if run is None:
        raise NotFound("no complete plan: run flexchain plan first")
    skus = plan_reads.skus(uow)
    week0 = monday(now.date())
    store = SqlSourcingStore(uow)
    purchases = [order for order in plan_reads.orders_of(uow, run.id) if order.kind == "purchase"]
    if not purchases:
        raise NotFound(f"plan {run.id} has no planned purchases to source")
    released = plan_releases.released(uow, run.id)
    left_out = {o.number: released[o.number] for o in purchases if o.number in released}
    purchases = [order for order in purchases if order.number not in released]
    if not purchases:
        first = min(left_out)
        raise NotFound(
            f"plan {run.id}'s {len(left_out)} planned purchases were all released already "
            f"(planned order {first} into {left_out[first]}, ...): nothing left to source; "
            "run flexchain plan again (it nets them)"
        )
    offers = store.offers({skus[order.item_id] for order in purchases}, now.date())
    families = {offer.item: offer.family or offer.item for offer in offers}
    records = store.suppliers({offer.supplier for offer in offers}, now.date())
    policy = supplier_tiers.sourcing_policy(uow, now=now, base=base)
    urgent_ok = {r.code for r in records if policy.urgent.get(r.code, r.tier != "B")}
    backed = {offer.item for offer in offers if offer.supplier in urgent_ok}
    requirements, planned = [], {}
    for order in purchases:
        key = f"planned:{order.number}"
        sku = skus[order.item_id]
        pegs = tuple(
            sourcing.Peg(str(peg[0]), _units(Decimal(str(peg[1]))))
            for peg in order.pegs
            if _units(Decimal(str(peg[1]))) > 0
        )
        requirements.append(
            sourcing.Requirement(
                key,
                sku,
                _units(order.quantity),
                max(0, (order.due_date - week0).days // 7),
                pegs=pegs,
                family=families.get(sku, sku),
                urgent=sku in backed
                and families.get(sku, sku) not in policy.backups_take_urgent
                and (order.due_date - now.date()).days <= URGENT_DAYS,
            )
        )
        planned[key] = order.number
    units: dict[str, int] = {}
    for requirement in requirements:
        units[requirement.item] = units.get(requirement.item, 0) + requirement.quantity
    facts = _facts(
        uow, records, {(o.supplier, o.item): units.get(o.item, 0) for o in offers}, now.date()
    )
    problem = sourcing.sourcing_problem(
        requirements, _suppliers(uow, records, base, now, week0, policy, facts),
        map(_offer, offers),
        _with_policy(costs or objective_costs(), policy),
    )  # fmt: skip
    currencies = {record.code: record.currency for record in records}
    return SourcingInput(problem, run.id, week0, planned, currencies, facts, left_out)


@dataclass(frozen=True)
class ProposedLine:
    """One pooled purchase: ``quantity`` of ``item`` from ``supplier`` delivered in the week of
    ``due_date``, at the all-units break it reaches (``unit_price`` in ``currency``), for the
    planned purchases ``planned``."""

    supplier: str
    item: str
    quantity: int
    due_date: date
    unit_price: Decimal
    currency: str
    break_quantity: int
    planned: tuple[int, ...]


@dataclass(frozen=True)
class SourcingProposal:
    """What ``flexchain source`` shows: the plan's cost against greedy's, the lower bound and
    gap, the pooled purchases, and what each pegged order saved by pooling."""

    run_id: int
    summary: dict[str, Any]
    lines: tuple[ProposedLine, ...]
    savings_by_order: dict[str, Decimal]
    suppliers: dict[str, SupplierFacts] = field(default_factory=dict)
    """Per supplier of the problem: the yield and carbon per unit sourcing took, and whence."""
    left_out: dict[int, str] = field(default_factory=dict)
    """The plan's planned purchases left out as released already: number -> what into."""
    prices: dict[str, Decimal] = field(default_factory=dict)
    """The objective's prices it was solved at (:data:`PRICES`)."""

    def as_dict(self) -> dict[str, Any]:
        return as_dict(
            {
                "run_id": self.run_id,
                "summary": self.summary,
                "prices": self.prices,
                "left_out_count": len(self.left_out),
                "left_out": self.left_out,
                "lines": [vars(line) for line in self.lines],
                "savings_by_order": self.savings_by_order,
                "suppliers": {code: vars(facts) for code, facts in self.suppliers.items()},
            }
        )


def propose(
    uow: UnitOfWork,
    *,
    now: datetime,
    base: str,
    time_limit: float = 10.0,
    seed: int = 0,
    costs: sourcing.Costs | None = None,
    run_id: int | None = None,
) -> SourcingProposal:
    """The current plan's planned purchases sourced within ``time_limit`` seconds."""
    found = load_problem(uow, now=now, base=base, costs=costs, run_id=run_id)
    result = sourcing.solve(found.problem, time_limit=time_limit, seed=seed)
    if not result.is_feasible():
        raise DomainError(
            "no plan meets every constraint: " + "; ".join(result.evaluation.violations[:5])
        )
    lines = tuple(
        ProposedLine(
            order.supplier,
            order.item,
            order.quantity,
            found.week_date(order.week),
            order.unit_price,
            found.currencies[order.supplier],
            order.break_quantity,
            tuple(sorted(found.planned[key] for key in order.requirements)),
        )
        for order in sorted(result.orders(), key=lambda o: (o.supplier, o.week, o.item))
    )
    savings = sorted(result.savings_by_order().items(), key=lambda kv: (-kv[1], kv[0]))
    prices = {name: getattr(found.problem.costs, name) for name in PRICES}
    return SourcingProposal(found.run_id, result.summary(), lines, dict(savings), found.facts,
                            found.left_out, prices)  # fmt: skip


def create_drafts(
    uow: UnitOfWork, proposal: SourcingProposal, *, rfq: bool = False, now: datetime
) -> list[str]:
    """Write ``proposal`` as draft POs (or RFQs), recording its releases: kept here for callers
    of the earlier place; :func:`flexchain.services.sourcing_drafts.create_drafts` is it."""
    from flexchain.services import sourcing_drafts  # it imports this module

    return sourcing_drafts.create_drafts(uow, proposal, rfq=rfq, now=now)


def as_dict(value: Any) -> Any:
    """JSON-ready: decimals as exact strings, dates ISO."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): as_dict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_dict(v) for v in value]
    return value
