"""The coordinator's e-mail: a `Report` in, a finished `EmailMessage` out (nothing is sent here).

Structure::

    multipart/mixed                      (only when the detail is attached)
      multipart/alternative
        text/plain                       a real text version, not an HTML dump
        multipart/related
          text/html                      CSS inlined, tables, under settings.report.max_html_bytes
          image/png  <chart@vigie>       the 30-night trend
          image/png  <logo-eqv@vigie>…   expected logo and avatar found, for logo findings
      text/html  rapport-complet-….html  every finding, when the body had to be cut

Images come in as `images: Mapping[key, bytes]`, keyed with `model.logo_key`,
`picture_key` (any format Pillow reads: re-encoded as small PNGs);
`scanner.config.logos.load_logos(config)` reads the registry's logos.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from scanner.config.models import Registry, Settings
from scanner.plumbing import french
from scanner.report.chart import prepare_images
from scanner.report.html_report import fit_html, render_full_html, render_text
from scanner.report.model import Report


def cid_for(key: str) -> str:
    """`logo:eqv` -> `logo-eqv@vigie` (a valid, stable Content-ID)."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", key).strip("-") + "@vigie"


def subject(report: Report) -> str:
    """« Vigie DA 142 — 3 nouvelles non-conformités — 24 novembre 2026 »."""
    s = report.summary
    if s.new:
        news = french.plural(s.new, "nouvelle non-conformité", "nouvelles non-conformités")
    else:
        news = "aucune nouvelle non-conformité"
    parts = [news]
    if s.resolved:
        parts.append(french.plural(s.resolved, "résolue"))
    unverified = s.accounts_total - s.accounts_verified
    if unverified:
        parts.append(french.plural(unverified, "compte non vérifié", "comptes non vérifiés"))
    day = french.date_long(report.run.started_at, report.timezone)
    return french.typography(f"Vigie DA 142 — {', '.join(parts)} — {day}")


def secret_variables(settings: Settings) -> dict[str, str]:
    """Network -> name of the environment variable holding its credential (a name, never a value)."""
    p = settings.platforms
    return {
        "facebook": p.facebook.token_env,
        "facebook_group": p.facebook.token_env,
        "instagram": p.facebook.token_env,
        "x": p.x.bearer_token_env,
        "youtube": p.youtube.api_key_env,
    }


def _named(address: str, registry: Registry) -> str:
    """`Isabelle Gagnon <communications@csno.ab.ca>` when the registry knows the address."""
    people = [registry.board.coordinator, registry.board.direction_generale]
    name = next((p.name for p in people if p.email.lower() == address.lower()), None)
    return formataddr((name, address)) if name else address


def attachment_name(report: Report) -> str:
    day = report.run.started_at.astimezone(dt.UTC).date().isoformat()
    return f"rapport-complet-{day}.html"


def render_report(
    report: Report,
    registry: Registry,
    settings: Settings,
    now: dt.datetime,
    *,
    images: Mapping[str, bytes] | None = None,
    to: tuple[str, ...] | None = None,
) -> EmailMessage:
    """The finished report e-mail for `settings.report.to` (or `to`)."""
    pngs = prepare_images(report, images or {})
    variables = secret_variables(settings)
    fitted = fit_html(
        report,
        settings.report.max_html_bytes,
        image_src=lambda key: f"cid:{cid_for(key)}" if key in pngs else None,
        variables=variables,
        attachment_name=attachment_name(report),
    )
    message = EmailMessage()
    message["Subject"] = subject(report)
    message["From"] = settings.smtp.sender
    message["To"] = ", ".join(_named(address, registry) for address in (to or settings.report.to))
    message["Date"] = format_datetime(now)
    domain = parseaddr(settings.smtp.sender)[1].rpartition("@")[2] or "vigie.invalid"
    message["Message-ID"] = make_msgid(idstring=f"rapport.{report.run.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "fr-CA"
    message["X-Vigie-Run"] = report.run.id
    message.set_content(render_text(fitted.view), subtype="plain", charset="utf-8")
    message.add_alternative(fitted.html, subtype="html", charset="utf-8")
    html_part = message.get_payload()[1]
    for key, png in pngs.items():
        if f"cid:{cid_for(key)}" in fitted.html:
            html_part.add_related(
                png,
                "image",
                "png",
                cid=f"<{cid_for(key)}>",
                disposition="inline",
                filename=cid_for(key).split("@")[0] + ".png",
            )
    if fitted.truncated:
        full = render_full_html(report, variables=variables)
        message.add_attachment(
            full.encode("utf-8"),
            "text",
            "html",
            filename=attachment_name(report),
            params={"charset": "utf-8"},
        )
    return message


def html_body(message: EmailMessage) -> str:
    """The text/html body of a rendered message (for the archive and the tests)."""
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""
