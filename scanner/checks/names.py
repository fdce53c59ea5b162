"""Account names (§5.c–5.e, §5.h): the `_CSNO` suffix, the official pattern, acronyms, the declared name.

Which field is which: the *name* is the display name people read (Facebook page
name, Instagram full name, X display name, YouTube channel title): the
designation rules of §5.c–5.e are about it. The *username* (@handle, vanity
URL) is an identifier whose alphabet has no accents, spaces or hyphens on any
of the four platforms, so it can never hold « École des Quatre-Vents » as
written: an acronym there is always justified (that is the « espace
restreint » of §5.e).
"""

from __future__ import annotations

import re

from scanner.checks.base import Context, Outcome, Severity, conforme, manuel, non_conforme
from scanner.checks.catalogue import check
from scanner.checks.unicode_names import clean, skeleton, strip_accents, suspects
from scanner.config.models import Account, School
from scanner.platforms.snapshot import Snapshot
from scanner.plumbing.french import listing, quoted

# Longest display name each platform accepts (None: no practical limit).
NAME_LIMITS: dict[str, int | None] = {"facebook": None, "instagram": 30, "x": 50, "youtube": 100}
PLATFORM_LABELS = {"facebook": "Facebook", "instagram": "Instagram", "x": "X", "youtube": "YouTube"}
OFFICIAL_MARK = "(page officielle)"
# An unknown all-capital token is taken as justified once the name fills this share of the limit.
_CROWDED = 0.8


def suffix_pattern(suffix: str) -> re.Pattern[str]:
    """`(nom)_CSNO`, a space before `_CSNO` tolerated, then optionally ` (page officielle)`."""
    return re.compile(rf"^(?P<nom>\S.*?) ?_{re.escape(suffix)}(?P<mark> \(page officielle\))?$")


