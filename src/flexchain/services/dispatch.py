"""Sending a purchase order or an RFQ: the state change and the e-mail to the supplier together.

``send_po`` issues the order (``draft -> sent``) and, when mail is on (``FLEXCHAIN_SMTP_HOST``
set), e-mails its document (HTML and text body, the PDF attached) to the supplier's address;
``send_rfq`` does the same for an RFQ, one e-mail per supplier asked. The e-mail goes out
before the caller commits: if the server refuses it, :class:`MailError` is raised and, the
unit of work not committed, the order stays a draft to send again. Each e-mail sent is written
to the audit trail (``mailed``, the address and the message id).

A buyer may send without mail (``mail=False``: the document goes out another way, e.g. the
portal or a printed copy); with mail off the send is recorded and the result says it was not
e-mailed and why.

Issuing a purchase order that puts its month over the brand-wide budget or its supplier's
(:mod:`flexchain.services.budgets`) is not refused: the result's ``budget_warnings`` say which
budget and by how much, and the buyer decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.config import Settings
from flexchain.domain.documents import PurchaseDocument
from flexchain.domain.values import utc
from flexchain.services import audit, budgets, documents, purchase_orders, rfqs

__all__ = ["Dispatch", "send_po", "send_rfq"]


@dataclass(frozen=True)
class Dispatch:
    """What was sent: the document's number, to whom it was e-mailed (message ids), or why not."""

    number: str
    mailed: tuple[tuple[str, str], ...]
    """(address, message id) per e-mail sent."""
    not_mailed: str | None = None
    budget_warnings: tuple[str, ...] = ()
    """A purchase order's issue that puts its month over a budget (:mod:`.budgets`): said,
    never refused."""

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "mailed": [{"to": to, "message_id": mid} for to, mid in self.mailed],
            "not_mailed": self.not_mailed,
            "budget_warnings": list(self.budget_warnings),
        }


def _why_not(settings: Settings, mail: bool) -> str | None:
    if not mail:
        return "sent without e-mail, as asked (--no-mail, or mail=false)"
    if not settings.smtp_host:
        return "mail is off: set FLEXCHAIN_SMTP_HOST (and FLEXCHAIN_MAIL_FROM) to e-mail documents"
    return None


def _mail(
    uow: UnitOfWork, entity: str, docs: list[PurchaseDocument], settings: Settings, now: datetime
) -> tuple[tuple[str, str], ...]:
    sent = []
    for document in docs:
        mail = documents.send(document, settings)
        sent.append((mail.to, mail.message_id))
        details = {"to": mail.to, "message_id": mail.message_id, "at": now.isoformat(),
                   "supplier": document.supplier.code, "server": mail.server}  # fmt: skip
        audit.record(uow, "mailed", entity, document.number, details)
    return tuple(sent)


def send_po(
    uow: UnitOfWork, number: str, settings: Settings, *, mail: bool = True, now: datetime
) -> Dispatch:
    """Issue PO ``number`` and e-mail it to its supplier (module docstring)."""
    now = utc(now, "now")
    document = purchase_orders.issue_po(uow, number, brand=documents.brand_party(settings), now=now)
    warned = tuple(budgets.issue_warnings(uow, number, base=settings.default_currency))
    why = _why_not(settings, mail)
    if why is not None:
        return Dispatch(document.number, (), why, warned)
    sent = _mail(uow, "purchase_order", [document], settings, now)
    return Dispatch(document.number, sent, None, warned)


def send_rfq(
    uow: UnitOfWork, number: str, settings: Settings, *, mail: bool = True, now: datetime
) -> Dispatch:
    """Send RFQ ``number`` and e-mail it to each supplier asked (module docstring)."""
    now = utc(now, "now")
    view = rfqs.send_rfq(uow, number, now=now)
    why = _why_not(settings, mail)
    if why is not None:
        return Dispatch(view.number, (), why)
    brand = documents.brand_party(settings)
    docs = [
        rfqs.document_for_rfq(uow, view.number, supplier, brand=brand, now=now)
        for supplier in view.suppliers
    ]
    return Dispatch(view.number, _mail(uow, "rfq", docs, settings, now))
