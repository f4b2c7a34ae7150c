"""Checkout quotes (``POST /quote``, ``flexchain quote``): price and ship date, read-only.

:func:`quote` loads one :class:`~flexchain.domain.quotes.QuoteSnapshot` of the product through the
quote store (:mod:`flexchain.adapters.db.quotes`: a fixed handful of queries, never one per
module) and hands it to the pure :func:`flexchain.domain.quotes.quote`. Nothing is written,
reserved or booked: run it in a read-only unit of work (``app.uow(write=False)``) so it never
waits for writers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Protocol

from flexchain.adapters.db.quotes import SqlQuoteStore, load_snapshot
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.checks import whole_number
from flexchain.domain.quotes import DEFAULT_POLICY, Quote, QuotePolicy, QuoteSnapshot, speed_tier_of
from flexchain.domain.quotes import quote as quote_snapshot
from flexchain.domain.speed import SpeedLadder

__all__ = ["QuoteSource", "load_snapshot", "quote"]


class QuoteSource(Protocol):
    """Where quotes read their snapshot: :class:`flexchain.adapters.db.quotes.SqlQuoteStore`,
    or an in-memory fake in tests."""

    def load_snapshot(self, sku: str, *, today: date, horizon_days: int) -> QuoteSnapshot: ...


def quote(
    uow: UnitOfWork | QuoteSource,
    sku: str,
    options: Mapping[str, str],
    quantity: int,
    speed_tier: str,
    *,
    today: date,
    policy: QuotePolicy | None = None,
    ladder: SpeedLadder | None = None,
    alternatives: bool = True,
) -> Quote:
    """Price and ship date of ``quantity`` units of ``sku`` configured with ``options``.

    ``uow`` is a unit of work (the quote store reads through it) or any :class:`QuoteSource`.
    ``options`` maps a custom module (SKU or name) to an option (code or name, or the text of a
    free-text option); ``speed_tier`` is basic, custom, fast or premium, with its terms from
    ``ladder`` (the installation's ``Settings.speed_ladder``; default: ``policy.ladder``). Dates
    count from ``today`` (UTC). See :mod:`flexchain.domain.quotes` for the rules and
    docs/quotes.md.

    Raises
    ------
    NotFound
        No item ``sku``.
    ValidationError
        Bad quantity, unknown speed tier, unknown or missing option, not a finished product.
    DomainError
        The product cannot be priced or made (no list price or cost, no capable supplier).
    """
    policy = policy or DEFAULT_POLICY
    if ladder is not None and ladder != policy.ladder:
        policy = replace(policy, ladder=ladder)
    whole_number(quantity, "quantity", minimum=1)  # refuse bad input before any query
    speed_tier_of(speed_tier)
    store = SqlQuoteStore(uow) if isinstance(uow, UnitOfWork) else uow
    snapshot = store.load_snapshot(sku, today=today, horizon_days=policy.horizon_days)
    return quote_snapshot(
        snapshot,
        options,
        quantity,
        speed_tier,
        today=today,
        policy=policy,
        alternatives=alternatives,
    )
