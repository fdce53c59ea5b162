"""Accounts that present themselves as the board's or a school's but are not in the registry (§5.h, §2.c).

The I/O stage finds candidates (accounts linked from the schools' websites,
look-alike searches) and puts them in `ctx.discovered` with their snapshot.
This module decides which of them present themselves as the CSNO's: suffix,
name close to a school's or the board's, official logo, description naming the
board. Being linked from a school's site is a reason more, never enough alone
(a school links to its town's page, too). Those that do not present themselves
as the board's are not reported.
"""

from __future__ import annotations

import re

from scanner.checks.base import Context, Discovered, Judges, Outcome, Severity, manuel, non_conforme
from scanner.checks.catalogue import check
from scanner.checks.logos import closest_logo, image_fingerprint, logo_label
from scanner.checks.name_likeness import Target, board_target, resembles, school_target, words
from scanner.checks.texts import mentions_board
from scanner.checks.unicode_names import fold, strip_accents, suspects
from scanner.config.models import account_key
from scanner.platforms.snapshot import Snapshot
from scanner.plumbing.french import listing, quoted

# A description that presents the account itself (« Compte officiel… », « Page des parents de
# l'École… »), not one that only names the board (« partenaire du CSNO », « située dans l'école »).
_PRESENTS = re.compile(r"\b(officiel|officielle|official)\b|^(la |le )?(page|compte|chaine|groupe|classe)\b")
_PLATFORM_NAMES = {"facebook": "Facebook", "instagram": "Instagram", "x": "X", "youtube": "YouTube"}


@check(
    id="account.unregistered",
    clause="§5.h, §2.c",
    severity=Severity.CRITIQUE,
    title="Compte au nom du CSNO absent du registre",
    verifies="""Un compte qui se présente comme celui du CSNO ou d’une de ses écoles (suffixe
    «\u00a0_CSNO\u00a0», nom semblable à celui d’une école ou du conseil, logo officiel, description qui le
    présente comme un compte du conseil), trouvé par les liens des sites Web des écoles ou en cherchant
    sur les plateformes des variantes des noms, figure au registre. Le détail dit pourquoi Vigie le
    rattache au CSNO et comment il l’a trouvé.""",
    why="""Les écoles doivent communiquer chaque compte à la coordonnatrice des communications (§5.h)
    et les logos du CSNO et des écoles sont réservés aux pages sanctionnées (§2.c). Un compte non
    déclaré échappe au contrôle du contenu; un compte d’usurpation trompe les familles.""",
    fix="""Si le compte appartient à l’école, remplissez le Formulaire DA 142 et faites-le inscrire au
    registre par la coordonnatrice des communications, ou fermez-le. S’il n’appartient ni à l’école
    ni au CSNO, signalez-le à la coordonnatrice des communications, qui demandera son retrait à la
    plateforme.""",
    needs_platform=False,
    judges=Judges.DISCOVERED,
)
def assess(ctx: Context) -> list[tuple[Discovered, Outcome]]:
    """One outcome per discovered account that presents itself as the CSNO's and is not registered."""
    findings = []
    for item in _unique(ctx.discovered):
        if _registered(item, ctx):
            continue
        outcome = _assess_one(item, ctx)
        if outcome is not None:
            findings.append((item, outcome))
    return findings


def _assess_one(item: Discovered, ctx: Context) -> Outcome | None:
    snapshot = item.snapshot
    presents = _self_presentation(item, ctx)
    if not presents:
        if item.school and (snapshot is None or not snapshot.ok):
            school = ctx.registry.school(item.school).name
            return manuel(
                f"le site de l’{school} renvoie au compte ({item.found_on}), mais le compte n’a pas pu être lu"
            )
        return None
    reasons = presents + _linked_from(item, ctx)
    return non_conforme(f"compte {item.url} absent du registre; pourquoi\u00a0: {listing(reasons)}")


