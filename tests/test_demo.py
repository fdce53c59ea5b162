"""The demo end to end: the whole job against the CSNO sandbox world, twice, as `--demo` runs it."""

from __future__ import annotations

import datetime as dt
import email
import io
import json
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from openpyxl import load_workbook
from PIL import Image

from scanner.config.load import load_config
from scanner.night.job import run_job
from scanner.report.workbook import RESULTS_HEADERS, RESULTS_SHEET, XLSX_TYPE
from vigie_sandbox.demo import demo_world
from vigie_sandbox.world import DEMO_WORLD

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory):
    state = tmp_path_factory.mktemp("demo")
    config = load_config(ROOT / "config")
    outcomes = []
    with demo_world(config, state) as world:
        for _ in range(2):
            outcomes.append(run_job(world.config, world.secrets, resolve=world.resolve))
        received = list(world.mail.received)
    return outcomes, received


def parse(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def test_the_report_holds_exactly_the_planted_non_conformities(two_nights):
    outcomes, _ = two_nights
    expected = yaml.safe_load((DEMO_WORLD / "expected.yaml").read_text(encoding="utf-8"))
    report = json.loads(outcomes[0].report_json.read_text(encoding="utf-8"))
    failing = {
        (f["account"], f["check"])
        for f in report["findings"]
        if f["status"] == "non_conforme" and f["post"] is None  # publications: the next test
    }
    planted = {(a, c) for a, checks in expected["non_conforme"].items() for c in checks}
    found = expected["discovered"] + expected["looked_up"]  # linked from a site, or found by a look-up
    planted |= {(f"decouvert:{d['network']}:{d['handle']}", "account.unregistered") for d in found}
    assert failing == planted
    assert report["run"]["status"] == "complete" and all(a["verified"] for a in report["accounts"])
    # every planted account is among those discovered (the look-ups also find real neighbours, judged
    # and not flagged: they are in the JSON's list of accounts found, never in the findings)
    listed = {(d["network"], d["handle"].lstrip("@").casefold()) for d in report["discovered"]}
    assert {(d["network"], d["handle"].casefold()) for d in found} <= listed
    assert outcomes[0].summary["discovered"] == len(found)  # « Comptes non déclarés découverts : 5 »
    assert all(f["state"] == "new" for f in report["findings"] if f["status"] == "non_conforme")


def test_first_night_notifies_each_principal_once_and_the_second_night_nobody(two_nights):
    outcomes, received = two_nights
    first, second = outcomes
    assert first.exit_status == 0 and second.exit_status == 0
    assert sorted(d.school for d in first.notices) == ["eh", "enf", "eqv"]
    assert all(d.state == "sent" for d in first.notices)
    assert second.notices == []
    notices = [parse(p) for p in received if "notice" in p.name]
    reports = [parse(p) for p in received if "rapport" in p.name]
    assert len(notices) == 3 and len(reports) == 2
    eh = next(m for m in notices if "direction.eh@csno.ab.ca" in m["To"])
    assert "annie.pelletier@csno.ab.ca" in eh["Cc"] and "École Héritage" in eh["Subject"]


def test_the_demo_publications_show_exactly_the_planted_problems(two_nights):
    """The report and the notices of the first night against the demo world's manifest
    (vigie_sandbox/worlds/csno/publications.yaml): the errors as findings with their post, faces
    and confidential topics « à vérifier », nothing else; the second night reads nothing new."""
    outcomes, received = two_nights
    manifest = yaml.safe_load((DEMO_WORLD / "publications.yaml").read_text(encoding="utf-8"))
    planted = {(p["account"], p["post"], p["check"]) for p in manifest["planted"]}
    to_check = {(p["account"], p["post"], p["check"]) for p in manifest["planted"]
                if p["check"] == "content.faces" or p.get("family") == "confidential"}  # fmt: skip
    report = json.loads(outcomes[0].report_json.read_text(encoding="utf-8"))
    findings = {(f["account"], f["post"]["id"], f["check"]) for f in report["findings"] if f["post"]}
    assert findings == planted - to_check
    assert all(f["post"]["permalink"] in f["detail"] for f in report["findings"] if f["post"])
    manual = {(r["account"], r["post"]["id"], r["check"]) for r in report["results"]
              if r["post"] and r["status"] == "manuel"}  # fmt: skip
    assert manual == to_check
    content = [r for r in report["results"] if r["check"].startswith("content.")]
    assert not [r for r in content if r["status"] == "non_verifiable"]
    section = report["publications"]
    assert sum(c["to_fix"] for c in section["counts"]) == len(planted - to_check)
    assert sum(c["to_check"] for c in section["counts"]) == len(to_check)

    notices = [parse(p) for p in received if "notice" in p.name]
    texts = {m["X-Vigie-Notice"].split("school=")[1]: m.get_body(("plain",)).get_content() for m in notices}
    links = {r["post"]["id"]: r["post"]["permalink"] for r in content if r["post"]}
    accounts = yaml.safe_load((ROOT / "config" / "registry.yaml").read_text(encoding="utf-8"))["accounts"]
    school = {a["id"]: a["school"] for a in accounts}
    digest_day = _digest_day(report)
    for account, post, check in planted:
        shown = links[post] in texts[school[account]].replace("\n  ", " ").replace("\n", " ")
        french_waits = check == "content.french" and not digest_day
        assert shown == (not french_waits), (account, post, check)
    for account, post, _check in to_check:  # under « À vérifier », never « points à corriger »
        text = texts[school[account]].replace("\n  ", " ").replace("\n", " ")
        assert text.index(links[post]) > text.index("À VÉRIFIER")
    second = json.loads(outcomes[1].report_json.read_text(encoding="utf-8"))
    assert second["publications"]["posts_judged"] == 0  # nothing new on the second night


def test_the_notice_of_the_school_whose_posts_have_faces_carries_their_thumbnails(two_nights):
    """École des Quatre-Vents' two posts with faces (publications.yaml) reach its principal's notice
    with their thumbnails: image/jpeg parts of the HTML's multipart/related, each named by `cid:`;
    the other schools' notices keep the plain multipart/alternative."""
    _, received = two_nights
    notices = {
        m["X-Vigie-Notice"].split("school=")[1]: m for m in (parse(p) for p in received if "notice" in p.name)
    }
    eqv = notices["eqv"]
    html = eqv.get_body(("html",)).get_content()
    parts = [p for p in eqv.walk() if p.get_content_type() == "image/jpeg"]
    assert len(parts) == 2
    for part in parts:
        assert f'src="cid:{part["Content-ID"].strip("<>")}"' in html
        with Image.open(io.BytesIO(part.get_payload(decode=True))) as shown:
            assert shown.format == "JPEG" and max(shown.size) <= 240
    assert {p["Content-ID"] for p in parts} == {
        "<post-eqv-facebook-100000000000101-9003@vigie>",
        "<post-eqv-instagram-17900000000000102@vigie>",
    }
    for school in ("eh", "enf"):
        assert [p.get_content_type() for p in notices[school].get_payload()] == ["text/plain", "text/html"]


def _digest_day(report: dict) -> bool:
    """Whether the night ran on `content.digest_weekday` (Monday) in the board's timezone."""
    started = dt.datetime.fromisoformat(report["run"]["started_at"]).astimezone(ZoneInfo(report["timezone"]))
    return started.weekday() == 0


def test_second_night_findings_are_open_with_first_seen_kept(two_nights):
    outcomes, _ = two_nights
    first = json.loads(outcomes[0].report_json.read_text(encoding="utf-8"))
    second = json.loads(outcomes[1].report_json.read_text(encoding="utf-8"))

    def key(f):
        return f["account"], f["check"], (f["post"] or {}).get("id")

    seen = {key(f): f["first_seen"] for f in first["findings"]}
    for finding in second["findings"]:
        if finding["status"] == "non_conforme":
            assert finding["state"] == "open"
            assert finding["first_seen"] == seen[key(finding)]


def test_the_coordinators_email_shows_the_expected_logo_beside_the_avatar_found(two_nights):
    _, received = two_nights
    report = parse(next(p for p in received if "rapport" in p.name))
    ids = {part.get("Content-ID") for part in report.walk() if part.get_content_type() == "image/png"}
    assert {"<logo-enf@vigie>", "<avatar-enf-instagram@vigie>", "<chart@vigie>"} <= ids
    html = report.get_body(("html",)).get_content()
    assert "data:" not in html and "cid:avatar-enf-instagram@vigie" in html


def test_the_coordinators_email_carries_the_nights_workbook(two_nights):
    outcomes, received = two_nights
    reports = [parse(p) for p in received if "rapport" in p.name]
    assert all(p.parent.name == "mail" for p in received)  # var/demo/mail/ under `make demo`
    for outcome, message in zip(outcomes, reports, strict=True):
        sheets = [p for p in message.iter_attachments() if p.get_content_type() == "/".join(XLSX_TYPE)]
        assert len(sheets) == 1 and sheets[0].get_filename().startswith("rapport-")
        attached = sheets[0].get_content()
        assert attached == outcome.report_json.with_suffix(".xlsx").read_bytes()  # the archived workbook
        results = json.loads(outcome.report_json.read_text(encoding="utf-8"))["results"]
        rows = list(load_workbook(io.BytesIO(attached))[RESULTS_SHEET].iter_rows(min_row=2, values_only=True))
        assert len(rows) == len(results) > 0
        rule = RESULTS_HEADERS.index("Règle")
        assert [row[rule] for row in rows] == [r["check"] for r in results]


@pytest.mark.parametrize(
    "settings", [{"attach_xlsx": False}, {"max_xlsx_bytes": 1000}], ids=["not-wanted", "too-big"]
)
def test_no_workbook_attached_when_the_settings_say_so(tmp_path, settings):
    config = load_config(ROOT / "config")
    report = config.settings.report.model_copy(update=settings)
    config = config.model_copy(update={"settings": config.settings.model_copy(update={"report": report})})
    with demo_world(config, tmp_path) as world:
        outcome = run_job(world.config, world.secrets, resolve=world.resolve)
        received = list(world.mail.received)
    message = parse(next(p for p in received if "rapport" in p.name))
    assert not [p for p in message.iter_attachments() if p.get_content_type() == "/".join(XLSX_TYPE)]
    assert outcome.report_json.with_suffix(".xlsx").stat().st_size > 1000  # still archived, whole


def test_preview_after_the_demo_points_at_the_demos_report(tmp_path):
    """`run_audit.py --demo` then `run_audit.py preview --demo`, as the README says, from a fresh folder."""
    import shutil
    import subprocess
    import sys

    shutil.copytree(ROOT / "config", tmp_path / "config")
    run = [sys.executable, str(ROOT / "run_audit.py")]
    demo = subprocess.run([*run, "--demo"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    assert "Avis aux directions d’école\u00a0: 3\u00a0envoyés" in demo.stdout
    shown = subprocess.run(
        [*run, "preview", "--demo"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    page = Path(tmp_path / shown.stdout.strip())
    assert page.is_file() and "Audit de la nuit" in page.read_text(encoding="utf-8")
