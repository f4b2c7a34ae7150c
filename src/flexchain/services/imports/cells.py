"""Cell parsers: a spreadsheet cell (text from CSV, typed from XLSX, any value from Python) to
the value a column holds, or :class:`CellError` with a message a planner can act on.

Blank cells never reach a parser; the column decides what blank means. Numbers become
``Decimal`` through their text, never through float arithmetic: a float from an XLSX cell is
read through its shortest repr, and binary noise such as ``0.30000000000000004`` (what Excel
stores for ``=0.1+0.2``) is rounded away at 15 significant digits, Excel's own precision.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from flexchain.domain.checks import code as check_code
from flexchain.domain.errors import ValidationError, format_decimal
from flexchain.domain.values import currency_code, decimal_places

__all__ = [
    "MAX_DIGITS",
    "MAX_INTEGER",
    "CellError",
    "Parser",
    "boolean",
    "choice",
    "code",
    "currency",
    "day",
    "decimal",
    "integer",
    "pairs",
    "reference",
    "text",
]

Parser = Callable[[Any], Any]
E = TypeVar("E", bound=StrEnum)

MAX_DIGITS = 12
"""Digits before the decimal point a number may have: what every numeric column can store."""
MAX_INTEGER = 2**31 - 1
"""The largest whole number (days, terms) an integer column stores on every database."""

_ODOO_DISPLAY = re.compile(r"^\[([^\]]+)\]")
_TRUE = {"true", "yes", "y", "1", "t", "x"}
_FALSE = {"false", "no", "n", "0", "f"}


class CellError(Exception):
    """The cell's value cannot be used; ``str()`` says why."""


class _TooLarge(CellError):
    """A number beyond what the database columns hold."""


def text(value: Any) -> str:
    """Text; a number typed into an XLSX cell (``1001``) becomes its digits."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(value).strip()


def code(value: Any) -> str:
    """A SKU or code: 1-64 characters of ``A-Z a-z 0-9 - _ .``."""
    try:
        return check_code(text(value), "code")
    except ValidationError as error:
        raise CellError(error.message) from None


def reference(value: Any) -> str:
    """A code that refers to something; Odoo's ``[TEE-001] Tee`` display form gives ``TEE-001``."""
    found = _ODOO_DISPLAY.match(text(value))
    return found.group(1).strip() if found else text(value)


def _from_float(value: float, places: int) -> Decimal:
    exact = Decimal(repr(value))
    if decimal_places(exact) <= places:
        return exact
    return Decimal(format(value, ".15g"))


def decimal(places: int, *, negative: bool = False) -> Parser:
    """A number with at most ``places`` decimal places (negative only if ``negative``)."""

    def parse(value: Any) -> Decimal:
        if isinstance(value, bool):
            raise CellError(f"not a number: {value!r}")
        if isinstance(value, float):
            result = _from_float(value, places)
        elif isinstance(value, int | Decimal):
            result = Decimal(value)
        else:
            raw = text(value)
            try:
                result = Decimal(raw)
            except InvalidOperation:
                hint = " (use a dot as the decimal separator)" if "," in raw else ""
                raise CellError(f"not a number: {raw!r}{hint}") from None
        if not result.is_finite():
            raise CellError(f"not a number: {text(value)!r}")
        if result.is_zero():
            result = abs(result)
        if decimal_places(result) > places:
            raise CellError(f"{format_decimal(result)} has more than {places} decimal places")
        if abs(result) >= 10**MAX_DIGITS:
            raise _TooLarge(
                f"{text(value)} is too large (at most {MAX_DIGITS} digits before the decimal point)"
            )
        if result < 0 and not negative:
            raise CellError(f"must not be negative, got {format_decimal(result)}")
        return result

    return parse


def integer(*, negative: bool = False) -> Parser:
    """A whole number (``3``, ``"3"``, ``3.0``)."""
    number = decimal(12, negative=True)

    def parse(value: Any) -> int:
        try:
            result = number(value)
        except _TooLarge:
            raise CellError(f"{text(value)} is too large (at most {MAX_INTEGER})") from None
        except CellError:
            raise CellError(f"not a whole number: {text(value)!r}") from None
        if result != result.to_integral_value():
            raise CellError(f"not a whole number: {text(value)!r}")
        if result < 0 and not negative:
            raise CellError(f"must not be negative, got {format_decimal(result)}")
        if abs(result) > MAX_INTEGER:
            raise CellError(f"{format_decimal(result)} is too large (at most {MAX_INTEGER})")
        return int(result)

    return parse


def boolean(value: Any) -> bool:
    """``true``/``false``, ``yes``/``no``, ``1``/``0`` (any case), or an XLSX boolean."""
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellError(f"not true or false: {text(value)!r}")


def day(value: Any) -> date:
    """An ISO date ``YYYY-MM-DD`` or an XLSX date cell (a time of day must be midnight)."""
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise CellError(f"expected a date without a time of day, got {value.isoformat()}")
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    candidate = raw[:10] if raw[10:].strip() in ("", "00:00:00", "T00:00:00") else raw
    try:
        if len(candidate) != 10:
            raise ValueError(raw)
        return date.fromisoformat(candidate)
    except ValueError:
        raise CellError(f"not a date: {raw!r} (use YYYY-MM-DD)") from None


def choice(enum: type[E], synonyms: Mapping[str, str] | None = None) -> Parser:
    """A member of ``enum`` by value, case-insensitive; ``synonyms`` maps other words to values."""
    allowed = ", ".join(member.value for member in enum)

    def parse(value: Any) -> E:
        word = text(value).lower()
        word = (synonyms or {}).get(word, word)
        for member in enum:
            if member.value.lower() == word:
                return member
        raise CellError(f"must be one of {allowed}; got {text(value)!r}")

    return parse


def currency(value: Any) -> str:
    try:
        return currency_code(text(value))
    except ValidationError as error:
        raise CellError(error.message) from None


def pairs(value: Any) -> dict[str, str]:
    """``name=value; name=value`` (or a mapping) as a dict; names are lower-cased."""
    if isinstance(value, Mapping):
        return {str(key).strip().lower(): text(item) for key, item in value.items()}
    result: dict[str, str] = {}
    for part in text(value).split(";"):
        if not part.strip():
            continue
        name, sign, item = part.partition("=")
        if not sign or not name.strip():
            raise CellError(f"{part.strip()!r} is not name=value (write e.g. colour=Red; size=M)")
        key = name.strip().lower()
        if key in result:
            raise CellError(f"{key!r} is given twice")
        result[key] = item.strip()
    return result
