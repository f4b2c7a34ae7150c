"""Sending a PO or an RFQ e-mails its document through a real SMTP server (aiosmtpd on
loopback), on both databases: the supplier receives the PDF of what the database says, the send
is audited with the message id; a refused e-mail leaves the order a draft; with mail off the
order is sent and the answer says it was not e-mailed and why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from flexchain.config import Settings
from flexchain.services import audit, dispatch, documents, purchase_orders, rfqs
from flexchain.services.documents import MailError
from tests.integration.test_buying import NOW, UowFactory, _do
from tests.integration.test_buying import world as world
from tests.integration.test_mail import Inbox
from tests.integration.test_mail import serve as serve


def _settings(port: int) -> Settings:
    return Settings(
        database_url="sqlite://", smtp_host="127.0.0.1", smtp_port=port, smtp_timeout_seconds=5,
        mail_from="Acme Buying <buying@acme.example>", brand_name="Acme Bags",
    )  # fmt: skip


def _draft(world: UowFactory) -> str:
    po = _do(world, purchase_orders.create_po, supplier="FAB-PT",
             lines=[{"item": "FABRIC", "quantity": 120, "due_date": date(2026, 4, 6)}])  # fmt: skip
    return str(po.number)


def test_a_po_sent_arrives_as_the_pdf_of_the_order(world: UowFactory, serve: Any) -> None:
    inbox = Inbox()
    config = _settings(serve(inbox))
    number = _draft(world)
    sent = _do(world, dispatch.send_po, number, config)
    envelope, message = inbox.only()
    assert envelope.rcpt_tos == ["orders@tecidos.example"]
    assert number in str(message["Subject"]) and "Acme Bags" in str(message["From"]) + str(
        message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    )
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == f"{number}.pdf"
    with world(write=False) as uow:
        document = purchase_orders.document_for_po(
            uow, number, brand=documents.brand_party(config), now=NOW
        )
        po = purchase_orders.show_po(uow, number)
        trail = audit.list_entries(uow, entity="purchase_order")
    assert attachment.get_content() == documents.render(document).pdf
    assert po.status == "sent" and document.total == Decimal("1200.00")
    assert sent.mailed == (("orders@tecidos.example", sent.mailed[0][1]),)
    mailed = [entry for entry in trail if entry.action == "mailed"]
    assert [entry.context["message_id"] for entry in mailed] == [sent.mailed[0][1]]


def test_a_refused_email_leaves_the_order_a_draft(world: UowFactory, serve: Any) -> None:
    config = _settings(serve(Inbox(refuse={"orders@tecidos.example"})))
    number = _draft(world)
    with pytest.raises(MailError, match=r"orders@tecidos\.example"):
        _do(world, dispatch.send_po, number, config)
    with world(write=False) as uow:
        assert purchase_orders.show_po(uow, number).status == "draft"


def test_with_mail_off_the_order_is_sent_and_says_why_not_mailed(world: UowFactory) -> None:
    number = _draft(world)
    sent = _do(world, dispatch.send_po, number, Settings(database_url="sqlite://"))
    assert sent.mailed == () and "FLEXCHAIN_SMTP_HOST" in str(sent.not_mailed)
    unsent = _draft(world)
    skipped = _do(world, dispatch.send_po, unsent, Settings(database_url="sqlite://"), mail=False)
    assert "--no-mail" in str(skipped.not_mailed)
    with world(write=False) as uow:
        assert purchase_orders.show_po(uow, number).status == "sent"


def test_an_rfq_goes_to_each_supplier_asked(world: UowFactory, serve: Any) -> None:
    inbox = Inbox()
    config = _settings(serve(inbox))
    wanted = [{"item": "FABRIC", "quantity": 300, "need_date": date(2026, 4, 20)}]
    rfq = _do(world, rfqs.create_rfq, suppliers=["FAB-PT", "FAB-IT"], lines=wanted)
    # FAB-IT has no e-mail address: nothing goes out and the RFQ stays a draft
    with pytest.raises(Exception, match=r"FAB-IT|e-mail|address"):
        _do(world, dispatch.send_rfq, rfq.number, config)
    with world(write=False) as uow:
        assert rfqs.show_rfq(uow, rfq.number).status == "draft"
    sent = _do(world, dispatch.send_rfq, rfq.number, config, mail=False)
    assert sent.mailed == () and inbox.envelopes[:1] == inbox.envelopes
