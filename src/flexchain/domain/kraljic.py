"""The Kraljic matrix: each bought item placed by its profit impact and its supply risk, with the
buying strategy of its quadrant and the default multi-sourcing share bands that follow from it.

Profit impact is high when the item's share of the brand's purchase spend over the last 12
months reaches ``cost_share`` (or, when set, its spend reaches ``spend``). Supply risk adds up
points, one per risk factor (two for a single qualified supplier), and is high from
``risk_points`` on:

* qualified suppliers: none or one is 2 points, fewer than ``min_qualified`` 1 point;
* single-source share (the largest supplier's share of the item's spend) at or above
  ``single_source_share``: 1 point;
* mean lead time at or above ``long_lead_days``: 1 point;
* lead-time variability (standard deviation over mean) at or above ``variable_lead_cv``: 1 point.

Quadrants: strategic (high impact, high risk), leverage (high impact, low risk), bottleneck
(low impact, high risk), non-critical (low impact, low risk). docs/suppliers.md ("Kraljic")
justifies the thresholds and the bands.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flexchain.domain.errors import ValidationError

__all__ = [
    "FAMILY_ORDER",
    "QUADRANTS",
    "Bands",
    "ItemFacts",
    "KraljicThresholds",
    "Placement",
    "Quadrant",
    "family_quadrant",
    "lead_time",
    "place_item",
    "place_items",
]


@dataclass(frozen=True)
class Bands:
    """Default share of a family's units per role (primary, backup, second backup) +-
    ``tolerance``; one share of 1 is single sourcing."""

    shares: tuple[Decimal, ...]
    tolerance: Decimal = Decimal("0.05")


@dataclass(frozen=True)
class Quadrant:
    name: str
    strategy: str
    bands: Bands
    why_bands: str
    backups_take_urgent: bool
    """Whether B-tier backups may take this quadrant's urgent work (availability first)."""
    primary_tiers: frozenset[str] = frozenset({"S", "A"})
    """The tiers a family's primary comes from where such a candidate exists (B-tier backups
    take top-ups, not the volume)."""


