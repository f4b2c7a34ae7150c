"""An RFQ or purchase order as a supplier receives it: HTML (Jinja2, readable on a phone and
printable), plain text (the mail's text part) and PDF (ReportLab platypus).

All three are laid out from one :class:`DocumentView` of the
:class:`~flexchain.domain.documents.PurchaseDocument`, so they say the same thing: brand and
supplier, number and date, reply-by (RFQ), the lines with SKU, description, quantity, unit,
delivery date, unit price and amount, the total, payment terms, contract reference and the
clauses as sentences. An RFQ leaves the price columns empty for the supplier to fill in.

Money is written exactly (``format_amount``: ``10.00``, ``0.125``) with its currency code and
no thousands separator, so no reader can mistake a decimal comma. The PDF is deterministic
(ReportLab ``invariant``): the same document gives the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from flexchain.domain.documents import DocumentKind, Party, PurchaseDocument
from flexchain.domain.errors import ValidationError, format_amount, format_decimal

__all__ = [
    "DocumentView",
    "document_filename",
    "document_subject",
    "render_html",
    "render_pdf",
    "render_text",
    "view_of",
]

TITLES = {DocumentKind.RFQ: "Request for quotation", DocumentKind.PURCHASE_ORDER: "Purchase order"}
_TEMPLATES = Path(__file__).parent / "document_templates"
_HTML = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    keep_trailing_newline=True,  # as a mail part keeps it: what arrives equals what was rendered
)
_TEXT = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=False,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class LineView:
    line_no: str
    sku: str
    description: str
    quantity: str
    unit: str
    delivery_date: str
    unit_price: str
    """``10.00 EUR``; empty on an RFQ (the supplier fills it in)."""
    amount: str


@dataclass(frozen=True)
class DocumentView:
    """Everything a document shows, as the strings it shows."""

    is_rfq: bool
    title: str
    number: str
    date: str
    reply_by: str
    currency: str
    brand_name: str
    brand_lines: tuple[str, ...]
    supplier_name: str
    supplier_lines: tuple[str, ...]
    lines: tuple[LineView, ...]
    total: str
    payment_terms: str
    contract: str
    terms: tuple[str, ...]
    notes: str
    instruction: str


def money(value: Decimal, currency: str) -> str:
    """``10.00 EUR``: the exact amount with at least cents, and its currency code."""
    return f"{format_amount(value)} {currency}"


def document_filename(document: PurchaseDocument) -> str:
    """``<number>.pdf``, with anything but letters, digits, ``.``, ``-`` and ``_`` as ``_``."""
    safe = "".join(
        c if c.isascii() and (c.isalnum() or c in ".-_") else "_" for c in document.number
    )
    return f"{safe or 'document'}.pdf"


def document_subject(document: PurchaseDocument) -> str:
    """The mail subject: ``Purchase order PO-000001 from Brand`` (one line)."""
    subject = f"{TITLES[document.kind]} {document.number} from {document.brand.name}"
    return " ".join(subject.split())


def _party_lines(party: Party, *, code_label: str = "") -> tuple[str, ...]:
    """Address lines, country, ``<code_label> <code>`` (when labelled) and e-mail."""
    lines = [line.strip() for line in party.address.splitlines() if line.strip()]
    if party.country:
        lines.append(party.country)
    if code_label and party.code:
        lines.append(f"{code_label} {party.code}")
    if party.email:
        lines.append(party.email)
    return tuple(lines)


def _payment_terms(days: int) -> str:
    if days <= 0:
        return "Payment on receipt of the invoice."
    return f"Payment within {days} days of the invoice date."


def _check(document: PurchaseDocument) -> None:
    if not document.lines:
        raise ValidationError("lines", f"{document.number} has no lines: nothing to send")
    if document.kind is DocumentKind.PURCHASE_ORDER:
        for index, line in enumerate(document.lines):
            if line.unit_price is None:
                raise ValidationError(
                    f"lines[{index}].unit_price",
                    f"purchase order {document.number} line {line.line_no} ({line.item_sku}) "
                    "has no unit price: a PO states the price it commits to",
                )


def view_of(document: PurchaseDocument) -> DocumentView:
    """The strings every format shows; refuses a document without lines or a PO line without a
    price (:class:`~flexchain.domain.errors.ValidationError`)."""
    _check(document)
    is_rfq = document.kind is DocumentKind.RFQ
    currency = document.currency
    lines = tuple(
        LineView(
            line_no=str(line.line_no),
            sku=line.item_sku,
            description=line.description,
            quantity=format_decimal(line.quantity),
            unit=line.unit,
            delivery_date=line.delivery_date.isoformat(),
            unit_price=""
            if is_rfq or line.unit_price is None
            else money(line.unit_price, currency),
            amount="" if is_rfq or line.amount is None else money(line.amount, currency),
        )
        for line in document.lines
    )
    total = document.total
    reply_by = document.reply_by.isoformat() if document.reply_by else ""
    if is_rfq:
        instruction = (
            f"Please quote a unit price in {currency} and confirm the delivery date for each line"
            + (f" by {reply_by}." if reply_by else ".")
        )
    else:
        instruction = "Please confirm the quantities and delivery dates of this order."
    return DocumentView(
        is_rfq=is_rfq,
        title=TITLES[document.kind],
        number=document.number,
        date=document.issued_at.date().isoformat(),
        reply_by=reply_by,
        currency=currency,
        brand_name=document.brand.name,
        brand_lines=_party_lines(document.brand),
        supplier_name=document.supplier.name,
        supplier_lines=_party_lines(document.supplier, code_label="Supplier code"),
        lines=lines,
        total="" if is_rfq or total is None else money(total, currency),
        payment_terms=_payment_terms(document.payment_terms_days),
        contract=document.contract_code or "",
        terms=tuple(document.terms),
        notes=document.notes.strip(),
        instruction=instruction,
    )


def render_html(document: PurchaseDocument) -> str:
    """The document as one self-contained HTML page (inline CSS, no external resources)."""
    return _HTML.get_template("document.html").render(v=view_of(document))


def render_text(document: PurchaseDocument) -> str:
    """The document as plain text: the mail's text part, for clients that show no HTML."""
    return _TEXT.get_template("document.txt").render(v=view_of(document))


