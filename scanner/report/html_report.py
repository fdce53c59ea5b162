"""Rendering a `Report` as the coordinator's HTML (table layout, CSS inlined) and plain text.

Templates live in `templates/` (`report.html.j2`, `report.txt.j2`, `_macros.html.j2`).
Autoescaping is on for every template except the `.txt.j2` ones: escaping HTML
in a text/plain part would show `&lt;` to the reader; text templates get
`french.one_line`/`clean` instead, so a name cannot forge lines.

Images are referred to by key (`model.logo_key`…); `image_src(key)` says where
the rendered HTML finds one (`cid:…` in the e-mail, a file beside the archived
HTML) or None when it is not available.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import css_inline
import jinja2

from scanner.checks.base import Severity, Status
from scanner.history.findings import FindingState
from scanner.net.urls import is_web_url
from scanner.plumbing import french
from scanner.report.model import (
    AccountEntry,
    CheckNote,
    Report,
    ReportFinding,
    SchoolEntry,
    network_label,
    profile_url,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
LIMITS = (None, 400, 250, 150, 100, 80, 60, 50, 40, 30, 20, 10, 5, 0)  # tried in turn until the HTML fits
LIST_CAP = 12  # names, and items of the top lists, shown before « et N autres » in a cut e-mail
MIN_GROWTH = 0.5  # inlined HTML is never under half its Jinja rendering (the style sheet is ~4 kB)
GROWTH_MARGIN = 0.8  # of the growth measured on the previous candidate: smaller renderings grow less
_CLASS = re.compile(r' class="[^"]*"')

SEVERITY_COLORS = {
    Severity.CRITIQUE: "#b91c1c",
    Severity.MAJEURE: "#c2410c",
    Severity.MINEURE: "#a16207",
    Severity.INFO: "#4b5563",
}
SEVERITY_LABELS = {
    Severity.CRITIQUE: "Critique",
    Severity.MAJEURE: "Majeure",
    Severity.MINEURE: "Mineure",
    Severity.INFO: "Recommandation",
}
KIND_LABELS = {
    "first": "premier avis",
    "reminder": "rappel",
    "escalation": "escalade à la direction générale",
}
ImageSrc = Callable[[str], str | None]
OUTSIDE = ":outside:"  # the school of findings about accounts outside the registry


def _no_image(key: str) -> None:
    return None


@dataclass
class AccountView:
    entry: AccountEntry
    findings: list[ReportFinding] = field(default_factory=list)
    notes: list[CheckNote] = field(default_factory=list)


@dataclass
class SchoolView:
    school: SchoolEntry
    accounts: list[AccountView] = field(default_factory=list)
    clean: list[AccountEntry] = field(default_factory=list)
    unverified: list[AccountEntry] = field(default_factory=list)


@dataclass(frozen=True)
class Tile:
    value: str
    label: str
    color: str = "#111827"
    background: str = "#f9fafb"


@dataclass
class UnverifiedGroup:
    network_label: str
    reason: str
    accounts: list[AccountEntry]
    variable: str | None = None
    checks: tuple[str, ...] = ()  # for a cause group: the titles of the checks it leaves undecided


class ReportView:
    """What the templates iterate over: the report grouped, sorted and, when `limit` is set, cut."""

    def __init__(
        self,
        report: Report,
        *,
        limit: int | None = None,
        image_src: ImageSrc = _no_image,
        variables: Mapping[str, str] | None = None,
        attachment_name: str | None = None,
    ) -> None:
        self.report = report
        self.limit = limit
        self.image_src = image_src
        self.attachment_name = attachment_name
        self.tz = report.timezone
        self.accounts = {a.id: a for a in report.accounts}
        self.schools = {s.id: s for s in report.schools}
        # a publication's findings (one per post) are the « Publications » section's, not the accounts'
        findings = [f for f in report.findings if f.post is None]
        active = [f for f in findings if f.state is not FindingState.RESOLVED]
        self.findings_total = len(active)
        shown = active if limit is None else active[:limit]
        self.findings_shown = len(shown)
        self.new_all = [f for f in findings if f.state is FindingState.NEW]
        self.resolved_all = [f for f in findings if f.state is FindingState.RESOLVED]
        self.unverified_groups = self._unverified(variables or {})
        self.cause_groups = self._causes()
        self.sections = self._sections(shown)
        self.manual_groups = self._manual()

    @property
    def truncated(self) -> bool:
        return self.findings_shown < self.findings_total or any(
            len(items) > self.cap(items)
            for items in (
                self.new_all,
                self.resolved_all,
                self.report.derogations,
                self.report.recommendations,
            )
        )

    @property
    def tiles(self) -> list[Tile]:
        """The four numbers at the top: accounts first (what a reader means by « conforme »)."""
        s = self.report.summary
        unverified = s.accounts_total - s.accounts_verified
        partial = " (audit partiel)" if unverified else ""
        out_of = (
            f"sur {french.number(s.accounts_total)}"
            if not unverified
            else (f"sur {french.number(s.accounts_verified)} vérifiés")
        )
        compliant_word = "compte conforme" if s.accounts_compliant < 2 else "comptes conformes"
        if s.first_audit:
            new_label = (
                "constatée cette nuit (premier audit)"
                if s.new < 2
                else "constatées cette nuit (premier audit)"
            )
        else:
            new_label = "nouvelle depuis hier" if s.new < 2 else "nouvelles depuis hier"
        return [
            Tile(french.number(s.accounts_compliant), f"{compliant_word} {out_of}{partial}"),
            Tile(french.number(s.new), new_label + partial, *(("#1d4ed8", "#eff6ff") if s.new else ())),
            Tile(french.number(s.resolved), "résolue" if s.resolved < 2 else "résolues",
                 *(("#15803d", "#ecfdf5") if s.resolved else ())),
            Tile(french.number(unverified), "compte non vérifié" if unverified < 2 else "comptes non vérifiés",
                 *(("#b45309", "#fef3c7") if unverified else ())),
        ]  # fmt: skip

    @property
    def checks_line(self) -> str:
        """The share of checks, second and labelled as such; partial figures say so."""
        s = self.report.summary
        judged = s.checks_conforme + s.checks_non_conforme
        line = (
            f"Part des vérifications conformes : {french.percent(s.rate)} "
            f"({french.number(s.checks_conforme)} sur {french.number(judged)}). "
            f"Non-conformités en cours : {french.number(s.new + s.open)}."
        )
        if self.report.recommendations:
            line += f" Recommandations : {french.number(len(self.report.recommendations))} (voir plus bas)."
        unverified = s.accounts_total - s.accounts_verified
        if unverified:
            line += (
                f" Chiffres partiels : {french.plural(unverified, 'compte non vérifié', 'comptes non vérifiés')}"
                f" {'n’est' if unverified < 2 else 'ne sont'} pas compté{'' if unverified < 2 else 's'}."
            )
        return line

    def cap(self, items: list | tuple) -> int:
        return len(items) if self.limit is None else min(len(items), self.limit, LIST_CAP)

    def capped(self, items: list | tuple) -> list:
        return list(items[: self.cap(items)])

    @property
    def rules(self) -> list[ReportFinding]:
        """One finding per check among the open ones, most severe first: the « Comment corriger » legend."""
        seen: dict[str, ReportFinding] = {}
        for finding in self.report.findings:
            if finding.state is not FindingState.RESOLVED:
                seen.setdefault(finding.check, finding)
        return sorted(seen.values(), key=lambda f: (f.severity.rank, f.title))

    def account(self, account_id: str) -> AccountEntry:
        return self.accounts.get(account_id) or outside_registry(account_id)

    def school_name(self, school_id: str | None) -> str:
        if school_id == OUTSIDE:
            return "hors registre"
        school = self.schools.get(school_id or "")
        return school.name if school else (school_id or "")

    def src(self, key: str) -> str | None:
        return self.image_src(key)

    def names(self, entries: list[AccountEntry]) -> tuple[list[AccountEntry], int]:
        cap = len(entries) if self.limit is None else LIST_CAP
        return entries[:cap], max(len(entries) - cap, 0)

    def _manual(self) -> list[tuple[str, list[AccountEntry]]]:
        """Rules to check by hand, each with its accounts (most accounts first), as the JSON's `manual[]`."""
        groups: dict[str, list[AccountEntry]] = defaultdict(list)
        for note in self.report.manual:
            groups[note.title].append(self.account(note.account))
        return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))

    def _unverified(self, variables: Mapping[str, str]) -> list[UnverifiedGroup]:
        groups: dict[tuple[str, str], list[AccountEntry]] = defaultdict(list)
        networks: dict[tuple[str, str], str] = {}
        for entry in self.report.accounts:
            if not entry.verified:
                key = (entry.network_label, french.clean(entry.reason) or "raison inconnue")
                groups[key].append(entry)
                networks[key] = entry.network
        out = []
        for (label, reason), entries in sorted(groups.items(), key=lambda item: -len(item[1])):
            needs_secret = any(word in reason.lower() for word in ("jeton", "identifiant", "clé", "token"))
            variable = variables.get(networks[(label, reason)]) if needs_secret else None
            out.append(UnverifiedGroup(label, french.capitalize(reason), entries, variable))
        return out

    def _causes(self) -> list[UnverifiedGroup]:
        """Checks left `non_verifiable` on verified accounts, grouped by their reason (a missing
        permission or feature, named with how to get it): the technician fixes each cause once."""
        groups: dict[str, dict[str, AccountEntry]] = defaultdict(dict)  # reason -> account id -> entry
        titles: dict[str, dict[str, None]] = defaultdict(dict)
        cleaned: dict[str, str] = {}  # one reason is shared by many notes: cleaned once
        for note in self.report.unverifiable_checks:
            entry = self.accounts.get(note.account)
            if entry is None or not note.detail:
                continue
            reason = cleaned.get(note.detail) or cleaned.setdefault(note.detail, french.clean(note.detail))
            groups[reason].setdefault(entry.id, entry)
            titles[reason][note.title] = None
        return [
            UnverifiedGroup(
                ", ".join(dict.fromkeys(e.network_label for e in entries.values())),
                french.capitalize(reason),
                list(entries.values()),
                checks=tuple(titles[reason]),
            )
            for reason, entries in sorted(groups.items(), key=lambda item: -len(item[1]))
            if len(entries) > 1  # one account's note stays beside that account
        ]

    def _sections(self, shown: list[ReportFinding]) -> list[SchoolView]:
        by_account: dict[str, list[ReportFinding]] = defaultdict(list)
        for finding in shown:
            by_account[finding.account].append(finding)
        notes: dict[str, list[CheckNote]] = defaultdict(list)
        for note in self.report.unverifiable_checks:
            notes[note.account].append(note)
        has_active = {
            f.account for f in self.report.findings if f.state is not FindingState.RESOLVED and f.post is None
        }
        sections = {s.id: SchoolView(s) for s in self.report.schools}
        outside = sorted(a for a in by_account if a not in self.accounts)
        for entry in [*self.report.accounts, *map(outside_registry, outside)]:
            name = "Comptes non inscrits au registre" if entry.school == OUTSIDE else entry.school
            section = sections.setdefault(entry.school, SchoolView(SchoolEntry(entry.school, name)))
            if not entry.verified:
                section.unverified.append(entry)
            if entry.id in by_account or (entry.id in notes and self.limit is None):
                section.accounts.append(
                    AccountView(entry, by_account.get(entry.id, []), notes.get(entry.id, []))
                )
            elif entry.verified and entry.id not in has_active:
                section.clean.append(entry)
        if self.limit is not None:  # a cut e-mail: only the schools that have something shown
            return [s for s in sections.values() if s.accounts]
        return [s for s in sections.values() if s.accounts or s.clean or s.unverified]


