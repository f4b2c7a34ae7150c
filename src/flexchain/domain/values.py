"""Value rules shared by the whole domain: quantities, money, percentages, currencies, UTC time.

Every function takes what a user or a file may hand us (``int``, ``str``, ``Decimal``, sometimes a
``float``) and returns the one canonical Python value, or raises :class:`ValidationError` naming the
field. Floats are taken through ``str()`` (their shortest round-trip form), so ``0.1`` is
``Decimal("0.1")``; float arithmetic noise such as ``0.1 + 0.2`` then fails the decimal-places
rule instead of slipping in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from flexchain.domain.errors import DomainError, ValidationError, format_decimal

__all__ = [
    "MONEY_PLACES",
    "PERCENT_PLACES",
    "QUANTITY_PLACES",
    "Money",
    "currency_code",
    "decimal_places",
    "money",
    "number",
    "percent",
    "quantity",
    "round_order_quantity",
    "to_decimal",
    "utc",
]

QUANTITY_PLACES: Final = 3
"""Quantities are stored as integer thousandths."""
MONEY_PLACES: Final = 6
PERCENT_PLACES: Final = 4


def to_decimal(value: object, field: str) -> Decimal:
    """``value`` as a finite :class:`Decimal`, or :class:`ValidationError` naming ``field``."""
    if type(value) is Decimal:  # the common case first
        result = value
    elif isinstance(value, bool):
        raise ValidationError(field, f"expected a number, got {value!r}")
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | float):
        result = Decimal(str(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError(field, f"'{value}' is not a number") from None
    else:
        raise ValidationError(field, f"expected a number, got {type(value).__name__}")
    if not result.is_finite():
        raise ValidationError(field, f"must be a finite number, got {value}")
    return abs(result) if result.is_zero() else result  # no "-0"


def decimal_places(value: Decimal) -> int:
    """Significant decimal places: ``1.2300`` has 2, ``500`` and ``5E+2`` have 0."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite values only
    return max(0, -exponent)


def number(
    value: object,
    field: str,
    *,
    places: int = MONEY_PLACES,
    allow_zero: bool = True,
    allow_negative: bool = False,
) -> Decimal:
    """An exact decimal with at most ``places`` decimal places (rates, coordinates, factors)."""
    result = to_decimal(value, field)
    exponent = result.as_tuple().exponent  # trailing zeros only make it smaller: check it first
    if isinstance(exponent, int) and exponent < -places and decimal_places(result) > places:
        raise ValidationError(
            field, f"{format_decimal(result)} has more than {places} decimal places"
        )
    if result < 0 and not allow_negative:
        raise ValidationError(field, f"must not be negative, got {format_decimal(result)}")
    if result == 0 and not allow_zero:
        expected = "must not be zero" if allow_negative else "must be greater than zero"
        raise ValidationError(field, expected)
    return result


def quantity(
    value: object,
    field: str = "quantity",
    *,
    allow_zero: bool = True,
    allow_negative: bool = False,
) -> Decimal:
    """A quantity: finite, at most 3 decimal places, non-negative unless ``allow_negative``.

    >>> quantity("2.50")
    Decimal('2.50')
    """
    return number(
        value,
        field,
        places=QUANTITY_PLACES,
        allow_zero=allow_zero,
        allow_negative=allow_negative,
    )


def money(
    value: object,
    field: str = "amount",
    *,
    allow_zero: bool = True,
    allow_negative: bool = False,
) -> Decimal:
    """An amount of money (without its currency): finite, at most 6 decimal places."""
    return number(value, field, allow_zero=allow_zero, allow_negative=allow_negative)


def percent(value: object, field: str = "percent", *, places: int = PERCENT_PLACES) -> Decimal:
    """A percentage between 0 and 100 inclusive, at most ``places`` decimal places."""
    result = number(value, field, places=places)
    if result > 100:
        raise ValidationError(field, f"must be between 0 and 100, got {format_decimal(result)}")
    return result


def currency_code(value: object, field: str = "currency") -> str:
    """An ISO 4217 code, normalised to upper case: ``"eur"`` -> ``"EUR"``."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if len(text) != 3 or not text.isascii() or not text.isalpha():
        raise ValidationError(field, f"must be a 3-letter currency code like EUR, got {value!r}")
    return text


def utc(dt: object, field: str = "at") -> datetime:
    """A timezone-aware datetime converted to UTC; naive datetimes are refused."""
    if not isinstance(dt, datetime):
        raise ValidationError(field, f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValidationError(field, "naive datetime refused: give a timezone (UTC)")
    return dt.astimezone(UTC)


def round_order_quantity(qty: Decimal, moq: Decimal, multiple: Decimal) -> Decimal:
    """The smallest orderable quantity covering ``qty``: raised to ``moq``, then up to a multiple.

    Nothing to order stays nothing: ``qty == 0`` returns 0. ``moq`` need not be a multiple of
    ``multiple``; the result is then the first multiple above the MOQ.

    >>> round_order_quantity(Decimal(7), Decimal(10), Decimal(4))
    Decimal('12')
    """
    if qty <= 0:
        return Decimal(0)
    wanted = max(qty, moq)
    if multiple <= 0:
        return wanted
    whole, rest = divmod(wanted, multiple)
    return wanted if rest == 0 else (whole + 1) * multiple


@dataclass(frozen=True)
class Money:
    """An amount in a currency. Amounts in different currencies never mix silently.

    The amount is exact (no rounding): ``unit_price * quantity`` may carry 9 decimal places. Use
    :meth:`rounded` where a document needs cents.
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount, "amount"))
        object.__setattr__(self, "currency", currency_code(self.currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same_currency(self, other: Money, verb: str) -> None:
        if other.currency != self.currency:
            raise DomainError(f"cannot {verb} {self} and {other}: the currencies differ")

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "add")
        return Money(self.amount + other.amount, self.currency)

    def __radd__(self, other: object) -> Money:
        # lets sum(prices) start from the integer 0
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "subtract")
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            return NotImplemented
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def rounded(self, places: int = 2) -> Money:
        """Rounded half-up to ``places`` decimals (cents by default)."""
        return Money(self.amount.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP), self.currency)

    def __str__(self) -> str:
        if decimal_places(self.amount) > 2:
            return f"{format_decimal(self.amount)} {self.currency}"
        return f"{self.amount.quantize(Decimal('0.01')):f} {self.currency}"
