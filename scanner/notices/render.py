"""A planned `Notice` as a finished `EmailMessage` (nothing is sent here).

    multipart/alternative
      text/plain   templates/notice.txt.j2 or escalation.txt.j2 (a real text version)
      text/html    templates/notice.html.j2 or escalation.html.j2 (tables, CSS inlined)

and, when « À vérifier » shows pictures with faces (`scanner.notices.thumbnails`), the HTML is
multipart/related with them::

      multipart/related
        text/html
        image/jpeg  <post-{account}-{post id}@vigie>   at most NOTICE_THUMBNAILS, named by `cid:`

Jinja2 autoescapes the HTML templates (the shared `report.html_report.environment`);
the text ones get `one_line`/`clean` on every value a person or a platform
supplied. Headers never carry a CR or LF from the registry or the internet:
names are flattened to one line and addresses are built as `Address` objects.

The Message-ID is derived from (run id, school, kind): rendering the same
notice again gives the same id, and a retry re-sends the stored bytes anyway.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from pathlib import Path

import css_inline

from scanner.checks.base import Check, Severity, Status, support_contact
from scanner.config.models import Person, Registry, Settings
from scanner.mail.policy import POLICY
from scanner.net.urls import is_web_url
from scanner.notices.plan import DIGESTED, Notice, NoticeItem, NoticeKind, Reason
from scanner.notices.thumbnails import Arranged, alt_text, arrange, attach, others_line, pictures_line
from scanner.plumbing import french
from scanner.report.html_report import SEVERITY_COLORS, TEMPLATES, environment
from scanner.report.model import profile_url

DEFAULT_DOMAIN = "vigie.csno"
TEMPLATE = {NoticeKind.FIRST: "notice", NoticeKind.REMINDER: "notice", NoticeKind.ESCALATION: "escalation"}
DA142_5I = (
    "Le CSNO se réserve le droit de supprimer tout compte associé au CSNO qui ne respecte pas "
    "les critères établis ou dont le contenu n’est pas contrôlé adéquatement."
)


def message_domain(settings: Settings) -> str:
    domain = parseaddr(settings.smtp.sender)[1].rpartition("@")[2].lower()
    return domain if re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", domain) else DEFAULT_DOMAIN


def message_id(run_id: str, school: str, kind: str, domain: str = DEFAULT_DOMAIN) -> str:
    """`<notice-{hash}@domain>`: stable for one (run, school, kind)."""
    digest = hashlib.sha256(f"{run_id}\0{school}\0{kind}".encode()).hexdigest()[:24]
    return f"<notice-{digest}@{domain}>"


def header_text(value: str) -> str:
    """One line, no control or bidirectional characters: safe in a header."""
    return french.one_line(value)


def address(person: Person) -> Address:
    user, _, domain = person.email.rpartition("@")
    return Address(display_name=header_text(person.name), username=user, domain=domain)


def points(count: int, adjective: str = "") -> str:
    """« 1 point à corriger », « 2 points non corrigés »: French agreement of the participle."""
    word = "point" if count < 2 else "points"
    if adjective.endswith("é") and count >= 2:
        adjective += "s"
    return f"{french.number(count)}{french.NBSP}{word}" + (f" {adjective}" if adjective else "")


def subject(notice: Notice) -> str:
    """« DA 142 — École Héritage : 2 points à corriger sur vos comptes de réseaux sociaux »."""
    school = header_text(notice.school.name)
    judged = sum(1 for item in notice.items if item.judged)
    if notice.kind is not NoticeKind.ESCALATION and judged == 0:  # only « À vérifier » tonight
        return french.typography(
            f"DA 142 — {school} : publications à vérifier sur vos comptes de réseaux sociaux"
        )
    if notice.kind is NoticeKind.ESCALATION:
        count = len(notice.with_reason(Reason.ESCALATION))
        text = (
            f"Signalement DA 142 — {school} : {points(count, 'non corrigé')} "
            f"après {notice.escalate_days} jours"
        )
    elif notice.kind is NoticeKind.REMINDER:
        text = f"Rappel DA 142 — {school} : {points(judged, 'toujours à corriger')} sur vos comptes de réseaux sociaux"
    else:
        text = f"DA 142 — {school} : {points(judged, 'à corriger')} sur vos comptes de réseaux sociaux"
    return french.typography(text)


def clause_ref(check: Check) -> str:
    """« DA 142, §5.d » or « DA 142, section « Créer un compte » »."""
    return f"DA 142, {french.clause(check.clause)}"


def of_school(name: str) -> str:
    """« de l’École Héritage », « de Sainte-Marie »: elision before a vowel."""
    return f"de l’{name}" if name[:1].lower() in "aàâeéèêëiîïoôuùû" else f"de {name}"


def _since(item: NoticeItem, tz: str) -> str:
    if item.first_seen is None:
        return ""
    if item.age_days == 0:
        return "constaté cette nuit"
    return (
        f"constaté pour la première fois le {french.date_long(item.first_seen, tz)} "
        f"(il y a {french.plural(item.age_days, 'jour')})"
    )


def _context(
    notice: Notice, registry: Registry, settings: Settings, run_id: str, now: dt.datetime, arranged: Arranged
) -> dict:
    judged_reminders = [i for i in notice.items if i.reason in (Reason.REMINDER, Reason.OPEN) and i.judged]
    return {
        "notice": notice,
        "school": notice.school,
        "board": registry.board,
        "coordinator": registry.board.coordinator,
        "dg": registry.board.direction_generale,
        "principal": notice.school.principal,
        "addressee": notice.to[0],
        "tz": settings.timezone,
        "now": now,
        "run_id": run_id,
        "kind": str(notice.kind),
        "escalated": notice.with_reason(Reason.ESCALATION),
        "new": tuple(i for i in notice.with_reason(Reason.NEW) if i.check.id != DIGESTED),
        "digest": tuple(i for i in notice.with_reason(Reason.NEW) if i.check.id == DIGESTED),
        "reviews": notice.reviews,
        "review_rows": arranged.rows,
        "review_others": arranged.others,
        "pictures": len(arranged.pictures),
        "alt_text": lambda review: alt_text(review, settings.timezone),
        "others_line": others_line,
        "pictures_line": pictures_line,
        "still_open": tuple(judged_reminders),
        "unverified": tuple(i for i in notice.items if not i.judged),
        "resolved": notice.resolved,
        "judged_count": sum(1 for i in notice.items if i.judged),
        "points": points,
        "of_school": of_school,
        "clause_ref": clause_ref,
        "fix": lambda check: check.fix_for(support_contact(registry.board)),
        "since": lambda item: _since(item, settings.timezone),
        "profile_url": lambda account: _web(profile_url(account.network.value, account.handle)),
        "severity_color": lambda severity: SEVERITY_COLORS.get(Severity(severity), "#4b5563"),
        "status_label": lambda status: Status(status).label,
        "DA142_5I": DA142_5I,
    }


def _web(url: str | None) -> str | None:
    return url if url and is_web_url(url) else None


def render_bodies(
    notice: Notice,
    registry: Registry,
    settings: Settings,
    *,
    run_id: str,
    now: dt.datetime,
    templates: Path = TEMPLATES,
    arranged: Arranged | None = None,
) -> tuple[str, str]:
    """(text, html) of the notice; the HTML has its CSS inlined."""
    env = environment(templates)
    name = TEMPLATE[notice.kind]
    context = _context(notice, registry, settings, run_id, now, arranged or arrange(notice.reviews, {}))
    text = french.typography(env.get_template(f"{name}.txt.j2").render(**context))
    html = french.typography_html(env.get_template(f"{name}.html.j2").render(**context))
    # Typography first: the inliner writes U+00A0 back as `&nbsp;`, which the rules do not see.
    html = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False).inline(html)
    return text, html


def render_notice(
    notice: Notice,
    registry: Registry,
    settings: Settings,
    *,
    run_id: str,
    now: dt.datetime,
    templates: Path = TEMPLATES,
    thumbnails: Mapping[tuple[str, str], bytes] | None = None,
    policy: EmailPolicy = POLICY,
) -> EmailMessage:
    """The finished e-mail: From the sender, To/Cc from the plan, Reply-To the coordinator.

    `thumbnails`: (account, post id) -> the stored JPEG of a review's picture with faces.
    `policy`: `email.policy.default` gives the same message, only slower (`scanner.mail.policy`)."""
    arranged = arrange(notice.reviews, thumbnails or {})
    text, html = render_bodies(
        notice, registry, settings, run_id=run_id, now=now, templates=templates, arranged=arranged
    )
    message = EmailMessage(policy=policy)
    message["Subject"] = subject(notice)
    message["From"] = header_text(settings.smtp.sender)
    message["To"] = [address(person) for person in notice.to]
    if notice.cc:
        message["Cc"] = [address(person) for person in notice.cc]
    message["Reply-To"] = address(registry.board.coordinator)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(run_id, notice.school.id, str(notice.kind), message_domain(settings))
    message["Auto-Submitted"] = "auto-generated"
    message["X-Vigie-Run"] = header_text(run_id)
    message["X-Vigie-Notice"] = f"{notice.kind}; school={notice.school.id}"
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    attach(message, arranged.pictures, html)
    message["Content-Language"] = "fr-CA"  # after set_content, which drops Content-* headers
    return message
