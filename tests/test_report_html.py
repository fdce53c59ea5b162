"""Rendering: escaping, French dates and typography, the ten-second summary, the size budget."""

from __future__ import annotations

import datetime as dt
import gc
import re
from dataclasses import replace

import pytest
from factories import make_account, make_registry, make_report

from scanner.checks.base import Discovered, Status
from scanner.history.findings import Finding, FindingState
from scanner.plumbing import french
from scanner.report import html_report
from scanner.report.html_report import LIMITS, ReportView, fit_html, render_html, render_text
from scanner.report.publications import PublicationCount, Publications

NBSP = "\u00a0"
EVIL = "<script>alert(1)</script>"
EXPIRED = "le jeton d'accès de la plateforme est expiré ou révoqué : le technicien doit en générer un nouveau"


def evil_report():
    registry = make_registry(
        2, 3, extra=[make_account("eqv-evil", "eqv", "x", name=f"{EVIL} Robotique_CSNO")]
    )
    discovered = [
        Discovered("x", f"{EVIL}", "javascript:alert(1)", "recherche de comptes semblables", None),
        Discovered(
            "instagram", "eqv_faux", "https://www.instagram.com/eqv_faux/", "https://eqv.csno.ab.ca", "eqv"
        ),
    ]
    return make_report(
        registry,
        lambda a, c: Status.NON_CONFORME if a == "eqv-evil" and c == "name.suffix" else Status.CONFORME,
        discovered=discovered,
        unverified=lambda a: EXPIRED if a.network == "instagram" else None,
    )


def test_names_are_escaped_in_html_and_raw_in_text():
    report = evil_report()
    view = ReportView(report)
    html = render_html(view)
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Robotique_CSNO" in html
    text = render_text(view)
    assert f"{EVIL} Robotique_CSNO" in text and "&lt;" not in text


def test_non_web_urls_are_never_links():
    html = render_html(ReportView(evil_report()))
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html
    assert 'href="https://www.instagram.com/eqv_faux/"' in html
    assert all(href.startswith("https://") for href in re.findall(r'href="([^"]*)"', html))


def test_control_characters_cannot_forge_lines_in_text():
    registry = make_registry(
        1, 1, extra=[make_account("eqv-nl", "eqv", name="Faux\nNOUVELLES (0)\u202e_CSNO")]
    )
    report = make_report(registry, lambda a, c: Status.NON_CONFORME if a == "eqv-nl" else Status.CONFORME)
    text = render_text(ReportView(report))
    assert "Faux NOUVELLES (0)_CSNO" in text and "\nNOUVELLES (0)" not in text


def test_the_ten_seconds_summary():
    report = evil_report()
    html = render_html(ReportView(report, variables={"instagram": "FACEBOOK_ACCESS_TOKEN"}))
    assert "comptes conformes sur" in html and "Part des vérifications conformes" in html
    assert "Le jeton d’accès de la plateforme est expiré ou révoqué" in html
    assert "FACEBOOK_ACCESS_TOKEN" in html
    assert "Constatées cette nuit (premier audit)" in html and "Non-conformités (1)" in html
    text = render_text(ReportView(report, variables={"instagram": "FACEBOOK_ACCESS_TOKEN"}))
    assert (
        "NON VÉRIFIÉS — INSTAGRAM (2" in text
        and f"Variable d’environnement{NBSP}: FACEBOOK_ACCESS_TOKEN" in text
    )


def test_outlook_safe_markup():
    html = render_html(ReportView(evil_report()))
    assert "<table" in html and "max-width: 680px" in html and "bgcolor=" in html
    assert '<!--[if mso]><table role="presentation" width="680"' in html  # Outlook for Windows only
    for forbidden in ("display: flex", "display:flex", "grid", "data:", "<style", "position:"):
        assert forbidden not in html
    assert 'class="kpi"' not in html or "style=" in html  # styles are inlined


def test_french_dates_and_numbers():
    assert french.date_long(dt.date(2026, 11, 24)) == "24 novembre 2026"
    assert french.date_medium(dt.date(2026, 12, 15)) == "15 déc. 2026"
    late = dt.datetime(2026, 7, 25, 3, 30, tzinfo=dt.UTC)  # still the 24th in Edmonton (UTC−6)
    assert french.date_long(late, "America/Edmonton") == "24 juillet 2026"
    assert french.datetime_long(late, "America/Edmonton") == "24 juillet 2026 à 21 h 30"
    assert french.percent(0.873) == f"87{NBSP}%"
    assert french.number(4812) == f"4{NBSP}812"
    assert french.plural(1, "nouvelle") == f"1{NBSP}nouvelle" and french.plural(3, "nouvelle").endswith(
        "nouvelles"
    )
    assert french.days_between(dt.date(2026, 7, 1), late, "America/Edmonton") == 23


