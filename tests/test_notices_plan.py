"""Which notices a night calls for (pure): first, reminder, escalation, good news, nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_catalogue, make_registry, make_settings, night

from scanner.checks.base import Status
from scanner.history.findings import Finding, FindingState, finding_id
from scanner.notices.plan import NoticeKind, NoticeLog, PastNotice, Reason, plan_notices

NC, NV, MAN, C = Status.NON_CONFORME, Status.NON_VERIFIABLE, Status.MANUEL, Status.CONFORME
REGISTRY = make_registry(schools=2, accounts_per_school=2)  # eqv-facebook-0, eqv-instagram-1, eh-…
SETTINGS = make_settings()
CATALOGUE = make_catalogue()


def finding(
    account="eqv-facebook-0", check="name.suffix", status=NC, state=FindingState.NEW, since=0, **over
):
    first = night(since)
    return Finding(finding_id(account, check), account, check, status, state, first, first, **over)


def sent(school="eqv", findings=(), at=0, kind="first", minutes=1) -> PastNotice:
    when = night(at)
    return PastNotice(
        f"<{school}-{at}-{kind}>",
        school,
        kind,
        frozenset(findings),
        when,
        when + dt.timedelta(minutes=minutes),
    )


def plan(findings, now=0, log=None, **kwargs):
    return plan_notices(
        findings, REGISTRY, SETTINGS, night(now), log or NoticeLog(), catalogue=CATALOGUE, **kwargs
    )


def log_of(*notices: PastNotice, pending=()) -> NoticeLog:
    last = {n.school: n for n in notices}
    escalations = {n.school: n for n in notices if n.kind == "escalation"}
    return NoticeLog(last_sent=last, last_escalation=escalations, pending_schools=frozenset(pending))


def test_new_non_conformity_is_notified_at_once_to_the_principal_admins_in_copy() -> None:
    [notice] = plan([finding()])
    assert notice.kind is NoticeKind.FIRST
    assert notice.school.id == "eqv"
    assert [p.email for p in notice.to] == ["direction.eqv@csno.ab.ca"]
    assert [p.email for p in notice.cc] == ["julie.cote@csno.ab.ca", "luc.roy@csno.ab.ca"]
    [item] = notice.items
    assert item.reason is Reason.NEW
    assert item.check.fix.startswith("Renommer le compte")
    assert item.check.clause == "§5.d"
    assert notice.findings == (finding_id("eqv-facebook-0", "name.suffix"),)


def test_one_notice_per_school_listing_only_its_accounts() -> None:
    findings = [
        finding("eqv-facebook-0"),
        finding("eqv-instagram-1", "admins.count"),
        finding("eh-facebook-0", "logo.school"),
    ]
    notices = plan(findings)
    assert [n.school.id for n in notices] == ["eqv", "eh"]
    assert {i.account.school for i in notices[0].items} == {"eqv"}
    assert len(notices[0].items) == 2
    assert [i.account.id for i in notices[1].items] == ["eh-facebook-0"]
    assert [p.email for p in notices[1].to] == ["direction.eh@csno.ab.ca"]


def test_nothing_new_and_no_reminder_due_sends_nothing() -> None:
    f = finding(state=FindingState.OPEN)
    assert plan([f], now=3, log=log_of(sent(findings=[f.id], at=0))) == []
    assert plan([]) == []


def test_reminder_every_reminder_days_since_the_last_notice_about_it() -> None:
    f = finding(state=FindingState.OPEN)
    assert plan([f], now=6, log=log_of(sent(findings=[f.id], at=0))) == []
    [notice] = plan([f], now=7, log=log_of(sent(findings=[f.id], at=0)))
    assert notice.kind is NoticeKind.REMINDER
    assert notice.items[0].reason is Reason.REMINDER
    assert [p.email for p in notice.to] == ["direction.eqv@csno.ab.ca"]
    # counted from the last notice about it, not from first_seen
    assert plan([f], now=10, log=log_of(sent(findings=[f.id], at=7))) == []


def test_reminder_counts_local_calendar_days_not_hours() -> None:
    f = finding(state=FindingState.OPEN)
    late = sent(findings=[f.id], at=0, minutes=40)  # sent at 04:40 on night 0
    early_now = night(7) - dt.timedelta(minutes=1)  # 03:59 on night 7: not quite 7×24 h
    [notice] = plan_notices([f], REGISTRY, SETTINGS, early_now, log_of(late), catalogue=CATALOGUE)
    assert notice.kind is NoticeKind.REMINDER


def test_escalation_once_then_reminders_to_the_principal() -> None:
    f = finding(state=FindingState.OPEN)
    [notice] = plan([f], now=30, log=log_of(sent(findings=[f.id], at=28)))
    assert notice.kind is NoticeKind.ESCALATION
    assert [p.email for p in notice.to] == ["dg@csno.ab.ca"]
    assert [p.email for p in notice.cc] == [
        "communications@csno.ab.ca",
        "direction.eqv@csno.ab.ca",
        "julie.cote@csno.ab.ca",
        "luc.roy@csno.ab.ca",
    ]
    assert notice.items[0].reason is Reason.ESCALATION
    escalation = sent(findings=[f.id], at=30, kind="escalation")
    assert plan([f], now=31, log=log_of(escalation)) == []  # escalated once only
    [reminder] = plan([f], now=37, log=log_of(escalation))
    assert reminder.kind is NoticeKind.REMINDER
    assert [p.email for p in reminder.to] == ["direction.eqv@csno.ab.ca"]


def test_a_new_occurrence_is_escalated_again() -> None:
    old_escalation = sent(findings=[finding_id("eqv-facebook-0", "name.suffix")], at=30, kind="escalation")
    reopened = finding(since=40, state=FindingState.OPEN)
    last = sent(findings=[reopened.id], at=40)
    log = NoticeLog(last_sent={"eqv": last}, last_escalation={"eqv": old_escalation})
    [notice] = plan([reopened], now=70, log=log)
    assert notice.kind is NoticeKind.ESCALATION


def test_kind_of_a_combined_notice_is_the_highest() -> None:
    old = finding("eqv-facebook-0", state=FindingState.OPEN)
    due = finding("eqv-instagram-1", "admins.count", state=FindingState.OPEN, since=20)
    new = finding("eqv-instagram-1", "logo.school", since=30)
    log = log_of(sent(findings=[old.id, due.id], at=23))
    [notice] = plan([new, due, old], now=30, log=log)
    assert notice.kind is NoticeKind.ESCALATION
    assert [i.reason for i in notice.items] == [Reason.ESCALATION, Reason.NEW, Reason.REMINDER]
    [notice] = plan([new, due], now=30, log=log_of(sent(findings=[due.id], at=23)))
    assert notice.kind is NoticeKind.REMINDER


def test_still_open_findings_are_listed_when_a_notice_goes_anyway() -> None:
    old = finding("eqv-facebook-0", state=FindingState.OPEN)
    new = finding("eqv-instagram-1", "admins.count", since=3)
    [notice] = plan([old, new], now=3, log=log_of(sent(findings=[old.id], at=0)))
    assert notice.kind is NoticeKind.FIRST
    assert {i.finding_id: i.reason for i in notice.items} == {new.id: Reason.NEW, old.id: Reason.OPEN}
    assert set(notice.findings) == {old.id, new.id}


@pytest.mark.parametrize("status", [NV, MAN])
def test_an_unverifiable_night_triggers_nothing_and_resolves_nothing(status: Status) -> None:
    f = finding(status=status, state=FindingState.OPEN)
    log = log_of(sent(findings=[f.id], at=0))
    assert plan([f], now=10, log=log) == []  # no reminder of its own
    assert plan([f], now=45, log=log) == []  # nor escalation
    new = finding("eqv-instagram-1", "admins.count", since=10)
    [notice] = plan([f, new], now=10, log=log)
    assert notice.resolved == ()  # still open, not good news
    [listed] = [i for i in notice.items if i.finding_id == f.id]
    assert listed.reason is Reason.OPEN and not listed.judged


def test_resolved_since_the_last_notice_is_good_news_in_the_next_notice() -> None:
    gone = finding("eqv-facebook-0", state=FindingState.RESOLVED, status=C, resolved_at=night(2))
    earlier = finding_id("eqv-instagram-1", "admins.count")  # resolved on an earlier night
    log = log_of(sent(findings=[gone.id, earlier], at=0))
    assert plan([gone], now=2, log=log) == []  # good news alone sends nothing
    new = finding("eqv-instagram-1", "logo.school", since=2)
    [notice] = plan([gone, new], now=2, log=log)
    assert {(i.account.id, i.check.id) for i in notice.resolved} == {
        ("eqv-facebook-0", "name.suffix"),
        ("eqv-instagram-1", "admins.count"),
    }
    assert all(i.reason is Reason.RESOLVED for i in notice.resolved)
    assert notice.findings == (new.id,)  # resolved ones are not recorded as notified


def test_school_with_a_notice_waiting_gets_no_new_one() -> None:
    notices = plan([finding(), finding("eh-facebook-0")], log=log_of(pending=["eqv"]))
    assert [n.school.id for n in notices] == ["eh"]


def test_unknown_accounts_and_checks_are_skipped() -> None:
    assert plan([finding("ghost-account"), finding(check="no.such-check")]) == []


def test_principal_who_is_also_an_admin_is_not_copied_twice() -> None:
    from factories import make_account

    from scanner.config.models import Admin

    account = make_account(
        "eqv-x-9", "eqv", "x",
        admins=(Admin(name="Direction EQV", email="Direction.EQV@csno.ab.ca", role="direction"),
                Admin(name="Julie Côté", email="julie.cote@csno.ab.ca", role="enseignant")),
    )  # fmt: skip
    registry = make_registry(schools=1, accounts_per_school=1, extra=[account])
    [notice] = plan_notices(
        [finding("eqv-x-9")], registry, SETTINGS, night(0), NoticeLog(), catalogue=CATALOGUE
    )
    assert [p.email for p in notice.cc] == ["julie.cote@csno.ab.ca"]


def test_a_recommendation_is_never_in_a_notice_nor_escalated() -> None:
    """links.board is `info` in this catalogue: a recommendation, even open for 40 nights."""
    recommendation = finding(check="links.board", state=FindingState.OPEN, since=0)
    assert plan([recommendation], now=40) == []
    [notice] = plan([recommendation, finding(check="admins.count", since=40)], now=40)
    assert [item.check.id for item in notice.items] == ["admins.count"]
    assert notice.kind is NoticeKind.FIRST
