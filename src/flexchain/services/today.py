"""Today, the decision inbox: everything waiting for a person, from the services that own it,
ranked by money and time at stake (the rule: :mod:`flexchain.domain.today`), and acting on an
entry through those same services.

Sources (one function each, read-only): open orders near or past their promise with work still
open (:func:`_orders_at_risk`), webhooks that failed to apply (``intake.list_inbox``), the
current plan's planned purchases and production due for release and not released yet, at most
25 of each (:mod:`flexchain.services.today_planned`), sent RFQs
whose reply-by day has passed with quotes in, or every supplier asked has quoted every line
(``rfqs.compare_quotes``), invoices held in
matching (``invoicing``), open supplier rule firings (``supplier_rules``), supplier
certificates expiring within ``certificate_warning_days`` (``certificates``), option-share
alerts (``signals.sensing``) and open price-index renegotiation tasks (``price_watch``).

Acting (:func:`act`) calls the owning service: ``release`` a planned purchase (a draft PO to the
item's cheapest listed supplier) or planned production (a job at the supplier that makes it),
both through ``plan_release.release_planned``, ``award`` an RFQ to
its best-ranked quotes (``rfqs.award_rfq``), ``release``/``reject`` a held invoice, decide a
firing (``keep``, ``dismiss``, ``restore``, ``end_monitoring``), ``accept``/``dismiss`` a
renegotiation, ``snooze`` any entry until a day with a reason (stored under the entry's key as
the inbox names it: a planned order's holds across plan runs, :mod:`today_planned`).
``retry`` of a failed webhook applies it in its own units of work (:func:`retry_webhook`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import quote

from flexchain.adapters.db.today import SqlTodayStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.rule_decisions import ALLOWED
from flexchain.domain.supplier_rules import Rule
from flexchain.domain.today import (
    Action,
    Decision,
    Kind,
    NotAllowed,
    Snooze,
    check_snooze,
    rank,
)
from flexchain.domain.values import utc
from flexchain.services import (
    audit,
    certificates,
    intake,
    invoicing,
    price_watch,
    rfqs,
    signals,
    supplier_rules,
    today_planned,
)
from flexchain.services.today_common import (
    ADMIN,
    BUYER,
    BUYERS,
    FINANCE,
    MAX_PER_KIND,
    PLANNER,
    QUALITY,
    SNOOZE,
    at_stake,
    money_text,
    plural,
    renegotiation_why,
    webhook_total,
)

if TYPE_CHECKING:
    from flexchain.adapters.db.engine import Engine

__all__ = ["KINDS", "Retried", "act", "decision_inbox", "find", "retry", "retry_webhook", "snooze"]

RISK_DAYS = 3
"""Open orders promised within this many days (or overdue) are checked for risk."""
KINDS = tuple(Kind)
_at_stake, _money, _plural = at_stake, money_text, plural


# -- sources ------------------------------------------------------------------------------------


def _supplier_link(code: str) -> str:
    return f"/app/suppliers/{quote(code, safe='')}"


def _invoice_link(number: str) -> str:
    """The Procurement page with the held invoice marked, scrolled to it (it has no page of its
    own)."""
    escaped = quote(number, safe="")
    return f"/app/procurement?invoice={escaped}#invoice-{escaped}"


def _firing_link(supplier: str | None, item: str | None) -> str:
    """A firing's supplier page; its item's page when it is about an item alone."""
    if supplier:
        return _supplier_link(supplier)
    if item:
        return f"/app/inventory/items/{quote(item, safe='')}"
    return "/app/suppliers"


def _orders_at_risk(uow: UnitOfWork, today: date, base: str) -> list[Decision]:
    found = []
    for o in SqlTodayStore(uow).open_orders_due(today + timedelta(days=RISK_DAYS)):
        days = (o.promise_date - today).days
        late_work = o.last_finish is not None and o.last_finish > o.promise_date
        if days > 0 and not late_work and o.open_jobs == 0 and o.open_picks == 0:
            continue  # nothing left to do for it but ship: not at risk
        if days < 0:
            title = f"Order {o.number} is {_plural(-days, 'day')} past its promise, not shipped"
        else:
            title = f"Order {o.number} is promised in {_plural(days, 'day')}"
        open_work = f"{_plural(o.open_jobs, 'open job')}, {_plural(o.open_picks, 'open pick')}"
        if late_work:
            why = f"its jobs finish {o.last_finish}, after the promise ({o.promise_date})"
            why += f"; {open_work}"
            suggestion = (
                "Expedite the late job with its supplier, or tell the customer the new date."
            )
        else:
            why = f"promised {o.promise_date}, {o.status.replace('_', ' ')}; {open_work}"
            suggestion = "Finish the open work today (picks, jobs) or tell the customer."
        money = _at_stake(uow, o.total, o.currency, today, base)
        found.append(
            Decision(
                f"{Kind.ORDER_AT_RISK}:{o.number}", Kind.ORDER_AT_RISK, title,
                f"{_money(o.total, o.currency)} order: {why}.", suggestion, money, base, days,
                o.number, f"/app/orders/{quote(o.number, safe='')}", (SNOOZE,),
            )
        )  # fmt: skip
    return found


def _failed_webhooks(uow: UnitOfWork, today: date, base: str) -> list[Decision]:
    """Failed webhooks; at stake: the order's total as its stored body carries it."""
    found = []
    rows = intake.list_inbox(uow, status="failed", limit=MAX_PER_KIND)
    bodies = SqlTodayStore(uow).webhook_bodies(row.id for row in rows)
    for row in rows:
        age = (today - row.received_at.date()).days
        total = webhook_total(*bodies[row.id]) if row.id in bodies else None
        order = f"A {_money(*total)} order: no" if total else "No"
        found.append(
            Decision(
                f"{Kind.FAILED_WEBHOOK}:{row.id}", Kind.FAILED_WEBHOOK,
                f"The {row.topic} webhook from {row.shop} failed to apply",
                f"{order} order is in for it since {row.received_at:%Y-%m-%d %H:%M} UTC "
                f"({_plural(row.attempts, 'attempt')}): {row.error or 'no reason recorded'}.",
                "Fix the cause (e.g. map the SKU: flexchain sku map), then retry.",
                _at_stake(uow, *total, today, base) if total else Decimal(0), base, -age,
                str(row.id), "",
                (Action("retry", "Retry", (ADMIN, PLANNER, BUYER)), SNOOZE),
            )
        )  # fmt: skip
    return found