def test_typography():
    assert french.typography("Raison : oui ; non ! « x » ?") == f"Raison{NBSP}: oui; non! «{NBSP}x{NBSP}»?"
    assert french.typography("https://x.ca/a?b=1 à 22:03") == "https://x.ca/a?b=1 à 22:03"
    html = '<html><head><style>a :hover{color:red}</style></head><body><p style="color: red">Note : « x »</p></body>'
    fixed = french.typography_html(html)
    assert (
        french.typography_html("<body><p>Description&nbsp;: « x&nbsp;»</p>")
        == f"<body><p>Description{NBSP}: «{NBSP}x{NBSP}»</p>"
    )
    assert "a :hover" in fixed and 'style="color: red"' in fixed and f"Note{NBSP}: «{NBSP}x{NBSP}»" in fixed


def test_report_dates_are_babel_fr_ca():
    report = make_report(make_registry(1, 2), lambda a, c: Status.NON_CONFORME if c == "admins.count" else Status.CONFORME,
                         nights=3)  # fmt: skip
    html = render_html(ReportView(report)).replace("&nbsp;", NBSP)
    assert "Audit de la nuit du 26 novembre 2026" in html
    assert f"Depuis le 24 novembre 2026 (2{NBSP}jours)" in html
    text = render_text(ReportView(report))
    assert f"Depuis le 24 novembre 2026 (2{NBSP}jours)" in text


@pytest.mark.parametrize("limit", [None, 5])
def test_most_important_first_when_cut(limit):
    registry = make_registry(3, 6)

    def status(account, check):
        if check == "account.reachable" and account.startswith("enf"):
            return Status.NON_CONFORME  # critique
        return Status.NON_CONFORME if check in ("links.board", "name.suffix") else Status.CONFORME

    view = ReportView(make_report(registry, status), limit=limit)
    shown = [f for s in view.sections for a in s.accounts for f in a.findings]
    assert len(shown) == (view.findings_total if limit is None else 5)
    if limit:
        assert view.truncated and all(f.severity == "critique" for f in shown)
        assert "ne montre que les 5 non-conformités les plus importantes" in render_html(view)


def test_fit_html_respects_the_budget():
    registry = make_registry(6, 40)
    report = make_report(
        registry, lambda a, c: Status.NON_CONFORME if c != "permission.on-file" else Status.CONFORME
    )
    fitted = fit_html(report, 60_000, attachment_name="rapport-complet.html")
    assert len(fitted.html.encode()) <= 60_000 and fitted.truncated
    assert "rapport-complet.html" in fitted.html


def _fit_by_trying_all(report, max_bytes):
    """The reference: inline every candidate in turn, as fit_html did before it skipped any."""
    for limit in LIMITS:
        html = render_html(ReportView(report, limit=limit))
        if len(html.encode()) <= max_bytes:
            return limit, html
    return limit, html


@pytest.mark.parametrize("schools,accounts", [(1, 1), (2, 5), (6, 40)])
@pytest.mark.parametrize("max_bytes", [2_000, 20_000, 60_000, 100_000, 400_000])
def test_fit_html_skipping_hopeless_candidates_changes_nothing(schools, accounts, max_bytes):
    report = make_report(
        make_registry(schools, accounts), lambda a, c: Status.NON_CONFORME if "name" in c else Status.CONFORME
    )
    fitted = fit_html(report, max_bytes)
    limit, html = _fit_by_trying_all(report, max_bytes)
    assert (fitted.view.limit, fitted.html) == (limit, html)


@pytest.mark.parametrize("schools,accounts,failing", [(1, 1, ""), (1, 3, "name"), (6, 40, "")])
def test_inlining_never_shrinks_a_rendering_below_the_assumed_bound(schools, accounts, failing):
    """fit_html skips a candidate when raw × MIN_GROWTH is over the budget: the bound must hold."""
    report = make_report(
        make_registry(schools, accounts),
        lambda a, c: Status.NON_CONFORME if failing and failing in c else Status.CONFORME,
    )
    for limit in (None, 5, 0):
        view = ReportView(report, limit=limit)
        raw = html_report._render_template(
            view, inline=True, templates=html_report.TEMPLATES, template="report.html.j2"
        )
        assert len(render_html(view).encode()) >= html_report.MIN_GROWTH * len(raw.encode())


def test_a_large_report_is_never_inlined_whole(monkeypatch):
    """4,000 findings: the full rendering is far over budget and is not handed to the inliner."""
    registry = make_registry(20, 50)
    report = make_report(registry, lambda a, c: Status.NON_CONFORME if c in ("name.suffix", "links.board")
                         else Status.CONFORME)  # fmt: skip
    sizes = []
    inline = html_report._finish

    def spy(html):
        sizes.append(len(html))
        return inline(html)

    monkeypatch.setattr(html_report, "_finish", spy)  # observes what reaches the inliner, changes nothing
    fitted = fit_html(report, 100_000)
    assert len(fitted.html.encode()) <= 100_000 and fitted.truncated
    assert sizes and max(sizes) < 4 * 100_000 and len(sizes) < len(LIMITS)


