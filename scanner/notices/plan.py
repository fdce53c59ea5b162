"""Which follow-up notices tonight calls for: pure (findings, registry, settings, clock, log in).

Rules (SPEC.md, « Notices »; DA 142 §5.i):

- At most one e-mail per school (so per principal) per run, about that school's
  accounts only. It lists every open non-conformity of the school, most urgent
  first, so that the last notice sent to a school is always the full picture.
- A *non-conformity* is a finding that is `non_conforme` tonight. A finding still
  open but `non_verifiable` or `manuel` tonight is listed (it is not resolved)
  but never triggers a notice of its own; `derogation` resolves a finding.
- Triggers: a finding never notified in its current occurrence (`first`); a
  finding whose last notice is `reminder_days` local calendar days old
  (`reminder`); a finding open for `escalate_days` days or more and not yet
  escalated in this occurrence (`escalation`: once per finding; reminders then
  go on as before). The e-mail's kind is the highest of its triggers:
  escalation > reminder > first. No trigger, no e-mail.
- A recommendation (a check of severity `info`, such as `logo.board`) is never in a
  notice and never escalated: the coordinator's report lists it under « Recommandations ».
- A finding in the school's last notice that is no longer open is good news:
  listed once, in the next notice that goes out anyway.
- Publications (content checks, keyed by post). A student's personal information or obscenity
  is a finding like any other: in the school's next notice, with the post's link. French errors
  (`content.french`) go into a weekly digest: they are listed, and trigger a notice, only on
  `content.digest_weekday` (in `timezone`), each once (those found in the seven days before),
  never reminded and never escalated. What a principal must look at (faces, a possibly
  confidential topic: `manuel`, never a finding) rides along under « À vérifier » in the school's
  next first or reminder notice, and triggers one on the digest day; never in an escalation.
- A school with a notice still waiting to be sent (a temporary SMTP failure, an
  interrupted run) gets no new one until that one is through: the retry comes
  first, and one run never sends a principal two e-mails.

What was notified is recorded per notice (its kind and the ids of the open
findings it listed); from the school's last notice and last escalation the next
run knows, per finding, when it was last notified and whether it was escalated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from scanner.checks.base import Check, PostRef, Severity, Status
from scanner.checks.catalogue import all_checks
from scanner.config.models import Account, Person, Registry, School, Settings
from scanner.history.findings import Finding, FindingState, finding_id
from scanner.history.posts import Review
from scanner.plumbing.french import days_between, local_date

DIGESTED = "content.french"  # in the weekly digest only
DIGEST_DAYS = 7


class NoticeKind(StrEnum):
    FIRST = "first"
    REMINDER = "reminder"
    ESCALATION = "escalation"

    @property
    def rank(self) -> int:
        return list(NoticeKind).index(self)


class Reason(StrEnum):
    """Why a finding is in tonight's notice."""

    ESCALATION = "escalation"  # open for escalate_days: reported to the direction générale
    NEW = "new"  # never notified in this occurrence
    REMINDER = "reminder"  # last notified reminder_days ago or more
    OPEN = "open"  # still open, listed for completeness (or not verifiable tonight)
    RESOLVED = "resolved"  # in the last notice, no longer open

    @property
    def rank(self) -> int:
        return list(Reason).index(self)


TRIGGER_KIND = {
    Reason.NEW: NoticeKind.FIRST,
    Reason.REMINDER: NoticeKind.REMINDER,
    Reason.ESCALATION: NoticeKind.ESCALATION,
}


@dataclass(frozen=True)
class PastNotice:
    """A notice from an earlier run, as the plan needs it."""

    id: str
    school: str
    kind: str
    findings: frozenset[str]
    created_at: dt.datetime
    sent_at: dt.datetime | None = None


@dataclass(frozen=True)
class NoticeLog:
    """What was notified before: per school, the last notice sent and the last escalation sent."""

    last_sent: Mapping[str, PastNotice] = field(default_factory=dict)
    last_escalation: Mapping[str, PastNotice] = field(default_factory=dict)
    pending_schools: frozenset[str] = frozenset()  # a notice recorded but not yet sent


@dataclass(frozen=True)
class NoticeItem:
    finding_id: str
    account: Account
    check: Check
    reason: Reason
    status: Status  # tonight's
    first_seen: dt.datetime | None
    age_days: int  # local calendar days since first_seen
    detail: str | None = None
    resolved_at: dt.datetime | None = None
    post: PostRef | None = None  # a content finding's publication

    @property
    def judged(self) -> bool:
        return self.status is Status.NON_CONFORME


