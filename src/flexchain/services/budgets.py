"""Purchasing budgets (``flexchain budget``, ``/budgets``): set, remove and report a month's
budget in the brand's currency (settings ``default_currency``, the *base*), brand-wide or for
one supplier, and the warning a purchase order gives when its issue puts a budget over.

What counts against a budget and why is in :mod:`flexchain.domain.budgets`: purchase orders
issued and not cancelled, in the month of their issue date at that date's rate (committed);
invoices approved, scheduled or paid, in the month of the invoice date at its rate (invoiced).
A document in a foreign currency with no rate on or before its date is refused with the fx
error, naming the document: a budget is never compared with a silent zero.

Every change is audited (entity ``purchase_budget``, keyed ``2026-03`` brand-wide or
``2026-03/ACME`` for a supplier; before and after amounts). Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flexchain.adapters.db.budgets import BudgetRecord, Document, SqlBudgetStore
from flexchain.adapters.db.paying_money import SqlMoneyStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain import budgets, fx
from flexchain.domain.budgets import BudgetLine
from flexchain.domain.checks import code
from flexchain.domain.errors import DomainError, NotFound
from flexchain.domain.fx import Rate
from flexchain.domain.payments import month_bounds
from flexchain.domain.values import Money, currency_code, money, utc
from flexchain.services import audit

__all__ = [
    "BudgetLine",
    "BudgetSet",
    "budget_report",
    "committed_in",
    "issue_warnings",
    "remove_budget",
    "set_budget",
]

ENTITY = "purchase_budget"


def _scope(uow: UnitOfWork, supplier: str | None) -> str:
    if supplier is None or supplier == "":
        return ""
    wanted = code(supplier, "supplier")
    if not SqlBudgetStore(uow).supplier_exists(wanted):
        raise NotFound(f"supplier {wanted} not found")
    return wanted


def _key(month: str, scope: str) -> str:
    return f"{month}/{scope}" if scope else month


@dataclass(frozen=True)
class BudgetSet:
    """A budget as set: ``budget`` ``currency`` for ``month`` (``supplier`` None: brand-wide),
    and the amount it replaced (None: it is new)."""

    month: str
    supplier: str | None
    currency: str
    budget: Decimal
    previous: Decimal | None

    @property
    def scope(self) -> str:
        return budgets.scope_label(self.supplier)

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month,
            "supplier": self.supplier,
            "scope": self.scope,
            "currency": self.currency,
            "budget": self.budget,
            "previous": self.previous,
        }


def set_budget(
    uow: UnitOfWork,
    month: str,
    amount: object,
    *,
    supplier: str | None = None,
    base: str,
    now: datetime,
) -> BudgetSet:
    """Create or replace the budget of ``month`` (brand-wide, or for ``supplier``): ``amount``
    in the brand's currency ``base``. What counts against it is :func:`budget_report`'s (not
    computed here: a month missing a rate does not stop a budget being set)."""
    now = utc(now, "now")
    wanted = budgets.month(month)
    value = money(amount, "amount")
    base = currency_code(base, "base")
    scope = _scope(uow, supplier)
    old = SqlBudgetStore(uow).put(BudgetRecord(wanted, scope, value, base))
    audit.record_change(
        uow,
        "created" if old is None else "updated",
        ENTITY,
        _key(wanted, scope),
        before=None if old is None else {"amount": old.amount, "currency": old.currency},
        after={"amount": value, "currency": base},
        at=now,
    )
    return BudgetSet(wanted, scope or None, base, value, None if old is None else old.amount)


def remove_budget(
    uow: UnitOfWork, month: str, *, supplier: str | None = None, now: datetime
) -> BudgetRecord:
    """Remove the budget of ``month`` (brand-wide, or for ``supplier``); the one removed."""
    now = utc(now, "now")
    wanted = budgets.month(month)
    scope = code(supplier, "supplier") if supplier else ""
    removed = SqlBudgetStore(uow).delete(wanted, scope)
    if removed is None:
        raise NotFound(f"no {budgets.scope_label(scope)} budget for {wanted}")
    audit.record_change(
        uow, "deleted", ENTITY, _key(wanted, scope),
        before={"amount": removed.amount, "currency": removed.currency}, after=None, at=now,
    )  # fmt: skip
    return removed


def _in_base(documents: Iterable[Document], rates: list[Rate], base: str) -> list[Document]:
    """Each document's amount in ``base`` at the rate of its date, rounded to cents."""
    converted = []
    for doc in documents:
        try:
            value = fx.convert(Money(doc.amount, doc.currency), base, doc.on, rates, base)
        except NotFound as error:
            raise NotFound(f"{doc.number}: {error}") from None
        converted.append(Document(doc.number, doc.supplier, base, doc.on, value.rounded().amount))
    return converted


