"""Links of the profile (§5.g): the school's website, the board's, and that they answer.

Only `snapshot.links` counts (the adapters expand shortened links and split
free-text fields); a link still on t.co was not expanded and matches nothing.
"""

from __future__ import annotations

import functools

from scanner.checks.base import Context, Outcome, Severity, conforme, non_conforme, non_verifiable
from scanner.checks.catalogue import check
from scanner.config.models import Account
from scanner.net.urls import host_and_path, is_web_url, matches_site, normalise
from scanner.platforms.snapshot import Snapshot
from scanner.plumbing.french import listing

SHORTENERS = frozenset({"t.co"})


def profile_links(snapshot: Snapshot) -> list[str]:
    """The profile's web links, normalised, in order, without unexpanded t.co links."""
    return list(_web_links(tuple(snapshot.links)))


@functools.lru_cache(maxsize=256)  # the three link checks of one account ask in turn
def _web_links(raw: tuple[str, ...]) -> tuple[str, ...]:
    links: list[str] = []
    for link in raw:
        if not is_web_url(link) and not is_web_url("http://" + link):
            continue
        url = normalise(link)
        if host_and_path(url)[0] in SHORTENERS or url in links:
            continue
        links.append(url)
    return tuple(links)


def _links_to(snapshot: Snapshot, website: str, whose: str) -> Outcome:
    links = profile_links(snapshot)
    if any(matches_site(link, website) for link in links):
        return conforme()
    shown = listing(links) if links else "aucun"
    return non_conforme(f"aucun lien vers {whose} ({website}); liens du profil\u00a0: {shown}")


@check(
    id="links.school",
    clause="§5.g",
    severity=Severity.MINEURE,
    title="Lien vers le site Web de l’école",
    verifies="""Le profil (site Web, liens, description) contient un lien vers le site Web de l’école
    ou l’une de ses pages.""",
    why="""La DA 142 (§5.g) demande d’inclure le lien du site Web de l’école\u00a0: il confirme aux
    familles que le compte est bien celui de l’école et les dirige vers l’information officielle.""",
    fix="""Ajoutez l’adresse du site Web de l’école dans le champ «\u00a0Site Web\u00a0» (ou les liens)
    du profil.""",
)
def links_school(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    school = ctx.registry.school(account.school)
    return _links_to(snapshot, school.website, "le site de l’école")


@check(
    id="links.board",
    clause="§5.g",
    severity=Severity.MINEURE,
    title="Lien vers le site Web du CSNO",
    verifies="""Le profil contient un lien vers le site Web du CSNO (www.csno.ab.ca). Un lien vers
    le site d’une école (eqv.csno.ab.ca, par exemple) ne compte pas.""",
    why="""La DA 142 (§5.g) demande d’inclure les liens du site Web de l’école et du CSNO.""",
    fix="""Ajoutez https://www.csno.ab.ca aux liens du profil (à côté du site de l’école).""",
)
def links_board(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    return _links_to(snapshot, ctx.registry.board.website, "le site du CSNO")


@check(
    id="links.alive",
    clause="§5.g",
    severity=Severity.MINEURE,
    title="Liens du profil fonctionnels",
    verifies="""Chaque lien du profil répond (pas d’erreur 404, de site fermé ou de domaine expiré).
    Un lien que Vigie n’a pas pu vérifier pendant l’audit rend la règle non vérifiable.""",
    why="""Un lien mort vers le site de l’école ou du CSNO (§5.g) envoie les familles vers une
    impasse, et un domaine expiré peut être racheté par n’importe qui.""",
    fix="""Corrigez ou retirez dans le profil les liens signalés; utilisez l’adresse actuelle du
    site de l’école.""",
)
def links_alive(account: Account, snapshot: Snapshot, ctx: Context) -> Outcome:
    links = profile_links(snapshot)
    if not links:
        return conforme("aucun lien dans le profil")
    dead, unknown = [], []
    for link in links:
        evidence = ctx.links.get(link)
        if evidence is None or evidence.alive is None:
            unknown.append(link)
        elif not evidence.alive:
            why = (
                f"code {evidence.status_code}"
                if evidence.status_code
                else (evidence.error or "ne répond pas")
            )
            dead.append(f"{link} ({why})")
    if dead:
        return non_conforme(f"lien mort\u00a0: {listing(dead)}")
    if unknown:
        return non_verifiable(f"lien non vérifié pendant cet audit\u00a0: {listing(unknown)}")
    return conforme("un lien vérifié" if len(links) < 2 else f"{len(links)}\u00a0liens vérifiés")
