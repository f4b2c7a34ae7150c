"""Requests for quotation: create (from planned purchases of the current plan, or explicit
lines), send to the chosen suppliers, take their quotes, compare side by side, award (draft
purchase orders, source ``rfq``), cancel; list and show; the document each supplier receives.

Numbers are ``RFQ-000001`` (six digits), handed out by the store. Every change is audited
(entity ``rfq``, keyed by the number). The rules live in :mod:`flexchain.domain.rfqs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.buying import SqlBuyingStore
from flexchain.adapters.db.rfqs import NewRfqLine, QuoteRecord, RfqRecord, SqlRfqStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain import fx as fx_rules
from flexchain.domain.checks import choice, code, day, text, whole_number
from flexchain.domain.documents import DocumentKind, DocumentLine, Party, PurchaseDocument
from flexchain.domain.errors import DomainError, NotFound, ValidationError
from flexchain.domain.rfqs import (
    DEFAULT_LATE_RATE,
    Quote,
    RFQLine,
    RFQStatus,
    award,
    check_quote,
    compare,
    in_currency,
    rfq_transition,
)
from flexchain.domain.values import Money, currency_code, money, quantity, utc
from flexchain.services import audit, fx, plan_releases
from flexchain.services.purchase_orders import DEFAULT_BRAND, Proposal, create_purchase_orders

__all__ = [
    "ComparisonRow",
    "RfqSummary",
    "RfqView",
    "award_rfq",
    "cancel_rfq",
    "compare_quotes",
    "create_rfq",
    "document_for_rfq",
    "list_rfqs",
    "send_rfq",
    "show_rfq",
    "submit_quote",
]


@dataclass(frozen=True)
class RfqSummary:
    number: str
    status: str
    currency: str
    suppliers: str
    lines: int
    quotes: int
    reply_by: date | None
    created_at: datetime


@dataclass(frozen=True)
class RfqView:
    """An RFQ with its lines, the suppliers asked and the quotes (a supplier's user: its own)."""

    number: str
    status: str
    currency: str
    reply_by: date | None
    plan_run: int | None
    notes: str
    suppliers: tuple[str, ...]
    lines: tuple[dict[str, Any], ...]
    quotes: tuple[dict[str, Any], ...]
    sent_at: datetime | None
    awarded_at: datetime | None
    cancelled_at: datetime | None
    purchase_orders: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``rfq show --json`` and ``GET /rfqs/{number}``."""
        return asdict(self)


@dataclass(frozen=True)
class ComparisonRow:
    """One quote of one line, as the side-by-side comparison costs it (rank 1 is best)."""

    line_no: int
    item: str
    quantity: Decimal
    need_date: date
    supplier: str
    unit_price: Decimal
    moq: Decimal
    order_quantity: Decimal
    purchase_cost: Decimal
    lead_time_days: int
    arrival: date
    days_late: int
    lateness_cost: Decimal
    landed_cost: Decimal
    valid_until: date
    rank: int | None
    expired: bool
    quoted_unit_price: Decimal | None = None
    """The unit price as quoted, in ``quoted_currency`` (``unit_price`` and the costs are in
    the RFQ's currency: converted at ``rate`` where the quote is in the supplier's own)."""
    quoted_currency: str = ""
    rate: Decimal = Decimal(1)
    """What one unit of ``quoted_currency`` is worth in the RFQ's currency (1: the same)."""
    rate_on: date | None = None
    """The day of the exchange rate used (None: no conversion)."""


def _view(rfq: RfqRecord, quotes: Sequence[QuoteRecord]) -> RfqView:
    lines = tuple(
        {key: value for key, value in asdict(line).items() if key not in ("item_name", "uom")}
        | {"name": line.item_name, "uom": line.uom}
        for line in rfq.lines
    )
    orders = tuple(sorted({line.po_number for line in rfq.lines if line.po_number}))
    return RfqView(
        rfq.number, rfq.status, rfq.currency, rfq.reply_by, rfq.plan_run_id, rfq.notes,
        tuple(s.code for s in rfq.suppliers), lines, tuple(asdict(q) for q in quotes),
        rfq.sent_at, rfq.awarded_at, rfq.cancelled_at, orders,
    )  # fmt: skip


def _domain_lines(rfq: RfqRecord) -> list[RFQLine]:
    return [
        RFQLine(line.line_no, line.item_sku, line.quantity, line.need_date, line.plan_number,
                line.pegs)
        for line in rfq.lines
    ]  # fmt: skip


def _quote(record: QuoteRecord) -> Quote:
    return Quote(
        record.supplier, record.line_no, record.unit_price, record.currency,
        record.lead_time_days, record.valid_until, record.moq, record.note,
    )  # fmt: skip


def _record(
    uow: UnitOfWork, action: str, before: RfqRecord | None, after: RfqRecord, now: datetime,
    **context: Any,
) -> None:  # fmt: skip
    def state(rfq: RfqRecord | None) -> dict[str, Any] | None:
        return None if rfq is None else {"status": rfq.status}

    audit.record_change(
        uow, action, "rfq", after.number, before=state(before), after=state(after), at=now,
        **context,
    )  # fmt: skip


def list_rfqs(
    uow: UnitOfWork, *, status: str | None = None, supplier: str | None = None
) -> list[RfqSummary]:
    """RFQs, newest first (a supplier's user: those it was asked to quote)."""
    wanted = choice(RFQStatus, status, "status").value if status else None
    if supplier is not None:
        supplier = SqlBuyingStore(uow).supplier(code(supplier, "supplier")).code
    store = SqlRfqStore(uow)
    return [
        RfqSummary(
            rfq.number,
            rfq.status,
            rfq.currency,
            ", ".join(s.code for s in rfq.suppliers),
            len(rfq.lines),
            len(store.quotes(rfq.id)),
            rfq.reply_by,
            rfq.created_at,
        )
        for rfq in store.rfqs(status=wanted, supplier=supplier)
    ]


def show_rfq(uow: UnitOfWork, number: str) -> RfqView:
    store = SqlRfqStore(uow)
    rfq = store.rfq(number)
    return _view(rfq, store.quotes(rfq.id))


def _lines_from_plan(store: SqlRfqStore, numbers: Sequence[object]) -> tuple[int, list[RFQLine]]:
    wanted = [whole_number(n, "plan_numbers", minimum=1) for n in numbers]
    if len(set(wanted)) != len(wanted):
        raise ValidationError("plan_numbers", "a planned order is named twice")
    planned = store.planned(wanted)
    missing = sorted(set(wanted) - {p.number for p in planned})
    if missing:
        raise NotFound(f"the current plan has no planned order {missing[0]}")
    lines = []
    for index, p in enumerate(planned, 1):
        if p.kind != "purchase":
            raise DomainError(f"planned order {p.number} is a {p.kind}, not a purchase")
        lines.append(RFQLine(index, p.item_sku, p.quantity, p.due_date, p.number, p.pegs))
    return planned[0].run_id, lines


def _explicit_lines(lines: Sequence[Mapping[str, Any]]) -> list[RFQLine]:
    result = []
    for index, line in enumerate(lines, 1):
        try:
            result.append(
                RFQLine(
                    index, line.get("item", ""), line.get("quantity", ""), line.get("need_date", "")
                )
            )
        except ValidationError as error:
            raise ValidationError(f"lines[{index}].{error.field}", error.message) from None
    return result


def create_rfq(
    uow: UnitOfWork,
    *,
    suppliers: Sequence[str],
    lines: Sequence[Mapping[str, Any]] = (),
    plan_numbers: Sequence[int] = (),
    currency: str = "EUR",
    reply_by: date | None = None,
    notes: str = "",
    now: datetime,
) -> RfqView:
    """A draft RFQ to ``suppliers``: for planned purchases ``plan_numbers`` of the current plan
    (quantity, due date and pegs as planned), or ``lines`` of ``{"item", "quantity",
    "need_date"}`` — one or the other."""
    now = utc(now, "now")
    rfqs, buying = SqlRfqStore(uow), SqlBuyingStore(uow)
    if bool(lines) == bool(plan_numbers):
        raise ValidationError("lines", "give either lines or planned order numbers")
    run_id, wanted = _lines_from_plan(rfqs, plan_numbers) if plan_numbers else (None, None)
    wanted = wanted or _explicit_lines(lines)
    codes = [code(s, "suppliers") for s in suppliers]
    if not codes or len(set(codes)) != len(codes):
        raise ValidationError("suppliers", "name each supplier to ask once, at least one")
    found = [buying.supplier(c) for c in codes]
    if run_id is not None:  # each planned order is released once
        plan_releases.check_unreleased(uow, run_id, [line.plan_number or 0 for line in wanted])
    items = buying.items(line.item_sku for line in wanted)
    missing = sorted({line.item_sku for line in wanted} - set(items))
    if missing:
        raise NotFound(f"unknown item {missing[0]!r}")
    if reply_by is not None and day(reply_by, "reply_by") < now.date():
        raise ValidationError("reply_by", f"{reply_by} is in the past")
    number = buying.next_number("rfq")
    rfqs.add_rfq(
        number, currency=currency_code(currency), reply_by=reply_by, plan_run_id=run_id,
        notes=text(notes, "notes", max_length=10_000, required=False),
        lines=[
            NewRfqLine(line.line_no, items[line.item_sku].id, line.quantity, line.need_date,
                       line.plan_number, [list(peg) for peg in line.pegs])
            for line in wanted
        ],
        supplier_ids=[s.id for s in found],
    )  # fmt: skip
    rfq = rfqs.rfq(number)
    if run_id is not None:
        into = {line.plan_number: number for line in wanted if line.plan_number is not None}
        plan_releases.record(uow, run_id, into, "rfq", now=now)
    _record(uow, "created", None, rfq, now, suppliers=codes, lines=len(wanted))
    return _view(rfq, [])


def _move(uow: UnitOfWork, number: str, target: RFQStatus, now: datetime, **values: Any) -> RfqView:
    store = SqlRfqStore(uow)
    rfq = store.rfq(number, lock=True)
    status = rfq_transition(rfq.status, target, rfq.number)
    store.set_rfq(rfq.id, status=status.value, **values)
    after = store.rfq(number)
    _record(uow, status.value, rfq, after, now)
    return _view(after, store.quotes(rfq.id))


def send_rfq(uow: UnitOfWork, number: str, *, now: datetime) -> RfqView:
    """A draft RFQ goes out to its suppliers (``draft -> sent``): they may quote now. The
    documents to mail: :func:`document_for_rfq` per supplier."""
    now = utc(now, "now")
    return _move(uow, number, RFQStatus.SENT, now, sent_at=now)


def cancel_rfq(uow: UnitOfWork, number: str, *, now: datetime) -> RfqView:
    now = utc(now, "now")
    return _move(uow, number, RFQStatus.CANCELLED, now, cancelled_at=now)


def document_for_rfq(
    uow: UnitOfWork, number: str, supplier: str, *, brand: Party | None = None, now: datetime
) -> PurchaseDocument:
    """What ``supplier`` receives for RFQ ``number``: its lines without prices, reply by."""
    rfq = SqlRfqStore(uow).rfq(number)
    to = next((s for s in rfq.suppliers if s.code == supplier), None)
    if to is None:
        raise NotFound(f"supplier {supplier!r} was not asked to quote RFQ {number}")
    lines = tuple(
        DocumentLine(line.line_no, line.item_sku, line.item_name, line.quantity, line.uom,
                     line.need_date)
        for line in rfq.lines
    )  # fmt: skip
    return PurchaseDocument(
        kind=DocumentKind.RFQ, number=rfq.number, issued_at=rfq.sent_at or utc(now, "now"),
        brand=brand or DEFAULT_BRAND,
        supplier=Party(to.name, to.code, to.email, "", to.country), currency=rfq.currency,
        lines=lines, payment_terms_days=to.payment_terms_days, reply_by=rfq.reply_by,
        terms=("Quote a unit price, minimum order quantity, lead time in days and validity "
               "per line.",),
        notes=rfq.notes,
    )  # fmt: skip


def submit_quote(
    uow: UnitOfWork,
    number: str,
    *,
    line: int,
    unit_price: Decimal | int | str,
    lead_time_days: int,
    valid_until: date,
    moq: Decimal | int | str = 0,
    supplier: str | None = None,
    currency: str | None = None,
    note: str = "",
    now: datetime,
) -> RfqView:
    """A quote for line ``line`` of a sent RFQ, by ``supplier`` (a supplier's user: itself, the
    default) or the buyer on its behalf; replaces the supplier's earlier quote of the line.
    ``currency``: the RFQ's (the default) or the supplier's own."""
    now = utc(now, "now")
    rfqs, buying = SqlRfqStore(uow), SqlBuyingStore(uow)
    rfq = rfqs.rfq(number, lock=True)
    who = supplier or buying.scope_supplier()
    if who is None:
        raise ValidationError("supplier", "name the supplier the quote is from")
    found = buying.supplier(code(who, "supplier"))
    quote = Quote(
        found.code, line, money(unit_price, "unit_price"), currency or rfq.currency,
        lead_time_days, valid_until, quantity(moq, "moq"),
        text(note, "note", max_length=2000, required=False),
    )  # fmt: skip
    invited = [s.code for s in rfq.suppliers]
    check_quote(
        rfq.status, number, rfq.currency, invited, _domain_lines(rfq), quote, now.date(),
        own_currency=found.currency,
    )  # fmt: skip
    before = {q.line_no: q for q in rfqs.quotes(rfq.id) if q.supplier == found.code}
    new = rfqs.put_quote(
        rfq.id, quote.line_no, found.id, unit_price=quote.unit_price, currency=quote.currency,
        moq=quote.moq, lead_time_days=quote.lead_time_days, valid_until=quote.valid_until,
        note=quote.note, submitted_at=now, actor=uow.actor,
    )  # fmt: skip
    old = before.get(quote.line_no)
    fields = ("unit_price", "moq", "lead_time_days", "valid_until")
    audit.record_change(
        uow, "quoted" if new else "requoted", "rfq", number,
        before={f: getattr(old, f) for f in fields} if old else None,
        after={f: getattr(quote, f) for f in fields}, at=now, supplier=found.code,
        line=quote.line_no,
    )  # fmt: skip
    return _view(rfqs.rfq(number), rfqs.quotes(rfq.id))


def compare_quotes(
    uow: UnitOfWork,
    number: str,
    *,
    on: date | None = None,
    late_rate_per_day: Decimal | str = DEFAULT_LATE_RATE,
    base: str = "EUR",
    now: datetime,
) -> list[ComparisonRow]:
    """Every quote of every line side by side, ranked by landed cost as of ``on`` (default
    today): see :func:`flexchain.domain.rfqs.compare`. A quote in the supplier's own currency
    is costed in the RFQ's at the rate of ``on`` (rates in ``base``, the brand's currency)."""
    store = SqlRfqStore(uow)
    rfq = store.rfq(number)
    when = on or utc(now, "now").date()
    quoted = {(q.supplier_code, q.line_no): q for q in map(_quote, store.quotes(rfq.id))}
    rates = _rates(uow, rfq, quoted.values(), when, base)
    converted = [_converted(q, rfq.currency, rates) for q in quoted.values()]
    rows = []
    for item in compare(_domain_lines(rfq), converted, when, late_rate_per_day=late_rate_per_day):
        line = item.line
        for q in item.quotes:
            asked = quoted[(q.quote.supplier_code, line.line_no)]
            rate, rate_on = rates.get(asked.currency, (Decimal(1), None))
            rows.append(
                ComparisonRow(
                    line.line_no, line.item_sku, line.quantity, line.need_date,
                    q.quote.supplier_code, q.quote.unit_price, q.quote.moq, q.order_quantity,
                    q.purchase_cost, q.quote.lead_time_days, q.arrival, q.days_late,
                    q.lateness_cost, q.landed_cost, q.quote.valid_until, q.rank, q.expired,
                    asked.unit_price, asked.currency, rate, rate_on,
                )
            )  # fmt: skip
    return rows


def _rates(
    uow: UnitOfWork, rfq: RfqRecord, quotes: Iterable[Quote], on: date, base: str
) -> dict[str, tuple[Decimal, date]]:
    """Currency of a quote not in the RFQ's -> (what one unit is worth in the RFQ's currency
    on ``on``, the day of the rate); no rate known is an error naming the rate to set."""
    foreign = sorted({q.currency for q in quotes} - {rfq.currency})
    known = fx.list_rates(uow, base=base) if foreign else []
    result = {}
    for currency in foreign:
        try:
            rate = fx_rules.convert(Money(Decimal(1), currency), rfq.currency, on, known, base)
            days = [fx_rules.latest_rate(known, c, base, on).on
                    for c in (currency, rfq.currency) if c != base]  # fmt: skip
        except NotFound as error:
            raise DomainError(
                f"RFQ {rfq.number} compares quotes in {rfq.currency}: {error}"
            ) from error
        result[currency] = (rate.amount, max(days))
    return result


def _converted(quote: Quote, currency: str, rates: Mapping[str, tuple[Decimal, date]]) -> Quote:
    return in_currency(quote, currency, rates.get(quote.currency, (Decimal(1), None))[0])


def award_rfq(
    uow: UnitOfWork,
    number: str,
    *,
    choices: Mapping[int, str] | None = None,
    late_rate_per_day: Decimal | str = DEFAULT_LATE_RATE,
    base: str = "EUR",
    now: datetime,
) -> RfqView:
    """Award a sent RFQ: each line to ``choices[line]`` (a supplier code) or its best-ranked
    valid quote (ranked in the RFQ's currency at today's rates); one draft purchase order per
    supplier (source ``rfq``), lines at the quote's price in the quote's currency and order
    quantity, due the later of the need date and today + lead time."""
    now = utc(now, "now")
    rfqs, buying = SqlRfqStore(uow), SqlBuyingStore(uow)
    rfq = rfqs.rfq(number, lock=True)
    status = rfq_transition(rfq.status, RFQStatus.AWARDED, rfq.number)
    wanted = {
        whole_number(k, "line", minimum=1): code(v, "supplier") for k, v in (choices or {}).items()
    }
    quoted = {(q.supplier_code, q.line_no): q for q in map(_quote, rfqs.quotes(rfq.id))}
    rates = _rates(uow, rfq, quoted.values(), now.date(), base)
    comparison = compare(
        _domain_lines(rfq), [_converted(q, rfq.currency, rates) for q in quoted.values()],
        now.date(), late_rate_per_day=late_rate_per_day,
    )  # fmt: skip
    orders = award(number, comparison, now.date(), wanted)
    for order in orders:
        won = [(a, quoted[(order.supplier_code, a.line.line_no)]) for a in order.lines]
        proposals = [
            Proposal(order.supplier_code, a.line.item_sku, a.quantity, a.due_date,
                     asked.unit_price, a.line.pegs, asked.currency)
            for a, asked in won
        ]  # fmt: skip
        (po,) = create_purchase_orders(uow, proposals, source="rfq", rfq=number, now=now)
        supplier_id = buying.supplier(order.supplier_code).id
        for a in order.lines:
            rfqs.award_line(rfq.id, a.line.line_no, supplier_id, po.number)
    rfqs.set_rfq(rfq.id, status=status.value, awarded_at=now)
    after = rfqs.rfq(number)
    awarded = {str(a.line.line_no): o.supplier_code for o in orders for a in o.lines}
    _record(uow, "awarded", rfq, after, now, awarded=awarded)
    return _view(after, rfqs.quotes(rfq.id))