@dataclass(frozen=True)
class ReviewItem:
    """« À vérifier » in a notice: a post's faces or possibly confidential topic (`manuel`)."""

    account: Account
    check: Check
    post_id: str
    permalink: str | None
    detail: str | None
    created: dt.datetime | None = None  # when the post was published


@dataclass(frozen=True)
class Notice:
    school: School
    kind: NoticeKind
    to: tuple[Person, ...]
    cc: tuple[Person, ...]
    items: tuple[NoticeItem, ...]  # open findings, most urgent first
    resolved: tuple[NoticeItem, ...] = ()
    reminder_days: int = 7
    escalate_days: int = 30
    reviews: tuple[ReviewItem, ...] = ()  # « À vérifier »: never counted as points à corriger
    digest: bool = False  # the weekly digest day (French errors listed)

    @property
    def findings(self) -> tuple[str, ...]:
        """The ids recorded with the notice: every open finding it listed."""
        return tuple(item.finding_id for item in self.items)

    @property
    def recipients(self) -> tuple[str, ...]:
        return tuple(person.email for person in self.to + self.cc)

    def with_reason(self, *reasons: Reason) -> tuple[NoticeItem, ...]:
        return tuple(item for item in self.items if item.reason in reasons)


def plan_notices(
    findings: Sequence[Finding],
    registry: Registry,
    settings: Settings,
    now: dt.datetime,
    notice_log: NoticeLog,
    *,
    catalogue: Mapping[str, Check] | None = None,
    reviews: Sequence[Review] = (),
) -> list[Notice]:
    """Tonight's notices, one per school at most, in the registry's order of schools."""
    if catalogue is None:
        catalogue = {check.id: check for check in all_checks()}
    accounts = {account.id: account for account in registry.accounts}
    by_school: dict[str, list[Finding]] = {}
    for finding in findings:
        account = accounts.get(finding.account)
        check = catalogue.get(finding.check)
        if account is not None and check is not None and check.severity is not Severity.INFO:
            by_school.setdefault(account.school, []).append(finding)
    to_review: dict[str, list[ReviewItem]] = {}
    for review in reviews:
        account = accounts.get(review.account)
        if account is not None and review.check in catalogue:
            to_review.setdefault(account.school, []).append(
                ReviewItem(
                    account,
                    catalogue[review.check],
                    review.post_id,
                    review.permalink,
                    review.detail,
                    review.created,
                )
            )
    notices = []
    for school in registry.schools:
        if school.id in notice_log.pending_schools:
            continue
        notice = _plan_school(
            school, by_school.get(school.id, []), accounts, registry, settings, now, notice_log,
            catalogue, tuple(to_review.get(school.id, ())),
        )  # fmt: skip
        if notice is not None:
            notices.append(notice)
    return notices


def _plan_school(
    school: School,
    findings: Sequence[Finding],
    accounts: Mapping[str, Account],
    registry: Registry,
    settings: Settings,
    now: dt.datetime,
    log: NoticeLog,
    catalogue: Mapping[str, Check],
    reviews: tuple[ReviewItem, ...] = (),
) -> Notice | None:
    open_findings = [f for f in findings if f.state in (FindingState.NEW, FindingState.OPEN)]
    digest = local_date(now, settings.timezone).weekday() == settings.content.digest_weekday
    items = [
        _open_item(f, accounts[f.account], catalogue[f.check], settings, now, log.last_sent.get(school.id),
                   log.last_escalation.get(school.id))
        for f in open_findings
        if f.check != DIGESTED
    ]  # fmt: skip
    if digest:  # the week's French errors, each once
        items += [
            replace(_open_item(f, accounts[f.account], catalogue[f.check], settings, now, None, None),
                    reason=Reason.NEW)
            for f in open_findings
            if f.check == DIGESTED and f.status is Status.NON_CONFORME
            and days_between(f.first_seen, now, settings.timezone) < DIGEST_DAYS
        ]  # fmt: skip
    triggers = [TRIGGER_KIND[item.reason] for item in items if item.reason in TRIGGER_KIND]
    if digest and reviews:
        triggers.append(NoticeKind.FIRST)
    if not triggers:
        return None
    kind = max(triggers, key=lambda k: k.rank)
    items.sort(key=_urgency)
    resolved = _resolved(
        school, findings, {f.id for f in open_findings}, registry, log, catalogue, settings, now
    )
    to, cc = _recipients(kind, school, registry, [item.account for item in items])
    return Notice(
        school=school,
        kind=kind,
        to=to,
        cc=cc,
        items=tuple(items),
        resolved=resolved,
        reminder_days=settings.escalation.reminder_days,
        escalate_days=settings.escalation.escalate_days,
        reviews=() if kind is NoticeKind.ESCALATION else reviews,
        digest=digest,
    )


