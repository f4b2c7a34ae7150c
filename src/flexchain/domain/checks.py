"""Small field checks the domain objects share: codes, text, whole numbers, dates, enum members.

Each returns the normalised value or raises :class:`ValidationError` naming the field.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final, TypeVar, cast

from flexchain.domain.errors import ValidationError

__all__ = [
    "CODE_MAX_LENGTH",
    "choice",
    "code",
    "day",
    "optional_code",
    "page",
    "text",
    "whole_number",
]

CODE_MAX_LENGTH: Final = 64
_CODE = re.compile(r"[A-Za-z0-9._-]{1,64}")

E = TypeVar("E", bound=StrEnum)


def code(value: object, field: str) -> str:
    """An identifier users type and files carry: SKU, supplier, location or contract code.

    1 to 64 characters among ``A-Z a-z 0-9 - _ .``; no spaces, so it survives a URL, a CSV cell
    and a barcode.
    """
    if not isinstance(value, str) or not value:
        raise ValidationError(field, "required: 1-64 characters of A-Z, a-z, 0-9, '-', '_', '.'")
    if not _CODE.fullmatch(value):
        raise ValidationError(
            field,
            f"'{value}' is not a valid code: use 1-64 characters of A-Z, a-z, 0-9, '-', '_', '.'",
        )
    return value


def optional_code(value: object, field: str) -> str | None:
    """A code, or ``None`` (an empty string counts as ``None``)."""
    return None if value is None or value == "" else code(value, field)


def text(value: object, field: str, *, max_length: int = 200, required: bool = True) -> str:
    """Free text, stripped; required text must not be blank."""
    if not isinstance(value, str):
        raise ValidationError(field, f"expected text, got {type(value).__name__}")
    stripped = value.strip()
    if required and not stripped:
        raise ValidationError(field, "required: must not be blank")
    if len(stripped) > max_length:
        raise ValidationError(field, f"at most {max_length} characters, got {len(stripped)}")
    return stripped


def whole_number(
    value: object, field: str, *, minimum: int | None = 0, maximum: int | None = None
) -> int:
    """An integer (``3``, ``"3"``, ``Decimal("3")`` or ``3.0``) within the bounds given."""
    if isinstance(value, bool):
        raise ValidationError(field, f"expected a whole number, got {value!r}")
    if isinstance(value, int):
        result = value
    else:
        try:
            number = (
                Decimal(str(value).strip()) if isinstance(value, str | float | Decimal) else None
            )
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            raise ValidationError(field, f"expected a whole number, got {value!r}")
        result = int(number)
    if minimum is not None and result < minimum:
        raise ValidationError(field, f"must be at least {minimum}, got {result}")
    if maximum is not None and result > maximum:
        raise ValidationError(field, f"must be at most {maximum}, got {result}")
    return result


def day(value: object, field: str) -> date:
    """A calendar date; a ``datetime`` is refused (it would compare wrongly with dates)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(field, f"expected a date (YYYY-MM-DD), got {value!r}")
    return value


def choice(enum: type[E], value: object, field: str) -> E:
    """A member of ``enum`` from itself or its value, case-insensitive: ``"Sewing"`` -> SEWING."""
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        exact = enum._value2member_map_.get(value)  # the stored spelling: no scan
        if exact is not None:
            return cast(E, exact)
        for member in enum:
            if member.value.lower() == value.strip().lower():
                return member
    allowed = ", ".join(member.value for member in enum)
    raise ValidationError(field, f"must be one of {allowed}, got {value!r}")


def page(limit: object, offset: object) -> tuple[int | None, int]:
    """A list's page: at most ``limit`` rows (None: all; else at least 1) after skipping
    ``offset`` (at least 0)."""
    wanted = None if limit is None else whole_number(limit, "limit", minimum=1)
    return wanted, whole_number(offset, "offset", minimum=0)
