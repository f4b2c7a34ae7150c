"""Supplier tiers: the trade's reference profile of each tier and the recommendation of a
supplier's tier from its score, its capability and its share of the brand's spend.

The three tiers (docs/suppliers.md, "Tiers"):

* **S strategic**: a partner the brand shares sales data with and co-develops modules with; it
  holds the primary share of the families it makes and takes urgent work.
* **A agile**: samples within 48 h, MOQ around 10; takes urgent work and short runs.
* **B backup**: slower, about 30 % cheaper; non-urgent top-ups, never urgent work.

:func:`recommend_tier` decides in that order: S when the score and the spend share reach the S
thresholds (and the breadth of its processes, when the rules ask for it); else A when the score
reaches the A threshold and it samples and takes small orders like an agile workshop; else B.
A supplier without a score in the period keeps its stored tier (there is no evidence to move
it). Every reason is a sentence with its figure.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from flexchain.domain.errors import ValidationError

__all__ = [
    "PROFILES",
    "TIERS",
    "SupplierFacts",
    "TierProfile",
    "TierRecommendation",
    "TierRules",
    "check_tier",
    "price_index",
    "recommend_tier",
    "takes_urgent_work",
]

TIERS = ("S", "A", "B")


@dataclass(frozen=True)
class TierProfile:
    """The trade's reference profile of a tier."""

    tier: str
    name: str
    profile: str
    urgent_work: bool
    """Whether suppliers of the tier may take urgent work."""


PROFILES: dict[str, TierProfile] = {
    "S": TierProfile(
        "S",
        "strategic",
        "shares sales data and co-develops modules with the brand; primary share of its "
        "families; takes urgent work",
        urgent_work=True,
    ),
    "A": TierProfile(
        "A",
        "agile",
        "samples within 48 h, MOQ around 10; takes urgent work and short runs",
        urgent_work=True,
    ),
    "B": TierProfile(
        "B",
        "backup",
        "slower, about 30 % cheaper; non-urgent top-ups, never urgent work",
        urgent_work=False,
    ),
}


def check_tier(tier: str) -> str:
    """``tier`` upper-cased when it is S, A or B; else a :class:`ValidationError`."""
    value = tier.strip().upper()
    if value not in TIERS:
        raise ValidationError("tier", f"tier must be one of S, A, B, not {tier!r}")
    return value


def takes_urgent_work(tier: str) -> bool:
    """Whether a supplier of ``tier`` may take urgent work (its profile says)."""
    return PROFILES[check_tier(tier)].urgent_work


@dataclass(frozen=True)
class TierRules:
    """The thresholds of :func:`recommend_tier` (docs/suppliers.md justifies the defaults)."""

    strategic_score: Decimal = Decimal(80)
    strategic_spend_share: Decimal = Decimal("0.15")
    """Share of the brand's 12-month spend (0-1) a strategic partner carries at least."""
    strategic_processes: int = 1
    """Processes a strategic partner runs at least (2 or more asks for breadth: a partner that
    co-develops whole modules across steps; 1 leaves breadth out)."""
    agile_score: Decimal = Decimal(60)
    agile_sample_days: Decimal = Decimal(2)
    """48 h sampling."""
    agile_moq: Decimal = Decimal(20)
    """"MOQ around 10": up to twice that still counts as small-batch."""

    def __post_init__(self) -> None:
        for name in ("strategic_score", "agile_score"):
            if not Decimal(0) <= getattr(self, name) <= 100:
                raise ValidationError(name, "a score threshold must be within 0-100")
        if not Decimal(0) <= self.strategic_spend_share <= 1:
            raise ValidationError("strategic_spend_share", "a share must be within 0-1")
        if self.strategic_processes < 1 or self.agile_sample_days < 0 or self.agile_moq < 0:
            raise ValidationError("rules", "processes must be >= 1, days and MOQ >= 0")


@dataclass(frozen=True)
class SupplierFacts:
    """What the recommendation weighs for one supplier.

    ``score`` is the scorecard's weighted total (0-100, None without one in the period);
    ``spend_share`` its share (0-1) of the brand's purchase spend over the last 12 months;
    ``sample_days`` and ``moq`` its fastest sampling and smallest MOQ over its capabilities
    (None when unknown); ``processes`` the processes it runs.
    """

    supplier: str
    stored_tier: str
    score: Decimal | None
    spend_share: Decimal
    sample_days: Decimal | None
    moq: Decimal | None
    processes: frozenset[str] = frozenset()
    price_index: Decimal | None = None
    """Its prices over the other suppliers' of the same items (0.70: 30 % cheaper; None when
    no item of its has another supplier); shown, not decided on."""


@dataclass(frozen=True)
class TierRecommendation:
    """The recommended tier, why, and how it differs from the stored one."""

    supplier: str
    tier: str
    stored_tier: str
    reasons: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.tier != self.stored_tier

    @property
    def change(self) -> str:
        """``"A -> S"`` when it differs from the stored tier, else ``""``."""
        return f"{self.stored_tier} -> {self.tier}" if self.changed else ""

    @property
    def profile(self) -> TierProfile:
        return PROFILES[self.tier]


