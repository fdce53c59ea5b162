"""The night's workbook, `STATE_DIR/reports/<run-id>.xlsx`: what the coordinator sorts and filters.

Three sheets, built from the `Report` alone (and the check catalogue, for titles):

- « Constats »: the open non-conformities, most serious first, with how to fix each;
- « Vérifications »: every verdict of the night, one row per (account, check);
- « Comptes »: each account of the registry, verified or why not, and its non-conformities.

Cells are written by `scanner.plumbing.spreadsheet`: text stays text (a page named
`=HYPERLINK(…)` is no formula), dates are real dates in the board's time zone, links click.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from scanner.checks.base import Check, Severity, Status
from scanner.checks.runner import discovered_id
from scanner.history.findings import FindingState
from scanner.plumbing.french import capitalize, clean
from scanner.plumbing.spreadsheet import Link, new_workbook, workbook_bytes, write_table
from scanner.report.model import Report, network_label, profile_url

FINDINGS_SHEET, RESULTS_SHEET, ACCOUNTS_SHEET = "Constats", "Vérifications", "Comptes"
FINDINGS_HEADERS = (
    "École", "Compte", "Réseau", "Vérification", "Article", "Gravité", "État", "Constaté le", "Détail",
    "Comment corriger",
)  # fmt: skip
RESULTS_HEADERS = (
    "École",
    "Compte",
    "Réseau",
    "Vérification",
    "Règle",
    "Article",
    "Gravité",
    "Statut",
    "Détail",
)
ACCOUNTS_HEADERS = (
    "École", "Compte", "Réseau", "Officiel", "Identifiant", "Nom affiché", "Vérifié", "Pourquoi non vérifié",
    "Non-conformités",
)  # fmt: skip
STATE_LABELS = {FindingState.NEW: "nouvelle", FindingState.OPEN: "ouverte"}
SEVERITY_LABELS = {s: capitalize(s) for s in Severity}  # one string each, shared by 200,000 rows
STATUS_LABELS = {s: capitalize(s.label) for s in Status}
NOT_REJUDGED = "ouverte, pas revérifiée cette nuit"
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class _Who:
    """How an account shows in a row: its school's name, a label (with its link), its network."""

    school: str | None
    account: Link
    network: str


def workbook_name(report: Report) -> str:
    """`rapport-2026-11-24.xlsx`: the attachment's name, dated like the HTML one."""
    day = report.run.started_at.astimezone(dt.UTC).date().isoformat()
    return f"rapport-{day}.xlsx"


def build_workbook(report: Report, catalogue: Mapping[str, Check]) -> Workbook:
    zone = ZoneInfo(report.timezone)
    who = _accounts(report)
    workbook = new_workbook()
    workbook.properties.creator = "Vigie DA 142"
    workbook.properties.title = f"Audit DA 142 — {report.board} — {report.run.id}"
    write_table(workbook.create_sheet(FINDINGS_SHEET), FINDINGS_HEADERS, _finding_rows(report, who, zone),
                timezone=zone, wrap=("Détail", "Comment corriger"))  # fmt: skip
    write_table(workbook.create_sheet(RESULTS_SHEET), RESULTS_HEADERS, _result_rows(report, who, catalogue))
    write_table(workbook.create_sheet(ACCOUNTS_SHEET), ACCOUNTS_HEADERS, _account_rows(report, who))
    return workbook


def workbook_data(report: Report, catalogue: Mapping[str, Check]) -> bytes:
    return workbook_bytes(build_workbook(report, catalogue))


def _accounts(report: Report) -> dict[str, _Who]:
    schools = {s.id: s.name for s in report.schools}
    who = {}
    for a in report.accounts:
        label = a.name or a.handle or a.id
        who[a.id] = _Who(schools.get(a.school, a.school), Link(label, a.url), a.network_label or a.network)
    for d in report.discovered:
        label = Link(clean(d.name) or d.handle, d.url)
        who.setdefault(
            discovered_id(d.network, d.handle),
            _Who(schools.get(d.school or ""), label, network_label(d.network)),
        )
    for r in report.results:  # a verdict on an account neither registered nor discovered tonight
        if r.account not in who:
            url = profile_url(r.network, r.handle) if r.handle else None
            who[r.account] = _Who(
                schools.get(r.school or ""), Link(r.handle or r.account, url), network_label(r.network)
            )
    return who


def _who(who: Mapping[str, _Who], account: str) -> _Who:
    return who.get(account) or _Who(None, Link(account, None), "")


def _finding_rows(report: Report, who: Mapping[str, _Who], zone: ZoneInfo) -> list[tuple]:
    rows = []
    for f in report.findings:  # already most serious first
        if f.state is FindingState.RESOLVED:
            continue
        w = _who(who, f.account)
        state = STATE_LABELS[f.state] if f.status is Status.NON_CONFORME else NOT_REJUDGED
        rows.append((w.school, w.account, w.network, f.title, f.clause, SEVERITY_LABELS[f.severity], state,
                     f.first_seen.astimezone(zone).date(), _text(f.detail), f.remediation))  # fmt: skip
    return rows


def _result_rows(report: Report, who: Mapping[str, _Who], catalogue: Mapping[str, Check]) -> list[tuple]:
    rows = []
    for r in report.results:
        w = _who(who, r.account)
        check = catalogue.get(r.check)
        title = check.title if check else r.check
        rows.append((w.school, w.account.text, w.network, title, r.check, r.clause, SEVERITY_LABELS[r.severity],
                     STATUS_LABELS[r.status], _text(r.detail)))  # fmt: skip
    return rows


def _account_rows(report: Report, who: Mapping[str, _Who]) -> list[tuple]:
    failing = Counter(r.account for r in report.results if r.status is Status.NON_CONFORME)
    rows = []
    for a in report.accounts:
        w = _who(who, a.id)
        rows.append((w.school, w.account, w.network, _yes(a.official), a.handle, _text(a.live_name), _yes(a.verified),
                     None if a.verified else a.reason, failing[a.id]))  # fmt: skip
    return rows


def _text(value: str | None) -> str | None:
    """A text a platform supplied, without control or bidirectional characters (None when empty)."""
    return clean(value) or None


def _yes(value: bool) -> str:
    return "oui" if value else "non"
