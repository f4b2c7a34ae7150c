"""Seeded sourcing instances for the bench and the tests (same arguments, same problem).

The shape (defaults: 1,000 requirements, 30 suppliers, 3 all-units price breaks, 12 weeks):

- suppliers in three regions (EU, AS, AM), tiers 20 % S / 60 % A / 20 % B, weekly capacity 2-3
  times their expected share of demand; S-tier suppliers have 15 % of capacity reserved under
  contract and are otherwise full in one week in four; one supplier in five holds 300 units until
  week 3; yield 0.92-1.00, carbon 0.5-3 kg/unit, quality 0.80-1.00 (minimum 0.85), certificates CE
  and FCC 85 %, OEKO 60 %, fixed order cost 40-250, in EUR (rate 1), USD (0.92) or CNY (0.13);
- items in families of 1-4 items (one family per 25 requirements), each family offered by 6-9
  suppliers of quality >= 0.85 (holding OEKO where the family needs it); an item's list price 2-40
  EUR times a supplier factor 0.85-1.20, breaks at the MOQ, at 150-400 units (3-6 % off) and at
  600-1,200 units (7-12 % off); MOQ 0-100, multiple 1, 5, 10 or 25, lead time 1-4 weeks;
- requirements of 20-400 units (log-normal), need weeks 2-11, 15 % urgent, sold in EU (needs CE),
  US (needs FCC) or unspecified; every fifth family's items need OEKO; a requirement that no
  supplier may serve loses its market and urgency (so every requirement has a supplier);
- costs: late 1.00 and early 0.10 per unit-week, carbon 0.08 per kg, share bands 70/20/10 +- 5 %,
  up to 4 weeks early or late.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

from flexchain.planning.sourcing.problem import (
    CapacityHold,
    Costs,
    Offer,
    Peg,
    PriceBreak,
    Requirement,
    SourcingProblem,
    Supplier,
    sourcing_problem,
)

__all__ = ["generate"]

REGIONS = ("EU", "AS", "AM")
CURRENCIES = (("EUR", Decimal(1)), ("USD", Decimal("0.92")), ("CNY", Decimal("0.13")))
MARKETS = (("EU", "CE"), ("US", "FCC"))
CENT = Decimal("0.01")


def generate(
    requirements: int = 1000,
    suppliers: int = 30,
    breaks: int = 3,
    *,
    seed: int = 0,
    weeks: int = 12,
) -> SourcingProblem:
    """A seeded instance of the documented shape (checked by :func:`sourcing_problem`)."""
    rng = random.Random(seed)
    families = max(1, requirements // 25)
    sups = [_supplier(rng, k, requirements, suppliers, weeks) for k in range(suppliers)]
    items: dict[str, list[str]] = {}
    offers: list[Offer] = []
    oeko: set[str] = set()
    for f in range(families):
        fam = f"F{f:03d}"
        items[fam] = [f"{fam}-I{i}" for i in range(rng.randint(1, 4))]
        needs = {"OEKO"} if f % 5 == 4 else set()
        fit = [s for s in sups if s.quality >= Decimal("0.85") and needs <= s.certifications]
        chosen = rng.sample(fit, min(len(fit), rng.randint(6, 9)))
        oeko.update(items[fam] if needs else ())
        for item in items[fam]:
            price = Decimal(str(round(rng.uniform(2, 40), 2)))
            offers += [_offer(rng, s, item, price, breaks) for s in chosen]
    reqs = []
    for k in range(requirements):
        fam = f"F{rng.randrange(families):03d}"
        market = rng.choice(("EU", "US", ""))
        quantity = max(20, min(400, round(rng.lognormvariate(4.6, 0.6))))
        reqs.append(
            Requirement(
                key=f"R{k:04d}",
                item=rng.choice(items[fam]),
                quantity=quantity,
                need_week=rng.randint(2, weeks - 1),
                family=fam,
                urgent=rng.random() < 0.15,
                market=market,
                pegs=(Peg(f"SO{k:04d}", quantity),),
            )
        )
    costs = Costs(
        late_per_unit_week=Decimal("1.00"),
        early_per_unit_week=Decimal("0.10"),
        carbon_price=Decimal("0.08"),
        min_quality=Decimal("0.85"),
        item_certifications=tuple((i, frozenset({"OEKO"})) for i in sorted(oeko)),
        market_certifications=tuple((m, frozenset({c})) for m, c in MARKETS),
    )
    draft = SourcingProblem(tuple(reqs), tuple(sups), tuple(offers), costs)
    # a requirement no supplier may serve is sold anywhere and not urgent (keeps it feasible)
    reqs = [r if draft.windows[r.key] else replace(r, market="", urgent=False) for r in reqs]
    return sourcing_problem(reqs, sups, offers, costs)


def _supplier(
    rng: random.Random, k: int, requirements: int, suppliers: int, weeks: int
) -> Supplier:
    weekly = requirements * 130 // max(weeks - 2, 1) // suppliers
    capacity = round(weekly * rng.uniform(2.0, 3.0))
    tier = rng.choices(("S", "A", "B"), (2, 6, 2))[0]
    currency, rate = rng.choice(CURRENCIES)
    certs = {c for c, odds in (("CE", 0.85), ("FCC", 0.85), ("OEKO", 0.6)) if rng.random() < odds}
    full = tuple((w, 0) for w in range(weeks + 5) if tier == "S" and rng.random() < 0.25)
    return Supplier(
        key=f"S{k:02d}",
        capacity=capacity,
        region=REGIONS[k % 3],
        tier=tier,
        reserved=capacity * 15 // 100 if tier == "S" else 0,
        holds=(CapacityHold(300, 3),) if rng.random() < 0.2 else (),
        week_capacity=full,
        yield_rate=Decimal(str(round(rng.uniform(0.92, 1.0), 2))),
        carbon_per_unit=Decimal(str(round(rng.uniform(0.5, 3.0), 1))),
        certifications=frozenset(certs),
        quality=Decimal(str(round(rng.uniform(0.8, 1.0), 2))),
        fixed_order_cost=(Decimal(rng.randint(40, 250)) / rate).quantize(CENT),
        currency=currency,
        rate=rate,
    )


def _offer(rng: random.Random, s: Supplier, item: str, price: Decimal, breaks: int) -> Offer:
    local = price * Decimal(str(round(rng.uniform(0.85, 1.2), 3))) / s.rate
    moq = rng.choice((0, 0, 25, 50, 100))
    steps = [(max(moq, 1), Decimal(0))]
    if breaks >= 2:
        steps.append((rng.randint(150, 400), Decimal(rng.randint(3, 6)) / 100))
    if breaks >= 3:
        steps.append((rng.randint(600, 1200), Decimal(rng.randint(7, 12)) / 100))
    for extra in range(3, breaks):
        steps.append((1200 * extra, Decimal(10 + 2 * extra) / 100))
    return Offer(
        supplier=s.key,
        item=item,
        lead_weeks=rng.randint(1, 4),
        moq=moq,
        multiple=rng.choice((1, 5, 10, 25)),
        breaks=tuple(PriceBreak(q, (local * (1 - off)).quantize(CENT)) for q, off in steps),
    )
