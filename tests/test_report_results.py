"""Every verdict of the night: `results` in the JSON report and the night's workbook.

The night is recorded in a real SQLite history; the JSON and the workbook are read back from
the files `save_report` wrote, as a dashboard or a spreadsheet program would.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from zoneinfo import ZoneInfo

from factories import (
    make_catalogue,
    make_registry,
    make_report,
    make_result,
    make_settings,
    make_snapshot,
    night,
    outcomes,
)
from openpyxl import load_workbook

from scanner.checks.base import Discovered, Status
from scanner.checks.runner import discovered_id
from scanner.history.store import History
from scanner.mail.render import html_body, render_report
from scanner.report.archive import save_report
from scanner.report.json_report import encode, load_json, write_json
from scanner.report.model import SCHEMA_VERSION, RunInfo, build_report, network_label
from scanner.report.workbook import (
    ACCOUNTS_HEADERS,
    ACCOUNTS_SHEET,
    FINDINGS_HEADERS,
    FINDINGS_SHEET,
    RESULTS_HEADERS,
    RESULTS_SHEET,
    XLSX_TYPE,
    workbook_data,
)

HOSTILE = '=HYPERLINK("http://evil","x")'
TZ = "America/Edmonton"
EVERY_STATUS = list(Status)


def _status(index: int) -> Status:
    return EVERY_STATUS[index % len(EVERY_STATUS)]


def _night(tmp_path, n: int = 0):
    """One night over 2 schools x 3 accounts x the catalogue, every status used, one discovered
    impostor whose page is named like a formula; recorded in `tmp_path/history.sqlite3`."""
    registry = make_registry(2, 3)
    catalogue = make_catalogue()
    accounts = outcomes(registry, lambda a: "jeton expiré" if a.network == "x" else None)
    results = [
        make_result(a.id, check, _status(i + j), detail=f"détail {a.id} {check}")
        for i, a in enumerate(registry.accounts)
        for j, check in enumerate(catalogue)
    ]
    impostor = Discovered(
        "facebook", "eqv.faux", "https://www.facebook.com/eqv.faux", "https://eqv.csno.ab.ca", "eqv",
        make_snapshot("facebook", "eqv.faux", name=HOSTILE),
    )  # fmt: skip
    impostor_id = discovered_id("facebook", "eqv.faux")
    results.append(
        make_result(impostor_id, "account.unregistered", Status.NON_CONFORME, f"Page « {HOSTILE} »")
    )
    with History.in_state_dir(tmp_path) as history:
        start = night(n)
        findings = history.record_run(
            f"run-{n}", start, start + dt.timedelta(minutes=5), "partial", accounts, results, {}
        )
        stored = history.results_of(f"run-{n}")
    report = build_report(
        run=RunInfo(f"run-{n}", start, start + dt.timedelta(minutes=5), "partial"),
        registry=registry, catalogue=catalogue, accounts=accounts, results=results, findings=findings,
        timezone=TZ, generated_at=start, discovered=[impostor],
    )  # fmt: skip
    files = save_report(report, tmp_path, catalogue=catalogue)
    return report, files, stored, catalogue, impostor_id


def test_results_hold_every_verdict_with_the_statuses_of_the_history(tmp_path):
    _, files, stored, _, impostor_id = _night(tmp_path)
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert data["version"] == SCHEMA_VERSION == 2
    results = data["results"]
    assert [(r["account"], r["check"], r["status"], r["detail"]) for r in results] == [
        (r.account, r.check, str(r.status), r.detail) for r in stored
    ]  # one entry per (account, check), same statuses, same (stable) order as the history
    assert {r["status"] for r in results} == {str(s) for s in Status}  # all five
    assert len({(r["account"], r["check"]) for r in results}) == len(results)
    name_suffix = next(r for r in results if r["account"] == "eqv-facebook-0" and r["check"] == "name.suffix")
    assert name_suffix["clause"] == "§5.d" and name_suffix["severity"] == "majeure"
    assert name_suffix["network"] == "facebook" and name_suffix["school"] == "eqv" and name_suffix["handle"]
    impostor = next(r for r in results if r["account"] == impostor_id)
    assert (impostor["network"], impostor["handle"], impostor["status"]) == (
        "facebook",
        "eqv.faux",
        "non_conforme",
    )
    # the lists that were there before are still there
    assert {"findings", "discovered", "notices", "manual", "unverifiable_checks", "derogations"} <= set(data)


def test_results_order_is_stable_whatever_order_the_checks_ran_in(tmp_path):
    registry, catalogue = make_registry(1, 2), make_catalogue()
    accounts = outcomes(registry)
    results = [make_result(a.id, c) for a in registry.accounts for c in catalogue]

    def built(items):
        return build_report(run=RunInfo("r", night(0), None, "complete"), registry=registry,
                            catalogue=catalogue, accounts=accounts, results=items, findings=[],
                            timezone=TZ, generated_at=night(0)).results  # fmt: skip

    assert built(results) == built(list(reversed(results)))
    assert [(e.account, e.check) for e in built(results)] == sorted((r.account, r.check) for r in results)


def _sheet_rows(sheet):
    return [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)]


def test_workbook_has_the_same_verdicts_as_the_report(tmp_path):
    report, files, stored, catalogue, _ = _night(tmp_path)
    assert files.xlsx == tmp_path / "reports" / "run-0.xlsx"
    book = load_workbook(files.xlsx)
    assert book.sheetnames == [FINDINGS_SHEET, RESULTS_SHEET, ACCOUNTS_SHEET]
    checks = book[RESULTS_SHEET]
    assert tuple(c.value for c in checks[1]) == RESULTS_HEADERS
    rows = _sheet_rows(checks)
    column = {h: i for i, h in enumerate(RESULTS_HEADERS)}
    labels = {str(s): s.label[0].upper() + s.label[1:] for s in Status}
    assert [(row[column["Règle"]], row[column["Statut"]]) for row in rows] == [
        (r.check, labels[str(r.status)]) for r in stored
    ]
    impostor, first = rows[0], rows[1]  # `decouvert:…` sorts first
    assert impostor[column["Compte"]] == HOSTILE and impostor[column["Réseau"]] == network_label("facebook")
    schools = {school.id: school.name for school in report.schools}
    assert first[column["École"]] == schools[report.results[1].school]
    assert first[column["Vérification"]] == catalogue[first[column["Règle"]]].title
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        assert all(cell.font.bold for cell in sheet[1])


def test_findings_sheet_lists_the_open_findings_with_links_dates_and_fixes(tmp_path):
    report, files, _, _, _ = _night(tmp_path)
    sheet = load_workbook(files.xlsx)[FINDINGS_SHEET]
    assert tuple(c.value for c in sheet[1]) == FINDINGS_HEADERS
    open_findings = [f for f in report.findings if f.state != "resolved"]
    assert sheet.max_row - 1 == len(open_findings) > 0
    column = {h: i + 1 for i, h in enumerate(FINDINGS_HEADERS)}
    first, finding = 2, open_findings[0]
    assert sheet.cell(first, column["Vérification"]).value == finding.title
    assert sheet.cell(first, column["Comment corriger"]).value == finding.remediation
    assert sheet.cell(first, column["État"]).value == "nouvelle"
    since = sheet.cell(first, column["Constaté le"])
    assert since.is_date and since.value.date() == finding.first_seen.astimezone(ZoneInfo(TZ)).date()
    linked = [sheet.cell(r, column["Compte"]) for r in range(2, sheet.max_row + 1)]
    assert all(c.hyperlink is not None and c.hyperlink.target.startswith("https://") for c in linked)


def test_a_page_named_like_a_formula_is_text_in_the_workbook(tmp_path):
    _, files, _, _, _ = _night(tmp_path)
    book = load_workbook(files.xlsx)
    hostile = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row
               if isinstance(c.value, str) and c.value.startswith("=")]  # fmt: skip
    assert any(c.value == HOSTILE for c in hostile)  # the impostor's name, in « Constats »
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)
    with zipfile.ZipFile(files.xlsx) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any("<f>" in archive.read(n).decode() for n in sheets)


def test_accounts_sheet_says_verified_or_why_not_and_counts_non_conformities(tmp_path):
    report, files, stored, _, _ = _night(tmp_path)
    sheet = load_workbook(files.xlsx)[ACCOUNTS_SHEET]
    column = {h: i for i, h in enumerate(ACCOUNTS_HEADERS)}
    rows = _sheet_rows(sheet)
    assert len(rows) == len(report.accounts)
    for entry, row in zip(report.accounts, rows, strict=True):
        expected = sum(1 for r in stored if r.account == entry.id and r.status is Status.NON_CONFORME)
        assert row[column["Non-conformités"]] == expected
        assert row[column["Vérifié"]] == ("oui" if entry.verified else "non")
        assert row[column["Pourquoi non vérifié"]] == (None if entry.verified else "jeton expiré")


def test_workbook_is_written_atomically_and_holds_no_secret(tmp_path, monkeypatch):
    secret = "EAAB-secret-token-value"
    monkeypatch.setenv("FACEBOOK_ACCESS_TOKEN", secret)
    _, files, _, _, _ = _night(tmp_path)
    leftovers = [p.name for p in files.xlsx.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    with zipfile.ZipFile(io.BytesIO(files.xlsx.read_bytes())) as archive:
        assert all(secret.encode() not in archive.read(n) for n in archive.namelist())


def test_the_attached_workbook_is_outside_the_html_budget():
    registry = make_registry(3, 5)
    report = make_report(
        registry, lambda a, c: Status.NON_CONFORME if c == "name.suffix" else Status.CONFORME
    )
    settings = make_settings()
    workbook = workbook_data(report, make_catalogue()) + b"\0" * 2 * settings.report.max_html_bytes
    without = render_report(report, registry, settings, report.generated_at)
    with_it = render_report(report, registry, settings, report.generated_at, workbook=workbook)
    assert html_body(with_it) == html_body(without)  # the body is not cut to make room
    attached = [p for p in with_it.iter_attachments() if p.get_content_type() == "/".join(XLSX_TYPE)]
    assert len(attached) == 1 and attached[0].get_content() == workbook
    assert attached[0].get_filename() == "rapport-2026-11-24.xlsx"


def test_json_without_results_and_with_them_reads_back_whole(tmp_path):
    registry = make_registry(1, 2)
    empty = build_report(run=RunInfo("r", night(0), None, "complete"), registry=registry,
                         catalogue=make_catalogue(), accounts=outcomes(registry), results=[], findings=[],
                         timezone=TZ, generated_at=night(0))  # fmt: skip
    assert json.loads(encode(empty))["results"] == []
    assert load_json(write_json(empty, tmp_path / "empty.json")) == empty
    full = make_report(registry)
    lines = encode(full).decode().splitlines()
    assert sum(line.startswith('{"account":') for line in lines) == len(full.results) > 0  # one per line
    assert load_json(write_json(full, tmp_path / "full.json")) == full
