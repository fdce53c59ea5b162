"""The look-alike look-ups in the night (issue 17, item 3): made through the platforms' real calls on the
sandbox, before the reads; found accounts judged by `account.unregistered`, remembered in SQLite and
re-read on later nights without being searched again; what could not be searched said in French."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from checks_factory import registry
from hardening_world import HardWorld

from scanner.discovery.lookup_plan import all_lookups
from scanner.discovery.lookups import cached_lookups
from scanner.history.store import History
from scanner.platforms.facebook_search import SEARCH_REFUSED

ROUND_IN_ONE_NIGHT = {  # the whole round every night: what a night finds does not depend on its date
    "every_days": 1,
    "max_x_reads": 5_000,
    "max_youtube_units": 10_000,
    "max_instagram_calls": 5_000,
    "max_facebook_searches": 5_000,
}


@pytest.fixture
def hw(tmp_path):
    world = HardWorld(tmp_path)
    yield world
    world.stop()


def started(hw: HardWorld, **lookups) -> HardWorld:
    hw.start()
    hw.write_config(lookups={**ROUND_IN_ONE_NIGHT, **lookups})
    return hw


def report(outcome) -> dict:
    return json.loads(Path(outcome.report_json).read_text(encoding="utf-8"))


def flagged(data: dict) -> dict[str, str]:
    return {
        f["account"]: f["detail"]
        for f in data["findings"]
        if f["check"] == "account.unregistered" and f["status"] == "non_conforme"
    }


def usernames_asked(hw: HardWorld) -> list[str]:
    return [
        name.lower() for r in hw.sandbox.requests_to("x.users") for name in r.query["usernames"].split(",")
    ]


def test_look_alikes_are_found_judged_and_remembered(hw):
    started(hw)
    first = hw.run(night=0)
    data = report(first)
    found = flagged(data)
    assert set(found) == {
        "decouvert:x:EQV_CSN0",
        "decouvert:instagram:ecole.heritage.csno",
        "decouvert:facebook:EcoleHeritage",
    }
    assert "trouvé en cherchant la variante «\u00a0EQV_CSN0\u00a0» sur X" in found["decouvert:x:EQV_CSN0"]
    # the neighbours were found and read, and are not flagged
    listed = {(d["network"], d["handle"]) for d in data["discovered"]}
    assert {("x", "QuatreVents"), ("facebook", "CampingQuatreVents")} <= listed
    assert ("youtube", "UCq3HeritageDaysFestival") in listed  # by the search « École Héritage »
    # every X look-up went in batches of 100; the impostor was asked by the look-up, then read once
    assert all(len(r.query["usernames"].split(",")) <= 100 for r in hw.sandbox.requests_to("x.users"))
    assert usernames_asked(hw).count("eqv_csn0") == 2
    with sqlite3.connect(hw.state_dir / "history.sqlite3") as conn:
        rows = dict(conn.execute("SELECT handle, variant FROM lookup_found"))
        made = conn.execute("SELECT count(*) FROM lookups").fetchone()[0]
    assert rows["EQV_CSN0"] == "EQV_CSN0" and rows["ecole.heritage.csno"] == "ecole.heritage.csno"
    assert made > 500

    hw.sandbox.clear_log()
    second = hw.run(night=1)
    assert set(flagged(report(second))) == set(found)
    assert usernames_asked(hw).count("eqv_csn0") == 1  # re-read with the others, never searched again
    asked = "business_discovery.username(ecole.heritage.csno){"
    discovery = [r for r in hw.sandbox.requests_to("graph.ig_discovery") if asked in r.query["fields"]]
    assert len(discovery) == 1, [r.query["fields"][:200] for r in discovery]


def test_the_night_reports_what_it_searched(hw):
    started(hw)
    notes = " ".join(report(hw.run(night=0))["platform_notes"])
    assert "Recherche de comptes semblables cette nuit\u00a0: X" in notes
    assert "Coût estimé de la nuit sur X" in notes  # the look-ups' users are in X's bill


def test_facebook_without_page_public_metadata_access_is_not_searched_and_the_report_says_why(hw):
    """Realistic Graph: the app lacks Page Public Metadata Access; the token manages the board's page."""
    hw.world["facebook"]["app"] = {"id": "1200000000000001", "name": "Vigie CSNO", "features": []}
    hw.world["facebook"]["tokens"] = [
        {
            "token": hw.world["facebook"]["valid_tokens"][0],
            "kind": "system_user",
            "permissions": [
                "pages_show_list",
                "pages_read_engagement",
                "business_management",
                "instagram_basic",
            ],
            "manages": ["100000000000101"],
        }
    ]
    started(hw, every_days=7)  # a refusal is asked again once a round has passed: not before
    first = hw.run(night=0)
    searches = hw.sandbox.requests_to("graph.pages_search")
    assert len(searches) <= 1 and all(r.status == 400 for r in searches)  # one refusal at most, then none
    text = " ".join(report(first)["platform_notes"])
    assert SEARCH_REFUSED in text and "App Review" in text
    assert "decouvert:facebook:EcoleHeritage" not in flagged(report(first))

    hw.sandbox.clear_log()
    second = hw.run(night=1)
    assert hw.sandbox.requests_to("graph.pages_search") == []
    assert not [r for r in hw.sandbox.requests_to("graph.ids") if "EcoleHeritage" in r.query.get("ids", "")]
    assert SEARCH_REFUSED in " ".join(report(second)["platform_notes"])


def test_a_spent_youtube_quota_stops_the_search_and_leaves_it_due(hw):
    """The first YouTube look-up (asked alone) meets a spent quota: no other look-up call is sent."""
    started(hw)
    hw.sandbox.faults.set("youtube", quota_exceeded=1)
    first = hw.run(night=0)
    notes = " ".join(report(first)["platform_notes"])
    assert "La recherche de comptes semblables sur YouTube n’a pas pu être faite" in notes
    assert "quota" in notes
    assert hw.sandbox.requests_to("youtube.search") == []  # no call after the refusal
    with History.in_state_dir(hw.state_dir) as history:
        made = history.conn.execute("SELECT count(*) FROM lookups WHERE key LIKE 'youtube:%'").fetchone()[0]
        other = history.conn.execute("SELECT count(*) FROM lookups WHERE key LIKE 'x:%'").fetchone()[0]
    assert made == 0 and other > 0  # YouTube's look-ups are all due again tomorrow; the others were made


def test_a_dry_run_leaves_the_lookups_memory_as_it_was(hw):
    started(hw)
    hw.run(night=0, dry_run=True)
    with sqlite3.connect(hw.state_dir / "history.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM lookup_found").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM lookups").fetchone()[0] == 0


def test_the_rounds_look_ups_are_kept_between_nights_until_the_registry_changes(tmp_path):
    path = tmp_path / "cache" / "lookups.json"
    made = cached_lookups(registry(), path)
    assert made == all_lookups(registry()) and path.exists()
    kept = path.read_bytes()
    assert cached_lookups(registry(), path) == made  # read back, not made again
    assert path.read_bytes() == kept
    renamed = registry().model_copy(
        update={
            "schools": (registry().schools[0].model_copy(update={"name": "École des Cinq-Vents"}),)
            + registry().schools[1:]
        }
    )
    assert cached_lookups(renamed, path) == all_lookups(renamed) != made  # another registry: made again
    path.write_text("{not json", encoding="utf-8")
    assert cached_lookups(registry(), path) == made  # an unreadable file is made again
