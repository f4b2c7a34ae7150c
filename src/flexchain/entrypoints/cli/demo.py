"""``flexchain demo``: load the demo company, print what was loaded, then serve the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from flexchain.bootstrap import App
from flexchain.entrypoints.cli.context import UserError, opened, reported_errors, state_of
from flexchain.entrypoints.cli.render import console, status_console, table
from flexchain.entrypoints.cli.serve import HostOption, PortOption, run_server
from flexchain.services.demo import DEFAULT_ITEMS, DemoData, generate_demo, load_demo
from flexchain.services.demo_history import replay_history
from flexchain.services.demo_plans import Activity, replay_activity
from flexchain.services.demo_users import DemoLogins, demo_logins

SUMMARY_COLUMNS = (
    ("kind", "Kind"),
    ("rows", "Rows"),
    ("created", "Created"),
    ("updated", "Updated"),
    ("unchanged", "Unchanged"),
)

LOGIN_COLUMNS = (("role", "Role"), ("email", "E-mail"), ("password", "Password"))


def _print_logins(logins: DemoLogins, host: str, port: int) -> None:
    """The demo's logins (new passwords every run) and how to use them."""
    rows = [
        {**vars(login), "role": f"{login.role} {login.supplier or ''}".strip()}
        for login in logins.users
    ]
    console.print(table(LOGIN_COLUMNS, rows))
    base = f"http://{host}:{port}"
    console.print(
        f"Log in at {base}/login with one of these (a supplier sees only its own jobs).\n"
        f"API: curl -H 'Authorization: Bearer {logins.token}' {base}/orders\n"
        "Your own: flexchain user add EMAIL --role ROLE; flexchain token create --user EMAIL",
        markup=False,
        soft_wrap=True,
    )


def _print_activity(done: Activity) -> None:
    """What the orders and plans replayed (nothing when the demo was loaded before)."""
    sold = done.sales
    if sold.replayed:
        console.print(
            f"Twelve weeks of web-shop orders replayed: {sold.orders} orders ({sold.cancelled} "
            f"cancelled, {sold.shipped} shipped, {sold.late} of them late, {sold.delivered} "
            f"delivered, {sold.open} still open, {sold.issues} with an issue reported); "
            f"{sold.jobs} production jobs ({sold.finished_jobs} finished, {sold.delayed_jobs} "
            "delayed) (flexchain orders list, flexchain kpis)",
            markup=False,
            soft_wrap=True,
        )
    if done.plans:
        console.print(
            f"{len(done.plans)} plans run: every two weeks over the last "
            f"{2 * (len(done.plans) - 1)} weeks and today (flexchain plan show, "
            "flexchain plan accuracy)",
            markup=False,
            soft_wrap=True,
        )


def _replay(app: App, data: DemoData, *, seed: int, history: bool, plan: bool) -> None:
    """Half a year of buying, then the plans and twelve weeks of orders, each as asked."""
    if history:
        with (
            status_console.status("Replaying half a year of buying..."),
            app.uow(actor="demo") as uow,
        ):
            past = replay_history(uow, data, now=datetime.now(UTC), seed=seed)
            uow.commit()
        if past.replayed:
            console.print(
                f"Half a year of buying replayed: {past.purchase_orders} purchase orders "
                f"({past.received} received and inspected, {past.invoices} invoiced, "
                f"{past.payments} paid), {past.rfqs} RFQs with {past.quotes} quotes; "
                f"{past.firings} supplier rules fired (flexchain suppliers rules list)",
                markup=False,
                soft_wrap=True,
            )
    if history or plan:
        with status_console.status("Replaying...") as status:
            done = replay_activity(
                app.engine, data, now=datetime.now(UTC), seed=seed, plans=plan,
                sales=history, on_step=status.update,
            )  # fmt: skip
        _print_activity(done)


def demo(
    ctx: typer.Context,
    items: Annotated[
        int, typer.Option("--items", min=1, help="Finished products to generate.")
    ] = DEFAULT_ITEMS,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same company.")] = 7,
    weeks: Annotated[int, typer.Option("--weeks", min=8, help="Weeks of demand history.")] = 104,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Load and exit instead of serving the API.")
    ] = False,
    history: Annotated[
        bool,
        typer.Option(
            "--history/--no-history",
            help="Replay half a year of buying (POs, receipts, inspections, RFQs, invoices) "
            "and twelve weeks of web-shop orders (jobs, shipments, deliveries).",
        ),
    ] = True,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan/--no-plan",
            help="Plan as of every two weeks over the last ten, then today (forecast "
            "accuracy, the Plan page).",
        ),
    ] = True,
    host: HostOption = None,
    port: PortOption = None,
) -> None:
    """Load the demo outdoor and apparel brand (again: it updates), then serve the API."""
    with reported_errors(), opened(state_of(ctx)) as app:
        sku_rule = app.settings.sku_rules.get("finished")
        if not sku_rule:
            raise UserError("no SKU rule for finished items in FLEXCHAIN_SKU_RULES")
        with status_console.status("Generating the demo company..."):
            data = generate_demo(items=items, seed=seed, weeks=weeks, sku_rule=sku_rule)
        with status_console.status("Loading...") as status:
            summary = load_demo(
                app.engine,
                data,
                on_kind=lambda kind, rows: status.update(f"Loading {kind} ({rows:,} rows)..."),
                now=datetime.now(UTC),
            )
        console.print(
            f"Demo company loaded in {summary.seconds:.1f} s: seed {seed}, {items:,} products, "
            f"{weeks} weeks of demand from {data.start}",
            markup=False,
            soft_wrap=True,
        )
        numeric = ("rows", "created", "updated", "unchanged")
        console.print(table(SUMMARY_COLUMNS, summary.records(), numeric=numeric))
        if summary.stock_kept:
            console.print(
                "Stock counts not imported again: the stock stays as the demo's orders and jobs "
                "left it (flexchain stock)",
                markup=False,
                soft_wrap=True,
            )
        _replay(app, data, seed=seed, history=history, plan=plan)
        with app.uow(actor="demo") as uow:
            logins = demo_logins(uow, now=datetime.now(UTC))
            uow.commit()
        _print_logins(logins, host or app.settings.host, port or app.settings.port)
        if not no_serve:
            run_server(app, host, port)