def outside_registry(account_id: str) -> AccountEntry:
    """A finding about an account the registry does not list (`decouvert:<network>:<handle>`)."""
    parts = account_id.split(":")
    network, handle = (parts[1], parts[2]) if len(parts) == 3 else ("", account_id)
    return AccountEntry(
        account_id, OUTSIDE, network, True, None, handle=handle, name=handle,
        network_label=network_label(network) if network else "", url=profile_url(network, handle),
    )  # fmt: skip


# ---------------------------------------------------------------- Jinja


def _days_since(report: Report) -> Callable[[object], int]:
    return lambda value: french.days_between(value, report.run.started_at, report.timezone)


@cache
def environment(templates: Path = TEMPLATES) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), disabled_extensions=("txt", "txt.j2"), default=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        date_long=french.date_long,
        date_medium=french.date_medium,
        datetime_long=french.datetime_long,
        time_short=french.time_short,
        percent=french.percent,
        number=french.number,
        plural=french.plural,
        clean=french.clean,
        one_line=french.one_line,
        wrap=french.wrap,
        capitalize_first=french.capitalize,
        clause=french.clause,
        plain=french.plain,
        severity_label=lambda s: SEVERITY_LABELS.get(Severity(s), str(s)),
        severity_color=lambda s: SEVERITY_COLORS.get(Severity(s), "#4b5563"),
        status_label=lambda s: Status(s).label,
        kind_label=lambda k: KIND_LABELS.get(k, k),
        network_label=network_label,
    )
    env.tests["web_url"] = lambda value: isinstance(value, str) and is_web_url(value)
    return env


