"""`scanner.mail.policy.POLICY`: header objects made once, and not a byte of any e-mail changed.

A notice built with `POLICY` has the bytes of the same notice built with the standard library's
`email.policy.default` (the MIME boundaries are random: the same seed gives the same ones), cold
and with every header already cached; the envelope read back from the recorded bytes is the
same; a recorded message with a Bcc or a non-ASCII address still goes through `send_message`
(Bcc off the wire, SMTPUTF8).
"""

from __future__ import annotations

import datetime as dt
import io
import random
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller
from factories import make_catalogue, make_registry, make_school, make_settings, night, person
from PIL import Image

from scanner.checks.base import Status
from scanner.checks.catalogue import CATALOGUE as REAL_CATALOGUE
from scanner.config.models import Registry
from scanner.history.findings import Finding, FindingState, finding_id
from scanner.history.posts import Review
from scanner.mail.delivery import recipients_of, recorded_message, send
from scanner.mail.flatten import SmtpBytesGenerator, smtp_bytes
from scanner.mail.policy import POLICY
from scanner.notices.plan import NoticeKind, NoticeLog, plan_notices
from scanner.notices.render import render_notice
from vigie_sandbox.demo import free_port

CATALOGUE = {**make_catalogue(), "content.faces": REAL_CATALOGUE["content.faces"]}
SETTINGS = make_settings()
LONG_NAME = "Geneviève-Éléonore Saint-Onge-Bérubé de la Vérendrye, directrice (intérim)"


def jpeg(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 150), (shade, 120, 255 - shade)).save(out, "JPEG", quality=80)
    return out.getvalue()


def sample() -> tuple[Registry, list]:
    """A first notice with pictures (Cc the admins, Julie Côté among them), a school whose
    principal's long non-ASCII name folds over lines, and an escalation (Cc four people)."""
    base = make_registry(schools=3, accounts_per_school=2)
    eh = make_school("eh", principal=person(LONG_NAME, "direction.eh@csno.ab.ca"))
    registry = base.model_copy(update={"schools": (base.schools[0], eh, *base.schools[2:])})
    [eqv, eh_, third] = [s.id for s in registry.schools]
    findings = [
        finding(f"{eqv}-facebook-0", "name.suffix", 0),
        finding(f"{eqv}-instagram-1", "admins.count", 0),
        finding(f"{eh_}-facebook-0", "name.suffix", 0),
        finding(f"{third}-facebook-0", "admins.count", 31, FindingState.OPEN),
    ]
    reviews = [
        Review(
            f"{eqv}-facebook-0",
            f"90{n}",
            f"https://www.facebook.com/EQVCSNO/posts/90{n}",
            "content.faces",
            "3\u00a0visages reconnaissables",
            night(0) - dt.timedelta(days=n),
        )  # fmt: skip
        for n in range(3)
    ]
    notices = plan_notices(
        findings, registry, SETTINGS, night(0), NoticeLog(), catalogue=CATALOGUE, reviews=reviews
    )
    thumbnails = {(f"{eqv}-facebook-0", f"90{n}"): jpeg(40 * n) for n in range(3)}
    return registry, [(notice, thumbnails) for notice in notices]


def finding(account: str, check: str, days: int, state: FindingState = FindingState.NEW) -> Finding:
    since = night(0) - dt.timedelta(days=days)
    return Finding(finding_id(account, check), account, check, Status.NON_CONFORME, state, since, night(0))


def as_bytes(message: EmailMessage) -> bytes:
    random.seed(142)  # the generator draws the MIME boundaries
    return message.as_bytes(policy=policy.SMTP)


def test_the_sample_covers_cc_pictures_folding_and_an_escalation() -> None:
    registry, notices = sample()
    kinds = [notice.kind for notice, _ in notices]
    assert kinds == [NoticeKind.FIRST, NoticeKind.FIRST, NoticeKind.ESCALATION]
    first, long_name, escalation = (render_notice(n, registry, SETTINGS, run_id="r", now=night(0), thumbnails=t)
                                    for n, t in notices)  # fmt: skip
    assert "Côté" in str(first["Cc"])
    assert any(part.get_content_type() == "image/jpeg" for part in first.walk())
    assert b"\r\n " in as_bytes(long_name).split(b"\r\n\r\n")[0]  # a folded header
    assert len(escalation["Cc"].addresses) >= 3


