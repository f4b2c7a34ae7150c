"""Supplier tiers and the Kraljic matrix as use cases, and the sourcing policy they set.

* :func:`recommend_tiers`: every active supplier's recommended tier (S/A/B) from its scorecard
  total for a period (:mod:`flexchain.services.scorecards`), its capabilities and its share of
  the brand's spend over the 12 months to ``now``; with ``apply`` the changed tiers are stored.
* :func:`set_tier`: a buyer's decision, audited with its reason.
* :func:`kraljic`: every bought item in the matrix (:mod:`flexchain.domain.kraljic`).
* :func:`sourcing_policy`: what ``flexchain source`` applies: share bands per family from its
  items' quadrant, which suppliers may take urgent work, and the allocation weights and
  required certificates of the supplier rules.

Spend is quantity x unit price of PO lines due in the 12 months to ``now`` (not cancelled, PO
issued), converted to the brand's currency at the latest rate on or before ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.kraljic import SpendRecord, SqlKraljicStore, TermRecord
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain import kraljic as matrix
from flexchain.domain import tiers
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.values import utc
from flexchain.planning.sourcing import ShareBands
from flexchain.services import audit, fx, scorecards, supplier_rules

__all__ = [
    "SPEND_DAYS",
    "KraljicView",
    "SourcingPolicy",
    "TierView",
    "default_period",
    "kraljic",
    "recommend_tiers",
    "set_tier",
    "sourcing_policy",
]

SPEND_DAYS = 365
"""The spend window: the 12 months to ``now``."""
CENT = Decimal("0.01")
SHARE = Decimal("0.0001")
"""Shares in views are rounded to 0.01 % (the rules decide on the exact figures)."""


def _share(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(SHARE)


def default_period(now: datetime) -> str:
    """The last complete quarter before ``now`` (``2026-Q3`` on 5 December 2026): tiers are a
    judgement over a quarter's events, not a month's."""
    quarter = (now.month - 1) // 3  # the current quarter's index 0-3 = the previous one's 1-4
    return f"{now.year}-Q{quarter}" if quarter else f"{now.year - 1}-Q4"


@dataclass(frozen=True)
class TierView:
    """A supplier's recommended tier with its reasons, the stored one and the tier's profile."""

    supplier: str
    tier: str
    stored_tier: str
    change: str
    reasons: tuple[str, ...]
    profile: str
    score: Decimal | None
    spend_share: Decimal
    period: str
    applied: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "reasons": list(self.reasons)}


@dataclass(frozen=True)
class KraljicView:
    """An item in the matrix: its figures, quadrant, strategy and default share bands."""

    item: str
    family: str
    spend: Decimal
    cost_share: Decimal
    qualified: int
    single_source_share: Decimal | None
    lead_mean_days: Decimal | None
    lead_sd_days: Decimal | None
    impact: str
    risk: str
    risk_points: int
    quadrant: str
    strategy: str
    bands: tuple[Decimal, ...]
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "bands": list(self.bands), "reasons": list(self.reasons)}


@dataclass(frozen=True)
class SourcingPolicy:
    """What tiers, the Kraljic matrix and the supplier rules set for sourcing.

    ``family_bands``/``family_quadrant``: per item family (an item without one is its own);
    ``urgent``: supplier -> may take urgent work (its tier's profile allows it and its
    allocation weight is not reduced); ``backups_take_urgent``: families whose urgent work
    any supplier may take (bottleneck: availability first); ``primary_tiers``: per family, the
    tiers its primary comes from where a candidate of them exists (strategic: S, else S or A);
    ``weights`` and
    ``required_certificates`` as :func:`flexchain.services.supplier_rules.sourcing_adjustments`
    gives them."""

    family_bands: Mapping[str, ShareBands]
    family_quadrant: Mapping[str, str]
    urgent: Mapping[str, bool]
    backups_take_urgent: frozenset[str]
    weights: Mapping[str, Decimal]
    required_certificates: Mapping[str, frozenset[str]]
    primary_tiers: Mapping[str, frozenset[str]]


def _since(now: datetime) -> date:
    return now.date() - timedelta(days=SPEND_DAYS)


def _in_base(uow: UnitOfWork, records: list[SpendRecord], base: str, on: date) -> list[SpendRecord]:
    out = []
    for r in records:
        amount = fx.base_amount(uow, r.amount, r.currency, on, base=base)
        if amount is None:
            raise DomainError(
                f"no exchange rate of {r.currency} in {base} on or before {on} for the spend at "
                f"{r.supplier}: set one with flexchain fx set {r.currency} RATE"
            )
        out.append(SpendRecord(r.item, r.family, r.supplier, base, amount))
    return out


def _spend(uow: UnitOfWork, now: datetime, base: str) -> list[SpendRecord]:
    store = SqlKraljicStore(uow)
    return _in_base(uow, store.spend(_since(now), now.date()), base, now.date())


def _scores(uow: UnitOfWork, period: str) -> dict[str, Decimal | None]:
    """Each supplier's scorecard total for ``period`` (None: no scored figure)."""
    return {card.supplier: card.total for card in scorecards.scorecards(uow, period=period)}