def _rfqs_to_award(uow: UnitOfWork, now: datetime, base: str) -> list[Decision]:
    today = now.date()
    found = []
    for rfq in rfqs.list_rfqs(uow, status="sent"):
        asked = len([s for s in rfq.suppliers.split(",") if s.strip()])
        all_in = rfq.quotes >= rfq.lines * asked > 0  # every supplier asked quoted every line
        passed = rfq.reply_by is not None and rfq.reply_by < today
        if rfq.quotes == 0 or not (passed or all_in):
            continue
        try:
            rows = rfqs.compare_quotes(uow, rfq.number, base=base, now=now)
        except DomainError:  # e.g. a quote in a currency without a rate: still to award
            rows = []
        best = [r for r in rows if r.rank == 1]
        landed = sum((r.landed_cost for r in best), Decimal(0))
        need = min((r.need_date for r in rows), default=None)
        winners = ", ".join(sorted({r.supplier for r in best})) or "no valid quote"
        money = _at_stake(uow, landed, rfq.currency, today, base)
        found.append(
            Decision(
                f"{Kind.RFQ_TO_AWARD}:{rfq.number}", Kind.RFQ_TO_AWARD,
                f"RFQ {rfq.number}: {_plural(rfq.quotes, 'quote')} in, "
                + (f"reply-by {rfq.reply_by} passed" if passed else "every supplier asked quoted"),
                f"{_money(landed, rfq.currency)} landed at the best quotes; first need "
                f"{need or 'not set'}.",
                f"Award each line to its best-ranked quote: {winners}.", money, base,
                (need - today).days if need else None, rfq.number,
                f"/app/procurement/rfqs/{quote(rfq.number, safe='')}",
                (Action("award", "Award best quotes", BUYERS), SNOOZE) if best else (SNOOZE,),
            )
        )  # fmt: skip
    return found


