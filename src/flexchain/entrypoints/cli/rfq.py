"""``flexchain rfq``: requests for quotation — create (from planned purchases or explicit lines),
send, quote (a supplier's answer, entered by the buyer), compare side by side, award to draft
purchase orders, cancel, list and show."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer

from flexchain.domain.rfqs import DEFAULT_LATE_RATE
from flexchain.entrypoints.cli.context import UserError, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import (
    console,
    plain,
    print_json_array,
    table,
)
from flexchain.services import dispatch, rfqs

rfq_app = typer.Typer(help="Requests for quotation to suppliers.", no_args_is_help=True)

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]
Number = Annotated[str, typer.Argument(metavar="NUMBER", help="The RFQ's number (RFQ-000001).")]


def parse_day(value: str, option: str) -> date:
    """A YYYY-MM-DD date of ``option``, or a one-line error."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UserError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


def split(value: str, option: str, parts: int, example: str, optional: int = 0) -> list[str]:
    """``value`` cut at ``:`` into ``parts`` fields (the last ``optional`` may be left out)."""
    fields = value.split(":")
    if not parts - optional <= len(fields) <= parts or any(not f.strip() for f in fields):
        raise UserError(f"{option}: {value!r} is not of the form {example}")
    return [f.strip() for f in fields]


def now() -> datetime:
    return datetime.now(UTC)


def _print(view: rfqs.RfqView, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(plain(view.as_dict()), ensure_ascii=False, indent=2))
        return
    console.print(
        f"{view.number}: {view.status}, {view.currency}, to {', '.join(view.suppliers)}"
        + (f", reply by {view.reply_by}" if view.reply_by else "")
        + (f", orders {', '.join(view.purchase_orders)}" if view.purchase_orders else ""),
        markup=False,
        soft_wrap=True,
    )
    lines = [{**line, "awarded": line["awarded_supplier"]} for line in plain(view.lines)]
    columns = (("line_no", "Line"), ("item_sku", "Item"), ("name", "Name"),
               ("quantity", "Qty"), ("uom", "Unit"), ("need_date", "Need by"),
               ("plan_number", "Plan #"), ("awarded", "Awarded"), ("po_number", "PO"))  # fmt: skip
    console.print(table(columns, lines, numeric=("line_no", "quantity"), flexible="name"))
    if view.quotes:
        quoted = (("line_no", "Line"), ("supplier", "Supplier"), ("unit_price", "Price"),
                  ("currency", "Cur"), ("moq", "MOQ"), ("lead_time_days", "Lead days"),
                  ("valid_until", "Valid until"))  # fmt: skip
        console.print(
            table(
                quoted, plain(view.quotes), numeric=("moq", "lead_time_days"), money=("unit_price",)
            )
        )


def _lines(values: list[str]) -> list[dict[str, Any]]:
    lines = []
    for value in values:
        item, qty, need = split(value, "--line", 3, "ITEM:QUANTITY:YYYY-MM-DD")
        lines.append({"item": item, "quantity": qty, "need_date": parse_day(need, "--line")})
    return lines


@rfq_app.command("create")
def rfq_create(
    ctx: typer.Context,
    supplier: Annotated[
        list[str], typer.Option("--supplier", help="A supplier to ask (repeat for more).")
    ],
    line: Annotated[
        list[str] | None,
        typer.Option("--line", help="ITEM:QUANTITY:YYYY-MM-DD (need date); repeat per line."),
    ] = None,
    plan: Annotated[
        list[int] | None,
        typer.Option("--plan", help="A planned purchase number of the current plan; repeat."),
    ] = None,
    currency: Annotated[str, typer.Option("--currency", help="Currency of the quotes.")] = "EUR",
    reply_by: Annotated[
        str | None, typer.Option("--reply-by", help="YYYY-MM-DD the quotes are due.")
    ] = None,
    notes: Annotated[str, typer.Option("--notes", help="Notes on the document.")] = "",
    as_json: JsonOption = False,
) -> None:
    """A draft RFQ, from planned purchases (--plan) or explicit lines (--line)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = rfqs.create_rfq(
            uow, suppliers=supplier, lines=_lines(line or []), plan_numbers=plan or [],
            currency=currency, reply_by=parse_day(reply_by, "--reply-by") if reply_by else None,
            notes=notes, now=now(),
        )  # fmt: skip
        uow.commit()
    _print(view, as_json)


@rfq_app.command("send")
def rfq_send(
    ctx: typer.Context,
    number: Number,
    mail: Annotated[
        bool, typer.Option("--mail/--no-mail", help="E-mail each supplier its RFQ (when on).")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Send a draft RFQ to its suppliers, e-mailed as a PDF: they may quote from now on."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        sent = dispatch.send_rfq(uow, number, app.settings, mail=mail, now=now())
        uow.commit()
        view = rfqs.show_rfq(uow, number)
    if as_json:
        typer.echo(json.dumps({**plain(view.as_dict()), "dispatch": sent.as_dict()}, indent=2))
        return
    _print(view, False)
    for to, message_id in sent.mailed:
        console.print(f"e-mailed to {to} ({message_id})", markup=False, soft_wrap=True)
    if sent.not_mailed:
        console.print(f"not e-mailed: {sent.not_mailed}", markup=False, soft_wrap=True)


@rfq_app.command("cancel")
def rfq_cancel(ctx: typer.Context, number: Number, as_json: JsonOption = False) -> None:
    """Cancel a draft or sent RFQ."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = rfqs.cancel_rfq(uow, number, now=now())
        uow.commit()
    _print(view, as_json)


