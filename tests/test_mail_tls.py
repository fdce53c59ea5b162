"""SMTP over TLS against a real server on loopback (aiosmtpd with a `trustme` certificate).

`security: starttls` must encrypt before it logs in or sends, `ssl` must speak TLS from the
first byte, and a certificate the client cannot trust is a temporary failure with nothing
sent (the notice stays queued; the next night tries again).
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from factories import make_settings

from scanner.mail.delivery import PermanentDeliveryError, TemporaryDeliveryError, send
from vigie_sandbox.demo import free_port

USER, PASSWORD = "audit@csno.ab.ca", "s3cret-pass"


class Inbox:
    """Keeps each message with whether its session was encrypted and authenticated."""

    def __init__(self) -> None:
        self.received: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            {
                "tls": _encrypted(server, session),
                "authenticated": session.authenticated,
                "data": envelope.original_content,
            }
        )
        return "250 Message accepted for delivery"


def _encrypted(server, session) -> bool:
    """STARTTLS sets `session.ssl`; an implicit-TLS connection is an SSL transport from the start."""
    return session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None


def authenticator(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode())


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server(authority):
    """`server(mode, name)`: mode `starttls`, `ssl` or `plain`; the certificate is for `name`."""
    controllers = []

    def start(mode: str, name: str = "localhost") -> tuple[Inbox, int]:
        inbox, port = Inbox(), free_port()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        authority.issue_cert(name).configure_cert(context)
        options: dict = {"authenticator": authenticator}
        if mode == "starttls":
            options |= {"tls_context": context, "require_starttls": True}
        elif mode == "ssl":  # aiosmtpd counts only STARTTLS as TLS for its AUTH rule
            options |= {"ssl_context": context, "auth_require_tls": False}
        controller = Controller(
            inbox, hostname="127.0.0.1", port=port, server_hostname="localhost", **options
        )
        controller.start()
        controllers.append(controller)
        return inbox, port

    yield start
    for controller in controllers:
        controller.stop()


def client_context(authority: trustme.CA | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if authority is not None:
        authority.configure_trust(context)
    return context


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "audit@csno.ab.ca", "communications@csno.ab.ca", "Essai"
    mail.set_content("Bonjour")
    return mail


def smtp_settings(port: int, security: str):
    return make_settings(host="localhost", port=port, security=security, username=USER).smtp


def test_starttls_encrypts_before_login_and_data(server, authority):
    inbox, port = server("starttls")
    result = send(message(), smtp_settings(port, "starttls"), PASSWORD, ssl_context=client_context(authority))
    assert result.accepted == ("communications@csno.ab.ca",)
    assert len(inbox.received) == 1 and inbox.received[0]["tls"]
    assert inbox.received[0]["authenticated"]  # the server allows AUTH only once encrypted


def test_implicit_tls(server, authority):
    inbox, port = server("ssl")
    send(message(), smtp_settings(port, "ssl"), PASSWORD, ssl_context=client_context(authority))
    assert len(inbox.received) == 1 and inbox.received[0]["tls"]


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_a_certificate_for_another_name_sends_nothing(server, authority, mode):
    inbox, port = server(mode, name="autre-serveur.test")
    with pytest.raises(TemporaryDeliveryError) as caught:
        send(message(), smtp_settings(port, mode), PASSWORD, ssl_context=client_context(authority))
    assert not inbox.received
    assert PASSWORD not in str(caught.value)


def test_an_unknown_authority_sends_nothing(server):
    inbox, port = server("starttls")
    with pytest.raises(TemporaryDeliveryError):
        send(message(), smtp_settings(port, "starttls"), PASSWORD, ssl_context=client_context(None))
    assert not inbox.received


def test_starttls_not_offered_never_logs_in_nor_sends(server, authority):
    inbox, port = server("plain")
    with pytest.raises(PermanentDeliveryError, match="STARTTLS"):
        send(message(), smtp_settings(port, "starttls"), PASSWORD, ssl_context=client_context(authority))
    assert not inbox.received
