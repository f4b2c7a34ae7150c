"""Receipts, invoices, payments, the quality fund, capacity fees and exchange rates: the same
use cases as ``flexchain receive|invoice|pay|fx``.

Who may call what: buyers receive, quality inspects, finance registers, approves and pays;
everyone logged in reads (a supplier's user only its own receipts, invoices, payments and fund:
another supplier's answers 404) and a supplier asks for early payment of its own approved
invoice. Money and quantities are exact decimal strings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from flexchain.domain.identity import EVERYONE, STAFF, Principal, Role
from flexchain.domain.invoices import MatchTolerance
from flexchain.domain.receiving import Tolerance
from flexchain.entrypoints.api.access import allow
from flexchain.entrypoints.api.deps import AppDep, uow_for
from flexchain.entrypoints.api.inputs import STORABLE_TEXT
from flexchain.entrypoints.api.responses import errors
from flexchain.entrypoints.cli.render import plain
from flexchain.services import fx, invoicing, payments, receiving

__all__ = ["router"]

router = APIRouter(tags=["paying"], dependencies=[STORABLE_TEXT])

BUYERS = (Role.ADMIN, Role.BUYER)
INSPECTORS = (Role.ADMIN, Role.QUALITY)
FINANCE = (Role.ADMIN, Role.FINANCE)
Receipt = Annotated[str, Path(max_length=64, description="RCV-000001 or the receipt's id")]
Number = Annotated[str, Path(max_length=64, description="INV-000001")]
WRITE = errors("The input, the state or a rule does not allow this", missing="Not found", body=True)
READ = errors("A filter is not valid", missing="Not found")


class LineQuantity(BaseModel):
    line: int
    quantity: str


class ReceiptIn(BaseModel):
    po_number: str
    lines: list[LineQuantity]
    location: str | None = None
    close_short: bool = False
    notes: str = ""


class InspectionIn(BaseModel):
    line: int
    accepted: str = "0"
    rejected: str = "0"
    reason: str = ""


class InvoiceLineIn(BaseModel):
    line: int
    quantity: str
    unit_price: str


class InvoiceIn(BaseModel):
    po_number: str
    supplier_invoice_number: str
    invoice_date: date
    lines: list[InvoiceLineIn]
    currency: str | None = None


class ReasonIn(BaseModel):
    reason: str


class EarlyIn(BaseModel):
    pay_on: date


class ScheduleIn(BaseModel):
    invoice: str | None = None


class RunIn(BaseModel):
    through: date | None = None
    payment: int | None = None


class QuarterIn(BaseModel):
    quarter: str


class MonthIn(BaseModel):
    month: str


class RateIn(BaseModel):
    currency: str
    date: date
    rate: str


class RatesCsvIn(BaseModel):
    csv: str
    source: str = "api"


def _read(app: Any, who: Principal, use: Any, *args: Any, **options: Any) -> JSONResponse:
    with uow_for(app, who, write=False) as uow:
        return JSONResponse(plain(use(uow, *args, **options)))


def _write(app: Any, who: Principal, use: Any, *args: Any, **options: Any) -> JSONResponse:
    with uow_for(app, who) as uow:
        result = use(uow, *args, now=datetime.now(UTC), **options)
        uow.commit()
    return JSONResponse(plain(result))


# -- receipts ------------------------------------------------------------------------------


MAX_ROWS = 10_000
"""The most receipts or payments one request lists (``limit``; ``offset`` pages on)."""
Limit = Annotated[int, Query(ge=1, le=MAX_ROWS, description="At most this many rows.")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Skip this many rows first.")]


def _page(rows: list[Any], total: int) -> JSONResponse:
    """The rows, with ``X-Total-Count``: how many there are without ``limit`` and ``offset``."""
    return JSONResponse(plain(rows), headers={"X-Total-Count": str(total)})


@router.get("/receipts", responses=READ)
def list_receipts(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    po: str | None = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> Any:
    """Receipts newest first (of one purchase order): ``limit`` of them from ``offset``; the
    header ``X-Total-Count`` says how many there are."""
    base = app.settings.default_currency
    with uow_for(app, who, write=False) as uow:
        rows = receiving.list_receipts(
            uow, po_number=po, base_currency=base, limit=limit, offset=offset
        )
        return _page(rows, receiving.count_receipts(uow, po_number=po))


@router.post("/receipts", responses=WRITE)
def receive(body: ReceiptIn, app: AppDep, who: Annotated[Principal, allow(*BUYERS)]) -> Any:
    """Receive goods against a purchase order (``flexchain receive PO --line 1=40``)."""
    settings = app.settings
    tolerance = Tolerance(settings.receipt_over_delivery_pct, settings.receipt_under_delivery_pct)
    return _write(
        app,
        who,
        receiving.receive_po,
        body.po_number,
        [(line.line, line.quantity) for line in body.lines],
        tolerance=tolerance,
        location=body.location,
        close_short=body.close_short,
        notes=body.notes,
        base_currency=settings.default_currency,
    )


@router.get("/receipts/{receipt}", responses=READ)
def show_receipt(receipt: Receipt, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """One receipt with its lines and inspections."""
    base = app.settings.default_currency
    return _read(app, who, receiving.show_receipt, receipt, base_currency=base)


@router.post("/receipts/{receipt}/inspection", responses=WRITE)
def inspect(
    receipt: Receipt,
    body: InspectionIn,
    app: AppDep,
    who: Annotated[Principal, allow(*INSPECTORS)],
) -> Any:
    """Accepted and rejected units of a receipt line; rejects go to quarantine."""
    return _write(
        app,
        who,
        receiving.inspect_receipt,
        receipt,
        body.line,
        accepted=body.accepted,
        rejected=body.rejected,
        reason=body.reason,
        base_currency=app.settings.default_currency,
    )


# -- invoices ------------------------------------------------------------------------------


@router.get("/invoices", responses=READ)
def list_invoices(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    status: str | None = None,
    supplier: str | None = None,
    po: str | None = None,
) -> Any:
    """Invoices newest first (a supplier's user: its own)."""
    return _read(app, who, invoicing.list_invoices, status=status, supplier=supplier, po_number=po)


@router.post("/invoices", responses=WRITE)
def register_invoice(
    body: InvoiceIn, app: AppDep, who: Annotated[Principal, allow(*FINANCE)]
) -> Any:
    """Register a supplier invoice: matched against the PO and its receipts, or held."""
    settings = app.settings
    tolerance = MatchTolerance(
        settings.invoice_price_tolerance_pct, settings.invoice_quantity_tolerance_pct
    )
    return _write(
        app,
        who,
        invoicing.register_invoice,
        po_number=body.po_number,
        supplier_invoice_number=body.supplier_invoice_number,
        invoice_date=body.invoice_date,
        currency=body.currency,
        lines=[(line.line, line.quantity, line.unit_price) for line in body.lines],
        base_currency=settings.default_currency,
        tolerance=tolerance,
    )


@router.get("/invoices/{number}", responses=READ)
def show_invoice(number: Number, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]) -> Any:
    """One invoice with its lines and hold reasons."""
    return _read(app, who, invoicing.show_invoice, number)


