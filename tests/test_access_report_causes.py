"""The report groups the checks a missing permission leaves undecided, so the technician fixes
the cause once (issue 12, item 3)."""

from __future__ import annotations

from dataclasses import replace

from factories import make_registry, make_report

from scanner.checks.base import Status
from scanner.platforms import facebook_reasons
from scanner.report.html_report import ReportView, render_html, render_text
from scanner.report.model import CheckNote


def test_one_box_per_cause_naming_the_checks_and_the_accounts():
    report = make_report(make_registry())
    accounts = [a.id for a in report.accounts][:3]
    notes = tuple(
        CheckNote(
            account,
            "activity.calendar",
            "Activité selon le calendrier",
            Status.NON_VERIFIABLE,
            facebook_reasons.NO_CONTENT_ACCESS,
        )
        for account in accounts
    ) + (
        CheckNote(
            accounts[0], "admins.platform", "Administrateurs réels", Status.NON_VERIFIABLE, "autre raison"
        ),
    )
    view = ReportView(replace(report, unverifiable_checks=notes))
    assert len(view.cause_groups) == 1  # a reason met once stays beside its account
    group = view.cause_groups[0]
    assert [a.id for a in group.accounts] == accounts and group.checks == ("Activité selon le calendrier",)
    html = render_html(view)
    assert "Page Public Content Access" in html and "Activité selon le calendrier non vérifiable" in html


def test_the_nights_x_cost_is_in_the_report_header():
    note = "Coût estimé de la nuit sur X\u00a0: 0,075\u00a0$\u00a0US (5 comptes et 5 publications lus)"
    view = ReportView(replace(make_report(make_registry()), platform_notes=(note,)))
    assert note in render_html(view).replace("&nbsp;", "\u00a0")
    assert note.replace("\u00a0", " ") in render_text(view).replace("\u00a0", " ")
