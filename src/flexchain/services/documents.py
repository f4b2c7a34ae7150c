"""Documents suppliers receive: render an RFQ or purchase order (HTML, text, PDF) and e-mail it
to the supplier's contact through the configured SMTP server (docs/procurement.md, "Documents
and mail").

The caller builds the :class:`~flexchain.domain.documents.PurchaseDocument` (services/rfqs.py,
services/purchase_orders.py) from its records in its unit of work; these functions read no
database. Mail is off while ``FLEXCHAIN_SMTP_HOST`` is empty: :func:`send` then refuses with a
message saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from email.utils import parseaddr

from flexchain.adapters import documents as layout
from flexchain.adapters.mail import Attachment, MailError, SmtpSettings, compose, deliver
from flexchain.config import Settings
from flexchain.domain.documents import DocumentKind, DocumentLine, Party, PurchaseDocument
from flexchain.domain.errors import ValidationError

__all__ = [
    "MailError",
    "RenderedDocument",
    "SentMail",
    "brand_party",
    "render",
    "sample",
    "send",
    "send_test",
    "smtp_settings",
]


@dataclass(frozen=True)
class RenderedDocument:
    """One document in every format it is sent in."""

    number: str
    subject: str
    html: str
    text: str
    pdf: bytes
    filename: str
    """``<number>.pdf``: the attachment's name."""


@dataclass(frozen=True)
class SentMail:
    """A message the SMTP server accepted."""

    message_id: str
    sender: str
    to: str
    subject: str
    attachment: str | None
    """The attached file's name (``PO-000001.pdf``), None for a test message."""
    server: str
    """``host:port`` it was handed to."""
    tls: str


def brand_party(settings: Settings) -> Party:
    """The brand as documents name it: ``FLEXCHAIN_BRAND_NAME`` and ``FLEXCHAIN_BRAND_ADDRESS``
    (the reply address is ``FLEXCHAIN_MAIL_FROM``)."""
    return Party(
        name=settings.brand_name,
        email=parseaddr(settings.mail_from)[1],
        address=settings.brand_address,
    )


def render(document: PurchaseDocument, *, font: str = "") -> RenderedDocument:
    """HTML, text and PDF of ``document`` (``font``: a TrueType file for the PDF, default
    Helvetica). Refuses a document without lines or a PO line without a price."""
    return RenderedDocument(
        number=document.number,
        subject=layout.document_subject(document),
        html=layout.render_html(document),
        text=layout.render_text(document),
        pdf=layout.render_pdf(document, font_path=font or None),
        filename=layout.document_filename(document),
    )


def smtp_settings(settings: Settings) -> SmtpSettings:
    """The SMTP server of ``settings``; :class:`MailError` while mail is off (no host)."""
    if not settings.smtp_host.strip():
        raise MailError(
            "mail is off: set FLEXCHAIN_SMTP_HOST (and FLEXCHAIN_SMTP_PORT, FLEXCHAIN_SMTP_TLS, "
            "FLEXCHAIN_SMTP_USER, FLEXCHAIN_SMTP_PASSWORD as the server needs) to send documents"
        )
    return SmtpSettings(
        host=settings.smtp_host.strip(),
        port=settings.smtp_port,
        tls=settings.smtp_tls,
        user=settings.smtp_user,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout_seconds,
        ca_file=settings.smtp_ca_file,
    )


def _address(value: str, field: str) -> str:
    """``value`` if it is one e-mail address (``a@b.example`` or ``Name <a@b.example>``)."""
    _name, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    if "\n" in value or "\r" in value or not (local and at and "." in domain) or "," in value:
        raise ValidationError(field, f"{value!r} is not one e-mail address")
    return value.strip()


def _sender(settings: Settings) -> str:
    if not settings.mail_from.strip():
        raise MailError(
            "mail has no sender: set FLEXCHAIN_MAIL_FROM (e.g. buying@brand.example), the "
            "address suppliers see and reply to"
        )
    return _address(settings.mail_from, "FLEXCHAIN_MAIL_FROM")


def _recipient(document: PurchaseDocument, to: str | None) -> str:
    if to is not None:
        return _address(to, "to")
    if not document.supplier.email.strip():
        who = document.supplier.code or document.supplier.name
        raise ValidationError(
            "supplier.email",
            f"supplier {who} has no e-mail address to send {document.number} to: add one to the "
            "supplier, or give another address",
        )
    return _address(document.supplier.email, "supplier.email")


