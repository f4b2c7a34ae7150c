"""Exchange rates (``flexchain fx``, ``/exchange-rates``) and conversion into the brand's
currency (settings ``default_currency``, the *base*).

A rate is what one unit of a currency is worth in the base on a day; conversion on a day uses
the latest rate on or before it (:mod:`flexchain.domain.fx`). Rates are imported from CSV
(``date,currency,rate``, optional ``base``) or entered one at a time; a day's rate entered again
replaces the old one (audited with both values).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flexchain.adapters.db.paying_money import SqlMoneyStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain import fx
from flexchain.domain.checks import day
from flexchain.domain.errors import NotFound
from flexchain.domain.fx import Rate
from flexchain.domain.values import Money, currency_code, money, to_decimal, utc
from flexchain.services import audit

__all__ = ["RateImport", "base_amount", "convert", "import_rates", "list_rates", "set_rate"]


@dataclass(frozen=True)
class RateImport:
    """What an import did: rates new and replaced, in the file's order."""

    created: int
    replaced: int
    rates: tuple[Rate, ...]


def _put(uow: UnitOfWork, store: SqlMoneyStore, rate: Rate, source: str, now: datetime) -> bool:
    old = [r for r in store.rates(rate.base, [rate.currency]) if r.on == rate.on]
    created = store.put_rate(rate, source)
    audit_key = f"{rate.currency}/{rate.base}@{rate.on.isoformat()}"
    audit.record_change(
        uow,
        "created" if created else "updated",
        "exchange_rate",
        audit_key,
        before={"rate": old[0].rate} if old else None,
        after={"rate": rate.rate},
        at=now,
        source=source,
    )
    return created


def import_rates(
    uow: UnitOfWork, content: str, *, base: str, source: str, now: datetime
) -> RateImport:
    """Store every rate of the CSV ``content``; a bad row refuses the whole file."""
    now = utc(now, "now")
    rates = fx.parse_rates_csv(content, currency_code(base, "base"))
    store = SqlMoneyStore(uow)
    created = sum(_put(uow, store, rate, source, now) for rate in rates)
    return RateImport(created, len(rates) - created, tuple(rates))


def set_rate(
    uow: UnitOfWork, currency: str, on: date, rate: object, *, base: str, now: datetime
) -> Rate:
    """Enter one rate: one ``currency`` is worth ``rate`` ``base`` on ``on``."""
    entered = Rate(base, currency, day(on, "date"), to_decimal(rate, "rate"))
    _put(uow, SqlMoneyStore(uow), entered, "entered", utc(now, "now"))
    return entered


def list_rates(uow: UnitOfWork, *, base: str, currency: str | None = None) -> list[Rate]:
    """Rates in ``base`` by currency and date (of one ``currency``)."""
    wanted = [currency_code(currency)] if currency else None
    return SqlMoneyStore(uow).rates(currency_code(base, "base"), wanted)


def convert(
    uow: UnitOfWork, amount: object, currency: str, to: str, on: date, *, base: str
) -> Money:
    """``amount`` ``currency`` in ``to`` at the rates of ``on``."""
    value = Money(money(amount, "amount", allow_negative=True), currency)
    base = currency_code(base, "base")
    target = currency_code(to, "to")
    needed = {value.currency, target} - {base}
    rates = SqlMoneyStore(uow).rates(base, needed) if needed else []
    return fx.convert(value, target, day(on, "date"), rates, base)


def base_amount(
    uow: UnitOfWork, amount: Decimal, currency: str, on: date, *, base: str
) -> Decimal | None:
    """``amount`` in the base rounded to cents, or None when no rate is known for ``on``."""
    try:
        return convert(uow, amount, currency, base, on, base=base).rounded().amount
    except NotFound:
        return None
