"""Nearest qualified alternatives to a supplier for an item: suppliers with terms for the item
or its process capability, holding every certificate the item requires (valid on the day),
nearest first (great-circle distance between the suppliers' sites), then shortest lead time."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flexchain.domain.errors import format_decimal

__all__ = ["Alternative", "CandidateSupplier", "distance_km", "qualified_alternatives"]


@dataclass(frozen=True)
class CandidateSupplier:
    """A supplier that might take an item: ``via`` terms for it or its process capability."""

    code: str
    latitude: Decimal | None
    longitude: Decimal | None
    lead_time_days: Decimal | None
    via: str
    certificates: Mapping[str, date] = field(default_factory=dict)


@dataclass(frozen=True)
class Alternative:
    supplier: str
    distance_km: Decimal | None
    lead_time_days: Decimal | None
    via: str

    def describe(self) -> str:
        where = f"{format_decimal(self.distance_km)} km" if self.distance_km is not None else (
            "distance unknown")  # fmt: skip
        lead = (f"{format_decimal(self.lead_time_days)} days lead time"
                if self.lead_time_days is not None else "lead time unknown")  # fmt: skip
        return f"{self.supplier} ({where}, {lead}, by {self.via})"

    def as_json(self) -> dict[str, Any]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else format_decimal(value)

        return {"supplier": self.supplier, "distance_km": text(self.distance_km),
                "lead_time_days": text(self.lead_time_days), "via": self.via}  # fmt: skip


def distance_km(
    a: tuple[Decimal | None, Decimal | None], b: tuple[Decimal | None, Decimal | None]
) -> Decimal | None:
    """Great-circle distance (haversine, Earth radius 6371 km) to 0.1 km; None without both."""
    if None in (*a, *b):
        return None
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (*a, *b))  # type: ignore[arg-type]
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)  # fmt: skip
    return Decimal(str(round(2 * 6371 * math.asin(math.sqrt(h)), 1)))


def qualified_alternatives(
    current: tuple[Decimal | None, Decimal | None],
    candidates: Iterable[CandidateSupplier],
    required: frozenset[str],
    *,
    today: date,
    limit: int = 3,
) -> list[Alternative]:
    """Candidates holding every ``required`` certificate valid ``today``, nearest to
    ``current`` (latitude, longitude) first (unknown distance last), then shortest lead time."""
    found = [
        Alternative(c.code, distance_km(current, (c.latitude, c.longitude)), c.lead_time_days,
                    c.via)
        for c in candidates
        if all(c.certificates.get(name, date.min) >= today for name in required)
    ]  # fmt: skip
    big = Decimal("Infinity")
    found.sort(key=lambda a: (a.distance_km is None, a.distance_km or big,
                              a.lead_time_days is None, a.lead_time_days or big,
                              a.supplier))  # fmt: skip
    return found[:limit]
