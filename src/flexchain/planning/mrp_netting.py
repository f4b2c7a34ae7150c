"""The parts of an MRP run's netting that look across a buffer's lead time and across locations:
``short`` exceptions (:class:`Short`), transfers from other locations' surplus (:class:`Transfers`),
and pegs split and merged in thousandths (:mod:`flexchain.planning.mrp` uses them)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flexchain.planning.mrp_model import (
    TRANSFER,
    MrpException,
    MrpItem,
    MrpResult,
    PlannedOrder,
    dec,
)

__all__ = ["Short", "Transfers", "merge", "split"]


@dataclass
class Transfers:
    """Proposes transfers from other locations' surplus to a buffer short of stock."""

    donors: dict[str, int]
    surplus: dict[str, int]
    lead_time: int
    ids: Iterator[int]
    result: MrpResult
    sent: list[PlannedOrder]

    def cover(
        self, spec: MrpItem, period: int, pending: list[tuple[str, int]]
    ) -> tuple[list[tuple[str, int]], int]:
        """Move surplus to ``spec``'s location for ``pending`` due in ``period``; returns what
        is still pending and the thousandths arriving in time."""
        arrived = 0
        for source in sorted(self.donors):
            need = sum(quantity for _, quantity in pending)
            moved = min(need, self.surplus[source])
            if moved <= 0:
                continue
            self.surplus[source] -= moved
            pegs, pending = split(pending, moved)
            release = period - self.lead_time
            order = PlannedOrder(
                id=next(self.ids),
                item=spec.item,
                kind=TRANSFER,
                release_period=release,
                due_period=period,
                quantity=dec(moved),
                pegs=tuple((s, dec(q)) for s, q in merge(pegs)),
                location=spec.location,
                from_location=source,
            )
            self.result.planned.append(order)
            self.sent.append(order)
            arrived += moved if release >= 0 else 0
        return pending, arrived


def split(
    pending: list[tuple[str, int]], amount: int
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The first ``amount`` thousandths of ``pending`` (oldest first), and the rest."""
    taken, rest = [], []
    for source, quantity in pending:
        part = min(quantity, amount)
        amount -= part
        if part:
            taken.append((source, part))
        if quantity > part:
            rest.append((source, quantity - part))
    return taken, rest


@dataclass
class Short:
    """Tracks the projected stock without new orders over a buffer's lead time: demand it
    leaves uncovered before a new order can arrive is ``short``."""

    spec: MrpItem
    available: int
    first: int | None = None
    worst: int = 0

    def check(self, period: int) -> None:
        if period < self.spec.lead_time and self.available < 0:
            self.first = period if self.first is None else self.first
            self.worst = max(self.worst, -self.available)

    def exceptions(self) -> list[MrpException]:
        if self.first is None:
            return []
        message = (
            f"short {dec(self.worst)}: stock and receipts do not cover the demand from period "
            f"{self.first}, and a new order arrives in period {self.spec.lead_time} at the "
            f"earliest"
        )
        return [MrpException(self.spec.item, self.first, "short", message, self.spec.location)]


def merge(pegs: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """Pegs to the same source added together, in first-seen order."""
    merged: dict[str, int] = {}
    for source, quantity in pegs:
        merged[source] = merged.get(source, 0) + quantity
    return list(merged.items())
