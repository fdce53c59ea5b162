"""The look-up planner: budgets shared across the nights of a round, costs as the platforms count them."""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path

import pytest
from checks_factory import registry

from scanner.config.load import ConfigError, load_config
from scanner.config.models import LookupSettings
from scanner.discovery.lookup_plan import (
    HANDLE,
    SEARCH,
    Lookup,
    all_lookups,
    budget,
    night_share,
    plan_night,
    record,
    shortfalls,
)
from scanner.discovery.variants import PLATFORMS
from scanner.plumbing.french import number

ROOT = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"
FIRST = dt.date(2026, 11, 24)
LOOKUPS = all_lookups(registry())


def nights(count: int, settings: LookupSettings, lookups=LOOKUPS, start=FIRST):
    """Plan and record `count` nights in a row; the plans, in order."""
    history: dict[str, dt.date] = {}
    plans = []
    for n in range(count):
        plan = plan_night(lookups, settings, start + dt.timedelta(days=n), history)
        history = record(history, plan)
        plans.append(plan)
    return plans


def test_defaults_and_budgets():
    settings = LookupSettings()
    assert settings.every_days == 7
    assert [budget(settings, p) for p in PLATFORMS] == [2_500, 2_500, 7_000, 700]


@pytest.mark.parametrize("total", [0, 1, 6, 7, 100, 1_234])
@pytest.mark.parametrize("every_days", [1, 3, 7])
def test_any_round_of_nights_shares_exactly_the_budget(total, every_days):
    shares = [night_share(total, every_days, FIRST + dt.timedelta(days=n)) for n in range(30)]
    for start in range(30 - every_days):
        assert sum(shares[start : start + every_days]) == total
    assert max(shares) <= math.ceil(total / every_days)


def test_a_sufficient_budget_looks_everything_up_once_per_round_spread_evenly():
    settings = LookupSettings(
        max_x_reads=10_000,
        max_instagram_calls=10_000,
        max_youtube_units=100_000,
        max_facebook_searches=10_000,
    )
    plans = nights(14, settings)
    for platform in PLATFORMS:
        total = sum(1 for lookup in LOOKUPS if lookup.platform == platform)
        first_round = [lookup.key for plan in plans[:7] for lookup in plan.platforms[platform].lookups]
        assert len(first_round) == len(set(first_round)) == total, platform  # each once, all of them
        spent = [plan.platforms[platform].spent for plan in plans]
        pace = plans[0].platforms[platform].pace
        assert max(spent) <= pace  # spread, not all on the first night
        assert min(spent[:6]) >= pace - YOUTUBE_MAX_SKIP  # nights are used
        second_round = [lookup.key for plan in plans[7:] for lookup in plan.platforms[platform].lookups]
        assert sorted(second_round) == sorted(first_round)  # a round later, due again
        assert {lookup.key for lookup in plans[7].platforms[platform].lookups} == {
            lookup.key for lookup in plans[0].platforms[platform].lookups
        }


YOUTUBE_MAX_SKIP = 99  # a 100-unit search that does not fit what is left of a night waits


def test_no_night_exceeds_its_share_and_the_oldest_go_first_when_the_budget_is_short():
    settings = LookupSettings(
        max_x_reads=140, max_instagram_calls=70, max_youtube_units=700, max_facebook_searches=35
    )
    plans = nights(21, settings)
    for platform in PLATFORMS:
        made = [lookup.key for plan in plans for lookup in plan.platforms[platform].lookups]
        for plan in plans:
            part = plan.platforms[platform]
            assert part.spent <= part.share == night_share(budget(settings, platform), 7, plan.night)
            assert part.deferred > 0  # the report can say the budget does not cover a round
        assert len(made) == len(set(made))  # short budget: nothing twice before everything once
    for start in range(21 - 7):
        window = plans[start : start + 7]
        assert sum(p.platforms["x"].spent for p in window) <= settings.max_x_reads


def test_the_most_plausible_first_among_the_never_looked_up():
    settings = LookupSettings(max_x_reads=70)
    chosen = plan_night(LOOKUPS, settings, FIRST).platforms["x"].lookups
    scores = [lookup.score for lookup in chosen]
    assert len(chosen) == 10 and scores == sorted(scores, reverse=True)
    assert (
        max(lookup.score for lookup in LOOKUPS if lookup.platform == "x" and lookup not in chosen)
        <= scores[-1]
    )


def test_x_is_batched_by_100_usernames_and_priced_per_read():
    settings = LookupSettings(max_x_reads=7_000)
    part = plan_night(LOOKUPS, settings, FIRST).platforms["x"]
    assert part.spent == len(part.lookups) > 100
    assert part.calls == math.ceil(len(part.lookups) / 100) == len(part.batches())
    assert all(len(batch) <= 100 for batch in part.batches())
    plan = plan_night(LOOKUPS, settings, FIRST)
    assert plan.x_cost_bound(0.01) == pytest.approx(len(part.lookups) * 0.01)


