"""Sending a finished `EmailMessage` over SMTP (smtplib). Nothing is rendered here.

`settings.smtp.security` says how to connect — `starttls` (required, never
optional), `ssl` (implicit TLS) or `none` (a relay on loopback, tests) —; nothing
is guessed from which keys are present. Login happens when both a username and
a password are given; the password comes in as a value and is never put in an
exception or a log line.

Errors, for the exactly-once logic built on top (`scanner.notices`):

- `TemporaryDeliveryError`: try again later — the server could not be reached or
  timed out, dropped the connection, a TLS handshake failed, or it answered 4xx;
- `PermanentDeliveryError`: retrying the same message will fail the same way —
  5xx on the sender or the data, authentication refused (5xx), STARTTLS not offered;
- `RecipientsRefused`: the server refused *every* recipient; `.refused` maps each
  to its (code, reply), `.temporary` is true when all codes are 4xx.

When only some recipients are refused the message *was* accepted for the others:
`send` returns normally and `SendResult.refused` lists the refused ones.
"""

from __future__ import annotations

import functools
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.feedparser import headerRE
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from scanner.config.models import SmtpSecurity, SmtpSettings
from scanner.mail.policy import POLICY


class DeliveryError(Exception):
    temporary = False

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryDeliveryError(DeliveryError):
    temporary = True


class PermanentDeliveryError(DeliveryError):
    temporary = False


class RecipientsRefused(DeliveryError):
    def __init__(self, refused: dict[str, tuple[int, str]]) -> None:
        self.refused = refused
        codes = ", ".join(f"{address} ({code})" for address, (code, _) in sorted(refused.items()))
        super().__init__(f"every recipient was refused: {codes}")

    @property
    def temporary(self) -> bool:  # type: ignore[override]
        return all(400 <= code < 500 for code, _ in self.refused.values())


@dataclass(frozen=True)
class SendResult:
    message_id: str | None
    accepted: tuple[str, ...]
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)


