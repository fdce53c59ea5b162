"""The night's report as data: assembled once from the results and the findings, then
serialised as JSON (`json_report`) and rendered as HTML and text (`html_report`).

Everything a template needs is here, in French where a person reads it, so that
a report can be rendered again from its JSON alone (`archive.preview`).
Images are referred to by key (`logo_key`, `avatar_key`, `cover_key`): the
caller supplies their bytes when rendering.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from scanner.checks.base import (
    GENERIC_SUPPORT,
    Check,
    Discovered,
    PostRef,
    Result,
    Severity,
    Status,
    support_contact,
)
from scanner.checks.runner import discovered_id
from scanner.checks.unregistered import searched_phrase
from scanner.config.models import Network, Registry
from scanner.history.findings import Finding, FindingState
from scanner.history.store import TrendPoint
from scanner.net.urls import is_web_url
from scanner.night.outcomes import AccountOutcome
from scanner.platforms.snapshot import Snapshot
from scanner.report.publications import Publications, build_publications

SCHEMA_VERSION = 2  # 2: `results`, every (account, check) verdict of the night
EXPIRY_WARNING_DAYS = 30
STATE_RANK = {FindingState.NEW: 0, FindingState.OPEN: 1, FindingState.RESOLVED: 2, FindingState.RETIRED: 3}


def logo_key(school: str) -> str:
    """Image key of a school's official logo; `logo_key("board")` is the CSNO's."""
    return f"logo:{school}"


def picture_key(picture: str, account: str) -> str:
    """Image key of an account's "avatar" or "cover" picture (`PictureEvidence.picture`)."""
    return f"{picture}:{account}"


def avatar_key(account: str) -> str:
    return picture_key("avatar", account)


def cover_key(account: str) -> str:
    return picture_key("cover", account)


# What the report says under each picture of a picture finding (`Check.evidence`).
PICTURE_LABELS = {"avatar": "Photo de profil actuelle", "cover": "Bannière actuelle"}
LOGO_LABELS = {"school": "Logo officiel attendu", "board": "Logo du conseil attendu"}


CHART_KEY = "chart"


@dataclass(frozen=True)
class RunInfo:
    id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str  # complete | partial


@dataclass(frozen=True)
class SchoolEntry:
    id: str
    name: str
    website: str | None = None


@dataclass(frozen=True)
class AccountEntry:
    id: str
    school: str
    network: str
    verified: bool
    reason: str | None  # French, when not verified
    handle: str = ""
    name: str = ""  # the declared name (registry)
    live_name: str | None = None  # what the platform shows
    network_label: str = ""
    url: str | None = None  # the public profile, http(s) only
    official: bool = False


@dataclass(frozen=True)
class ImageRef:
    key: str
    label: str  # French caption


@dataclass(frozen=True)
class ReportFinding:
    id: str
    account: str
    check: str
    clause: str
    severity: Severity
    title: str
    status: Status  # tonight's status: non_conforme, or why an open finding was not re-judged
    state: FindingState
    first_seen: dt.datetime
    detail: str | None
    remediation: str
    last_seen: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    occurrence: int = 1
    images: tuple[ImageRef, ...] = ()
    reason: str | None = None  # why an open finding was not judged tonight
    post: PostRef | None = None  # a content finding's publication (id, permalink)

    @property
    def priority(self) -> tuple:
        """Sort key: severity, then new before open, then oldest first."""
        judged = 0 if self.status is Status.NON_CONFORME else 1
        post = self.post.id if self.post else ""
        return (
            self.severity.rank,
            STATE_RANK[self.state],
            judged,
            self.first_seen,
            self.account,
            self.check,
            post,
        )


@dataclass(frozen=True, slots=True)
class ResultEntry:
    """One (account, check) verdict of the night, whatever its status (`Report.results`).

    `network` and `handle` name the account on its platform, so that a discovered account
    (`decouvert:<network>:<handle>`, in no `accounts` entry) is identified too.
    """

    account: str
    check: str
    clause: str
    severity: Severity
    status: Status
    detail: str | None
    network: str = ""
    handle: str = ""
    school: str | None = None
    post: PostRef | None = None  # a content verdict's publication (id, permalink)


@dataclass(frozen=True)
class Derogation:
    account: str
    check: str
    title: str
    clause: str
    reason: str
    until: dt.date | None
    expiring_soon: bool = False


@dataclass(frozen=True)
class CheckNote:
    """A `manuel` result, or a `non_verifiable` one on an account that was otherwise verified."""

    account: str
    check: str
    title: str
    status: Status
    detail: str | None = None
    post: PostRef | None = None


