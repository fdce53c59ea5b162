"""Calibration of `scanner.checks.name_likeness` on labelled names (run with -s for the margins).

LOOK_ALIKES must resemble the school or board named beside them: typos, variants, camel case,
digits, English. UNRELATED must resemble none of the CSNO's names: the real neighbouring
francophone boards (one word apart: « Nord-Est »), other schools, the towns' pages, a local
business sharing a school's words. The margins printed are how far the worst look-alike word
and the best unrelated word are from `WORD_SIMILARITY`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.checks.name_likeness import (
    WORD_SIMILARITY,
    board_target,
    other_compound,
    resembles,
    school_target,
    word_score,
    words,
)
from scanner.config.load import load_config

REGISTRY = load_config(Path(__file__).resolve().parents[1] / "config").registry
BOARD = REGISTRY.board
TARGETS = {
    **{s.id: school_target(s.name, s.acronyms, BOARD.suffix) for s in REGISTRY.schools},
    "board": board_target(BOARD.name, BOARD.suffix),
}

LOOK_ALIKES = {
    "Ecole des Quatre Vents": "eqv",
    "ÉcoleDesQuatreVents": "eqv",
    "Quatre-Vents école": "eqv",
    "École des Quatres-Vents": "eqv",
    "Ecole des Quatre-Vent": "eqv",
    "Ecole des Qautre Vents": "eqv",
    "Ecole des 4 Vents": "eqv",
    "Éc. des Quatre-Vents": "eqv",
    "ÉQV Quatre Vents": "eqv",
    "Quatre Vents CSNO": "eqv",
    "Ecole des Quatre Vent Parents": "eqv",
    "École des Quatre-Vents Peace River": "eqv",
    "École Héritage": "eh",
    "École Héritagee": "eh",
    "EcoleHeritage": "eh",
    "Les amis de l'École Héritage": "eh",
    "Heritage School Falher": "eh",
    "École Nouvelle Frontière": "enf",
    "Nouvelle-Frontiere école": "enf",
    "Ecole Nouvele Frontiere": "enf",
    "Ecole Nouvelle Frontier": "enf",
    "École Nouvelle-Frontière Grande Prairie": "enf",
    "Conseil scolaire Nord-Ouest": "board",
    "Conseil Scolaire du Nord Ouest - Parents": "board",
    "conseilscolairedunordouest": "board",
    "Conseil scolaire du Nord-Ouest (officiel)": "board",
    "Conseil scolaire du Nord Ouest Alberta": "board",
    "CS Nord-Ouest": "board",
    "Conseil scolaire du Nord-Ouets": "board",
    "ENF CSNO Info": "enf",
    "eqvcsno": "eqv",
    "CSNO_ÉH": "eh",
}

UNRELATED = [
    "Conseil scolaire Centre-Nord",
    "Conseil scolaire Centre-Nord Edmonton",
    "Conseil scolaire Centre-Est",
    "Conseil scolaire FrancoSud",
    "Conseil scolaire du Nord-Est",
    "Conseil scolaire Nord-Est",
    "Conseil scolaire du Nord-Est de l'Ontario",
    "Conseil scolaire du Sud-Ouest",
    "Conseil scolaire catholique du Nouvel-Ontario",
    "Conseil scolaire francophone de la Colombie-Britannique",
    "École des Trois-Rivières",
    "École Citadelle",
    "École Nouvelle-Acadie",
    "École Frontière Nord",
    "École Nord-Ouest",
    "École La Mission",
    "Les Quatre Vents Camping",
    "Heritage Days Festival",
    "Ville de Falher",
    "Town of Peace River",
    "Bibliothèque municipale de Falher",
    "Association canadienne-française de l'Alberta",
    "Paroisse Sainte-Anne de Falher",
    "Falher Pirates Hockey",
    "Peace River Regional Library",
    "École Héritage-Saint-Jean",
    "École Frontière-Nouvelle-Acadie",
]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_look_alikes_resemble_their_school_or_board(name):
    assert resembles(name, TARGETS[LOOK_ALIKES[name]])


@pytest.mark.parametrize("name", UNRELATED)
def test_unrelated_names_resemble_nothing(name):
    assert not [key for key, target in TARGETS.items() if resembles(name, target)]


def _by_tag(name, target):
    said = words(name)
    return bool(target.tags & {*said, *(a + b for a, b in zip(said, said[1:], strict=False))})


def test_margins_around_the_word_similarity(capsys):
    """Not a timing: how close the labelled names come to the threshold, printed with -s."""
    alike = min(
        word_score(words(name), words(TARGETS[key].name))
        for name, key in LOOK_ALIKES.items()
        if "".join(words(TARGETS[key].name)) not in "".join(words(name))  # not matched whole
        and not _by_tag(name, TARGETS[key])  # nor by acronym + suffix
    )
    unrelated = max(
        word_score(words(name), words(target.name))
        for name in UNRELATED
        for target in TARGETS.values()
        if target.kinds & set(words(name))  # says it is a school or a board
        and not other_compound(name, words(target.name))  # « Héritage-Saint-Jean »: another name
    )
    with capsys.disabled():
        print(
            f"\nnames: worst look-alike word {alike}, best unrelated word {unrelated}, "
            f"threshold {WORD_SIMILARITY} (margins {alike - WORD_SIMILARITY} and {WORD_SIMILARITY - unrelated})"
        )
    assert unrelated < WORD_SIMILARITY <= alike
