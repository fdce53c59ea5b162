"""The e-mails of a demo night read as Canadian French: dates, typography, wrapping, tables,
and a recommendation (severity `info`) kept out of the principals' notices."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from demo_mail import demo_night, html_part, prose, text_part, visible_text

from scanner.plumbing import french

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    return demo_night(tmp_path_factory.mktemp("demo"))  # the night of 1 December 2026


def readings(night):
    """(label, text a person reads) for every part of every e-mail of the night."""
    out = []
    for message in night.messages:
        name = message["Subject"]
        out.append((f"{name} [objet]", str(message["Subject"])))
        out.append((f"{name} [html]", visible_text(html_part(message))))
        out.append((f"{name} [texte]", text_part(message)))
    return out


def test_a_night_on_the_first_of_a_month_writes_1er(night):
    assert night.report["Subject"].endswith("1er décembre 2026")
    for label, text in readings(night):
        assert "1 décembre" not in text, label
    assert "Audit de la nuit du 1er décembre 2026" in visible_text(html_part(night.report))
    notice = night.notice_to("direction.eh@csno.ab.ca")
    assert "Audit du 1er décembre 2026" in text_part(notice)
    assert french.date_long(dt.date(2027, 7, 1)) == "1er juillet 2027"
    assert french.date_long(dt.date(2027, 7, 11)) == "11 juillet 2027"


def test_no_straight_apostrophe_in_french_prose(night):
    for label, text in readings(night):
        found = [line for line in prose(text).splitlines() if "'" in line]
        assert not found, (label, found[:3])


def test_canadian_typography(night):
    for label, text in readings(night):
        body = prose(text)
        assert not re.search(r"[ \u00a0\u202f][;!?]", body), (label, re.findall(r".{20}[ \u00a0][;!?]", body))
        assert not re.search(r"[^\u00a0\s]:|[ \t]:", body), (label, re.findall(r".{20}[^\u00a0]:", body)[:3])
        assert not re.search(r"«(?!\u00a0)", body), label
        assert not re.search(r"(?<!\u00a0)»", body), label


def test_the_wrapped_text_never_breaks_after_an_opening_guillemet(night):
    for message in night.messages:
        for line in text_part(message).splitlines():
            assert not line.rstrip().endswith("«"), line
            assert not line.lstrip().startswith(("»", ":", ";")), line


def test_data_tables_carry_header_cells(night):
    report = html_part(night.report)
    tables = re.findall(r"<table(?![^>]*role=\"presentation\")[^>]*>.*?</table>", report, re.S)
    assert len(tables) >= 2  # per-school detail and « Dérogations en vigueur »
    for table in tables:
        assert "<th " in table and 'scope="' in table, table[:200]
    assert re.search(r"<th scope=\"col\"[^>]*>Compte</th>", report)
    assert re.search(r"<h2[^>]*>Dérogations en vigueur", report) and re.search(
        r"<h2[^>]*>Détail par école", report
    )


def test_the_recommendation_is_in_the_report_and_in_no_notice(night):
    report_html = visible_text(html_part(night.report))
    recommendations = report_html[report_html.index("Recommandations (1)") :]
    assert (
        "École Héritage Théâtre_CSNO" in recommendations and "Logo du CSNO sur la bannière" in recommendations
    )
    assert "RECOMMANDATIONS (1)" in text_part(night.report)
    for notice in night.notices:
        for text in (visible_text(html_part(notice)), text_part(notice)):
            assert "Théâtre" not in text and "bannière" not in text
    summary = night.outcome.summary
    # the planted non-conformities only: 17, and the 4 look-alikes the look-ups find (expected.yaml)
    assert summary["non_conforme"] == 21
    assert "5 comptes conformes sur 15" in " ".join(report_html.split())


def test_words_for_principals_in_notices(night):
    eh = night.notice_to("direction.eh@csno.ab.ca")
    for text in (visible_text(html_part(eh)), text_part(eh)):
        assert "U+0421" not in text and "distance" not in text
        assert "une lettre cyrillique qui ressemble au C latin" in text.replace("\n  ", " ")
        assert not re.search(
            r"(?m)^\s*\d", re.sub(r"(?m)^.*(Audit du|référence).*$", "", text.split("Bonjour")[1][:400])
        )
    report = text_part(night.report)
    assert "U+0421 LETTRE MAJUSCULE CYRILLIQUE ES" in report.replace(
        "\n    ", " "
    )  # the coordinator keeps it


def test_first_night_headline(night):
    html = visible_text(html_part(night.report)).replace(NBSP, " ")
    assert "constatées cette nuit (premier audit)" in html and "depuis hier" not in html
    assert "Part des vérifications conformes" in html