def _context(view: ReportView, full: bool) -> dict:
    report = view.report
    return {
        "report": report,
        "view": view,
        "run": report.run,
        "summary": report.summary,
        "tz": report.timezone,
        "full": full,
        "days_since": _days_since(report),
        "NEW": FindingState.NEW,
        "RESOLVED": FindingState.RESOLVED,
        "NON_CONFORME": Status.NON_CONFORME,
        "chain": itertools.chain,
    }


def render_html(
    view: ReportView, *, inline: bool = True, templates: Path = TEMPLATES, template: str = "report.html.j2"
) -> str:
    """The HTML document; `inline` moves the style sheet into style attributes (for e-mail)."""
    html = _render_template(view, inline=inline, templates=templates, template=template)
    return _finish(html) if inline else french.typography_html(html)


def _render_template(view: ReportView, *, inline: bool, templates: Path, template: str) -> str:
    return environment(templates).get_template(template).render(**_context(view, full=not inline))


def _finish(html: str) -> str:
    """Inline the style sheet (e-mail clients drop <style>), then French typography."""
    html = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False).inline(html)
    html = _CLASS.sub("", html)  # styles are inlined: the classes only weigh
    return french.typography_html(html)


def render_text(view: ReportView, *, templates: Path = TEMPLATES) -> str:
    text = environment(templates).get_template("report.txt.j2").render(**_context(view, full=False))
    return french.typography(text)


