"""The evaluation's tables, as aligned text or as markdown (for docs/policy.md)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from policy_eval_sim import Calibration

TOLD = (0.95, 0.98)
CLASSES = ("smooth", "erratic", "intermittent", "lumpy", "no_demand")
OUT_OF_BOX_HEADER = (
    "data", "L", "unmet demand", "policy",
    *(f"{label} {told:.0%}" for told in TOLD for label in ("fill told", "stock told")),
)  # fmt: skip
EQUAL_FILL_HEADER = (
    "data", "L", "unmet demand", "class", "series", "static never updated (stock)",
    "static refreshed", "reference", "flexchain", "flexchain vs reference",
    "flexchain's service level",
)  # fmt: skip


def amount(value: float) -> str:
    """A stock figure, short: 15.2 M, 431.6 k, 87.3."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f} M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.1f} k"
    return f"{value:.1f}"


def relative(policy: Calibration, static: Calibration, group: int, mask: np.ndarray) -> str:
    """``policy``'s stock at equal fill against the never-updated static one, or why not."""
    if not static.outcome.demand[mask].any():
        return "no demand"
    if policy.status[group] == -1:
        return f"n/r (max {policy.outcome.fill(mask):.1%})"
    if static.status[group] == -1:
        return f"{amount(policy.outcome.stock[mask].sum())} (static n/r)"
    ratio = policy.outcome.stock[mask].sum() / static.outcome.stock[mask].sum() - 1
    text = f"{ratio:+.1%}"
    if policy.status[group] == 1:
        text += f" (fill {policy.outcome.fill(mask):.1%} at its lowest)"
    return text


def versus(policy: Calibration, other: Calibration, group: int, mask: np.ndarray) -> str:
    """``policy``'s stock against ``other``'s, both at the target fill (blank if either is not)."""
    if policy.status[group] != 0 or other.status[group] != 0:
        return ""
    return f"{policy.outcome.stock[mask].sum() / other.outcome.stock[mask].sum() - 1:+.1%}"


def static_cell(static: Calibration, group: int, mask: np.ndarray) -> str:
    if not static.outcome.demand[mask].any():
        return "no demand in the evaluation"
    stock = amount(static.outcome.stock[mask].sum())
    if static.status[group] == -1:
        return f"n/r (max {static.outcome.fill(mask):.1%})"
    if static.status[group] == 1:
        return f"{stock} (fill {static.outcome.fill(mask):.1%} at its lowest)"
    return stock


def render(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> str:
    """A table: markdown pipes, or columns aligned for a terminal (text left, figures right)."""
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    numeric = [all(_figure(row[i]) for row in rows) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(header), line(["-" * width for width in widths]), *map(line, rows)])


def _figure(cell: str) -> bool:
    return bool(cell) and (cell[0].isdigit() or cell[0] in "+-")