def send(
    document: PurchaseDocument,
    settings: Settings,
    *,
    to: str | None = None,
    rendered: RenderedDocument | None = None,
) -> SentMail:
    """E-mail ``document`` to ``to`` (default: the supplier's address): the text and HTML of the
    document as the body, its PDF attached as ``<number>.pdf``.

    ``rendered`` is the document already rendered (so what was stored or shown is what is
    sent); rendered here when None. Raises :class:`MailError` (mail off, no sender, the server
    refused or is unreachable: the message names ``host:port``) or
    :class:`~flexchain.domain.errors.ValidationError` (no or a bad address).
    """
    smtp = smtp_settings(settings)
    sender = _sender(settings)
    recipient = _recipient(document, to)
    done = rendered if rendered is not None else render(document, font=settings.document_font)
    message = compose(
        sender=sender,
        to=recipient,
        subject=done.subject,
        text=done.text,
        html=done.html,
        attachments=[Attachment(done.filename, done.pdf)],
    )
    deliver(smtp, message)
    return SentMail(
        message_id=str(message["Message-ID"]),
        sender=sender,
        to=recipient,
        subject=str(message["Subject"]),
        attachment=done.filename,
        server=smtp.server,
        tls=smtp.tls,
    )


def send_test(settings: Settings, *, to: str) -> SentMail:
    """A short test message to ``to`` through the configured server: what an operator sends
    to check the mail settings (``flexchain mail test``)."""
    smtp = smtp_settings(settings)
    sender = _sender(settings)
    recipient = _address(to, "to")
    login = f"logged in as {smtp.user}" if smtp.user else "without login"
    text = (
        f"This is a test message from flexchain ({settings.brand_name}).\n\n"
        f"It was handed to {smtp.server} (TLS: {smtp.tls}, {login}) from {sender}.\n"
        "RFQs and purchase orders to suppliers are sent the same way, as a PDF attachment.\n"
    )
    subject = f"flexchain mail test from {settings.brand_name}"
    message = compose(sender=sender, to=recipient, subject=subject, text=text)
    deliver(smtp, message)
    return SentMail(
        message_id=str(message["Message-ID"]),
        sender=sender,
        to=recipient,
        subject=str(message["Subject"]),
        attachment=None,
        server=smtp.server,
        tls=smtp.tls,
    )


def sample(kind: DocumentKind, *, brand: Party, now: datetime) -> PurchaseDocument:
    """A made-up RFQ or PO to look at the layout (``flexchain document render --sample``)."""
    day = now.date()
    lines = tuple(
        DocumentLine(
            line_no=number,
            item_sku=sku,
            description=description,
            quantity=Decimal(quantity),
            unit=unit,
            delivery_date=day + timedelta(days=days),
            unit_price=None if kind is DocumentKind.RFQ else Decimal(price),
        )
        for number, (sku, description, quantity, unit, days, price) in enumerate(_SAMPLE_LINES, 1)
    )
    is_rfq = kind is DocumentKind.RFQ
    return PurchaseDocument(
        kind=kind,
        number="RFQ-SAMPLE" if is_rfq else "PO-SAMPLE",
        issued_at=now,
        brand=brand,
        supplier=Party(
            name="Sample Textile Works",
            code="SUP-SAMPLE",
            email="orders@supplier.example",
            address="12 Mill Lane\n4000 Porto",
            country="PT",
        ),
        currency="EUR",
        lines=lines,
        payment_terms_days=30,
        contract_code=None if is_rfq else "CT-SAMPLE",
        reply_by=day + timedelta(days=7) if is_rfq else None,
        terms=()
        if is_rfq
        else (
            "Top-ups of up to 20 units within the contract's validity at most 15 % above the "
            "contract price.",
            "5 % of each invoice is retained in the quality fund and settled each quarter.",
        ),
        notes="A sample document: no order is placed.",
    )


_SAMPLE_LINES: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("FAB-COT-NAVY", "Cotton twill 240 g/m², navy", "300", "m", 21, "6.40"),
    ("ZIP-YKK-60", "Zip 60 cm, matte black", "500", "pcs", 14, "0.385"),
    ("LBL-WOVEN", "Woven neck label, 2 colours", "1000", "pcs", 14, "0.09"),
)
