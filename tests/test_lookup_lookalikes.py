"""The hand-written look-alikes and neighbours (tests/lookalikes/labelled.yaml), judged by the real check.

Each account is what a look-up night would hand to `account.unregistered`: a `Discovered` found by
searching a variant on its platform, linked from no school site, with its profile (name, handle,
description, picture). Printed with the figures (run with -s): the recall of the check over the
look-alikes (target ≥ 0.9), its precision on what it flags critique (target 1.00), and the share
of the look-alike handles that the variant generator would have searched (its recall).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
import yaml
from checks_factory import NOW, logo_fingerprints, registry, settings
from factories import make_account, make_registry, make_report, make_school
from logo_variants import TRANSFORMS, load

from scanner.checks.base import Context, Discovered, ImageEvidence, Status
from scanner.checks.catalogue import CATALOGUE
from scanner.checks.runner import evaluate_discovered
from scanner.config.models import Registry
from scanner.discovery.variants import candidates, lookup_key
from scanner.net.imaging import fingerprint
from scanner.platforms.snapshot import FetchStatus, Snapshot

LABELLED = yaml.safe_load(
    (Path(__file__).parent / "lookalikes" / "labelled.yaml").read_text(encoding="utf-8")
)
LOOK_ALIKES = LABELLED["lookalikes"]
NEIGHBOURS = LABELLED["neighbours"]
# The tests' schools (tests/factories.py) beside the demo's, each with the accounts a school registers.
EXTRA_SCHOOLS = {"els": ("ELSCSNO", "els_csno"), "ebo": ("EBCSNO", "eb_csno"), "esm": ("ESCSNO", "es_csno")}
PLATFORM_LABELS = {"x": "X", "instagram": "Instagram", "youtube": "YouTube", "facebook": "Facebook"}


@cache
def world() -> Registry:
    """The demo registry plus the tests' three other schools, each with a Facebook page and an Instagram."""
    base = registry()
    schools = [make_school(school_id) for school_id in EXTRA_SCHOOLS]
    accounts = []
    for school in schools:
        page, instagram = EXTRA_SCHOOLS[school.id]
        accounts.append(
            make_account(f"{school.id}-facebook", school.id, "facebook", handle=page, official=True)
        )
        accounts.append(
            make_account(f"{school.id}-instagram", school.id, "instagram", handle=instagram, official=True)
        )
    return base.model_copy(
        update={"schools": base.schools + tuple(schools), "accounts": base.accounts + tuple(accounts)}
    )


@cache
def logo_evidence(logo_id: str, transform: str) -> ImageEvidence:
    return ImageEvidence(url="", fingerprint=fingerprint(TRANSFORMS[transform](load(logo_id))))


def judge(entry: dict) -> tuple[Status | None, str | None]:
    """The outcome of `account.unregistered` for one account found by a look-up, or (None, None)."""
    handle = entry["handle"]
    logo = entry.get("logo")
    avatar = f"https://images.test/found/{entry['platform']}/{handle.lstrip('@')}.jpg" if logo else None
    snapshot = Snapshot(
        network=entry["platform"],
        handle=handle,
        status=FetchStatus.OK,
        platform_id=f"found-{handle}",
        name=entry["name"],
        username=handle.lstrip("@"),
        description=entry.get("description") or "",
        avatar_url=avatar,
    )
    item = Discovered(
        network=entry["platform"],
        handle=handle,
        url=f"https://{entry['platform']}.test/{handle}",
        found_on=f"recherche {PLATFORM_LABELS[entry['platform']]}",
        school=None,
        snapshot=snapshot,
        variant=handle.lstrip("@"),
    )
    images = {avatar: replace(logo_evidence(logo["id"], logo["transform"]), url=avatar)} if logo else {}
    ctx = Context(world(), settings(), NOW, images=images, logos=logo_fingerprints(), discovered=(item,))
    results = evaluate_discovered(ctx)
    if not results:
        return None, None
    return results[0].status, results[0].detail


def flagged(entry: dict) -> bool:
    return judge(entry)[0] is Status.NON_CONFORME


def test_the_labelled_set_is_big_enough():
    assert len(LOOK_ALIKES) >= 30 and len(NEIGHBOURS) >= 30
    assert {e["platform"] for e in LOOK_ALIKES} == set(PLATFORM_LABELS)
    assert {e["of"] for e in LOOK_ALIKES} >= {s.id for s in world().schools} | {"board"}


def test_recall_and_precision_of_the_check(capsys):
    missed = [e for e in LOOK_ALIKES if not flagged(e)]
    wrongly = [e for e in NEIGHBOURS if flagged(e)]
    caught = len(LOOK_ALIKES) - len(missed)
    recall = caught / len(LOOK_ALIKES)
    precision = caught / (caught + len(wrongly))
    assert CATALOGUE["account.unregistered"].severity.value == "critique"
    with capsys.disabled():
        print(
            f"\nlook-alikes: recall {recall:.2f} ({caught}/{len(LOOK_ALIKES)}), "
            f"precision on critique {precision:.2f} ({len(wrongly)} neighbour(s) flagged of {len(NEIGHBOURS)})"
        )
        for entry in missed:
            print("  MISSED", entry["platform"], entry["handle"], repr(entry["name"]))
        for entry in wrongly:
            print("  FLAGGED", entry["platform"], entry["handle"], judge(entry)[1])
    assert recall >= 0.9, missed
    assert precision == 1.0, wrongly


def test_the_detail_says_how_the_account_was_found():
    status, detail = judge(next(e for e in LOOK_ALIKES if e["handle"] == "EQV_CSN0"))
    assert status is Status.NON_CONFORME
    assert "trouvé en cherchant la variante «\u00a0EQV_CSN0\u00a0» sur X" in detail


@pytest.mark.parametrize("entry", NEIGHBOURS, ids=lambda e: f"{e['platform']}:{e['handle']}")
def test_neighbours_are_not_flagged(entry):
    assert not flagged(entry)


def test_recall_of_the_variant_generator(capsys):
    """The share of the hand-written look-alike handles the generator would have searched (printed)."""
    generated = candidates(world())
    searched = {(c.platform, c.key) for c in generated}
    found, missed = [], []
    for entry in LOOK_ALIKES:
        key = (entry["platform"], lookup_key(entry["platform"], entry["handle"]))
        (found if key in searched else missed).append(entry)
    rate = len(found) / len(LOOK_ALIKES)
    with capsys.disabled():
        print(
            f"\nvariant generator: {len(found)}/{len(LOOK_ALIKES)} hand-written look-alike handles generated ({rate:.0%})"
        )
        for entry in missed:
            print("  NOT GENERATED", entry["platform"], entry["handle"])
    assert rate >= 0.5, missed


def test_the_report_lists_a_found_account_with_the_variant_searched():
    item = Discovered("x", "EQV_CSN0", "https://x.com/EQV_CSN0", "recherche X", None, variant="EQV_CSN0")
    (entry,) = make_report(make_registry(), discovered=[item]).discovered
    assert entry.why == "Trouvé en cherchant la variante «\u00a0EQV_CSN0\u00a0» sur X"
