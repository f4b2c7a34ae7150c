"""Mail through a real SMTP server (aiosmtpd on loopback): what arrives is what was rendered, over
plain SMTP, STARTTLS with a login and implicit TLS; every failure names the server and the cause.
No database."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SmtpServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from flexchain.config import Settings
from flexchain.domain.errors import ValidationError
from flexchain.entrypoints.cli.main import app
from flexchain.services import documents
from tests.unit.test_documents import SUPPLIER, po, rfq

USER, PASSWORD = "buyer", "s3cret pass"
runner = CliRunner()


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what arrives and refuses ``refuse`` recipients."""

    refuse: set[str] = field(default_factory=set)
    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_RCPT(  # aiosmtpd's hook name
        self, server: SmtpServer, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SmtpServer, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def only(self) -> tuple[Envelope, EmailMessage]:
        assert len(self.envelopes) == 1
        envelope = self.envelopes[0]
        content = envelope.content
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        return envelope, message


def check_login(
    server: SmtpServer, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start an SMTP server on a free loopback port: ``serve(inbox, **aiosmtpd options)``."""
    started: list[Controller] = []

    def start(inbox: Inbox, **options: Any) -> int:
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        return port

    yield start
    for controller in started:
        controller.stop()


def settings(port: int, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_timeout_seconds": 5,
        "mail_from": "Acme Buying <buying@acme.example>",
        "brand_name": "Acme Bags",
        **changes,
    }
    return Settings(database_url="sqlite://", **values)


def test_a_po_arrives_with_its_html_and_the_pdf_that_was_rendered(serve: Any) -> None:
    # given a plain SMTP server
    inbox = Inbox()
    port = serve(inbox)
    document = po()
    rendered = documents.render(document)
    # when the PO is sent to the supplier's contact
    sent = documents.send(document, settings(port))
    # then the server received one message for that address
    envelope, message = inbox.only()
    assert envelope.mail_from == "buying@acme.example"
    assert envelope.rcpt_tos == [SUPPLIER.email]
    assert message["Subject"] == "Purchase order PO-000042 from Acme Bags" == sent.subject
    assert message["From"] == "Acme Buying <buying@acme.example>"
    assert message["To"] == SUPPLIER.email == sent.to
    assert message["Message-ID"] == sent.message_id and sent.message_id.endswith("@acme.example>")
    assert sent.server == f"127.0.0.1:{port}" and sent.attachment == "PO-000042.pdf"
    # with the text and the HTML of the document, and its PDF attached byte for byte
    text = message.get_body(preferencelist=("plain",))
    page = message.get_body(preferencelist=("html",))
    assert text is not None and page is not None
    assert text.get_content().replace("\r\n", "\n") == rendered.text
    assert page.get_content().replace("\r\n", "\n") == rendered.html
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "PO-000042.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == rendered.pdf


def test_an_rfq_goes_to_the_address_given(serve: Any) -> None:
    inbox = Inbox()
    port = serve(inbox)
    sent = documents.send(rfq(), settings(port), to="sales@other.example")
    envelope, message = inbox.only()
    assert envelope.rcpt_tos == ["sales@other.example"] == [sent.to]
    assert message["Subject"] == "Request for quotation RFQ-000007 from Acme Bags"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "RFQ-000007.pdf"


def test_starttls_with_a_login(serve: Any, certificate: tuple[Path, Path]) -> None:
    # given a server that requires STARTTLS and a login, with a self-signed certificate
    inbox = Inbox()
    port = serve(
        inbox,
        tls_context=server_context(certificate),
        require_starttls=True,
        auth_required=True,
        authenticator=check_login,
    )
    config = settings(
        port,
        smtp_tls="starttls",
        smtp_user=USER,
        smtp_password=PASSWORD,
        smtp_ca_file=str(certificate[0]),
    )
    # when sending with the right password, trusting that certificate
    sent = documents.send_test(config, to="ops@acme.example")
    # then the message arrived
    _, message = inbox.only()
    assert message["Subject"] == "flexchain mail test from Acme Bags" == sent.subject
    assert f"127.0.0.1:{port} (TLS: starttls, logged in as buyer)" in message.get_content()
    # and a wrong password is refused with the server's answer
    with pytest.raises(documents.MailError, match=rf"127\.0\.0\.1:{port} refused the login of"):
        documents.send_test(replace_password(config, "wrong"), to="ops@acme.example")
    assert len(inbox.envelopes) == 1


def replace_password(config: Settings, password: str) -> Settings:
    return config.model_copy(update={"smtp_password": password})


def test_an_untrusted_certificate_is_refused_naming_the_setting(
    serve: Any, certificate: tuple[Path, Path]
) -> None:
    inbox = Inbox()
    port = serve(inbox, tls_context=server_context(certificate), require_starttls=True)
    with pytest.raises(
        documents.MailError, match=r"self-signed certificate; trust .* with FLEXCHAIN_SMTP_CA_FILE"
    ):
        documents.send(po(), settings(port, smtp_tls="starttls"))
    assert inbox.envelopes == []


def test_implicit_tls(serve: Any, certificate: tuple[Path, Path]) -> None:
    inbox = Inbox()
    port = serve(inbox, ssl_context=server_context(certificate))
    config = settings(port, smtp_tls="ssl", smtp_ca_file=str(certificate[0]))
    sent = documents.send(po(), config)
    _, message = inbox.only()
    assert sent.tls == "ssl" and message["Message-ID"] == sent.message_id


def test_starttls_asked_of_a_server_without_it_is_refused(serve: Any) -> None:
    port = serve(Inbox())
    with pytest.raises(documents.MailError, match=rf"127\.0\.0\.1:{port} does not offer STARTTLS"):
        documents.send(po(), settings(port, smtp_tls="starttls"))


def test_a_refused_connection_names_the_server() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(documents.MailError, match=rf"cannot connect to 127\.0\.0\.1:{port}"):
        documents.send(po(), settings(port))


def test_a_refused_recipient_is_named(serve: Any) -> None:
    inbox = Inbox(refuse={SUPPLIER.email})
    port = serve(inbox)
    with pytest.raises(documents.MailError, match=rf"refused the recipient\(s\) {SUPPLIER.email}"):
        documents.send(po(), settings(port))
    assert inbox.envelopes == []


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never speaks SMTP
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        config = settings(port, smtp_timeout_seconds=0.5)
        with pytest.raises(documents.MailError, match=r"did not answer within 0\.5 s"):
            documents.send(po(), config)


def test_a_supplier_without_email_sends_nothing(serve: Any) -> None:
    inbox = Inbox()
    port = serve(inbox)
    with pytest.raises(ValidationError, match="has no e-mail address"):
        documents.send(po(supplier=replace(SUPPLIER, email="")), settings(port))
    assert inbox.envelopes == []


# --- the commands ------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No mail setting of the machine running the tests leaks in."""
    for name in ("HOST", "PORT", "TLS", "USER", "PASSWORD", "CA_FILE", "TIMEOUT_SECONDS"):
        monkeypatch.delenv(f"FLEXCHAIN_SMTP_{name}", raising=False)
    for name in ("MAIL_FROM", "BRAND_NAME", "BRAND_ADDRESS", "DOCUMENT_FONT"):
        monkeypatch.delenv(f"FLEXCHAIN_{name}", raising=False)
    return monkeypatch


def test_mail_test_command_sends_through_the_configured_server(
    serve: Any, cli_env: pytest.MonkeyPatch
) -> None:
    # given a server and the settings in the environment
    inbox = Inbox()
    port = serve(inbox)
    cli_env.setenv("FLEXCHAIN_SMTP_HOST", "127.0.0.1")
    cli_env.setenv("FLEXCHAIN_SMTP_PORT", str(port))
    cli_env.setenv("FLEXCHAIN_MAIL_FROM", "buying@acme.example")
    # when the operator runs the check
    result = runner.invoke(app, ["mail", "test", "--to", "ops@acme.example", "--json"])
    # then the message arrived, and the command says what accepted it
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    envelope, message = inbox.only()
    assert envelope.rcpt_tos == ["ops@acme.example"] == [body["to"]]
    assert body["server"] == f"127.0.0.1:{port}" and body["message_id"] == message["Message-ID"]
    result = runner.invoke(app, ["mail", "test", "--to", "ops@acme.example"])
    assert result.exit_code == 0 and f"127.0.0.1:{port} (TLS: none) accepted" in result.stdout


def test_mail_test_command_without_a_host_says_what_to_set(cli_env: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["mail", "test", "--to", "ops@acme.example"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: mail is off: set FLEXCHAIN_SMTP_HOST")


def test_mail_test_command_reports_a_refused_connection(cli_env: pytest.MonkeyPatch) -> None:
    port = free_port()
    cli_env.setenv("FLEXCHAIN_SMTP_HOST", "127.0.0.1")
    cli_env.setenv("FLEXCHAIN_SMTP_PORT", str(port))
    cli_env.setenv("FLEXCHAIN_MAIL_FROM", "buying@acme.example")
    result = runner.invoke(app, ["mail", "test", "--to", "ops@acme.example"])
    assert result.exit_code == 1
    assert f"Error: mail: cannot connect to 127.0.0.1:{port}" in result.stderr


@pytest.mark.parametrize(("kind", "number"), [("rfq", "RFQ-SAMPLE"), ("po", "PO-SAMPLE")])
def test_document_render_writes_the_sample(
    kind: str, number: str, tmp_path: Path, cli_env: pytest.MonkeyPatch
) -> None:
    cli_env.setenv("FLEXCHAIN_BRAND_NAME", "Acme Bags")
    out = tmp_path / "docs"
    result = runner.invoke(app, ["document", "render", "--sample", kind, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / f"{number}.pdf").read_bytes().startswith(b"%PDF-")
    page = (out / f"{number}.html").read_text(encoding="utf-8")
    assert number in page and "Acme Bags" in page
