"""``flexchain receive`` (goods against a purchase order, and their inspection) and ``flexchain
invoice`` (supplier invoices: three-way match, approval, holds). ``flexchain pay`` and
``flexchain fx`` are in :mod:`flexchain.entrypoints.cli.payments`.

``flexchain receive PO-000001 --line 1=40 --line 2=10`` receives; ``receive list|show|inspect``
are its other commands (``flexchain stock receive`` is the plain stock move without a PO).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from flexchain.config import Settings
from flexchain.domain.errors import ValidationError
from flexchain.domain.invoices import MatchTolerance
from flexchain.domain.receiving import Tolerance
from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import (
    DEFAULT_LIMIT,
    LimitOption,
    OffsetOption,
    console,
    money_text,
    page_note,
    plain,
    print_json_array,
    status_console,
    table,
)
from flexchain.services import invoicing, receiving

__all__ = ["invoice_app", "receive_app"]


class _ReceiveGroup(TyperGroup):
    """``flexchain receive PO ...`` runs the hidden ``po`` command; named commands run as such."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["po", *args]
        return super().resolve_command(ctx, args)


receive_app = typer.Typer(
    cls=_ReceiveGroup,
    help="Receive goods against a purchase order (flexchain receive PO --line 1=40), list and "
    "inspect receipts.",
    no_args_is_help=True,
)
invoice_app = typer.Typer(
    help="Supplier invoices: three-way match, approval.", no_args_is_help=True
)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]
RECEIPT_COLUMNS = (
    ("number", "Receipt"),
    ("po_number", "PO"),
    ("supplier", "Supplier"),
    ("location", "Location"),
    ("received_at", "Received (UTC)"),
    ("lines", "Lines"),
    ("quantity", "Qty"),
    ("rejected", "Rejected"),
)
INVOICE_COLUMNS = (
    ("number", "Invoice"),
    ("supplier", "Supplier"),
    ("supplier_invoice_number", "Their number"),
    ("po_number", "PO"),
    ("invoice_date", "Date"),
    ("total", "Total"),
    ("currency", "Cur"),
    ("base_total", "Base total"),
    ("status", "Status"),
    ("hold_reasons", "Held because"),
)


def _pairs(values: list[str], flag: str) -> list[tuple[int, str]]:
    """``["1=40", "2=10"]`` -> ``[(1, "40"), (2, "10")]``."""
    result = []
    for value in values:
        line, sep, amount = value.partition("=")
        if not sep or not line.strip().isdigit() or not amount.strip():
            raise ValidationError(flag, f"expected LINE=QUANTITY like 1=40, got {value!r}")
        result.append((int(line), amount.strip()))
    return result


def receive_tolerance(settings: Settings) -> Tolerance:
    return Tolerance(settings.receipt_over_delivery_pct, settings.receipt_under_delivery_pct)


def _print_receipt(view: receiving.ReceiptView, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(plain(view), ensure_ascii=False, indent=2))
        return
    value = f", worth {money_text(view.value, view.currency)}" if view.value is not None else ""
    if view.base_value is not None and view.base_currency != view.currency:
        value += f" ({money_text(view.base_value, view.base_currency)})"
    console.print(
        f"Receipt {view.number}: {view.po_number} from {view.supplier} at "
        f"{view.location}, {view.received_at:%Y-%m-%d %H:%M} UTC{value}",
        markup=False,
        soft_wrap=True,
    )
    columns = (
        ("line_no", "Line"),
        ("sku", "SKU"),
        ("quantity", "Received"),
        ("accepted", "Accepted"),
        ("rejected", "Rejected"),
        ("uninspected", "Not inspected"),
    )
    rows = [plain(line) for line in view.lines]
    console.print(table(columns, rows, numeric=("quantity", "accepted", "rejected", "uninspected")))
    for line in view.lines:
        for reason in line.reasons:
            console.print(f"  line {line.line_no} rejected: {reason}", markup=False, soft_wrap=True)


