"""Column types that keep Decimal and UTC exact on both SQLite and PostgreSQL.

* :class:`Qty` stores a quantity (Decimal, up to 3 decimal places) as integer thousandths, so that
  ``on_hand = on_hand - :q`` and ``on_hand - reserved >= :q`` are exact SQL on both databases.
* :class:`Dec` stores money and other exact decimals as ``NUMERIC`` on PostgreSQL and as text on
  SQLite (whose NUMERIC affinity would round-trip through a float).
* :class:`UTCDateTime` refuses naive datetimes and always returns aware UTC ones.
* :class:`Encrypted` stores a secret (a shop's webhook secret, an API token) as a Fernet token
  under the installation's key (:mod:`flexchain.adapters.secretbox`), never as plain text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Numeric, String, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

from flexchain.adapters import secretbox

QTY_SCALE = 1000


class Qty(TypeDecorator[Decimal]):
    """A quantity: Decimal in Python, integer thousandths in SQL."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value) * QTY_SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"quantity {value} has more than 3 decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / QTY_SCALE).quantize(Decimal("0.001")).normalize() + 0

    @property
    def python_type(self) -> type:
        return Decimal


class Dec(TypeDecorator[Decimal]):
    """An exact decimal (money, rates, coordinates): NUMERIC on PostgreSQL, text on SQLite."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 6) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return _tidy(Decimal(value))

    @property
    def python_type(self) -> type:
        return Decimal


def _tidy(value: Decimal) -> Decimal:
    """Drop trailing zeros beyond cents so values read back the way users wrote them."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        return value.quantize(Decimal("0.01"))
    return normal


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Encrypted(TypeDecorator[str]):
    """A secret: plain ``str`` in Python, a Fernet token (text) in SQL.

    Encrypted when written and decrypted when read with the installed key
    (:func:`flexchain.adapters.secretbox.installed`); a database copied without its key reveals
    none. Reading with a key that does not open it raises
    :class:`~flexchain.adapters.secretbox.SecretKeyError`. Map such columns ``deferred`` so a
    row is decrypted only where its secret is used.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return secretbox.encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return secretbox.decrypt(str(value))
