"""The machine-readable report: SPEC.md's shape, round trip, files on disk, preview."""

from __future__ import annotations

import datetime as dt
import json

from factories import make_registry, make_report, night, outcomes

from scanner.checks.base import Discovered, Status
from scanner.history.findings import Finding, FindingState
from scanner.history.store import History
from scanner.report.archive import save_report
from scanner.report.json_report import from_dict, load_json, to_dict
from scanner.report.model import NoticeEntry, RunInfo, avatar_key, build_report, logo_key
from scanner.report.preview import preview

SPEC_RUN = {"id", "started_at", "finished_at", "status"}
SPEC_ACCOUNT = {"id", "school", "network", "verified", "reason"}
SPEC_FINDING = {"account", "check", "clause", "severity", "status", "state", "first_seen", "detail"}
SPEC_DISCOVERED = {"network", "handle", "url", "why"}
SPEC_NOTICE = {"to", "school", "kind", "findings"}


def failing(account: str, check: str) -> Status:
    if check == "name.suffix" and account.endswith("-1"):
        return Status.NON_CONFORME
    if check == "logo.school" and account == "eqv-facebook-0":
        return Status.NON_CONFORME
    return Status.CONFORME


def report(**kw):
    extra = {
        "discovered": [
            Discovered("x", "EQV_faux", "https://x.com/EQV_faux", "https://eqv.csno.ab.ca", "eqv")
        ],
        "notices": [NoticeEntry(("direction.eqv@csno.ab.ca",), "eqv", "first", ("abc",))],
    }
    return make_report(make_registry(3, 4), failing, **(extra | kw))


def test_shape_is_the_spec_shape():
    data = to_dict(report(unverified=lambda a: "jeton expiré" if a.network == "x" else None))
    assert list(data)[:5] == ["run", "accounts", "findings", "discovered", "notices"]
    assert set(data["run"]) == SPEC_RUN and data["run"]["status"] == "partial"
    assert all(set(a) >= SPEC_ACCOUNT for a in data["accounts"]) and len(data["accounts"]) == 12
    x = next(a for a in data["accounts"] if a["network"] == "x")
    assert x["verified"] is False and x["reason"] == "jeton expiré"
    assert all(set(f) >= SPEC_FINDING for f in data["findings"])
    logo = next(f for f in data["findings"] if f["check"] == "logo.school")
    assert logo["clause"] == "§5.f" and logo["severity"] == "mineure" and logo["status"] == "non_conforme"
    assert logo["state"] == "new" and logo["title"] == "Logo officiel de l’école"
    assert logo["remediation"].startswith("Remplacer la photo")
    dt.datetime.fromisoformat(logo["first_seen"])
    assert {i["key"] for i in logo["images"]} == {logo_key("eqv"), avatar_key("eqv-facebook-0")}
    assert set(data["discovered"][0]) >= SPEC_DISCOVERED and "eqv.csno.ab.ca" in data["discovered"][0]["why"]
    assert set(data["notices"][0]) >= SPEC_NOTICE and data["notices"][0]["to"] == ["direction.eqv@csno.ab.ca"]
    assert data["version"] == 1 and data["summary"]["accounts_total"] == 12
    json.dumps(data)  # serialisable as is


def test_states_across_nights_and_unknown_check(tmp_path):
    with History(tmp_path / "h.sqlite3") as history:
        make_report(make_registry(1, 2), failing, history=history)
        second = make_report(
            make_registry(1, 2), lambda a, c: Status.CONFORME, history=history, first_night=1
        )
    states = {(f.account, f.check): f.state for f in second.findings}
    assert set(states.values()) == {"resolved"}
    assert second.summary.resolved == 2 and second.summary.new == 0
    registry = make_registry(1, 1)
    account = registry.accounts[0]
    finding = Finding(
        "f1", account.id, "retired.check", Status.NON_CONFORME, FindingState.OPEN, night(0), night(1)
    )
    built = build_report(
        run=RunInfo("r", night(1), None, "complete"), registry=registry, catalogue={}, accounts=outcomes(registry),
        results=[], findings=[finding], timezone="America/Edmonton", generated_at=night(1),
    )  # fmt: skip
    assert built.findings[0].title == "retired.check" and built.findings[0].clause == "—"
    assert built.summary.rate is None


def test_round_trip_and_files(tmp_path):
    original = report()
    assert from_dict(json.loads(json.dumps(to_dict(original)))) == original
    files = save_report(original, tmp_path, images={logo_key("eqv"): b"not an image"})
    assert files.json == tmp_path / "reports" / "run-0.json"
    assert load_json(files.json) == original
    assert files.html.exists() and files.html.name == "run-0.html"
    html = files.html.read_text(encoding="utf-8")
    assert "run-0/chart.png" in html and (tmp_path / "reports" / "run-0" / "chart.png").exists()
    assert "cid:" not in html and "data:" not in html


def test_preview_renders_the_last_report_again(tmp_path):
    with History.in_state_dir(tmp_path) as history:
        made = make_report(make_registry(2, 3), failing, history=history, nights=2)
    save_report(made, tmp_path)
    path = preview(tmp_path)
    assert path == tmp_path / "preview.html"
    html = path.read_text(encoding="utf-8")
    assert "Audit de la nuit du 25\u00a0novembre 2026" in html or "25 novembre 2026" in html
    assert "reports/run-1/chart.png" in html
