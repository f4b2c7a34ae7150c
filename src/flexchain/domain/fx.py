"""Exchange rates and conversion. Pure.

A rate says what one unit of ``currency`` costs in the ``base`` currency (the brand's
``default_currency``) on a day: ``USD 2026-01-05 0.92`` in an EUR brand. Converting on a day
uses the latest rate on or before it; none is an error naming the currency and the day.
Between two foreign currencies the conversion goes through the base. Converted amounts are
exact; round where a document needs cents.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flexchain.domain.checks import day
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.values import Money, currency_code, number, to_decimal

__all__ = ["RATE_PLACES", "Rate", "convert", "latest_rate", "parse_rates_csv"]

RATE_PLACES = 8


@dataclass(frozen=True)
class Rate:
    """One unit of ``currency`` is worth ``rate`` units of ``base`` on ``on``."""

    base: str
    currency: str
    on: date
    rate: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", currency_code(self.base, "base"))
        object.__setattr__(self, "currency", currency_code(self.currency))
        object.__setattr__(self, "on", day(self.on, "date"))
        object.__setattr__(
            self, "rate", number(self.rate, "rate", places=RATE_PLACES, allow_zero=False)
        )
        if self.base == self.currency:
            raise ValidationError(
                "currency", f"{self.currency} is the base currency: its rate is 1"
            )


def latest_rate(rates: Iterable[Rate], currency: str, base: str, on: date) -> Rate:
    """The latest rate of ``currency`` in ``base`` on or before ``on``."""
    found = [r for r in rates if r.currency == currency and r.base == base and r.on <= on]
    if not found:
        raise NotFound(
            f"no exchange rate of {currency} in {base} on or before {on.isoformat()}: "
            "import rates (flexchain fx import) or set one (flexchain fx set)"
        )
    return max(found, key=lambda r: r.on)


def convert(amount: Money, target: str, on: date, rates: Iterable[Rate], base: str) -> Money:
    """``amount`` in ``target`` at the rates of ``on`` (through ``base``).

    >>> usd = Rate("EUR", "USD", date(2026, 1, 2), Decimal("0.9"))
    >>> convert(Money(Decimal(100), "USD"), "EUR", date(2026, 1, 5), [usd], "EUR")
    Money(amount=Decimal('90.0'), currency='EUR')
    """
    target = currency_code(target, "to")
    if amount.currency == target:
        return amount
    known = list(rates)
    in_base = amount.amount
    if amount.currency != base:
        in_base = amount.amount * latest_rate(known, amount.currency, base, on).rate
    if target == base:
        return Money(in_base, base)
    return Money(in_base / latest_rate(known, target, base, on).rate, target)


def parse_rates_csv(content: str, base: str) -> list[Rate]:
    """Rates from CSV text with a header ``date,currency,rate`` (optional ``base``, default
    ``base``); every bad row reported at once, nothing returned then.

    >>> parse_rates_csv("date,currency,rate\\n2026-01-05,usd,0.92\\n", "EUR")
    [Rate(base='EUR', currency='USD', on=datetime.date(2026, 1, 5), rate=Decimal('0.92'))]
    """
    reader = csv.DictReader(io.StringIO(content))
    missing = {"date", "currency", "rate"} - set(reader.fieldnames or ())
    if missing:
        raise ValidationError("file", f"missing column(s): {', '.join(sorted(missing))}")
    rates, problems = [], []
    for row_no, row in enumerate(reader, start=2):
        try:
            on = date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            problems.append(f"row {row_no}: date: expected YYYY-MM-DD, got {row['date']!r}")
            continue
        try:
            rate = to_decimal(row["rate"] or "", "rate")
            rates.append(Rate(row.get("base") or base, row["currency"], on, rate))
        except DomainError as error:
            problems.append(f"row {row_no}: {error}")
    if problems:
        raise ValidationError("file", "; ".join(problems))
    return rates