def price_index(prices: Mapping[tuple[str, str], Decimal]) -> dict[str, Decimal]:
    """Per supplier, the mean over its items of its price over the median price of the item's
    other suppliers (``prices``: (supplier, item) -> unit price, one currency); suppliers with
    no shared item are left out.

    >>> price_index({("A", "x"): Decimal(7), ("B", "x"): Decimal(10)})
    {'A': Decimal('0.7'), 'B': Decimal('1.428571428571428571428571429')}
    """
    by_item: dict[str, dict[str, Decimal]] = {}
    for (supplier, item), price in prices.items():
        by_item.setdefault(item, {})[supplier] = price
    ratios: dict[str, list[Decimal]] = {}
    for offers in by_item.values():
        for supplier, price in offers.items():
            others = [p for s, p in offers.items() if s != supplier]
            if others and statistics.median(others) > 0:
                ratios.setdefault(supplier, []).append(price / statistics.median(others))
    return {s: sum(r, Decimal(0)) / len(r) for s, r in sorted(ratios.items())}


def _price_reason(index: Decimal | None) -> tuple[str, ...]:
    if index is None:
        return ()
    gap = (1 - index) * 100
    if abs(gap) < Decimal("0.5"):
        where = "in line with"
    else:
        where = f"{abs(gap):.0f} % {'below' if gap > 0 else 'above'}"
    return (f"its list prices are {where} the other suppliers' of its items "
            "(a backup's profile: about 30 % cheaper)",)  # fmt: skip


def _pct(share: Decimal) -> str:
    return f"{share * 100:.1f} %"


def _strategic(f: SupplierFacts, score: Decimal, r: TierRules) -> list[tuple[bool, str]]:
    """(met, reason) per strategic criterion."""
    share, least = _pct(f.spend_share), _pct(r.strategic_spend_share)
    count, needed = len(f.processes), r.strategic_processes
    checks = [
        (
            score >= r.strategic_score,
            f"score {score:.1f} reaches the strategic {r.strategic_score}"
            if score >= r.strategic_score
            else f"score {score:.1f} is below the strategic {r.strategic_score}",
        ),
        (
            f.spend_share >= r.strategic_spend_share,
            f"it carries {share} of the brand's spend (strategic from {least})"
            if f.spend_share >= r.strategic_spend_share
            else f"it carries {share} of the brand's spend, below the strategic {least}",
        ),
    ]
    if needed > 1:
        checks.append(
            (
                count >= needed,
                f"it runs {count} processes (a co-developing partner runs {needed} or more)"
                if count >= needed
                else f"it runs {count} process(es), fewer than the {needed} a co-developing "
                "partner runs",
            )
        )
    return checks


def _agile(f: SupplierFacts, score: Decimal, r: TierRules) -> list[tuple[bool, str]]:
    """(met, reason) per agile criterion."""
    hours = f"{r.agile_sample_days * 24:.0f} h"
    checks = [
        (
            score >= r.agile_score,
            f"score {score:.1f} reaches the agile {r.agile_score}"
            if score >= r.agile_score
            else f"score {score:.1f} is below the agile {r.agile_score}",
        )
    ]
    if f.sample_days is None:
        checks.append((False, f"its sample lead time is not recorded (agile: within {hours})"))
    else:
        fast = f.sample_days <= r.agile_sample_days
        took = f"{f.sample_days * 24:.0f} h"
        checks.append(
            (fast, f"it samples in {took} (agile: within {hours})" if fast
             else f"it samples in {took}, slower than the agile {hours}")
        )  # fmt: skip
    if f.moq is None:
        checks.append((True, "it has no MOQ recorded"))
    else:
        small = f.moq <= r.agile_moq
        moq = f"{f.moq.normalize():f}"
        checks.append(
            (small, f"its MOQ is {moq} (agile: up to {r.agile_moq})" if small
             else f"its MOQ is {moq}, above the agile {r.agile_moq}")
        )  # fmt: skip
    return checks


def recommend_tier(facts: SupplierFacts, rules: TierRules | None = None) -> TierRecommendation:
    """The tier ``facts`` earn under ``rules`` with its reasons (module docstring).

    >>> f = SupplierFacts("SUP1", "A", Decimal(85), Decimal("0.3"), Decimal(3), Decimal(50),
    ...                   frozenset({"cut", "sew"}))
    >>> recommend_tier(f).tier, recommend_tier(f).change
    ('S', 'A -> S')
    """
    r = rules or TierRules()
    stored = check_tier(facts.stored_tier)
    if facts.score is None:
        return TierRecommendation(
            facts.supplier, stored, stored,
            ("no scorecard in the period: it keeps its tier until events give it a score",),
        )  # fmt: skip
    strategic = _strategic(facts, facts.score, r)
    priced = _price_reason(facts.price_index)
    if all(ok for ok, _ in strategic):
        return TierRecommendation(
            facts.supplier, "S", stored, (*(why for _, why in strategic), *priced)
        )
    not_s = "not strategic: " + "; ".join(why for ok, why in strategic if not ok)
    agile = _agile(facts, facts.score, r)
    if all(ok for ok, _ in agile):
        return TierRecommendation(
            facts.supplier, "A", stored, (not_s, *(why for _, why in agile), *priced)
        )
    not_a = "not agile: " + "; ".join(why for ok, why in agile if not ok)
    return TierRecommendation(
        facts.supplier, "B", stored, (not_s, not_a, "a backup for non-urgent top-ups", *priced)
    )