def test_youtube_units_count_handles_at_1_and_searches_at_100():
    settings = LookupSettings(max_youtube_units=70_000)
    part = plan_night(LOOKUPS, settings, FIRST).platforms["youtube"]
    searches = [lookup for lookup in part.lookups if lookup.kind == SEARCH]
    handles = [lookup for lookup in part.lookups if lookup.kind == HANDLE]
    assert searches and handles
    assert part.spent == 100 * len(searches) + len(handles) <= part.share
    assert part.calls == len(part.lookups)


def test_instagram_and_facebook_one_call_each():
    plan = plan_night(LOOKUPS, LookupSettings(), FIRST)
    instagram = plan.platforms["instagram"]
    assert (
        instagram.calls == instagram.spent == min(instagram.share, instagram.pace) == 115
    )  # 800 handles / 7
    facebook = plan.platforms["facebook"]
    assert (
        facebook.calls == facebook.spent == facebook.share == 100
    )  # 700 / 7: short of the 131 a night of pace
    assert {lookup.kind for lookup in facebook.lookups} == {
        SEARCH,
        HANDLE,
    }  # names searched first, then usernames


def test_accounts_already_found_are_not_searched_again():
    target = next(lookup for lookup in LOOKUPS if lookup.platform == "x" and lookup.text == "EQV_CSN0")
    plan = plan_night(LOOKUPS, LookupSettings(max_x_reads=70_000), FIRST, found=[("x", "@eqv_csn0")])
    assert target.key not in {lookup.key for lookup in plan.lookups()}


def test_deterministic_and_platforms_can_be_left_out():
    one = plan_night(LOOKUPS, LookupSettings(), FIRST, platforms=("x", "youtube"))
    two = plan_night(list(reversed(LOOKUPS)), LookupSettings(), FIRST, platforms=("x", "youtube"))
    assert set(one.platforms) == {"x", "youtube"}
    assert one.lookups() == two.lookups()


def test_a_zero_budget_turns_a_platform_off():
    plan = plan_night(LOOKUPS, LookupSettings(max_instagram_calls=0), FIRST)
    assert plan.platforms["instagram"].lookups == ()


def test_duplicates_are_looked_up_once():
    twice = [Lookup("x", HANDLE, "EQV_CSN0", "eqv", 0.5), Lookup("x", HANDLE, "eqv_csn0", "eqv", 0.5)]
    assert len(plan_night(twice, LookupSettings(every_days=1), FIRST).platforms["x"].lookups) == 1


# ---------------------------------------------------------------- settings.yaml


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    return tmp_path / "config"


def problems(folder: Path, lookups: str) -> list[str]:
    with (folder / "settings.yaml").open("a", encoding="utf-8") as out:
        out.write(lookups)
    try:
        load_config(folder)
    except ConfigError as error:
        return [str(problem) for problem in error.problems]
    return []


def test_lookups_settings_are_read(folder: Path):
    assert problems(folder, "lookups: {every_days: 14, max_x_reads: 500, max_youtube_units: 0}\n") == []
    settings = load_config(folder).settings.lookups
    assert (settings.every_days, settings.max_x_reads, settings.max_youtube_units) == (14, 500, 0)


def test_lookups_settings_faults_are_french_and_located(folder: Path):
    found = problems(
        folder,
        "lookups:\n  every_days: 0\n  max_x_reads: -5\n  max_youtube_units: 50\n  max_instagram_calls: beaucoup\n",
    )
    assert any(f"lookups.every_days{NBSP}: valeur trop petite (minimum{NBSP}: 1)" in p for p in found), found
    assert any(f"lookups.max_x_reads{NBSP}: valeur trop petite (minimum{NBSP}: 0)" in p for p in found), found
    assert any(
        f"lookups.max_youtube_units{NBSP}: au moins 100 unités (le prix d'une recherche YouTube)" in p
        for p in found
    ), found
    assert any(f"lookups.max_instagram_calls{NBSP}: nombre entier attendu" in p for p in found), found
    assert all(p.startswith("settings.yaml, ligne ") for p in found)


def test_the_report_can_say_when_a_budget_does_not_cover_a_round():
    settings = LookupSettings(max_x_reads=140, max_instagram_calls=100_000, max_youtube_units=0)
    plan = plan_night(LOOKUPS, settings, FIRST)
    need = plan.platforms["x"].round_cost
    assert need == sum(1 for lookup in LOOKUPS if lookup.platform == "x")
    lines = shortfalls(plan, settings)
    assert lines[0] == (
        f"Recherche de comptes semblables sur X{NBSP}: un tour de 7{NBSP}nuits demande "
        f"{number(need)}{NBSP}lectures, le budget en permet 140; les autres recherches attendent les "
        f"tours suivants. Pour tout couvrir, portez «{NBSP}lookups.max_x_reads{NBSP}» à {number(need)}."
    )
    assert not any("Instagram" in line or "YouTube" in line for line in lines)  # covered; turned off
    assert any("Facebook" in line for line in lines)  # the default 700 does not cover this registry
