"""Routing that spares principals (issue 16): what of the publications goes into which notice,
the coordinator's dismissals file, and the report's « Publications » section and JSON."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from factories import make_registry, make_report, make_settings, night

from scanner.checks.base import PostRef, Result, Status
from scanner.checks.catalogue import CATALOGUE
from scanner.config.load import ConfigError, load_config
from scanner.history.findings import Finding, FindingState, finding_id
from scanner.history.posts import Review
from scanner.notices.plan import NoticeKind, NoticeLog, plan_notices
from scanner.notices.render import render_bodies, subject
from scanner.plumbing.french import NBSP
from scanner.report.json_report import from_dict, to_dict
from scanner.report.publications import build_publications

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = make_registry(schools=2, accounts_per_school=2)  # eqv-facebook-0, eqv-instagram-1, eh-…
LINK = "https://www.facebook.com/EQVCSNO/posts/1"


def settings(weekday: int):
    base = make_settings()
    return type(base).model_validate(base.model_dump() | {"content": {"digest_weekday": weekday}})


def content(check, post="1", since=0, state=FindingState.NEW, account="eqv-facebook-0"):
    first = night(since)
    return Finding(
        finding_id(account, check, post), account, check, Status.NON_CONFORME, state, first, first,
        detail=f"Publication ({LINK}){NBSP}: …", post=PostRef(post, LINK),
    )  # fmt: skip


def weekday(n: int) -> int:
    return night(n).astimezone(dt.timezone(dt.timedelta(hours=-7))).weekday()


def plan(findings, n=0, digest_on=None, reviews=()):
    digest_on = (weekday(n) + 1) % 7 if digest_on is None else digest_on
    return plan_notices(findings, REGISTRY, settings(digest_on), night(n), NoticeLog(), catalogue=CATALOGUE,
                        reviews=reviews)  # fmt: skip


def test_personal_information_goes_out_at_once_with_the_post_link():
    [notice] = plan([content("content.personal-info")])
    assert notice.kind is NoticeKind.FIRST
    [item] = notice.items
    assert item.post == PostRef("1", LINK)
    text, html = render_bodies(notice, REGISTRY, settings(0), run_id="r", now=night(0))
    assert LINK in text and "Que faire : modifiez ou retirez cette publication." in text.replace(
        "\u00a0", " "
    )
    assert f'href="{LINK}"' in html


def test_french_errors_wait_for_the_weekly_digest_and_come_once():
    french = content("content.french")
    assert plan([french]) == []  # not the digest day: no notice for a French error alone
    [digest] = plan([french], digest_on=weekday(0))
    assert [i.check.id for i in digest.items] == ["content.french"] and digest.digest
    text, _ = render_bodies(digest, REGISTRY, settings(weekday(0)), run_id="r", now=night(0))
    assert "QUALITÉ DU FRANÇAIS\u00a0: RÉSUMÉ DE LA SEMAINE" in text
    old = content("content.french", since=-8, state=FindingState.OPEN)
    assert plan([old], digest_on=weekday(0)) == []  # digested a week ago: never again
    [other] = plan([french, content("content.conduct", post="2")])  # a notice goes out tonight anyway:
    assert [i.check.id for i in other.items] == ["content.conduct"]  # French errors still wait for the digest


def test_french_errors_are_never_escalated():
    stale = content("content.french", since=-40, state=FindingState.OPEN)
    assert plan([stale], digest_on=weekday(0)) == []


def test_faces_ride_along_under_a_verifier_and_are_never_points_a_corriger():
    faces = Review("eqv-facebook-0", "3", "https://www.facebook.com/EQVCSNO/posts/3", "content.faces",
                   f"2{NBSP}visages reconnaissables sur la photo")  # fmt: skip
    assert plan([], reviews=[faces]) == []  # alone, not the digest day: waits for the next notice
    [notice] = plan([content("content.personal-info")], reviews=[faces])
    assert [r.post_id for r in notice.reviews] == ["3"] and len(notice.items) == 1
    text, html = render_bodies(notice, REGISTRY, settings(0), run_id="r", now=night(0))
    assert "À VÉRIFIER" in text and "Ce ne sont pas des points à corriger" in text
    assert "1\u00a0point à corriger" in subject(notice)
    [alone] = plan([], digest_on=weekday(0), reviews=[faces])
    assert subject(alone).endswith("publications à vérifier sur vos comptes de réseaux sociaux")
    text, _ = render_bodies(alone, REGISTRY, settings(0), run_id="r", now=night(0))
    assert "Aucun point n’est à corriger" in text and "0\u00a0point" not in text


def test_an_escalation_carries_no_a_verifier():
    faces = Review("eqv-facebook-0", "3", None, "content.faces", "visage")
    old = content("content.personal-info", since=-31, state=FindingState.OPEN)
    [notice] = plan([old], reviews=[faces])
    assert notice.kind is NoticeKind.ESCALATION and notice.reviews == ()


def test_report_section_counts_per_school_and_check_and_the_json_carries_the_post():
    finding = content("content.personal-info")
    section = build_publications(
        CATALOGUE, {"eqv-facebook-0": "eqv"},
        [_result("content.personal-info", Status.NON_CONFORME), _result("content.faces", Status.MANUEL, "3")],
        [finding], posts_judged=2, thumbnails=["post:eqv-facebook-0:3"],
    )  # fmt: skip
    assert section is not None and section.posts_judged == 2
    counts = {(c.school, c.check): (c.to_fix, c.new, c.to_check) for c in section.counts}
    assert counts == {("eqv", "content.personal-info"): (1, 1, 0), ("eqv", "content.faces"): (0, 0, 1)}
    assert [i.thumbnail for i in section.items] == [None, "post:eqv-facebook-0:3"]
    data = to_dict(replace(make_report(), publications=section))
    assert data["publications"]["items"][0]["post"] == {"id": "1", "permalink": LINK}
    assert from_dict(data).publications == section


def _result(check, status, post="1"):
    return Result("eqv-facebook-0", check, status, "…", PostRef(post, LINK))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    return tmp_path / "config"


def test_the_dismissals_file_is_validated_with_located_french_messages(folder: Path):
    (folder / "publications_ignorees.yaml").write_text(
        "publications:\n  - publication: https://www.facebook.com/EQVCSNO/posts/1\n    regle: content.visage\n"
        "    raison: faux positif\n  - regle: content.french\nmots: [Kisipatnahk]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(folder)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith("publications_ignorees.yaml, ligne 3") and "règle inconnue «\u00a0content.visage\u00a0»" in p
               for p in problems), problems  # fmt: skip
    assert any(
        "publications_ignorees.yaml, ligne 5" in p and "champ obligatoire manquant" in p for p in problems
    )


def test_dismissals_are_loaded_and_counted_by_check(folder: Path):
    (folder / "publications_ignorees.yaml").write_text(
        "publications:\n  - publication: https://www.facebook.com/EQVCSNO/posts/1\n    regle: content.french\n"
        "    raison: Nom d’un invité\nmots: [Kisipatnahk, Wetaskiwin]\n",
        encoding="utf-8",
    )
    config = load_config(folder)
    assert config.dismissals.covers("1", "https://facebook.com/EQVCSNO/posts/1/", "content.french")
    assert not config.dismissals.covers("1", LINK, "content.conduct")
    done = subprocess.run(
        [sys.executable, "run_audit.py", "--config", str(folder), "check"], cwd=ROOT, capture_output=True,
        text=True, env={**os.environ, "SMTP_PASSWORD": "x"}, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "publications_ignorees.yaml\u00a0: 1 publication écartée, 2 mots acceptés." in done.stdout