@rfq_app.command("quote")
def rfq_quote(
    ctx: typer.Context,
    number: Number,
    supplier: Annotated[str, typer.Option("--supplier", help="Who quotes.")],
    line: Annotated[int, typer.Option("--line", help="The RFQ line quoted.")],
    price: Annotated[str, typer.Option("--price", help="Unit price, in --currency.")],
    lead_time: Annotated[int, typer.Option("--lead-time", help="Lead time in days.")],
    valid_until: Annotated[str, typer.Option("--valid-until", help="YYYY-MM-DD.")],
    moq: Annotated[str, typer.Option("--moq", help="Minimum order quantity.")] = "0",
    currency: Annotated[
        str | None,
        typer.Option("--currency", help="The RFQ's (default) or the supplier's own currency."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="The supplier's remark.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Enter a supplier's quote for one line (replaces its earlier quote of the line)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = rfqs.submit_quote(
            uow, number, supplier=supplier, line=line, unit_price=price,
            lead_time_days=lead_time, valid_until=parse_day(valid_until, "--valid-until"),
            moq=moq, currency=currency, note=note, now=now(),
        )  # fmt: skip
        uow.commit()
    _print(view, as_json)


COMPARISON = (
    ("line_no", "Line"), ("item", "Item"), ("supplier", "Supplier"), ("rank", "Rank"),
    ("unit_price", "Price"), ("order_quantity", "Buy"), ("arrival", "Arrives"),
    ("days_late", "Late"), ("landed_cost", "Landed"),
)  # fmt: skip
"""The table's columns (``--json`` has every figure: need date, purchase and lateness cost,
validity)."""


@rfq_app.command("compare")
def rfq_compare(
    ctx: typer.Context,
    number: Number,
    on: Annotated[str | None, typer.Option("--on", help="Compare as of YYYY-MM-DD.")] = None,
    late_rate: Annotated[
        str, typer.Option("--late-rate", help="Lateness cost per day, share of the cost.")
    ] = str(DEFAULT_LATE_RATE),
    as_json: JsonOption = False,
) -> None:
    """Every quote side by side, ranked per line by landed cost (rank 1 is best)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        rows = rfqs.compare_quotes(
            uow, number, on=parse_day(on, "--on") if on else None, late_rate_per_day=late_rate,
            base=app.settings.default_currency, now=now(),
        )  # fmt: skip
        into = rfqs.show_rfq(uow, number).currency
    records = [plain(row) for row in rows]
    if as_json:
        print_json_array(rows)
    elif not records:
        console.print(f"No quotes for {number} yet.", markup=False)
    else:
        for record in records:
            record["rank"] = record["rank"] or "expired"
        numeric = ("line_no", "order_quantity", "days_late")
        money = ("unit_price", "landed_cost")
        console.print(table(COMPARISON, records, numeric=numeric, money=money))
        converted = {(r.quoted_currency, r.rate, r.rate_on) for r in rows if r.rate_on}
        for currency, rate, day in sorted(converted, key=lambda c: (c[0], c[2] or "")):
            console.print(
                f"Quotes in {currency} converted at 1 {currency} = {plain(rate)} {into} "
                f"(rate of {day})",
                markup=False, soft_wrap=True,
            )  # fmt: skip


@rfq_app.command("award")
def rfq_award(
    ctx: typer.Context,
    number: Number,
    choose: Annotated[
        list[str] | None,
        typer.Option("--choose", help="LINE:SUPPLIER to override the best quote; repeat."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Award each line to its best quote (or the chosen supplier): draft purchase orders."""
    choices: dict[int, str] = {}
    with reported_errors():
        for value in choose or []:
            line, supplier = split(value, "--choose", 2, "LINE:SUPPLIER")
            if not line.isdigit():
                raise UserError(f"--choose: {line!r} is not a line number")
            choices[int(line)] = supplier
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = rfqs.award_rfq(
            uow, number, choices=choices, base=app.settings.default_currency, now=now()
        )
        uow.commit()
    _print(view, as_json)


@rfq_app.command("list")
def rfq_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="draft, sent, awarded or cancelled.")
    ] = None,
    supplier: Annotated[str | None, typer.Option("--supplier", help="Sent to supplier.")] = None,
    as_json: JsonOption = False,
) -> None:
    """RFQs, newest first."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = rfqs.list_rfqs(uow, status=status, supplier=supplier)
    if as_json:
        print_json_array(found)
    elif not found:
        console.print("No RFQs.", markup=False)
    else:
        columns = (("number", "RFQ"), ("status", "Status"), ("currency", "Cur"),
                   ("suppliers", "Suppliers"), ("lines", "Lines"), ("quotes", "Quotes"),
                   ("reply_by", "Reply by"))  # fmt: skip
        console.print(table(columns, [plain(r) for r in found], numeric=("lines", "quotes")))


@rfq_app.command("show")
def rfq_show(ctx: typer.Context, number: Number, as_json: JsonOption = False) -> None:
    """One RFQ with its lines and quotes."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        view = rfqs.show_rfq(uow, number)
    _print(view, as_json)
