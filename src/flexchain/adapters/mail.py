"""Sending mail through an SMTP server (smtplib): plain, STARTTLS or implicit TLS, with an
optional login.

Every failure to deliver is a :class:`MailError` whose message names the server
(``host:port``) and what went wrong: the connection, TLS, the login, a refused sender or
recipient. A login is refused over an unencrypted connection: the password would cross the
network in clear.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Literal

from flexchain.domain.errors import DomainError

__all__ = ["Attachment", "MailError", "SmtpSettings", "compose", "deliver"]

TlsMode = Literal["none", "starttls", "ssl"]


class MailError(DomainError):
    """The mail could not be handed to the SMTP server; the message says which and why."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand mail over."""

    host: str
    port: int = 25
    tls: TlsMode = "none"
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    ca_file: str = ""
    """PEM file of the certificate authority (or the self-signed certificate) to trust for
    TLS; empty: the system's trusted authorities."""

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


def compose(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """A message with a text part, an HTML alternative (if any) and the attachments.

    The Message-ID is made in the sender's domain; the Date is now, in UTC.
    """
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = " ".join(subject.split())
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for attachment in attachments:
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
        )
    return message


def _tls_context(smtp: SmtpSettings) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=smtp.ca_file or None)
    except (OSError, ssl.SSLError) as error:
        raise MailError(f"mail: cannot read the CA file {smtp.ca_file}: {error}") from error


def _open(smtp: SmtpSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    if smtp.tls == "ssl":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    return smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)


def _hand_over(smtp: SmtpSettings, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
    context = _tls_context(smtp)
    with _open(smtp, context) as client:
        client.ehlo()
        if smtp.tls == "starttls":
            if not client.has_extn("starttls"):
                raise MailError(
                    f"mail: {smtp.server} does not offer STARTTLS; use FLEXCHAIN_SMTP_TLS=ssl "
                    "(implicit TLS, usually port 465) or another server"
                )
            client.starttls(context=context)
            client.ehlo()
        if smtp.user:
            if not client.has_extn("auth"):
                raise MailError(f"mail: {smtp.server} offers no login (AUTH) to {smtp.user}")
            client.login(smtp.user, smtp.password)
        return client.send_message(message)


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{error.smtp_code} {reply}".strip()


def deliver(smtp: SmtpSettings, message: EmailMessage) -> None:
    """Hand ``message`` to the server; :class:`MailError` if it is not accepted for every
    recipient."""
    if smtp.user and smtp.tls == "none":
        raise MailError(
            f"mail: refusing to log in to {smtp.server} as {smtp.user} without TLS (the password "
            "would cross the network in clear); set FLEXCHAIN_SMTP_TLS=starttls or ssl"
        )
    where = smtp.server
    try:
        refused = _hand_over(smtp, message)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(
            f"mail: {where} refused the login of {smtp.user}: {_reply(error)}"
        ) from error
    except smtplib.SMTPRecipientsRefused as error:
        refused = {to: (code, reply) for to, (code, reply) in error.recipients.items()}
    except smtplib.SMTPSenderRefused as error:
        raise MailError(
            f"mail: {where} refused the sender {error.sender}: {_reply(error)}"
        ) from error
    except smtplib.SMTPResponseException as error:
        raise MailError(f"mail: {where} answered {_reply(error)}") from error
    except smtplib.SMTPServerDisconnected as error:
        if isinstance(error.__context__, TimeoutError):  # smtplib wraps a read that timed out
            raise MailError(f"mail: {where} did not answer within {smtp.timeout:g} s") from error
        raise MailError(f"mail: {where} closed the connection: {error}") from error
    except smtplib.SMTPException as error:
        raise MailError(f"mail: sending through {where} failed: {error}") from error
    except ssl.SSLCertVerificationError as error:
        raise MailError(
            f"mail: TLS with {where} failed: {error.verify_message}; trust its certificate "
            "authority with FLEXCHAIN_SMTP_CA_FILE"
        ) from error
    except ssl.SSLError as error:
        raise MailError(f"mail: TLS with {where} failed: {error.reason or error}") from error
    except TimeoutError as error:
        raise MailError(f"mail: {where} did not answer within {smtp.timeout:g} s") from error
    except OSError as error:
        reason = error.strerror or str(error)
        raise MailError(f"mail: cannot connect to {where}: {reason}") from error
    if refused:
        which = "; ".join(
            f"{to}: {code} {reply.decode('utf-8', 'replace')}"
            for to, (code, reply) in refused.items()
        )
        raise MailError(f"mail: {where} refused the recipient(s) {which}")