# --- PDF ---------------------------------------------------------------------------------------

_FONT_REGULAR = "Helvetica"
_FONT_BOLD = "Helvetica-Bold"


def _check_helvetica(view: DocumentView) -> None:
    """Helvetica draws Windows-1252 only; anything else would print as a box, so refuse it."""
    texts = [view.brand_name, *view.brand_lines, view.supplier_name, *view.supplier_lines]
    texts += [view.number, view.currency, view.contract, view.notes, *view.terms]
    for line in view.lines:
        texts += [line.sku, line.description, line.unit]
    for text in texts:
        for char in text:
            try:
                char.encode("cp1252")
            except UnicodeEncodeError:
                raise ValidationError(
                    "document_font",
                    f"{char!r} in {text!r} is not in the PDF's built-in font (Helvetica, Western "
                    "European letters): set FLEXCHAIN_DOCUMENT_FONT to a TrueType font that has "
                    "it, e.g. /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                ) from None


def _fonts(font_path: str | Path | None) -> tuple[str, str]:
    """Helvetica (Western European text, Windows-1252), or the TrueType font at ``font_path``
    (embedded; with ``<name>-Bold.ttf`` beside it for headings when there is one)."""
    if not font_path:
        return _FONT_REGULAR, _FONT_BOLD
    path = Path(font_path)
    if not path.is_file():
        raise ValidationError("document_font", f"no font file at {path}")
    regular = f"doc-{path.stem}"
    if regular not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(regular, str(path)))
    bold_path = path.with_name(f"{path.stem}-Bold{path.suffix}")
    if not bold_path.is_file():
        return regular, regular
    bold = f"doc-{bold_path.stem}"
    if bold not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(bold, str(bold_path)))
    return regular, bold


@dataclass(frozen=True)
class _Styles:
    regular: str
    bold: str

    def style(self, size: float, *, bold: bool = False, align: int = 0) -> ParagraphStyle:
        font = self.bold if bold else self.regular
        return ParagraphStyle(
            f"{font}-{size}-{align}",
            fontName=font,
            fontSize=size,
            leading=size * 1.25,
            alignment=align,
        )

    def para(self, text: str, size: float = 9, *, bold: bool = False, align: int = 0) -> Paragraph:
        return Paragraph(escape(text), self.style(size, bold=bold, align=align))

    def block(self, lines: tuple[str, ...], size: float = 9) -> Paragraph:
        return Paragraph("<br/>".join(escape(line) for line in lines), self.style(size))