def recommend_tiers(
    uow: UnitOfWork,
    *,
    period: str | None = None,
    now: datetime,
    base: str = "EUR",
    apply: bool = False,
    rules: tiers.TierRules | None = None,
) -> list[TierView]:
    """Every active supplier's recommended tier for ``period`` (default the last complete
    quarter), by supplier code; ``apply`` stores each changed tier (audited, the reasons as
    the reason)."""
    now = utc(now, "now")
    period = period or default_period(now)
    scores = _scores(uow, period)
    spend = _spend(uow, now, base)
    total = sum((r.amount for r in spend), Decimal(0))
    by_supplier: dict[str, Decimal] = {}
    for r in spend:
        by_supplier[r.supplier] = by_supplier.get(r.supplier, Decimal(0)) + r.amount
    index = _price_index(uow, now, base)
    views = []
    for cap in SqlKraljicStore(uow).capabilities():
        if not cap.active:
            continue
        share = by_supplier.get(cap.code, Decimal(0)) / total if total else Decimal(0)
        rec = tiers.recommend_tier(
            tiers.SupplierFacts(cap.code, cap.tier, scores.get(cap.code), share,
                                cap.sample_days, cap.moq, cap.processes, index.get(cap.code)),
            rules,
        )  # fmt: skip
        if apply and rec.changed:
            _store_tier(uow, cap.code, rec.stored_tier, rec.tier,
                        f"recommended for {period}: " + "; ".join(rec.reasons), now)  # fmt: skip
        views.append(
            TierView(rec.supplier, rec.tier, rec.stored_tier, rec.change, rec.reasons,
                     rec.profile.profile, scores.get(cap.code), share.quantize(SHARE), period,
                     apply and rec.changed)
        )  # fmt: skip
    return views


def _price_index(uow: UnitOfWork, now: datetime, base: str) -> dict[str, Decimal]:
    """Each supplier's list prices against the other suppliers' of the same items (brand
    currency; an item priced in a currency without a rate is left out)."""
    prices = {}
    for supplier, sku, currency, price in SqlKraljicStore(uow).list_prices(now.date()):
        try:  # unrounded: a trim's price of 0.126 must not become 0.13
            prices[supplier, sku] = fx.convert(uow, price, currency, base, now.date(),
                                               base=base).amount  # fmt: skip
        except NotFound:
            continue
    return tiers.price_index(prices)


def _store_tier(
    uow: UnitOfWork, supplier: str, before: str, after: str, reason: str, now: datetime
) -> None:
    SqlKraljicStore(uow).set_tier(supplier, after)
    audit.record_change(
        uow, "updated", "supplier", supplier,
        before={"tier": before}, after={"tier": after}, at=now, reason=reason,
    )  # fmt: skip


def set_tier(uow: UnitOfWork, supplier: str, tier: str, reason: str, now: datetime) -> TierView:
    """Store ``tier`` for ``supplier`` with the buyer's ``reason`` (audited)."""
    now = utc(now, "now")
    new = tiers.check_tier(tier)
    why = reason.strip()
    if not why:
        raise ValidationError("reason", "say why the tier changes (it is kept in the audit trail)")
    old = SqlKraljicStore(uow).tier(supplier)
    if old is None:
        raise NotFound(f"no supplier {supplier}")
    if old != new:
        _store_tier(uow, supplier, old, new, why, now)
    return TierView(supplier, new, new, f"{old} -> {new}" if old != new else "", (why,),
                    tiers.PROFILES[new].profile, None, Decimal(0), "", old != new)  # fmt: skip


def _adjustments(uow: UnitOfWork, now: datetime) -> supplier_rules.SourcingAdjustments:
    return supplier_rules.sourcing_adjustments(uow, at=now)


