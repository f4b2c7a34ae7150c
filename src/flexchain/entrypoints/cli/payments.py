"""``flexchain pay`` (schedule, run, list, the quality fund, early payment, capacity fees) and
``flexchain fx`` (exchange rates into the brand's ``default_currency``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated

import typer

from flexchain.domain.errors import ValidationError
from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import (
    DEFAULT_LIMIT,
    LimitOption,
    OffsetOption,
    console,
    money_cell,
    money_text,
    page_note,
    plain,
    print_json_array,
    status_console,
    table,
)
from flexchain.services import fx, payments

__all__ = ["fx_app", "pay_app"]

pay_app = typer.Typer(
    help="Pay suppliers: schedule, run, quality fund, early payment, fees.", no_args_is_help=True
)
fx_app = typer.Typer(help="Exchange rates into the brand's currency.", no_args_is_help=True)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]
PAYMENT_COLUMNS = (
    ("id", "Payment"),
    ("kind", "Kind"),
    ("invoice", "Invoice"),
    ("supplier", "Supplier"),
    ("gross", "Gross"),
    ("retained", "Retained"),
    ("discount", "Discount"),
    ("amount", "Amount"),
    ("currency", "Cur"),
    ("due_date", "Due"),
    ("status", "Status"),
)
MONEY = ("gross", "retained", "discount", "amount")


def _date(value: str | None, flag: str) -> date:
    if value is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(flag, f"expected YYYY-MM-DD, got {value!r}") from None


def _payments(found: list[payments.PaymentView], as_json: bool, empty: str) -> None:
    if as_json:
        print_json_array(found)
    elif not found:
        console.print(empty, markup=False)
    else:
        console.print(
            table(PAYMENT_COLUMNS, [plain(p) for p in found], numeric=("id",), money=MONEY)
        )


@pay_app.command("schedule")
def pay_schedule(
    ctx: typer.Context,
    invoice: Annotated[str | None, typer.Option("--invoice", help="Only this invoice.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Schedule a payment for every approved invoice, due by the PO's terms, less retention."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        found = payments.schedule_payments(uow, now=datetime.now(UTC), invoice=invoice)
        uow.commit()
    _payments(found, as_json, "No approved invoices to schedule.")


@pay_app.command("run")
def pay_run(
    ctx: typer.Context,
    through: Annotated[
        str | None, typer.Option("--through", help="Pay what is due by YYYY-MM-DD \\[today].")
    ] = None,
    payment: Annotated[int | None, typer.Option("--payment", help="Only this payment.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Pay the scheduled payments due (record them paid)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        found = payments.run_payments(
            uow, through=_date(through, "--through"), now=datetime.now(UTC), payment=payment
        )
        uow.commit()
    _payments(found, as_json, "Nothing due.")


@pay_app.command("list")
def pay_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="scheduled or paid.")] = None,
    supplier: Annotated[str | None, typer.Option("--supplier", help="A supplier code.")] = None,
    limit: LimitOption = DEFAULT_LIMIT,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Payments by due date (the first 1,000 unless --limit says otherwise)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = payments.list_payments(
            uow, status=status, supplier=supplier, limit=limit, offset=offset
        )
        total = payments.count_payments(uow, status=status, supplier=supplier)
    note = page_note(len(found), total, offset, "payments")
    if note:  # on stderr: --json prints the array alone
        status_console.print(note, markup=False, soft_wrap=True)
    _payments(found, as_json, "No payments.")


@pay_app.command("fund")
def pay_fund(
    ctx: typer.Context,
    settle: Annotated[
        str | None,
        typer.Option(
            "--settle",
            help="Settle this period first: a quarter 2026-Q1, a month 2026-01, a half "
            "2026-H1 or a year 2026. Each contract is settled only for periods of its own "
            "retention_settlement; the others are listed as left out.",
        ),
    ] = None,
    supplier: Annotated[str | None, typer.Option("--supplier", help="A supplier code.")] = None,
    quarter: Annotated[str | None, typer.Option("--quarter", help="One quarter.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The quality fund by quarter and supplier; ``--settle`` settles a period that ended (each
    contract by its own settlement period: monthly, quarterly, semiannual or annual)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        if settle is not None:
            settled = payments.settle_quality_fund(
                uow, settle, now=datetime.now(UTC), target_yield=app.settings.quality_target_yield
            )
            uow.commit()
        fund = payments.quality_fund(uow, supplier=supplier, quarter=quarter)
    if settle is not None and as_json:
        print_json_array(settled)
        return
    if settle is not None:
        settle_columns = (
            ("supplier", "Supplier"),
            ("quarter", "Period"),
            ("settlement", "Settled"),
            ("status", "Status"),
            ("retained", "Retained"),
            ("first_pass_yield", "FPY"),
            ("target_yield", "Target"),
            ("rejects_cost", "Rejects cost"),
            ("released", "Released"),
            ("forfeited", "Forfeited"),
            ("currency", "Cur"),
            ("payment", "Payment"),
            ("note", "Note"),
        )
        rows = settlement_rows(settled)
        console.print(
            table(settle_columns, rows, money=("retained", "rejects_cost", "released", "forfeited"))
            if rows
            else "Nothing to settle."
        )
        return
    if as_json:
        print_json_array(fund)
    elif not fund:
        console.print("The quality fund is empty.", markup=False)
    else:
        columns = (
            ("quarter", "Quarter"),
            ("supplier", "Supplier"),
            ("currency", "Cur"),
            ("retained", "Retained"),
            ("released", "Released"),
            ("forfeited", "Forfeited"),
            ("balance", "Held"),
        )
        console.print(
            table(
                columns,
                [plain(f) for f in fund],
                money=("retained", "released", "forfeited", "balance"),
            )
        )


def settlement_rows(settled: list[payments.FundSettlementView]) -> list[dict[str, object]]:
    """The settlement table's rows: the quarter's first-pass yield to four places, like its
    target (``--json`` keeps it exact)."""
    return [
        {
            **plain(s),
            "first_pass_yield": ""
            if s.status != "settled"
            else "nothing inspected"
            if s.first_pass_yield is None
            else str(s.first_pass_yield.quantize(Decimal("0.0001"), ROUND_HALF_UP)),
        }
        for s in settled
    ]


@pay_app.command("early")
def pay_early(
    ctx: typer.Context,
    invoice: Annotated[str, typer.Argument(metavar="INVOICE", help="An approved invoice.")],
    on: Annotated[str, typer.Option("--on", help="Pay on YYYY-MM-DD.")],
    request: Annotated[
        bool, typer.Option("--request", help="Move the payment to that day at the discount.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """The discount for paying an approved invoice early (``--request``: do it)."""
    now = datetime.now(UTC)
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=request) as uow:
        rate = app.settings.early_payment_annual_rate
        pay_on = _date(on, "--on")
        offer = payments.early_payment_offer(uow, invoice, pay_on=pay_on, annual_rate=rate, now=now)
        if request:
            payments.request_early_payment(uow, invoice, pay_on=pay_on, annual_rate=rate, now=now)
            uow.commit()
    if as_json:
        typer.echo(json.dumps(plain(offer), ensure_ascii=False, indent=2))
        return
    terms = (
        f"{offer.days_early} days early on {offer.pay_on} at "
        f"{plain(offer.annual_rate * 100)} % a year: {money_cell(offer.discount)} off, "
        f"{money_cell(offer.net)} to pay"
    )
    console.print(
        f"{offer.invoice}: {money_text(offer.payable, offer.currency)} due {offer.due_date}; "
        + (
            f"payment moved to {terms} (requested)"
            if request
            else f"if paid {terms} (an offer: --request to take it)"
        ),
        markup=False,
        soft_wrap=True,
    )


@pay_app.command("fees")
def pay_fees(
    ctx: typer.Context,
    accrue: Annotated[
        str | None, typer.Option("--accrue", help="Accrue this month's fees, e.g. 2026-01.")
    ] = None,
    month: Annotated[str | None, typer.Option("--month", help="Only this month.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Capacity-reservation fees accrued (``--accrue MONTH``: once per contract and month)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=accrue is not None) as uow:
        if accrue is not None:
            found = payments.accrue_capacity_fees(uow, accrue, now=datetime.now(UTC))
            uow.commit()
        else:
            found = payments.list_fee_accruals(uow, month=month)
    if as_json:
        print_json_array(found)
    elif not found:
        console.print("No capacity fees.", markup=False)
    else:
        columns = (
            ("month", "Month"),
            ("contract", "Contract"),
            ("supplier", "Supplier"),
            ("amount", "Fee"),
            ("currency", "Cur"),
            ("new", "New"),
        )
        console.print(table(columns, [plain(f) for f in found], money=("amount",)))


@fx_app.command("import")
def fx_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV: date,currency,rate (optional base).")],
) -> None:
    """Import dated rates (one unit of the currency in the base currency)."""
    with reported_errors():
        content = file.read_text(encoding="utf-8-sig")
        with opened(state_of(ctx)) as app, app.uow() as uow:
            done = fx.import_rates(
                uow,
                content,
                base=app.settings.default_currency,
                source=file.name,
                now=datetime.now(UTC),
            )
            uow.commit()
    console.print(f"{done.created} rates added, {done.replaced} replaced.", markup=False)


@fx_app.command("set")
def fx_set(
    ctx: typer.Context,
    currency: Annotated[str, typer.Argument(help="e.g. USD.")],
    rate: Annotated[str, typer.Argument(help="One unit of it in the base currency.")],
    on: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD \\[today].")] = None,
) -> None:
    """Enter one rate."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        entered = fx.set_rate(
            uow,
            currency,
            _date(on, "--date"),
            rate,
            base=app.settings.default_currency,
            now=datetime.now(UTC),
        )
        uow.commit()
    console.print(
        f"1 {entered.currency} = {plain(entered.rate)} {entered.base} on {entered.on}", markup=False
    )


@fx_app.command("list")
def fx_list(
    ctx: typer.Context,
    currency: Annotated[str | None, typer.Option("--currency", help="One currency.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Rates by currency and date."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = fx.list_rates(uow, base=app.settings.default_currency, currency=currency)
    if as_json:
        print_json_array(found)
    elif not found:
        console.print("No exchange rates.", markup=False)
    else:
        columns = (("currency", "Currency"), ("on", "Date"), ("rate", "Rate"), ("base", "Base"))
        console.print(table(columns, [plain(r) for r in found], numeric=("rate",)))


@fx_app.command("convert")
def fx_convert(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(help="e.g. 100.00")],
    source: Annotated[str, typer.Argument(metavar="FROM", help="e.g. USD")],
    target: Annotated[str, typer.Argument(metavar="TO", help="e.g. EUR")],
    on: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD \\[today].")] = None,
) -> None:
    """Convert an amount at the rates of a day."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        result = fx.convert(
            uow, amount, source, target, _date(on, "--date"), base=app.settings.default_currency
        )
    console.print(str(result), markup=False)