def _held_invoices(uow: UnitOfWork, today: date, base: str) -> list[Decision]:
    found = []
    for inv in invoicing.list_invoices(uow, status="held"):
        total = inv.base_total if inv.base_total is not None else inv.total
        currency = inv.base_currency if inv.base_total is not None else inv.currency
        reasons = "; ".join(inv.hold_reasons) or "no reason recorded"
        found.append(
            Decision(
                f"{Kind.INVOICE_HELD}:{inv.number}", Kind.INVOICE_HELD,
                f"Invoice {inv.number} from {inv.supplier} is held in matching",
                f"{_money(inv.total, inv.currency)} against {inv.po_number}: {reasons}.",
                "Check it against the receipt; release it if the difference is agreed, "
                "reject it otherwise.",
                _at_stake(uow, total, currency, today, base), base,
                -(today - inv.invoice_date).days, inv.number,
                _invoice_link(inv.number),
                (
                    Action("release", "Release hold", (ADMIN, FINANCE), reason=True),
                    Action("reject", "Reject", (ADMIN, FINANCE), reason=True),
                    SNOOZE,
                ),
            )
        )  # fmt: skip
    return found


def _firings(uow: UnitOfWork, today: date, base: str) -> list[Decision]:
    found = []
    for f in supplier_rules.list_firings(uow, status="open"):
        spend = f.figures.get("spend") or f.figures.get("yearly_spend") or 0
        try:
            money = Decimal(str(spend))
        except ArithmeticError:
            money = Decimal(0)
        deciders = (ADMIN, BUYER, QUALITY)
        actions = tuple(
            Action(d.value, d.value.replace("_", " ").capitalize(), deciders)
            for d in ALLOWED[Rule(f.rule)]
        )
        found.append(
            Decision(
                f"{Kind.RULE_FIRED}:{f.id}", Kind.RULE_FIRED,
                f"Rule {f.rule.replace('_', ' ')} fired for {f.supplier or f.item or f.key}",
                f.why.rstrip(".") + ".", f"{f.action.rstrip('.')}. To decide: {f.decision}",
                money, base,
                -(today - f.fired_at.date()).days, str(f.id),
                _firing_link(f.supplier, f.item), (*actions, SNOOZE),
            )
        )  # fmt: skip
    return found


def _certificates(uow: UnitOfWork, today: date, base: str, warn: int) -> list[Decision]:
    fired = {
        f.supplier
        for f in supplier_rules.list_firings(uow, status="open")
        if f.rule in (Rule.CERTIFICATE_EXPIRING, Rule.CERTIFICATE_EXPIRED)
    }
    found = []
    for c in certificates.list_certificates(uow, today=today):
        if c.days_to_expiry > warn or c.supplier in fired:
            continue  # far off, or its rule firing is in the inbox already
        state = "expired" if c.expired else f"expires in {_plural(c.days_to_expiry, 'day')}"
        found.append(
            Decision(
                f"{Kind.CERTIFICATE_EXPIRING}:{c.supplier}:{c.name}", Kind.CERTIFICATE_EXPIRING,
                f"{c.supplier}'s {c.name} certificate {state}",
                f"Valid until {c.valid_until}: items that require it cannot be sourced from "
                f"{c.supplier} once it lapses.",
                f"Ask {c.supplier} to upload the renewed certificate "
                "(its portal's Certificates page).",
                Decimal(0), base, c.days_to_expiry, c.supplier,
                _supplier_link(c.supplier), (SNOOZE,),
            )
        )  # fmt: skip
    return found


def _option_alerts(uow: UnitOfWork, now: datetime, base: str) -> list[Decision]:
    sensed = signals.sensing(uow, now=now)
    found = []
    for alert in sensed.alerts.head(MAX_PER_KIND).iter_rows(named=True):
        module, option = str(alert["module"]), str(alert["option"])
        was, share = Decimal(str(alert["baseline_share"])), Decimal(str(alert["window_share"]))
        found.append(
            Decision(
                f"{Kind.OPTION_ALERT}:{module}:{option}", Kind.OPTION_ALERT,
                f"Option {option} of {module} is chosen far more often",
                f"Its share of add-to-carts went from {was * 100:.0f} % to {share * 100:.0f} %.",
                "Its materials get more safety stock at the next plan run; check their "
                "supply on the Inventory page and run the plan.",
                Decimal(0), base, None, f"{module}:{option}", "/app/inventory", (SNOOZE,),
            )
        )  # fmt: skip
    return found


