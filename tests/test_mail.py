"""The coordinator's e-mail through a real SMTP server on loopback (aiosmtpd), and the outbox."""

from __future__ import annotations

import io
import re
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from factories import make_registry, make_report, make_settings
from PIL import Image

from scanner.checks.base import Status
from scanner.mail.delivery import (
    PermanentDeliveryError,
    RecipientsRefused,
    TemporaryDeliveryError,
    send,
)
from scanner.mail.outbox import write_eml
from scanner.mail.render import html_body, render_report, subject
from scanner.report.model import avatar_key, logo_key
from vigie_sandbox.demo import free_port

USER, PASSWORD = "audit@csno.ab.ca", "s3cret-pass"


class Inbox:
    """aiosmtpd handler: keeps what it accepts; refuses recipients by prefix (`refuse450@`, `refuse550@`)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        for code in ("450", "550"):
            if address.startswith(f"refuse{code}@"):
                return f"{code} mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp():
    """`smtp(auth=False)` -> (inbox, SmtpSettings for it, security none)."""
    controllers = []

    def start(auth: bool = False):
        inbox = Inbox()
        port = free_port()
        extra = (
            {"authenticator": _authenticator, "auth_require_tls": False, "auth_required": True}
            if auth
            else {}
        )
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **extra)
        controller.start()
        controllers.append(controller)
        settings = make_settings(port=port, username=USER if auth else None)
        return inbox, settings

    yield start
    for controller in controllers:
        controller.stop()


def png(color: str, size: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), color).save(out, "PNG")
    return out.getvalue()


def logo_report(registry=None):
    registry = registry or make_registry(3, 5)
    return make_report(
        registry,
        lambda a, c: Status.NON_CONFORME if (c == "logo.school" and a.endswith("-0")) or c == "links.board" else Status.CONFORME,
        nights=2,
        unverified=lambda a: "le jeton d'accès de la plateforme est expiré" if a.network == "youtube" else None,
    )  # fmt: skip


def parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def check_structure(message) -> tuple[str, str]:
    """Both alternatives present, every cid: image is a part, no data: URI. Returns (html, text)."""
    alternative = next(p for p in message.walk() if p.get_content_type() == "multipart/alternative")
    kinds = [p.get_content_type() for p in alternative.iter_parts()]
    assert kinds == ["text/plain", "multipart/related"]
    related = list(alternative.iter_parts())[1]
    html_part, *images = list(related.iter_parts())
    assert html_part.get_content_type() == "text/html"
    html = html_part.get_content()
    text = alternative.get_body(("plain",)).get_content()
    cids = {p["Content-ID"].strip("<>") for p in images}
    referenced = set(re.findall(r'src="cid:([^"]+)"', html))
    assert referenced and referenced <= cids
    assert all(p.get_content_type() == "image/png" for p in images)
    assert "data:" not in html
    assert "<table" not in text
    return html, text


def test_report_mail_through_smtp(smtp, tmp_path):
    inbox, settings = smtp()
    report = logo_report()
    images = {
        logo_key("eqv"): png("navy"),
        avatar_key("eqv-facebook-0"): png("red"),
        logo_key("eh"): b"broken",
    }
    message = render_report(report, report_registry := make_registry(3, 5), settings, report.generated_at,
                            images=images)  # fmt: skip
    assert report_registry.board.name in html_body(message)
    result = send(message, settings.smtp, None)
    assert result.accepted == ("communications@csno.ab.ca",) and not result.refused
    assert len(inbox.messages) == 1
    mail_from, rcpt, raw = inbox.messages[0]
    assert mail_from == "audit@csno.ab.ca" and rcpt == ["communications@csno.ab.ca"]
    received = parse(raw)
    assert received["Subject"] == subject(report) and received["Subject"].startswith("Vigie DA 142 — ")
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["To"] == "Isabelle Gagnon <communications@csno.ab.ca>"  # the name comes from the registry
    html, text = check_structure(received)
    assert (
        "cid:chart@vigie" in html
        and "cid:logo-eqv@vigie" in html
        and "cid:avatar-eqv-facebook-0@vigie" in html
    )
    assert "cid:logo-eh@vigie" not in html  # unreadable image: left out, not broken
    assert "Part des vérifications conformes" in text and "Comment corriger" in text
    assert "jeton d’accès de la plateforme est expiré" in text
    assert len(html.encode()) < settings.report.max_html_bytes
    assert not any(p.get_filename() == "rapport-complet-2026-11-25.html" for p in received.walk())


def test_subject_is_french():
    report = logo_report()
    assert subject(report) == (
        "Vigie DA 142 — aucune nouvelle non-conformité, 3\u00a0comptes non vérifiés — 25 novembre 2026"
    )
    fresh = make_report(
        make_registry(1, 3), lambda a, c: Status.NON_CONFORME if c == "name.suffix" else Status.CONFORME
    )
    assert subject(fresh) == "Vigie DA 142 — 3\u00a0nouvelles non-conformités — 24 novembre 2026"


def test_5000_accounts_stay_under_the_budget(smtp):
    inbox, settings = smtp()
    registry = make_registry(50, 100)
    assert len(registry.accounts) == 5000
    started = time.monotonic()
    report = make_report(
        registry, lambda a, c: Status.NON_CONFORME if c in ("name.suffix", "logo.school", "account.reachable") else Status.CONFORME,
        unverified=lambda a: "le jeton d'accès de la plateforme est expiré" if a.id.endswith("-7") else None,
    )  # fmt: skip
    images = {logo_key(s.id): png("navy", 120) for s in registry.schools}
    images |= {avatar_key(a.id): png("red", 120) for a in registry.accounts[:200]}
    message = render_report(report, registry, settings, report.generated_at, images=images)
    elapsed = time.monotonic() - started
    html = html_body(message)
    assert len(html.encode("utf-8")) <= settings.report.max_html_bytes
    assert "ne montre que les" in html and "rapport-complet-2026-11-24.html" in html
    send(message, settings.smtp, None)
    received = parse(inbox.messages[0][2])
    check_structure(received)
    attached = [
        p for p in received.iter_attachments() if p.get_filename() == "rapport-complet-2026-11-24.html"
    ]
    assert len(attached) == 1
    full = attached[0].get_content()
    assert full.count("<tr><td>") >= report.summary.new  # every finding is in the attachment
    assert "Comment corriger" in full and "<style>" in full
    assert elapsed < 60


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_when_username_and_password(smtp):
    inbox, settings = smtp(auth=True)
    message = render_report(logo_report(), make_registry(3, 5), settings, logo_report().generated_at)
    with pytest.raises(PermanentDeliveryError) as refused:
        send(message, settings.smtp, "wrong")
    assert refused.value.code == 535 and "wrong" not in str(refused.value)
    with pytest.raises(PermanentDeliveryError):  # no password: no login, the server requires one
        send(message, settings.smtp, None)
    assert send(message, settings.smtp, PASSWORD).accepted
    assert len(inbox.messages) == 1


def test_connection_refused_is_temporary():
    settings = make_settings(port=free_port())
    message = render_report(logo_report(), make_registry(3, 5), settings, logo_report().generated_at)
    with pytest.raises(TemporaryDeliveryError):
        send(message, settings.smtp, None)


def test_starttls_required_but_not_offered_is_permanent(smtp):
    _, settings = smtp()
    tls = make_settings(port=settings.smtp.port, security="starttls")
    message = render_report(logo_report(), make_registry(3, 5), tls, logo_report().generated_at)
    with pytest.raises(PermanentDeliveryError, match="STARTTLS"):
        send(message, tls.smtp, None)


def test_recipient_refusals(smtp):
    inbox, settings = smtp()
    report = logo_report()
    partial = render_report(report, make_registry(3, 5), settings, report.generated_at,
                            to=("refuse550@csno.ab.ca", "communications@csno.ab.ca"))  # fmt: skip
    result = send(partial, settings.smtp, None)
    assert result.accepted == ("communications@csno.ab.ca",)
    assert result.refused["refuse550@csno.ab.ca"][0] == 550
    for code, temporary in (("450", True), ("550", False)):
        message = render_report(report, make_registry(3, 5), settings, report.generated_at,
                                to=(f"refuse{code}@csno.ab.ca",))  # fmt: skip
        with pytest.raises(RecipientsRefused) as refused:
            send(message, settings.smtp, None)
        assert refused.value.temporary is temporary
        assert refused.value.refused[f"refuse{code}@csno.ab.ca"][0] == int(code)
    assert len(inbox.messages) == 1


def test_write_eml_for_dry_run(tmp_path):
    report = logo_report()
    message = render_report(report, make_registry(3, 5), make_settings(), report.generated_at)
    path = write_eml(message, tmp_path / "outbox")
    assert path.parent == tmp_path / "outbox" and path.suffix == ".eml"
    assert path.name.startswith("20261125-") and "vigie-da-142" in path.name
    again = parse(path.read_bytes())
    assert again["Subject"] == message["Subject"]
    check_structure(again)
    assert write_eml(message, tmp_path / "outbox") == path  # same message, same file
    assert b"\r\n" in path.read_bytes()


def test_official_logos_of_the_csno_configuration():
    from pathlib import Path

    from scanner.config.load import load_config
    from scanner.config.logos import load_logos

    config = load_config(Path(__file__).resolve().parents[1] / "config")
    logos = {logo_key(key): logo.data for key, logo in load_logos(config).items()}
    assert logo_key("board") in logos and logo_key("eqv") in logos
    assert all(data[:8] == b"\x89PNG\r\n\x1a\n" for data in logos.values())


def test_outbox_file_names_are_transliterated():
    from scanner.mail.outbox import ascii_slug

    assert ascii_slug("DA 142 — École Héritage : 3 non-conformités, cœur") == (
        "da-142-ecole-heritage-3-non-conformites-coeur"
    )
