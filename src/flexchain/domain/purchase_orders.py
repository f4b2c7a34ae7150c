"""The purchase order header's lifecycle, shared by buying (issue, confirm) and paying (close).

``draft -> sent -> confirmed -> closed``; ``cancelled`` from draft or sent (after confirmation a
PO is closed short instead: what arrived is kept and paid, the rest is no longer expected).
A confirmed PO may be confirmed again (the supplier re-dates or changes quantities).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from flexchain.domain.checks import choice
from flexchain.domain.errors import IllegalTransition

__all__ = ["PO_ALLOWED", "POHeaderStatus", "po_transition"]


class POHeaderStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    CONFIRMED = "confirmed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


_S = POHeaderStatus
PO_ALLOWED: Final[Mapping[POHeaderStatus, frozenset[POHeaderStatus]]] = MappingProxyType(
    {
        _S.DRAFT: frozenset({_S.SENT, _S.CANCELLED}),
        _S.SENT: frozenset({_S.CONFIRMED, _S.CANCELLED}),
        _S.CONFIRMED: frozenset({_S.CONFIRMED, _S.CLOSED}),
        _S.CLOSED: frozenset(),
        _S.CANCELLED: frozenset(),
    }
)
"""The statuses each PO status may move to; closed and cancelled are final."""


def po_transition(current: POHeaderStatus | str, target: POHeaderStatus | str) -> POHeaderStatus:
    """``target`` if a PO in ``current`` may move there, else :class:`IllegalTransition`.

    >>> po_transition("draft", "sent")
    <POHeaderStatus.SENT: 'sent'>
    >>> try:
    ...     po_transition("closed", "sent")
    ... except IllegalTransition as error:
    ...     print(error)
    purchase order is closed, which is final: it cannot become sent
    """
    start = choice(POHeaderStatus, current, "status")
    end = choice(POHeaderStatus, target, "status")
    allowed = PO_ALLOWED[start]
    if end in allowed:
        return end
    if not allowed:
        raise IllegalTransition(
            f"purchase order is {start}, which is final: it cannot become {end}"
        )
    names = ", ".join(status for status in POHeaderStatus if status in allowed)
    raise IllegalTransition(f"purchase order is {start}: it cannot become {end} (allowed: {names})")
