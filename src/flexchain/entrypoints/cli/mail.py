"""``flexchain mail test`` (check the SMTP settings by sending a test message) and ``flexchain
document render --sample rfq|po`` (look at the layout suppliers receive). Neither opens the
database; both read the settings (docs/procurement.md, "Documents and mail")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from flexchain.domain.documents import DocumentKind
from flexchain.entrypoints.cli.context import reported_errors, state_of
from flexchain.entrypoints.cli.render import console, plain
from flexchain.services import documents

mail_app = typer.Typer(help="Mail to suppliers: check the SMTP settings.", no_args_is_help=True)
document_app = typer.Typer(
    help="RFQ and PO documents as suppliers receive them.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON only.")]


class SampleKind(StrEnum):
    RFQ = "rfq"
    PO = "po"


@mail_app.command("test")
def test(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", metavar="ADDRESS", help="Where to send it.")],
    as_json: JsonOption = False,
) -> None:
    """Send a test message through the configured SMTP server (FLEXCHAIN_SMTP_*,
    FLEXCHAIN_MAIL_FROM): the check that suppliers will get their RFQs and POs."""
    with reported_errors():
        sent = documents.send_test(state_of(ctx).settings(), to=to)
    if as_json:
        typer.echo(json.dumps(plain(sent), ensure_ascii=False, indent=2))
        return
    console.print(
        f"{sent.server} (TLS: {sent.tls}) accepted the test message {sent.message_id} "
        f"from {sent.sender} to {sent.to}",
        markup=False,
        soft_wrap=True,
    )


@document_app.command("render")
def render(
    ctx: typer.Context,
    sample: Annotated[
        SampleKind, typer.Option("--sample", help="Which made-up document to render.")
    ],
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder to write it to (created).")
    ] = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Write a sample RFQ or PO as PDF and HTML, laid out as suppliers receive them, with the
    brand of FLEXCHAIN_BRAND_NAME / FLEXCHAIN_BRAND_ADDRESS."""
    kind = DocumentKind.RFQ if sample is SampleKind.RFQ else DocumentKind.PURCHASE_ORDER
    with reported_errors():
        settings = state_of(ctx).settings()
        document = documents.sample(
            kind, brand=documents.brand_party(settings), now=datetime.now(UTC)
        )
        done = documents.render(document, font=settings.document_font)
        out.mkdir(parents=True, exist_ok=True)
        pdf = out / done.filename
        page = pdf.with_suffix(".html")
        pdf.write_bytes(done.pdf)
        page.write_text(done.html, encoding="utf-8")
    if as_json:
        typer.echo(json.dumps({"pdf": str(pdf), "html": str(page)}, indent=2))
        return
    console.print(f"wrote {pdf} and {page}", markup=False, soft_wrap=True)
