"""Settling the quality fund by each contract's settlement period (``flexchain pay fund
--settle``, ``POST /quality-fund/settle``).

The period asked for is a month (``2026-09``), a quarter (``2026-Q3``), a half (``2026-H2``) or
a year (``2026``), settled only after it ended. An amount retained from an invoice belongs to
the contract its purchase order is under; a contract is settled only for periods of its own
kind (``retention_settlement``: a monthly contract for months, a quarterly one for quarters, a
semiannual one for halves, an annual one for years). Every supplier and currency's amounts of
that kind retained from invoices dated in the period and not settled yet are settled together
by :func:`flexchain.domain.payments.settle_fund` on the supplier's inspections in the period;
the release becomes a payment due that day. Amounts of another kind retained in the period are
left out, and the result says so (``status`` ``left out``, with the periods to settle them
for). Each retained amount is settled once: its release and forfeit name its invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from flexchain.adapters.db.paying_money import SqlMoneyStore
from flexchain.adapters.db.quality_fund import RetainedEntry, SqlFundStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.errors import ValidationError
from flexchain.domain.payments import (
    SettlementPeriod,
    period_of,
    settle_fund,
    settlement_period,
    share_forfeit,
)
from flexchain.domain.receiving import first_pass_yield
from flexchain.domain.values import number, utc
from flexchain.services import audit

__all__ = ["FundSettlementView", "settle_quality_fund"]

_ZERO = Decimal(0)
SETTLED, LEFT_OUT = "settled", "left out"


@dataclass(frozen=True)
class FundSettlementView:
    """A period's settlement for one supplier and currency (``payment``: the release's).

    ``quarter`` is the period settled (a quarter, or a month, half or year); ``settlement`` the
    contracts' kind of period. ``status`` ``left out``: amounts ``retained`` in the period
    under contracts settled by another kind of period, not settled (``note`` says which
    contracts and the periods to settle them for).
    """

    supplier: str
    currency: str
    quarter: str
    retained: Decimal
    first_pass_yield: Decimal | None
    target_yield: Decimal
    rejects_cost: Decimal
    released: Decimal
    forfeited: Decimal
    payment: int | None
    settlement: str = "quarterly"
    status: str = SETTLED
    note: str = ""


def settle_quality_fund(
    uow: UnitOfWork, quarter: str, *, target_yield: object, now: datetime
) -> list[FundSettlementView]:
    """Settle the fund for the period ``quarter`` names (after it ended) by the module's rule;
    the settlements first, then what was left out. Running it again settles only what is
    new."""
    now = utc(now, "now")
    period = settlement_period(quarter)
    if now.date() <= period.end:
        raise ValidationError(
            "quarter", f"{period.label} ends {period.end}: settle it after that day"
        )
    target = number(target_yield, "target_yield")
    money = SqlMoneyStore(uow)
    for each in period.quarters():
        money.lock_fund(each)
    open_entries = [
        entry
        for entry in SqlFundStore(uow).retained(period.quarters())
        if not entry.settled
        and entry.invoice_date is not None
        and period.start <= entry.invoice_date <= period.end
    ]
    ours: dict[tuple[str, str, int], list[RetainedEntry]] = {}
    others: dict[tuple[str, str, str], list[RetainedEntry]] = {}
    for entry in open_entries:
        if entry.settlement == period.kind:
            ours.setdefault((entry.supplier, entry.currency, entry.supplier_id), []).append(entry)
        else:
            others.setdefault((entry.supplier, entry.currency, entry.settlement), []).append(entry)
    settled = [
        _settle(uow, money, period, entries, target, now)
        for _, entries in sorted(ours.items())
        if sum((entry.amount for entry in entries), _ZERO) > 0
    ]
    return settled + [_left_out(period, entries, target) for _, entries in sorted(others.items())]


def _settle(
    uow: UnitOfWork,
    money: SqlMoneyStore,
    period: SettlementPeriod,
    entries: Sequence[RetainedEntry],
    target: Decimal,
    now: datetime,
) -> FundSettlementView:
    first = entries[0]
    code, currency, label = first.supplier, first.currency, period.label
    retained = sum((entry.amount for entry in entries), _ZERO)
    since = datetime.combine(period.start, time(), tzinfo=UTC)
    until = datetime.combine(period.end + timedelta(days=1), time(), tzinfo=UTC)
    good, bad, cost = money.quality(first.supplier_id, currency, since, until)
    result = settle_fund(retained, first_pass_yield(good, bad), cost, target)
    shares = share_forfeit([entry.amount for entry in entries], result.forfeited)
    for entry, (released, forfeited) in zip(entries, shares, strict=True):
        for kind, amount in (("released", released), ("forfeited", forfeited)):
            if amount:
                money.add_fund_entry(
                    supplier_id=first.supplier_id, currency=currency, quarter=entry.quarter,
                    kind=kind, amount=amount, invoice_id=entry.invoice_id, at=now,
                    note=f"settled {label}",
                )  # fmt: skip
    payment = None
    if result.released:
        payment = money.add_payment(
            kind="fund_release", supplier_id=first.supplier_id, currency=currency,
            gross=result.released, amount=result.released, due_date=now.date(),
            reference=f"quality fund {label}",
        )  # fmt: skip
    audit.record_change(
        uow, "settled", "quality_fund", f"{code}/{currency}/{label}",
        before={"held": retained}, after={"held": _ZERO}, at=now,
        first_pass_yield=result.first_pass_yield, target_yield=target, rejects_cost=cost,
        released=result.released, forfeited=result.forfeited, payment=payment,
        settlement=str(period.kind),
    )  # fmt: skip
    return FundSettlementView(
        code, currency, label, retained, result.first_pass_yield, target, cost,
        result.released, result.forfeited, payment, str(period.kind),
    )  # fmt: skip


def _left_out(
    period: SettlementPeriod, entries: Sequence[RetainedEntry], target: Decimal
) -> FundSettlementView:
    first = entries[0]
    contracts = sorted({entry.contract or "no contract" for entry in entries})
    periods = sorted(
        {period_of(first.settlement, entry.invoice_date) for entry in entries if entry.invoice_date}
    )
    note = (
        f"{', '.join(contracts)} settled {first.settlement}, not by {period.kind} period: "
        f"settle {', '.join(periods)}"
    )
    return FundSettlementView(
        first.supplier, first.currency, period.label,
        sum((entry.amount for entry in entries), _ZERO), None, target, _ZERO, _ZERO, _ZERO,
        None, first.settlement, LEFT_OUT, note,
    )  # fmt: skip