@router.post("/invoices/{number}/approve", responses=WRITE)
def approve_invoice(number: Number, app: AppDep, who: Annotated[Principal, allow(*FINANCE)]) -> Any:
    """Approve a matched invoice for payment."""
    return _write(app, who, invoicing.approve_invoice, number)


@router.post("/invoices/{number}/release", responses=WRITE)
def release_hold(
    number: Number, body: ReasonIn, app: AppDep, who: Annotated[Principal, allow(*FINANCE)]
) -> Any:
    """Release a held invoice (it becomes matched), with a reason."""
    return _write(app, who, invoicing.release_hold, number, reason=body.reason)


@router.post("/invoices/{number}/reject", responses=WRITE)
def reject_invoice(
    number: Number, body: ReasonIn, app: AppDep, who: Annotated[Principal, allow(*FINANCE)]
) -> Any:
    """Reject a held invoice, with a reason."""
    return _write(app, who, invoicing.reject_invoice, number, reason=body.reason)


@router.get("/invoices/{number}/early-payment", responses=READ)
def early_payment_offer(
    number: Number, pay_on: date, app: AppDep, who: Annotated[Principal, allow(*EVERYONE)]
) -> Any:
    """The discount for paying an approved invoice on ``pay_on``."""
    with uow_for(app, who, write=False) as uow:
        offer = payments.early_payment_offer(
            uow,
            number,
            pay_on=pay_on,
            now=datetime.now(UTC),
            annual_rate=app.settings.early_payment_annual_rate,
        )
    return JSONResponse(plain(offer))


