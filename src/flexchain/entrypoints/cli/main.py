"""The ``flexchain`` command line (Typer + Rich).

Every command opens the database given by ``--db`` or ``FLEXCHAIN_DATABASE_URL`` (default: the
SQLite file ``flexchain.db`` in ``$XDG_DATA_HOME/flexchain``, i.e. ``~/.local/share/flexchain``)
and upgrades it to the newest schema first. A user error prints one line on stderr and exits 1;
``--json`` output is a JSON array with decimals as exact strings.
"""

from __future__ import annotations

from typing import Annotated

import typer

import flexchain
from flexchain.entrypoints.cli import (
    audit,
    budgets,
    database,
    demo,
    jobs,
    kpis,
    mail,
    order_issues,
    paying,
    payments,
    plan,
    po,
    prices,
    qc,
    quote,
    report,
    rfq,
    scorecards,
    secrets,
    serve,
    shops,
    source,
    stock,
    storefront,
    supplier_events,
    supplier_rules,
    suppliers,
    tiers,
    today,
    transfer,
    users,
)
from flexchain.entrypoints.cli.context import CliState

app = typer.Typer(
    name="flexchain",
    help="Supply chain for brands that sell small-batch, customised products.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold database passwords
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flexchain {flexchain.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="FLEXCHAIN_DATABASE_URL",
            metavar="URL",
            show_default=False,
            help=(
                "Database URL: sqlite:///path/to/file.db or postgresql://user@host/name "
                "\\[default: sqlite file ~/.local/share/flexchain/flexchain.db]."
            ),
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    ctx.obj = CliState(database_url=db)


app.command()(database.init)
app.command("import")(transfer.import_)
app.command()(transfer.export)
app.add_typer(stock.stock_app, name="stock")
app.command()(demo.demo)
app.command()(serve.serve)
app.command()(quote.quote)
app.add_typer(shops.shop_app, name="shop")
app.add_typer(storefront.sku_app, name="sku")
app.add_typer(storefront.inbox_app, name="inbox")
app.add_typer(storefront.orders_app, name="orders")
app.add_typer(storefront.outbox_app, name="outbox")
app.add_typer(plan.plan_app, name="plan")
app.add_typer(jobs.jobs_app, name="jobs")
app.add_typer(users.user_app, name="user")
app.add_typer(users.token_app, name="token")
app.add_typer(secrets.secrets_app, name="secrets")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(paying.receive_app, name="receive")
app.add_typer(paying.invoice_app, name="invoice")
app.add_typer(payments.pay_app, name="pay")
app.add_typer(payments.fx_app, name="fx")
app.add_typer(rfq.rfq_app, name="rfq")
app.add_typer(po.po_app, name="po")
app.add_typer(budgets.budget_app, name="budget")
app.command()(source.source)
app.add_typer(prices.prices_app, name="prices")
app.add_typer(mail.mail_app, name="mail")
app.add_typer(mail.document_app, name="document")
app.add_typer(suppliers.suppliers_app, name="suppliers")
app.add_typer(qc.qc_app, name="qc")
app.add_typer(today.today_app, name="today")
app.add_typer(kpis.kpis_app, name="kpis")
app.add_typer(report.report_app, name="report")
# the modules that register commands on suppliers_app (and po_app) by being imported
_REGISTERING = (scorecards, tiers, supplier_rules, supplier_events, order_issues)


def run() -> None:
    """Console-script entry point (``flexchain``)."""
    app()


if __name__ == "__main__":
    run()
