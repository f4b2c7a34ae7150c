"""Speed tiers and their terms: what each tier costs and how fast it goes.

One ladder prices a quote and dates both the quote and the order it becomes
(:mod:`flexchain.domain.allocation`). The default ladder is :data:`DEFAULT_LADDER`; an
installation sets its own through ``FLEXCHAIN_SPEED_LADDER`` (see :meth:`SpeedLadder.parse` and
docs/quotes.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from flexchain.domain.checks import choice
from flexchain.domain.errors import ValidationError
from flexchain.domain.values import number

__all__ = ["DEFAULT_LADDER", "SpeedLadder", "SpeedTerms", "SpeedTier", "speed_tier_of"]


class SpeedTier(StrEnum):
    """How fast the customer asked for the order, which sets price and promise date."""

    BASIC = "basic"
    CUSTOM = "custom"
    FAST = "fast"
    PREMIUM = "premium"


def speed_tier_of(value: object) -> SpeedTier:
    """A speed tier from its name, or :class:`ValidationError` listing the tiers."""
    return choice(SpeedTier, value, "speed_tier")


@dataclass(frozen=True)
class SpeedTerms:
    """What one speed tier costs and how fast it goes.

    ``premium_pct`` is added on top of the rest of the price; ``lead_time_factor`` multiplies the
    production lead times and the product's assembly (0.5 halves them); a ``rush`` tier takes
    the fastest capable supplier.
    """

    premium_pct: Decimal
    lead_time_factor: Decimal
    rush: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "premium_pct", number(self.premium_pct, "premium_pct", places=4))
        factor = number(self.lead_time_factor, "lead_time_factor", places=4, allow_zero=False)
        object.__setattr__(self, "lead_time_factor", factor)
        if not isinstance(self.rush, bool):
            raise ValidationError("rush", f"expected true or false, got {self.rush!r}")


_TERMS_FIELDS: Final = ("premium_pct", "lead_time_factor", "rush")
_ALIASES: Final = {"premium_percent": "premium_pct"}
"""Names accepted in a configured ladder besides the field names."""


@dataclass(frozen=True)
class SpeedLadder:
    """The terms of each speed tier: basic, custom, fast, premium."""

    basic: SpeedTerms
    custom: SpeedTerms
    fast: SpeedTerms
    premium: SpeedTerms

    def terms(self, tier: SpeedTier | str) -> SpeedTerms:
        """The terms of ``tier`` (a :class:`SpeedTier` or its name).

        >>> DEFAULT_LADDER.terms("fast")
        SpeedTerms(premium_pct=Decimal('15'), lead_time_factor=Decimal('0.7'), rush=True)
        """
        chosen: SpeedTerms = getattr(self, speed_tier_of(tier).value)
        return chosen

    @classmethod
    def parse(cls, value: Mapping[str, Any], *, base: SpeedLadder | None = None) -> SpeedLadder:
        """A ladder from ``{tier: {field: value}}`` (the JSON of ``FLEXCHAIN_SPEED_LADDER``).

        Fields are ``premium_pct`` (or ``premium_percent``), ``lead_time_factor`` and ``rush``;
        numbers may be strings (``"0.7"``). A tier or field left out keeps its value in ``base``
        (default :data:`DEFAULT_LADDER`). Errors name the tier and the field:

        >>> SpeedLadder.parse({"fast": {"lead_time_factor": "0.6"}}).fast.lead_time_factor
        Decimal('0.6')
        >>> try:
        ...     SpeedLadder.parse({"fast": {"lead_time_factor": "0"}})
        ... except ValidationError as error:
        ...     print(error.field, "-", error.message)
        speed_ladder.fast.lead_time_factor - must be greater than zero
        """
        base = base or DEFAULT_LADDER
        if not isinstance(value, Mapping):
            raise ValidationError(
                "speed_ladder", f"expected an object of tiers to terms, got {value!r}"
            )
        tiers = {tier.value for tier in SpeedTier}
        unknown = sorted(str(key) for key in value if key not in tiers)
        if unknown:
            raise ValidationError(
                "speed_ladder",
                f"unknown speed tier {unknown[0]!r}; the tiers are {', '.join(sorted(tiers))}",
            )
        chosen = {tier.value: _terms(tier.value, value.get(tier.value), base) for tier in SpeedTier}
        return cls(**chosen)

    def as_dict(self) -> dict[str, dict[str, str | bool]]:
        """The ladder as :meth:`parse` reads it (numbers as strings)."""
        return {
            item.name: {
                "premium_pct": str(getattr(self, item.name).premium_pct),
                "lead_time_factor": str(getattr(self, item.name).lead_time_factor),
                "rush": getattr(self, item.name).rush,
            }
            for item in fields(self)
        }


def _terms(tier: str, given: object, base: SpeedLadder) -> SpeedTerms:
    current: SpeedTerms = getattr(base, tier)
    if given is None:
        return current
    where = f"speed_ladder.{tier}"
    if not isinstance(given, Mapping):
        raise ValidationError(where, f"expected an object of terms, got {given!r}")
    values: dict[str, Any] = {name: getattr(current, name) for name in _TERMS_FIELDS}
    for key, raw in given.items():
        name = _ALIASES.get(str(key), str(key))
        if name not in _TERMS_FIELDS:
            allowed = ", ".join(_TERMS_FIELDS)
            raise ValidationError(where, f"unknown field {key!r}; the fields are {allowed}")
        values[name] = raw
    try:
        return SpeedTerms(**values)
    except ValidationError as error:
        raise ValidationError(f"{where}.{error.field}", error.message) from error


_ZERO = Decimal(0)
_ONE = Decimal(1)

DEFAULT_LADDER: Final = SpeedLadder(
    basic=SpeedTerms(premium_pct=_ZERO, lead_time_factor=_ONE),
    custom=SpeedTerms(premium_pct=Decimal(5), lead_time_factor=Decimal("0.9")),
    fast=SpeedTerms(premium_pct=Decimal(15), lead_time_factor=Decimal("0.7"), rush=True),
    premium=SpeedTerms(premium_pct=Decimal(30), lead_time_factor=Decimal("0.5"), rush=True),
)
"""Basic at list price and normal speed; custom +5% with lead times x0.9; fast +15% x0.7 and
premium +30% x0.5, both rush (fastest capable supplier)."""