@dataclass(frozen=True)
class DiscoveredEntry:
    network: str
    handle: str
    url: str
    why: str
    school: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class NoticeEntry:
    to: tuple[str, ...]
    school: str
    kind: str  # first | reminder | escalation
    findings: tuple[str, ...]
    interrupted: bool = False  # an earlier attempt was cut short: may have arrived twice (same Message-ID)
    earlier: bool = False  # sent by an earlier night whose report was never handed over


@dataclass(frozen=True)
class Summary:
    accounts_total: int
    accounts_verified: int
    accounts_compliant: int
    checks_conforme: int
    checks_non_conforme: int
    rate: float | None  # conforme / (conforme + non_conforme); None if nothing was judged
    new: int
    open: int
    resolved: int
    first_audit: bool = False  # no earlier night in the history: « constatées cette nuit (premier audit) »
    retired: int = 0


@dataclass(frozen=True)
class Report:
    run: RunInfo
    accounts: tuple[AccountEntry, ...]
    findings: tuple[ReportFinding, ...]
    discovered: tuple[DiscoveredEntry, ...]
    notices: tuple[NoticeEntry, ...]
    version: int
    board: str
    timezone: str
    generated_at: dt.datetime
    summary: Summary
    schools: tuple[SchoolEntry, ...]
    derogations: tuple[Derogation, ...] = ()
    manual: tuple[CheckNote, ...] = ()
    unverifiable_checks: tuple[CheckNote, ...] = ()
    trend: tuple[TrendPoint, ...] = ()
    results: tuple[ResultEntry, ...] = ()
    recommendations: tuple[ReportFinding, ...] = ()  # severity `info`: never a non-conformity
    retired: tuple[ReportFinding, ...] = ()  # findings whose account left the registry: shown once
    held: tuple[str, ...] = ()  # accounts gone from a registry that lost more than half: not retired yet
    # earlier nights whose report was never handed over (their news is carried)
    unreported: tuple[dt.datetime, ...] = ()
    unread_sites: tuple[tuple[str, str], ...] = ()  # (site, French reason): the search is incomplete
    platform_notes: tuple[str, ...] = ()  # what the platforms say about the night (X's cost), French
    publications: Publications | None = None  # the « Publications » section (content checks)

    def with_notices(self, notices: Sequence[NoticeEntry]) -> Report:
        return replace(self, notices=tuple(notices))


def profile_url(network: str, handle: str) -> str | None:
    """The public address of an account, built from its handle (None for an unknown network)."""
    handle = handle.strip().lstrip("@")
    urls = {
        "facebook": f"https://www.facebook.com/{handle}",
        "facebook_group": f"https://www.facebook.com/groups/{handle}",
        "instagram": f"https://www.instagram.com/{handle}/",
        "x": f"https://x.com/{handle}",
        "youtube": f"https://www.youtube.com/@{handle}",
    }
    return urls.get(network)


def network_label(network: str) -> str:
    try:
        return Network(network).label
    except ValueError:
        return network


def _check(
    catalogue: Mapping[str, Check], check_id: str, support: str = GENERIC_SUPPORT
) -> tuple[str, Severity, str, str]:
    """(clause, severity, title, remediation); a check missing from the catalogue still shows."""
    check = catalogue.get(check_id)
    if check is None:
        return "—", Severity.MINEURE, check_id, ""
    return check.clause, check.severity, check.title, check.fix_for(support)


def _checks(
    catalogue: Mapping[str, Check], results: Sequence[Result]
) -> dict[str, tuple[str, Severity, str, str]]:
    """`_check` of each check the results name, made once per check rather than once per verdict."""
    return {check_id: _check(catalogue, check_id) for check_id in {r.check for r in results}}


def _images(finding: Finding, school: str, check: Check | None) -> tuple[ImageRef, ...]:
    """The official logo expected and the account's picture, side by side, for a picture finding."""
    if finding.status is not Status.NON_CONFORME or check is None or check.evidence is None:
        return ()
    evidence = check.evidence
    logo = school if evidence.logo == "school" else "board"
    return (ImageRef(logo_key(logo), LOGO_LABELS[evidence.logo]),
            ImageRef(picture_key(evidence.picture, finding.account), PICTURE_LABELS[evidence.picture]))  # fmt: skip


def _discovered(item: Discovered) -> DiscoveredEntry:
    where = item.found_on
    why = f"Lien publié sur {where}" if is_web_url(where) else f"Repéré par {where}"
    if item.variant:
        phrase = searched_phrase(item)
        why = phrase[0].upper() + phrase[1:]
    name = item.snapshot.name if item.snapshot is not None else None
    return DiscoveredEntry(item.network, item.handle, item.url, why, item.school, name)


