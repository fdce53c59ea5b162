"""Notice e-mails: French subjects and typography, multipart, stable Message-ID, no header injection."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from factories import make_account, make_catalogue, make_registry, make_school, make_settings, night

from scanner.checks.base import Status
from scanner.config.models import Admin, Person
from scanner.history.findings import Finding, FindingState, finding_id
from scanner.notices.plan import NoticeLog, PastNotice, plan_notices
from scanner.notices.render import message_id, render_notice, subject

NBSP = "\u00a0"
SETTINGS = make_settings()
CATALOGUE = make_catalogue()


def finding(account, check="name.suffix", since=0, state=FindingState.NEW, detail=None):
    return Finding(finding_id(account, check), account, check, Status.NON_CONFORME, state, night(since),
                   night(since), detail=detail)  # fmt: skip


def notices(registry, findings, now=0, log=None):
    return plan_notices(findings, registry, SETTINGS, night(now), log or NoticeLog(), catalogue=CATALOGUE)


def render(registry, notice, now=0, run_id="run-1"):
    return render_notice(notice, registry, SETTINGS, run_id=run_id, now=night(now))


def eh_registry():
    return make_registry(schools=2, accounts_per_school=2)  # eqv, eh


def test_subject_in_canadian_french() -> None:
    registry = eh_registry()
    [notice] = notices(registry, [finding("eh-facebook-0"), finding("eh-instagram-1", "admins.count")])
    assert subject(notice) == (
        f"DA 142 — École Héritage{NBSP}: 2{NBSP}points à corriger sur vos comptes de réseaux sociaux"
    )
    [one] = notices(registry, [finding("eh-facebook-0")])
    assert f"1{NBSP}point à corriger" in subject(one)


def test_reminder_and_escalation_subjects() -> None:
    registry = eh_registry()
    f = finding("eh-facebook-0", state=FindingState.OPEN)
    last = PastNotice("<x>", "eh", "first", frozenset([f.id]), night(0), night(0))
    [reminder] = notices(registry, [f], now=8, log=NoticeLog(last_sent={"eh": last}))
    assert subject(reminder).startswith(
        f"Rappel DA 142 — École Héritage{NBSP}: 1{NBSP}point toujours à corriger"
    )
    [escalation] = notices(registry, [f], now=31, log=NoticeLog(last_sent={"eh": last}))
    assert (
        subject(escalation)
        == f"Signalement DA 142 — École Héritage{NBSP}: 1{NBSP}point non corrigé après 30 jours"
    )


def test_multipart_alternative_with_a_real_text_part_and_inlined_html() -> None:
    registry = eh_registry()
    [notice] = notices(registry, [finding("eh-facebook-0", detail="Nom actuel : « Ecole Heritage »")])
    message = render(registry, notice)
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "<" not in text.replace("<script", "")  # not an HTML dump
    for body in (text, html):
        assert "Renommer le compte" in body  # the check's « Comment corriger »
        assert "§5.d" in body
        assert "Comment corriger" in body
        assert "24 novembre 2026" in body  # Babel fr_CA, local date
    assert "<style" not in html
    assert 'style="' in html and "<table" in html
    assert message["Content-Language"] == "fr-CA"
    assert str(message["Reply-To"]).endswith("<communications@csno.ab.ca>")


def test_typography_no_space_before_semicolon_and_nbsp_before_colon() -> None:
    registry = eh_registry()
    [notice] = notices(registry, [finding("eh-facebook-0")])
    message = render(registry, notice)
    text = message.get_body(("plain",)).get_content()
    for bad in (" :", " ;", " !", " ?", "« ", " »"):
        assert bad not in text, bad
    assert f"Comment corriger{NBSP}:" in text
    assert " :" not in str(message["Subject"])


def test_message_id_is_stable_per_run_school_and_kind() -> None:
    registry = eh_registry()
    [notice] = notices(registry, [finding("eh-facebook-0")])
    first = render(registry, notice)["Message-ID"]
    assert first == render(registry, notice, now=1)["Message-ID"]  # same run id
    assert first == message_id("run-1", "eh", "first", "csno.ab.ca")
    assert re.fullmatch(r"<notice-[0-9a-f]{24}@csno\.ab\.ca>", first)
    assert first != render(registry, notice, run_id="run-2")["Message-ID"]
    assert message_id("run-1", "eh", "first") != message_id("run-1", "eh", "reminder")
    assert message_id("run-1", "eh", "first") != message_id("run-1", "eqv", "first")


def test_no_header_injection_from_registry_or_internet_names() -> None:
    evil_school = make_school("eh", name="École Héritage\r\nBcc: spy@evil.example")
    evil_admin = Admin(
        name="Julie\r\nBcc: spy@evil.example", email="julie.cote@csno.ab.ca", role="enseignant"
    )
    account = make_account(
        "eh-x-9", "eh", "x", name="<script>alert(1)</script>\r\nX-Evil: 1", admins=(evil_admin,)
    )
    registry = make_registry(schools=1, accounts_per_school=0, extra=[account])
    registry = registry.model_copy(update={"schools": (evil_school,)})
    [notice] = notices(registry, [finding("eh-x-9", detail="ligne 1\r\nBcc: spy@evil.example <b>gras</b>")])
    raw = render(registry, notice).as_bytes(policy=policy.SMTP)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    addresses = [a.addr_spec for a in parsed["To"].addresses + parsed["Cc"].addresses]
    assert "spy@evil.example" not in addresses  # at most inside a quoted display name
    assert "Bcc" in str(parsed["Subject"])  # flattened into the subject, harmless
    html = parsed.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>gras</b>" not in html
    text = parsed.get_body(("plain",)).get_content()
    assert "\nBcc: spy" not in text and "\nX-Evil" not in text


def test_escalation_is_addressed_to_the_dg_and_quotes_5i() -> None:
    registry = eh_registry()
    f = finding("eh-facebook-0", state=FindingState.OPEN)
    [notice] = notices(registry, [f], now=31)
    message = render(registry, notice, now=31)
    assert str(message["To"]) == "Marc-André Lavoie <dg@csno.ab.ca>"
    cc = str(message["Cc"])
    assert "communications@csno.ab.ca" in cc and "direction.eh@csno.ab.ca" in cc
    text = message.get_body(("plain",)).get_content()
    assert "Bonjour Marc-André Lavoie," in text
    assert "§5.i" in text and "se réserve le droit de supprimer" in text
    assert "il y a 31" in text


def test_good_news_is_listed() -> None:
    registry = eh_registry()
    gone = finding_id("eh-instagram-1", "admins.count")
    last = PastNotice("<x>", "eh", "first", frozenset([gone]), night(0), night(0))
    [notice] = notices(
        registry, [finding("eh-facebook-0", since=3)], now=3, log=NoticeLog(last_sent={"eh": last})
    )
    text = render(registry, notice, now=3).get_body(("plain",)).get_content()
    assert "BONNE NOUVELLE" in text
    assert "Au moins deux administrateurs" in text


def test_person_names_with_quotes_and_accents_make_valid_addresses() -> None:
    principal = Person(name='Jean "JP" Léveillé, fils', email="direction.eh@csno.ab.ca")
    registry = eh_registry()
    registry = registry.model_copy(
        update={
            "schools": (registry.schools[0], registry.schools[1].model_copy(update={"principal": principal}))
        }
    )
    [notice] = notices(registry, [finding("eh-facebook-0")])
    parsed = message_from_bytes(render(registry, notice).as_bytes(policy=policy.SMTP), policy=policy.default)
    [address] = parsed["To"].addresses
    assert address.addr_spec == "direction.eh@csno.ab.ca"
    assert address.display_name == 'Jean "JP" Léveillé, fils'
