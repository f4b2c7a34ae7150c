"""What can become of a stored webhook: its status in the inbox, and which statuses are final."""

from __future__ import annotations

from enum import StrEnum


class InboxStatus(StrEnum):
    """An inbox row's status (the values are what the database and the JSON hold)."""

    PENDING = "pending"
    """Stored, not applied yet."""
    PROCESSED = "processed"
    """Applied: the order was created or updated."""
    IGNORED = "ignored"
    """Not applied, on purpose: an older copy of an order already stored (see ``error``)."""
    FAILED = "failed"
    """Could not be applied (``error`` says why); ``flexchain inbox retry`` applies it again."""


APPLIED = frozenset({InboxStatus.PROCESSED, InboxStatus.IGNORED})
"""Statuses of a row that must never be applied again."""
ANSWERED = frozenset({InboxStatus.PROCESSED, InboxStatus.IGNORED, InboxStatus.FAILED})
"""Statuses of a row whose redelivery is answered as it stands, without applying it."""