def _d(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


QUADRANTS: dict[str, Quadrant] = {
    "strategic": Quadrant(
        "strategic",
        "partner: a long-term contract with an S-tier primary, forecasts shared, modules "
        "co-developed; two backups kept warm with regular orders",
        Bands(_d("0.70", "0.20", "0.10")),
        "70/20/10: the partner carries the volume, both backups get regular orders and stay warm",
        backups_take_urgent=False,
        primary_tiers=frozenset({"S"}),
    ),
    "bottleneck": Quadrant(
        "bottleneck",
        "secure supply: qualify more suppliers, hold buffer stock or capacity holds, accept a "
        "price premium for availability",
        Bands(_d("0.60", "0.25", "0.15")),
        "60/25/15: more insurance; the backups carry enough to take over when the primary fails",
        backups_take_urgent=True,
    ),
    "leverage": Quadrant(
        "leverage",
        "use buying power: pool volume, tender regularly (RFQs), switch suppliers for price",
        Bands(_d("0.80", "0.20")),
        "80/20: pool for the best price break, one challenger kept in play",
        backups_take_urgent=False,
    ),
    "non-critical": Quadrant(
        "non-critical",
        "simplify: one supplier, catalogue or call-off buying, as little effort as possible",
        Bands(_d("1"), Decimal(0)),
        "100: single source; the item is cheap and easy to buy elsewhere when needed",
        backups_take_urgent=False,
    ),
}


@dataclass(frozen=True)
class KraljicThresholds:
    """Where impact and risk turn high (module docstring); configurable per run."""

    cost_share: Decimal = Decimal("0.05")
    spend: Decimal | None = None
    min_qualified: int = 3
    single_source_share: Decimal = Decimal("0.80")
    long_lead_days: Decimal = Decimal(28)
    variable_lead_cv: Decimal = Decimal("0.30")
    risk_points: int = 2

    def __post_init__(self) -> None:
        for name in ("cost_share", "single_source_share"):
            if not Decimal(0) <= getattr(self, name) <= 1:
                raise ValidationError(name, "a share must be within 0-1")
        if self.spend is not None and self.spend < 0:
            raise ValidationError("spend", "the spend threshold must be >= 0")
        if self.min_qualified < 1 or self.risk_points < 1:
            raise ValidationError("thresholds", "min_qualified and risk_points must be >= 1")
        if self.long_lead_days < 0 or self.variable_lead_cv < 0:
            raise ValidationError("thresholds", "lead-time thresholds must be >= 0")


@dataclass(frozen=True)
class ItemFacts:
    """What the matrix weighs for one item: its 12-month spend per supplier (brand currency),
    its qualified suppliers and its lead time (mean and standard deviation, days; None when
    unknown)."""

    item: str
    family: str
    spend_by_supplier: Mapping[str, Decimal] = field(default_factory=dict)
    qualified: tuple[str, ...] = ()
    lead_mean_days: Decimal | None = None
    lead_sd_days: Decimal | None = None

    @property
    def spend(self) -> Decimal:
        return sum(self.spend_by_supplier.values(), Decimal(0))

    @property
    def single_source_share(self) -> Decimal | None:
        """The largest supplier's share of the item's spend (None without spend)."""
        if not self.spend:
            return None
        return max(self.spend_by_supplier.values()) / self.spend


@dataclass(frozen=True)
class Placement:
    """An item's place in the matrix, with the figures and sentences that put it there."""

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
    reasons: tuple[str, ...]

    @property
    def strategy(self) -> str:
        return QUADRANTS[self.quadrant].strategy

    @property
    def bands(self) -> Bands:
        return QUADRANTS[self.quadrant].bands


def _pct(value: Decimal) -> str:
    return f"{value * 100:.1f} %"


def _impact(facts: ItemFacts, share: Decimal, t: KraljicThresholds) -> tuple[bool, str]:
    by_share = share >= t.cost_share
    by_spend = t.spend is not None and facts.spend >= t.spend
    spend = f"{facts.spend:.2f}"
    if by_share:
        return True, f"impact high: {_pct(share)} of spend (high from {_pct(t.cost_share)})"
    if by_spend:
        return True, f"impact high: spend {spend} reaches {t.spend}"
    return False, f"impact low: {_pct(share)} of spend (high from {_pct(t.cost_share)})"


def _risk(facts: ItemFacts, t: KraljicThresholds) -> tuple[int, list[str]]:
    points, reasons = 0, []
    count = len(facts.qualified)
    if count <= 1:
        points += 2
        reasons.append(f"{count} qualified supplier(s): a single source (2 points)")
    elif count < t.min_qualified:
        points += 1
        reasons.append(f"only {count} qualified suppliers (fewer than {t.min_qualified})")
    single = facts.single_source_share
    if single is not None and single >= t.single_source_share:
        points += 1
        reasons.append(
            f"the largest supplier has {_pct(single)} of its spend "
            f"(from {_pct(t.single_source_share)})"
        )
    mean, sd = facts.lead_mean_days, facts.lead_sd_days
    if mean is not None and mean >= t.long_lead_days:
        points += 1
        reasons.append(f"lead time {mean:.1f} days (long from {t.long_lead_days})")
    if mean and sd is not None and sd / mean >= t.variable_lead_cv:
        points += 1
        reasons.append(
            f"lead time varies by {sd:.1f} days on {mean:.1f} (CV {sd / mean:.2f}, "
            f"variable from {t.variable_lead_cv})"
        )
    return points, reasons


def place_item(
    facts: ItemFacts, total_spend: Decimal, thresholds: KraljicThresholds | None = None
) -> Placement:
    """``facts`` placed in the matrix; ``total_spend`` is the brand's spend on all items.

    >>> f = ItemFacts("ZIP", "zips", {"S1": Decimal(900)}, ("S1",), Decimal(10), Decimal(1))
    >>> place_item(f, Decimal(10000)).quadrant
    'strategic'
    """
    t = thresholds or KraljicThresholds()
    if total_spend < 0:
        raise ValidationError("total_spend", "the total spend must be >= 0")
    share = facts.spend / total_spend if total_spend else Decimal(0)
    high_impact, why_impact = _impact(facts, share, t)
    points, why_risk = _risk(facts, t)
    high_risk = points >= t.risk_points
    quadrant = {
        (True, True): "strategic",
        (True, False): "leverage",
        (False, True): "bottleneck",
        (False, False): "non-critical",
    }[high_impact, high_risk]
    risk_line = (
        f"risk {'high' if high_risk else 'low'}: {points} point(s) "
        f"(high from {t.risk_points})" + (f": {'; '.join(why_risk)}" if why_risk else "")
    )
    return Placement(
        facts.item, facts.family, facts.spend, share, len(facts.qualified),
        facts.single_source_share, facts.lead_mean_days, facts.lead_sd_days,
        "high" if high_impact else "low", "high" if high_risk else "low", points, quadrant,
        (why_impact, risk_line),
    )  # fmt: skip


def place_items(
    items: list[ItemFacts], thresholds: KraljicThresholds | None = None
) -> list[Placement]:
    """Every item placed against the spend of all of them, by spend (largest first)."""
    total = sum((f.spend for f in items), Decimal(0))
    placed = [place_item(f, total, thresholds) for f in items]
    return sorted(placed, key=lambda p: (-p.spend, p.item))


MIN_OBSERVED = 2
"""Observed deliveries needed before they replace the declared lead time."""


def lead_time(
    observed_days: Sequence[int], declared_mean: Decimal | None, declared_sd: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """(mean, standard deviation) of a lead time in days: of the observed deliveries (PO sent
    to received in full) when there are at least ``MIN_OBSERVED``, else the declared figures.

    >>> lead_time([10, 14, 12], Decimal(7), Decimal(1))
    (Decimal('12'), Decimal('2'))
    >>> lead_time([10], Decimal(7), Decimal(1))
    (Decimal('7'), Decimal('1'))
    """
    if len(observed_days) < MIN_OBSERVED:
        return declared_mean, declared_sd
    days = [Decimal(d) for d in observed_days]
    return statistics.mean(days), statistics.stdev(days)


FAMILY_ORDER = ("bottleneck", "strategic", "leverage", "non-critical")
"""A family with items in several quadrants takes the first of them in this order: the bands with
the most insurance win (a bottleneck item's backups must stay warm whatever its siblings are)."""


def family_quadrant(quadrants: list[str]) -> str:
    """The quadrant whose bands a family of items in ``quadrants`` sources under."""
    if not quadrants:
        raise ValidationError("quadrants", "a family needs at least one placed item")
    return min(quadrants, key=FAMILY_ORDER.index)
