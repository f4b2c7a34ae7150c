"""Domain exceptions: a business rule refused something, and ``str(error)`` says what to do.

The API turns these into 4xx responses with the same message, so every message is written for the
person who sent the request: it names the field or the thing, the value, and the rule.

Every exception keeps its constructor arguments in ``args``, so it survives pickling (a planning
run on a Dask worker raises it in another process).
"""

from __future__ import annotations

from decimal import Decimal

__all__ = [
    "BomCycleError",
    "DomainError",
    "IllegalTransition",
    "InsufficientStock",
    "NotFound",
    "ValidationError",
    "format_amount",
    "format_decimal",
]


def format_decimal(value: Decimal) -> str:
    """A decimal the way a person writes it: ``5`` not ``5.000``, ``500`` not ``5E+2``."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def format_amount(value: Decimal) -> str:
    """An amount of money with at least cents: ``10.00``, ``0.125``."""
    text = format_decimal(value)
    whole, _, cents = text.partition(".")
    return f"{whole}.{cents.ljust(2, '0')}"


class DomainError(Exception):
    """A business rule refused something; ``str(error)`` is the message for the user."""


class ValidationError(DomainError):
    """A value is not acceptable for a field.

    Parameters
    ----------
    field
        Where the bad value sits, as the user knows it: ``"moq"``, ``"attributes.colour"``,
        ``"price_breaks[2].unit_price"``.
    message
        What is wrong and what is allowed.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class NotFound(DomainError):
    """Something referred to by its code or SKU does not exist."""


class InsufficientStock(DomainError):
    """Taking or reserving ``requested`` would take the available stock of an item below zero."""

    def __init__(
        self, item_sku: str, location_code: str, requested: Decimal, available: Decimal
    ) -> None:
        super().__init__(item_sku, location_code, requested, available)
        self.item_sku = item_sku
        self.location_code = location_code
        self.requested = requested
        self.available = available

    def __str__(self) -> str:
        return (
            f"{self.item_sku} at {self.location_code}: requested "
            f"{format_decimal(Decimal(self.requested))}, "
            f"available {format_decimal(Decimal(self.available))}"
        )


class BomCycleError(DomainError):
    """A bill of materials contains an item that is, through its components, part of itself."""

    def __init__(self, cycle: tuple[str, ...]) -> None:
        super().__init__(tuple(cycle))
        self.cycle: tuple[str, ...] = tuple(cycle)

    def __str__(self) -> str:
        return "BOM cycle: " + " -> ".join(self.cycle)


class IllegalTransition(DomainError):
    """A state machine (order, purchase order, job) refused a change of status."""