def build_report(
    *,
    run: RunInfo,
    registry: Registry,
    catalogue: Mapping[str, Check],
    accounts: Sequence[AccountOutcome],
    results: Sequence[Result],
    findings: Sequence[Finding],
    timezone: str,
    generated_at: dt.datetime,
    snapshots: Mapping[str, Snapshot] | None = None,
    discovered: Sequence[Discovered] = (),
    notices: Sequence[NoticeEntry] = (),
    trend: Sequence[TrendPoint] = (),
    held: Sequence[str] = (),
    unreported: Sequence[dt.datetime] = (),
    unread_sites: Sequence[tuple[str, str]] = (),
    platform_notes: Sequence[str] = (),
    posts_judged: int = 0,
    thumbnails: Sequence[str] = (),
) -> Report:
    """Assemble the night's report (pure: everything comes in as arguments)."""
    retired = [f for f in findings if f.state is FindingState.RETIRED]
    findings = [f for f in findings if f.state is not FindingState.RETIRED]
    derogations, manual, unverifiable = _notes(registry, catalogue, accounts, results, findings, generated_at)
    reported = _report_findings(catalogue, accounts, findings, support_contact(registry.board))
    return Report(
        run=run,
        accounts=_account_entries(registry, accounts, snapshots or {}),
        findings=tuple(f for f in reported if f.severity is not Severity.INFO),
        retired=_report_findings(catalogue, accounts, retired, support_contact(registry.board)),
        held=tuple(held),
        unreported=tuple(unreported),
        unread_sites=tuple(unread_sites),
        discovered=tuple(_discovered(d) for d in discovered),
        notices=tuple(notices),
        version=SCHEMA_VERSION,
        board=registry.board.name,
        timezone=timezone,
        generated_at=generated_at,
        summary=replace(
            _summary(accounts, results, findings, catalogue),
            first_audit=len(trend) == 1,
            retired=len(retired),
        ),
        schools=tuple(SchoolEntry(s.id, s.name, s.website) for s in registry.schools),
        derogations=derogations,
        manual=manual,
        unverifiable_checks=unverifiable,
        trend=tuple(trend),
        results=_result_entries(registry, catalogue, accounts, results, discovered),
        recommendations=tuple(  # open ones only: a resolved recommendation is not news
            f for f in reported if f.severity is Severity.INFO and f.state is not FindingState.RESOLVED
        ),
        platform_notes=tuple(platform_notes),
        publications=build_publications(
            catalogue, {a.id: a.school for a in accounts}, results, findings, posts_judged, thumbnails
        ),
    )


def _account_entries(
    registry: Registry, accounts: Sequence[AccountOutcome], snapshots: Mapping[str, Snapshot]
) -> tuple[AccountEntry, ...]:
    declared = {a.id: a for a in registry.accounts}
    entries = []
    for outcome in accounts:
        account = declared.get(outcome.id)
        snap = snapshots.get(outcome.id)
        handle = account.handle if account else ""
        entries.append(
            AccountEntry(
                id=outcome.id, school=outcome.school, network=outcome.network, verified=outcome.verified,
                reason=outcome.reason, handle=handle, name=account.name if account else outcome.id,
                live_name=snap.name if snap else None, network_label=network_label(outcome.network),
                url=profile_url(outcome.network, handle) if handle else None,
                official=account.official if account else False,
            )
        )  # fmt: skip
    return tuple(entries)


def _report_findings(
    catalogue: Mapping[str, Check],
    accounts: Sequence[AccountOutcome],
    findings: Sequence[Finding],
    support: str = GENERIC_SUPPORT,
) -> tuple[ReportFinding, ...]:
    school_of = {a.id: a.school for a in accounts}
    out = []
    for f in findings:
        clause, severity, title, fix = _check(catalogue, f.check, support)
        out.append(
            ReportFinding(
                id=f.id, account=f.account, check=f.check, clause=clause, severity=severity, title=title,
                status=f.status, state=f.state, first_seen=f.first_seen, detail=f.detail, remediation=fix,
                last_seen=f.last_seen, resolved_at=f.resolved_at, occurrence=f.occurrence,
                images=_images(f, school_of.get(f.account, ""), catalogue.get(f.check)), reason=f.reason,
                post=f.post,
            )
        )  # fmt: skip
    return tuple(sorted(out, key=lambda f: f.priority))