def _open_item(
    finding: Finding,
    account: Account,
    check: Check,
    settings: Settings,
    now: dt.datetime,
    last: PastNotice | None,
    last_escalation: PastNotice | None,
) -> NoticeItem:
    zone = settings.timezone
    rules = settings.escalation
    age = days_between(finding.first_seen, now, zone)
    notified_at = _notified_at(finding, last)
    escalated = (
        last_escalation is not None
        and finding.id in last_escalation.findings
        and last_escalation.created_at >= finding.first_seen
        and days_between(finding.first_seen, last_escalation.created_at, zone) >= rules.escalate_days
    )
    judged = finding.status is Status.NON_CONFORME
    if judged and age >= rules.escalate_days and not escalated:
        reason = Reason.ESCALATION
    elif judged and notified_at is None:
        reason = Reason.NEW
    elif judged and notified_at is not None and days_between(notified_at, now, zone) >= rules.reminder_days:
        reason = Reason.REMINDER
    else:
        reason = Reason.OPEN
    return NoticeItem(
        finding.id, account, check, reason, finding.status, finding.first_seen, age, finding.detail,
        post=finding.post,
    )  # fmt: skip


def _notified_at(finding: Finding, last: PastNotice | None) -> dt.datetime | None:
    """When the school last heard about this finding (in its current occurrence), if ever."""
    if last is None or finding.id not in last.findings or last.created_at < finding.first_seen:
        return None
    return last.sent_at or last.created_at


def _urgency(item: NoticeItem) -> tuple:
    return (
        item.reason.rank,
        0 if item.judged else 1,
        item.check.severity.rank,
        -item.age_days,
        item.account.id,
        item.check.id,
    )


def _resolved(
    school: School,
    findings: Sequence[Finding],
    still_open: set[str],
    registry: Registry,
    log: NoticeLog,
    catalogue: Mapping[str, Check],
    settings: Settings,
    now: dt.datetime,
) -> tuple[NoticeItem, ...]:
    """Findings listed in the school's last notice that are no longer open: the good news."""
    last = log.last_sent.get(school.id)
    if last is None:
        return ()
    tonight = {f.id: f for f in findings if f.state is FindingState.RESOLVED}
    pairs = _pairs(registry.accounts_of(school.id), catalogue)
    items = []
    for fid in sorted(last.findings - still_open):
        finding = tonight.get(fid)
        pair = (finding.account, finding.check) if finding else pairs.get(fid)
        if pair is None or catalogue[pair[1]].severity is Severity.INFO:  # removed account; recommendation
            continue
        account = next(a for a in registry.accounts if a.id == pair[0])
        check = catalogue[pair[1]]
        first_seen = finding.first_seen if finding else None
        age = days_between(first_seen, now, settings.timezone) if first_seen else 0
        items.append(
            NoticeItem(fid, account, check, Reason.RESOLVED, finding.status if finding else Status.CONFORME,
                       first_seen, age, resolved_at=finding.resolved_at if finding else None)
        )  # fmt: skip
    return tuple(sorted(items, key=lambda i: (i.account.id, i.check.id)))


def _pairs(accounts: Iterable[Account], catalogue: Mapping[str, Check]) -> dict[str, tuple[str, str]]:
    """finding id -> (account, check), for the ids a past notice recorded."""
    return {finding_id(a.id, c): (a.id, c) for a in accounts for c in catalogue}


def _recipients(
    kind: NoticeKind, school: School, registry: Registry, accounts: Iterable[Account]
) -> tuple[tuple[Person, ...], tuple[Person, ...]]:
    """first/reminder: To the principal, Cc the admins; escalation: To the DG, Cc the coordinator,
    the principal and the admins (the principal is never left out of what is said about the school)."""
    admins: list[Person] = []
    for account in accounts:
        admins.extend(Person(name=admin.name, email=admin.email) for admin in account.admins)
    board = registry.board
    if kind is NoticeKind.ESCALATION:
        to = (board.direction_generale,)
        cc = [board.coordinator, school.principal, *admins]
    else:
        to = (school.principal,)
        cc = admins
    return to, tuple(_unique(cc, exclude={p.email.lower() for p in to}))


def _unique(people: Iterable[Person], exclude: set[str]) -> list[Person]:
    seen = set(exclude)
    out = []
    for person in people:
        key = person.email.lower()
        if key not in seen:
            seen.add(key)
            out.append(person)
    return out
