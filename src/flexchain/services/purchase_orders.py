"""Purchase orders: create (manual, call-off under a contract, from the plan or the sourcing
optimiser's proposals), top up under the elastic clause, issue to the supplier, the supplier's
confirmation, cancel, shipment notices; list and show.

Numbers are ``PO-000001`` (six digits, more after 999999), handed out by the store; a number
already used by an imported order is skipped. Every state change is audited (entity
``purchase_order``, keyed by the number). The rules live in :mod:`flexchain.domain.buying` and
:mod:`flexchain.domain.purchase_orders`; nothing here commits.

Pricing a line without a given price (:func:`create_purchase_orders`): the supplier's contract
valid on the order date that prices the item for the quantity (the order is then under that
contract), else the supplier's list price breaks for the item, else it is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flexchain.adapters.db.buying import NewLine, PoRecord, SqlBuyingStore, SupplierRef
from flexchain.adapters.db.rfqs import PlannedPurchase, SqlRfqStore
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.domain.buying import DraftLine, check_topup, contract_price, po_move
from flexchain.domain.checks import choice, code, text, whole_number
from flexchain.domain.contracts import Contract
from flexchain.domain.documents import DocumentKind, DocumentLine, Party, PurchaseDocument
from flexchain.domain.errors import DomainError, NotFound, ValidationError, format_amount
from flexchain.domain.errors import format_decimal as fmt
from flexchain.domain.purchase_orders import POHeaderStatus
from flexchain.domain.values import currency_code, money, quantity, utc
from flexchain.services import plan_releases
from flexchain.services.po_confirmations import NoticeView, confirm_po, post_shipment_notice
from flexchain.services.po_views import PoLineView, PoSummary, PoView, audited, summary, view

__all__ = [
    "DEFAULT_BRAND",
    "NoticeView",
    "PoLineView",
    "PoSummary",
    "PoView",
    "Proposal",
    "add_plan_lines",
    "add_topup",
    "cancel_po",
    "confirm_po",
    "create_po",
    "create_po_from_plan",
    "create_purchase_orders",
    "document_for_po",
    "issue_po",
    "list_pos",
    "post_shipment_notice",
    "show_po",
]

DEFAULT_BRAND = Party(name="flexchain")
"""Who a document is from when the caller names no brand."""
SOURCES = ("manual", "rfq", "calloff", "sourcing", "import")


@dataclass(frozen=True)
class Proposal:
    """A purchase to make: ``quantity`` of ``item_sku`` from ``supplier_code`` by ``due_date``,
    at ``unit_price`` in ``currency`` (None: priced by contract or list terms; a given price
    without a currency is in the supplier's), pegged to ``pegs``."""

    supplier_code: str
    item_sku: str
    quantity: Decimal
    due_date: date
    unit_price: Decimal | None = None
    pegs: tuple[tuple[str, ...], ...] = ()
    currency: str | None = None


# -- reads ------------------------------------------------------------------------------------


def list_pos(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    supplier: str | None = None,
    source: str | None = None,
) -> list[PoSummary]:
    """Purchase orders, newest first (a supplier's user: its own)."""
    wanted = choice(POHeaderStatus, status, "status").value if status else None
    if source is not None and source not in SOURCES:
        raise ValidationError("source", f"must be one of {', '.join(SOURCES)}, got {source!r}")
    store = SqlBuyingStore(uow)
    if supplier is not None:
        supplier = store.supplier(code(supplier, "supplier")).code
    return [summary(po) for po in store.pos(status=wanted, supplier=supplier, source=source)]


def show_po(uow: UnitOfWork, number: str) -> PoView:
    """One purchase order with its lines, confirmations and notices."""
    store = SqlBuyingStore(uow)
    return view(store, store.po(number))


# -- creating orders --------------------------------------------------------------------------


def _price(
    store: SqlBuyingStore, supplier: str, line: DraftLine, on: date
) -> tuple[Decimal, int | None, str]:
    """A line's price with the contract it comes from (if any) and its currency."""
    for contract_id, contract in store.contracts_of(supplier):
        if contract.is_active(on) and contract.price_for(line.item_sku, line.quantity):
            price = contract_price(contract, line.item_sku, line.quantity, on)
            return price, contract_id, contract.currency
    terms = store.item_terms(supplier, line.item_sku)
    if terms is not None and terms.price_breaks and terms.is_valid_on(on):
        return terms.unit_price(line.quantity), None, terms.currency
    raise DomainError(
        f"no price for {line.item_sku} from {supplier}: give a unit price, or add a contract "
        "price or the supplier's price breaks for it"
    )


def _new_lines(store: SqlBuyingStore, lines: Sequence[DraftLine]) -> list[NewLine]:
    items = store.items(line.item_sku for line in lines)
    missing = sorted({line.item_sku for line in lines} - set(items))
    if missing:
        raise NotFound(f"unknown item {missing[0]!r}")
    return [
        NewLine(items[line.item_sku].id, line.quantity, line.due_date, line.unit_price)
        for line in lines
    ]


def _add(
    uow: UnitOfWork, store: SqlBuyingStore, supplier: SupplierRef, lines: Sequence[DraftLine],
    *, source: str, currency: str, contract_id: int | None = None, rfq: str | None = None,
    notes: str = "", now: datetime, **context: Any,
) -> PoView:  # fmt: skip
    if not lines:
        raise ValidationError("lines", "a purchase order needs at least one line")
    new = _new_lines(store, lines)
    number = store.next_number("po")
    store.add_po(
        number, supplier, source=source, currency=currency, contract_id=contract_id,
        rfq_number=rfq, notes=text(notes, "notes", max_length=10_000, required=False),
        lines=new,
    )  # fmt: skip
    return audited(uow, store, "created", None, number, now, source=source, **context)


def _drafts(lines: Sequence[Mapping[str, Any]]) -> list[DraftLine]:
    if not lines:
        raise ValidationError("lines", "an order needs at least one line")
    drafts = []
    for index, line in enumerate(lines, 1):
        try:
            drafts.append(
                DraftLine(line.get("item", ""), line.get("quantity", ""), line.get("due_date", ""),
                          line.get("unit_price"))
            )  # fmt: skip
        except ValidationError as error:
            raise ValidationError(f"lines[{index}].{error.field}", error.message) from None
    return drafts


def create_po(
    uow: UnitOfWork,
    *,
    supplier: str | None = None,
    lines: Sequence[Mapping[str, Any]],
    contract: str | None = None,
    currency: str | None = None,
    notes: str = "",
    now: datetime,
) -> PoView:
    """A draft purchase order: ``lines`` of ``{"item", "quantity", "due_date", "unit_price"}``.

    With ``contract``: a call-off (source ``calloff``) to the contract's supplier, in its
    currency, every line priced by the contract (a line giving another price is refused). The
    contract's first call-off (none before it that is not cancelled) may order at most the
    elastic clause's ``first_max_units`` units, all its lines together.
    Without: source ``manual``, in ``currency`` (default the supplier's) where a line gives its
    price; a line without one is priced as :func:`create_purchase_orders` prices.
    """
    now = utc(now, "now")
    store = SqlBuyingStore(uow)
    drafts = _drafts(lines)
    if contract is None:
        if supplier is None:
            raise ValidationError("supplier", "required without a contract")
        cur = currency_code(currency) if currency else None
        proposals = [
            Proposal(supplier, line.item_sku, line.quantity, line.due_date, line.unit_price,
                     (), cur)
            for line in drafts
        ]  # fmt: skip
        (created,) = create_purchase_orders(uow, proposals, source="manual", notes=notes, now=now)
        return created
    contract_id, terms = store.contract(code(contract, "contract"))
    if supplier is not None and code(supplier, "supplier") != terms.supplier_code:
        raise DomainError(f"contract {terms.code} is with {terms.supplier_code}, not {supplier}")
    found = store.supplier(terms.supplier_code)
    priced = _calloff(terms, drafts, now.date())
    clause = terms.elastic_topup
    if clause is not None and not store.has_calloff(contract_id):
        clause.check_first_order(terms.code, sum((line.quantity for line in priced), Decimal(0)))
    return _add(
        uow, store, found, priced, source="calloff", currency=terms.currency,
        contract_id=contract_id, notes=notes, now=now, contract=terms.code,
    )  # fmt: skip


def _calloff(contract: Contract, lines: Sequence[DraftLine], on: date) -> list[DraftLine]:
    priced = []
    for line in lines:
        price = contract_price(contract, line.item_sku, line.quantity, on)
        if line.unit_price is not None and line.unit_price != price:
            raise DomainError(
                f"a call-off under {contract.code} is priced by the contract: {line.item_sku} "
                f"costs {format_amount(price)} for {fmt(line.quantity)}, not "
                f"{format_amount(line.unit_price)}"
            )
        priced.append(DraftLine(line.item_sku, line.quantity, line.due_date, price))
    return priced


def create_purchase_orders(
    uow: UnitOfWork,
    proposals: Sequence[Proposal],
    *,
    source: str = "sourcing",
    rfq: str | None = None,
    notes: str = "",
    now: datetime,
) -> list[PoView]:
    """One draft order per supplier of ``proposals`` (in supplier order; lines in the order
    given). Unpriced lines are priced as the module says; the order is under a contract when
    that contract priced all its lines. Pegs are kept in the audit entry."""
    now = utc(now, "now")
    if source not in SOURCES:
        raise ValidationError("source", f"must be one of {', '.join(SOURCES)}, got {source!r}")
    store = SqlBuyingStore(uow)
    groups: dict[str, list[Proposal]] = {}
    for proposal in proposals:
        groups.setdefault(code(proposal.supplier_code, "supplier"), []).append(proposal)
    created = []
    for supplier_code, group in sorted(groups.items()):
        supplier = store.supplier(supplier_code)
        lines, contracts, currencies = [], set(), set()
        for p in group:
            draft = DraftLine(p.item_sku, p.quantity, p.due_date, p.unit_price)
            price, contract_id, cur = draft.unit_price, None, p.currency or supplier.currency
            if price is None:
                price, contract_id, cur = _price(store, supplier_code, draft, now.date())
            lines.append(DraftLine(draft.item_sku, draft.quantity, draft.due_date, price))
            contracts.add(contract_id)
            currencies.add(cur)
        if len(currencies) > 1:
            raise DomainError(
                f"the lines for {supplier_code} are priced in {', '.join(sorted(currencies))}: "
                "one order has one currency"
            )
        contract_id = contracts.pop() if len(contracts) == 1 else None
        pegs = {f"line {i}": [list(peg) for peg in p.pegs] for i, p in enumerate(group, 1)}
        created.append(
            _add(uow, store, supplier, lines, source=source, currency=currencies.pop(),
                 contract_id=contract_id, rfq=rfq, notes=notes, now=now, pegs=pegs)
        )  # fmt: skip
    return created


# -- top-up, issue, cancel --------------------------------------------------------------------


def add_topup(
    uow: UnitOfWork,
    number: str,
    *,
    item: str,
    quantity: Decimal | int | str,
    unit_price: Decimal | int | str,
    due_date: date | None = None,
    now: datetime,
) -> PoView:
    """An elastic top-up on a contract order: ``quantity`` more of ``item`` at ``unit_price``,
    checked against the contract's clause (:func:`flexchain.domain.buying.check_topup`)."""
    now = utc(now, "now")
    store = SqlBuyingStore(uow)
    po = store.po(number, lock=True)
    if po.status not in ("draft", "sent", "confirmed"):
        raise DomainError(f"purchase order {number} is {po.status}: it cannot be topped up")
    if po.contract_id is None:
        raise DomainError(f"purchase order {number} is not under a contract: nothing to top up")
    _, contract = store.contract(store.contract_code(po.contract_id))
    sku = code(item, "item")
    requested = _quantity_of(quantity)
    price = money(unit_price, "unit_price", allow_zero=False)
    base = [line for line in po.lines if line.item_sku == sku and not line.topup]
    check_topup(
        contract, sku, now.date(),
        base_quantity=sum((line.quantity for line in base if line.status != "cancelled"),
                          Decimal(0)),
        already_topped_up=store.topped_up(po.contract_id), requested=requested,
        quoted_price=price,
    )  # fmt: skip
    due = due_date or min(line.due_date for line in base)
    (new,) = _new_lines(store, [DraftLine(sku, requested, due, price)])
    store.add_lines(
        number, po.supplier.id, po.currency, [NewLine(**{**asdict(new), "topup": True})]
    )
    return audited(uow, store, "topped_up", po, number, now, contract=contract.code)


def _quantity_of(value: object) -> Decimal:
    return quantity(value, "quantity", allow_zero=False)


def _document(
    po: PoRecord, brand: Party, contract: Contract | None, now: datetime
) -> PurchaseDocument:
    lines = tuple(
        DocumentLine(line.line_no, line.item_sku, line.item_name, line.quantity, line.uom,
                     line.due_date, line.unit_price)
        for line in po.lines if line.status != "cancelled"
    )  # fmt: skip
    # the payment terms and the contract reference are laid out from their own fields: the
    # terms are the contract's clauses as sentences, each said once
    terms: list[str] = []
    if contract is not None:
        if contract.quality_retention is not None:
            pct = fmt(contract.quality_retention.retention_pct)
            terms.append(f"{pct} % of each invoice is retained for the quality fund, settled "
                         f"{contract.quality_retention.settlement}.")  # fmt: skip
        if contract.elastic_topup is not None:
            clause = contract.elastic_topup
            if clause.first_max_units is not None:
                terms.append(f"First order of up to {fmt(clause.first_max_units)} units at the "
                             "contract price.")  # fmt: skip
            terms.append(f"Top-ups of up to {fmt(clause.max_units)} units at most "
                         f"{fmt(clause.max_premium_pct)} % above the contract price.")  # fmt: skip
    supplier = po.supplier
    return PurchaseDocument(
        kind=DocumentKind.PURCHASE_ORDER, number=po.number, issued_at=po.issued_at or now,
        brand=brand,
        supplier=Party(supplier.name, supplier.code, supplier.email, "", supplier.country),
        currency=po.currency, lines=lines, payment_terms_days=po.payment_terms_days,
        contract_code=po.contract_code, terms=tuple(terms), notes=po.notes,
    )  # fmt: skip


def document_for_po(
    uow: UnitOfWork, number: str, *, brand: Party | None = None, now: datetime
) -> PurchaseDocument:
    """What the supplier receives for order ``number`` (rendered and mailed by the caller)."""
    store = SqlBuyingStore(uow)
    po = store.po(number)
    contract = store.contract(po.contract_code)[1] if po.contract_code else None
    return _document(po, brand or DEFAULT_BRAND, contract, utc(now, "now"))


def issue_po(
    uow: UnitOfWork, number: str, *, brand: Party | None = None, now: datetime
) -> PurchaseDocument:
    """Send a draft order to its supplier (``draft -> sent``); the document to render and mail.
    Refused when a line has no price or no line is left."""
    now = utc(now, "now")
    store = SqlBuyingStore(uow)
    po = store.po(number, lock=True)
    target = po_move(number, po.status, POHeaderStatus.SENT)
    live = [line for line in po.lines if line.status == "open"]
    if not live:
        raise DomainError(f"purchase order {number} has no open line to send")
    unpriced = [line.line_no for line in live if line.unit_price is None]
    if unpriced:
        raise DomainError(f"purchase order {number} line {unpriced[0]} has no unit price")
    store.set_po(number, status=target.value, issued_at=now)
    audited(uow, store, "sent", po, number, now)
    return document_for_po(uow, number, brand=brand, now=now)


def cancel_po(uow: UnitOfWork, number: str, *, reason: str = "", now: datetime) -> PoView:
    """Cancel a draft or sent order; its open lines are cancelled (planning stops netting
    them)."""
    now = utc(now, "now")
    store = SqlBuyingStore(uow)
    po = store.po(number, lock=True)
    target = po_move(number, po.status, POHeaderStatus.CANCELLED)
    if any(line.received_quantity > 0 for line in po.lines):
        raise DomainError(f"purchase order {number} has received goods: close it instead")
    store.set_po(number, status=target.value, closed_at=now)
    store.set_lines(number, status="cancelled")
    why = text(reason, "reason", max_length=2000, required=False)
    return audited(uow, store, "cancelled", po, number, now, reason=why or None)


def create_po_from_plan(
    uow: UnitOfWork,
    *,
    supplier: str,
    plan_numbers: Sequence[int],
    now: datetime,
) -> PoView:
    """One draft order to ``supplier`` for planned purchases ``plan_numbers`` of the current
    plan (source ``sourcing``): each line the planned quantity due on its due date (or today
    plus the supplier's lead time for the item, if later), priced as
    :func:`create_purchase_orders` prices, pegged as planned."""
    numbers = _plan_numbers(plan_numbers)
    planned = _planned_purchases(uow, numbers)
    store, today = SqlBuyingStore(uow), utc(now, "now").date()
    proposals = [
        Proposal(supplier, p.item_sku, p.quantity, _due(store, supplier, p, today), None, p.pegs)
        for p in planned
    ]
    (created,) = create_purchase_orders(uow, proposals, source="sourcing", now=now)
    # each is released once (checked after the supplier is: refused, the unit of work is
    # rolled back, the draft with it)
    plan_releases.check_unreleased(uow, planned[0].run_id, numbers)
    into = {p.number: created.number for p in planned}
    plan_releases.record(uow, planned[0].run_id, into, "po", now=utc(now, "now"))
    return created


def add_plan_lines(
    uow: UnitOfWork, number: str, *, plan_numbers: Sequence[int], now: datetime
) -> PoView | None:
    """Add planned purchases ``plan_numbers`` of the current plan to draft order ``number``
    (one made from the plan), each line priced as :func:`create_purchase_orders` prices for
    the order's supplier, pegged as planned; recorded as released into it. None, writing
    nothing, when a line would be priced in another currency or under another contract than
    the order's: it belongs in an order of its own."""
    now = utc(now, "now")
    numbers = _plan_numbers(plan_numbers)
    planned = _planned_purchases(uow, numbers)
    store = SqlBuyingStore(uow)
    po = store.po(number, lock=True)
    if po.status != POHeaderStatus.DRAFT.value or po.source != "sourcing":
        raise DomainError(
            f"purchase order {number} is a {po.status} {po.source} order: planned purchases "
            "are added to a draft made from the plan only"
        )
    lines = []
    for p in planned:
        due = _due(store, po.supplier.code, p, now.date())
        draft = DraftLine(p.item_sku, p.quantity, due, None)
        price, contract_id, currency = _price(store, po.supplier.code, draft, now.date())
        if (currency, contract_id) != (po.currency, po.contract_id):
            return None
        lines.append(DraftLine(p.item_sku, p.quantity, due, price))
    plan_releases.check_unreleased(uow, planned[0].run_id, numbers)
    store.add_lines(number, po.supplier.id, po.currency, _new_lines(store, lines))
    plan_releases.record(uow, planned[0].run_id, dict.fromkeys(numbers, number), "po", now=now)
    pegs = {p.item_sku: [list(peg) for peg in p.pegs] for p in planned}
    return audited(uow, store, "lines_added", po, number, now, pegs=pegs)


def _due(store: SqlBuyingStore, supplier: str, planned: PlannedPurchase, today: date) -> date:
    """A planned purchase's line due day: its due day, or when the supplier can deliver if
    that is later (today plus its lead time for the item), as an awarded RFQ line is dated: a
    plan released late does not order what cannot arrive in time (nor count it late)."""
    terms = store.item_terms(supplier, planned.item_sku)
    lead = terms.lead_time_days if terms is not None else 0
    return max(planned.due_date, today + timedelta(days=lead))


def _planned_purchases(uow: UnitOfWork, numbers: list[int]) -> list[PlannedPurchase]:
    planned = SqlRfqStore(uow).planned(numbers)
    missing = sorted(set(numbers) - {p.number for p in planned})
    if missing:
        raise NotFound(f"the current plan has no planned order {missing[0]}")
    for p in planned:
        if p.kind != "purchase":
            raise DomainError(f"planned order {p.number} is a {p.kind}, not a purchase")
    return planned


def _plan_numbers(values: Sequence[object]) -> list[int]:
    if not values:
        raise ValidationError("plan_numbers", "give at least one planned order number")
    numbers = [whole_number(value, "plan_numbers", minimum=1) for value in values]
    if len(set(numbers)) != len(numbers):
        raise ValidationError("plan_numbers", "a planned order is named twice")
    return numbers