def test_a_notice_has_the_bytes_the_default_policy_gives_it_cold_and_cached() -> None:
    registry, notices = sample()
    for notice, thumbnails in notices:
        built = [
            as_bytes(
                render_notice(
                    notice,
                    registry,
                    SETTINGS,
                    run_id="run-1",
                    now=night(0),
                    thumbnails=thumbnails,
                    policy=chosen,
                )
            )  # fmt: skip
            for chosen in (policy.default, POLICY, POLICY)  # the second time, every header cached
        ]
        assert built[1] == built[0] and built[2] == built[0]


def test_the_envelope_read_back_is_the_one_the_default_policy_reads() -> None:
    registry, notices = sample()
    for notice, thumbnails in notices:
        message = render_notice(
            notice, registry, SETTINGS, run_id="run-1", now=night(0), thumbnails=thumbnails
        )
        data = as_bytes(message)
        default = message_from_bytes(data, _class=EmailMessage, policy=policy.default)
        recorded = recorded_message(data)
        assert recipients_of(recorded) == recipients_of(default) == recipients_of(message)
        assert recipients_of(recorded) == list(notice.recipients)
        assert str(recorded["From"]) == str(default["From"])


def test_a_header_is_parsed_once_and_the_same_value_gives_the_same_object() -> None:
    factory = POLICY.header_factory
    sender = "Vigie DA 142 <audit@csno.ab.ca>"
    assert factory("From", sender) is factory("From", sender)
    reply = Address("Isabelle Gagnon", "communications", "csno.ab.ca")
    assert factory("Reply-To", [reply]) is factory("Reply-To", reply)
    assert factory("Reply-To", [reply]) == policy.default.header_factory("Reply-To", [reply])
    assert factory("To", sender) is not factory("Cc", sender)  # the name is part of the header
    assert factory("to", sender).name == "to"  # the name as given, as the default policy keeps it


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            (list(envelope.rcpt_tos), envelope.original_content, list(envelope.mail_options))
        )
        return "250 OK"


@pytest.fixture
def smtputf8():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    yield inbox, make_settings(port=port).smtp
    controller.stop()


def recorded(**headers: str):
    message = EmailMessage(policy=POLICY)
    message["From"] = "Vigie DA 142 <audit@csno.ab.ca>"
    for name, value in headers.items():
        message[name] = value
    message["Subject"] = "Essai"
    message.set_content("Bonjour\n")
    return recorded_message(message.as_bytes(policy=policy.SMTP))


def test_a_recorded_bcc_is_in_the_envelope_and_never_on_the_wire(smtputf8) -> None:
    inbox, smtp = smtputf8
    message = recorded(To="Julie Côté <julie.cote@csno.ab.ca>", Cc="luc.roy@csno.ab.ca", Bcc="dg@csno.ab.ca")
    result = send(message, smtp, None)
    [(rcpt, content, _)] = inbox.received
    assert rcpt == ["julie.cote@csno.ab.ca", "luc.roy@csno.ab.ca", "dg@csno.ab.ca"] == list(result.accepted)
    assert b"dg@csno.ab.ca" not in content and b"Bcc" not in content


def test_a_non_ascii_address_goes_with_smtputf8(smtputf8) -> None:
    inbox, smtp = smtputf8
    send(recorded(To="Zoé Côté <zoé.côté@csno.ab.ca>"), smtp, None)
    [(rcpt, _, options)] = inbox.received
    assert rcpt == ["zoé.côté@csno.ab.ca"]
    assert "SMTPUTF8" in options


ODD_MESSAGES = (
    b"From: a@csno.ab.ca\r\nTo: b@csno.ab.ca\r\n\r\nFrom the body\r\n\r\nsecond paragraph\r\n",
    b"From someone Thu Dec  3 17:00:00 2026\r\nTo: b@csno.ab.ca\r\n\r\nbody\r\n",  # a Unix From line
    b"To: b@csno.ab.ca\nCc: c@csno.ab.ca\n\nLF only\n",
    b"To: b@csno.ab.ca\r\nnot a header line\r\n\r\nbody\r\n",
    b"To: b@csno.ab.ca\r\n\tcontinued\r\nCc: c@csno.ab.ca\r\n\r\n",  # nothing after the headers
    b"\r\nTo: b@csno.ab.ca\r\n\r\nbody\r\n",
    b"To: b@csno.ab.ca\r\nX: caf\xc3\xa9\r\n\r\nbody \xff\r\n",
)