def _observed(uow: UnitOfWork, now: datetime) -> dict[tuple[str, str], list[int]]:
    """(supplier, item) -> days from PO sent to received in full, of the deliveries completed
    in the 12 months to ``now`` (the scorecards' deliveries)."""
    out: dict[tuple[str, str], list[int]] = {}
    found = scorecards.deliveries(uow, since=_since(now), until=now.date(), today=now.date())
    for d in found:
        if d.issued_on is not None and d.completed_on is not None:
            out.setdefault((d.supplier, d.item), []).append((d.completed_on - d.issued_on).days)
    return out


def _item_facts(
    terms: list[TermRecord],
    spend: list[SpendRecord],
    required: Mapping[str, frozenset[str]],
    observed: Mapping[tuple[str, str], list[int]],
) -> list[matrix.ItemFacts]:
    """Per item: spend per supplier, the qualified suppliers (current terms and the item's
    required certificates valid) and the lead time of its main supplier (the largest spend
    among the qualified, else the fastest of them): observed, or as declared."""
    families = {t.item: t.family for t in terms} | {s.item: s.family for s in spend}
    paid: dict[str, dict[str, Decimal]] = {}
    for s in spend:
        paid.setdefault(s.item, {})[s.supplier] = paid.get(s.item, {}).get(s.supplier, 0) + s.amount
    qualified: dict[str, list[TermRecord]] = {}
    for t in terms:
        if required.get(t.item, frozenset()) <= t.certificates:
            qualified.setdefault(t.item, []).append(t)
    facts = []
    for item in sorted(families):
        ok = qualified.get(item, [])
        spent = paid.get(item, {})
        main = min(ok, key=lambda t: (-spent.get(t.supplier, 0), t.lead_time_days, t.supplier),
                   default=None)  # fmt: skip
        mean, sd = (
            matrix.lead_time(observed.get((main.supplier, item), []), main.lead_time_days,
                             main.lead_sd_days)
            if main else (None, None)
        )  # fmt: skip
        facts.append(
            matrix.ItemFacts(item, families[item], spent, tuple(t.supplier for t in ok), mean, sd)
        )
    return facts


def kraljic(
    uow: UnitOfWork,
    *,
    now: datetime,
    base: str = "EUR",
    thresholds: matrix.KraljicThresholds | None = None,
) -> list[KraljicView]:
    """Every item with current terms or spend in the matrix, by spend (largest first)."""
    now = utc(now, "now")
    store = SqlKraljicStore(uow)
    facts = _item_facts(
        store.terms(now.date()), _spend(uow, now, base),
        _adjustments(uow, now).required_certificates, _observed(uow, now),
    )  # fmt: skip
    return [
        KraljicView(
            p.item, p.family, p.spend.quantize(CENT), p.cost_share.quantize(SHARE), p.qualified,
            _share(p.single_source_share),
            _days(p.lead_mean_days), _days(p.lead_sd_days), p.impact, p.risk, p.risk_points,
            p.quadrant, p.strategy, p.bands.shares, p.reasons,
        )
        for p in matrix.place_items(facts, thresholds)
    ]  # fmt: skip


def _days(value: Decimal | None) -> Decimal | None:
    """Days to two decimals (a mean of three lead times is not 2.666666666666666666...)."""
    return None if value is None else value.quantize(CENT)


def sourcing_policy(
    uow: UnitOfWork,
    *,
    now: datetime,
    base: str = "EUR",
    thresholds: matrix.KraljicThresholds | None = None,
) -> SourcingPolicy:
    """The share bands per family (the quadrant of its items, the most insurance winning),
    who may take urgent work, and the rules' weights and required certificates."""
    now = utc(now, "now")
    adjustments = _adjustments(uow, now)
    weights = dict(adjustments.weights)
    quadrants: dict[str, list[str]] = {}
    for view in kraljic(uow, now=now, base=base, thresholds=thresholds):
        quadrants.setdefault(view.family, []).append(view.quadrant)
    family_quadrant = {f: matrix.family_quadrant(q) for f, q in quadrants.items()}
    bands = {}
    for family, quadrant in family_quadrant.items():
        chosen = matrix.QUADRANTS[quadrant].bands
        bands[family] = ShareBands(chosen.shares, chosen.tolerance)
    urgent = {
        cap.code: tiers.takes_urgent_work(cap.tier) and weights.get(cap.code, Decimal(1)) >= 1
        for cap in SqlKraljicStore(uow).capabilities()
    }
    return SourcingPolicy(
        bands, family_quadrant, urgent,
        frozenset(f for f, q in family_quadrant.items() if matrix.QUADRANTS[q].backups_take_urgent),
        weights, dict(adjustments.required_certificates),
        {f: matrix.QUADRANTS[q].primary_tiers for f, q in family_quadrant.items()},
    )  # fmt: skip
