"""What happens to an outbox row after one attempt to send it: the retry rule, as pure code.

A push that went through is ``sent``; a rate-limited one waits the ``Retry-After`` it was given;
a permanent failure (4xx) fails at once, and so does the :data:`MAX_ATTEMPTS`-th temporary one;
any other temporary failure backs off exponentially (:func:`backoff`). A row whose payload
changed while it was being sent (a new idempotency key) is sent again at once with the new body.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = [
    "BASE_DELAY",
    "MAX_ATTEMPTS",
    "MAX_DELAY",
    "Delivery",
    "Failure",
    "OutboxStatus",
    "Outcome",
    "backoff",
    "settle",
]

MAX_ATTEMPTS = 8
BASE_DELAY = 5.0
MAX_DELAY = 3600.0


class OutboxStatus(StrEnum):
    """Where an outbox row stands (the values are what the database holds)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Outcome(StrEnum):
    """What one attempt counts as in a dispatch round."""

    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"


@dataclass(frozen=True)
class Delivery:
    """The state of one outbox row that an attempt changes."""

    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    idempotency_key: str


@dataclass(frozen=True)
class Failure:
    """Why an attempt failed: ``retry_after`` seconds if rate-limited, ``permanent`` if a retry
    cannot help."""

    message: str
    retry_after: float | None = None
    permanent: bool = False


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failure: 5, 10, 20 ... capped, +-20 % jitter."""
    delay = min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    return delay * (0.8 + 0.4 * (rng or random).random())


def settle(
    stored: Delivery,
    sent_key: str,
    failure: Failure | None,
    now: datetime,
    rng: random.Random | None = None,
) -> tuple[Delivery, Outcome]:
    """The row's new state after sending the body of ``sent_key`` ended in ``failure`` (or
    went through, with ``None``), and what that counts as."""
    if stored.idempotency_key != sent_key and failure is None:
        # the payload changed while it was being sent: send the new one next round
        return replace(stored, next_attempt_at=now), Outcome.RETRYING
    attempts = stored.attempts + 1
    if failure is None:
        sent = replace(
            stored, status=OutboxStatus.SENT, sent_at=now, last_error=None, attempts=attempts
        )
        return sent, Outcome.SENT
    tried = replace(stored, attempts=attempts, last_error=failure.message)
    if failure.retry_after is not None:
        later = now + timedelta(seconds=failure.retry_after)
        return replace(tried, next_attempt_at=later), Outcome.RETRYING
    if failure.permanent or attempts >= MAX_ATTEMPTS:
        return replace(tried, status=OutboxStatus.FAILED), Outcome.FAILED
    later = now + timedelta(seconds=backoff(attempts, rng))
    return replace(tried, next_attempt_at=later), Outcome.RETRYING