def _reply(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _by_code(code: int, text: str) -> DeliveryError:
    cls = TemporaryDeliveryError if 400 <= code < 500 else PermanentDeliveryError
    return cls(f"{code} {text}", code)


class RecordedMessage(EmailMessage):
    """A message read back from the bytes recorded before sending (`recorded`): those exact bytes
    go on the wire, without parsing the body and serialising it again (`recorded_message`)."""

    recorded: bytes = b""
    # the envelope's recipients recorded with the bytes (`recipients_of` when they were recorded):
    # not parsed again from To, Cc and Bcc, which costs about a millisecond a notice
    envelope: tuple[str, ...] = ()


def recorded_message(data: bytes, envelope: Iterable[str] = ()) -> RecordedMessage:
    """The headers of recorded message bytes, for the envelope; the bytes themselves are sent.
    Parsed with `POLICY`: From, the same on every notice, is parsed once a night.

    What the parser's `headersonly` mode gives, the body kept as one string: when the header
    block is plain (CRLF lines, each a header or a continuation, up to the first empty line),
    only that block goes through the parser, which otherwise splits a notice's 100 kB of body
    into lines only to join them again."""
    parser = BytesParser(_class=RecordedMessage, policy=POLICY)  # type: ignore[arg-type]
    head, separator, body = data.partition(b"\r\n\r\n")
    if separator and _plain_head(head):
        message = parser.parsebytes(head + separator, headersonly=True)
        message.set_payload(body.decode("ascii", "surrogateescape"))  # as the parser joins the body's lines
    else:
        message = parser.parsebytes(data, headersonly=True)
    message.recorded = data
    message.envelope = tuple(envelope)
    return message


def _plain_head(head: bytes) -> bool:
    """Lines the parser reads as headers to the last (no lone CR or LF, no Unix « From » line)."""
    crlf = head.count(b"\r\n")
    if head.count(b"\r") != crlf or head.count(b"\n") != crlf:
        return False
    text = head.decode("ascii", "surrogateescape")
    return all(line and not line.startswith("From ") and headerRE.match(line) for line in text.split("\r\n"))


def recipients_of(message: EmailMessage) -> list[str]:
    fields = [*message.get_all("To", []), *message.get_all("Cc", []), *message.get_all("Bcc", [])]
    return [address for _, address in getaddresses(fields) if address]


class SmtpSession:
    """One SMTP connection for several messages (`with SmtpSession(...) as s: s.send(m)`)."""

    def __init__(
        self,
        settings: SmtpSettings,
        password: str | None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self._password = password
        self._context = ssl_context
        self._smtp: smtplib.SMTP | None = None

    def __repr__(self) -> str:
        return f"SmtpSession({self.settings.host}:{self.settings.port}, {self.settings.security})"

    def __enter__(self) -> SmtpSession:
        try:
            self._smtp = self._connect()
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, _reply(exc.smtp_error)) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentDeliveryError(f"{self.settings.host}: {exc}") from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:  # refused, timeout, DNS, TLS
            raise TemporaryDeliveryError(f"{self.settings.host}:{self.settings.port}: {exc}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = None if s.security is SmtpSecurity.NONE else self._context or default_tls_context()
        if s.security is SmtpSecurity.SSL:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.security is SmtpSecurity.STARTTLS:
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError("the server does not offer STARTTLS")
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username and self._password:
                smtp.login(s.username, self._password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> SendResult:
        if self._smtp is None:
            raise RuntimeError("SmtpSession is not open")
        recorded = isinstance(message, RecordedMessage) and message.envelope
        recipients = list(message.envelope) if recorded else recipients_of(message)
        if not recipients:
            raise PermanentDeliveryError("the message has no recipient")
        raw = _as_recorded(message, recipients)
        try:
            if raw is not None:
                sender = parseaddr(str(message["Sender"] or message["From"] or ""))[1]
                refused = self._smtp.sendmail(sender, recipients, raw)
            else:
                refused = self._smtp.send_message(message, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            raise RecipientsRefused({a: (c, _reply(r)) for a, (c, r) in exc.recipients.items()}) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, …
            raise _by_code(exc.smtp_code, _reply(exc.smtp_error)) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise TemporaryDeliveryError(f"{self.settings.host}: {exc}") from None
        except smtplib.SMTPException as exc:  # SMTPUTF8 not supported, …
            raise PermanentDeliveryError(f"{self.settings.host}: {exc}") from None
        refused_map = {a: (c, _reply(r)) for a, (c, r) in refused.items()}
        accepted = tuple(a for a in recipients if a not in refused_map)
        return SendResult(message.get("Message-ID"), accepted, refused_map)


def _as_recorded(message: EmailMessage, recipients: list[str]) -> bytes | None:
    """The recorded bytes to send as they are, when `send_message` would change nothing in them:
    no Bcc to strip, ASCII addresses (no SMTPUTF8)."""
    if not isinstance(message, RecordedMessage) or not message.recorded:
        return None
    if message.get_all("Bcc") or message.get_all("Resent-Bcc"):
        return None
    sender = str(message["Sender"] or message["From"] or "")
    if not sender.isascii() or not all(address.isascii() for address in recipients):
        return None
    return message.recorded


@functools.cache
def default_tls_context() -> ssl.SSLContext:
    """The system's trust store, loaded once per process (it costs milliseconds per connection)."""
    return ssl.create_default_context()


class ReusedConnection:
    """A `send` that keeps one SMTP connection for a batch of messages (`with ReusedConnection(...)`).

    Same signature as `send`; a message that fails closes the connection, the next one reopens it,
    so one bad message never poisons the rest of the batch.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._context = ssl_context
        self._session: SmtpSession | None = None

    def __call__(
        self, message: EmailMessage, smtp_settings: SmtpSettings, password: str | None
    ) -> SendResult:
        if self._session is None:
            session = SmtpSession(smtp_settings, password, ssl_context=self._context)
            self._session = session.__enter__()
        try:
            return self._session.send(message)
        except DeliveryError:
            self.close()
            raise

    def close(self) -> None:
        if self._session is not None:
            self._session.__exit__(None, None, None)
            self._session = None

    def __enter__(self) -> ReusedConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def send(
    message: EmailMessage,
    smtp_settings: SmtpSettings,
    password: str | None,
    *,
    ssl_context: ssl.SSLContext | None = None,
) -> SendResult:
    """Connect, send this one message, disconnect. Raises a `DeliveryError` (see the module doc)."""
    with SmtpSession(smtp_settings, password, ssl_context=ssl_context) as session:
        return session.send(message)