@dataclass(frozen=True)
class FittedHtml:
    html: str
    view: ReportView

    @property
    def truncated(self) -> bool:
        return self.view.truncated


def fit_html(
    report: Report,
    max_bytes: int,
    *,
    image_src: ImageSrc = _no_image,
    variables: Mapping[str, str] | None = None,
    attachment_name: str | None = None,
    templates: Path = TEMPLATES,
) -> FittedHtml:
    """The largest rendering (most important findings first) whose HTML is under `max_bytes`.

    Inlining the CSS parses the whole document into a tree: for 4,000 findings that is
    10 MB of HTML and some 150 MB of memory, for a rendering certain not to fit. So each
    candidate is first rendered by Jinja alone, and inlined only when its size, times the
    growth inlining is known to bring, could fit. The growth (`inlined / raw`, about 1.6
    for these templates) is unknown until a first inlining; until then it is taken as
    `MIN_GROWTH`, a bound no rendering goes below (tested), so no fitting candidate is skipped.
    A rendering with fewer findings is never larger: the candidates (`LIMITS`) are searched by
    halves, four or five renderings instead of one per candidate.
    """
    growth = MIN_GROWTH
    tried: dict[int, tuple[str, ReportView, bool]] = {}  # candidate -> (html, view, fits)
    last = len(LIMITS) - 1

    def attempt(index: int) -> bool:
        nonlocal growth
        view = ReportView(
            report,
            limit=LIMITS[index],
            image_src=image_src,
            variables=variables,
            attachment_name=attachment_name,
        )
        raw = _render_template(view, inline=True, templates=templates, template="report.html.j2")
        if index != last and len(raw) * growth > max_bytes:  # len ≤ UTF-8 bytes
            tried[index] = ("", view, False)  # cannot fit once inlined: not worth the tree
            return False
        html = _finish(raw)
        size = _utf8_len(html)
        if size > max_bytes:
            growth = max(MIN_GROWTH, GROWTH_MARGIN * size / max(_utf8_len(raw), 1))
        tried[index] = (html, view, size <= max_bytes or index == last)
        return tried[index][2]

    low, high = 0, last  # the first candidate that fits is in [low, high]; the last one always does
    if len(report.findings) <= (LIMITS[1] or 0) and attempt(0):
        high = 0  # a short report: everything fits at the first try
    while low < high:
        middle = (low + high) // 2
        if attempt(middle):
            high = middle
        else:
            low = middle + 1
    if low not in tried:
        attempt(low)
    html, view, _ = tried[low]
    return FittedHtml(html, view)


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


class _LastFull:
    """The last full rendering, while its report lives: the night needs it twice, saved beside the
    report (`archive`) and attached to the e-mail (`mail.render`), and a `Report` never changes."""

    def __init__(self) -> None:
        self.report: weakref.ref | None = None
        self.key: tuple = ()
        self.html = ""

    def get(self, report: Report, key: tuple) -> str | None:
        return self.html if self.report is not None and self.report() is report and self.key == key else None

    def put(self, report: Report, key: tuple, html: str) -> None:
        self.report, self.key, self.html = weakref.ref(report, self._forget), key, html

    def _forget(self, ref: weakref.ref) -> None:
        if ref is self.report:
            self.report, self.key, self.html = None, (), ""


_LAST_FULL = _LastFull()


def render_full_html(
    report: Report, *, templates: Path = TEMPLATES, variables: Mapping[str, str] | None = None
) -> str:
    """Every open finding, one row each, the style sheet kept in <head>: the attachment of a cut e-mail."""
    key = (templates, tuple(sorted((variables or {}).items())))
    html = _LAST_FULL.get(report, key)
    if html is None:
        view = ReportView(report, variables=variables)
        html = render_html(view, inline=False, templates=templates, template="report_full.html.j2")
        _LAST_FULL.put(report, key, html)
    return html
