"""What :func:`flexchain.demo.generate` returns: import rows per kind, demand kept as a matrix.

Demand history is the one large kind (items x weeks rows), so it stays a NumPy matrix until someone
asks for rows or a frame; everything else is a list of dicts keyed by the import column names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

Row = dict[str, Any]

LOAD_ORDER = (
    "suppliers",
    "locations",
    "items",
    "options",
    "bom",
    "option-materials",
    "item-suppliers",
    "contracts",
    "contract-prices",
    "stock",
    "demand",
)
"""Import kinds in dependency order: each kind refers only to kinds before it."""


@dataclass(frozen=True)
class DemandHistory:
    """Weekly demand of finished items at one location: ``quantities[i, w]`` units of ``skus[i]``
    in the week starting ``start + 7 * w`` days."""

    skus: list[str]
    location: str
    start: date
    quantities: NDArray[np.int64]
    patterns: NDArray[np.str_]
    """The Syntetos-Boylan class each series was generated to have (and has)."""

    @property
    def weeks(self) -> list[date]:
        return [self.start + timedelta(weeks=w) for w in range(self.quantities.shape[1])]

    def __len__(self) -> int:
        return int(self.quantities.size)

    def rows(self) -> Iterator[Row]:
        """One row per item and week, zero weeks included (an explicit zero is known demand)."""
        weeks = self.weeks
        for sku, series in zip(self.skus, self.quantities.tolist(), strict=True):
            for period, units in zip(weeks, series, strict=True):
                yield {
                    "sku": sku,
                    "location": self.location,
                    "period_start": period,
                    "quantity": units,
                }


@dataclass(frozen=True)
class DemoData:
    """A whole demo company, deterministic for its ``seed``."""

    seed: int
    start: date
    """First day of the demand history (a Monday)."""
    today: date
    """The day after the history ends: contracts, certificates and opening stock are dated here."""
    tables: Mapping[str, list[Row]]
    demand: DemandHistory

    def rows(self, kind: str) -> list[Row] | Iterator[Row]:
        if kind == "demand":
            return self.demand.rows()
        return self.tables[kind]

    def counts(self) -> dict[str, int]:
        """Rows per import kind, in :data:`LOAD_ORDER`."""
        return {
            kind: len(self.demand) if kind == "demand" else len(self.tables[kind])
            for kind in LOAD_ORDER
        }