@receive_app.command("po", hidden=True)
def receive_po(
    ctx: typer.Context,
    po_number: Annotated[str, typer.Argument(metavar="PO", help="The purchase order's number.")],
    line: Annotated[
        list[str], typer.Option("--line", help="LINE=QUANTITY received, e.g. 1=40; repeat.")
    ],
    location: Annotated[
        str | None, typer.Option("--location", help="Where \\[default: the PO line's].")
    ] = None,
    close_short: Annotated[
        bool, typer.Option("--close-short", help="Close the lines even if short.")
    ] = False,
    notes: Annotated[str, typer.Option("--notes", help="Delivery note, remarks.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Receive goods against a purchase order."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = receiving.receive_po(
            uow,
            po_number,
            _pairs(line, "--line"),
            now=datetime.now(UTC),
            location=location,
            close_short=close_short,
            notes=notes,
            tolerance=receive_tolerance(app.settings),
            base_currency=app.settings.default_currency,
        )
        uow.commit()
    _print_receipt(view, as_json)


@receive_app.command("list")
def receive_list(
    ctx: typer.Context,
    po: Annotated[str | None, typer.Option("--po", help="One purchase order.")] = None,
    limit: LimitOption = DEFAULT_LIMIT,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Receipts, newest first (the first 1,000 unless --limit says otherwise)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = receiving.list_receipts(
            uow, po_number=po, base_currency=app.settings.default_currency, limit=limit,
            offset=offset,
        )  # fmt: skip
        total = receiving.count_receipts(uow, po_number=po)
    note = page_note(len(found), total, offset, "receipts")
    if note:  # on stderr: --json prints the array alone
        status_console.print(note, markup=False, soft_wrap=True)
    if as_json:
        print_json_array(found)
        return
    rows = [
        {
            "number": r.number,
            "po_number": r.po_number,
            "supplier": r.supplier,
            "location": r.location,
            "received_at": f"{r.received_at:%Y-%m-%d %H:%M}",
            "lines": len(r.lines),
            "quantity": sum(line.quantity for line in r.lines),
            "rejected": sum(line.rejected for line in r.lines),
        }
        for r in found
    ]
    if not rows:
        console.print("No receipts.", markup=False)
    else:
        console.print(table(RECEIPT_COLUMNS, rows, numeric=("lines", "quantity", "rejected")))


ReceiptArg = Annotated[str, typer.Argument(metavar="RECEIPT", help="RCV-000001 or its id.")]


@receive_app.command("show")
def receive_show(ctx: typer.Context, receipt: ReceiptArg, as_json: JsonOption = False) -> None:
    """One receipt with its lines and inspections."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        view = receiving.show_receipt(uow, receipt, base_currency=app.settings.default_currency)
    _print_receipt(view, as_json)


@receive_app.command("inspect")
def receive_inspect(
    ctx: typer.Context,
    receipt: ReceiptArg,
    line: Annotated[int, typer.Option("--line", help="The PO line inspected.")],
    accepted: Annotated[str, typer.Option("--accepted", help="Units accepted.")] = "0",
    rejected: Annotated[str, typer.Option("--rejected", help="Units rejected.")] = "0",
    reason: Annotated[str, typer.Option("--reason", help="Why units are rejected.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Record an inspection; rejected units move to QUARANTINE."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = receiving.inspect_receipt(
            uow,
            receipt,
            line,
            accepted=accepted,
            rejected=rejected,
            reason=reason,
            now=datetime.now(UTC),
            base_currency=app.settings.default_currency,
        )
        uow.commit()
    _print_receipt(view, as_json)


def _billed(values: list[str]) -> list[tuple[int, str, str]]:
    """``["1=40@10.20"]`` -> ``[(1, "40", "10.20")]``."""
    result = []
    for value in values:
        line, sep, rest = value.partition("=")
        quantity, at, price = rest.partition("@")
        if not (sep and at and line.strip().isdigit() and quantity.strip() and price.strip()):
            raise ValidationError(
                "--line", f"expected LINE=QUANTITY@PRICE like 1=40@10.20, got {value!r}"
            )
        result.append((int(line), quantity.strip(), price.strip()))
    return result


def match_tolerance(settings: Settings) -> MatchTolerance:
    return MatchTolerance(
        settings.invoice_price_tolerance_pct, settings.invoice_quantity_tolerance_pct
    )


def _print_invoice(view: invoicing.InvoiceView, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(plain(view), ensure_ascii=False, indent=2))
        return
    base = f" ({money_text(view.base_total, view.base_currency)})" if view.base_total else ""
    console.print(
        f"Invoice {view.number} ({view.supplier_invoice_number}) from {view.supplier} "
        f"for {view.po_number}, {view.invoice_date}: {money_text(view.total, view.currency)}"
        f"{base}, {view.status}",
        markup=False,
        soft_wrap=True,
    )
    held = "HELD" if view.status == "held" else "was held"  # released or rejected since
    for reason in view.hold_reasons:
        console.print(f"  {held}: {reason}", markup=False, soft_wrap=True)


@invoice_app.command("add")
def invoice_add(
    ctx: typer.Context,
    po_number: Annotated[str, typer.Argument(metavar="PO", help="The purchase order billed.")],
    theirs: Annotated[
        str, typer.Option("--supplier-invoice", help="The supplier's invoice number.")
    ],
    line: Annotated[
        list[str], typer.Option("--line", help="LINE=QUANTITY@PRICE billed, e.g. 1=40@10.20.")
    ],
    on: Annotated[
        str | None, typer.Option("--date", help="Invoice date YYYY-MM-DD \\[default: today].")
    ] = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="\\[default: the PO's currency]")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a supplier invoice; it is matched against the PO and its receipts, or held."""
    now = datetime.now(UTC)
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        when = _date(on, "--date") if on else now.date()
        view = invoicing.register_invoice(
            uow,
            po_number=po_number,
            supplier_invoice_number=theirs,
            invoice_date=when,
            lines=_billed(line),
            now=now,
            currency=currency,
            base_currency=app.settings.default_currency,
            tolerance=match_tolerance(app.settings),
        )
        uow.commit()
    _print_invoice(view, as_json)


def _date(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(flag, f"expected YYYY-MM-DD, got {value!r}") from None


@invoice_app.command("list")
def invoice_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="e.g. held, approved.")] = None,
    supplier: Annotated[str | None, typer.Option("--supplier", help="A supplier code.")] = None,
    po: Annotated[str | None, typer.Option("--po", help="One purchase order.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Invoices, newest first."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = invoicing.list_invoices(uow, status=status, supplier=supplier, po_number=po)
    if as_json:
        print_json_array(found)
    elif not found:
        console.print("No invoices.", markup=False)
    else:
        rows = [dict(plain(v), hold_reasons="; ".join(v.hold_reasons)) for v in found]
        console.print(
            table(INVOICE_COLUMNS, rows, money=("total", "base_total"), flexible="hold_reasons")
        )


NumberArg = Annotated[str, typer.Argument(metavar="NUMBER", help="INV-000001.")]


@invoice_app.command("show")
def invoice_show(ctx: typer.Context, number: NumberArg, as_json: JsonOption = False) -> None:
    """One invoice with its lines."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        view = invoicing.show_invoice(uow, number)
    _print_invoice(view, as_json)
    if not as_json:
        columns = (
            ("line_no", "Line"),
            ("quantity", "Qty"),
            ("unit_price", "Price"),
            ("amount", "Amount"),
        )
        rows = [plain(line) for line in view.lines]
        console.print(table(columns, rows, numeric=("quantity",), money=("unit_price", "amount")))


def _act(ctx: typer.Context, action: Any, number: str, as_json: bool, **options: Any) -> None:
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = action(uow, number, now=datetime.now(UTC), **options)
        uow.commit()
    _print_invoice(view, as_json)


@invoice_app.command("approve")
def invoice_approve(ctx: typer.Context, number: NumberArg, as_json: JsonOption = False) -> None:
    """Approve a matched invoice for payment."""
    _act(ctx, invoicing.approve_invoice, number, as_json)


Reason = Annotated[str, typer.Option("--reason", help="Why (recorded in the audit trail).")]


@invoice_app.command("release")
def invoice_release(
    ctx: typer.Context, number: NumberArg, reason: Reason, as_json: JsonOption = False
) -> None:
    """Release a held invoice (it becomes matched)."""
    _act(ctx, invoicing.release_hold, number, as_json, reason=reason)


@invoice_app.command("reject")
def invoice_reject(
    ctx: typer.Context, number: NumberArg, reason: Reason, as_json: JsonOption = False
) -> None:
    """Reject a held invoice."""
    _act(ctx, invoicing.reject_invoice, number, as_json, reason=reason)
