"""Golden-file plans: small scenarios whose whole plan is checked as sorted text.

On a mismatch the actual plan is written beside the golden file as ``NAME.actual`` (ignored by
git) for ``diff``; to accept a deliberate change, copy it over the golden file.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flexchain.domain.bom import BomLine
from flexchain.planning.mrp import Demand, MrpItem, MrpResult, Receipt, mrp

GOLDEN = Path(__file__).resolve().parents[2] / "golden"


def render(result: MrpResult) -> str:
    lines = [
        f"order {o.item:<10} {o.kind:<10} release {o.release_period:>3} due {o.due_period:>3} "
        f"qty {o.quantity:>9}  pegs " + ", ".join(f"{s}={q}" for s, q in o.pegs)
        for o in result.planned
    ]
    lines += [
        f"exception {e.item:<10} {e.kind:<9} period {e.period:>3}  {e.message}"
        for e in result.exceptions
    ]
    return "\n".join(sorted(lines)) + "\n"


def jacket_week() -> MrpResult:
    """A made-to-order jacket: forecast plus two firm orders, standard hood and shell stocked,
    a custom dye job per order, fabric with scrap, MOQ and a multiple, one late order."""
    bom = [
        BomLine("JKT", "SHELL", Decimal(1)),
        BomLine("JKT", "HOOD", Decimal(1)),
        BomLine("JKT", "DYE", Decimal(1)),
        BomLine("SHELL", "FAB", Decimal("1.85"), scrap_pct=Decimal(3)),
        BomLine("HOOD", "FAB", Decimal("0.4"), scrap_pct=Decimal(3)),
        BomLine("DYE", "ALUM", Decimal("0.02")),
    ]
    items = [
        MrpItem("JKT", lead_time=1, make=True, on_hand=4),
        MrpItem("SHELL", lead_time=2, make=True, moq=50, on_hand=30, safety_stock=10),
        MrpItem("HOOD", lead_time=1, make=True, moq=20, multiple=10, on_hand=12),
        MrpItem("DYE", lead_time=2, make=True, custom=True),
        MrpItem("FAB", lead_time=3, moq=250, multiple=50, on_hand=100),
        MrpItem("ALUM", lead_time=1, multiple="0.5"),
    ]
    demand = [Demand("JKT", week, 8) for week in range(6)]
    demand += [Demand("JKT", 1, 3, "order:#1001"), Demand("JKT", 4, 5, "order:#1002")]
    receipts = [Receipt("FAB", 2, 250, "po:PO-31"), Receipt("HOOD", 0, 10, "job:J-7")]
    return mrp(items, bom, demand, receipts, horizon=6)


def overstocked_trims() -> MrpResult:
    return mrp(
        [MrpItem("ZIP", on_hand=900, safety_stock=50), MrpItem("SNAP", moq=100, lead_time=2)],
        [],
        [Demand("ZIP", 1, 20), Demand("SNAP", 0, 7, "order:#9")],
        horizon=4,
    )


@pytest.mark.parametrize("scenario", [jacket_week, overstocked_trims], ids=lambda f: f.__name__)
def test_plan_matches_its_golden_file(scenario) -> None:  # type: ignore[no-untyped-def]
    actual = render(scenario())
    golden = GOLDEN / f"mrp_{scenario.__name__}.txt"
    beside = golden.with_suffix(".txt.actual")
    if not golden.exists() or golden.read_text() != actual:
        beside.write_text(actual)
        pytest.fail(f"plan differs from {golden.name}; actual written to {beside}; diff them")
    beside.unlink(missing_ok=True)
