"""``flexchain po``: purchase orders — create (manual, call-off under a contract, from planned
purchases), top up under the elastic clause, send, record the supplier's confirmation and
shipment notices, cancel, list and show; and capacity holds (``hold``, ``holds``,
``hold-release``, ``hold-firm``)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer

from flexchain.entrypoints.cli.context import UserError, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import (
    console,
    money_text,
    plain,
    print_json_array,
    table,
)
from flexchain.entrypoints.cli.rfq import JsonOption, now, parse_day, split
from flexchain.services import capacity_holds, dispatch, purchase_orders

po_app = typer.Typer(help="Purchase orders and capacity holds.", no_args_is_help=True)

Number = Annotated[str, typer.Argument(metavar="NUMBER", help="The order's number (PO-000001).")]
HoldId = Annotated[int, typer.Argument(metavar="ID", help="The hold's id (po holds).")]


def _print(view: purchase_orders.PoView, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(plain(view.as_dict()), ensure_ascii=False, indent=2))
        return
    total = f", total {money_text(view.total, view.currency)}" if view.total is not None else ""
    console.print(
        f"{view.number} to {view.supplier} ({view.supplier_name}): {view.status}, "
        f"{view.source}{total}"
        + (f", contract {view.contract}" if view.contract else "")
        + (f", RFQ {view.rfq}" if view.rfq else ""),
        markup=False,
        soft_wrap=True,
    )
    columns = (("line_no", "Line"), ("item", "Item"), ("name", "Name"), ("quantity", "Qty"),
               ("uom", "Unit"), ("unit_price", "Price"), ("amount", "Amount"),
               ("due_date", "Due"), ("received", "Received"), ("status", "Status"),
               ("topup", "Top-up"))  # fmt: skip
    numeric = ("line_no", "quantity", "received")
    console.print(table(columns, [plain(line) for line in view.lines], numeric=numeric,
                        money=("unit_price", "amount"), flexible="name"))  # fmt: skip
    for notice in view.notices:
        shipped = ", ".join(f"line {n}: {plain(q)}" for n, q in notice["lines"])
        console.print(
            f"  {notice['number']}: shipped {notice['shipped_on']}, expected "
            f"{notice['expected_on']} ({shipped})",
            markup=False,
            soft_wrap=True,
        )


def _act(ctx: typer.Context, as_json: bool, action: Any, *args: Any, **options: Any) -> None:
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = action(uow, *args, now=now(), **options)
        uow.commit()
    _print(view, as_json)


def _lines(values: list[str]) -> list[dict[str, Any]]:
    lines = []
    for value in values:
        parts = split(value, "--line", 4, "ITEM:QUANTITY:YYYY-MM-DD[:UNIT_PRICE]", optional=1)
        line = {"item": parts[0], "quantity": parts[1], "due_date": parse_day(parts[2], "--line")}
        if len(parts) == 4:
            line["unit_price"] = parts[3]
        lines.append(line)
    return lines


@po_app.command("create")
def po_create(
    ctx: typer.Context,
    supplier: Annotated[str | None, typer.Option("--supplier", help="Supplier code.")] = None,
    contract: Annotated[
        str | None,
        typer.Option(
            "--contract",
            help="A call-off under this contract (the first: at most its elastic clause's N "
            "units).",
        ),
    ] = None,
    line: Annotated[
        list[str] | None,
        typer.Option("--line", help="ITEM:QUANTITY:YYYY-MM-DD[:UNIT_PRICE]; repeat per line."),
    ] = None,
    plan: Annotated[
        list[int] | None,
        typer.Option("--plan", help="A planned purchase number of the current plan; repeat."),
    ] = None,
    notes: Annotated[str, typer.Option("--notes", help="Notes on the order.")] = "",
    as_json: JsonOption = False,
) -> None:
    """A draft order: explicit --line(s) (priced by --contract, the given price or the
    supplier's list price), or the planned purchases --plan to --supplier."""
    if plan:
        if line or contract or supplier is None:
            with reported_errors():
                raise UserError("--plan takes --supplier, and no --line or --contract")
        _act(ctx, as_json, purchase_orders.create_po_from_plan, supplier=supplier,
             plan_numbers=plan)  # fmt: skip
        return
    with reported_errors():
        lines = _lines(line or [])
    _act(ctx, as_json, purchase_orders.create_po, supplier=supplier, contract=contract,
         lines=lines, notes=notes)  # fmt: skip


@po_app.command("topup")
def po_topup(
    ctx: typer.Context,
    number: Number,
    item: Annotated[str, typer.Option("--item", help="An item already on the order.")],
    quantity: Annotated[str, typer.Option("--quantity", help="Extra units.")],
    price: Annotated[str, typer.Option("--price", help="The supplier's unit price for them.")],
    due: Annotated[
        str | None, typer.Option("--due", help="YYYY-MM-DD \\[default: the item's].")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """An elastic top-up under the order's contract (units and price ceiling checked)."""
    with reported_errors():
        due_date = parse_day(due, "--due") if due else None
    _act(ctx, as_json, purchase_orders.add_topup, number, item=item, quantity=quantity,
         unit_price=price, due_date=due_date)  # fmt: skip


@po_app.command("send")
def po_send(
    ctx: typer.Context,
    number: Number,
    mail: Annotated[
        bool, typer.Option("--mail/--no-mail", help="E-mail the PDF to the supplier (when on).")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Issue a draft order to its supplier (draft -> sent) and e-mail it the order as a PDF."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        sent = dispatch.send_po(uow, number, app.settings, mail=mail, now=now())
        uow.commit()
        view = purchase_orders.show_po(uow, number)
    if as_json:
        typer.echo(json.dumps({**plain(view.as_dict()), "dispatch": sent.as_dict()}, indent=2))
        return
    _print(view, False)
    _said(sent)


def _said(sent: dispatch.Dispatch) -> None:
    for to, message_id in sent.mailed:
        console.print(f"e-mailed to {to} ({message_id})", markup=False, soft_wrap=True)
    if sent.not_mailed:
        console.print(f"not e-mailed: {sent.not_mailed}", markup=False, soft_wrap=True)
    for warning in sent.budget_warnings:
        console.print(f"warning: {warning}", markup=False, soft_wrap=True)


@po_app.command("confirm")
def po_confirm(
    ctx: typer.Context,
    number: Number,
    line: Annotated[
        list[str] | None,
        typer.Option("--line", help="LINE:QUANTITY:YYYY-MM-DD as confirmed \\[default: all as "
                     "ordered]; repeat."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="The supplier's remark.")] = "",
    as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Record the supplier's confirmation: quantity (partial allowed, 0 declines) and date."""
    confirmed: dict[int, tuple[object, object]] | None = None
    with reported_errors():
        if line:
            confirmed = {}
            for value in line:
                no, qty, when = split(value, "--line", 3, "LINE:QUANTITY:YYYY-MM-DD")
                if not no.isdigit():
                    raise UserError(f"--line: {no!r} is not a line number")
                confirmed[int(no)] = (qty, parse_day(when, "--line"))
    _act(ctx, as_json, purchase_orders.confirm_po, number, lines=confirmed, note=note)


@po_app.command("cancel")
def po_cancel(
    ctx: typer.Context,
    number: Number,
    reason: Annotated[str, typer.Option("--reason", help="Why.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Cancel a draft or sent order."""
    _act(ctx, as_json, purchase_orders.cancel_po, number, reason=reason)


@po_app.command("notice")
def po_notice(
    ctx: typer.Context,
    number: Number,
    line: Annotated[list[str], typer.Option("--line", help="LINE:QUANTITY shipped; repeat.")],
    shipped_on: Annotated[str, typer.Option("--shipped-on", help="YYYY-MM-DD.")],
    expected_on: Annotated[str, typer.Option("--expected-on", help="YYYY-MM-DD.")],
    carrier: Annotated[str, typer.Option("--carrier", help="Carrier.")] = "",
    tracking: Annotated[str, typer.Option("--tracking", help="Tracking number.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Record a shipment notice for a confirmed order."""
    with reported_errors():
        shipped: dict[int, object] = {}
        for value in line:
            no, qty = split(value, "--line", 2, "LINE:QUANTITY")
            if not no.isdigit():
                raise UserError(f"--line: {no!r} is not a line number")
            shipped[int(no)] = qty
        ship_day, arrive = (
            parse_day(shipped_on, "--shipped-on"),
            parse_day(expected_on, "--expected-on"),
        )
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        notice = purchase_orders.post_shipment_notice(
            uow, number, lines=shipped, shipped_on=ship_day, expected_on=arrive,
            carrier=carrier, tracking=tracking, now=now(),
        )  # fmt: skip
        uow.commit()
    if as_json:
        typer.echo(json.dumps(plain(notice.as_dict()), ensure_ascii=False, indent=2))
    else:
        console.print(f"{notice.number} for {number}: expected {notice.expected_on}", markup=False)
        if notice.redated:
            lines = ", ".join(str(n) for n in notice.redated)
            console.print(
                f"line{'s' if len(notice.redated) > 1 else ''} {lines} now due "
                f"{notice.expected_on} (later than due; the promise stays for on-time scoring)",
                markup=False,
                soft_wrap=True,
            )


@po_app.command("list")
def po_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="draft, sent, confirmed, closed, cancelled.")
    ] = None,
    supplier: Annotated[str | None, typer.Option("--supplier", help="Supplier code.")] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="manual, rfq, calloff, sourcing, import.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Purchase orders, newest first."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = purchase_orders.list_pos(uow, status=status, supplier=supplier, source=source)
    if as_json:
        print_json_array(found)
    elif not found:
        console.print("No purchase orders.", markup=False)
    else:
        columns = (("number", "PO"), ("supplier", "Supplier"), ("status", "Status"),
                   ("source", "Source"), ("total", "Total"), ("currency", "Cur"),
                   ("lines", "Lines"), ("first_due", "First due"), ("contract", "Contract"),
                   ("rfq", "RFQ"))  # fmt: skip
        console.print(
            table(columns, [plain(p) for p in found], numeric=("lines",), money=("total",))
        )


@po_app.command("show")
def po_show(ctx: typer.Context, number: Number, as_json: JsonOption = False) -> None:
    """One order with its lines, confirmations and shipment notices."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        view = purchase_orders.show_po(uow, number)
    _print(view, as_json)


HOLD_COLUMNS = (
    ("id", "Hold"), ("supplier", "Supplier"), ("item", "Item"), ("process", "Process"),
    ("quantity", "Qty"), ("unit", "Unit"), ("held_from", "From"), ("held_until", "Until"),
    ("firm_by", "Firm by"), ("state", "State"), ("po_number", "PO"),
)  # fmt: skip


def _holds(found: list[capacity_holds.HoldView], as_json: bool) -> None:
    if as_json:
        print_json_array(found)
    elif not found:
        console.print("No capacity holds.", markup=False)
    else:
        console.print(table(HOLD_COLUMNS, [plain(h) for h in found], numeric=("id", "quantity")))


@po_app.command("holds")
def po_holds(
    ctx: typer.Context,
    supplier: Annotated[str | None, typer.Option("--supplier", help="Supplier code.")] = None,
    active: Annotated[bool, typer.Option("--active", help="Only holds still callable.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Capacity holds by start date; lapsed ones show as such."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        found = capacity_holds.list_holds(uow, supplier=supplier, active_only=active, now=now())
    _holds(found, as_json)


@po_app.command("hold")
def po_hold(
    ctx: typer.Context,
    supplier: Annotated[str, typer.Option("--supplier", help="Supplier code.")],
    quantity: Annotated[str, typer.Option("--quantity", help="Capacity held, e.g. 300.")],
    unit: Annotated[str, typer.Option("--unit", help="Its unit, e.g. m.")],
    start: Annotated[str, typer.Option("--from", help="YYYY-MM-DD the hold starts.")],
    days: Annotated[int | None, typer.Option("--days", help="How many days it lasts.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD, inclusive.")] = None,
    firm_within: Annotated[
        int, typer.Option("--firm-within-hours", help="Hours to firm an order.")
    ] = capacity_holds.DEFAULT_FIRM_HOURS,
    item: Annotated[str | None, typer.Option("--item", help="For one item.")] = None,
    process: Annotated[str | None, typer.Option("--process", help="For one process.")] = None,
    note: Annotated[str, typer.Option("--note", help="Remark.")] = "",
    request: Annotated[
        bool, typer.Option("--request", help="Ask the supplier (it accepts or declines).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Record an ad-hoc hold: "hold 300 m for two weeks, firm order within 48 h" (--request:
    ask the supplier for it in the portal; it counts once accepted)."""
    with reported_errors():
        held_from: date = parse_day(start, "--from")
        held_until = parse_day(until, "--until") if until else None
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = capacity_holds.hold_capacity(
            uow, supplier=supplier, quantity=quantity, unit=unit, held_from=held_from,
            days=days, held_until=held_until, firm_within_hours=firm_within, item=item,
            process=process, note=note, request=request, now=now(),
        )  # fmt: skip
        uow.commit()
    _holds([view], as_json)


@po_app.command("hold-release")
def po_hold_release(ctx: typer.Context, hold_id: HoldId, as_json: JsonOption = False) -> None:
    """Let an active hold go."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = capacity_holds.release_hold(uow, hold_id, now=now())
        uow.commit()
    _holds([view], as_json)


@po_app.command("hold-firm")
def po_hold_firm(
    ctx: typer.Context,
    hold_id: HoldId,
    po: Annotated[str, typer.Option("--po", help="The firm order placed against it.")],
    as_json: JsonOption = False,
) -> None:
    """An active hold was firmed by an order: it is used."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = capacity_holds.firm_hold(uow, hold_id, po_number=po, now=now())
        uow.commit()
    _holds([view], as_json)