@check(
    id="name.suffix",
    clause="§5.d",
    severity=Severity.MAJEURE,
    title="Nom du compte au format (nom)_CSNO",
    verifies="""Le nom affiché du compte a la forme «\u00a0(nom)_CSNO\u00a0» (une espace avant
    «\u00a0_CSNO\u00a0» est tolérée), suivie au besoin de «\u00a0(page officielle)\u00a0». Les
    caractères invisibles (espace sans chasse, marques de direction, trait d’union conditionnel…)
    et les lettres d’autres écritures qui imitent des lettres latines (le «\u00a0С\u00a0» cyrillique
    au lieu du «\u00a0C\u00a0» latin, par exemple) ne sont pas acceptés.""",
    why="""La DA 142 (§5.d) impose ce format pour que chacun reconnaisse un compte du CSNO. Un
    caractère invisible ou imité fait passer un compte pour un autre et déjoue la recherche\u00a0:
    c’est le procédé des comptes d’usurpation.""",
    fix="""Dans les paramètres du compte, retapez le nom au clavier, au format
    «\u00a0(nom)_CSNO\u00a0», sans copier-coller depuis une autre source. Si vous n’avez pas changé
    le nom, signalez-le à la coordonnatrice des communications\u00a0: le compte a peut-être été
    modifié par quelqu’un d’autre.""",
)
def name_suffix(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    if not snapshot.name:
        return manuel("la plateforme n’a pas donné le nom affiché du compte")
    found = suspects(snapshot.name)
    if found:
        return non_conforme(f"le nom {quoted(snapshot.name)} contient {_describe(found)}")
    suffix = ctx.registry.board.suffix
    if not suffix_pattern(suffix).match(clean(snapshot.name)):
        return non_conforme(f"le nom {quoted(snapshot.name)} ne se termine pas par {quoted('_' + suffix)}")
    return conforme()


def _describe(found: list) -> str:
    return listing([suspect.describe() for suspect in found])


@check(
    id="name.official",
    clause="§5.c",
    severity=Severity.MINEURE,
    title="Nom d’un compte officiel\u00a0: École …_CSNO (page officielle)",
    verifies="""Le compte officiel d’une école s’appelle «\u00a0École …_CSNO (page officielle)\u00a0»
    lorsque la plateforme accepte un nom aussi long. Instagram limite le nom à 30 caractères\u00a0:
    la mention «\u00a0(page officielle)\u00a0» n’y tient pas et la règle est alors jugée conforme,
    avec une note. Ne s’applique pas aux comptes qui ne sont pas officiels.""",
    why="""La DA 142 (§5.c) fixe cette désignation des comptes officiels\u00a0: elle distingue la page
    de l’école des comptes de classe, d’équipe ou de projet.""",
    fix="""Renommez le compte officiel «\u00a0École (nom de l’école)_CSNO (page officielle)\u00a0»
    dans ses paramètres, puis informez-en la coordonnatrice des communications pour la mise à
    jour du registre.""",
)
def name_official(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome | None:
    if not account.official:
        return None
    school = ctx.registry.school(account.school)
    suffix = ctx.registry.board.suffix
    platform = account.network.platform
    expected = f"{school.name}_{suffix} {OFFICIAL_MARK}"
    limit = NAME_LIMITS.get(platform)
    if limit is not None and len(expected) > limit:
        return conforme(
            f"{PLATFORM_LABELS[platform]} limite le nom à {limit} caractères\u00a0: "
            f"{quoted(expected)} ({len(expected)} caractères) n’y tient pas"
        )
    if not snapshot.name:
        return manuel("la plateforme n’a pas donné le nom affiché du compte")
    match = suffix_pattern(suffix).match(skeleton(snapshot.name))
    if match and match["mark"] and match["nom"].startswith("École "):
        return conforme()
    return non_conforme(
        f"le nom {quoted(snapshot.name)} n’a pas la forme {quoted('École …_' + suffix + ' ' + OFFICIAL_MARK)}"
    )


@check(
    id="name.acronym",
    clause="§5.e",
    severity=Severity.MINEURE,
    title="Pas d’acronyme, sauf manque d’espace",
    verifies="""Le nom affiché n’utilise pas d’acronyme d’école (ÉNF, ÉQV, ÉH…) ni d’autre sigle en
    majuscules, sauf si le nom complet dépasse la limite de longueur de la plateforme (X\u00a0: 50
    caractères, Instagram\u00a0: 30, YouTube\u00a0: 100). Le nom d’utilisateur (@…) n’est pas visé\u00a0:
    sur toutes les plateformes, il ne peut contenir ni accents, ni espaces, ni traits d’union,
    donc jamais le nom de l’école tel qu’il s’écrit.""",
    why="""La DA 142 (§5.e) demande d’éviter le plus possible les acronymes et de ne les utiliser
    qu’en cas d’espace restreint\u00a0: le nom complet de l’école est plus clair pour les familles et
    plus difficile à imiter.""",
    fix="""Remplacez l’acronyme par le nom complet de l’école dans le nom du compte (par exemple
    «\u00a0École Nouvelle-Frontière 6e_science_CSNO\u00a0» au lieu de «\u00a0ÉNF6e_science_CSNO\u00a0»).
    Si l’espace manque vraiment, demandez une dérogation à la coordonnatrice des
    communications.""",
)
def name_acronym(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    if not snapshot.name:
        return manuel("la plateforme n’a pas donné le nom affiché du compte")
    name = skeleton(snapshot.name)
    platform = account.network.platform
    limit = NAME_LIMITS.get(platform)
    owners = _acronym_owners(ctx)
    problems = []
    for token in acronym_tokens(name, ctx.registry.board.suffix):
        school = owners.get(_key(token))
        if school is not None:
            full = name.replace(token, school.name, 1)
            if limit is not None and len(full) > limit:
                continue
            room = (
                f"{PLATFORM_LABELS[platform]} n’impose pas de limite de longueur au nom"
                if limit is None
                else f"il tient dans la limite de {limit} caractères de {PLATFORM_LABELS[platform]}"
            )
            problems.append(
                f"acronyme {quoted(token)}\u00a0: nom complet {quoted(full)} ({len(full)} caractères), {room}"
            )
        elif limit is None or len(name) < _CROWDED * limit:
            problems.append(
                f"sigle {quoted(token)} alors que le nom a la place de l’écrire en toutes lettres"
            )
    if problems:
        return non_conforme("; ".join(problems))
    return conforme()


def acronym_tokens(name: str, suffix: str) -> list[str]:
    """All-capital tokens of 2+ letters but the board's suffix: registry acronyms (ÉQV, or EQV
    without its accent) and any other sigle. A lower-case « eh » is a word, not « ÉH »."""
    found = []
    for token in _tokens(name):
        if _key(token) == _key(suffix):
            continue
        if len(token) >= 2 and token.isupper():
            found.append(token)
    return found


def _tokens(name: str) -> list[str]:
    """Words of a name, split at punctuation, digits and camel case: `ÉNF6e_science` -> ÉNF, 6e, science."""
    tokens = []
    for word in re.findall(r"[^\W\d_]+|\d+(?:ième|ème|er|re|e)?", name):
        if word[0].isdigit():
            tokens.append(word)
            continue
        tokens.extend(_split_camel(word))
    return tokens


def _split_camel(word: str) -> list[str]:
    """`EHeritage` -> E, Heritage; `EQVBibliotheque` -> EQV, Bibliotheque."""
    parts: list[str] = []
    current = ""
    for char in word:
        if current and char.isupper() and current[-1].islower():
            parts.append(current)
            current = char
        elif char.islower() and len(current) >= 2 and current.isupper():
            parts.append(current[:-1])
            current = current[-1] + char
        else:
            current += char
    parts.append(current)
    return parts


def _acronym_owners(ctx: Context) -> dict[str, School]:
    return ctx.memo(
        "names.acronym_owners",
        lambda: {_key(acronym): school for school in ctx.registry.schools for acronym in school.acronyms},
    )


def _key(token: str) -> str:
    return strip_accents(token).upper()


@check(
    id="name.registered",
    clause="§5.h",
    severity=Severity.MINEURE,
    title="Nom en ligne identique au nom déclaré",
    verifies="""Le nom affiché du compte est exactement le nom déclaré au registre (mêmes lettres,
    mêmes accents, espaces multiples ignorées).""",
    why="""La DA 142 (§5.h) demande aux écoles de communiquer le nom du compte à la coordonnatrice
    des communications\u00a0: un nom modifié sans le dire rend le compte difficile à retrouver et
    peut signaler une prise de contrôle.""",
    fix="""Remettez le nom déclaré dans les paramètres du compte, ou, si le changement est voulu,
    communiquez le nouveau nom à la coordonnatrice des communications pour la mise à jour du
    registre.""",
)
def name_registered(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    if not snapshot.name:
        return manuel("la plateforme n’a pas donné le nom affiché du compte")
    if clean(snapshot.name) == clean(account.name):
        return conforme()
    detail = f"nom en ligne {quoted(snapshot.name)}, nom déclaré {quoted(account.name)}"
    if suspects(snapshot.name) and clean(snapshot.name) != clean(account.name):
        detail += " (le nom en ligne contient des caractères invisibles ou imités)"
    return non_conforme(detail)
