"""What an installation's settings decide for the orders that come in."""

from __future__ import annotations

from dataclasses import dataclass

from flexchain.config import Settings
from flexchain.domain.speed import DEFAULT_LADDER, SpeedLadder
from flexchain.services.intake.parse import DEFAULT_CURRENCY


@dataclass(frozen=True)
class IntakeTerms:
    """``currency``: of an order known by its id only (a deleted WooCommerce order);
    ``ladder``: the speed terms orders are promised with, the same quotes use."""

    currency: str = DEFAULT_CURRENCY
    ladder: SpeedLadder = DEFAULT_LADDER

    @classmethod
    def of(cls, settings: Settings) -> IntakeTerms:
        """The terms ``settings`` set (``default_currency``, ``speed_ladder``)."""
        return cls(currency=settings.default_currency, ladder=settings.speed_ladder)


DEFAULT_TERMS = IntakeTerms()
"""The terms of an installation that sets neither."""
