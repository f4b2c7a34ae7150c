"""RFQ and PO documents (adapters/documents.py, services/documents.py): what the HTML, text and
PDF show, RFQ against PO, hostile text, exact money, the PDF itself, and the checks that refuse
to send before any connection is made."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.adapters import documents as layout
from flexchain.config import Settings
from flexchain.domain.documents import DocumentKind, DocumentLine, Party, PurchaseDocument
from flexchain.domain.errors import ValidationError
from flexchain.services import documents

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
BRAND = Party(name="Acme Bags", email="buying@acme.example", address="1 Rua Nova\n1100 Lisboa")
SUPPLIER = Party(
    name="Tecelagem Norte",
    code="SUP-TN",
    email="orders@tn.example",
    address="Rua do Rio 4\n4800 Guimarães",
    country="PT",
)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def line(number: int, price: str | None = "10.00", **changes: object) -> DocumentLine:
    base = DocumentLine(
        line_no=number,
        item_sku=f"FAB-{number:03d}",
        description=f"Canvas roll {number}",
        quantity=Decimal("100"),
        unit="m",
        delivery_date=date(2027, 1, number % 28 + 1),
        unit_price=None if price is None else Decimal(price),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def po(*lines: DocumentLine, **changes: object) -> PurchaseDocument:
    base = PurchaseDocument(
        kind=DocumentKind.PURCHASE_ORDER,
        number="PO-000042",
        issued_at=NOW,
        brand=BRAND,
        supplier=SUPPLIER,
        currency="EUR",
        lines=lines or (line(1), line(2, "0.125", quantity=Decimal("3"))),
        payment_terms_days=45,
        contract_code="CT-2026-07",
        terms=("5 % of each invoice is retained in the quality fund.",),
        notes="Deliver to gate 2.",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def rfq(*lines: DocumentLine) -> PurchaseDocument:
    return po(
        *(lines or (line(1, None), line(2, None))),
        kind=DocumentKind.RFQ,
        number="RFQ-000007",
        reply_by=date(2026, 12, 12),
        contract_code=None,
    )


def pdf_text(pdf: bytes) -> str:
    """The strings drawn on the pages of an uncompressed PDF with a built-in font."""
    found = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", pdf)
    escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"(": b"(", b")": b")", b"\\": b"\\"}

    def unescape(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        return bytes([int(code, 8)]) if code[:1].isdigit() else escapes.get(code, code)

    return "\n".join(
        re.sub(rb"\\([0-7]{1,3}|.)", unescape, text).decode("cp1252") for text in found
    )


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


# --- what the documents show -------------------------------------------------------------------


def test_po_html_shows_every_line_with_exact_prices_and_currency() -> None:
    # given a PO of two lines, one priced at a tenth of a cent
    document = po()
    # when it is rendered as HTML
    page = layout.render_html(document)
    # then every line, price and amount is there, exact and with the currency
    for sku, quantity, price, amount in [
        ("FAB-001", "100", "10.00 EUR", "1000.00 EUR"),
        ("FAB-002", "3", "0.125 EUR", "0.375 EUR"),
    ]:
        row = page[page.index(sku) :].split("</tr>")[0]
        assert f">{quantity}<" in row
        assert price in row and amount in row
    assert "1000.375 EUR" in page  # the total
    assert "2027-01-02" in page and "2027-01-03" in page  # delivery dates
    assert "PO-000042" in page and "2026-12-05" in page
    assert "Payment within 45 days of the invoice date." in page
    assert "CT-2026-07" in page and "quality fund" in page
    assert "Tecelagem Norte" in page and "Guimarães" in page and "SUP-TN" in page
    assert "Acme Bags" in page and "1100 Lisboa" in page


def test_large_amounts_have_no_thousands_separator() -> None:
    page = layout.render_html(po(line(1, "10000", quantity=Decimal("1"))))
    assert "10000.00 EUR" in page and "10,000" not in page


def test_rfq_leaves_prices_to_the_supplier_and_asks_for_a_reply_date() -> None:
    # given an RFQ (no prices)
    page = layout.render_html(rfq())
    text = layout.render_text(rfq())
    # then it is titled as a request, names the reply-by date and has empty price cells
    assert "Request for quotation" in page and "Purchase order" not in page
    assert "Reply by" in page and "2026-12-12" in page
    assert page.count('class="num fill"></td>') == 4  # unit price and amount of two lines
    assert "Total" not in page and " EUR</td>" not in page
    assert "Unit price: ________" in text and "Total" not in text


def test_po_has_a_total_and_no_reply_date() -> None:
    page = layout.render_html(po())
    assert "Purchase order" in page and "Reply by" not in page
    assert 'class="total"' in page and "fill" not in page.split("<tbody>")[1]


def test_text_part_says_what_the_html_says() -> None:
    text = layout.render_text(po())
    assert "Purchase order PO-000042" in text
    assert "FAB-002: Canvas roll 2" in text and "Unit price 0.125 EUR, amount 0.375 EUR" in text
    assert "Total: 1000.375 EUR" in text and "Contract: CT-2026-07" in text


def test_hostile_text_is_escaped_in_html_and_drawn_as_text_in_pdf() -> None:
    # given a description and a supplier name that carry markup
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    document = po(
        line(1, description=hostile),
        supplier=replace(SUPPLIER, name="Fios & <i>Filhos</i>"),
        notes="</main><img src=x onerror=alert(1)>",
    )
    # when rendered
    page = layout.render_html(document)
    pdf = layout.render_pdf(document, compress=False)
    # then the HTML shows it as text, never as markup
    assert "<script>" not in page and "<img" not in page and "<i>" not in page
    assert html.escape(hostile, quote=False).replace('"', "&#34;") in page
    assert "Fios &amp; &lt;i&gt;Filhos&lt;/i&gt;" in page
    # and the PDF draws the characters themselves (wrapped over lines in the narrow cell)
    drawn = "".join(pdf_text(pdf).split())
    for text in [hostile, "Fios & <i>Filhos</i>", "</main><img src=x onerror=alert(1)>"]:
        assert "".join(text.split()) in drawn


@given(st.text(max_size=60))
def test_any_description_is_escaped_in_html(description: str) -> None:
    page = layout.render_html(po(line(1, description=description)))
    cell = page.split('data-label="Description">')[1].split("</td>")[0]
    assert html.unescape(cell) == description
    assert "<" not in cell


@given(st.text(alphabet=st.characters(codec="cp1252"), max_size=80))
def test_any_western_text_renders_as_a_pdf(description: str) -> None:
    pdf = layout.render_pdf(po(line(1, description=description)))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


# --- refusals ----------------------------------------------------------------------------------


def test_a_po_line_without_a_price_is_refused_naming_the_line() -> None:
    with pytest.raises(ValidationError, match=r"PO-000042 line 2 \(FAB-002\) has no unit price"):
        layout.render_html(po(line(1), line(2, None)))


def test_a_document_without_lines_is_refused() -> None:
    with pytest.raises(ValidationError, match="PO-000042 has no lines"):
        documents.render(replace(po(), lines=()))


def test_letters_beyond_the_builtin_font_ask_for_a_font_file() -> None:
    document = po(supplier=replace(SUPPLIER, name="Łódź Textiles 东莞"))
    with pytest.raises(ValidationError, match="FLEXCHAIN_DOCUMENT_FONT"):
        layout.render_pdf(document)
    with pytest.raises(ValidationError, match=r"no font file at /nowhere/font\.ttf"):
        layout.render_pdf(document, font_path="/nowhere/font.ttf")


@pytest.mark.skipif(not DEJAVU.is_file(), reason="DejaVu Sans is not installed")
def test_a_truetype_font_draws_other_alphabets() -> None:
    document = po(supplier=replace(SUPPLIER, name="Łódź Textiles, Київ"))
    pdf = layout.render_pdf(document, font_path=DEJAVU, compress=False)
    assert pdf.startswith(b"%PDF-") and b"DejaVuSans" in pdf and b"DejaVuSans-Bold" in pdf


# --- the PDF -----------------------------------------------------------------------------------


def test_pdf_is_a_one_page_document_with_the_lines_and_total() -> None:
    pdf = layout.render_pdf(po(), compress=False)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert page_count(pdf) == 1
    drawn = pdf_text(pdf)
    for text in [
        "Acme Bags",
        "Purchase order",
        "No.: PO-000042",
        "Date: 2026-12-05",
        "Contract: CT-2026-07",
        "Tecelagem Norte",
        "FAB-001",
        "FAB-002",
        "Canvas roll 2",
        "2027-01-03",
        "0.125 EUR",
        "0.375 EUR",
        "1000.375 EUR",
        "Payment within 45 days of the invoice date.",
        "PO-000042 · Acme Bags · page 1 of 1",
    ]:
        assert text in drawn, text
    assert b"/Title (Purchase order PO-000042)" in pdf


def test_rfq_pdf_has_reply_date_and_no_prices() -> None:
    drawn = pdf_text(layout.render_pdf(rfq(), compress=False))
    assert "Request for quotation" in drawn and "Reply by: 2026-12-12" in drawn
    assert "Please quote a unit price in EUR" in drawn and "Total" not in drawn
    assert not re.search(r"^[0-9.]+ EUR$", drawn, re.MULTILINE)  # no price anywhere


def test_a_long_order_runs_over_pages_numbered_x_of_y() -> None:
    document = po(*(line(number) for number in range(1, 81)))
    pdf = layout.render_pdf(document, compress=False)
    pages = page_count(pdf)
    drawn = pdf_text(pdf)
    assert pages >= 2
    assert f"page {pages} of {pages}" in drawn and f"page 1 of {pages}" in drawn
    assert all(f"FAB-{number:03d}" in drawn for number in range(1, 81))
    assert drawn.count("Unit price") == pages  # the heading repeats on every page
    assert f"{Decimal(80 * 1000):.2f} EUR" in drawn  # the total: 80 lines of 1000.00


def test_the_same_document_gives_the_same_pdf_bytes() -> None:
    assert layout.render_pdf(po()) == layout.render_pdf(po())
    assert layout.render_pdf(po()) != layout.render_pdf(po(number="PO-000043"))


def test_rendered_document_names_the_file_after_the_number() -> None:
    done = documents.render(po())
    assert done.filename == "PO-000042.pdf" and done.pdf.startswith(b"%PDF-")
    assert done.subject == "Purchase order PO-000042 from Acme Bags"
    assert layout.document_filename(po(number="PO/42 ü")) == "PO_42__.pdf"


# --- sending: what is refused before connecting -------------------------------------------------


def settings(**changes: object) -> Settings:
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": 1,
        "mail_from": "buying@acme.example",
        **changes,
    }
    return Settings(database_url="sqlite://", **values)  # type: ignore[arg-type]


def test_mail_is_off_without_a_host() -> None:
    with pytest.raises(documents.MailError, match="mail is off: set FLEXCHAIN_SMTP_HOST"):
        documents.send(po(), settings(smtp_host=""))


def test_mail_needs_a_sender() -> None:
    with pytest.raises(documents.MailError, match="set FLEXCHAIN_MAIL_FROM"):
        documents.send(po(), settings(mail_from=""))


def test_a_supplier_without_an_email_is_refused_by_name() -> None:
    document = po(supplier=replace(SUPPLIER, email=""))
    with pytest.raises(ValidationError, match="supplier SUP-TN has no e-mail address"):
        documents.send(document, settings())


@pytest.mark.parametrize(
    "address",
    ["not-an-address", "a@b.example, c@d.example", "a@b.example\nBcc: x@y.example", "a@localhost"],
    ids=["no-at", "two", "header-injection", "no-domain-dot"],
)
def test_a_bad_recipient_is_refused(address: str) -> None:
    with pytest.raises(ValidationError, match="is not one e-mail address"):
        documents.send(po(), settings(), to=address)


def test_a_login_without_tls_is_refused() -> None:
    with pytest.raises(documents.MailError, match=r"refusing to log in to 127\.0\.0\.1:1 as bob"):
        documents.send_test(settings(smtp_user="bob", smtp_password="pw"), to="x@y.example")


def test_brand_party_comes_from_the_settings() -> None:
    brand = documents.brand_party(
        settings(brand_name="Acme", brand_address="1 Road", mail_from="Acme <b@acme.example>")
    )
    assert brand == Party(name="Acme", email="b@acme.example", address="1 Road")


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_samples_render(kind: DocumentKind) -> None:
    done = documents.render(documents.sample(kind, brand=BRAND, now=NOW))
    assert done.pdf.startswith(b"%PDF-") and "SAMPLE" in done.filename