def _numbered_canvas(number: str, brand: str, font: str) -> type[Canvas]:
    """A canvas that writes ``<number> · page X of Y`` at the foot of every page (two passes:
    the page count is known once every page is laid out)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for page in self._pages:
                self.__dict__.update(page)
                self.setFont(font, 8)
                self.setFillColor(colors.grey)
                footer = f"{number} · {brand} · page {self._pageNumber} of {len(self._pages)}"
                self.drawCentredString(A4[0] / 2, 10 * mm, footer)
                super().showPage()
            super().save()

    return NumberedCanvas


def _head(view: DocumentView, s: _Styles) -> Table:
    facts = [("No.", view.number), ("Date", view.date)]
    if view.reply_by:
        facts.append(("Reply by", view.reply_by))
    if view.contract:
        facts.append(("Contract", view.contract))
    facts.append(("Currency", view.currency))
    right = [s.para(view.title, 14, bold=True, align=2)] + [
        s.para(f"{label}: {value}", 9, align=2) for label, value in facts
    ]
    left = [s.para(view.brand_name, 16, bold=True), s.block(view.brand_lines)]
    supplier = [
        Spacer(1, 4 * mm),
        s.para("To", 8, bold=True),
        s.para(view.supplier_name, 11, bold=True),
        s.block(view.supplier_lines),
    ]
    table = Table([[left, right], [supplier, ""]], colWidths=[95 * mm, 79 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("SPAN", (0, 1), (1, 1))]))
    return table


_WIDTHS = [7, 30, 38, 19, 11, 19, 25, 25]
_RIGHT = {3, 6, 7}


def _lines_table(view: DocumentView, s: _Styles) -> Table:
    heads = ["#", "SKU", "Description", "Quantity", "Unit", "Delivery", "Unit price", "Amount"]
    rows: list[list[Any]] = [
        [s.para(h, 8, bold=True, align=2 if i in _RIGHT else 0) for i, h in enumerate(heads)]
    ]
    for line in view.lines:
        rows.append(
            [
                line.line_no,
                s.para(line.sku, 8),
                s.para(line.description, 8),
                s.para(line.quantity, 8, align=2),
                line.unit,
                line.delivery_date,
                s.para(line.unit_price, 8, align=2),
                s.para(line.amount, 8, align=2),
            ]
        )
    if view.total:
        total = [
            s.para("Total", 9, bold=True),
            *[""] * 5,
            s.para(view.total, 9, bold=True, align=2),
        ]
        rows.append([*total, ""])  # the amount spans the price columns: room for big totals
    table = Table(rows, colWidths=[w * mm for w in _WIDTHS], repeatRows=1)
    style = [
        ("FONT", (0, 1), (-1, -1), s.regular, 8),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
    ]
    if view.is_rfq:  # boxes for the supplier's prices
        style.append(("BOX", (6, 1), (7, -1), 0.5, colors.grey))
        style.append(("INNERGRID", (6, 1), (7, -1), 0.25, colors.grey))
    if view.total:
        style += [
            ("SPAN", (0, -1), (5, -1)),
            ("SPAN", (6, -1), (7, -1)),
            ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
        ]
    table.setStyle(TableStyle(style))
    return table


def _closing(view: DocumentView, s: _Styles) -> list[Flowable]:
    parts: list[Flowable] = [Spacer(1, 5 * mm), s.para(view.payment_terms, 9)]
    if view.contract:
        parts.append(s.para(f"Under contract {view.contract}; its terms apply.", 9))
    if view.terms:
        parts += [Spacer(1, 2 * mm), s.para("Terms", 9, bold=True)]
        parts += [s.para(f"• {term}", 9) for term in view.terms]
    if view.notes:
        parts += [Spacer(1, 2 * mm), s.para("Notes", 9, bold=True)]
        parts += [s.para(line, 9) for line in view.notes.splitlines() if line.strip()]
    return parts


def render_pdf(
    document: PurchaseDocument, *, font_path: str | Path | None = None, compress: bool = True
) -> bytes:
    """The document as an A4 PDF; the same document (and font) gives the same bytes.

    ``compress=False`` leaves the page streams readable (tests look for the text in them).
    """
    view = view_of(document)
    if not font_path:
        _check_helvetica(view)
    regular, bold = _fonts(font_path)
    styles = _Styles(regular, bold)
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{view.title} {view.number}",
        author=view.brand_name,
        subject=f"{view.title} {view.number} to {view.supplier_name}",
        creator="flexchain",
        invariant=1,
        pageCompression=1 if compress else 0,
    )
    story: list[Flowable] = [
        _head(view, styles),
        Spacer(1, 5 * mm),
        styles.para(view.instruction, 9, bold=True),
        Spacer(1, 3 * mm),
        _lines_table(view, styles),
    ]
    story += _closing(view, styles)
    pdf.build(story, canvasmaker=_numbered_canvas(view.number, view.brand_name, regular))
    return buffer.getvalue()
