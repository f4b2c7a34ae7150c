"""``flexchain orders issue|issues|withdraw-issue``: what arrived wrong on a shipped order
(registered on ``orders`` by being imported from main.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer

from flexchain.domain.order_issues import issue_kind
from flexchain.entrypoints.cli.context import opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain, print_json_array, table
from flexchain.entrypoints.cli.storefront import orders_app
from flexchain.services import order_issues

__all__ = ["orders_issue", "orders_issues", "orders_withdraw_issue"]

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON only; decimals as exact strings.")
]
COLUMNS = (
    ("id", "Issue"),
    ("order", "Order"),
    ("kind", "Kind"),
    ("sku", "SKU"),
    ("quantity", "Qty"),
    ("reported", "Reported"),
    ("note", "Note"),
)
"""The table's columns (who reported it and the time of day: ``--json``)."""
KINDS = "damaged, wrong_customisation, incomplete or other"


def _record(view: order_issues.OrderIssueView) -> dict[str, Any]:
    shown: dict[str, Any] = plain(view.as_dict())
    return shown


@orders_app.command("issue")
def orders_issue(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ORDER", help="Our id, the store's id or number.")],
    kind: Annotated[str, typer.Option("--kind", help=f"What went wrong: {KINDS}.")],
    sku: Annotated[
        str | None, typer.Option("--sku", help="The line's SKU (default: the whole order).")
    ] = None,
    quantity: Annotated[
        str | None, typer.Option("--quantity", help="How many units (1 to the line's).")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="What the customer said.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Report what arrived wrong on a shipped or delivered order (audited)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = order_issues.report_issue(
            uow, ref, kind=kind, line_sku=sku, quantity=quantity, note=note,
            now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    if as_json:
        import json

        typer.echo(json.dumps(_record(view), ensure_ascii=False, indent=2))
        return
    where = f"line {view.sku}" if view.sku else "the whole order"
    units = f", {plain(view.quantity)} units" if view.quantity is not None else ""
    console.print(
        f"issue {view.id} on order {view.order}: {view.kind.value} on {where}{units}",
        markup=False,
        soft_wrap=True,
    )


@orders_app.command("issues")
def orders_issues(
    ctx: typer.Context,
    ref: Annotated[
        str | None, typer.Argument(metavar="[ORDER]", help="One order (default: every order).")
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind", help=f"Only {KINDS}.")] = None,
    since: Annotated[
        datetime | None, typer.Option("--since", formats=["%Y-%m-%d"], help="Reported from.")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option("--until", formats=["%Y-%m-%d"], help="Reported until.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (newest).")] = 100,
    as_json: JsonOption = False,
) -> None:
    """Issues reported, newest first (of one order: oldest first)."""
    if ref is not None and (since or until):
        raise typer.BadParameter("--since and --until list every order's issues: drop ORDER")
    with reported_errors(), opened(state_of(ctx)) as app, app.uow(write=False) as uow:
        if ref is not None:
            found = list(order_issues.issues_of(uow, ref))
            if kind:
                wanted = issue_kind(kind)
                found = [issue for issue in found if issue.kind is wanted]
            total = len(found)
        else:
            page = order_issues.list_issues(
                uow, kind=kind, since=_day(since), until=_day(until), limit=limit
            )
            found, total = list(page.issues), page.total
    records = [_record(view) for view in found]
    if as_json:
        print_json_array(records)
        return
    if not records:
        console.print("No issues reported.", markup=False)
        return
    rows = [
        {**record, "reported": view.reported_at.date()}
        for record, view in zip(records, found, strict=True)
    ]
    console.print(table(COLUMNS, rows, numeric=("id", "quantity"), flexible="note"))
    if total > len(records):
        console.print(f"{len(records)} of {total}: use --limit for more", markup=False)


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@orders_app.command("withdraw-issue")
def orders_withdraw_issue(
    ctx: typer.Context,
    issue_id: Annotated[int, typer.Argument(metavar="ISSUE", help="The issue's number.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it was reported in error.")],
) -> None:
    """Take back an issue reported in error (the audit trail keeps it)."""
    with reported_errors(), opened(state_of(ctx)) as app, app.uow() as uow:
        view = order_issues.withdraw_issue(uow, issue_id, reason=reason, now=datetime.now(UTC))
        uow.commit()
    console.print(f"issue {view.id} on order {view.order} withdrawn", markup=False, soft_wrap=True)