def _result_entries(
    registry: Registry,
    catalogue: Mapping[str, Check],
    accounts: Sequence[AccountOutcome],
    results: Sequence[Result],
    discovered: Sequence[Discovered],
) -> tuple[ResultEntry, ...]:
    """Every verdict, ordered by account then check (the history's order)."""
    declared = {a.id: a for a in registry.accounts}
    where = {a.id: (a.network, declared[a.id].handle if a.id in declared else "", a.school) for a in accounts}
    for item in discovered:
        where.setdefault(discovered_id(item.network, item.handle), (item.network, item.handle, item.school))
    checks = _checks(catalogue, results)
    entries = []
    for r in results:
        clause, severity, _, _ = checks[r.check]
        network, handle, school = where.get(r.account, ("", "", None))
        entries.append(
            ResultEntry(
                r.account, r.check, clause, severity, r.status, r.detail, network, handle, school, r.post
            )
        )
    entries.sort(key=lambda e: (e.account, e.check, e.post.id if e.post else ""))
    return tuple(entries)


def _notes(
    registry: Registry,
    catalogue: Mapping[str, Check],
    accounts: Sequence[AccountOutcome],
    results: Sequence[Result],
    findings: Sequence[Finding],
    now: dt.datetime,
) -> tuple[tuple[Derogation, ...], tuple[CheckNote, ...], tuple[CheckNote, ...]]:
    """Derogations, manual checks, and checks not verifiable on otherwise verified accounts."""
    declared = {a.id: a for a in registry.accounts}
    in_findings = {f.key for f in findings}
    unverified = {a.id for a in accounts if not a.verified}
    derogations, manual, unverifiable = [], [], []
    checks = _checks(catalogue, results)
    for r in results:
        clause, _, title, _ = checks[r.check]
        if r.status is Status.DEROGATION:
            derogations.append(_derogation(r, declared, clause, title, now))
        elif r.key in in_findings or r.post is not None:
            continue
        elif r.status is Status.MANUEL:
            manual.append(CheckNote(r.account, r.check, title, r.status, r.detail, r.post))
        elif r.status is Status.NON_VERIFIABLE and r.account not in unverified:
            unverifiable.append(CheckNote(r.account, r.check, title, r.status, r.detail, r.post))
    return tuple(derogations), tuple(manual), tuple(unverifiable)


def is_recommendation(catalogue: Mapping[str, Check], check_id: str) -> bool:
    """A check of severity `info` (SPEC: a recommendation, never a non-conformity)."""
    check = catalogue.get(check_id)
    return check is not None and check.severity is Severity.INFO


def _per_post(catalogue: Mapping[str, Check], check_id: str) -> bool:
    """A content check (judged post by post): not in the compliance rate (`publish.not_counted`)."""
    check = catalogue.get(check_id)
    return check is not None and check.per_post


def _summary(
    accounts: Sequence[AccountOutcome],
    results: Sequence[Result],
    findings: Sequence[Finding],
    catalogue: Mapping[str, Check],
) -> Summary:
    """The headline numbers; recommendations (severity `info`) count in none of them."""
    uncounted = {
        c for c in {r.check for r in results} if is_recommendation(catalogue, c) or _per_post(catalogue, c)
    }
    judged = [r for r in results if r.check not in uncounted]
    failing = {r.account for r in judged if r.status is Status.NON_CONFORME}
    verified = [a for a in accounts if a.verified]
    conforme = sum(1 for r in judged if r.status is Status.CONFORME)
    non_conforme = sum(1 for r in judged if r.status is Status.NON_CONFORME)
    states = [
        f.state
        for f in findings
        if not is_recommendation(catalogue, f.check) and not _per_post(catalogue, f.check)
    ]
    return Summary(
        accounts_total=len(accounts),
        accounts_verified=len(verified),
        accounts_compliant=sum(1 for a in verified if a.id not in failing),
        checks_conforme=conforme,
        checks_non_conforme=non_conforme,
        rate=conforme / (conforme + non_conforme) if conforme + non_conforme else None,
        new=states.count(FindingState.NEW),
        open=states.count(FindingState.OPEN),
        resolved=states.count(FindingState.RESOLVED),
    )


def _derogation(result: Result, declared: Mapping, clause: str, title: str, now: dt.datetime) -> Derogation:
    account = declared.get(result.account)
    granted = next((e for e in account.exceptions if e.check == result.check), None) if account else None
    until = granted.until if granted else None
    soon = until is not None and (until - now.date()).days <= EXPIRY_WARNING_DAYS
    reason = granted.reason if granted else (result.detail or "")
    return Derogation(result.account, result.check, title, clause, reason, until, soon)
