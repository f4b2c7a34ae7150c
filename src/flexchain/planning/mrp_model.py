"""The data of an MRP run (:mod:`flexchain.planning.mrp`): buffers' terms, demand, receipts,
planned orders, exceptions and the result; quantities in exact thousandths of a unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "SCALE",
    "TRANSFER",
    "ZERO",
    "Demand",
    "MrpException",
    "MrpItem",
    "MrpResult",
    "PlannedOrder",
    "Receipt",
    "buffer_name",
    "dec",
    "milli",
]

SCALE = 1000
"""Quantities are counted in thousandths of a unit."""
TRANSFER = "transfer"
"""The kind of a planned move of surplus stock between two locations of the item."""


def milli(value: Decimal | int | str, field_name: str) -> int:
    """``value`` in thousandths of a unit, exactly; more than 3 decimals is an error."""
    if type(value) is int:  # the common case, and exact already
        return value * SCALE
    amount = (value if type(value) is Decimal else Decimal(str(value))) * SCALE
    if not amount.is_finite() or amount != (whole := int(amount)):
        raise ValueError(f"{field_name} has more than 3 decimal places: {value}")
    return whole


@dataclass(frozen=True, slots=True)
class MrpItem:
    """One item to plan. ``on_hand`` and ``allocated`` (reserved) are summed over locations."""

    item: str
    lead_time: int = 0
    """Periods between release and receipt."""
    moq: Decimal | int = 0
    multiple: Decimal | int = 1
    make: bool = False
    """A production job (made by a supplier from components) rather than a purchase."""
    custom: bool = False
    """A custom module: planned from firm demand only (postponement)."""
    safety_stock: Decimal | int = 0
    min_lot: Decimal | int = 0
    """The smallest order the policy wants (e.g. an EOQ): orders are at least this much, the
    excess pegged to ``lot_size``; unlike ``moq``, a smaller need is not an exception."""
    on_hand: Decimal | int = 0
    allocated: Decimal | int = 0
    location: str = ""
    """The buffer's location (``""``: the home location)."""


@dataclass(frozen=True, slots=True)
class Demand:
    """Independent demand: ``source`` is ``order:REF`` for a firm order, else ``forecast``."""

    item: str
    period: int
    quantity: Decimal | int
    source: str = "forecast"
    location: str = ""

    @property
    def firm(self) -> bool:
        return not self.source.startswith("forecast")


@dataclass(frozen=True, slots=True)
class Receipt:
    """A scheduled receipt: an open purchase order or production job arriving in ``period``."""

    item: str
    period: int
    quantity: Decimal | int
    source: str
    location: str = ""


@dataclass(frozen=True)
class PlannedOrder:
    """A proposed purchase or production job: release in ``release_period``, due in
    ``due_period`` (may be before 0 when it is already late: it is then released in period 0)."""

    id: int
    item: str
    kind: str
    """``purchase``, ``production`` or ``transfer``."""
    release_period: int
    due_period: int
    quantity: Decimal
    pegs: tuple[tuple[str, Decimal], ...]
    """(demand source, quantity) pairs adding up exactly to ``quantity``."""
    location: str = ""
    """Where it is due (``""``: the home location)."""
    from_location: str = ""
    """A transfer's source location."""


@dataclass(frozen=True)
class MrpException:
    item: str
    period: int
    kind: str
    message: str
    location: str = ""


@dataclass
class MrpResult:
    planned: list[PlannedOrder] = field(default_factory=list)
    exceptions: list[MrpException] = field(default_factory=list)
    gross: dict[str, list[Decimal]] = field(default_factory=dict)
    """Gross requirements per buffer and period (for explanations and golden files), keyed by
    :func:`buffer_name`: the SKU at the home location, ``SKU@LOCATION`` elsewhere."""
    option_shift: dict[str, tuple[Decimal, str]] = field(default_factory=dict)
    """Safety stock netted on top of the policy's, per SKU at the home location, because an
    option's share jumped (:func:`flexchain.planning.sensing.option_safety_stock`), and why."""


def buffer_name(item: str, location: str = "") -> str:
    """``item`` at its home location, ``item@location`` elsewhere."""
    return f"{item}@{location}" if location else item


ZERO = Decimal(0)


def dec(value: int) -> Decimal:
    return Decimal(value) / SCALE