def _rates(uow: UnitOfWork, docs: list[Document], base: str) -> list[Rate]:
    foreign = {doc.currency for doc in docs} - {base}
    return SqlMoneyStore(uow).rates(base, foreign) if foreign else []


def _total(docs: list[Document], month: str, scope: str) -> Decimal:
    return sum(
        (d.amount for d in docs
         if d.on.isoformat()[:7] == month and (not scope or d.supplier == scope)),
        Decimal(0),
    )  # fmt: skip


def _lines(
    found: list[BudgetRecord], committed: list[Document], invoiced: list[Document], base: str
) -> list[BudgetLine]:
    lines = []
    for budget in found:
        if budget.currency != base:
            raise DomainError(
                f"the {budgets.scope_label(budget.scope)} budget of {budget.month} is in "
                f"{budget.currency}, not the brand's {base}: set it again"
            )
        lines.append(
            BudgetLine(
                budget.month, budget.scope or None, base, budget.amount,
                _total(committed, budget.month, budget.scope),
                _total(invoiced, budget.month, budget.scope),
            )
        )  # fmt: skip
    return lines


def budget_report(
    uow: UnitOfWork,
    *,
    first: str | None = None,
    last: str | None = None,
    supplier: str | None = None,
    base: str,
) -> list[BudgetLine]:
    """The budgets from month ``first`` to ``last`` (either open; of one ``supplier``), by month
    and scope, each with what is committed and invoiced against it in ``base``."""
    base = currency_code(base, "base")
    start = budgets.month(first, "from") if first else None
    end = budgets.month(last, "to") if last else None
    store = SqlBudgetStore(uow)
    found = store.budgets(start, end)
    if supplier is not None:
        found = [b for b in found if b.scope == supplier]
    if not found:
        return []
    since, until = month_bounds(found[0].month)[0], month_bounds(found[-1].month)[1]
    raw_committed, raw_invoiced = store.committed(since, until), store.invoiced(since, until)
    rates = _rates(uow, raw_committed + raw_invoiced, base)
    committed = _in_base(raw_committed, rates, base)
    invoiced = _in_base(raw_invoiced, rates, base)
    return _lines(found, committed, invoiced, base)


def issue_warnings(uow: UnitOfWork, number: str, *, base: str) -> list[str]:
    """After purchase order ``number`` was issued: a warning for each budget of its month
    (brand-wide, its supplier's) that it leaves over budget. Never refuses: when a document of
    the month cannot be converted, the warning says the budget could not be checked and why."""
    base = currency_code(base, "base")
    store = SqlBudgetStore(uow)
    issued = store.issued(number)
    if issued is None:
        return []
    month = issued.on.isoformat()[:7]
    scopes = [s for s in ("", issued.supplier) if store.budget(month, s) is not None]
    warnings: list[str] = []
    for scope in scopes:
        try:
            (line,) = budget_report(uow, first=month, last=month, supplier=scope, base=base)
        except DomainError as error:
            label = budgets.scope_label(scope)
            warnings.append(f"the {label} budget of {month} was not checked: {error}")
            continue
        said = budgets.over_budget(line, number)
        if said is not None:
            warnings.append(said)
    return warnings


def committed_in(uow: UnitOfWork, month: str, *, base: str) -> dict[str, Decimal]:
    """What purchase orders issued in ``month`` commit, in ``base``, by supplier code."""
    base = currency_code(base, "base")
    first, last = month_bounds(budgets.month(month))
    store = SqlBudgetStore(uow)
    raw = store.committed(first, last)
    spent: dict[str, Decimal] = {}
    for doc in _in_base(raw, _rates(uow, raw, base), base):
        spent[doc.supplier] = spent.get(doc.supplier, Decimal(0)) + doc.amount
    return spent
