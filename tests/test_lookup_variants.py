"""The look-alike handles generated from the registry: shapes, platform rules, ranking, caps."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from checks_factory import registry
from factories import make_registry

from scanner.discovery.variants import (
    BOARD,
    CAP_PER_PLATFORM,
    PLATFORMS,
    RULES,
    candidates,
    lookup_key,
    mutations,
    name_queries,
)

SHAPES = {
    "x": re.compile(r"[A-Za-z0-9_]{1,15}"),
    "instagram": re.compile(r"(?!.*\.\.)(?!\.)[a-z0-9._]{1,30}(?<!\.)"),
    "youtube": re.compile(r"[A-Za-z0-9._-]{3,30}"),
    "facebook": re.compile(r"[A-Za-z0-9.]{5,50}"),
}


def generated(reg=None, cap=CAP_PER_PLATFORM):
    out = defaultdict(list)
    for candidate in candidates(reg or registry(), cap=cap):
        out[candidate.owner, candidate.platform].append(candidate)
    return out


def handles(owner: str, platform: str) -> set[str]:
    return {c.key for c in generated()[owner, platform]}


def test_every_school_and_the_board_get_candidates_on_every_platform():
    found = generated()
    for owner in [s.id for s in registry().schools] + [BOARD]:
        for platform in PLATFORMS:
            assert len(found[owner, platform]) == CAP_PER_PLATFORM, (owner, platform)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_candidates_follow_the_platforms_handle_rules(platform):
    for (_, on), found in generated().items():
        if on == platform:
            for candidate in found:
                assert SHAPES[platform].fullmatch(candidate.handle), candidate
                assert candidate.handle.isascii()  # accents removed


def test_registered_handles_are_never_candidates():
    for account in registry().accounts:
        platform = account.network.platform
        key = lookup_key(platform, account.handle)
        assert all(c.key != key for c in candidates(registry()) if c.platform == platform), account.handle


def test_facebook_ignores_periods_and_case():
    assert lookup_key("facebook", "EQV.CSNO") == lookup_key("facebook", "eqvcsno")
    assert "eqvcsno" not in handles("eqv", "facebook")  # registered as EQVCSNO
    assert lookup_key("instagram", "eqv.csno") != lookup_key("instagram", "eqvcsno")


def test_the_shapes_impostors_use_are_generated():
    x = handles("eqv", "x")
    assert {"eqv_csn0", "csno_eqv", "eqvofficiel", "eqvcsno", "eqv_parents", "4vents_csno", "ecoleeqv"} <= x
    instagram = handles("eqv", "instagram")
    assert {"eqv.csno", "eqvcsno", "ecoledesquatrevents", "eqv_csno_officiel", "eqv_csno_"} <= instagram
    assert {"ecole_heritage", "ecoleheritage.csno", "ecoleheritage_csno_", "ecoleheritage"} <= handles(
        "eh", "instagram"
    )
    assert {"enf-csno", "ecolenouvellefrontiere", "enfinfo"} <= handles("enf", "youtube")
    assert {"csnoofficiel", "csno_info", "conseilscolairenordouest", "csno_ab"} <= handles(
        BOARD, "x"
    ) | handles(BOARD, "youtube")


def test_platform_separators():
    assert not any("." in h or "-" in h for h in handles("eqv", "x"))
    assert any("-" in h for h in handles("eqv", "youtube"))
    assert not any("-" in h for h in handles("eqv", "instagram"))
    assert all(h == h.lower() for h in handles("eqv", "instagram"))


def test_one_character_mutations():
    changed = {text: how for text, _, how in mutations("EQV_CSNO")}
    assert changed["EQV_CSN0"] == "O→0"
    assert "EQQV_CSNO" in changed and "EQ_CSNO" in changed and "QEV_CSNO" in changed
    assert "EQV_CSNO_" in changed
    assert "Sornmet" in {text for text, _, _ in mutations("Sommet")}
    assert {"Eco1e", "EcoIe", "Ecolle", "Ecle", "Eocle"} <= {text for text, _, _ in mutations("Ecole")}
    assert "Ecole" in {text for text, _, _ in mutations("EcoIe")}


def test_ranked_by_plausibility_and_deterministic():
    first, second = candidates(registry()), candidates(registry())
    assert first == second
    for found in generated().values():
        scores = [c.score for c in found]
        assert scores == sorted(scores, reverse=True)
        assert 0 < scores[-1] <= scores[0] <= 1
    x = [c.key for c in generated()["eqv", "x"]]
    assert (
        x.index("eqvcsno") < x.index("eqv_csn0") < x.index("eqqv_csno")
    )  # the registered spelling, then one off


def test_caps_per_school_and_platform():
    capped, full = generated(cap=7), generated()
    for group, found in capped.items():
        assert found == full[group][:7]  # the cap keeps the most plausible


def test_no_duplicate_handle_within_a_school_and_platform():
    for found in generated().values():
        keys = [c.key for c in found]
        assert len(keys) == len(set(keys))


def test_a_bigger_registry():
    reg = make_registry(schools=6, accounts_per_school=5)
    found = generated(reg)
    assert {owner for owner, _ in found} == {s.id for s in reg.schools} | {BOARD}
    assert "ecoledusommet" in {c.key for c in found["esm", "instagram"]}
    assert any(RULES["x"].valid(c.handle) for c in found["esm", "x"])


def test_name_queries():
    queries = name_queries(registry())
    assert ("eqv", "École des Quatre-Vents") in queries
    assert ("eh", "EH CSNO") in queries
    assert ("board", "Conseil scolaire du Nord-Ouest") in queries
    assert max(sum(1 for o, _ in queries if o == owner) for owner, _ in queries) <= 4