def test_recorded_bytes_read_back_as_the_parser_reads_them() -> None:
    registry, notices = sample()
    rendered = [
        as_bytes(render_notice(n, registry, SETTINGS, run_id="r", now=night(0), thumbnails=t))
        for n, t in notices
    ]
    for data in (*rendered, *ODD_MESSAGES):
        parsed = BytesParser(policy=POLICY).parsebytes(data, headersonly=True)
        recorded = recorded_message(data)
        assert recorded.items() == parsed.items() and recorded.get_unixfrom() == parsed.get_unixfrom()
        assert recorded.get_payload() == parsed.get_payload()
        assert [type(d) for d in recorded.defects] == [type(d) for d in parsed.defects]
        assert recorded.as_bytes(policy=policy.SMTP) == parsed.as_bytes(policy=policy.SMTP)
        assert recorded.recorded == data


def test_smtp_bytes_are_the_bytes_as_bytes_gives() -> None:
    registry, notices = sample()
    for notice, thumbnails in notices:
        message = render_notice(notice, registry, SETTINGS, run_id="r", now=night(0), thumbnails=thumbnails)
        random.seed(7)
        fast = smtp_bytes(message)
        random.seed(7)
        assert fast == message.as_bytes(policy=policy.SMTP)
        assert fast.count(b"\r\n") == fast.count(b"\n")  # CRLF everywhere, the pictures' base64 too


def test_a_boundary_found_in_the_text_is_drawn_again_as_the_library_does() -> None:
    random.seed(11)
    drawn = SmtpBytesGenerator._make_boundary()  # the boundary the next draw gives after seed 11
    message = EmailMessage()
    message["Subject"] = "Frontière"
    message.set_content(f"avant\n--{drawn}\naprès\n--{drawn}.0--\n")
    message.add_alternative("<p>html</p>", subtype="html")
    random.seed(11)
    fast = smtp_bytes(message)
    random.seed(11)
    reference = message.as_bytes(policy=policy.SMTP)
    assert fast == reference  # whatever the library decides (its pattern ends at LF, not at CRLF)
    assert fast.count(f"--{drawn}".encode()) >= 4  # the text held it: the library's search was asked


def test_a_header_folds_as_each_policy_folds_it_and_remembers_few_policies() -> None:
    header = POLICY.header_factory("Subject", "Signalement DA 142 — École Héritage : " + "mot " * 30)
    reference = policy.default.header_factory("Subject", str(header))
    for chosen in (policy.SMTP, policy.default, policy.SMTPUTF8, policy.SMTP):
        assert header.fold(policy=chosen) == reference.fold(policy=chosen)
    for _ in range(20):  # smtplib clones a policy for each message it sends with SMTPUTF8
        clone = policy.SMTP.clone(utf8=True)
        assert header.fold(policy=clone) == reference.fold(policy=clone)
    assert len(header.__dict__["_folds"]) <= 4


def test_the_envelope_recorded_with_the_bytes_is_the_one_used(smtputf8) -> None:
    """A notice's recipients are recorded with its bytes (`recipients_of` when it was rendered):
    sending it does not parse To, Cc and Bcc again, and a Bcc still never reaches the wire."""
    inbox, smtp = smtputf8
    parsed = recorded(To="Julie Côté <julie.cote@csno.ab.ca>", Bcc="dg@csno.ab.ca")
    envelope = recipients_of(parsed)
    assert envelope == ["julie.cote@csno.ab.ca", "dg@csno.ab.ca"]
    send(recorded_message(parsed.recorded, envelope), smtp, None)
    send(recorded_message(parsed.recorded, ["luc.roy@csno.ab.ca"]), smtp, None)  # as recorded, not re-read
    [(first, content, _), (second, _, _)] = inbox.received
    assert first == envelope and second == ["luc.roy@csno.ab.ca"]
    assert b"dg@csno.ab.ca" not in content