def _self_presentation(item: Discovered, ctx: Context) -> list[str]:
    snapshot = item.snapshot
    names = [item.handle]
    if snapshot and snapshot.ok:
        names += [n for n in (snapshot.name, snapshot.username) if n]
    reasons = []
    suffix = ctx.registry.board.suffix
    if any(_has_suffix(name, suffix) for name in names):
        reasons.append(f"le nom se termine par {quoted(suffix)}")
    similar = _similar_name(names, ctx)
    if similar:
        reasons.append(similar)
    if snapshot and snapshot.ok:
        reasons += _description_reasons(snapshot, ctx) + _logo_reasons(snapshot, ctx)
        if not similar:
            reasons += _acronym_and_school(names, snapshot, ctx)
        if snapshot.name and suspects(snapshot.name):
            reasons.append("le nom contient des caractères invisibles ou imités")
    return reasons


def _has_suffix(name: str, suffix: str) -> bool:
    bare = strip_accents(name).casefold().rstrip()
    bare = re.sub(r"\s*\(page officielle\)$", "", bare)
    return bare.endswith(suffix.casefold())


def _similar_name(names: list[str], ctx: Context) -> str | None:
    board = ctx.registry.board

    def build() -> list[tuple[Target, str]]:
        targets = [
            (school_target(school.name, school.acronyms, board.suffix), f"de l’{school.name}")
            for school in ctx.registry.schools
        ]
        return [*targets, (board_target(board.name, board.suffix), f"du {board.name}")]

    for name in names:
        for target, label in ctx.memo("unregistered.targets", build):
            if resembles(name, target):
                return f"le nom {quoted(name)} ressemble à celui {label}"
    return None


def _description_reasons(snapshot: Snapshot, ctx: Context) -> list[str]:
    board = ctx.registry.board
    text = snapshot.description or ""
    full, acronym = mentions_board(text, board.name, board.suffix)
    if (full or acronym) and _PRESENTS.search(fold(text)):
        return ["la description présente le compte comme celui du conseil scolaire ou d'une école"]
    return []


def _acronym_and_school(names: list[str], snapshot: Snapshot, ctx: Context) -> list[str]:
    """A class or club page: the school's acronym in the name, the school's name in the description
    (« Classe de 4e de Mme Côté – ÉQV », « … de la classe de 4e, École des Quatre-Vents »)."""
    described = fold(snapshot.description or "")
    said = {word for name in names for word in words(name)}
    for school in ctx.registry.schools:
        acronyms = [a for a in school.acronyms if fold(a).replace(" ", "") in said]
        if acronyms and fold(school.name) in described:
            return [f"le nom porte le sigle {quoted(acronyms[0])} et la description nomme l'{school.name}"]
    return []


def _logo_reasons(snapshot: Snapshot, ctx: Context) -> list[str]:
    if snapshot.avatar_is_silhouette or not snapshot.avatar_url:
        return []
    picture, _ = image_fingerprint(snapshot.avatar_url, ctx)
    if picture is None:
        return []
    closest = closest_logo(picture, ctx)
    if closest and closest[1] <= ctx.settings.logo.max_distance:
        return [f"la photo de profil est {logo_label(closest[0], ctx)} (distance {closest[1]})"]
    return []


def _linked_from(item: Discovered, ctx: Context) -> list[str]:
    if item.school:
        return [f"le site de l’{ctx.registry.school(item.school).name} renvoie au compte ({item.found_on})"]
    if item.variant:
        return [searched_phrase(item)]
    return [f"le compte a été repéré par {item.found_on}"] if item.found_on else []


def searched_phrase(item: Discovered) -> str:
    """How a look-up found the account: « trouvé en cherchant la variante « EQV_CSN0 » sur X »."""
    platform = _PLATFORM_NAMES.get(account_key(item.network, item.handle)[0], item.network)
    return f"trouvé en cherchant la variante {quoted(item.variant or item.handle)} sur {platform}"


def _registered(item: Discovered, ctx: Context) -> bool:
    key = account_key(item.network, item.handle)
    platform_id = item.snapshot.platform_id if item.snapshot else None
    for account in ctx.registry.accounts:
        if account.network.platform != key[0]:
            continue
        if account_key(account.network, account.handle) == key:
            return True
        live = ctx.snapshots.get(account.id)
        if platform_id and live is not None and live.platform_id == platform_id:
            return True
    return False


def _unique(items: tuple[Discovered, ...]) -> list[Discovered]:
    seen: dict[tuple[str, str], Discovered] = {}
    for item in items:
        key = account_key(item.network, item.handle)
        if key not in seen or (seen[key].school is None and item.school):
            seen[key] = item
    return list(seen.values())