def _renegotiations(uow: UnitOfWork, today: date, base: str) -> list[Decision]:
    found = []
    for t in price_watch.list_tasks(uow, status="open"):
        found.append(
            Decision(
                f"{Kind.RENEGOTIATION}:{t.id}", Kind.RENEGOTIATION,
                f"Renegotiate {t.contract} with {t.supplier}: {t.index} moved {t.move_pct:.1f} %",
                renegotiation_why(t.summary, t.impacts) + ".",
                f"Ask {t.supplier} for the index clause's price change; accept the task when "
                "agreed, dismiss it if the move is passing.",
                _at_stake(uow, abs(t.cost_impact), t.currency, today, base), base,
                -(today - t.created_at.date()).days, str(t.id), "/app/procurement",
                (
                    Action("accept", "Accept", BUYERS, reason=True),
                    Action("dismiss", "Dismiss", BUYERS, reason=True),
                    SNOOZE,
                ),
            )
        )  # fmt: skip
    return found


# -- the inbox ----------------------------------------------------------------------------------


def decision_inbox(
    uow: UnitOfWork, *, now: datetime, settings: Settings, kind: str | None = None
) -> list[Decision]:
    """Everything waiting for a person, ranked (highest score first), snoozed entries left
    out until their day; only ``kind`` if given."""
    now = utc(now, "now")
    today, base = now.date(), settings.default_currency
    if kind is not None and kind not in {k.value for k in Kind}:
        names = ", ".join(k.value for k in Kind)
        raise ValidationError("kind", f"unknown kind {kind!r}; one of {names}")
    hidden = SqlTodayStore(uow).snoozes(today)
    sources: dict[Kind, Callable[[], list[Decision]]] = {
        Kind.ORDER_AT_RISK: lambda: _orders_at_risk(uow, today, base),
        Kind.FAILED_WEBHOOK: lambda: _failed_webhooks(uow, today, base),
        Kind.PLANNED_ORDER: lambda: today_planned.planned_orders(uow, today, base, hidden),
        Kind.RFQ_TO_AWARD: lambda: _rfqs_to_award(uow, now, base),
        Kind.INVOICE_HELD: lambda: _held_invoices(uow, today, base),
        Kind.RULE_FIRED: lambda: _firings(uow, today, base),
        Kind.CERTIFICATE_EXPIRING: lambda: _certificates(
            uow, today, base, settings.certificate_warning_days
        ),
        Kind.OPTION_ALERT: lambda: _option_alerts(uow, now, base),
        Kind.RENEGOTIATION: lambda: _renegotiations(uow, today, base),
    }
    found: list[Decision] = []
    for name, source in sources.items():
        if kind is None or name == kind:
            found.extend(d for d in source() if d.key not in hidden)
    return rank(found)


def find(uow: UnitOfWork, key: str, *, now: datetime, settings: Settings) -> Decision:
    """The entry ``key`` as the inbox shows it now; NotFound when it is not (or no longer) in.
    A planned order's key of old (``planned_order:RUN:NUMBER``) is taken for the current plan
    (:func:`flexchain.services.today_planned.old_ref`)."""
    old = today_planned.old_ref(uow, key)
    kind = key.partition(":")[0]
    for d in decision_inbox(uow, now=now, settings=settings, kind=kind if kind in KINDS else None):
        if d.key == key or (old is not None and d.kind is Kind.PLANNED_ORDER and d.ref == old):
            return d
    raise NotFound(f"no inbox entry {key!r} today: it was settled, snoozed or never was")


def snooze(uow: UnitOfWork, key: str, *, until: date, reason: str, now: datetime) -> Snooze:
    """Hide entry ``key`` until ``until`` (it shows again that day), with ``reason``; audited."""
    now = utc(now, "now")
    name, day, why = check_snooze(key, until, reason, today=now.date())
    before = SqlTodayStore(uow).snooze(name, day, why, uow.actor)
    audit.record_change(
        uow, "snoozed", "decision", name,
        before=None if before is None else {"until": before.until.isoformat()},
        after={"until": day.isoformat(), "reason": why}, at=now,
    )  # fmt: skip
    return Snooze(name, day, why, uow.actor)


