"""The runner's uniform rules: unverified platforms, gone accounts, groups, exceptions, failing checks."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from checks_factory import account, context, good_snapshot

from scanner.checks.base import GROUP_NO_API, Status
from scanner.checks.cadence import Cadence, allowed_days, parse
from scanner.checks.catalogue import CATALOGUE, all_checks
from scanner.checks.runner import evaluate
from scanner.checks.unicode_names import french_name, skeleton, suspects
from scanner.config.models import ActivitySettings
from scanner.platforms.snapshot import unverified


def statuses(acc, snapshot, ctx=None):
    ctx = ctx or context({acc.id: snapshot} if snapshot else {})
    return {r.check: r for r in evaluate(acc, snapshot, ctx)}


def test_a_compliant_account_is_conforme_or_manual_everywhere():
    acc = account("eqv-facebook")
    got = statuses(acc, good_snapshot(acc))
    assert {r.status for r in got.values()} == {Status.CONFORME}
    assert "account.unregistered" not in got


def test_unverified_platform_never_gives_conforme_for_platform_checks():
    acc = account("eqv-x")
    got = statuses(acc, unverified("x", acc.handle, "aucun identifiant configuré pour cette plateforme"))
    for check in all_checks():
        if check.needs_platform and check.id in got:
            assert got[check.id].status is Status.NON_VERIFIABLE
            assert got[check.id].detail == "aucun identifiant configuré pour cette plateforme"
    assert got["permission.on-file"].status is Status.CONFORME


def test_group_platform_checks_are_manual():
    acc = account("eqv-4e-groupe")
    got = statuses(acc, None)
    assert got["logo.school"].status is Status.MANUEL
    assert got["logo.school"].detail == GROUP_NO_API
    assert got["admins.staff"].status is Status.NON_CONFORME


def test_a_failing_check_is_unverifiable_for_that_check_only(caplog, monkeypatch):
    def boom(*args):
        raise RuntimeError("bug")

    original = CATALOGUE["links.school"]
    monkeypatch.setitem(CATALOGUE, "links.school", dataclasses.replace(original, fn=boom))
    acc = account("eqv-x")
    with caplog.at_level(logging.ERROR):
        got = statuses(acc, good_snapshot(acc))
    assert got["links.school"].status is Status.NON_VERIFIABLE
    assert got["links.board"].status is Status.CONFORME
    assert "links.school" in caplog.text


def test_not_applicable_checks_are_not_emitted():
    acc = account("eqv-bibliotheque-youtube")
    got = statuses(acc, good_snapshot(acc))
    for check_id in ("facebook.page-kind", "name.official", "contact.school-email", "official.unique"):
        assert check_id not in got
    assert not any(r.status is Status.NON_CONFORME for r in got.values())


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("quotidien", 7),
        ("hebdomadaire", 21),
        ("Hebdomadaire (le lundi)", 21),
        ("deux fois par semaine", 21),
        ("3 fois par semaine", 21),
        ("aux deux semaines", 42),
        ("toutes les 2 semaines", 42),
        ("mensuel", 62),
        ("chaque mois", 62),
        ("une fois par mois", 62),
        ("ponctuel", None),
        ("au besoin", None),
    ],
)
def test_calendar_texts(text, days):
    cadence = parse(text)
    assert cadence is not None
    assert allowed_days(cadence, ActivitySettings()) == days


def test_unknown_calendar():
    assert parse("quand on peut") is None
    assert parse("") is None
    assert allowed_days(Cadence("x", 92), ActivitySettings()) == 184


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u0421", "U+0421 LETTRE MAJUSCULE CYRILLIQUE ES"),
        ("\u039d", "U+039D LETTRE MAJUSCULE GRECQUE NU"),
        ("\u0430", "U+0430 LETTRE MINUSCULE CYRILLIQUE A"),
        ("\u200b", "U+200B ESPACE SANS CHASSE"),
        ("\u202e", "U+202E FORÇAGE DROITE-À-GAUCHE"),
        ("\ufe0f", "U+FE0F SÉLECTEUR DE VARIANTE-16"),
        ("\uff23", "U+FF23 LETTRE MAJUSCULE LATINE C PLEINE CHASSE"),
        ("\u2603", "U+2603 (nom Unicode\u00a0: SNOWMAN)"),
    ],
)
def test_french_character_names(char, name):
    assert french_name(char) == name


def test_french_names_are_fine():
    assert suspects("École Nouvelle-Frontière 4ᵉ année_CSNO (page officielle) «\u00a0Ça\u00a0» œuvre") == []
    assert skeleton("École Héritage_\u0421S\u200bNO") == "École Héritage_CSNO"