def test_findings_about_accounts_outside_the_registry_are_shown():
    registry = make_registry(1, 2)
    night0 = make_report(registry).run.started_at
    finding = Finding("f", "decouvert:x:EQV_faux", "account.unregistered", Status.NON_CONFORME, FindingState.NEW,
                      night0, night0, detail="se présente comme l’ÉQV")  # fmt: skip
    view = ReportView(make_report(registry, findings=[finding]))
    html = render_html(view)
    assert "Comptes non inscrits au registre" in html and "Se présente comme l’ÉQV" in html
    assert "— X, hors registre" in html and "decouvert:" not in html
    assert "EQV_faux" in render_text(view)


def test_recommendations_count_in_no_headline_number():
    """links.board is `info` in the factories' catalogue: listed apart, never a non-conformity."""
    registry = make_registry(1, 2)
    report = make_report(
        registry, lambda a, c: Status.NON_CONFORME if c == "links.board" else Status.CONFORME
    )
    assert report.findings == () and len(report.recommendations) == 2
    s = report.summary
    assert s.accounts_compliant == s.accounts_verified == 2 and s.checks_non_conforme == 0 and s.rate == 1
    html = render_html(ReportView(report)).replace("&nbsp;", NBSP)
    assert "Recommandations (2)" in html and "Comment faire" in html and "Non-conformités (" not in html
    assert "RECOMMANDATIONS (2)" in render_text(ReportView(report))


def test_words_and_wrapping_helpers():
    cyrillic = (
        "le nom contient un caractère d’une autre écriture qui imite une lettre latine\u00a0: "
        "U+0421 LETTRE MAJUSCULE CYRILLIQUE ES (ressemble à «\u00a0C\u00a0»)"
    )
    assert french.plain(cyrillic) == "le nom contient une lettre cyrillique qui ressemble au C latin"
    assert french.typography(
        french.plain("n’est pas le logo (distance 22, seuil 10) : c’est le logo du CSNO")
    ) == ("n’est pas le logo\u00a0: c’est le logo du CSNO")
    text = "Renommez le compte au format « (nom)_CSNO » et attendez la prochaine nuit."
    for width in range(20, 60):
        for line in french.wrap(text, width).splitlines():
            assert not line.endswith("«") and not line.startswith("»")
    assert french.typography("l'école d'Anne, o'brien@csno.ab.ca") == "l’école d’Anne, o'brien@csno.ab.ca"
    assert french.clause("Créer un compte") == f"section «{NBSP}Créer un compte{NBSP}»"
    assert french.date_long(dt.date(2026, 12, 1)) == "1er décembre 2026"


def test_manual_checks_list_their_accounts():
    registry = make_registry(1, 3)
    report = make_report(registry, lambda a, c: Status.MANUEL if c == "logo.school" else Status.CONFORME)
    view = ReportView(report)
    [(title, accounts)] = view.manual_groups
    assert title == "Logo officiel de l’école" and len(accounts) == 3
    html = render_html(view)
    assert all(f'href="{a.url}"' in html for a in accounts if a.url)


def test_a_cut_email_keeps_the_busiest_publication_counts_of_500_schools_within_its_budget():
    """500 schools × 4 content checks are 2,000 count rows (about 700 kB of HTML): a cut e-mail shows
    the busiest ones and says how many more there are; the full report keeps them all."""
    counts = tuple(
        PublicationCount(f"s{n:03}", check, check, to_fix=n % 7, new=0, to_check=n % 3)
        for n in range(500)
        for check in ("content.french", "content.personal-info", "content.faces", "content.conduct")
    )
    section = Publications(posts_judged=4_000, counts=counts)
    report = replace(
        make_report(make_registry(6, 40), lambda a, c: Status.NON_CONFORME), publications=section
    )
    fitted = fit_html(report, 100_000, attachment_name="rapport-complet.html")
    assert len(fitted.html.encode()) <= 100_000 and fitted.truncated
    busiest = section.busiest(12)
    assert [c.to_fix + c.to_check for c in busiest] == [8] * 12  # n % 7 == 6 and n % 3 == 2
    assert "… et 1\u00a0988 autres lignes (écoles et règles)" in fitted.html
    full = render_html(ReportView(report))
    assert full.count("content.conduct") >= 500  # nothing cut in the full report


def test_the_full_rendering_is_made_once_per_report_and_forgotten_with_it():
    """Saved beside the report and attached to the e-mail: one rendering, the same text."""
    report = make_report(
        make_registry(2, 3), lambda a, c: Status.NON_CONFORME if c == "name.suffix" else Status.CONFORME
    )
    variables = {"SMTP_PASSWORD": "VIGIE_SMTP_PASSWORD"}
    full = html_report.render_full_html(report, variables=variables)
    assert "<style" in full  # the full document keeps its style sheet
    assert html_report.render_full_html(report, variables=dict(variables)) is full
    other = replace(report, findings=report.findings[:1])
    assert html_report.render_full_html(other, variables=variables) != full  # another report
    again = html_report.render_full_html(report, variables=variables)
    assert again == full and again is not full  # made again: only the last one is kept
    assert html_report.render_full_html(report) == html_report.render_html(
        ReportView(report), inline=False, template="report_full.html.j2"
    )
    del report, other, again
    gc.collect()
    assert html_report._LAST_FULL.report is None and html_report._LAST_FULL.html == ""