@router.post("/invoices/{number}/early-payment", responses=WRITE)
def request_early_payment(
    number: Number,
    body: EarlyIn,
    app: AppDep,
    who: Annotated[Principal, allow(*FINANCE, Role.SUPPLIER)],
) -> Any:
    """Pay an approved invoice on ``pay_on`` at the early-payment discount (a supplier may ask
    for its own invoice)."""
    return _write(
        app,
        who,
        payments.request_early_payment,
        number,
        pay_on=body.pay_on,
        annual_rate=app.settings.early_payment_annual_rate,
    )


# -- payments, the quality fund, capacity fees ---------------------------------------------


@router.get("/payments", responses=READ)
def list_payments(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    status: str | None = None,
    supplier: str | None = None,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> Any:
    """Payments by due date (a supplier's user: its own): ``limit`` of them from ``offset``;
    the header ``X-Total-Count`` says how many there are."""
    with uow_for(app, who, write=False) as uow:
        rows = payments.list_payments(
            uow, status=status, supplier=supplier, limit=limit, offset=offset
        )
        return _page(rows, payments.count_payments(uow, status=status, supplier=supplier))


@router.post("/payments/schedule", responses=WRITE)
def schedule_payments(
    app: AppDep, who: Annotated[Principal, allow(*FINANCE)], body: ScheduleIn | None = None
) -> Any:
    """Schedule approved invoices (or one) by their terms, less retention."""
    return _write(app, who, payments.schedule_payments, invoice=body.invoice if body else None)


@router.post("/payments/run", responses=WRITE)
def run_payments(
    app: AppDep, who: Annotated[Principal, allow(*FINANCE)], body: RunIn | None = None
) -> Any:
    """Pay what is due by ``through`` (default today), or one ``payment``."""
    body = body or RunIn()
    through = body.through or datetime.now(UTC).date()
    return _write(app, who, payments.run_payments, through=through, payment=body.payment)


@router.get("/quality-fund", responses=READ)
def quality_fund(
    app: AppDep,
    who: Annotated[Principal, allow(*EVERYONE)],
    supplier: str | None = None,
    quarter: str | None = None,
) -> Any:
    """The quality fund by quarter and supplier (a supplier's user: its own)."""
    return _read(app, who, payments.quality_fund, supplier=supplier, quarter=quarter)


@router.post("/quality-fund/settle", responses=WRITE)
def settle_quality_fund(
    body: QuarterIn, app: AppDep, who: Annotated[Principal, allow(*FINANCE)]
) -> Any:
    """Settle a period that ended (`quarter`: 2026-Q1, 2026-01, 2026-H1 or 2026), each contract
    by its own settlement period; the others are listed as left out."""
    return _write(
        app,
        who,
        payments.settle_quality_fund,
        body.quarter,
        target_yield=app.settings.quality_target_yield,
    )


@router.get("/capacity-fees", responses=READ)
def list_fees(
    app: AppDep, who: Annotated[Principal, allow(*STAFF)], month: str | None = None
) -> Any:
    """Capacity-reservation fees accrued (of one month)."""
    return _read(app, who, payments.list_fee_accruals, month=month)


@router.post("/capacity-fees/accrue", responses=WRITE)
def accrue_fees(body: MonthIn, app: AppDep, who: Annotated[Principal, allow(*FINANCE)]) -> Any:
    """Accrue a month's fees, once per contract and month."""
    return _write(app, who, payments.accrue_capacity_fees, body.month)


# -- exchange rates ------------------------------------------------------------------------


@router.get("/exchange-rates", responses=READ)
def list_rates(
    app: AppDep, who: Annotated[Principal, allow(*STAFF)], currency: str | None = None
) -> Any:
    """Rates into the brand's currency by currency and date."""
    return _read(app, who, fx.list_rates, base=app.settings.default_currency, currency=currency)


@router.post("/exchange-rates", responses=WRITE)
def set_rate(body: RateIn, app: AppDep, who: Annotated[Principal, allow(*FINANCE)]) -> Any:
    """Enter one dated rate."""
    return _write(
        app,
        who,
        fx.set_rate,
        body.currency,
        body.date,
        body.rate,
        base=app.settings.default_currency,
    )


@router.post("/exchange-rates/import", responses=WRITE)
def import_rates(body: RatesCsvIn, app: AppDep, who: Annotated[Principal, allow(*FINANCE)]) -> Any:
    """Import dated rates from CSV text (``date,currency,rate``)."""
    return _write(
        app, who, fx.import_rates, body.csv, base=app.settings.default_currency, source=body.source
    )