def act(
    uow: UnitOfWork,
    key: str,
    action: str,
    *,
    now: datetime,
    settings: Settings,
    role: str,
    reason: str = "",
    until: date | None = None,
) -> str:
    """Take ``action`` on entry ``key`` as a user of ``role`` through the service that owns the
    record; what was done, in a sentence. ``snooze`` needs ``until`` and ``reason``; actions
    marked ``reason`` need a reason. ``retry`` is :func:`retry_webhook` (its own units of work)."""
    now = utc(now, "now")
    entry = find(uow, key, now=now, settings=settings)
    chosen = next((a for a in entry.actions if a.name == action), None)
    if chosen is None or action == "retry":
        names = ", ".join(a.name for a in entry.actions)
        raise ValidationError("action", f"{key} takes {names}, not {action!r}")
    if role not in chosen.roles:
        raise NotAllowed(f"{action} of {key} is for {', '.join(chosen.roles)}: not {role}")
    if chosen.reason and not reason.strip():
        raise ValidationError("reason", f"say why you {action} it")
    if action == "snooze":
        if until is None:
            raise ValidationError("until", "give the day the entry should show again")
        snooze(uow, entry.key, until=until, reason=reason, now=now)
        return f"{entry.title}: snoozed until {until}"
    return _act(uow, entry, action, reason=reason, now=now)


def _act(uow: UnitOfWork, entry: Decision, action: str, *, reason: str, now: datetime) -> str:
    if entry.kind is Kind.PLANNED_ORDER:
        return today_planned.release(uow, entry, now)
    if entry.kind is Kind.RFQ_TO_AWARD:
        awarded = rfqs.award_rfq(uow, entry.ref, now=now)
        return f"RFQ {awarded.number} awarded: draft {', '.join(awarded.purchase_orders)}"
    if entry.kind is Kind.INVOICE_HELD and action == "release":
        invoicing.release_hold(uow, entry.ref, reason=reason, now=now)
        return f"Invoice {entry.ref}: hold released"
    if entry.kind is Kind.INVOICE_HELD:
        invoicing.reject_invoice(uow, entry.ref, reason=reason, now=now)
        return f"Invoice {entry.ref}: rejected"
    if entry.kind is Kind.RULE_FIRED:
        supplier_rules.decide_firing(uow, int(entry.ref), decision=action, note=reason, now=now)
        return f"Firing {entry.ref}: {action.replace('_', ' ')}"
    task = price_watch.decide_task(uow, int(entry.ref), action, reason=reason, now=now)
    return f"Renegotiation {entry.ref}: {task.status}"


@dataclass(frozen=True)
class Retried:
    """What became of a failed webhook applied again: in a sentence, and whether it applied."""

    message: str
    applied: bool


def retry_webhook(
    engine: Engine, uow_factory: Callable[[], UnitOfWork], key: str, *,
    now: datetime, settings: Settings, actor: str, role: str,
) -> str:  # fmt: skip
    """Apply the failed webhook of entry ``key`` again (``intake.retry``); what became of it
    (:func:`retry`'s message)."""
    return retry(
        engine, uow_factory, key, now=now, settings=settings, actor=actor, role=role
    ).message


def retry(
    engine: Engine, uow_factory: Callable[[], UnitOfWork], key: str, *,
    now: datetime, settings: Settings, actor: str, role: str,
) -> Retried:  # fmt: skip
    """Apply the failed webhook of entry ``key`` again (``intake.retry``): whether it applied,
    and what became of it."""
    with uow_factory() as uow:
        entry = find(uow, key, now=now, settings=settings)
    chosen = next((a for a in entry.actions if a.name == "retry"), None)
    if chosen is None:
        raise ValidationError("action", f"{key} is not a failed webhook: it takes no retry")
    if role not in chosen.roles:
        raise NotAllowed(f"retry of {key} is for {', '.join(chosen.roles)}: not {role}")
    view = intake.retry(
        engine, int(entry.ref), now=now, terms=intake.IntakeTerms.of(settings), actor=actor
    )
    if view.status == "failed":
        return Retried(f"Webhook {view.id} failed again: {view.error}", applied=False)
    return Retried(f"Webhook {view.id} applied: order {view.order}", applied=True)
